"""Tensor attributes and conversions against PyTorch 2.13."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")

NAMES = [
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
]


def _pair(data, dt=None):
    return (
        ember.tensor(data, dtype=getattr(ember, dt) if dt else None),
        torch.tensor(data, dtype=getattr(torch, dt) if dt else None),
    )


def _values(t):
    if isinstance(t, torch.Tensor):
        return (t.float() if t.dtype == torch.bfloat16 else t).tolist()
    return t.tolist()


# -- metadata ------------------------------------------------------------------------------
def test_shape_size_dim_numel():
    e, t = ember.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert e.shape == t.shape and isinstance(e.shape, ember.Size)
    assert e.size() == tuple(t.size()) and e.size(1) == 3 and e.size(-1) == 4
    assert e.dim() == e.ndim == e.ndimension() == 3
    assert e.numel() == e.nelement() == 24
    with pytest.raises(IndexError, match="Dimension out of range"):
        e.size(3)


def test_size_is_a_tuple_with_torch_repr():
    s = ember.Size([2, 3])
    assert s == (2, 3) and repr(s) == "ember.Size([2, 3])"
    assert repr(ember.Size()) == "ember.Size([])"
    assert isinstance(s[0:1], ember.Size) and s.numel() == 6
    assert isinstance(s + (4,), ember.Size)
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize("name", NAMES)
def test_element_size_and_itemsize(name):
    e = ember.zeros(3, dtype=getattr(ember, name))
    t = torch.zeros(3, dtype=getattr(torch, name))
    assert e.element_size() == t.element_size() == e.itemsize
    assert e.nbytes == t.nbytes


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.zeros(2, 3, 4),
        lambda m: m.zeros(2, 3, 4).permute(2, 0, 1),
        lambda m: m.zeros(4, 3).t(),
        lambda m: m.zeros(5),
        lambda m: m.zeros(()),
        lambda m: m.zeros(0, 3),
        lambda m: m.zeros(3, 1).expand(3, 4),
    ],
)
def test_stride_and_contiguity_match_pytorch(make):
    e, t = make(ember), make(torch)
    assert e.stride() == t.stride()
    for d in range(e.dim()):
        assert e.stride(d) == t.stride(d)
    assert e.is_contiguous() == t.is_contiguous()
    c = e.contiguous()
    assert c.is_contiguous() and c.stride() == t.contiguous().stride()


def test_contiguous_returns_self_when_contiguous():
    x = ember.zeros(2, 3)
    assert x.contiguous() is x


@pytest.mark.parametrize("attr", ["T", "mT", "H", "mH"])
def test_transpose_properties_match_pytorch(attr):
    data = (numpy.arange(6).reshape(2, 3) + 1j).tolist()
    e, t = _pair(data)
    assert _values(getattr(e, attr)) == _values(getattr(t, attr).resolve_conj())
    e, t = _pair([[1.0, 2.0], [3.0, 4.0]])
    assert _values(getattr(e, attr)) == _values(getattr(t, attr))


def test_h_requires_a_matrix():
    with pytest.raises(RuntimeError, match="matrices"):
        _ = ember.zeros(2, 2, 2).H
    assert ember.zeros(2, 2, 2).mH.shape == (2, 2, 2)


# -- values --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_item_tolist_and_python_scalars(name):
    e, t = _pair([[1, 0], [3, 4]], name)
    assert e.tolist() == _values(t)
    one_e, one_t = e[0, 0], t[0, 0]
    assert one_e.item() == one_t.item() and type(one_e.item()) is type(one_t.item())
    if name not in ("complex64", "complex128"):
        assert float(one_e) == float(one_t) and int(one_e) == int(one_t)
    assert bool(one_e) == bool(one_t)
    assert complex(one_e) == complex(one_t)


def test_item_and_bool_errors_match_pytorch():
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
        ember.tensor([1, 2]).item()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        bool(ember.tensor([]))
    assert ember.tensor([[3.5]]).item() == 3.5


def test_index_len_iter():
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert list(range(5))[ember.tensor([2])] == 2
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][ember.tensor(1.0)]
    x = ember.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(x) == 3
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1))


def test_iteration_keeps_autograd():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    total = sum(v * v for v in x)
    total.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_numpy_and_array_protocol():
    x = ember.tensor([1.0, 2.0])
    assert numpy.shares_memory(x.numpy(), x.numpy())
    assert numpy.asarray(x).tolist() == [1.0, 2.0]
    assert numpy.asarray(x, dtype=numpy.float64).dtype == numpy.float64
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.tensor([1.0], requires_grad=True).numpy()
    assert ember.tensor([1.0], requires_grad=True).detach().numpy().tolist() == [1.0]


# -- autograd-related attributes -------------------------------------------------------------
def test_requires_grad_rules():
    x = ember.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="floating point and complex"):
        ember.zeros(2, dtype=ember.int64).requires_grad_()
    y = ember.zeros(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_detach_shares_data_and_leaves_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d.add_(1)
    assert y.tolist() == [3.0, 5.0]
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


def test_data_is_detached_and_settable():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert not x.data.requires_grad
    x.data = ember.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad


def test_clone_keeps_dtype_and_is_independent():
    x = ember.tensor([1, 2], dtype=ember.int16)
    c = x.clone()
    c.add_(1)
    assert c.dtype is ember.int16 and x.tolist() == [1, 2]


# -- dtype conversion ------------------------------------------------------------------------
CONVERTERS = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "bfloat16": "bfloat16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "char": "int8",
    "byte": "uint8",
    "bool": "bool",
    "cfloat": "complex64",
    "cdouble": "complex128",
}


@pytest.mark.parametrize("method", list(CONVERTERS))
def test_converter_methods_match_pytorch(method):
    data = [0.0, 1.7, -2.5, 3.0] if method != "byte" else [0.0, 1.7, 2.5, 3.0]
    e, t = _pair(data)
    ec, tc = getattr(e, method)(), getattr(t, method)()
    assert ec.dtype is getattr(ember, CONVERTERS[method])
    assert ec.tolist() == _values(tc)


def test_float_to_small_int_wraps_like_pytorch():
    data = [-1.5, 300.7, -300.2, 1e6]
    for name in ["uint8", "int8", "int16", "int32", "int64"]:
        e, t = _pair(data)
        assert e.to(getattr(ember, name)).tolist() == t.to(getattr(torch, name)).tolist()


def test_to_overloads():
    x = ember.tensor([1.5, 2.5])
    assert x.to(ember.float32) is x
    assert x.to("cpu") is x and x.to(ember.device("cpu")) is x
    assert x.to(ember.float64).dtype is ember.float64
    assert x.to("cpu", ember.int64).tolist() == [1, 2]
    assert x.to(dtype=ember.int32, device="cpu").dtype is ember.int32
    assert x.to(ember.zeros(1, dtype=ember.float64)).dtype is ember.float64
    y = x.to("cpu", copy=True)
    assert y is not x and not numpy.shares_memory(y.numpy(), x.numpy())
    assert x.to(ember.float32, False, True) is not x
    assert x.to("cpu", non_blocking=True) is x
    with pytest.raises(TypeError):
        x.to(ember.float32, foo=1)


def test_to_is_differentiable_between_float_dtypes():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = x.to(ember.float32)
    assert y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype is ember.float64 and x.grad.tolist() == [2.0, 4.0]
    assert not x.to(ember.int64).requires_grad


def test_type_names_match_pytorch():
    for name in NAMES:
        e = ember.zeros(1, dtype=getattr(ember, name))
        t = torch.zeros(1, dtype=getattr(torch, name))
        assert e.type() == t.type().replace("torch.", "ember.")
    x = ember.tensor([1.5])
    assert x.type(ember.int64).dtype is ember.int64
    assert x.type("ember.DoubleTensor").dtype is ember.float64
    with pytest.raises(ValueError, match="invalid type"):
        x.type("ember.NopeTensor")


@pytest.mark.parametrize("fn", ["new_zeros", "new_ones", "new_empty"])
def test_new_factories_inherit_dtype_and_device(fn):
    x = ember.zeros(1, dtype=ember.float64)
    t = torch.zeros(1, dtype=torch.float64)
    for size in [(2, 3), ((2, 3),), ([4],)]:
        e_out, t_out = getattr(x, fn)(*size), getattr(t, fn)(*size)
        assert e_out.shape == t_out.shape and e_out.dtype is ember.float64
    assert getattr(x, fn)(2, dtype=ember.int32).dtype is ember.int32
    assert getattr(x, fn)(2, requires_grad=True).requires_grad


def test_new_full_and_new_tensor():
    x = ember.zeros(1, dtype=ember.int32)
    assert x.new_full((2,), 7).tolist() == [7, 7] and x.new_full((2,), 7).dtype is ember.int32
    assert x.new_tensor([1.5, 2.5]).dtype is ember.int32
    assert x.new_tensor([1.5], dtype=ember.float64).tolist() == [1.5]


# -- copying ---------------------------------------------------------------------------------
def test_deepcopy_copies_data_and_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.grad.tolist() == [3.0, 3.0]
    y.data.add_(1)
    assert x.tolist() == [1.0, 2.0]
    shared = copy.deepcopy([x, x])
    assert shared[0] is shared[1]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip(name):
    x = ember.tensor([[1, 0], [2, 3]], dtype=getattr(ember, name))
    y = pickle.loads(pickle.dumps(x))
    assert y.dtype is x.dtype and y.tolist() == x.tolist() and y.shape == x.shape


def test_pickle_keeps_requires_grad():
    y = pickle.loads(pickle.dumps(ember.tensor([1.0], requires_grad=True)))
    assert y.requires_grad and y.is_leaf


def test_tensor_constructor_forms():
    assert ember.Tensor([1, 2]).dtype is ember.float32
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert ember.Tensor().shape == (0,)
    assert ember.is_tensor(ember.Tensor(1)) and not ember.is_tensor(numpy.zeros(1))


def test_complex_real_casts_backward_like_pytorch():
    # complex -> real keeps the real part; Ember warns each time, PyTorch once per process
    data = [1.0 + 2.0j, -0.5 + 0.25j]
    e = ember.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        ye = e.to(ember.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns once per process
        yt = t.to(torch.float32)
    assert ye.tolist() == yt.tolist()
    (ye * ember.tensor([2.0, 3.0])).sum().backward()
    (yt * torch.tensor([2.0, 3.0])).sum().backward()
    assert e.grad.dtype is ember.complex64 and e.grad.tolist() == t.grad.tolist()
    # real -> complex: the gradient is the real part of the complex cotangent
    r = ember.tensor([1.0, 2.0], requires_grad=True)
    rt = torch.tensor([1.0, 2.0], requires_grad=True)
    (r.to(ember.complex64) * ember.tensor([1j, 2 + 1j])).real.sum().backward()
    (rt.to(torch.complex64) * torch.tensor([1j, 2 + 1j])).real.sum().backward()
    assert r.grad.tolist() == rt.grad.tolist()
