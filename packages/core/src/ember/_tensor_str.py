"""``repr(tensor)`` in PyTorch's format (torch/_tensor_str.py's rules, default print options).

Floats print with 4 decimals, or as ``1.`` when every value is integral, or in scientific
notation when the magnitudes span more than 1000x (or pass 1e8 / fall below 1e-4); columns
share one width; more than 1000 elements are summarised with ``...``.
"""

from __future__ import annotations

import math

import numpy

from ember.backend.dtypes import NP_TO_DTYPE, get_default_dtype

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values: numpy.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            self.max_width = max((len(str(v)) for v in values.tolist()), default=1)
            return
        finite = values[numpy.isfinite(values)]
        nonzero = numpy.abs(finite[finite != 0])
        if finite.size == 0:
            self.max_width = max((len(self._special(v)) for v in values.tolist()), default=1)
            return
        self.int_mode = bool(numpy.all(finite == numpy.ceil(finite)))
        if self.int_mode:
            if nonzero.size and nonzero.max() > 1e8:
                self.int_mode, self.sci_mode = False, True
        elif nonzero.size:
            lo, hi = float(nonzero.min()), float(nonzero.max())
            if hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4:
                self.sci_mode = True
        self.max_width = max(len(self._fmt(float(v))) for v in values.tolist())

    @staticmethod
    def _special(v) -> str:
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")

    def _fmt(self, v) -> str:
        if not self.floating:
            return str(v)
        if not math.isfinite(v):
            return self._special(v)
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{PRECISION}f}"

    def format(self, v) -> str:
        return self._fmt(v).rjust(self.max_width)


def _summarise(a: numpy.ndarray) -> numpy.ndarray:
    if a.ndim == 0 or a.size <= THRESHOLD:
        return a.reshape(-1)
    parts = []
    if a.shape[0] > 2 * EDGEITEMS:
        rows = list(a[:EDGEITEMS]) + list(a[-EDGEITEMS:])
    else:
        rows = list(a)
    for r in rows:
        parts.append(_summarise(r) if r.ndim else numpy.asarray(r).reshape(-1))
    return numpy.concatenate(parts) if parts else a.reshape(-1)


def _render(a, fmt, indent: int, summarise: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    n = a.shape[0]
    if a.ndim == 1:
        items = a.tolist()
        if summarise and n > 2 * EDGEITEMS:
            texts = [fmt.format(v) for v in items[:EDGEITEMS]] + ["..."]
            texts += [fmt.format(v) for v in items[-EDGEITEMS:]]
        else:
            texts = [fmt.format(v) for v in items]
        per_line = max(1, (LINEWIDTH - indent) // (fmt.max_width + 2))
        lines = [", ".join(texts[i : i + per_line]) for i in range(0, len(texts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    if summarise and n > 2 * EDGEITEMS:
        rows = [_render(a[i], fmt, indent + 1, summarise) for i in range(EDGEITEMS)]
        rows.append("...")
        rows += [_render(a[i], fmt, indent + 1, summarise) for i in range(n - EDGEITEMS, n)]
    else:
        rows = [_render(a[i], fmt, indent + 1, summarise) for i in range(n)]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def _complex_str(a, indent, summarise) -> str:
    real_fmt = _Formatter(_summarise(a.real))
    imag_fmt = _Formatter(_summarise(a.imag))

    class _C:
        max_width = real_fmt.max_width + imag_fmt.max_width + 2

        @staticmethod
        def format(v):
            im = imag_fmt._fmt(v.imag)
            sign = "-" if im.startswith("-") else "+"
            im = im.lstrip("-")
            return (real_fmt.format(v.real) + sign + im.rjust(imag_fmt.max_width) + "j").rjust(
                _C.max_width
            )

    return _render(a, _C, indent, summarise)


def tensor_repr(t) -> str:
    """``tensor([...], dtype=..., device=..., requires_grad=True)`` as PyTorch prints it."""
    data = t._data if type(t._data) is numpy.ndarray else t._data.get()
    dtype = NP_TO_DTYPE[data.dtype]
    if dtype.itemsize == 2 and dtype.is_floating_point:
        data = data.astype(numpy.float32)
    prefix = "tensor("
    indent = len(prefix)
    summarise = data.size > THRESHOLD
    suffixes = []
    if data.size == 0 and data.ndim != 1:
        body = "[]"
        suffixes.append(f"size={tuple(data.shape)}")
    elif data.dtype.kind == "c":
        body = _complex_str(data, indent, summarise)
    else:
        body = _render(data, _Formatter(_summarise(data)), indent, summarise)
    device = t.device
    if device.type != "cpu":
        suffixes.append(f"device='{device}'")
    implicit = dtype in (get_default_dtype(), NP_TO_DTYPE[numpy.dtype(numpy.int64)]) or (
        dtype.name == "bool"
    ) or (dtype.is_complex and dtype is get_default_dtype().to_complex())
    if not implicit or data.size == 0 and dtype.name == "int64":
        suffixes.append(f"dtype={dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + ", ".join([body, *suffixes]) + ")"
