"""``repr``/``str`` of tensors against PyTorch 2.13's, character for character."""

from __future__ import annotations

import math

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")

NAN, INF = math.nan, math.inf

DATA = {
    "ints": [1, 2, 3],
    "negative_ints": [-1, 20, -300],
    "integral_floats": [1.0, 2.0, 3.0],
    "floats": [1.5, -2.25, 3.0],
    "tiny_and_one": [1e-5, 1.0],
    "big_and_one": [1e9, 1.0],
    "huge_integral": [1e10],
    "just_below_1e8_ratio": [123456789.0, 1.0],
    "ratio_1000": [1000.0, 1.0],
    "ratio_1001": [1001.5, 1.0],
    "boundary_1e-4": [1e-4, 1.0],
    "below_1e-4": [9.9e-5, 1.0],
    "nan_inf": [NAN, 1.0, INF],
    "only_nan": [NAN],
    "neg_inf_and_frac": [-INF, 2.5],
    "zeros": [0.0, 0.0],
    "signed_zero": [0.0, -0.0],
    "bools": [True, False],
    "matrix": [[1.0, 2.0], [3.0, 4.0]],
    "matrix_frac": [[1.5, -22.0], [3.25, 4.0]],
    "complex": [[1 + 2j, -3.5 - 1j]],
    "imag_unit": [1j],
    "complex_small": [[-0.0 + 1e-5j, 3]],
    "empty": [],
    "empty_2d": [[]],
    "scalar_float": 3.14159,
    "scalar_int": 7,
    "scalar_bool": True,
    "scalar_negzero": -0.0,
    "scalar_tiny": 1e-10,
    "long_vector": [x / 3 for x in range(40)],
    "int_vector_wraps": list(range(50)),
    "summarised_1d": list(range(2000)),
    "summarised_2d": numpy.linspace(-1, 1, 1200).reshape(30, 40).tolist(),
    "summarised_3d": numpy.arange(5000).reshape(5, 10, 100).tolist(),
    "summarised_sci": (numpy.arange(2000.0) / 3 * 1e5).tolist(),
    "summarised_complex": (numpy.arange(3000) + 1j).tolist(),
    "summarised_rows": numpy.arange(2000).reshape(10, 200).tolist(),
    "three_d": numpy.arange(24.0).reshape(2, 3, 4).tolist(),
    "three_d_frac": (numpy.arange(60.0).reshape(3, 4, 5) / 7).tolist(),
}
DTYPES = [
    None,
    "float16",
    "bfloat16",
    "float64",
    "int32",
    "uint8",
    "int8",
    "int16",
    "bool",
    "complex64",
    "complex128",
]


def _pair(data, dt):
    try:
        t = torch.tensor(data, dtype=getattr(torch, dt) if dt else None)
    except (RuntimeError, TypeError, ValueError):
        return None, None
    return t, ember.tensor(data, dtype=getattr(ember, dt) if dt else None)


def _torch_repr(t) -> str:
    return repr(t).replace("torch.", "ember.")


# every (data, dtype) pair PyTorch accepts (it refuses e.g. negative ints as uint8)
CASES = [
    pytest.param(name, dt, id=f"{name}-{dt or 'default'}")
    for name in DATA
    for dt in DTYPES
    if _pair(DATA[name], dt)[0] is not None
]


@pytest.mark.parametrize(("name", "dt"), CASES)
def test_repr_matches_pytorch(name, dt):
    t, e = _pair(DATA[name], dt)
    assert repr(e) == _torch_repr(t)
    assert str(e) == str(t).replace("torch.", "ember.")


def test_repr_of_empty_shapes_and_dtypes():
    for shape in [(0,), (0, 3), (2, 0, 1)]:
        for dt in ["float32", "int64", "bool", "float64", "complex64"]:
            t = torch.zeros(shape, dtype=getattr(torch, dt))
            e = ember.zeros(shape, dtype=getattr(ember, dt))
            assert repr(e) == _torch_repr(t)


def test_repr_requires_grad_and_grad_fn():
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(e) == _torch_repr(t)
    assert repr(e * 2) == _torch_repr(t * 2)
    assert repr(e + 1) == _torch_repr(t + 1)
    assert repr(ember.tensor(2.5, requires_grad=True)) == "tensor(2.5000, requires_grad=True)"


def test_repr_suffix_wraps_past_linewidth():
    data = [[123456.5, 2.0, 3.0, 4.0, 5.0, 6.0]] * 2
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    e = ember.tensor(data, dtype=ember.float64, requires_grad=True)
    assert repr(e) == _torch_repr(t)


def test_repr_under_default_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for data in ([1.5, 2.0], [1 + 1j], [1, 2]):
            assert repr(ember.tensor(data)) == _torch_repr(torch.tensor(data))
        for dt in ("float32", "complex64"):
            data = [1.5, 2.0]
            t = torch.tensor(data, dtype=getattr(torch, dt))
            assert repr(ember.tensor(data, dtype=getattr(ember, dt))) == _torch_repr(t)
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


@pytest.fixture
def _restore_printoptions():
    yield
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.usefixtures("_restore_printoptions")
@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 6},
        {"threshold": 5},
        {"threshold": 5, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"linewidth": 30},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_set_printoptions_matches_pytorch(options):
    ember.set_printoptions(**options)
    torch.set_printoptions(**options)
    for data in (
        [1.123456789, 22.5, 333.25],
        list(range(30)),
        [[1e-6, 1.0], [2.0, 3.0]],
        numpy.arange(1500.0).tolist(),
        [1.0, 2.0],
        [1 + 2.5j, 3j],
    ):
        t, e = _pair(data, None)
        assert repr(e) == _torch_repr(t)


@pytest.mark.usefixtures("_restore_printoptions")
def test_get_printoptions_reflects_set():
    ember.set_printoptions(precision=3, linewidth=100)
    opts = ember.get_printoptions()
    assert (opts["precision"], opts["linewidth"], opts["threshold"]) == (3, 100, 1000)


def test_set_printoptions_rejects_unknown_profile():
    with pytest.raises(ValueError, match="profile"):
        ember.set_printoptions(profile="tiny")


def test_repr_of_noncontiguous_view_and_format():
    data = numpy.arange(12.0).reshape(3, 4)
    assert repr(ember.tensor(data).T) == _torch_repr(torch.tensor(data).T)
    assert f"{ember.tensor(2.5):.2f}" == "2.50"
    assert f"{ember.tensor(3)}" == f"{torch.tensor(3)}"
