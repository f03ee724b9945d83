"""Specs for the activation family (``ember._ops.activation``): elementwise activations,
softmax/log-softmax/softmin, GLU, PReLU, linear and bilinear."""

import numpy
import torch
import torch.nn.functional as F

import ember
import ember.nn.functional as EF
from opspecs import FLOATING, HALF, OpSpec, S

UNARY = lambda make: [  # noqa: E731
    make(3, 4),
    make(),
    make(0, 2),
    make(4, 3).T,
    make(2, 3, 4),
]


def near(*points, gap=0.02):
    """``avoid`` predicate: redraw values within ``gap`` of the kinks ``points``."""
    return lambda a: numpy.any([abs(a - p) < gap for p in points], axis=0)


def unary(name, e_fn, t_fn, dtypes=FLOATING + HALF, avoid=None, domain=(-3.0, 3.0), **kw):
    return OpSpec(name, e_fn, t_fn, dtypes, UNARY, domain=domain, avoid=avoid, **kw)


HALF_TOL = {"float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 1e-2)}

SPECS = [
    unary("elu", EF.elu, F.elu, avoid=near(0)),
    unary(
        "elu_alpha",
        lambda x: EF.elu(x, alpha=0.5),
        lambda x: F.elu(x, alpha=0.5),
        FLOATING,
        avoid=near(0),
    ),
    unary("selu", ember.selu, torch.selu, avoid=near(0)),
    unary(
        "celu",
        lambda x: ember.celu(x, alpha=1.5),
        lambda x: torch.celu(x, alpha=1.5),
        avoid=near(0),
    ),
    unary(
        "leaky_relu",
        lambda x: EF.leaky_relu(x, 0.2),
        lambda x: F.leaky_relu(x, 0.2),
        avoid=near(0),
    ),
    unary("relu6", EF.relu6, F.relu6, avoid=near(0, 6), domain=(-2, 8)),
    unary(
        "hardtanh",
        lambda x: EF.hardtanh(x, -0.5, 1.5),
        lambda x: F.hardtanh(x, -0.5, 1.5),
        avoid=near(-0.5, 1.5),
    ),
    unary("hardsigmoid", EF.hardsigmoid, F.hardsigmoid, avoid=near(-3, 3), domain=(-5, 5)),
    unary("hardswish", EF.hardswish, F.hardswish, avoid=near(-3, 3), domain=(-5, 5)),
    unary("gelu", EF.gelu, F.gelu, tol=HALF_TOL),
    unary(
        "gelu_tanh",
        lambda x: EF.gelu(x, approximate="tanh"),
        lambda x: F.gelu(x, approximate="tanh"),
        tol=HALF_TOL,
    ),
    unary("silu", EF.silu, F.silu, tol=HALF_TOL),
    unary("mish", EF.mish, F.mish, tol=HALF_TOL),
    unary("softplus", EF.softplus, F.softplus, tol=HALF_TOL),
    unary(
        "softplus_beta_threshold",
        lambda x: EF.softplus(x, beta=2.0, threshold=3.0),
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        FLOATING,
        avoid=near(1.5),
    ),
    unary("softsign", EF.softsign, F.softsign, FLOATING, avoid=near(0)),
    unary("softshrink", EF.softshrink, F.softshrink, avoid=near(-0.5, 0.5)),
    unary(
        "hardshrink",
        lambda x: ember.hardshrink(x, 0.7),
        lambda x: torch.hardshrink(x, 0.7),
        avoid=near(-0.7, 0.7),
    ),
    unary("tanhshrink", EF.tanhshrink, F.tanhshrink, FLOATING),
    unary(
        "threshold",
        lambda x: ember.threshold(x, 0.5, -2.0),
        lambda x: torch.threshold(x, 0.5, -2.0),
        avoid=near(0.5),
    ),
    unary("logsigmoid", EF.logsigmoid, F.logsigmoid, tol=HALF_TOL),
    unary(
        "logsigmoid_extreme",
        EF.logsigmoid,
        F.logsigmoid,
        FLOATING,
        domain=(-200, 200),
    ),
    unary(
        "rrelu_eval",
        lambda x: ember.rrelu(x, 0.1, 0.3),
        lambda x: torch.rrelu(x, 0.1, 0.3),
        FLOATING,
        avoid=near(0),
    ),
    OpSpec(
        "prelu",
        ember.prelu,
        torch.prelu,
        FLOATING,
        lambda make: [
            S(make(2, 3, 4), make(3)),
            S(make(2, 3), make(1)),
            S(make(4), make(1)),
            S(make(2, 3, 2, 2), make(3)),
        ],
        avoid=near(0),
    ),
    OpSpec(
        "glu",
        EF.glu,
        F.glu,
        FLOATING,
        lambda make: [make(3, 4), S(make(4, 3, 2), 0), S(make(2, 6, 3), dim=1)],
    ),
    OpSpec(
        "softmax",
        ember.softmax,
        torch.softmax,
        FLOATING + HALF,
        lambda make: [
            S(make(3, 4), 1),
            S(make(3, 4), -2),
            S(make(2, 3, 4), 1),
            S(make(4, 3).T, 0),
            S(make(), 0),
            S(make(0, 3), 1),
            S(make(3, 4) * 300, 1),  # large logits: no overflow
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "log_softmax",
        ember.log_softmax,
        torch.log_softmax,
        FLOATING + HALF,
        lambda make: [
            S(make(3, 4), 1),
            S(make(2, 3, 4), 0),
            S(make(4, 3).T, -1),
            S(make(), 0),
            S(make(3, 4) * 300, 1),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "softmax_dtype",
        lambda x: EF.softmax(x, -1, dtype=ember.float64),
        lambda x: F.softmax(x, -1, dtype=torch.float64),
        FLOATING,
        lambda make: [make(3, 4)],
    ),
    OpSpec(
        "log_softmax_implicit_dim",
        lambda x: EF.log_softmax(x, None),
        lambda x: torch.log_softmax(x, 0 if x.dim() in (0, 1, 3) else 1),
        FLOATING,
        lambda make: [make(3, 4), make(4), make(2, 3, 4), make(2, 2, 3, 3)],
    ),
    OpSpec(
        "softmin",
        EF.softmin,
        F.softmin,
        FLOATING,
        lambda make: [S(make(3, 4), 1), S(make(2, 3, 4), dim=0)],
    ),
    OpSpec(
        "linear",
        EF.linear,
        F.linear,
        FLOATING,
        lambda make: [
            S(make(3, 4), make(5, 4)),
            S(make(3, 4), make(5, 4), make(5)),
            S(make(2, 3, 4), make(5, 4), make(5)),
            S(make(4), make(2, 4)),
        ],
    ),
    OpSpec(
        "bilinear",
        ember.bilinear,
        torch.bilinear,
        FLOATING,
        lambda make: [
            S(make(3, 2), make(3, 4), make(5, 2, 4)),
            S(make(3, 2), make(3, 4), make(5, 2, 4), make(5)),
            S(make(2, 3, 2), make(2, 3, 4), make(1, 2, 4), make(1)),
        ],
    ),
]
