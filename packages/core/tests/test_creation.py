"""Creation functions against PyTorch 2.13: dtype inference, values, sizes and errors."""

from __future__ import annotations

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")


def _same(e, t):
    """Same shape, dtype and values (NaN equal)."""
    assert isinstance(e, ember.Tensor)
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    expected = t.to(torch.float32).numpy() if t.dtype == torch.bfloat16 else t.numpy()
    actual = numpy.asarray(e.float() if e.dtype is ember.bfloat16 else e)
    numpy.testing.assert_array_equal(actual, expected)


DATA = [
    [1, 2, 3],
    [1.5, 2],
    [True, False],
    [True, 2],
    [1, 2.5, 1j],
    [[1, 2], [3, 4]],
    [[[1.0]], [[2.0]]],
    [],
    [[], []],
    3,
    2.5,
    True,
    1 + 2j,
    (1, 2),
    [(1, 2), [3, 4]],
    [numpy.float64(1.5), 2],
    [numpy.int32(3), numpy.int32(4)],
    numpy.float32(2.5),
    numpy.int16(7),
    [2**62, -(2**62)],
]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtype_and_values_like_pytorch(data):
    _same(ember.tensor(data), torch.tensor(data))


def test_tensor_from_zero_dim_tensors_promotes_like_pytorch():
    parts_e = [ember.tensor(1, dtype=ember.int32), 2]
    parts_t = [torch.tensor(1, dtype=torch.int32), 2]
    _same(ember.tensor(parts_e), torch.tensor(parts_t))
    parts_e = [ember.tensor(1.5, dtype=ember.float64), 2.0]
    parts_t = [torch.tensor(1.5, dtype=torch.float64), 2.0]
    _same(ember.tensor(parts_e), torch.tensor(parts_t))


@pytest.mark.parametrize(
    "name",
    [
        "bool",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ],
)
def test_tensor_keeps_numpy_dtype_and_copies(name):
    a = numpy.arange(4).astype(name)
    e = ember.tensor(a)
    _same(e, torch.tensor(a))
    a[0] = 1
    assert e.tolist()[0] == (False if name == "bool" else 0)


@pytest.mark.parametrize(
    "target",
    [
        "bool",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "bfloat16",
        "float64",
        "complex64",
    ],
)
def test_tensor_with_dtype_converts_python_values_like_pytorch(target):
    data = [0.0, 1.7, -2.2, 100.9] if target != "uint8" else [0.0, 1.7, 2.2, 100.9]
    _same(
        ember.tensor(data, dtype=getattr(ember, target)),
        torch.tensor(data, dtype=getattr(torch, target)),
    )
    ints = [0, 1, 5, 100]
    _same(
        ember.tensor(ints, dtype=getattr(ember, target)),
        torch.tensor(ints, dtype=getattr(torch, target)),
    )


def test_tensor_from_tensor_copies_and_converts():
    src = ember.tensor([1.5, 2.5])
    copy = ember.tensor(src, dtype=ember.int64)
    assert copy.tolist() == [1, 2]
    same = ember.tensor(src)
    src.add_(1)
    assert same.tolist() == [1.5, 2.5]


def test_tensor_errors_match_pytorch_types():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1"):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        ember.tensor([[1, 2], 3])
    with pytest.raises(TypeError, match="str"):
        ember.tensor([1, "a"])
    with pytest.raises(TypeError, match="dtype"):
        ember.tensor([1], dtype="float32")
    with pytest.raises(RuntimeError, match="floating point and complex"):
        ember.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="overflow"):
        ember.tensor([300], dtype=ember.uint8)
    with pytest.raises(TypeError, match="numpy"):
        ember.tensor(numpy.array(["a"]))


def test_tensor_requires_grad_is_a_leaf():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None


def test_from_numpy_shares_memory_both_ways():
    a = numpy.zeros(3, dtype=numpy.float32)
    t = ember.from_numpy(a)
    a[0] = 5
    t.add_(1)
    assert t.tolist() == [6.0, 1.0, 1.0]
    assert a.tolist() == [6.0, 1.0, 1.0]
    assert t.numpy() is a
    with pytest.raises(TypeError, match="np.ndarray"):
        ember.from_numpy([1, 2])


