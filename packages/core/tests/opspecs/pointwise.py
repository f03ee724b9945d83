"""Specs for the pointwise family beyond the core arithmetic (``opspecs/core.py``): unary
math, special functions, rounding, classification, logical/bitwise, binary math, clamp,
lerp, addcmul/addcdiv. Dtype lists are what PyTorch 2.13 supports on CPU for each op."""

import numpy
import torch

import ember
from opspecs import (
    ALL,
    BOOL,
    COMPLEX,
    FLOATING,
    HALF,
    INTEGRAL,
    SIGNED,
    Fixed,
    OpSpec,
    S,
)

FLOAT_OUT = BOOL + INTEGRAL + HALF + FLOATING  # int/bool promote to the default float
FLOAT_OUT_C = FLOAT_OUT + COMPLEX
FLOATS = HALF + FLOATING
NONBOOL = INTEGRAL + HALF + FLOATING

UNARY = lambda make: [make(3, 4), make(), make(0, 2), make(4, 3).T]  # noqa: E731
BINARY = lambda make: [  # noqa: E731
    S(make(3, 4), make(3, 4)),
    S(make(3, 1), make(1, 4)),  # broadcasting
    S(make(4, 3).T, make(3, 4)),  # non-contiguous
    S(make(), make(2, 3)),  # 0-d with >0-d
    S(make(0, 3), make(3)),  # empty
    S(make(2, 3), 1.5),  # Python scalar
    S(2.5, make(2, 3)),  # reflected scalar
]
BINARY_TT = lambda make: [  # noqa: E731 - tensor-tensor only (ops without scalar overloads)
    S(make(3, 4), make(3, 4)),
    S(make(3, 1), make(1, 4)),
    S(make(4, 3).T, make(3, 4)),
    S(make(), make(2, 3)),
    S(make(0, 3), make(3)),
]
INT_BINARY = lambda make: [  # noqa: E731 - scalars that are ints (valid for every dtype)
    S(make(3, 4), make(3, 4)),
    S(make(3, 1), make(1, 4)),
    S(make(4, 3).T, make(3, 4)),
    S(make(), make(2, 3)),
    S(make(0, 3), make(3)),
    S(make(2, 3), 2),
    S(3, make(2, 3)),
]


def near_int(a, gap=0.1):
    """Points within ``gap`` of an integer (kinks of floor/round, poles of lgamma)."""
    return numpy.abs(a - numpy.round(a)) < gap


def near_half(a, gap=0.1):
    return numpy.abs(a - numpy.floor(a) - 0.5) < gap


def unary(name, op, ref, dtypes, **kw):
    return OpSpec(name, op, ref, dtypes, kw.pop("samples", UNARY), **kw)


