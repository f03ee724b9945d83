"""Indexing semantics beyond the opspecs: setitem, views sharing memory, version counters,
duplicate-index accumulation against PyTorch, and error messages."""

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")


def _pair(shape=(3, 4), requires_grad=True, seed=0):
    a = numpy.random.default_rng(seed).standard_normal(shape)
    return (
        ember.tensor(a, requires_grad=requires_grad),
        torch.tensor(a, requires_grad=requires_grad),
    )


def _close(e, t):
    numpy.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-8)


# -- views --------------------------------------------------------------------------------------
def test_basic_index_is_a_view_sharing_memory_and_version():
    x = ember.zeros(3, 4)
    row = x[1]
    row[2] = 5.0
    assert x[1, 2].item() == 5.0
    x[1, 3] = 7.0
    assert row[3].item() == 7.0
    assert row._version == x._version == 2


def test_slices_none_ellipsis_make_views():
    x = ember.arange(24).reshape(2, 3, 4)
    v = x[None, ..., 1:3]
    assert v.shape == (1, 2, 3, 2)
    v[...] = 0
    assert int(x[..., 1:3].sum()) == 0 and int(x[..., 0].sum()) != 0


def test_full_integer_index_returns_a_0d_view():
    x = ember.zeros(2, 2)
    y = x[1, 1]
    assert y.shape == () and y._base is not None
    y[...] = 3.0
    assert x[1, 1].item() == 3.0


def test_zero_dim_integer_tensor_indexes_like_an_int():
    x = ember.arange(5)
    y = x[ember.tensor(3)]
    assert y.shape == () and y.item() == 3 and y._base is not None


def test_advanced_index_is_a_copy():
    x = ember.zeros(3)
    y = x[[0, 1]]
    y[0] = 1.0
    assert x[0].item() == 0.0


# -- setitem ------------------------------------------------------------------------------------
def test_setitem_forms_match_pytorch():
    for key, value in [
        (1, 2.0),
        ((slice(None), 1), numpy.arange(3.0)),
        ([0, 2], -1.0),
        ((slice(None), [1, 3]), numpy.ones((3, 2))),
        (Ellipsis, 0.5),
        (([0, 1], [2, 3]), numpy.array([7.0, 8.0])),
    ]:
        e, t = _pair(requires_grad=False)
        ev = ember.tensor(value) if isinstance(value, numpy.ndarray) else value
        tv = torch.tensor(value) if isinstance(value, numpy.ndarray) else value
        e[key] = ev
        t[key] = tv
        _close(e, t)


def test_setitem_with_bool_mask_and_broadcast_value():
    e, t = _pair(requires_grad=False)
    e[e > 0] = 0.0
    t[t > 0] = 0.0
    _close(e, t)
    e[ember.tensor([True, False, True])] = ember.tensor([1.0, 2.0, 3.0, 4.0])
    t[torch.tensor([True, False, True])] = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=t.dtype)
    _close(e, t)


def test_setitem_casts_value_to_tensor_dtype():
    x = ember.zeros(3, dtype=ember.int64)
    x[0] = 2.7
    x[1] = ember.tensor(5.9)
    assert x.tolist() == [2, 5, 0] and x.dtype == ember.int64


def test_setitem_bumps_version_and_invalidates_saved_tensors():
    leaf = ember.ones(3, requires_grad=True)
    a = leaf.clone()
    b = a * a
    v0 = a._version
    a[0] = 2.0
    assert a._version == v0 + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_setitem_on_leaf_requiring_grad_raises():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[0] = 2.0
    with ember.no_grad():
        x[0] = 2.0
    assert x[0].item() == 2.0


def test_setitem_gradients_match_pytorch():
    e, t = _pair()
    ev, tv = _pair((2, 4), seed=1)
    ec, tc = e.clone(), t.clone()
    ec[[2, 0]] = ev
    tc[[2, 0]] = tv
    ec2, tc2 = ec * ec, tc * tc
    ec2.sum().backward()
    tc2.sum().backward()
    _close(e.grad, t.grad)
    _close(ev.grad, tv.grad)


def test_setitem_scalar_into_graph_tensor_zeroes_its_gradient():
    e = ember.ones(3, requires_grad=True)
    y = e * 2
    y[1] = 0.0
    y.sum().backward()
    assert e.grad.tolist() == [2.0, 0.0, 2.0]


def test_setitem_into_expanded_tensor_raises():
    x = ember.zeros(1).expand(3)
    with pytest.raises(RuntimeError, match="single memory location"):
        x[0] = 1.0


# -- duplicate indices accumulate -------------------------------------------------------------
def test_getitem_duplicate_indices_accumulate_like_pytorch():
    e, t = _pair()
    idx = [0, 2, 0, 0, 1]
    g = numpy.random.default_rng(2).standard_normal((5, 4))
    e[idx].backward(ember.tensor(g))
    t[idx].backward(torch.tensor(g))
    _close(e.grad, t.grad)


def test_mixed_advanced_index_grad_matches_pytorch():
    e, t = _pair((2, 3, 4))
    ei, ti = ember.tensor([1, 1, 0]), torch.tensor([1, 1, 0])
    (e[ei, :, ei] * 3).sum().backward()
    (t[ti, :, ti] * 3).sum().backward()
    _close(e.grad, t.grad)


