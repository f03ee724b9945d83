"""Specs for pad, interpolate, grid_sample, affine_grid and the pixel/channel shuffles."""

import torch

import ember
from opspecs import FLOATING, HALF, INTEGRAL, OpSpec, S

EF, TF = ember.nn.functional, torch.nn.functional


def _pad(F):
    return lambda x, p, mode="constant", value=None: F.pad(x, p, mode=mode, value=value)


def _interp(F):
    return lambda x, **kw: F.interpolate(x, **kw)


def _affine(F):
    return lambda t, size, ac: F.affine_grid(t, size, align_corners=ac)


SPECS = [
    OpSpec(
        "pad_constant",
        _pad(EF),
        _pad(TF),
        FLOATING + HALF + INTEGRAL + ("bool",),
        lambda make: [
            S(make(2, 3), (1, 2)),
            S(make(2, 3, 4), (1, 0, 2, 1), "constant", 1.0),
            S(make(2, 3, 4), (-1, 1, 0, -1)),  # negative pads crop
            S(make(2, 3, 2, 2), (1, 1, 1, 1, 1, 1, 0, 1)),  # every dim
            S(make(4, 3).T, (2, 2)),
        ],
    ),
    OpSpec(
        "pad_modes",
        _pad(EF),
        _pad(TF),
        FLOATING,
        lambda make: (
            [S(make(1, 2, 5), (2, 3), mode) for mode in ("reflect", "replicate", "circular")]
            + [
                S(make(2, 3, 4), (1, 2, 2, 1), mode)
                for mode in ("reflect", "replicate", "circular")
            ]
            + [
                S(make(1, 2, 3, 3, 4), (1, 2, 0, 1, 2, 1), mode)
                for mode in ("reflect", "replicate", "circular")
            ]
            + [S(make(2, 5), (3, 1), "reflect"), S(make(1, 2, 5), (-1, 2), "circular")]
        ),
    ),
    OpSpec(
        "interpolate_nearest",
        _interp(EF),
        _interp(TF),
        FLOATING + ("uint8",),
        lambda make: [
            S(make(1, 2, 5), size=8),
            S(make(1, 2, 5), size=3, mode="nearest-exact"),
            S(make(1, 2, 3, 4), scale_factor=2),
            S(make(1, 2, 3, 4), scale_factor=1.7, mode="nearest-exact"),
            S(make(1, 1, 2, 3, 4), size=(3, 5, 2)),
            S(make(1, 2, 4, 6), scale_factor=(0.5, 1.5), recompute_scale_factor=True),
        ],
    ),
    OpSpec(
        "interpolate_linear",
        _interp(EF),
        _interp(TF),
        FLOATING,
        lambda make: [
            S(make(2, 2, 5), size=8, mode="linear"),
            S(make(2, 2, 5), size=3, mode="linear", align_corners=True),
            S(make(1, 2, 3, 4), scale_factor=2, mode="bilinear"),
            S(make(1, 2, 5, 4), size=(3, 7), mode="bilinear", align_corners=True),
            S(make(1, 2, 5, 4), scale_factor=1.3, mode="bilinear"),
            S(make(1, 2, 5, 4), scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
            S(make(1, 1, 2, 3, 4), size=(3, 5, 2), mode="trilinear"),
            S(make(1, 1, 2, 3, 4), scale_factor=2, mode="trilinear", align_corners=True),
        ],
    ),
    OpSpec(
        "interpolate_bicubic",
        _interp(EF),
        _interp(TF),
        FLOATING,
        lambda make: [
            S(make(1, 2, 4, 5), size=(7, 3), mode="bicubic"),
            S(make(1, 2, 4, 5), scale_factor=2, mode="bicubic", align_corners=True),
        ],
        tol={"float32": (1e-5, 1e-5)},
    ),
    OpSpec(
        "interpolate_antialias",
        _interp(EF),
        _interp(TF),
        FLOATING,
        lambda make: [
            S(make(1, 2, 9, 11), size=(4, 5), mode="bilinear", antialias=True),
            S(make(2, 1, 7, 6), size=(3, 10), mode="bilinear", align_corners=True, antialias=True),
            S(make(1, 2, 9, 8), scale_factor=0.4, mode="bicubic", antialias=True),
            S(make(1, 1, 6, 7), size=(13, 3), mode="bicubic", align_corners=True, antialias=True),
            S(make(1, 2, 10, 9), size=(4, 4), mode="lanczos", antialias=True),
        ],
        tol={"float32": (1e-5, 1e-5)},
    ),
    OpSpec(
        "interpolate_area",
        _interp(EF),
        _interp(TF),
        FLOATING,
        lambda make: [
            S(make(1, 2, 7), size=3, mode="area"),
            S(make(1, 2, 6, 5), size=(4, 2), mode="area"),
            S(make(1, 1, 4, 4, 4), scale_factor=0.5, mode="area"),
        ],
    ),
    OpSpec(
        "grid_sample",
        lambda x, g, mode, pm, ac: EF.grid_sample(x, g, mode, pm, ac),
        lambda x, g, mode, pm, ac: TF.grid_sample(x, g, mode, pm, ac),
        FLOATING,
        lambda make: (
            [
                S(make(2, 2, 3, 4), make(2, 3, 2, 2, low=-1.3, high=1.3), mode, pm, ac)
                for mode in ("bilinear", "nearest")
                for pm in ("zeros", "border", "reflection")
                for ac in (False, True)
            ]
            + [
                S(
                    make(1, 2, 2, 3, 4),
                    make(1, 2, 2, 3, 3, low=-1.2, high=1.2),
                    "bilinear",
                    "zeros",
                    False,
                )
            ]
        ),
    ),
    OpSpec(
        "affine_grid",
        _affine(EF),
        _affine(TF),
        FLOATING,
        lambda make: [
            S(make(2, 2, 3), (2, 3, 4, 5), False),
            S(make(2, 2, 3), (2, 3, 4, 5), True),
            S(make(1, 3, 4), (1, 1, 2, 3, 4), False),
        ],
    ),
    OpSpec(
        "pixel_shuffle",
        ember.pixel_shuffle,
        torch.pixel_shuffle,
        FLOATING + INTEGRAL,
        lambda make: [S(make(1, 8, 2, 3), 2), S(make(9, 2, 2), 3), S(make(2, 1, 4, 1, 2), 2)],
    ),
    OpSpec(
        "pixel_unshuffle",
        ember.pixel_unshuffle,
        torch.pixel_unshuffle,
        FLOATING + INTEGRAL,
        lambda make: [S(make(1, 2, 4, 6), 2), S(make(1, 6, 3), 3)],
    ),
    OpSpec(
        "channel_shuffle",
        ember.channel_shuffle,
        torch.channel_shuffle,
        FLOATING + INTEGRAL,
        lambda make: [S(make(2, 6, 3), 3), S(make(1, 4, 2, 2), 2)],
    ),
]
