"""Specs for convolutions (1-3 spatial dims, transposed) and unfold/fold."""

import warnings

import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF
from opspecs import COMPLEX, FLOATING, HALF, OpSpec, S


def _quiet(fn):
    """PyTorch warns that 'same' padding with an even kernel copies its input: not a test
    failure (pytest turns warnings into errors)."""

    def call(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args, **kwargs)

    return call


HALF_TOL = {"float16": (1e-2, 1e-2), "bfloat16": (5e-2, 5e-2)}


def _conv2d_samples(make):
    return [
        S(make(2, 3, 6, 5), make(4, 3, 3, 3), make(4)),
        S(make(1, 4, 7, 6), make(6, 2, 3, 2), None, stride=2, padding=1, groups=2),
        S(make(2, 2, 6, 6), make(2, 2, 2, 3), make(2), padding="same", dilation=(2, 1)),
        S(make(3, 5, 5), make(2, 3, 3, 3), make(2), padding="valid"),  # unbatched
        S(make(1, 2, 7, 8), make(3, 2, 3, 3), make(3), stride=(2, 3), padding=(1, 2)),
        S(make(2, 4, 5, 5), make(4, 1, 3, 3), make(4), padding=1, groups=4),  # depthwise
        S(make(2, 3, 4, 4).transpose(0, 1, 3, 2), make(2, 3, 1, 1)),  # non-contiguous, 1x1
        S(make(0, 3, 5, 5), make(2, 3, 3, 3), make(2), padding=1),  # empty batch
    ]


def _convt2d_samples(make):
    return [
        S(make(2, 3, 4, 3), make(3, 2, 3, 3), make(2)),
        S(make(1, 4, 3, 4), make(4, 3, 3, 2), make(6), stride=2, padding=1, groups=2),
        S(make(2, 2, 3, 3), make(2, 2, 2, 2), None, stride=(2, 3), output_padding=(1, 2)),
        S(make(2, 3, 3), make(2, 3, 3, 3), make(3), dilation=2, padding=1),  # unbatched
        S(make(1, 2, 3, 3), make(2, 1, 3, 3), make(1), stride=1, output_padding=1, dilation=2),
    ]


SPECS = [
    OpSpec(
        "conv2d",
        ember.conv2d,
        _quiet(torch.conv2d),
        FLOATING + HALF + COMPLEX + ("int64",),
        _conv2d_samples,
        tol=HALF_TOL,
    ),
    OpSpec(
        "conv1d",
        ember.conv1d,
        _quiet(torch.conv1d),
        FLOATING,
        lambda make: [
            S(make(2, 3, 7), make(4, 3, 3), make(4)),
            S(make(1, 4, 9), make(2, 2, 2), None, stride=2, padding=2, dilation=2, groups=2),
            S(make(3, 6), make(2, 3, 4), make(2), padding="same"),
        ],
    ),
    OpSpec(
        "conv3d",
        ember.conv3d,
        torch.conv3d,
        FLOATING,
        lambda make: [
            S(make(1, 2, 4, 3, 4), make(3, 2, 2, 2, 2), make(3)),
            S(
                make(2, 2, 4, 4, 3),
                make(2, 1, 3, 2, 2),
                None,
                stride=(2, 1, 1),
                padding=1,
                groups=2,
            ),
        ],
    ),
    OpSpec(
        "conv_transpose2d",
        ember.conv_transpose2d,
        torch.conv_transpose2d,
        FLOATING + HALF + COMPLEX + ("int64",),
        _convt2d_samples,
        tol=HALF_TOL,
    ),
    OpSpec(
        "conv_transpose1d",
        ember.conv_transpose1d,
        torch.conv_transpose1d,
        FLOATING,
        lambda make: [
            S(make(2, 3, 4), make(3, 2, 3), make(2)),
            S(
                make(1, 2, 5),
                make(2, 2, 2),
                make(4),
                stride=3,
                padding=1,
                output_padding=2,
                groups=2,
            ),
        ],
    ),
    OpSpec(
        "conv_transpose3d",
        ember.conv_transpose3d,
        torch.conv_transpose3d,
        FLOATING,
        lambda make: [
            S(make(1, 2, 2, 3, 2), make(2, 3, 2, 2, 2), make(3)),
            S(
                make(1, 2, 2, 2, 3),
                make(2, 1, 2, 3, 2),
                None,
                stride=2,
                padding=(0, 1, 0),
                groups=2,
            ),
        ],
    ),
    OpSpec(
        "functional_unfold",
        EF.unfold,
        TF.unfold,
        FLOATING + HALF,
        lambda make: [
            S(make(2, 3, 5, 4), 2),
            S(make(1, 2, 6, 7), (2, 3), dilation=(2, 1), padding=1, stride=(2, 3)),
            S(make(2, 4, 4), 3, padding=1),
        ],
    ),
    OpSpec(
        "functional_fold",
        EF.fold,
        TF.fold,
        FLOATING + HALF,
        lambda make: [
            S(make(2, 12, 12), (4, 5), 2),
            S(make(1, 12, 9), (6, 7), (2, 3), dilation=(2, 1), padding=1, stride=(2, 3)),
            S(make(18, 16), (4, 4), 3, padding=1),
        ],
    ),
]
