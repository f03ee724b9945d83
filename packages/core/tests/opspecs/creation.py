"""Specs for the deterministic creation ops and dtype conversions."""

import warnings

import torch

import ember
from opspecs import ALL, COMPLEX, FLOATING, HALF, INTEGRAL, OpSpec, S

SHAPES = lambda make: [make(3, 4), make(), make(0, 2), make(4, 3).T]  # noqa: E731
NAMES = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
]
DIFFERENTIABLE = FLOATING + COMPLEX


def _quiet(fn):
    """Complex -> real casts warn (in PyTorch and Ember alike); the specs check values."""

    def call(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args, **kwargs)

    return call


def _cast_specs(target):
    """Two specs per target dtype: VJP-checked sources (float/complex, no complex -> real,
    and gradcheck only where the target keeps float64 precision), then every other source
    forward only."""
    e_dt, t_dt = getattr(ember, target), getattr(torch, target)
    grad_from = []
    if target in DIFFERENTIABLE:
        for source in DIFFERENTIABLE:
            if source.startswith("complex") and not target.startswith("complex"):
                continue  # the harness draws complex cotangents for real outputs: see below
            if source == "float64" and target in ("float32", "complex64"):
                continue  # finite differences through a float32 result are too coarse
            grad_from.append(source)
    op, ref = _quiet(lambda x: x.to(e_dt)), _quiet(lambda x: x.to(t_dt))
    # float -> int casts of values outside the target's range are undefined behaviour in
    # C++; the domain keeps them in range for every integer target.
    specs = [
        OpSpec(
            f"to_{target}_forward",
            op,
            ref,
            tuple(d for d in ALL if d not in grad_from),
            SHAPES,
            domain=(-100.0, 100.0),
            grad=False,
        )
    ]
    if grad_from:
        specs.append(OpSpec(f"to_{target}", op, ref, tuple(grad_from), SHAPES))
    return specs


SPECS = [spec for name in NAMES for spec in _cast_specs(name)] + [
    OpSpec("clone", ember.clone, torch.clone, ALL, SHAPES),
    OpSpec("Tensor.clone", lambda x: x.clone(), lambda x: x.clone(), FLOATING + COMPLEX, SHAPES),
    OpSpec("zeros_like", ember.zeros_like, torch.zeros_like, ALL, SHAPES, grad=False),
    OpSpec("ones_like", ember.ones_like, torch.ones_like, ALL, SHAPES, grad=False),
    OpSpec(
        "full_like",
        lambda x: ember.full_like(x, 3),
        lambda x: torch.full_like(x, 3),
        ALL,
        SHAPES,
        grad=False,
    ),
    OpSpec(
        "zeros_like_dtype",
        lambda x: ember.zeros_like(x, dtype=ember.int32),
        lambda x: torch.zeros_like(x, dtype=torch.int32),
        FLOATING,
        SHAPES,
        grad=False,
    ),
    OpSpec(
        "new_ones",
        lambda x: x.new_ones(2, 3),
        lambda x: x.new_ones(2, 3),
        ALL,
        lambda make: [make(4)],
        grad=False,
    ),
    OpSpec(
        "full",
        ember.full,
        torch.full,
        ("float32",),
        lambda make: [
            S((2, 3), 1.5),
            S((2,), 7),
            S((3,), True),
            S((1, 2), 1 - 2j),
            S((0, 2), 1.0),
            S((2,), 2.7, dtype=ember.int16),
            S((2,), 2, dtype=ember.float64),
        ],
        grad=False,
    ),
    OpSpec(
        "zeros",
        ember.zeros,
        torch.zeros,
        ("float32",),
        lambda make: [
            S(2, 3),
            S((2, 3)),
            S(0),
            S(2, dtype=ember.bool),
            S(3, dtype=ember.complex128),
        ],
        grad=False,
    ),
    OpSpec(
        "ones",
        ember.ones,
        torch.ones,
        ("float32",),
        lambda make: [S(2, 3), S([4]), S(2, dtype=ember.uint8), S(2, dtype=ember.bfloat16)],
        grad=False,
    ),
    OpSpec(
        "arange",
        ember.arange,
        torch.arange,
        ("float32",),
        lambda make: [
            S(5),
            S(2, 9, 3),
            S(1, 2.5, 0.5),
            S(10, 0, -3),
            S(0, 1, 0.1),
            S(0.5, 3, dtype=ember.int64),
            S(6, dtype=ember.float16),
            S(-1, 1, 0.25, dtype=ember.float64),
            S(4, dtype=ember.uint8),
            S(2, 2),
        ],
        grad=False,
    ),
    OpSpec(
        "linspace",
        ember.linspace,
        torch.linspace,
        ("float32",),
        lambda make: [
            S(0, 1, 5),
            S(-3, 7, 11),
            S(0, 10, 4, dtype=ember.int64),
            S(-5, 10, 7, dtype=ember.int64),
            S(2, 2, 1),
            S(0, 1, 0),
            S(1, -1, 6, dtype=ember.float64),
            S(0, 1j, 3),
            S(0, 100, 7, dtype=ember.float16),
            S(0, 255, 9, dtype=ember.uint8),
        ],
        grad=False,
    ),
    OpSpec(
        "logspace",
        ember.logspace,
        torch.logspace,
        ("float32",),
        lambda make: [
            S(0, 3, 4),
            S(0, 3, 4, 2),
            S(0, 3, 4, dtype=ember.int64),
            S(-2, 2, 5, dtype=ember.float64),
            S(0, 1, 1),
            S(0.5, 1.5, 11, dtype=ember.int32),
        ],
        grad=False,
    ),
    OpSpec(
        "eye",
        ember.eye,
        torch.eye,
        ("float32",),
        lambda make: [
            S(3),
            S(2, 4),
            S(4, 2, dtype=ember.int64),
            S(0, 3),
            S(2, 3, dtype=ember.bool),
            S(2, dtype=ember.complex64),
        ],
        grad=False,
    ),
]

assert set(HALF + INTEGRAL) <= set(ALL)
