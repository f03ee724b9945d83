"""``ember.nn.functional``: stateless layer ops, as ``torch.nn.functional``.

The ops live with their families in ``ember._ops`` (each lists its functional names in
``FUNCTIONAL``); this module re-exports them under PyTorch's names.
"""

from ember._ops import FAMILIES as _FAMILIES

__all__: list = []
for _family in _FAMILIES:
    for _name in getattr(_family, "FUNCTIONAL", ()):
        globals()[_name] = getattr(_family, _name)
    __all__ += list(getattr(_family, "FUNCTIONAL", ()))
del _family
