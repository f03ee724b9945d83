"""ember.nn.utils.rnn against torch.nn.utils.rnn: packing, padding, ordering, gradients."""

import numpy
import pytest
import torch

import ember
from ember.nn.utils import rnn as E

T = torch.nn.utils.rnn


def _seqs(lengths, feat=(3,), seed=0):
    rng = numpy.random.default_rng(seed)
    arrays = [rng.standard_normal((n, *feat)) for n in lengths]
    t = [torch.from_numpy(a).requires_grad_() for a in arrays]
    e = [ember.from_numpy(a.copy()).requires_grad_() for a in arrays]
    return t, e


def _same(e, t):
    torch.testing.assert_close(torch.from_numpy(numpy.asarray(e.detach().numpy())), t.detach())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    t, e = _seqs([3, 5, 1])
    tp = T.pad_sequence(t, batch_first, -1.0, padding_side)
    ep = E.pad_sequence(e, batch_first, -1.0, padding_side)
    _same(ep, tp)
    w = numpy.random.default_rng(1).standard_normal(tuple(tp.shape))
    (tp * torch.from_numpy(w)).sum().backward()
    (ep * ember.from_numpy(w)).sum().backward()
    for a, b in zip(e, t):
        _same(a.grad, b.grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 4])])
def test_pack_and_pad_roundtrip_matches_torch(batch_first, enforce_sorted, lengths):
    t, e = _seqs(lengths, feat=(2, 3))
    tpad = T.pad_sequence(t, batch_first)
    epad = E.pad_sequence(e, batch_first)
    tp = T.pack_padded_sequence(tpad, torch.tensor(lengths), batch_first, enforce_sorted)
    ep = E.pack_padded_sequence(epad, ember.tensor(lengths), batch_first, enforce_sorted)
    _same(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    assert ep.batch_sizes.dtype == ember.int64
    if enforce_sorted:
        assert ep.sorted_indices is None and ep.unsorted_indices is None
    else:
        assert ep.sorted_indices.tolist() == tp.sorted_indices.tolist()
        assert ep.unsorted_indices.tolist() == tp.unsorted_indices.tolist()
    tout, tlen = T.pad_packed_sequence(tp, batch_first, 7.0, total_length=6)
    eout, elen = E.pad_packed_sequence(ep, batch_first, 7.0, total_length=6)
    _same(eout, tout)
    assert elen.tolist() == tlen.tolist()
    w = numpy.random.default_rng(2).standard_normal(tuple(tout.shape))
    (tout * torch.from_numpy(w)).sum().backward()
    (eout * ember.from_numpy(w)).sum().backward()
    for a, b in zip(e, t):
        _same(a.grad, b.grad)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence_match_torch(enforce_sorted):
    lengths = [4, 2, 2] if enforce_sorted else [2, 4, 3]
    t, e = _seqs(lengths)
    tp = T.pack_sequence(t, enforce_sorted)
    ep = E.pack_sequence(e, enforce_sorted)
    _same(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in zip(E.unpack_sequence(ep), T.unpack_sequence(tp)):
        _same(a, b)


def test_unpad_sequence_matches_torch():
    t, e = _seqs([3, 1, 2])
    lengths = [3, 1, 2]
    for a, b in zip(
        E.unpad_sequence(E.pad_sequence(e, True), ember.tensor(lengths), True),
        T.unpad_sequence(T.pad_sequence(t, True), torch.tensor(lengths), True),
    ):
        _same(a, b)


def test_packed_sequence_fields_and_methods():
    _, e = _seqs([2, 1])
    ep = E.pack_sequence(e)
    assert ep._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert not ep.is_cuda
    assert ep.float().data.dtype == ember.float32
    assert ep.to(ember.float32).data.dtype == ember.float32
    data, batch_sizes, _, _ = ep
    assert tuple(data.shape) == (3, 3) and batch_sizes.tolist() == [2, 1]
    assert E.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert E.invert_permutation(None) is None


def test_rnn_utils_errors_match_torch():
    x = ember.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        E.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        E.pack_padded_sequence(x, [3, 2, 0])
    ep = E.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="total_length"):
        E.pad_packed_sequence(ep, total_length=2)
    with pytest.raises(ValueError, match="padding_side"):
        E.pad_sequence([x[0]], padding_side="middle")
