"""Specs for embedding, embedding_bag and one_hot."""

import numpy
import torch

import ember
from opspecs import FLOATING, Fixed, OpSpec, S

EF, TF = ember.nn.functional, torch.nn.functional

_IDX = Fixed(numpy.array([[0, 2, 4], [4, 3, 2]]))
_FLAT = Fixed(numpy.array([1, 2, 4, 5, 4, 3, 2, 9]))
_OFF = Fixed(numpy.array([0, 2, 2, 5]))
# include_last_offset needs offsets[-1] == len(input) (PyTorch's float64 path otherwise
# extends the last bag to the end of the input while its float32 path does not).
_OFF_LAST = Fixed(numpy.array([0, 2, 2, 5, 8]))


def _bag(F, **kw):
    return lambda idx, w, *rest: F.embedding_bag(idx, w, *rest, **kw)


SPECS = [
    OpSpec(
        "embedding",
        lambda w, i: EF.embedding(i, w),
        lambda w, i: TF.embedding(i, w),
        FLOATING,
        lambda make: [
            S(make(5, 3), _IDX),
            S(make(5, 3), Fixed(numpy.array(3))),
            S(make(5, 2), Fixed(numpy.array([1, 1, 1, 0]))),
        ],
    ),
    OpSpec(
        "embedding_padding_idx",
        lambda w, i: EF.embedding(i, w, padding_idx=2),
        lambda w, i: TF.embedding(i, w, padding_idx=2),
        ("float32",),  # a float64 gradcheck sees the masked/scaled rows as wrong,
        lambda make: [S(make(5, 3), _IDX)],
    ),
    OpSpec(
        "embedding_scale_grad_by_freq",
        lambda w, i: EF.embedding(i, w, padding_idx=-1, scale_grad_by_freq=True),
        lambda w, i: TF.embedding(i, w, padding_idx=-1, scale_grad_by_freq=True),
        ("float32",),  # a float64 gradcheck sees the masked/scaled rows as wrong,
        lambda make: [S(make(5, 3), _IDX)],
    ),
    OpSpec(
        "embedding_max_norm",
        lambda w, i: EF.embedding(i, w.detach().clone(), max_norm=1.0),
        lambda w, i: TF.embedding(i, w.detach().clone(), max_norm=1.0),
        FLOATING,
        lambda make: [S(make(5, 3), _IDX)],
        grad=False,
    ),
    OpSpec(
        "embedding_bag_2d",
        lambda w, i, m: EF.embedding_bag(i, w, mode=m),
        lambda w, i, m: TF.embedding_bag(i, w, mode=m),
        FLOATING,
        lambda make: [S(make(5, 3), _IDX, m) for m in ("sum", "mean", "max")],
    ),
    OpSpec(
        "embedding_bag_offsets",
        lambda w, i, o, m, last: EF.embedding_bag(i, w, o, mode=m, include_last_offset=last),
        lambda w, i, o, m, last: TF.embedding_bag(i, w, o, mode=m, include_last_offset=last),
        FLOATING,
        lambda make: [
            S(make(10, 3), _FLAT, _OFF_LAST if last else _OFF, m, last)
            for m in ("sum", "mean", "max")
            for last in (False, True)
        ],
    ),
    OpSpec(
        "embedding_bag_per_sample_weights",
        lambda w, p, i, o: EF.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
        lambda w, p, i, o: TF.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
        FLOATING,
        lambda make: [S(make(10, 3), make(8), _FLAT, _OFF)],
    ),
    OpSpec(
        "embedding_bag_padding_idx",
        lambda w, i, o, m: EF.embedding_bag(i, w, o, mode=m, padding_idx=4),
        lambda w, i, o, m: TF.embedding_bag(i, w, o, mode=m, padding_idx=4),
        FLOATING,
        lambda make: [S(make(10, 3), _FLAT, _OFF, m) for m in ("sum", "mean", "max")],
    ),
    OpSpec(
        "one_hot",
        EF.one_hot,
        TF.one_hot,
        ("int64",),
        lambda make: [
            S(Fixed(numpy.array([0, 3, 1]))),
            S(Fixed(numpy.array([[0, 1], [2, 0]])), 5),
            S(Fixed(numpy.zeros((0,), "int64")), 3),
        ],
        grad=False,
    ),
]
