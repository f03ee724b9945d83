"""Ember's own checkpoint: a zip holding a JSON description of the object and raw storages.

Entries (all stored uncompressed):
  ``data.json``    ``{"format": "ember", "version": 1, "byteorder": "little",
                   "storages": [{"nbytes", "device"}], "tensors": [{"storage", "offset",
                   "shape", "strides", "dtype", "device", "requires_grad", "parameter"}],
                   "objects": false, "root": <node>}`` (offset/strides in bytes)
  ``data/<i>``     the bytes of storage ``i`` (see Note [shared storages])
  ``objects.pkl``  only when part of the object lies outside the JSON tree

Note [the JSON tree]
JSON values stand for themselves: null, true/false, strings, finite numbers (an int stays an
int, a float keeps its ``.0``) and arrays (lists). Everything else is an object tagged "$":
  {"$": "dict", "map": {...}}            a dict whose keys are all str
  {"$": "dict", "items": [[k, v], ...]}  any other dict (int, tuple ... keys, encoded too)
  {"$": "odict", ...as dict..., "attrs": node}  OrderedDict (+ its __dict__: _metadata)
  {"$": "tuple" | "set" | "frozenset", "items": [...]}    {"$": "size", "items": [2, 3]}
  {"$": "float", "value": "nan" | "inf" | "-inf"}         {"$": "complex", "real", "imag"}
  {"$": "bytes", "base64": "..."}   {"$": "dtype", "name": "float32"}
  {"$": "device", "name": "cuda:0"}
  {"$": "tensor", "index": i}   row i of "tensors": one Tensor object saved twice loads as one
  {"$": "object", "index": i}   item i of the list pickled in objects.pkl
Only exact types are encoded (a dict subclass, a namedtuple, an IntEnum, a numpy array are
objects), so a load gives back exactly the types saved. Containers are copied, not aliased:
a list referenced twice loads as two equal lists (tensors keep their identity). An object
that contains itself is pickled whole. Objects are pickled together, in one list, so aliasing
among them survives; tensors inside go to the storages through a persistent id.
"""

from __future__ import annotations

import base64
import collections
import io
import json
import math
import pickle
import sys
import zipfile

from ember._serialization._pickle import pickle_globals
from ember._serialization._storage import (
    StorageWriter,
    as_parameter,
    byteswap,
    make_view,
    read_entry,
    restore_location,
)
from ember._tensor import Size, Tensor
from ember.backend import device
from ember.backend.dtypes import ALL_DTYPES, dtype

__all__ = ["save_ember_zip", "load_ember_zip", "FORMAT", "VERSION"]

FORMAT, VERSION = "ember", 1
_DTYPES = {d.name: d for d in ALL_DTYPES}
_CONTAINERS = (list, tuple, dict, collections.OrderedDict, set, frozenset)


class _Cycle(Exception):
    pass


class _Encoder:
    def __init__(self) -> None:
        self.storages = StorageWriter()
        self.objects: list = []
        self._object_index: dict[int, int] = {}
        self._open: set[int] = set()  # containers being encoded, to notice cycles

    def encode(self, obj):
        kind = type(obj)
        if obj is None or kind is bool or kind is str or kind is int:
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"$": "float", "value": repr(obj)}
        if isinstance(obj, Tensor):
            return {"$": "tensor", "index": self.storages.add(obj)}
        if kind in _CONTAINERS:
            return self._container(obj, kind)
        if kind is complex:
            return {"$": "complex", "real": self.encode(obj.real), "imag": self.encode(obj.imag)}
        if kind is bytes:
            return {"$": "bytes", "base64": base64.b64encode(obj).decode("ascii")}
        if kind is dtype:
            return {"$": "dtype", "name": obj.name}
        if kind is device:
            return {"$": "device", "name": str(obj)}
        if kind is Size:
            return {"$": "size", "items": list(obj)}
        return self.add_object(obj)

    def add_object(self, obj) -> dict:
        index = self._object_index.get(id(obj))
        if index is None:
            index = self._object_index[id(obj)] = len(self.objects)
            self.objects.append(obj)
        return {"$": "object", "index": index}

    def _container(self, obj, kind):
        if id(obj) in self._open:
            raise _Cycle
        self._open.add(id(obj))
        try:
            if kind is list:
                return [self.encode(x) for x in obj]
            if kind in (tuple, set, frozenset):
                return {"$": kind.__name__, "items": [self.encode(x) for x in obj]}
            node = {"$": "dict" if kind is dict else "odict"}
            if all(type(k) is str for k in obj):
                node["map"] = {k: self.encode(v) for k, v in obj.items()}
            else:
                node["items"] = [[self.encode(k), self.encode(v)] for k, v in obj.items()]
            attrs = getattr(obj, "__dict__", None)
            if attrs:
                node["attrs"] = self._container(dict(attrs), dict)
            return node
        finally:
            self._open.discard(id(obj))


