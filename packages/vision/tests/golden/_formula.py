"""Deterministic weights and inputs shared by the golden-file generator and the tests.

Only numpy: the generator runs it under real torchvision, the tests under Ember, and both
must produce bit-identical arrays. Float entries of a state_dict are filled by a formula of
the key's position and name (scaled by fan-in so deep networks stay finite); integer
buffers (``num_batches_tracked``, swin's ``relative_position_index``) keep the values the
model was built with.
"""

import numpy as np


def fill_value(name: str, shape: tuple[int, ...], index: int) -> np.ndarray:
    """float32 values for state_dict entry ``index`` named ``name`` with ``shape``."""
    n = int(np.prod(shape, dtype=np.int64))
    # A golden-ratio sawtooth in [-1, 1): only IEEE multiply/add/floor and an exact
    # subtraction (s - floor(s) for s >= 0 equals fmod(s, 1) bit for bit, 20x faster), so
    # every numpy on every CPU gives the same bits (SIMD sin may differ by an ulp), and it
    # is cheap on the 100M-entry VGG classifiers.
    s = np.arange(n, dtype=np.float64)
    s *= 0.6180339887498949
    s += 0.37 * (index + 1)
    s -= np.floor(s)
    s *= 2.0
    s -= 1.0
    if name.endswith("running_var"):
        v = 1.0 + 0.5 * np.abs(s)
    elif len(shape) >= 2:
        fan_in = max(n // shape[0], 1)
        v = s * np.sqrt(3.0 / fan_in)
    elif name.endswith("weight"):
        v = 1.0 + 0.1 * s
    else:
        v = 0.1 * s
    return v.astype(np.float32).reshape(shape)


def fixed_input(shape: tuple[int, ...]) -> np.ndarray:
    """The float32 input image batch the golden outputs were computed on."""
    n = int(np.prod(shape))
    return np.sin(0.3 * np.arange(n, dtype=np.float64)).astype(np.float32).reshape(shape)


# Input side per model; 64 keeps the tests fast, ViT needs its native 224.
INPUT_SIZE = {"vit_b_16": 224}


def input_shape(name: str) -> tuple[int, int, int, int]:
    size = INPUT_SIZE.get(name, 64)
    return (1, 3, size, size)