def test_as_tensor_shares_when_it_can():
    a = numpy.arange(3.0)
    assert ember.as_tensor(a).numpy() is a
    assert ember.as_tensor(a, dtype=ember.float32).numpy() is not a
    t = ember.ones(2)
    assert ember.as_tensor(t) is t
    assert ember.as_tensor(t, dtype=ember.float64).dtype is ember.float64
    assert ember.as_tensor([1, 2]).dtype is ember.int64


def test_asarray_copy_semantics():
    a = numpy.arange(3.0)
    assert numpy.shares_memory(ember.asarray(a).numpy(), a)
    assert not numpy.shares_memory(ember.asarray(a, copy=True).numpy(), a)
    with pytest.raises(ValueError, match="copy=False"):
        ember.asarray(a, dtype=ember.float32, copy=False)
    assert ember.asarray([1.0], requires_grad=True).requires_grad


# -- filled ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize(
    "size", [(2, 3), ((2, 3),), ([2, 3],), (0,), ((),), (ember.Size([4]),)], ids=repr
)
def test_filled_accepts_every_size_form(fn, size):
    e = getattr(ember, fn)(*size)
    size_t = tuple(tuple(s) if isinstance(s, ember.Size) else s for s in size)
    t = getattr(torch, fn)(*size_t)
    assert tuple(e.shape) == tuple(t.shape) and e.dtype is ember.float32
    if fn != "empty":
        _same(e, t)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_negative_size_is_an_error(fn):
    with pytest.raises(RuntimeError, match="negative dimension"):
        getattr(ember, fn)(2, -1)


@pytest.mark.parametrize("value", [7, 1.5, True, 1 + 1j, -3])
def test_full_infers_dtype_from_the_value(value):
    _same(ember.full((2, 2), value), torch.full((2, 2), value))


def test_full_with_dtype_and_tensor_value():
    _same(ember.full((3,), 1.7, dtype=ember.int64), torch.full((3,), 1.7, dtype=torch.int64))
    _same(ember.full([2], ember.tensor(2.5)), torch.full([2], torch.tensor(2.5)))
    _same(ember.full(2, 3), torch.full((2,), 3))


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"])
def test_like_functions_keep_shape_dtype_device(fn):
    x = ember.zeros(2, 3, dtype=ember.float64)
    y = getattr(ember, fn)(x)
    assert y.shape == (2, 3) and y.dtype is ember.float64 and y.device == x.device
    z = getattr(ember, fn)(x, dtype=ember.float32, requires_grad=True)
    assert z.dtype is ember.float32 and z.requires_grad


def test_full_like_and_randint_like():
    x = ember.zeros(2, dtype=ember.int32)
    _same(ember.full_like(x, 7), torch.full_like(torch.zeros(2, dtype=torch.int32), 7))
    r = ember.randint_like(x, 3, 5)
    assert r.dtype is ember.int32 and set(r.tolist()) <= {3, 4}


def test_zeros_out_and_requires_grad():
    out = ember.empty(5)
    result = ember.zeros(2, 2, out=out)
    assert result is out and out.shape == (2, 2) and out.sum().item() == 0
    assert ember.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        ember.zeros(2, dtype=ember.int64, requires_grad=True)
    with pytest.raises(TypeError, match="dtype"):
        ember.zeros(2, dtype=numpy.float32)


# -- ranges ------------------------------------------------------------------------------------
ARANGE = [
    ((5,), {}),
    ((1, 2.5, 0.5), {}),
    ((0, 1, 0.3), {}),
    ((10, 0, -3), {}),
    ((0, 1, 0.1), {}),
    ((5,), {"dtype": "float16"}),
    ((5,), {"dtype": "float64"}),
    ((0.5, 3), {"dtype": "int64"}),
    ((-1.5, 3, 0.7), {"dtype": "int32"}),
    ((-1, 1, 0.25), {"dtype": "float64"}),
    ((3, 3), {}),
    ((ember.tensor(4),), {}),
]


