"""Reduction-family behaviour the opspec registry does not cover: named-tuple results,
error types and messages, keepdim shapes, ``dtype=``, tie rules and gradients with ties,
and gradients of real-valued reductions of complex inputs."""

from __future__ import annotations

import math

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")


def _pair(data, dtype=None, requires_grad=False):
    a = numpy.asarray(data, dtype=dtype)
    e = ember.from_numpy(a.copy()).requires_grad_(requires_grad)
    t = torch.from_numpy(a.copy()).requires_grad_(requires_grad)
    return e, t


def _close(e, t, **kw):
    numpy.testing.assert_allclose(numpy.asarray(e.detach()), t.detach().numpy(), **kw)


# -- named tuples ------------------------------------------------------------------------
def test_max_with_dim_unpacks_into_values_and_indices():
    x = ember.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 0.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0]
    assert indices.tolist() == [1, 0]
    assert indices.dtype == ember.int64


def test_named_tuple_fields_index_and_repr():
    result = ember.sort(ember.tensor([3, 1, 2]))
    assert isinstance(result, tuple) and len(result) == 2
    assert result.values is result[0] and result.indices is result[1]
    assert repr(result).startswith("ember.return_types.sort(\nvalues=tensor([1, 2, 3]),")
    assert type(result) is ember.return_types.sort


def test_aminmax_fields_are_min_and_max():
    result = ember.aminmax(ember.tensor([[3, 1], [2, 8]]), dim=0)
    assert result.min.tolist() == [2, 1] and result.max.tolist() == [3, 8]


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["sum", "mean", "max", "argmax", "cumsum", "sort", "amax"])
def test_bad_dim_raises_index_error_naming_the_op(op):
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match=rf"{op}.*Dimension out of range"):
        getattr(ember, op)(x, 2)


def test_max_of_empty_raises_like_torch():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        ember.zeros(0).max()
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero"):
        ember.zeros(0, 3).max(0)
    with pytest.raises(RuntimeError, match=r"amin\(\): Expected reduction dim to be specified"):
        ember.amin(ember.zeros(0, 3))
    values, indices = ember.zeros(0, 3).max(1)
    assert values.shape == (0,) and indices.shape == (0,)


def test_unsupported_dtypes_raise_clear_errors():
    with pytest.raises(NotImplementedError, match='"max".*complex64'):
        ember.zeros(3, dtype=ember.complex64).max()
    with pytest.raises(RuntimeError, match=r"argmax\(\): does not support bool"):
        ember.zeros(3, dtype=ember.bool).argmax()
    with pytest.raises(RuntimeError, match="mean.*Long"):
        ember.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        ember.tensor([1, 2]).std()
    with pytest.raises(RuntimeError, match="vector_norm.*Long"):
        ember.tensor([1, 2]).norm()
    with pytest.raises(NotImplementedError, match='"median".*bool'):
        ember.tensor([True]).median()


def test_topk_and_kthvalue_out_of_range():
    x = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match="selected index k"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="kthvalue"):
        x.kthvalue(4)


# -- shapes and dtypes ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fn", "shape"),
    [
        (lambda x: x.sum(1, keepdim=True), (2, 1, 4)),
        (lambda x: x.mean((0, 2), keepdim=True), (1, 3, 1)),
        (lambda x: x.max(-1, keepdim=True).values, (2, 3, 1)),
        (lambda x: x.argmax(keepdim=True), (1, 1, 1)),
        (lambda x: x.std(0, keepdim=True), (1, 3, 4)),
        (lambda x: x.norm(dim=(1, 2), keepdim=True), (2, 1, 1)),
        (lambda x: x.logsumexp(1, keepdim=True), (2, 1, 4)),
        (lambda x: x.median(1, keepdim=True).indices, (2, 1, 4)),
        (lambda x: x.kthvalue(1, 2, keepdim=True).values, (2, 3, 1)),
        (lambda x: x.amin((), keepdim=True), (1, 1, 1)),
        (lambda x: x.all(2, keepdim=True), (2, 3, 1)),
    ],
)
def test_keepdim_shapes(fn, shape):
    assert tuple(fn(ember.rand(2, 3, 4)).shape) == shape


def test_dtype_argument_and_integer_promotion():
    x = ember.tensor([[1, 2], [3, 4]], dtype=ember.int8)
    assert ember.sum(x).dtype == ember.int64
    assert ember.prod(x, 1).dtype == ember.int64
    assert ember.cumsum(x, 0).dtype == ember.int64
    assert ember.sum(x, dtype=ember.float32).dtype == ember.float32
    assert ember.mean(x, dtype=ember.float64).item() == 2.5
    assert ember.cumprod(x, 1, dtype=ember.float64).dtype == ember.float64
    assert ember.any(ember.tensor([0, 2], dtype=ember.uint8)).dtype == ember.uint8
    assert ember.logsumexp(x, 0).dtype == ember.float32
    assert ember.std(ember.zeros(3, dtype=ember.complex64)).dtype == ember.float32


def test_empty_dim_tuple_reduces_all_but_not_for_all_any():
    x = ember.ones(2, 3)
    assert x.sum(dim=()).item() == 6.0 and x.amax(()).shape == ()
    assert ember.all(x, dim=()).shape == (2, 3) and ember.any(x, dim=[]).dtype == ember.bool


def test_empty_reductions_have_identities():
    assert ember.zeros(0).sum().item() == 0.0
    assert ember.zeros(0).prod().item() == 1.0
    assert math.isnan(ember.zeros(0).mean().item())
    assert ember.zeros(0).logsumexp(0).item() == -math.inf
    assert ember.zeros(0).norm().item() == 0.0


