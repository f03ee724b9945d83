"""Specs for the ops the core skeleton defines (arithmetic, exp/log, sum/mean, shapes,
matmul); families added later get their own module."""

import torch

import ember
from opspecs import ALL, COMPLEX, FLOATING, HALF, INTEGRAL, REAL, OpSpec, S

BINARY = lambda make: [  # noqa: E731
    S(make(3, 4), make(3, 4)),
    S(make(3, 1), make(1, 4)),  # broadcasting
    S(make(4, 3).T, make(3, 4)),  # non-contiguous
    S(make(), make(2, 3)),  # 0-d with >0-d
    S(make(0, 3), make(3)),  # empty
    S(make(2, 3), 2.5),  # Python scalar
    S(1.5, make(2, 3)),  # reflected scalar
]

SPECS = [
    OpSpec("add", ember.add, torch.add, ALL, BINARY),
    OpSpec(
        "add_alpha",
        lambda a, b: ember.add(a, b, alpha=2),
        lambda a, b: torch.add(a, b, alpha=2),
        FLOATING + INTEGRAL,
        lambda make: [S(make(3, 4), make(4))],
    ),
    OpSpec("sub", ember.sub, torch.sub, REAL + COMPLEX, BINARY),
    OpSpec("mul", ember.mul, torch.mul, ALL, BINARY),
    OpSpec(
        "div",
        ember.div,
        torch.div,
        REAL + COMPLEX,
        BINARY,
        avoid=lambda a: abs(a) < 0.2,
        domain=(-3, 3),
    ),
    OpSpec(
        "neg",
        ember.neg,
        torch.neg,
        REAL + COMPLEX,
        lambda make: [make(3, 4), make(), make(0, 2), make(4, 3).T],
    ),
    OpSpec(
        "exp",
        ember.exp,
        torch.exp,
        FLOATING + HALF + COMPLEX + INTEGRAL,
        lambda make: [make(3, 4), make(), make(0, 2), make(4, 3).T],
    ),
    OpSpec(
        "log",
        ember.log,
        torch.log,
        FLOATING + HALF,
        domain=(0.1, 5),
        samples=lambda make: [make(3, 4), make(), make(4, 3).T],
    ),
    OpSpec(
        "pow_scalar",
        lambda a: ember.pow(a, 3),
        lambda a: torch.pow(a, 3),
        FLOATING + HALF,
        lambda make: [make(3, 4), make()],
    ),
    OpSpec(
        "pow",
        ember.pow,
        torch.pow,
        FLOATING,
        domain=(0.5, 2),
        samples=lambda make: [S(make(3, 4), make(3, 4)), S(make(3, 1), make(4))],
    ),
    OpSpec(
        "sum",
        ember.sum,
        torch.sum,
        ALL,
        lambda make: [
            make(3, 4),
            make(),
            make(0, 3),
            S(make(2, 3, 4), 1),
            S(make(2, 3, 4), (0, 2), keepdim=True),
            S(make(4, 3).T, -1),
        ],
    ),
    OpSpec(
        "mean",
        ember.mean,
        torch.mean,
        FLOATING + COMPLEX,
        lambda make: [make(3, 4), make(), S(make(2, 3, 4), 1, keepdim=True)],
    ),
    OpSpec(
        "reshape",
        ember.reshape,
        torch.reshape,
        ALL,
        lambda make: [S(make(3, 4), (2, 6)), S(make(4, 3).T, (-1,)), S(make(), (1, 1))],
    ),
    OpSpec(
        "permute",
        ember.permute,
        torch.permute,
        FLOATING,
        lambda make: [S(make(2, 3, 4), (2, 0, 1))],
    ),
    OpSpec(
        "expand",
        lambda a, *s: a.expand(*s),
        lambda a, *s: a.expand(*s),
        FLOATING,
        lambda make: [S(make(3, 1), 3, 4), S(make(4), 2, 4), S(make(), 3)],
    ),
    OpSpec(
        "matmul",
        ember.matmul,
        torch.matmul,
        FLOATING + COMPLEX,
        lambda make: [
            S(make(3, 4), make(4, 5)),
            S(make(2, 3, 4), make(4)),
            S(make(4), make(2, 4, 3)),
            S(make(4), make(4)),
            S(make(2, 1, 3, 4), make(5, 4, 2)),
            S(make(4, 3).T, make(4, 2)),
        ],
    ),
]
