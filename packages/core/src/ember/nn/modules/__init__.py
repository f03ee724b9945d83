"""The module classes of ``ember.nn``: the base ``Module``, containers and layers.

Each family module lists its classes in ``__all__``; they are re-exported here. ``lazy``
(``LazyModuleMixin``) is reachable as ``ember.nn.modules.lazy`` only, as in PyTorch.
"""

from ember.nn.modules import (
    _sync_batchnorm,
    activation,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    lazy,  # noqa: F401 - ember.nn.modules.lazy, not re-exported (as PyTorch)
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)

FAMILIES = (
    module,
    container,
    linear,
    activation,
    conv,
    pooling,
    normalization,
    _sync_batchnorm,
    dropout,
    sparse,
    rnn,
    transformer,
    loss,
    flatten,
    padding,
    pixelshuffle,
    upsampling,
    fold,
    distance,
    channelshuffle,
)

__all__: list = []
for _family in FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
    __all__ += list(_family.__all__)
del _family, _name
