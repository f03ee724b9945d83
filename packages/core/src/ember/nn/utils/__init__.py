"""``ember.nn.utils``: helpers around modules and parameters, as ``torch.nn.utils``:
gradient clipping, parameter/vector conversion, weight and spectral normalisation,
parametrizations, conv/linear + batch-norm fusion, ``functional_call`` and (``rnn``)
packed sequences."""

import importlib.util

from ember.nn.utils import parametrizations, parametrize, stateless
from ember.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from ember.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from ember.nn.utils.fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from ember.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from ember.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grads_with_norm_",
    "clip_grad_value_",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "get_total_norm",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "spectral_norm",
    "stateless",
    "vector_to_parameters",
    "weight_norm",
]

# ``rnn`` (packed sequences) is written separately; import it only once the file exists.
if importlib.util.find_spec("ember.nn.utils.rnn") is not None:
    from ember.nn.utils import rnn

    __all__.append("rnn")
    for _name in rnn.__all__:
        globals()[_name] = getattr(rnn, _name)
    del _name
