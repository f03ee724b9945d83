"""``repr(tensor)`` in PyTorch's format: a port of the rules in ``torch/_tensor_str.py``.

Floats print with ``precision`` decimals, or as ``1.`` when every value is integral, or in
scientific notation when the nonzero finite magnitudes span more than 1000x (or pass 1e8,
or fall below 1e-4 for non-integral values); columns share one width, taken over the
nonzero finite values only (as PyTorch does). More than ``threshold`` elements are
summarised with ``edgeitems`` on each side of ``...``. 16-bit floats print as float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy

from ember.backend.dtypes import NP_TO_DTYPE, get_default_dtype

__all__ = ["set_printoptions", "get_printoptions", "tensor_repr"]


@dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions``: ``precision`` decimals,
    summarise past ``threshold`` elements keeping ``edgeitems`` per side, wrap at
    ``linewidth``; ``profile`` is ``"default"``, ``"short"`` or ``"full"``; ``sci_mode``
    forces (True/False) or lets Ember choose (None) scientific notation.

    >>> ember.set_printoptions(precision=2)
    >>> ember.tensor([1.2345])
    tensor([1.23])
    >>> ember.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        else:
            raise ValueError(
                f"set_printoptions: profile must be 'default', 'short' or 'full', got {profile!r}"
            )
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode  # always assigned, as in PyTorch


def get_printoptions() -> dict:
    """The current print options as a dict (keys as ``set_printoptions`` takes them).

    >>> ember.get_printoptions()["precision"]
    4
    """
    return {
        "precision": PRINT_OPTS.precision,
        "threshold": PRINT_OPTS.threshold,
        "edgeitems": PRINT_OPTS.edgeitems,
        "linewidth": PRINT_OPTS.linewidth,
        "sci_mode": PRINT_OPTS.sci_mode,
    }


class _Formatter:
    def __init__(self, values: numpy.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max((len(str(v)) for v in flat.tolist()), default=1)
            return
        nonzero = flat[numpy.isfinite(flat) & (flat != 0)]
        if nonzero.size == 0:
            return  # PyTorch returns before looking at a forced sci_mode here
        magnitudes = numpy.abs(nonzero.astype(numpy.float64))
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(numpy.all(nonzero == numpy.ceil(nonzero)))
        self.sci_mode = (
            hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            if PRINT_OPTS.sci_mode is None
            else PRINT_OPTS.sci_mode
        )
        precision = PRINT_OPTS.precision
        items = nonzero.tolist()
        if self.sci_mode:
            self.max_width = max(len(f"{v:.{precision}e}") for v in items)
        elif self.int_mode:
            self.max_width = max(len(f"{v:.0f}") + 1 for v in items)
        else:
            self.max_width = max(len(f"{v:.{precision}f}") for v in items)

    def format(self, value) -> str:
        if self.floating:
            precision = PRINT_OPTS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarised(a: numpy.ndarray) -> numpy.ndarray:
    """The elements that will be shown (PyTorch's ``get_summarized_data``), for the widths."""
    edge = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * edge:
            return numpy.concatenate((a[:edge], a[a.shape[0] - edge :]))
        return a
    if not edge:
        return a.reshape(-1)[:0]
    rows = range(a.shape[0])
    if a.shape[0] > 2 * edge:
        rows = list(range(edge)) + list(range(a.shape[0] - edge, a.shape[0]))
    return numpy.stack([_summarised(a[i]) for i in rows])


def _value_str(value, real_fmt: _Formatter, imag_fmt: _Formatter | None) -> str:
    if imag_fmt is None:
        return real_fmt.format(value)
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(a, indent: int, summarise: bool, real_fmt, imag_fmt) -> str:
    element_length = real_fmt.max_width + 2
    if imag_fmt is not None:
        element_length += imag_fmt.max_width + 1
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    edge = PRINT_OPTS.edgeitems
    if summarise and not edge:
        data = ["..."]
    elif summarise and a.shape[0] > 2 * edge:
        data = [_value_str(v, real_fmt, imag_fmt) for v in a[:edge].tolist()]
        data.append(" ...")
        data += [_value_str(v, real_fmt, imag_fmt) for v in a[a.shape[0] - edge :].tolist()]
    else:
        data = [_value_str(v, real_fmt, imag_fmt) for v in a.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(a, indent: int, summarise: bool, real_fmt, imag_fmt) -> str:
    if a.ndim == 0:
        return _value_str(a.item(), real_fmt, imag_fmt)
    if a.ndim == 1:
        return _vector_str(a, indent, summarise, real_fmt, imag_fmt)
    edge, n = PRINT_OPTS.edgeitems, a.shape[0]
    if summarise and n > 2 * edge:
        rows = [_array_str(a[i], indent + 1, summarise, real_fmt, imag_fmt) for i in range(edge)]
        rows.append("...")
        rows += [
            _array_str(a[i], indent + 1, summarise, real_fmt, imag_fmt) for i in range(n - edge, n)
        ]
    else:
        rows = [_array_str(a[i], indent + 1, summarise, real_fmt, imag_fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body(a: numpy.ndarray, indent: int) -> str:
    summarise = a.size > PRINT_OPTS.threshold
    if a.dtype.kind == "c":
        real_fmt = _Formatter(_summarised(a.real) if summarise else a.real)
        imag_fmt = _Formatter(_summarised(a.imag) if summarise else a.imag)
        return _array_str(a, indent, summarise, real_fmt, imag_fmt)
    fmt = _Formatter(_summarised(a) if summarise else a)
    return _array_str(a, indent, summarise, fmt, None)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    """``tensor([...], dtype=..., device=..., requires_grad=True)`` as PyTorch prints it."""
    data = t._data if type(t._data) is numpy.ndarray else t._data.get()
    dtype = NP_TO_DTYPE[data.dtype]
    name = type(t).__name__
    prefix = "tensor(" if name in ("Tensor", "Parameter") else f"{name}("
    indent = len(prefix)
    suffixes = []
    device = t.device
    if device.type != "cpu":
        suffixes.append(f"device='{device}'")
    default = get_default_dtype()
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype not in (default, default.to_complex()) and dtype.name not in ("int64", "bool"):
            suffixes.append(f"dtype={dtype!r}")
        if dtype.itemsize == 2 and dtype.is_floating_point:
            data = data.astype(numpy.float32)
        body = _body(data, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
