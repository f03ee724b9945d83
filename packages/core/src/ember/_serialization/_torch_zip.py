"""Reading PyTorch zip checkpoints (what ``torch.save`` writes since 1.6) without torch.

The archive holds ``<name>/data.pkl`` (a protocol-2 pickle of the object), one
``<name>/data/<key>`` entry of raw bytes per storage, ``<name>/byteorder`` and
``<name>/version``. In the pickle each tensor is
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
(``_v3`` adds a dtype, for dtypes without a typed storage class) and each storage a
persistent id ``('storage', torch.FloatStorage, key, location, numel)``.

Unpickling runs the callables the stream names, so ``find_class`` is an allow-list: the
torch names map to the Ember rebuild functions below, a few harmless builtins pass, and
everything else raises ``pickle.UnpicklingError`` naming the refused global. Storage sizes
are checked against the archive entries before any bytes are used.
"""

from __future__ import annotations

import codecs
import collections
import io
import pickle
import re
import sys

import ember.backend.dtypes as _dt
from ember._serialization._storage import (
    as_parameter,
    byteswap,
    make_view,
    read_entry,
    restore_location,
)
from ember._tensor import Size, Tensor
from ember.backend import device

__all__ = ["load_torch_zip"]

_OP = "ember.load"

_STORAGE_DTYPES = {
    "FloatStorage": _dt.float32,
    "DoubleStorage": _dt.float64,
    "HalfStorage": _dt.float16,
    "BFloat16Storage": _dt.bfloat16,
    "LongStorage": _dt.int64,
    "IntStorage": _dt.int32,
    "ShortStorage": _dt.int16,
    "CharStorage": _dt.int8,
    "ByteStorage": _dt.uint8,
    "BoolStorage": _dt.bool,
    "ComplexFloatStorage": _dt.complex64,
    "ComplexDoubleStorage": _dt.complex128,
    "UntypedStorage": _dt.uint8,
}
_TORCH_DTYPES = {d.name: d for d in _dt.ALL_DTYPES}
_TORCH_DTYPES.update(
    half=_dt.float16,
    float=_dt.float32,
    double=_dt.float64,
    short=_dt.int16,
    int=_dt.int32,
    long=_dt.int64,
    cfloat=_dt.complex64,
    cdouble=_dt.complex128,
)
# torch dtypes Ember lacks (uint16..., float8_*, complex32, quantized, bits): named, not refused.
_OTHER_TORCH_DTYPE = re.compile(r"(u?int\d+|float\d\w*|complex32|chalf|q[u]?int\w*|bits\w+)")


class _StorageType:
    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype) -> None:
        self.name, self.dtype = name, dtype


class _Storage:
    __slots__ = ("array", "dtype", "key")

    def __init__(self, array, dtype, key: str) -> None:
        self.array, self.dtype, self.key = array, dtype, key


def _rebuild(storage, dtype, offset, size, stride, requires_grad) -> Tensor:
    if not isinstance(storage, _Storage) or not isinstance(dtype, _dt.dtype):
        raise pickle.UnpicklingError(
            f"{_OP}: malformed checkpoint: a tensor rebuild got {type(storage).__name__} "
            "instead of a storage"
        )
    if not (isinstance(size, (tuple, list)) and isinstance(stride, (tuple, list))):
        raise pickle.UnpicklingError(f"{_OP}: malformed checkpoint: bad tensor size/stride")
    itemsize = dtype.itemsize
    array = make_view(
        storage.array,
        dtype.np,
        list(size),
        offset * itemsize if type(offset) is int else offset,
        [s * itemsize if type(s) is int else s for s in stride],
        f"storage 'data/{storage.key}' of the checkpoint",
    )
    t = Tensor._make(array)
    if requires_grad and (dtype.is_floating_point or dtype.is_complex):
        t._requires_grad = True
    return t


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks, metadata=None):
    return _rebuild(storage, getattr(storage, "dtype", None), offset, size, stride, requires_grad)


def _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
    return _rebuild(storage, dtype, offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, hooks, state=None):
    return as_parameter(data, requires_grad)


def _encode(text, encoding="latin1"):
    # Protocol 2 pickles bytes as _codecs.encode(str, 'latin1'); no other codec is needed.
    if not isinstance(text, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"{_OP}: refused _codecs.encode with {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): Size,
    ("torch", "device"): device,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "bytes"): bytes,
    ("_codecs", "encode"): _encode,
}
_SAFE_SUMMARY = (
    "weights_only loading allows only tensors and plain containers (dict, list, tuple, set, "
    "OrderedDict, str, int, float, complex, bool, None, torch.Size, torch.device, torch dtypes)"
)


def _allowed(module: str, name: str):
    """The Ember object for an allowed global, or None."""
    module = {"__builtin__": "builtins", "copy_reg": "copyreg"}.get(module, module)
    found = _ALLOWED.get((module, name))
    if module == "torch.storage" and name == "UntypedStorage":
        return _StorageType(name, _dt.uint8)
    if found is not None or module != "torch":
        return found
    if name in _STORAGE_DTYPES:
        return _StorageType(name, _STORAGE_DTYPES[name])
    if name in _TORCH_DTYPES:
        return _TORCH_DTYPES[name]
    if name.endswith("Storage") or _OTHER_TORCH_DTYPE.fullmatch(name):
        raise NotImplementedError(
            f"{_OP}: the checkpoint holds tensors of type torch.{name}, which Ember does not "
            f"support (supported dtypes: {', '.join(d.name for d in _dt.ALL_DTYPES)})"
        )
    return None


