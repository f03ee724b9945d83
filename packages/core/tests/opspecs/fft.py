"""Specs for ``ember.fft``: forward values/dtypes, VJPs (incl. the one-sided R2C/C2R
Hermitian bookkeeping) against PyTorch, and float64 gradcheck/gradgradcheck."""

import torch

import ember
from opspecs import COMPLEX, FLOATING, INTEGRAL, OpSpec, S

FC = FLOATING + COMPLEX
NORMS = (None, "ortho", "forward", "backward")


def _spec(name, dtypes, samples, **kw):
    return OpSpec(name, getattr(ember.fft, name), getattr(torch.fft, name), dtypes, samples, **kw)


ONE_D = lambda make: [  # noqa: E731
    make(8),
    make(3, 5),
    S(make(6), n=8),
    S(make(6), n=4),
    S(make(3, 4), dim=0, norm="ortho"),
    S(make(3, 4), norm="forward"),
    S(make(5, 3).T, None, 0, "backward"),
    make(1),
]

N_D = lambda make: [  # noqa: E731
    make(2, 3, 4),
    S(make(2, 3, 4), s=(4, 4), dim=(0, 2)),
    S(make(3, 4), norm="ortho"),
    S(make(2, 3, 4), dim=(1,), norm="forward"),
    S(make(4, 3).T, s=(2, 5)),
    S(make(2, 3, 4), s=(3, 3)),
]

TWO_D = lambda make: [  # noqa: E731
    make(3, 4),
    make(2, 3, 5),
    S(make(3, 4), s=(4, 6), norm="ortho"),
    S(make(3, 4, 2), dim=(0, 1), norm="forward"),
]

C2R_1D = lambda make: [  # noqa: E731
    make(5),
    S(make(5), n=9),
    S(make(5), n=7),
    S(make(5), n=4),
    S(make(3, 4), dim=0, norm="ortho"),
    S(make(3, 4), norm="forward"),
    S(make(4, 3).T, 12),
]

C2R_ND = lambda make: [  # noqa: E731
    make(3, 4),
    make(2, 3, 4),
    S(make(3, 4), s=(3, 5)),
    S(make(2, 3, 4), s=(4, 6), dim=(0, 2), norm="ortho"),
    S(make(3, 4), norm="forward"),
]

SPECS = [
    _spec("fft", FC + INTEGRAL, ONE_D),
    _spec("ifft", FC, ONE_D),
    _spec("rfft", FLOATING + INTEGRAL, lambda make: ONE_D(make) + [make(7), S(make(6), n=9)]),
    _spec("irfft", FC, C2R_1D),
    _spec("hfft", FC, C2R_1D),
    _spec("ihfft", FLOATING, ONE_D),
    _spec("fftn", FC, lambda make: N_D(make) + [make(3)]),
    _spec("ifftn", FC, N_D),
    _spec("rfftn", FLOATING, N_D),
    _spec("irfftn", FC, C2R_ND),
    _spec("fft2", FC, TWO_D),
    _spec("ifft2", FC, TWO_D),
    _spec("rfft2", FLOATING, TWO_D),
    _spec("irfft2", FC, C2R_ND),
    _spec(
        "fftshift",
        FC,
        lambda make: [make(5), make(4, 5), S(make(4, 5), dim=1), S(make(2, 3, 4), dim=(0, 2))],
    ),
    _spec("ifftshift", FC, lambda make: [make(5), make(4, 5), S(make(4, 5), dim=-2)]),
    OpSpec(
        "fftfreq",
        lambda *a, **k: ember.fft.fftfreq(*a, **k),
        lambda *a, **k: torch.fft.fftfreq(*a, **k),
        ("float32",),
        lambda make: [S(5), S(4, 0.5), S(6, dtype=ember.float64)],
        grad=False,
    ),
    OpSpec(
        "rfftfreq",
        lambda *a, **k: ember.fft.rfftfreq(*a, **k),
        lambda *a, **k: torch.fft.rfftfreq(*a, **k),
        ("float32",),
        lambda make: [S(5), S(4, 0.5), S(6, dtype=ember.float64)],
        grad=False,
    ),
]
