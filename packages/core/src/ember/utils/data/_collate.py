"""``default_collate`` / ``default_convert``: samples -> batches, as ``torch``'s."""

from __future__ import annotations

import collections.abc
import re

import numpy

__all__ = ["default_collate", "default_convert"]

_np_str_obj_array_pattern = re.compile(r"[SaUO]")
_ERR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def default_convert(data):
    """Numpy arrays and numpy scalars (also inside mappings, named tuples and sequences) to
    tensors, everything else unchanged, as ``torch``'s; a plain tuple becomes a list.

    >>> import numpy
    >>> default_convert({"a": numpy.arange(2)})
    {'a': tensor([0, 1])}
    """
    import ember

    if isinstance(data, ember.Tensor):
        return data
    if isinstance(data, numpy.ndarray):
        if _np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return ember.as_tensor(data)
    if isinstance(data, numpy.generic) and not isinstance(data, (numpy.str_, numpy.bytes_)):
        return ember.as_tensor(numpy.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = data.copy()
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Collate a list of samples into a batch, as ``torch``'s: tensors and numpy arrays are
    stacked along a new first dimension, Python floats become a float64 tensor, ints an
    int64 tensor, bools a bool tensor, strings and bytes stay a list; mappings, named tuples
    and sequences are collated field by field (sequences transposed). Tensors of different
    sizes raise a RuntimeError naming the field path and both sizes.

    >>> default_collate([(1, 2.0), (3, 4.0)])
    [tensor([1, 3]), tensor([2., 4.], dtype=ember.float64)]
    """
    return _collate(batch, "batch")


def _collate(batch, path: str):
    import ember

    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, ember.Tensor):
        shape = elem.shape
        for i, t in enumerate(batch):
            if not isinstance(t, ember.Tensor):
                raise TypeError(
                    f"default_collate: {path} mixes a Tensor (entry 0) with "
                    f"{type(t).__name__} (entry {i})"
                )
            if t.shape != shape:
                raise RuntimeError(
                    f"default_collate: stack expects each tensor to be equal size, but got "
                    f"{list(shape)} at entry 0 and {list(t.shape)} at entry {i} (in {path})"
                )
        return ember.stack([t.detach() for t in batch], 0)
    if isinstance(elem, numpy.ndarray) or (
        isinstance(elem, numpy.generic) and not isinstance(elem, (numpy.str_, numpy.bytes_))
    ):
        if isinstance(elem, numpy.ndarray) and elem.ndim > 0:
            if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
                raise TypeError(_ERR.format(elem.dtype))
            return _collate([ember.as_tensor(b) for b in batch], path)
        try:
            return ember.as_tensor(numpy.stack([numpy.asarray(b) for b in batch]))
        except ValueError as error:
            raise RuntimeError(f"default_collate: cannot stack numpy scalars in {path}") from error
    if isinstance(elem, bool):
        return ember.tensor(batch, dtype=ember.bool)
    if isinstance(elem, float):
        return ember.tensor(batch, dtype=ember.float64)
    if isinstance(elem, int):
        return ember.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: _collate([d[key] for d in batch], f"{path}[{key!r}]") for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = elem.copy()
                clone.update(fields)
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    if _is_namedtuple(elem):
        return elem_type(
            *(
                _collate(samples, f"{path}.{name}")
                for name, samples in zip(elem._fields, zip(*batch))
            )
        )
    if isinstance(elem, collections.abc.Sequence):
        elem_size = len(elem)
        if not all(len(e) == elem_size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        fields = [_collate(s, f"{path}[{i}]") for i, s in enumerate(transposed)]
        if isinstance(elem, tuple):
            return fields
        try:
            return elem_type(fields)
        except TypeError:
            return fields
    raise TypeError(_ERR.format(elem_type))
