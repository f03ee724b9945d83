"""Shape-family semantics beyond the opspecs: which ops return views (shared memory and
version counter) and which copy, multi-output backward, and error messages."""

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")


def _shares(view, base, write_key=0):
    view[write_key] = 42
    return bool((base == 42).any())


@pytest.mark.parametrize(
    "make_view",
    [
        lambda x: x.view(-1),
        lambda x: x.reshape(12),
        lambda x: x.transpose(0, 1),
        lambda x: x.permute(1, 0),
        lambda x: x.unsqueeze(0)[0],
        lambda x: x.diagonal(),
        lambda x: x.narrow(1, 1, 2),
        lambda x: x.unflatten(1, (2, 2)),
        lambda x: x.movedim(0, 1),
        lambda x: x.split(1)[1],
        lambda x: x.chunk(2, 1)[1],
        lambda x: x.tensor_split([1], 1)[1],
        lambda x: x.unbind(1)[2],
        lambda x: x.T,
        lambda x: x.ravel(),
    ],
)
def test_view_ops_share_memory_and_version_counter(make_view):
    x = ember.zeros(3, 4)
    v = make_view(x)
    assert _shares(v, x)
    assert v._version == x._version > 0


@pytest.mark.parametrize(
    "make_copy",
    [
        lambda x: x.flip(0),
        lambda x: x.roll(1, 0),
        lambda x: x.rot90(),
        lambda x: x.tril(),
        lambda x: x.repeat(1, 1),
        lambda x: ember.diag(x),
        lambda x: x.reshape(4, 3).T.reshape(-1),  # non-contiguous reshape copies
    ],
)
def test_rearranging_ops_return_copies(make_copy):
    x = ember.zeros(3, 4)
    assert not _shares(make_copy(x), x)


def test_diagonal_write_through_matches_pytorch():
    x, t = ember.zeros(3, 4), torch.zeros(3, 4)
    x.diagonal(1)[...] = 1.0
    t.diagonal(1)[...] = 1.0
    assert x.tolist() == t.tolist()


def test_split_backward_with_unused_outputs_is_one_concat():
    x = ember.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    (b * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 3.0, 0.0, 0.0]
    assert a.grad_fn is b.grad_fn is c.grad_fn


def test_cat_skips_legacy_empty_tensors_with_grad():
    a = ember.ones(2, 3, requires_grad=True)
    e = ember.zeros(0, requires_grad=True)
    y = ember.cat([a, e, a], 0)
    assert y.shape == (4, 3)
    y.sum().backward()
    assert a.grad.tolist() == [[2.0] * 3] * 2
    assert e.grad is None


def test_cat_promotes_like_pytorch():
    parts = [numpy.array([1, 2], numpy.int32), numpy.array([True]), numpy.array([0.5], "f2")]
    e = ember.cat([ember.from_numpy(p) for p in parts])
    t = torch.cat([torch.from_numpy(p) for p in parts])
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    assert e.tolist() == t.tolist()


def test_meshgrid_xy_matches_pytorch():
    a, b = ember.arange(3), ember.arange(2)
    ta, tb = torch.arange(3), torch.arange(2)
    for e, t in zip(ember.meshgrid(a, b, indexing="xy"), torch.meshgrid(ta, tb, indexing="xy")):
        assert e.tolist() == t.tolist()


def test_repeat_interleave_with_counts_and_output_size():
    x = ember.tensor([[1, 2], [3, 4]])
    y = ember.repeat_interleave(x, ember.tensor([1, 2]), dim=0, output_size=3)
    assert y.tolist() == [[1, 2], [3, 4], [3, 4]]
    with pytest.raises(RuntimeError, match="output_size"):
        ember.repeat_interleave(x, 2, dim=0, output_size=3)


def test_broadcast_shapes_and_tensors():
    assert ember.broadcast_shapes((2, 1), (1, 3), 3) == (2, 3)
    a, b = ember.broadcast_tensors(ember.zeros(2, 1), ember.zeros(3))
    assert a.shape == b.shape == (2, 3)
    with pytest.raises(RuntimeError, match="broadcast"):
        ember.broadcast_shapes((2,), (3,))


# -- errors ---------------------------------------------------------------------------------
def test_cat_errors():
    with pytest.raises(ValueError, match="non-empty list"):
        ember.cat([])
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        ember.cat([ember.zeros(2, 3), ember.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
        ember.cat([ember.zeros(()), ember.zeros(())])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ember.cat([ember.zeros(2, 3), ember.zeros(3)])
    with pytest.raises(TypeError):
        ember.cat(ember.zeros(2))


def test_stack_and_split_errors():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        ember.stack([ember.zeros(2), ember.zeros(3)])
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly"):
        ember.zeros(5).split([2, 2])
    with pytest.raises(RuntimeError, match="chunk expects"):
        ember.zeros(5).chunk(0)
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0"):
        ember.zeros(5).tensor_split(0)


def test_other_shape_errors():
    x = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        x.narrow(1, 2, 2)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.zeros(3).tril()
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        x.diagonal(0, 1, 1)
    with pytest.raises(RuntimeError, match="Supports 1D or 2D"):
        ember.zeros(2, 2, 2).diag()
    with pytest.raises(ValueError, match="indexing must be one of"):
        ember.meshgrid(ember.zeros(2), indexing="ji")
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.movedim(2, 0)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        x.roll((1, 1), 0)
    with pytest.raises(RuntimeError, match="mT is only supported on matrices"):
        ember.zeros(3).mT  # noqa: B018
