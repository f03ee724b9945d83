"""The safetensors format (Hugging Face), read and written here: it is small enough.

Layout: an 8-byte little-endian header length N, N bytes of JSON
``{name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__":
{str: str}}`` (padded with spaces to a multiple of 8, as the reference writer does), then
the raw little-endian bytes of every tensor, C-contiguous, offsets relative to the end of the
header. Nothing in it is executable.
"""

from __future__ import annotations

import io
import json
import struct
import sys

import numpy

import ember.backend.dtypes as _dt
from ember._serialization._storage import byteswap, to_host
from ember._tensor import Tensor

__all__ = ["write_safetensors", "read_safetensors", "c_strides"]

_CODES = {
    "BOOL": _dt.bool,
    "U8": _dt.uint8,
    "I8": _dt.int8,
    "I16": _dt.int16,
    "I32": _dt.int32,
    "I64": _dt.int64,
    "F16": _dt.float16,
    "BF16": _dt.bfloat16,
    "F32": _dt.float32,
    "F64": _dt.float64,
    "C64": _dt.complex64,
}
_NAMES = {d.name: code for code, d in _CODES.items()}
_MAX_HEADER = 100 << 20  # the reference reader's limit


def c_strides(shape, itemsize: int) -> list[int]:
    """Byte strides of a C-contiguous array."""
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return strides[::-1]


def write_safetensors(tensors, handle, metadata, op: str) -> None:
    if not isinstance(tensors, dict):
        raise TypeError(f"{op}: expected a dict of name -> tensor, got {type(tensors).__name__}")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise TypeError(f"{op}: metadata must be a dict of str -> str, got {metadata!r:.80}")
    header: dict = {"__metadata__": metadata} if metadata else {}
    arrays, offset = [], 0
    for name, t in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(
                f"{op}: tensor names must be str other than '__metadata__', got {name!r}"
            )
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}: value for {name!r} must be an ember.Tensor, got {type(t).__name__}"
            )
        code = _NAMES.get(t.dtype.name)
        if code is None:
            raise NotImplementedError(
                f"{op}: safetensors has no type for {t.dtype} (tensor {name!r}); it stores "
                f"{', '.join(d.name for d in _CODES.values())}"
            )
        host = to_host(t._data)
        host = host if host.flags.c_contiguous else host.copy(order="C")
        if sys.byteorder == "big":  # pragma: no cover - safetensors is little-endian
            host = host.copy()
            byteswap(host.reshape(-1).view(numpy.uint8), host.dtype)
        header[name] = {
            "dtype": code,
            "shape": list(host.shape),
            "data_offsets": [offset, offset + host.nbytes],
        }
        arrays.append(host)
        offset += host.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    handle.write(struct.pack("<Q", len(blob)))
    handle.write(blob)
    for host in arrays:
        handle.write(memoryview(host.reshape(-1).view(numpy.uint8)))


def _bad(source: str, detail: str, op: str) -> RuntimeError:
    return RuntimeError(f"{op}: {source} is not a valid safetensors file: {detail}")


def read_safetensors(handle, source: str, op: str):
    """``(metadata, [(name, host uint8 buffer, ember dtype, shape), ...])`` in file order."""
    start = handle.tell()
    end = handle.seek(0, io.SEEK_END)
    handle.seek(start)
    prefix = handle.read(8)
    if len(prefix) < 8:
        raise _bad(source, "shorter than its 8-byte header length", op)
    (size,) = struct.unpack("<Q", prefix)
    if size > min(_MAX_HEADER, end - start - 8):
        raise _bad(source, f"header length {size} exceeds the file", op)
    try:
        header = json.loads(handle.read(size))
    except (ValueError, UnicodeDecodeError) as error:
        raise _bad(source, f"unreadable JSON header ({error})", op) from None
    if not isinstance(header, dict):
        raise _bad(source, "the header is not a JSON object", op)
    metadata = header.pop("__metadata__", None)
    data_start = start + 8 + size
    available = end - data_start
    entries = []
    for name, info in header.items():
        try:
            code, shape, (begin, stop) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise _bad(source, f"tensor {name!r} has a malformed entry {info!r:.80}", op) from None
        dt = _CODES.get(code)
        if dt is None:
            raise NotImplementedError(
                f"{op}: tensor {name!r} in {source} has safetensors dtype {code!r}, which Ember "
                f"does not support (supported: {', '.join(_CODES)})"
            )
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise _bad(source, f"tensor {name!r} has a bad shape {shape!r:.80}", op)
        numel = 1
        for n in shape:
            numel *= n
        if not (type(begin) is int and type(stop) is int and 0 <= begin <= stop <= available):
            raise _bad(
                source, f"tensor {name!r} has data_offsets outside the file (truncated?)", op
            )
        if stop - begin != numel * dt.itemsize:
            raise _bad(
                source,
                f"tensor {name!r} of shape {shape} and dtype {code} needs "
                f"{numel * dt.itemsize} bytes but its data_offsets span {stop - begin}",
                op,
            )
        host = numpy.empty(stop - begin, numpy.uint8)
        handle.seek(data_start + begin)
        view, filled = memoryview(host), 0
        while filled < host.nbytes:
            count = handle.readinto(view[filled:])
            if not count:
                raise _bad(source, f"tensor {name!r} is truncated", op)
            filled += count
        if sys.byteorder == "big":  # pragma: no cover
            byteswap(host, dt.np)
        entries.append((name, host, dt, shape))
    return metadata, entries
