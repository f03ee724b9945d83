"""Inputs and encodings shared by the rank scripts and the tests that check them.

Every rank builds its inputs from its rank with these functions; the test rebuilds all
ranks' inputs in one process and computes the expected results with numpy.
"""

import json
import os

import ml_dtypes
import numpy as np

DTYPES = [
    "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
    "float32", "float64", "complex64", "complex128",
]  # fmt: skip
OPS = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]
SHAPE = (2, 3)


def np_dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def valid(dtype, op):
    """Whether torch (and Ember) accept ``op`` on ``dtype``."""
    floating = dtype.startswith(("float", "bfloat", "complex"))
    if op in ("BAND", "BOR", "BXOR"):
        return not floating
    if op in ("MIN", "MAX"):
        return not dtype.startswith("complex")
    if op == "AVG":
        return floating
    return True


def rank_input(rank, dtype, shape=SHAPE):
    """Small exact values (products of two ranks stay in int8's range)."""
    base = (np.arange(int(np.prod(shape))).reshape(shape) + 3 * rank) % 5 + 1
    if dtype == "bool":
        return base % 2 == 0
    if dtype.startswith("complex"):
        return (base + 1j * (base % 3)).astype(dtype)
    return base.astype(np_dtype(dtype))


def reduce(arrays, op, dtype):
    """Expected reduction of the ranks' arrays, computed in float64/complex128/int64."""
    wide = [
        a.astype(
            np.complex128
            if dtype.startswith("complex")
            else bool
            if dtype == "bool"
            else np.int64
            if np_dtype(dtype).kind in "iu"
            else np.float64
        )
        for a in arrays
    ]
    ufunc = {
        "SUM": np.add,
        "AVG": np.add,
        "PRODUCT": np.multiply,
        "MIN": np.minimum,
        "MAX": np.maximum,
        "BAND": np.bitwise_and,
        "BOR": np.bitwise_or,
        "BXOR": np.bitwise_xor,
    }[op]
    out = wide[0]
    for a in wide[1:]:
        out = ufunc(out, a)
    if op == "AVG":
        out = out / len(arrays)
    return out


def encode(array):
    """JSON form of an array: dtype name plus values (complex as [re, im] pairs)."""
    a = np.asarray(array)
    if a.dtype.kind == "c":
        values = np.stack([a.real, a.imag], -1).tolist()
    elif a.dtype == np.dtype(ml_dtypes.bfloat16) or a.dtype == np.float16:
        values = a.astype(np.float64).tolist()
    else:
        values = a.tolist()
    name = "bfloat16" if a.dtype == np.dtype(ml_dtypes.bfloat16) else a.dtype.name
    return {"dtype": name, "values": values}


def decode(obj):
    values = np.asarray(obj["values"])
    if obj["dtype"].startswith("complex"):
        return values[..., 0] + 1j * values[..., 1]
    return values


def write_result(results, rank):
    """Write this rank's results atomically to $EMBER_DIST_OUT/rank<r>.json."""
    path = os.path.join(os.environ["EMBER_DIST_OUT"], f"rank{rank}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(results, f)
    os.replace(path + ".tmp", path)
