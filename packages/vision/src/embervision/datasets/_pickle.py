"""An allow-list unpickler for dataset files that are pickles (the CIFAR python batches).

``pickle.load`` runs whatever callable a file names, so a tampered download could execute
code. These files only ever need numpy array reconstruction and the helper Python 3 uses to
pickle ``bytes`` at protocol 2, so everything else is refused before it is looked up.
"""

from __future__ import annotations

import _codecs
import _compat_pickle
import pickle
from typing import IO, Any

import numpy as np

try:  # numpy >= 2 moved the module; importing numpy.core there warns
    from numpy._core import multiarray as _multiarray
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _multiarray

__all__ = ["SafeUnpickler", "safe_load"]

# Keyed by the names as written in the file; both numpy layouts (numpy.core before 2.0,
# numpy._core after) map to the installed one.
_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _codecs.encode,
    ("builtins", "bytes"): bytes,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "list"): list,
    ("builtins", "dict"): dict,
    ("builtins", "tuple"): tuple,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
}


class SafeUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that resolves only the globals numpy-array pickles need
    (``numpy._core.multiarray._reconstruct`` and its pre-2.0 name, ``numpy.ndarray``,
    ``numpy.dtype``, ``_codecs.encode`` for protocol-2 ``bytes``, plain containers) and raises
    ``pickle.UnpicklingError`` naming any other global, so nothing in the file can run code.

    >>> import io, pickle, numpy as np
    >>> from embervision.datasets._pickle import SafeUnpickler
    >>> data = pickle.dumps({b"data": np.arange(3, dtype=np.uint8)}, protocol=2)
    >>> SafeUnpickler(io.BytesIO(data)).load()
    {b'data': array([0, 1, 2], dtype=uint8)}
    """

    def find_class(self, module: str, name: str) -> Any:
        # Python 2 pickles (the real CIFAR files) say __builtin__ / copy_reg; map them the way
        # pickle itself would, but look the result up in the allow-list instead of importing.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"SafeUnpickler: refusing to load global '{module}.{name}': dataset pickles "
                "may only contain numpy arrays, bytes, str, numbers and lists/dicts/tuples"
            ) from None


def safe_load(file: IO[bytes], encoding: str = "latin1") -> Any:
    """Unpickle ``file`` with :class:`SafeUnpickler`; ``encoding`` decodes Python 2 ``str``
    (``latin1`` keeps numpy's raw array bytes intact, as torchvision's CIFAR loader uses)."""
    return SafeUnpickler(file, encoding=encoding).load()