def _object_pickler(pickle_module, storages: StorageWriter):
    class ObjectPickler(pickle_module.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Tensor):
                return ("tensor", storages.add(obj))
            return None

    return ObjectPickler


def save_ember_zip(obj, handle, pickle_module, pickle_protocol: int) -> None:
    """Write ``obj`` to the open binary file ``handle`` in Ember's zip format."""
    encoder = _Encoder()
    try:
        root = encoder.encode(obj)
    except _Cycle:
        encoder = _Encoder()
        root = encoder.add_object(obj)
    objects = None
    if encoder.objects:
        buffer = io.BytesIO()
        _object_pickler(pickle_module, encoder.storages)(buffer, protocol=pickle_protocol).dump(
            encoder.objects
        )
        objects = buffer.getvalue()
    storages, tensors = encoder.storages.finish()
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "byteorder": sys.byteorder,
        "storages": [{"nbytes": int(host.nbytes), "device": where} for host, where in storages],
        "tensors": tensors,
        "objects": objects is not None,
        "root": root,
    }
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("data.json", json.dumps(meta, allow_nan=False, separators=(",", ":")))
        if objects is not None:
            zf.writestr("objects.pkl", objects)
        for index, (host, _) in enumerate(storages):
            with zf.open(f"data/{index}", "w", force_zip64=host.nbytes >= 1 << 31) as out:
                out.write(memoryview(host))


class _Decoder:
    def __init__(self, tensors, objects, source: str) -> None:
        self.tensors, self.objects, self.source = tensors, objects, source

    def corrupt(self, node) -> RuntimeError:
        return RuntimeError(
            f"ember.load: {self.source} is corrupt: bad data.json node {node!r:.80}"
        )

    def decode(self, node):
        kind = type(node)
        if node is None or kind in (bool, int, float, str):
            return node
        if kind is list:
            return [self.decode(x) for x in node]
        if kind is not dict:
            raise self.corrupt(node)
        try:
            return self._tagged(node, node["$"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise self.corrupt(node) from None

    def _tagged(self, node, tag):
        if tag in ("dict", "odict"):
            if "map" in node:
                items = [(k, self.decode(v)) for k, v in node["map"].items()]
            else:
                items = [(self.decode(k), self.decode(v)) for k, v in node["items"]]
            result = dict(items) if tag == "dict" else collections.OrderedDict(items)
            if "attrs" in node:
                for name, value in self.decode(node["attrs"]).items():
                    setattr(result, name, value)
            return result
        if tag == "tensor":
            return self.tensors[_index(node["index"])]
        if tag == "object":
            return self.objects[_index(node["index"])]
        if tag in ("tuple", "set", "frozenset"):
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](
                self.decode(x) for x in node["items"]
            )
        if tag == "size":
            return Size(_index(n) for n in node["items"])
        if tag == "float":
            value = node["value"]
            if value not in ("nan", "inf", "-inf"):
                raise ValueError(value)
            return float(value)
        if tag == "complex":
            return complex(self.decode(node["real"]), self.decode(node["imag"]))
        if tag == "bytes":
            return base64.b64decode(node["base64"], validate=True)
        if tag == "dtype":
            return _DTYPES[node["name"]]
        if tag == "device":
            return device(node["name"])
        raise ValueError(tag)


def _index(value) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(value)
    return value


def _refuse_objects(zf, source: str) -> pickle.UnpicklingError:
    names = pickle_globals(zf.read("objects.pkl"))
    inside = ", ".join(names) if names else "no classes, only builtin values"
    return pickle.UnpicklingError(
        f"ember.load: {source} holds objects outside the tensor/container tree, stored as a "
        f"pickle record (it references: {inside}). weights_only=True (the default) never "
        "unpickles, because unpickling can run arbitrary code. If you trust the file, load it "
        "with ember.load(f, weights_only=False)."
    )


def load_ember_zip(zf, map_location, weights_only, pickle_module, pickle_load_args, source):
    """The object saved in an Ember zip checkpoint."""
    try:
        meta = json.loads(zf.read("data.json"))
        if meta.get("format") != FORMAT:
            raise ValueError("not an Ember checkpoint")
    except (ValueError, AttributeError):
        raise RuntimeError(f"ember.load: {source} has an unreadable data.json") from None
    version = meta.get("version")
    if type(version) is not int or version > VERSION:
        raise RuntimeError(
            f"ember.load: {source} has Ember format version {version!r}; this Ember reads "
            f"versions up to {VERSION} (a newer Ember wrote it? upgrade Ember to load it)"
        )
    if meta.get("objects") and weights_only:
        raise _refuse_objects(zf, source)
    _check_tables(meta, source)
    tensors = _load_tensors(zf, meta, map_location, source)
    objects = []
    if meta.get("objects"):

        def persistent_load(pid):
            if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "tensor"):
                raise pickle.UnpicklingError(f"ember.load: unknown persistent id {pid!r:.80}")
            return tensors[_index(pid[1])]

        base = pickle.Unpickler if pickle_module is None else pickle_module.Unpickler
        unpickler = base(io.BytesIO(zf.read("objects.pkl")), **pickle_load_args)
        unpickler.persistent_load = persistent_load
        objects = unpickler.load()
    return _Decoder(tensors, objects, source).decode(meta["root"])