class _RestrictedUnpickler(pickle._Unpickler):
    """The pure-Python unpickler with BUILD limited to setting attributes on an OrderedDict
    (a state_dict's ``_metadata``). Unrestricted BUILD could ``setattr`` on the objects that
    ``find_class`` hands out (``ember.float32``, the rebuild functions) and so corrupt Ember
    for the rest of the process; the C unpickler gives no way to intercept it."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not collections.OrderedDict or not (
            isinstance(state, dict) and all(type(k) is str for k in state)
        ):
            raise pickle.UnpicklingError(
                f"{_OP}: refused to set the state of a {type(inst).__name__} object from the "
                f"checkpoint: {_SAFE_SUMMARY}"
            )
        inst.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = load_build


def _unpickler_class(base, weights_only: bool):
    class TorchUnpickler(base):
        def __init__(self, file, reader, **kwargs) -> None:
            super().__init__(file, **kwargs)
            self._reader = reader

        def find_class(self, module, name):
            found = _allowed(module, name)
            if found is not None:
                return found
            if weights_only:
                raise pickle.UnpicklingError(
                    f"{_OP}: refused to load '{module}.{name}' from the checkpoint: "
                    f"{_SAFE_SUMMARY}. If you trust the file, load it with "
                    "weights_only=False (unpickling runs code named in the file)."
                )
            if module == "torch" or module.startswith("torch."):
                raise pickle.UnpicklingError(
                    f"{_OP}: the checkpoint contains '{module}.{name}', a PyTorch object that "
                    "Ember cannot rebuild (Ember never imports torch). Save a state_dict in "
                    "PyTorch (torch.save(model.state_dict(), path)) and load that instead."
                )
            return super().find_class(module, name)

        def persistent_load(self, pid):
            return self._reader.storage(pid)

    return TorchUnpickler


class _Reader:
    def __init__(self, zf, prefix: str, map_location, source: str) -> None:
        self.zf, self.prefix, self.map_location, self.source = zf, prefix, map_location, source
        self.storages: dict = {}
        try:
            order = zf.read(f"{prefix}byteorder").decode("ascii").strip()
        except KeyError:
            order = "little"  # files from before the byteorder record are little-endian
        if order not in ("little", "big"):
            raise RuntimeError(f"{_OP}: {source} has an unknown byteorder record {order!r}")
        self.byteorder = order

    def storage(self, pid) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"{_OP}: unsupported persistent id {pid!r:.80}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType) or type(numel) is not int:
            raise pickle.UnpicklingError(f"{_OP}: malformed storage record {pid!r:.80}")
        key, location = str(key), str(location)
        cached = self.storages.get(key)
        if cached is not None:
            return cached
        dtype = storage_type.dtype
        host = self._read(f"{self.prefix}data/{key}", numel, dtype)
        if self.byteorder != sys.byteorder:
            byteswap(host, dtype.np)
        array = restore_location(host, location, self.map_location, _OP)
        self.storages[key] = storage = _Storage(array, dtype, key)
        return storage

    def _read(self, name: str, numel: int, dtype):
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise RuntimeError(f"{_OP}: {self.source} is missing storage entry {name!r}") from None
        expected = numel * dtype.itemsize
        if info.file_size != expected:
            raise RuntimeError(
                f"{_OP}: storage {name!r} in {self.source} holds {info.file_size} bytes, but the "
                f"checkpoint says it has {numel} elements of {dtype.name} ({expected} bytes): "
                "the file is truncated or corrupt"
            )
        return read_entry(self.zf, info, self.source, _OP)


def load_torch_zip(zf, map_location, weights_only, pickle_module, pickle_load_args, source):
    """The object in a ``torch.save`` zip checkpoint, with tensors as Ember tensors."""
    names = zf.namelist()
    pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if not pickles:
        raise RuntimeError(
            f"{_OP}: {source} is a zip file but neither an Ember checkpoint (no data.json) nor "
            "a PyTorch checkpoint (no <archive>/data.pkl)"
        )
    prefix = pickles[0][: -len("data.pkl")]
    if f"{prefix}constants.pkl" in names or any(n.startswith(f"{prefix}code/") for n in names):
        raise RuntimeError(
            f"{_OP}: {source} is a TorchScript archive (torch.jit.save), which holds code; "
            "Ember reads only tensors. Save the model's state_dict with torch.save instead."
        )
    reader = _Reader(zf, prefix, map_location, source)
    if weights_only:
        base = _RestrictedUnpickler
    else:
        base = pickle.Unpickler if pickle_module is None else pickle_module.Unpickler
    unpickler = _unpickler_class(base, weights_only)(
        io.BytesIO(zf.read(f"{prefix}data.pkl")), reader, **pickle_load_args
    )
    return unpickler.load()