@pytest.mark.parametrize(("args", "kwargs"), ARANGE, ids=repr)
def test_arange_matches_pytorch(args, kwargs):
    ek = {k: getattr(ember, v) for k, v in kwargs.items()}
    tk = {k: getattr(torch, v) for k, v in kwargs.items()}
    targs = [torch.tensor(a.item()) if isinstance(a, ember.Tensor) else a for a in args]
    _same(ember.arange(*args, **ek), torch.arange(*targs, **tk))


def test_arange_errors():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ember.arange(0, 10, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        ember.arange(1, 0, 1)


LINSPACE = [
    (0, 1, 5, None),
    (-3, 7, 11, None),
    (0, 10, 4, "int64"),
    (-5, 10, 7, "int64"),
    (2, 2, 1, None),
    (0, 1, 0, None),
    (1, -1, 6, "float64"),
    (0, 1j, 3, None),
    (0, 100, 7, "float16"),
    (0, 100, 7, "bfloat16"),
    (0, 255, 9, "uint8"),
]


@pytest.mark.parametrize(("start", "end", "steps", "dt"), LINSPACE, ids=repr)
def test_linspace_matches_pytorch(start, end, steps, dt):
    e = ember.linspace(start, end, steps, dtype=getattr(ember, dt) if dt else None)
    t = torch.linspace(start, end, steps, dtype=getattr(torch, dt) if dt else None)
    assert e.dtype.name == str(t.dtype)[6:] and tuple(e.shape) == tuple(t.shape)
    numpy.testing.assert_allclose(
        numpy.asarray(e.to(ember.complex128)), t.to(torch.complex128).numpy(), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    ("start", "end", "steps", "base", "dt"),
    [
        (0, 3, 4, 10.0, None),
        (0, 3, 4, 2, None),
        (0, 3, 4, 10.0, "int64"),
        (-2, 2, 5, 10.0, "float64"),
        (0, 1, 1, 10.0, None),
    ],
    ids=repr,
)
def test_logspace_matches_pytorch(start, end, steps, base, dt):
    e = ember.logspace(start, end, steps, base, dtype=getattr(ember, dt) if dt else None)
    t = torch.logspace(start, end, steps, base, dtype=getattr(torch, dt) if dt else None)
    assert e.dtype.name == str(t.dtype)[6:]
    numpy.testing.assert_allclose(numpy.asarray(e.double()), t.double().numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    ("n", "m", "dt"),
    [(3, None, None), (2, 4, None), (4, 2, "int64"), (0, 3, None), (2, 3, "bool")],
    ids=repr,
)
def test_eye_matches_pytorch(n, m, dt):
    ek = {"dtype": getattr(ember, dt)} if dt else {}
    tk = {"dtype": getattr(torch, dt)} if dt else {}
    e = ember.eye(n, m, **ek) if m is not None else ember.eye(n, **ek)
    t = torch.eye(n, m, **tk) if m is not None else torch.eye(n, **tk)
    _same(e, t)


def test_eye_rejects_negative():
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0"):
        ember.eye(-1)


def test_range_functions_write_out():
    out = ember.empty(0, dtype=ember.float64)
    ember.linspace(0, 1, 3, out=out)
    assert out.dtype is ember.float64 and out.tolist() == [0.0, 0.5, 1.0]
    out = ember.empty(0, dtype=ember.int64)
    assert ember.arange(3, out=out) is out and out.tolist() == [0, 1, 2]


def test_clone_is_a_copy_in_the_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.clone(x)
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    z = x.detach().clone()
    z.add_(1)
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword_like_pytorch(fn):
    assert getattr(ember, fn)(size=(2, 3)).shape == getattr(torch, fn)(size=(2, 3)).shape
    with pytest.raises(TypeError):
        getattr(ember, fn)(2, size=(2, 3))


def test_randint_keyword_forms_like_pytorch():
    for kwargs in ({"high": 5, "size": (3,)}, {"low": 2, "high": 5, "size": (3,)}):
        assert ember.randint(**kwargs).shape == torch.randint(**kwargs).shape
    x = ember.randint(4, size=(1000,))
    assert x.min().item() == 0 and x.max().item() == 3