def _check_tables(meta, source: str) -> None:
    storages, tensors = meta.get("storages"), meta.get("tensors")
    ok = isinstance(storages, list) and isinstance(tensors, list)
    ok = ok and all(
        isinstance(s, dict) and type(s.get("nbytes")) is int and isinstance(s.get("device"), str)
        for s in storages
    )
    ok = ok and all(
        isinstance(t, dict)
        and t.get("dtype") in _DTYPES
        and type(t.get("storage")) is int
        and 0 <= t["storage"] < len(storages)
        and {"shape", "strides", "offset"} <= t.keys()
        for t in tensors
    )
    if not ok or "root" not in meta:
        raise RuntimeError(f"ember.load: {source} is corrupt: malformed data.json tables")


def _load_tensors(zf, meta, map_location, source) -> list:
    records = meta["tensors"]
    swap = meta.get("byteorder", "little") != sys.byteorder
    arrays = []
    for index, storage in enumerate(meta["storages"]):
        name = f"data/{index}"
        try:
            info = zf.getinfo(name)
        except KeyError:
            raise RuntimeError(f"ember.load: {source} is missing storage entry {name!r}") from None
        if info.file_size != storage["nbytes"]:
            raise RuntimeError(
                f"ember.load: storage {name!r} in {source} holds {info.file_size} bytes but "
                f"data.json says {storage['nbytes']}: the file is truncated or corrupt"
            )
        host = read_entry(zf, info, source)
        if swap:
            sizes = {_DTYPES[r["dtype"]].itemsize for r in records if r["storage"] == index}
            if len(sizes) > 1:
                raise NotImplementedError(
                    f"ember.load: {source} was written on a {meta['byteorder']}-endian machine "
                    "and one storage holds tensors of several element sizes; it cannot be "
                    "byte-swapped here"
                )
            if sizes:
                byteswap(
                    host, _DTYPES[next(r["dtype"] for r in records if r["storage"] == index)].np
                )
        arrays.append(restore_location(host, storage["device"], map_location))
    tensors = []
    for record in records:
        dt = _DTYPES[record["dtype"]]
        array = make_view(
            arrays[record["storage"]],
            dt.np,
            record["shape"],
            record["offset"],
            record["strides"],
            f"tensor {len(tensors)} of {source}",
        )
        requires_grad = bool(record.get("requires_grad")) and (
            dt.is_floating_point or dt.is_complex
        )
        t = Tensor._make(array, requires_grad)
        if record.get("parameter"):
            t = as_parameter(Tensor._make(array), requires_grad)
        tensors.append(t)
    return tensors
