"""The op registry: tests as data (PyTorch's OpInfo, in small).

An ``OpSpec`` names an Ember callable, its PyTorch reference, the dtypes it supports and a
function producing sample inputs from ``make``. ``tests/test_opspecs.py`` runs every
spec x sample x dtype through forward parity, VJP parity, gradcheck and gradgradcheck.

Sample arguments are numpy arrays (turned into tensors of the dtype under test, requiring
grad when that dtype is floating), ``Fixed(array)`` (a tensor that keeps its own dtype and
never requires grad: indices, masks), or plain Python values passed through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy

FLOATING = ("float32", "float64")
HALF = ("float16", "bfloat16")
INTEGRAL = ("uint8", "int8", "int16", "int32", "int64")
SIGNED = ("int8", "int16", "int32", "int64")
BOOL = ("bool",)
COMPLEX = ("complex64", "complex128")
ALL = BOOL + INTEGRAL + HALF + FLOATING + COMPLEX
REAL = INTEGRAL + HALF + FLOATING


class Fixed:
    """An argument that stays at its own dtype and never requires grad."""

    def __init__(self, array) -> None:
        self.array = numpy.asarray(array)


class S:
    """One sample call: positional and keyword arguments."""

    def __init__(self, *args, **kwargs) -> None:
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        def show(a):
            if isinstance(a, numpy.ndarray):
                layout = "" if a.flags.c_contiguous else ",nc"
                return f"arr{a.shape}{layout}"
            if isinstance(a, Fixed):
                return f"fixed{a.array.shape}"
            return repr(a)

        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return "(" + ", ".join(parts) + ")"


@dataclass
class OpSpec:
    """One op's entry in the registry."""

    name: str
    op: Callable
    ref: Callable
    dtypes: tuple = FLOATING
    samples: Callable[[Callable], list] = lambda make: [make(3, 4)]
    domain: tuple = (-3.0, 3.0)
    grad: bool = True  # differentiable: run VJP parity and gradcheck
    gradgrad: bool = True
    xfail: tuple | None = None  # ("reason", issue_no)
    tol: dict = field(default_factory=dict)  # dtype name -> (rtol, atol)
    # kinks: a predicate on the float64 input values that marks points to redraw
    avoid: Callable[[Any], Any] | None = None
    check_dtype: bool = True


def maker(rng, domain, avoid=None):
    """``make(*shape, low=, high=)``: float64 values uniform in the spec's domain."""

    def make(*shape, low=None, high=None):
        lo = domain[0] if low is None else low
        hi = domain[1] if high is None else high
        a = numpy.asarray(rng.uniform(lo, hi, size=shape))
        if avoid is not None:
            for _ in range(20):
                bad = numpy.asarray(avoid(a))
                if not bad.any():
                    break
                a = numpy.where(bad, rng.uniform(lo, hi, size=shape), a)
        return a

    return make
