"""Specs for max/avg/adaptive/unpool/LP pooling."""

import numpy
import torch
import torch.nn.functional as TF

import ember.nn.functional as EF
from opspecs import FLOATING, HALF, Fixed, OpSpec, S

HALF_TOL = {"float16": (1e-3, 1e-3), "bfloat16": (1e-2, 1e-2)}


def _unpool_samples(make):
    # Indices from PyTorch's own max_pool2d, so they are valid (and unique) by construction.
    x = torch.from_numpy(numpy.random.default_rng(3).standard_normal((2, 3, 6, 4)))
    y, i = TF.max_pool2d(x, 2, return_indices=True)
    y2, i2 = TF.max_pool2d(x[0], 2, stride=2, padding=1, return_indices=True)
    return [
        S(make(*y.shape), Fixed(i.numpy()), 2),
        S(make(*y.shape), Fixed(i.numpy()), 2, output_size=(7, 5)),
        S(make(*y2.shape), Fixed(i2.numpy()), 2, stride=2, padding=1),
    ]


SPECS = [
    OpSpec(
        "max_pool2d",
        EF.max_pool2d,
        TF.max_pool2d,
        FLOATING + HALF,
        lambda make: [
            S(make(2, 3, 6, 5), 2),
            S(make(1, 2, 7, 6), 3, 2, 1, return_indices=True),
            S(make(2, 7, 7), (3, 2), (2, 1), (1, 0), dilation=(1, 2), ceil_mode=True),
            S(make(1, 2, 5, 5), 2, ceil_mode=True, return_indices=True),
            S(make(2, 2, 4, 6).transpose(0, 1, 3, 2), 2),  # non-contiguous
            S(make(0, 2, 4, 4), 2),  # empty batch
        ],
    ),
    OpSpec(
        "max_pool1d",
        EF.max_pool1d,
        TF.max_pool1d,
        FLOATING,
        lambda make: [
            S(make(2, 3, 7), 2),
            S(make(3, 9), 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
        ],
    ),
    OpSpec(
        "max_pool3d",
        EF.max_pool3d,
        TF.max_pool3d,
        FLOATING,
        lambda make: [
            S(make(1, 2, 4, 5, 4), 2),
            S(make(2, 3, 4, 5), (2, 3, 2), (1, 2, 2), (1, 1, 0), return_indices=True),
        ],
    ),
    OpSpec(
        "avg_pool2d",
        EF.avg_pool2d,
        TF.avg_pool2d,
        FLOATING + HALF,
        lambda make: [
            S(make(2, 3, 6, 5), 2),
            S(make(1, 2, 7, 6), 3, 2, 1),
            S(make(2, 7, 7), 3, 2, 1, ceil_mode=True, count_include_pad=False),
            S(make(1, 2, 5, 5), 2, 2, 1, ceil_mode=True),
            S(make(1, 1, 5, 4), (3, 2), 1, (1, 0), divisor_override=5),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "avg_pool1d",
        EF.avg_pool1d,
        TF.avg_pool1d,
        FLOATING,
        lambda make: [S(make(2, 3, 7), 2), S(make(3, 9), 3, 2, 1, True, False)],
    ),
    OpSpec(
        "avg_pool3d",
        EF.avg_pool3d,
        TF.avg_pool3d,
        FLOATING,
        lambda make: [
            S(make(1, 2, 4, 5, 4), 2),
            S(make(2, 4, 5, 3), (2, 3, 2), 1, 1, True, False),
            S(make(1, 1, 3, 3, 3), 2, divisor_override=3),
        ],
    ),
    OpSpec(
        "adaptive_avg_pool2d",
        EF.adaptive_avg_pool2d,
        TF.adaptive_avg_pool2d,
        FLOATING + HALF,
        lambda make: [
            S(make(2, 3, 7, 6), (3, 4)),
            S(make(2, 3, 6, 6), 2),
            S(make(3, 5, 4), (None, 3)),
            S(make(1, 2, 4, 4), 1),
        ],
        tol={"float16": (1e-2, 1e-2), "bfloat16": (5e-2, 5e-2)},
    ),
    OpSpec(
        "adaptive_avg_pool1d",
        EF.adaptive_avg_pool1d,
        TF.adaptive_avg_pool1d,
        FLOATING,
        lambda make: [S(make(2, 3, 7), 5), S(make(3, 8), 4)],
    ),
    OpSpec(
        "adaptive_avg_pool3d",
        EF.adaptive_avg_pool3d,
        TF.adaptive_avg_pool3d,
        FLOATING,
        lambda make: [S(make(1, 2, 5, 4, 7), (2, 3, 3)), S(make(2, 4, 4, 4), 2)],
    ),
    OpSpec(
        "adaptive_max_pool2d",
        EF.adaptive_max_pool2d,
        TF.adaptive_max_pool2d,
        FLOATING + HALF,
        lambda make: [
            S(make(2, 3, 7, 6), (3, 4), True),
            S(make(3, 5, 4), (None, 3)),
            S(make(1, 2, 4, 4), 1, return_indices=True),
        ],
    ),
    OpSpec(
        "adaptive_max_pool1d",
        EF.adaptive_max_pool1d,
        TF.adaptive_max_pool1d,
        FLOATING,
        lambda make: [S(make(2, 3, 7), 5, True), S(make(3, 8), 3)],
    ),
    OpSpec(
        "adaptive_max_pool3d",
        EF.adaptive_max_pool3d,
        TF.adaptive_max_pool3d,
        FLOATING,
        lambda make: [S(make(1, 2, 5, 4, 7), (2, 3, 3), True)],
    ),
    OpSpec("max_unpool2d", EF.max_unpool2d, TF.max_unpool2d, FLOATING, _unpool_samples),
    OpSpec(
        "max_unpool1d",
        EF.max_unpool1d,
        TF.max_unpool1d,
        FLOATING,
        lambda make: [
            S(
                make(2, 3, 3),
                Fixed(numpy.array([[0, 3, 5], [1, 2, 4], [0, 2, 5]] * 2).reshape(2, 3, 3)),
                2,
            )
        ],
    ),
    OpSpec(
        "lp_pool2d",
        EF.lp_pool2d,
        TF.lp_pool2d,
        FLOATING,
        lambda make: [S(make(2, 3, 6, 5), 2, 2), S(make(1, 2, 7, 6), 3, 3, 2, ceil_mode=True)],
        domain=(0.5, 2.0),
    ),
    OpSpec(
        "lp_pool1d",
        EF.lp_pool1d,
        TF.lp_pool1d,
        FLOATING,
        lambda make: [S(make(2, 3, 7), 2, 3, 2)],
        domain=(0.5, 2.0),
    ),
]
