"""``save`` / ``load`` and the safetensors pair: format dispatch and argument checks."""

from __future__ import annotations

import pickle
import zipfile

from ember._serialization._ember_zip import load_ember_zip, save_ember_zip
from ember._serialization._files import describe, open_for_read, open_for_write, sniff
from ember._serialization._safetensors import c_strides, read_safetensors, write_safetensors
from ember._serialization._storage import make_view, restore_location
from ember._serialization._torch_zip import load_torch_zip
from ember._tensor import Tensor

__all__ = ["save", "load", "save_safetensors", "load_safetensors"]

DEFAULT_PROTOCOL = 2  # torch.save's default, used for the pickle record of other objects


def save(
    obj,
    f,
    pickle_module=pickle,
    pickle_protocol: int = DEFAULT_PROTOCOL,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Save ``obj`` to ``f`` (a path or a binary file object), as ``torch.save``. Tensors,
    dicts (any key types), lists, tuples, sets, OrderedDicts, str/int/float/complex/bool/
    None, dtypes, devices and Sizes are written as JSON plus raw tensor bytes; tensors that
    view one array keep sharing memory when loaded. Other objects are pickled into a record
    that only ``load(..., weights_only=False)`` opens. Writing to a path is atomic (temporary
    file, fsync, rename); CUDA tensors are copied to the host and reloaded onto their device.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ember.save({"weight": ember.ones(2), "step": 3}, buffer)
    >>> _ = buffer.seek(0)
    >>> ember.load(buffer)
    {'weight': tensor([1., 1.]), 'step': 3}
    """
    if not _use_new_zipfile_serialization:
        raise NotImplementedError(
            "ember.save: Ember writes only the zip format; _use_new_zipfile_serialization=False "
            "(PyTorch's pre-1.6 format) is not supported"
        )
    if type(pickle_protocol) is not int or not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(
            f"ember.save: pickle_protocol must be an int in [2, {pickle.HIGHEST_PROTOCOL}], "
            f"got {pickle_protocol!r}"
        )
    with open_for_write(f, "ember.save") as handle:
        save_ember_zip(obj, handle, pickle_module, pickle_protocol)


def load(
    f,
    map_location=None,
    pickle_module=None,
    *,
    weights_only: bool | None = True,
    mmap: bool | None = None,
    **pickle_load_args,
):
    """Load an object from ``f`` (a path or a binary file object), as ``torch.load``. Reads
    Ember checkpoints, safetensors files (as a dict of tensors) and PyTorch ``torch.save`` zip
    checkpoints, told apart by content; it never imports torch. ``weights_only=True`` (the
    default) runs no code from the file: PyTorch checkpoints go through an allow-listed
    unpickler and Ember's pickle records are refused with ``pickle.UnpicklingError``.
    ``map_location`` is None, a device, a dict ``{'cuda:1': 'cuda:0'}`` or
    ``callable(storage, location)``, as in PyTorch. ``mmap`` is accepted and ignored (data is
    read into memory).

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ember.save([ember.tensor([1, 2]), (None, 2.5)], buffer)
    >>> _ = buffer.seek(0)
    >>> ember.load(buffer, map_location="cpu")
    [tensor([1, 2]), (None, 2.5)]
    """
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError(
            "ember.load: cannot load safely with an explicit pickle_module; pass "
            "weights_only=False to use it (only for files you trust)"
        )
    source = describe(f)
    with open_for_read(f, "ember.load") as handle:
        kind = sniff(handle)
        if kind == "zip":
            return _load_zip(
                handle, map_location, weights_only, pickle_module, pickle_load_args, source
            )
        if kind == "safetensors":
            _, entries = read_safetensors(handle, source, "ember.load")
            return {
                name: _tensor_from(host, dt, shape, map_location, "ember.load")
                for name, host, dt, shape in entries
            }
        if kind == "legacy_torch":
            raise RuntimeError(
                f"ember.load: {source} is a legacy (non-zip) PyTorch checkpoint, a raw pickle "
                "that Ember does not read. Re-save it in the zip format that torch>=1.6 writes "
                "by default: torch.save(torch.load(path), path)."
            )
        if kind == "empty":
            raise EOFError(f"ember.load: {source} is empty")
        raise pickle.UnpicklingError(
            f"ember.load: {source} is not an Ember checkpoint, a safetensors file or a PyTorch "
            "zip checkpoint"
        )


def _load_zip(handle, map_location, weights_only, pickle_module, pickle_load_args, source):
    try:
        with zipfile.ZipFile(handle) as zf:
            if "data.json" in zf.NameToInfo:
                load_format = load_ember_zip
            else:
                load_format = load_torch_zip
            return load_format(
                zf, map_location, weights_only, pickle_module, pickle_load_args, source
            )
    except zipfile.BadZipFile as error:
        raise RuntimeError(f"ember.load: {source} is a damaged zip file ({error})") from None


def _tensor_from(host, dt, shape, map_location, op: str) -> Tensor:
    storage = restore_location(host, "cpu", map_location, op)
    array = make_view(storage, dt.np, shape, 0, c_strides(shape, dt.itemsize), "a tensor", op)
    return Tensor._make(array)


def save_safetensors(tensors: dict, path, metadata: dict | None = None) -> None:
    """Write a dict of name -> tensor as a safetensors file (Hugging Face's format), with
    optional ``metadata`` (str -> str). Writing to a path is atomic. Every Ember dtype but
    complex128 is supported (safetensors has no such type); tensors sharing memory are
    written as separate copies.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ember.serialization.save_safetensors({"bias": ember.zeros(2)}, buffer)
    >>> _ = buffer.seek(0)
    >>> ember.serialization.load_safetensors(buffer)
    {'bias': tensor([0., 0.])}
    """
    op = "save_safetensors"
    with open_for_write(path, op) as handle:
        write_safetensors(tensors, handle, metadata, op)


def load_safetensors(path, device="cpu") -> dict:
    """Read a safetensors file into a dict of name -> tensor on ``device`` (a device, a
    string, or an int meaning that CUDA device), in file order. The file's ``__metadata__``
    is not returned.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ember.serialization.save_safetensors({"w": ember.eye(2, dtype=ember.bfloat16)}, buffer)
    >>> _ = buffer.seek(0)
    >>> ember.serialization.load_safetensors(buffer)["w"]
    tensor([[1., 0.],
            [0., 1.]], dtype=ember.bfloat16)
    """
    op = "load_safetensors"
    if isinstance(device, int) and not isinstance(device, bool):
        device = f"cuda:{device}"
    source = describe(path)
    with open_for_read(path, op) as handle:
        _, entries = read_safetensors(handle, source, op)
    return {name: _tensor_from(host, dt, shape, device, op) for name, host, dt, shape in entries}