SPECS = [
    # -- floating unary math --------------------------------------------------------------
    unary("exp2", ember.exp2, torch.exp2, FLOAT_OUT_C),
    unary("expm1", ember.expm1, torch.expm1, FLOAT_OUT_C),
    unary("log2", ember.log2, torch.log2, FLOAT_OUT_C, domain=(0.2, 5)),
    unary("log10", ember.log10, torch.log10, FLOAT_OUT_C, domain=(0.2, 5)),
    unary("log1p", ember.log1p, torch.log1p, FLOAT_OUT_C, domain=(-0.8, 5)),
    unary("sqrt", ember.sqrt, torch.sqrt, FLOAT_OUT_C, domain=(0.2, 5)),
    unary("rsqrt", ember.rsqrt, torch.rsqrt, FLOAT_OUT_C, domain=(0.2, 5)),
    unary("square", ember.square, torch.square, ALL),
    unary("sin", ember.sin, torch.sin, FLOAT_OUT_C),
    unary("cos", ember.cos, torch.cos, FLOAT_OUT_C),
    unary("tan", ember.tan, torch.tan, FLOAT_OUT_C, domain=(-1.2, 1.2)),
    unary("asin", ember.asin, torch.asin, FLOAT_OUT_C, domain=(-0.9, 0.9)),
    unary("acos", ember.acos, torch.acos, FLOAT_OUT_C, domain=(-0.9, 0.9)),
    unary("atan", ember.atan, torch.atan, FLOAT_OUT_C),
    unary("sinh", ember.sinh, torch.sinh, FLOAT_OUT_C),
    unary("cosh", ember.cosh, torch.cosh, FLOAT_OUT_C),
    unary("tanh", ember.tanh, torch.tanh, FLOAT_OUT_C),
    unary("asinh", ember.asinh, torch.asinh, FLOAT_OUT_C),
    unary("acosh", ember.acosh, torch.acosh, FLOAT_OUT_C, domain=(1.2, 4)),
    unary("atanh", ember.atanh, torch.atanh, FLOAT_OUT_C, domain=(-0.9, 0.9)),
    unary("arctanh", ember.arctanh, torch.arctanh, FLOATING, domain=(-0.9, 0.9)),
    unary("sigmoid", ember.sigmoid, torch.sigmoid, FLOAT_OUT_C, domain=(-8, 8)),
    unary(
        "sigmoid_extreme",
        ember.sigmoid,
        torch.sigmoid,
        FLOATING,
        domain=(-200, 200),
        samples=lambda make: [make(5, 4)],
    ),
    unary("reciprocal", ember.reciprocal, torch.reciprocal, FLOAT_OUT_C, domain=(0.3, 3)),
    unary("reciprocal_neg", ember.reciprocal, torch.reciprocal, FLOATING, domain=(-3, -0.3)),
    unary("logit", ember.logit, torch.logit, FLOAT_OUT, domain=(0.05, 0.95)),
    OpSpec(
        "logit_eps",
        lambda a: ember.logit(a, eps=0.2),
        lambda a: torch.logit(a, eps=0.2),
        FLOATS,
        UNARY,
        domain=(-0.5, 1.5),
        avoid=lambda a: (numpy.abs(a - 0.2) < 0.05) | (numpy.abs(a - 0.8) < 0.05),
    ),
    unary("erf", ember.erf, torch.erf, FLOAT_OUT),
    unary("erfc", ember.erfc, torch.erfc, FLOAT_OUT),
    unary("erfinv", ember.erfinv, torch.erfinv, FLOAT_OUT, domain=(-0.9, 0.9)),
    unary("lgamma", ember.lgamma, torch.lgamma, FLOAT_OUT, avoid=near_int),
    unary(
        "digamma",
        ember.digamma,
        torch.digamma,
        FLOAT_OUT,
        avoid=near_int,
        tol={"float32": (1e-4, 1e-4)},
    ),
    OpSpec(
        "polygamma",
        lambda a: ember.polygamma(1, a),
        lambda a: torch.polygamma(1, a),
        FLOAT_OUT,
        UNARY,
        domain=(0.3, 4),
    ),
    OpSpec(
        "polygamma2",
        lambda a: ember.polygamma(2, a),
        lambda a: torch.polygamma(2, a),
        FLOATING,
        lambda make: [make(3, 4)],
        domain=(0.3, 4),
        gradgrad=False,
    ),
    # -- dtype-keeping unary ----------------------------------------------------------------
    unary("abs", ember.abs, torch.abs, NONBOOL, avoid=lambda a: numpy.abs(a) < 0.1),
    # Real results of complex inputs are cast back to complex: the harness draws complex
    # cotangents for complex dtypes, which a real output cannot take.
    unary(
        "abs_complex",
        lambda a: ember.abs(a).to(a.dtype),
        lambda a: torch.abs(a).to(a.dtype),
        COMPLEX,
    ),
    unary(
        "angle_complex",
        lambda a: ember.angle(a).to(a.dtype),
        lambda a: torch.angle(a).to(a.dtype),
        COMPLEX,
    ),
    unary(
        "real_complex",
        lambda a: ember.real(a).to(a.dtype),
        lambda a: torch.real(a).to(a.dtype),
        COMPLEX,
    ),
    unary(
        "imag_complex",
        lambda a: ember.imag(a).to(a.dtype),
        lambda a: torch.imag(a).to(a.dtype),
        COMPLEX,
    ),
    unary("sign", ember.sign, torch.sign, ALL[:-2], avoid=lambda a: numpy.abs(a) < 0.1),
    unary("sgn", ember.sgn, torch.sgn, ALL, avoid=lambda a: numpy.abs(a) < 0.1),
    unary("ceil", ember.ceil, torch.ceil, NONBOOL, avoid=near_int),
    unary("round", ember.round, torch.round, NONBOOL, avoid=near_half),
    OpSpec(
        "round_decimals",
        lambda a: ember.round(a, decimals=1),
        lambda a: torch.round(a, decimals=1),
        FLOATING,
        UNARY,
        avoid=lambda a: near_half(a * 10),
    ),
    unary("trunc", ember.trunc, torch.trunc, NONBOOL, avoid=near_int),
    unary("floor", ember.floor, torch.floor, NONBOOL, avoid=near_int),
    unary("frac", ember.frac, torch.frac, FLOATS, avoid=near_int),
    unary("relu", ember.relu, torch.relu, NONBOOL, avoid=lambda a: numpy.abs(a) < 0.1),
    unary("nan_to_num", ember.nan_to_num, torch.nan_to_num, ALL[:-2]),
    # PyTorch has no derivative of nan_to_num for complex outputs.
    unary("nan_to_num_complex", ember.nan_to_num, torch.nan_to_num, COMPLEX, grad=False),
    OpSpec(
        "nan_to_num_special",
        lambda a: ember.nan_to_num(a / 0.0, nan=1.5, neginf=-7.0),
        lambda a: torch.nan_to_num(a / 0.0, nan=1.5, neginf=-7.0),
        FLOATS + COMPLEX,
        lambda make: [make(3, 4), make(0)],
        grad=False,
    ),
    unary("angle", ember.angle, torch.angle, FLOAT_OUT, avoid=lambda a: numpy.abs(a) < 0.1),
    unary("real", ember.real, torch.real, ALL[:-2]),
    # -- classification ---------------------------------------------------------------------
    OpSpec(
        "isnan",
        lambda a: ember.isnan(ember.log(a)),
        lambda a: torch.isnan(torch.log(a)),
        FLOATS + COMPLEX,
        UNARY,
        grad=False,
    ),
    OpSpec(
        "isinf",
        lambda a: ember.isinf(a / 0.0),
        lambda a: torch.isinf(a / 0.0),
        FLOATS + COMPLEX,
        UNARY,
        grad=False,
    ),
    OpSpec(
        "isposinf",
        lambda a: ember.isposinf(a / 0.0),
        lambda a: torch.isposinf(a / 0.0),
        FLOATS,
        UNARY,
        grad=False,
    ),
    OpSpec(
        "isneginf",
        lambda a: ember.isneginf(a / 0.0),
        lambda a: torch.isneginf(a / 0.0),
        FLOATS,
        UNARY,
        grad=False,
    ),
    OpSpec(
        "isfinite",
        lambda a: ember.isfinite(ember.log(a)),
        lambda a: torch.isfinite(torch.log(a)),
        FLOATS + COMPLEX,
        UNARY,
        grad=False,
    ),
    OpSpec("isfinite_int", ember.isfinite, torch.isfinite, BOOL + INTEGRAL, UNARY),
    OpSpec("isnan_int", ember.isnan, torch.isnan, BOOL + INTEGRAL, UNARY),
    OpSpec("isreal", ember.isreal, torch.isreal, ALL, UNARY, grad=False),
    # -- logical / bitwise ------------------------------------------------------------------
    OpSpec("logical_and", ember.logical_and, torch.logical_and, ALL, BINARY_TT, grad=False),
    OpSpec("logical_or", ember.logical_or, torch.logical_or, ALL, BINARY_TT, grad=False),
    OpSpec("logical_xor", ember.logical_xor, torch.logical_xor, ALL, BINARY_TT, grad=False),
    OpSpec("logical_not", ember.logical_not, torch.logical_not, ALL, UNARY, grad=False),
    OpSpec("bitwise_and", ember.bitwise_and, torch.bitwise_and, BOOL + INTEGRAL, INT_BINARY),
    OpSpec("bitwise_or", ember.bitwise_or, torch.bitwise_or, BOOL + INTEGRAL, INT_BINARY),
    OpSpec("bitwise_xor", ember.bitwise_xor, torch.bitwise_xor, BOOL + INTEGRAL, INT_BINARY),
    OpSpec("bitwise_not", ember.bitwise_not, torch.bitwise_not, BOOL + INTEGRAL, UNARY),
    OpSpec(
        "bitwise_left_shift",
        ember.bitwise_left_shift,
        torch.bitwise_left_shift,
        INTEGRAL,
        lambda make: [
            S(make(3, 4), Fixed(numpy.array([0, 1, 2, 3]))),
            S(make(2, 3), 2),
            S(make(0, 3), 1),
        ],
        domain=(-3, 3),
    ),
    OpSpec(
        "bitwise_right_shift",
        ember.bitwise_right_shift,
        torch.bitwise_right_shift,
        INTEGRAL,
        lambda make: [S(make(3, 4), Fixed(numpy.array([0, 1, 2, 3]))), S(make(2, 3), 1)],
        domain=(-40, 40),
    ),
    OpSpec("and_operator", lambda a, b: a & b, lambda a, b: a & b, BOOL + INTEGRAL, INT_BINARY),
    OpSpec("or_operator", lambda a, b: a | b, lambda a, b: a | b, BOOL + INTEGRAL, INT_BINARY),
    OpSpec("xor_operator", lambda a, b: a ^ b, lambda a, b: a ^ b, BOOL + INTEGRAL, INT_BINARY),
    OpSpec("invert_operator", lambda a: ~a, lambda a: ~a, BOOL + INTEGRAL, UNARY),
    OpSpec(
        "shift_operators",
        lambda a: (a << 2, a >> 1, 1 << a.abs()),
        lambda a: (a << 2, a >> 1, 1 << a.abs()),
        INTEGRAL[1:],
        UNARY,
    ),
    # -- binary math ------------------------------------------------------------------------
    OpSpec(
        "remainder",
        ember.remainder,
        torch.remainder,
        NONBOOL,
        lambda make: BINARY(make)[:-1],
        domain=(-4, 4),
        avoid=lambda a: (numpy.abs(a) < 0.6) | near_int(a, 0.05),
    ),
    OpSpec("remainder_int", ember.remainder, torch.remainder, INTEGRAL, INT_BINARY, domain=(1, 9)),
    OpSpec(
        "mod_operator", lambda a, b: a % b, lambda a, b: a % b, FLOATS, BINARY_TT, domain=(0.7, 4)
    ),
    # PyTorch has no derivative for remainder(Scalar, Tensor).
    OpSpec(
        "rmod_operator",
        lambda b: 5.5 % b,
        lambda b: 5.5 % b,
        NONBOOL,
        UNARY,
        domain=(0.7, 4),
        grad=False,
    ),
    OpSpec(
        "fmod",
        ember.fmod,
        torch.fmod,
        NONBOOL,
        BINARY_TT,
        domain=(-4, 4),
        avoid=lambda a: numpy.abs(a) < 0.6,
    ),
    OpSpec(
        "fmod_scalar",
        lambda a: ember.fmod(a, 1.5),
        lambda a: torch.fmod(a, 1.5),
        FLOATS,
        UNARY,
        domain=(-4, 4),
        avoid=lambda a: near_int(a / 1.5, 0.05),
    ),
    OpSpec("maximum", ember.maximum, torch.maximum, BOOL + NONBOOL, BINARY_TT),
    OpSpec("minimum", ember.minimum, torch.minimum, BOOL + NONBOOL, BINARY_TT),
    OpSpec(
        "maximum_ties",
        ember.maximum,
        torch.maximum,
        FLOATING,
        lambda make: [S(numpy.array([1.0, 2.0, 3.0]), numpy.array([1.0, 0.0, 3.0]))],
        grad=True,
        gradgrad=False,
    ),
    OpSpec(
        "minimum_ties",
        ember.minimum,
        torch.minimum,
        FLOATING,
        lambda make: [S(numpy.array([1.0, 2.0, 3.0]), numpy.array([1.0, 0.0, 3.0]))],
        gradgrad=False,
    ),
    OpSpec("fmax", ember.fmax, torch.fmax, BOOL + NONBOOL, BINARY_TT),
    OpSpec("fmin", ember.fmin, torch.fmin, BOOL + NONBOOL, BINARY_TT),
    OpSpec(
        "fmax_nan",
        lambda a, b: ember.fmax(ember.log(a), b),
        lambda a, b: torch.fmax(torch.log(a), b),
        FLOATING,
        lambda make: [S(make(3, 4), make(3, 4))],
        domain=(-2, 2),
        avoid=lambda a: numpy.abs(a) < 0.1,
        gradgrad=False,
    ),
    OpSpec(
        "atan2", ember.atan2, torch.atan2, FLOAT_OUT, BINARY_TT, avoid=lambda a: numpy.abs(a) < 0.2
    ),
    OpSpec(
        "arctan2",
        ember.arctan2,
        torch.arctan2,
        FLOATING,
        BINARY_TT,
        avoid=lambda a: numpy.abs(a) < 0.2,
    ),
    OpSpec(
        "hypot", ember.hypot, torch.hypot, FLOATS, BINARY_TT, avoid=lambda a: numpy.abs(a) < 0.2
    ),
    OpSpec(
        "xlogy",
        ember.xlogy,
        torch.xlogy,
        FLOAT_OUT,
        lambda make: [
            S(make(3, 4), make(3, 4, low=0.2, high=3)),
            S(make(3, 1), make(1, 4, low=0.2, high=3)),
            S(make(2, 3), 2.5),
            S(0.5, make(2, 3, low=0.2, high=3)),
        ],
    ),
    OpSpec(
        "xlogy_zero",
        ember.xlogy,
        torch.xlogy,
        FLOATING,
        lambda make: [S(Fixed(numpy.array([0.0, 0.0, 1.0])), numpy.array([0.0, 2.0, 2.0]))],
        grad=False,
    ),
    OpSpec(
        "float_power",
        ember.float_power,
        torch.float_power,
        ALL,
        lambda make: [S(make(3, 4), 2), S(make(2, 3), make(2, 3)), S(2.0, make(3))],
        domain=(0.5, 2),
    ),
    OpSpec(
        "pow_scalar_base",
        lambda a: (2**a, 0.5**a, 3**a),
        lambda a: (2**a, 0.5**a, 3**a),
        FLOATS + COMPLEX + INTEGRAL[1:],
        UNARY,
        domain=(0, 3),
    ),
    OpSpec(
        "pow_int",
        ember.pow,
        torch.pow,
        INTEGRAL,
        lambda make: [S(make(3, 4), make(3, 4)), S(make(3), 3), S(2, make(3))],
        domain=(0, 4),
    ),
    OpSpec(
        "pow_complex",
        ember.pow,
        torch.pow,
        COMPLEX,
        lambda make: [S(make(3, 4), make(3, 4)), S(make(3), 2)],
        domain=(0.5, 2),
    ),
    # -- comparisons (defined in pointwise.py with the arithmetic) --------------------------
    *[
        OpSpec(
            name,
            getattr(ember, name),
            getattr(torch, name),
            dtypes,
            lambda make: INT_BINARY(make)[:-1],
            grad=False,
        )
        for name, dtypes in [
            ("eq", ALL),
            ("ne", ALL),
            ("lt", BOOL + NONBOOL),
            ("le", BOOL + NONBOOL),
            ("gt", BOOL + NONBOOL),
            ("ge", BOOL + NONBOOL),
        ]
    ],
    OpSpec(
        "compare_operators",
        lambda a, b: (a == b, a != b, a < b, a <= b, a > b, a >= b, 2 < a, 2 == a),
        lambda a, b: (a == b, a != b, a < b, a <= b, a > b, a >= b, 2 < a, 2 == a),
        FLOATS + INTEGRAL,
        lambda make: [S(make(3, 4), make(4))],
        grad=False,
    ),
    OpSpec(
        "compare_nan",
        lambda a: (ember.log(a) == ember.log(a), ember.log(a) < 0),
        lambda a: (torch.log(a) == torch.log(a), torch.log(a) < 0),
        FLOATING,
        UNARY,
        grad=False,
    ),
    OpSpec(
        "isclose",
        # (a, a) and wide tolerances make some elements close; log(a) adds NaNs and -infs
        lambda a, b: (
            ember.isclose(a, b),
            ember.isclose(a, a),
            ember.isclose(a, b, rtol=0.5, atol=1.0),
            a.isclose(b, atol=2),
        ),
        lambda a, b: (
            torch.isclose(a, b),
            torch.isclose(a, a),
            torch.isclose(a, b, rtol=0.5, atol=1.0),
            a.isclose(b, atol=2),
        ),
        ALL,
        BINARY_TT,
        grad=False,
    ),
    OpSpec(
        "isclose_nan",
        lambda a, b: (
            ember.isclose(ember.log(a), ember.log(b)),
            ember.isclose(ember.log(a), ember.log(b), rtol=0.5, atol=0.5, equal_nan=True),
            ember.isclose(ember.log(a), ember.log(a), equal_nan=True),
        ),
        lambda a, b: (
            torch.isclose(torch.log(a), torch.log(b)),
            torch.isclose(torch.log(a), torch.log(b), rtol=0.5, atol=0.5, equal_nan=True),
            torch.isclose(torch.log(a), torch.log(a), equal_nan=True),
        ),
        FLOATING,
        BINARY_TT,
        grad=False,
    ),
    # -- arithmetic helpers defined with the core ops (pointwise.py) ------------------------
    OpSpec(
        "floor_divide",
        ember.floor_divide,
        torch.floor_divide,
        NONBOOL,
        lambda make: BINARY(make)[:-1],
        domain=(-4, 4),
        avoid=lambda a: (numpy.abs(a) < 0.6) | near_int(a, 0.05),
        grad=False,
    ),
    OpSpec(
        "div_floor",
        lambda a, b: ember.div(a, b, rounding_mode="floor"),
        lambda a, b: torch.div(a, b, rounding_mode="floor"),
        NONBOOL,
        BINARY_TT,
        domain=(-4, 4),
        avoid=lambda a: (numpy.abs(a) < 0.6) | near_int(a, 0.05),
    ),
    OpSpec(
        "div_trunc",
        lambda a, b: ember.div(a, b, rounding_mode="trunc"),
        lambda a, b: torch.div(a, b, rounding_mode="trunc"),
        NONBOOL,
        BINARY_TT,
        domain=(-4, 4),
        avoid=lambda a: (numpy.abs(a) < 0.6) | near_int(a, 0.05),
    ),
    OpSpec(
        "where",
        lambda c, a, b: ember.where(c, a, b),
        lambda c, a, b: torch.where(c, a, b),
        ALL,
        lambda make: [
            S(Fixed(numpy.array([[True, False, True, False]] * 3)), make(3, 4), make(3, 4)),
            S(Fixed(numpy.array([True, False, True])), make(4, 3).T.T, make(3)),
            S(Fixed(numpy.array([[True], [False]])), make(2, 3), 1.5),
            S(Fixed(numpy.array([True, False])), 0.5, make(2)),
            S(Fixed(numpy.zeros((0, 3), bool)), make(0, 3), make(3)),
            S(Fixed(numpy.array(True)), make(), make()),
        ],
    ),
    OpSpec("conj", ember.conj, torch.conj, ALL, UNARY),
    OpSpec(
        "aliases",
        lambda a: (
            ember.absolute(a),
            ember.arcsin(a),
            ember.arccos(a),
            ember.arctan(a),
            ember.arcsinh(a),
            ember.fix(a),
            ember.positive(a),
            ember.clip(a, -0.5, 0.5),
        ),
        lambda a: (
            torch.absolute(a),
            torch.arcsin(a),
            torch.arccos(a),
            torch.arctan(a),
            torch.arcsinh(a),
            torch.fix(a),
            torch.positive(a),
            torch.clip(a, -0.5, 0.5),
        ),
        FLOATING,
        UNARY,
        domain=(-0.9, 0.9),
        avoid=lambda a: (numpy.abs(a) < 0.05) | (numpy.abs(numpy.abs(a) - 0.5) < 0.05),
    ),
    OpSpec("arccosh", ember.arccosh, torch.arccosh, FLOATING, UNARY, domain=(1.2, 3)),
    # -- clamp ------------------------------------------------------------------------------
    OpSpec(
        "clamp",
        ember.clamp,
        torch.clamp,
        SIGNED + FLOATS,
        lambda make: [
            S(make(3, 4), -1, 1),
            S(make(3, 4), min=-0.5),
            S(make(4, 3).T, max=1),
            S(make(), -1, 1),
            S(make(0, 2), 0, 1),
            S(make(3, 4), make(4), make(3, 1)),
            S(make(3, 4), min=make(3, 4)),
        ],
        avoid=lambda a: near_int(a, 0.1) | near_half(a, 0.1),
    ),
    OpSpec(
        "clamp_min_gt_max",
        ember.clamp,
        torch.clamp,
        FLOATING,
        lambda make: [S(make(3, 4), make(3, 4), make(3, 4))],
        avoid=lambda a: numpy.abs(a) < 0.05,
    ),
    OpSpec(
        "clamp_uint8",
        ember.clamp,
        torch.clamp,
        ("uint8",),
        lambda make: [S(make(3, 4), 1, 2), S(make(3, 4), make(4), make(3, 1))],
        domain=(0, 4),
    ),
    OpSpec(
        "clip",
        lambda a: ember.clip(a, -1.0, 1.5),
        lambda a: torch.clip(a, -1.0, 1.5),
        FLOATS,
        UNARY,
        avoid=lambda a: numpy.abs(numpy.abs(a - 0.25) - 1.25) < 0.1,
    ),
    OpSpec(
        "clamp_min",
        ember.clamp_min,
        torch.clamp_min,
        FLOATING,
        lambda make: [S(make(3, 4), 0.5), S(make(3, 4), make(4))],
        avoid=lambda a: numpy.abs(a - 0.5) < 0.1,
    ),
    OpSpec(
        "clamp_max",
        ember.clamp_max,
        torch.clamp_max,
        FLOATING,
        lambda make: [S(make(3, 4), 0.5), S(make(3, 4), make(4))],
        avoid=lambda a: numpy.abs(a - 0.5) < 0.1,
    ),
    OpSpec(
        "clamp_int_float_bound",
        lambda a: ember.clamp(a, min=0.5),
        lambda a: torch.clamp(a, min=0.5),
        INTEGRAL,
        UNARY,
    ),
    # -- lerp / addcmul / addcdiv -----------------------------------------------------------
    OpSpec(
        "lerp",
        ember.lerp,
        torch.lerp,
        FLOATS + COMPLEX,
        lambda make: [
            S(make(3, 4), make(3, 4), 0.3),
            S(make(3, 4), make(4), 0.8),
            S(make(3, 4), make(3, 4), make(3, 4)),
            S(make(3, 1), make(4), make(1, 4)),
            S(make(), make(), 0.5),
        ],
    ),
    OpSpec(
        "addcmul",
        ember.addcmul,
        torch.addcmul,
        NONBOOL + COMPLEX,
        lambda make: [
            S(make(3, 4), make(3, 4), make(3, 4)),
            S(make(3, 1), make(4), make(3, 4).T.T),
            S(make(4, 3).T, make(3, 4), make(), value=2),
            S(make(0, 2), make(2), make(0, 1)),
        ],
    ),
    OpSpec(
        "addcdiv",
        ember.addcdiv,
        torch.addcdiv,
        FLOATS + COMPLEX,
        lambda make: [
            S(make(3, 4), make(3, 4), make(3, 4)),
            S(make(3, 1), make(4), make(3, 4), value=-0.5),
            S(make(4, 3).T, make(3, 4), make(), value=2),
        ],
        avoid=lambda a: numpy.abs(a) < 0.3,
    ),
]