def test_out_argument_for_values_and_indices():
    x = ember.tensor([[1.0, 5.0], [7.0, 2.0]])
    values, indices = ember.zeros(2), ember.zeros(2, dtype=ember.int64)
    result = ember.max(x, 1, out=(values, indices))
    assert result.values is values and values.tolist() == [5.0, 7.0]
    assert indices.tolist() == [1, 0]
    total = ember.zeros(())
    assert ember.sum(x, out=total) is total and total.item() == 15.0


def test_var_legacy_unbiased_positional_and_correction():
    e, t = _pair([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]])
    _close(e.var(1, False), t.var(1, False))
    _close(e.std(False), t.std(False))
    _close(ember.var(e, 1, correction=2), torch.var(t, 1, correction=2))


# -- tie rules, checked against torch ----------------------------------------------------------
TIES = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 1.0, 1.0]]


@pytest.mark.parametrize("op", ["max", "min", "cummax", "cummin", "mode"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_tie_indices_match_torch(op, dtype):
    e, t = _pair(TIES, dtype=dtype)
    ea, ta = getattr(ember, op)(e, 1), getattr(torch, op)(t, 1)
    assert ea.indices.tolist() == ta.indices.tolist()
    assert ea.values.tolist() == ta.values.tolist()


def test_sort_stable_keeps_input_order_among_ties():
    e, t = _pair(TIES)
    for desc in (False, True):
        ea = ember.sort(e, 1, desc, stable=True)
        ta = torch.sort(t, dim=1, descending=desc, stable=True)
        assert ea.indices.tolist() == ta.indices.tolist()
        assert ember.argsort(e, 1, desc).tolist() == ta.indices.tolist()


def test_argmax_picks_first_of_ties_and_nan_wins():
    assert ember.tensor([1.0, 3.0, 3.0]).argmax().item() == 1
    x = ember.tensor([1.0, float("nan"), 0.0])
    assert x.argmax().item() == 1 and x.argmin().item() == 1
    assert math.isnan(x.max().item())


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.max(),
        lambda x: x.amax(1),
        lambda x: x.amin(0),
        lambda x: x.median(),
        lambda x: x.max(1).values,
        lambda x: x.cummax(1).values,
        lambda x: x.mode(1).values,
        lambda x: x.norm(float("inf"), 1),
    ],
)
def test_gradients_with_ties_match_torch(fn):
    e, t = _pair(TIES, requires_grad=True)
    ye, yt = fn(e), fn(t)
    g = numpy.arange(1.0, 1.0 + yt.numel()).reshape(tuple(yt.shape)).astype(numpy.float64)
    ye.backward(ember.from_numpy(g.astype(numpy.float64)).to(ye.dtype))
    yt.backward(torch.from_numpy(g).to(yt.dtype))
    _close(e.grad, t.grad)


def test_prod_and_cumprod_gradients_with_zeros_match_torch():
    data = [[1.5, 0.0, 2.0, -0.5], [0.0, 0.0, 1.3, 2.0], [0.5, 1.0, 2.0, 3.0]]
    for fn in (lambda x: x.prod(1), lambda x: x.prod(), lambda x: x.cumprod(1)):
        e, t = _pair(data, requires_grad=True)
        g = numpy.linspace(0.5, 1.5, fn(t).numel()).reshape(tuple(fn(t).shape))
        fn(e).backward(ember.from_numpy(g))
        fn(t).backward(torch.from_numpy(g))
        _close(e.grad, t.grad, rtol=1e-12)


def test_norm_and_std_gradients_at_zero_are_zero():
    e = ember.zeros(2, 3, dtype=ember.float64, requires_grad=True)
    (e.norm() + e.std(1).sum()).backward()
    assert e.grad.tolist() == [[0.0] * 3] * 2


# -- real-valued reductions of complex inputs: explicit real cotangents ----------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.var(1),
        lambda x: x.std(),
        lambda x: x.norm(),
        lambda x: x.norm(1, 0),
        lambda x: x.norm(3, 1),
        lambda x: x.norm(float("inf"), 1),
        lambda x: torch_or_ember(x).std_mean(x, 1)[0],
    ],
)
def test_complex_input_gradients_match_torch(fn):
    rng = numpy.random.default_rng(3)
    data = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    e, t = _pair(data, requires_grad=True)
    ye, yt = fn(e), fn(t)
    g = rng.standard_normal(tuple(yt.shape))
    ye.backward(ember.from_numpy(g))
    yt.backward(torch.from_numpy(g))
    _close(e.grad, t.grad, rtol=1e-10)


def torch_or_ember(x):
    return ember if isinstance(x, ember.Tensor) else torch


def test_nuclear_norm_gradient_matches_torch():
    rng = numpy.random.default_rng(4)
    e, t = _pair(rng.standard_normal((2, 3, 4)), requires_grad=True)
    e.norm("nuc", (1, 2)).sum().backward()
    t.norm("nuc", (1, 2)).sum().backward()
    _close(e.grad, t.grad, rtol=1e-10)


def test_double_backward_through_max_and_sort():
    x = ember.tensor([[0.3, -1.2, 2.5], [1.1, 0.4, -0.7]], dtype=ember.float64, requires_grad=True)
    y = (x.max(1).values ** 2).sum() + (x.sort(1).values * x).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    xt = torch.tensor(x.tolist(), dtype=torch.float64, requires_grad=True)
    yt = (xt.max(1).values ** 2).sum() + (xt.sort(1).values * xt).sum()
    (gt,) = torch.autograd.grad(yt, xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    _close(g, gt)
    _close(gg, ggt)


def test_large_logsumexp_is_stable():
    x = ember.tensor([[1000.0, 1000.0], [-1000.0, -math.inf]])
    assert ember.logsumexp(x, 1).tolist() == pytest.approx([1000.0 + math.log(2), -1000.0])