def test_index_add_and_scatter_add_accumulate_duplicates():
    e, t = _pair((4,), requires_grad=False)
    src = numpy.array([1.0, 2.0, 3.0, 4.0])
    i = [1, 1, 3, 1]
    _close(
        e.index_add(0, ember.tensor(i), ember.tensor(src)),
        t.index_add(0, torch.tensor(i), torch.tensor(src)),
    )
    _close(
        e.scatter_add(0, ember.tensor(i), ember.tensor(src)),
        t.scatter_add(0, torch.tensor(i), torch.tensor(src)),
    )
    _close(
        ember.index_put(e, (ember.tensor(i),), ember.tensor(src), accumulate=True),
        torch.index_put(t, (torch.tensor(i),), torch.tensor(src), accumulate=True),
    )


def test_integer_scatter_add_is_exact():
    big = 2**60 + 1
    x = ember.zeros(2, dtype=ember.int64)
    out = x.index_add(0, ember.tensor([0, 0, 1]), ember.tensor([big, big, -big]))
    assert out.tolist() == [2 * big, -big]


def test_legacy_scatter_reduce_add_matches_pytorch():
    e, t = _pair((3, 2), requires_grad=False)
    i = [[0, 0], [0, 2]]
    s = numpy.ones((2, 2))
    with pytest.warns(UserWarning):
        expected = torch.scatter(t, 0, torch.tensor(i), torch.tensor(s), reduce="add")
    _close(ember.scatter(e, 0, ember.tensor(i), ember.tensor(s), reduce="add"), expected)


# -- in-place variants -------------------------------------------------------------------------
def test_inplace_variants_write_into_the_tensor_and_bump_version():
    x = ember.zeros(3, 4)
    v = x._version
    x.masked_fill_(ember.tensor([True, False, False, True]), 1.0)
    x.index_fill_(0, ember.tensor([1]), 2.0)
    x.scatter_add_(1, ember.tensor([[0], [0], [0]]), ember.ones(3, 1))
    x.index_add_(0, ember.tensor([2, 2]), ember.ones(2, 4))
    x.put_(ember.tensor([11]), ember.tensor([9.0]))
    assert x._version == v + 5
    t = torch.zeros(3, 4)
    t.masked_fill_(torch.tensor([True, False, False, True]), 1.0)
    t.index_fill_(0, torch.tensor([1]), 2.0)
    t.scatter_add_(1, torch.tensor([[0], [0], [0]]), torch.ones(3, 1))
    t.index_add_(0, torch.tensor([2, 2]), torch.ones(2, 4))
    t.put_(torch.tensor([11]), torch.tensor([9.0]))
    assert x.tolist() == t.tolist()


def test_inplace_index_op_on_leaf_requiring_grad_raises():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.index_fill_(0, ember.tensor([0]), 1.0)


def test_where_with_condition_only_is_nonzero_as_tuple():
    c = ember.tensor([[True, False], [False, True]])
    rows, cols = ember.where(c)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]


# -- errors ---------------------------------------------------------------------------------
def test_out_of_range_int_index_raises_index_error():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        ember.zeros(3)[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 1 with size 3"):
        ember.zeros(2, 3)[0, -4]


def test_out_of_range_tensor_index_raises_index_error():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        ember.zeros(3)[ember.tensor([0, 5])]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x = ember.zeros(3)
        x[[3]] = 1.0


def test_negative_slice_step_raises_value_error():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        ember.arange(4)[::-1]


def test_too_many_indices_and_bad_index_types():
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 1"):
        ember.zeros(3)[0, 0]
    with pytest.raises(IndexError, match="tensors used as indices must be long"):
        ember.zeros(3)[ember.tensor([0.0])]
    with pytest.raises(IndexError, match="only integers, slices"):
        ember.zeros(3)["a"]


def test_mask_shape_mismatch_raises_index_error():
    with pytest.raises(IndexError, match="The shape of the mask"):
        ember.zeros(3, 4)[ember.tensor([True, False])]


def test_setitem_shape_mismatch_raises_runtime_error():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[0] = ember.ones(3)


def test_gather_and_index_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x.gather(1, ember.tensor([[4]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(1, ember.tensor([0]))
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_select(0, ember.tensor([3]))
    with pytest.raises(RuntimeError, match="BoolTensor"):
        x.masked_fill(ember.ones(3, 4), 1.0)
    with pytest.raises(RuntimeError, match="at least 12 elements"):
        x.masked_scatter(ember.ones(3, 4, dtype=ember.bool), ember.ones(2))
    with pytest.raises(IndexError, match="out of range"):
        x.take(ember.tensor([12]))
    with pytest.raises(RuntimeError, match="reduce argument"):
        x.scatter_reduce(0, ember.zeros(1, 1, dtype=ember.int64), x, "max")


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_gradient_with_zeros_matches_pytorch(include_self):
    x = numpy.array([[2.0, 0.0], [3.0, 1.5], [0.5, 4.0]])
    src = numpy.array([[0.0, 2.0], [5.0, 0.0], [1.5, 0.0]])
    index = [[0, 0], [0, 2], [0, 0]]
    e, es = ember.tensor(x, requires_grad=True), ember.tensor(src, requires_grad=True)
    t, ts = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    eo = e.scatter_reduce(0, ember.tensor(index), es, "prod", include_self=include_self)
    to = t.scatter_reduce(0, torch.tensor(index), ts, "prod", include_self=include_self)
    _close(eo, to)
    g = numpy.arange(6.0).reshape(3, 2) + 1
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    _close(e.grad, t.grad)
    _close(es.grad, ts.grad)
