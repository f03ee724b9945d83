"""Ember: PyTorch's programming model on numpy (CPU) and cupy (GPU).

Eager tensors with reverse-mode autograd; ``import ember as torch`` runs PyTorch code for
everything Ember covers.

>>> x = ember.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""

import numpy as _numpy

from ember import autograd, backend, cuda, fft, linalg, nn, optim
from ember._ops import FAMILIES as _FAMILIES
from ember._tensor import Size, Tensor
from ember.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ember.backend import device
from ember.backend.dtypes import (
    bfloat16,
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from ember.backend.random import Generator, default_generator, initial_seed, manual_seed, seed
from ember.serialization import load, save

__version__ = "0.1.0"

# PyTorch never warns about inf/nan results (log(0), 0/0); numpy would, on every such op.
_numpy.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")

__all__ = [
    "Tensor",
    "Size",
    "autograd",
    "backend",
    "cuda",
    "fft",
    "linalg",
    "nn",
    "optim",
    "save",
    "load",
    "device",
    "dtype",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "finfo",
    "iinfo",
    "promote_types",
    "result_type",
    "get_default_dtype",
    "set_default_dtype",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "cfloat",
    "cdouble",
]

# Re-export every op family's public functions (each module lists them in __all__).
for _family in _FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
    __all__ += list(_family.__all__)
del _family, _name

# Last: these import ember's public names (ember.utils.data needs ember.Tensor and the ops).
from ember import distributed, hub, utils  # noqa: E402

__all__ += ["distributed", "hub", "utils"]
