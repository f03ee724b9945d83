"""In-place random fills take the scalar forms PyTorch's parser accepts: Python numbers,
numpy scalars and 0-d tensors that don't require grad (ints only where an int is due), and
reject the rest with PyTorch's TypeError; plus log_normal_, cauchy_ and geometric_."""

import numpy
import pytest

import ember


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (ember.tensor(0.1), ember.tensor(0.2)),
        (numpy.float32(0.1), numpy.float64(0.2)),
        (ember.tensor(0, dtype=ember.int64), 1),
        (True, 2),
    ],
)
def test_uniform_accepts_scalar_forms(lo, hi):
    x = ember.empty(200).uniform_(lo, hi)
    lo, hi = float(lo), float(hi)
    assert lo <= x.min().item() and x.max().item() <= hi


def test_normal_exponential_bernoulli_random_accept_0d_tensors_and_numpy_scalars():
    ember.manual_seed(0)
    x = ember.empty(4000).normal_(ember.tensor(3.0), numpy.float32(0.5))
    assert abs(x.mean().item() - 3.0) < 0.05 and abs(x.std().item() - 0.5) < 0.05
    e = ember.empty(4000).exponential_(ember.tensor(2.0))
    assert abs(e.mean().item() - 0.5) < 0.05
    b = ember.empty(4000).bernoulli_(numpy.float64(0.25))
    assert abs(b.mean().item() - 0.25) < 0.05
    r = ember.empty(500).random_(ember.tensor(3), numpy.int16(7))
    assert set(numpy.unique(r.numpy())) == {3.0, 4.0, 5.0, 6.0}
    r = ember.empty(500, dtype=ember.int64).random_(numpy.int64(2))
    assert set(numpy.unique(r.numpy())) == {0, 1}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: t.uniform_(ember.tensor([0.1]), 1.0), "argument 'from' .* must be float"),
        (lambda t: t.uniform_(ember.tensor(0.1, requires_grad=True), 1.0), "must be float"),
        (lambda t: t.uniform_("a", 1.0), "must be float, not str"),
        (lambda t: t.normal_(0.0, numpy.array([1.0])), "argument 'std'"),
        (lambda t: t.random_(ember.tensor(3.0), 5), "argument 'from' .* must be int"),
        (lambda t: t.random_(2, 5.0), "argument 'to' .* must be int, not float"),
        (lambda t: t.random_(True, 5), "must be int, not bool"),
    ],
)
def test_non_scalar_bounds_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call(ember.empty(3))


def test_log_normal_cauchy_geometric_fill_in_place():
    ember.manual_seed(1)
    x = ember.empty(4000)
    assert x.log_normal_(0.0, 0.25) is x
    assert x.min().item() > 0 and abs(x.log().mean().item()) < 0.05
    c = ember.empty(4001).cauchy_(ember.tensor(2.0), 0.5)
    assert abs(c.median().item() - 2.0) < 0.1
    g = ember.empty(4000, dtype=ember.int64).geometric_(0.5)
    assert g.min().item() >= 1 and abs(g.double().mean().item() - 2.0) < 0.1


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: ember.empty(3).geometric_(1.0), RuntimeError, "p to be in \\(0, 1\\)"),
        (lambda: ember.empty(3).cauchy_(0, -1.0), RuntimeError, "sigma > 0.0"),
        (lambda: ember.empty(3).log_normal_(1, 0.0), RuntimeError, "std > 0.0"),
        (lambda: ember.empty(3, dtype=ember.int64).cauchy_(), RuntimeError, "floating point"),
        (lambda: ember.empty(3, dtype=ember.int64).log_normal_(), NotImplementedError, "int64"),
        (lambda: ember.empty(3, dtype=ember.bool).geometric_(0.5), NotImplementedError, "bool"),
    ],
)
def test_distribution_fill_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
