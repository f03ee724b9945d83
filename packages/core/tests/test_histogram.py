"""bincount / histc / histogram against PyTorch, plus the integer scatter-add fast path they
share with scatter_add/index_add/put (bincount with weights, exact while sums fit 2**53)."""

import time

import numpy
import pytest

import ember
from ember.autograd.gradcheck import gradcheck

torch = pytest.importorskip("torch")


def _both(a):
    return ember.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(
    "kwargs", [dict(bins=10), dict(bins=7, min=-1, max=1), dict(bins=5, min=0.3, max=0.3)]
)
def test_histc_matches_torch_bin_for_bin(dtype, kwargs):
    rng = numpy.random.default_rng(0)
    e, t = _both(rng.normal(size=(20, 30)).astype(dtype))
    got, want = ember.histc(e, **kwargs), torch.histc(t, **kwargs)
    assert got.dtype == getattr(ember, dtype)
    numpy.testing.assert_array_equal(got.numpy(), want.numpy())


def test_histc_constant_input_widens_range_by_one():
    got = ember.histc(ember.full((4,), 2.0), bins=4)
    numpy.testing.assert_array_equal(got.numpy(), [0, 0, 4, 0])


def test_histc_ignores_out_of_range_and_nan_and_counts_right_edge():
    x = ember.tensor([float("nan"), -1.0, 0.0, 1.0, 2.0, 3.0])
    numpy.testing.assert_array_equal(ember.histc(x, bins=2, min=0, max=2).numpy(), [1, 2])


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: ember.histc(ember.tensor([1, 2]), bins=3), NotImplementedError, "histogram"),
        (lambda: ember.histc(ember.tensor([1.0]), bins=0), RuntimeError, "bins must be > 0"),
        (lambda: ember.histc(ember.tensor([1.0]), 3, 2, 1), RuntimeError, "larger than min"),
        (lambda: ember.histc(ember.tensor([1.0, float("inf")])), RuntimeError, "not finite"),
    ],
)
def test_histc_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bins", [5, 13])
@pytest.mark.parametrize("rng_range", [None, (-1.0, 2.0)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("density", [False, True])
def test_histogram_matches_torch(dtype, bins, rng_range, weighted, density):
    rng = numpy.random.default_rng(1)
    e, t = _both(rng.normal(size=500).astype(dtype))
    ew = tw = None
    if weighted:
        ew, tw = _both(rng.random(500).astype(dtype))
    got = ember.histogram(e, bins, range=rng_range, weight=ew, density=density)
    want = torch.histogram(t, bins, range=rng_range, weight=tw, density=density)
    # the edges are bit-identical (torch.linspace's fused multiply-add layout)
    numpy.testing.assert_array_equal(got.bin_edges.numpy(), want.bin_edges.numpy())
    numpy.testing.assert_allclose(got.hist.numpy(), want.hist.numpy(), rtol=1e-6)
    assert got.hist.dtype == e.dtype and type(got).__name__ == "histogram"


def test_histogram_with_edge_tensor_and_method_form():
    rng = numpy.random.default_rng(2)
    e, t = _both(rng.normal(size=200))
    edges = numpy.array([-2.0, -0.5, 0.0, 0.1, 3.0])
    got = e.histogram(ember.tensor(edges))
    want = torch.histogram(t, torch.tensor(edges))
    numpy.testing.assert_array_equal(got.hist.numpy(), want.hist.numpy())
    numpy.testing.assert_array_equal(got[1].numpy(), edges)


def test_histogram_empty_and_constant_inputs_follow_numpy_ranges():
    h = ember.histogram(ember.tensor([]), 2)
    numpy.testing.assert_array_equal(h.bin_edges.numpy(), [0.0, 0.5, 1.0])
    h = ember.histogram(ember.tensor([2.0, 2.0]), 2)
    numpy.testing.assert_array_equal(h.bin_edges.numpy(), [1.5, 2.0, 2.5])
    numpy.testing.assert_array_equal(h.hist.numpy(), [0.0, 2.0])


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda x: ember.histogram(x, ember.tensor([0.0, 1.0], dtype=ember.float64)),
            RuntimeError,
            "same dtype",
        ),
        (lambda x: ember.histogram(x, 2, range=(3.0, 1.0)), RuntimeError, "should not exceed"),
        (lambda x: ember.histogram(x, 2, weight=ember.ones(2)), RuntimeError, "same shape"),
        (lambda x: ember.histogram(x, ember.tensor([[0.0, 1.0]])), RuntimeError, "one dimension"),
        (lambda x: ember.histogram(x, 2.5), TypeError, "bins"),
        (lambda x: ember.histogram(x.long(), 2), NotImplementedError, "histogramdd"),
    ],
)
def test_histogram_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call(ember.tensor([0.0, 1.0, 2.0]))


def test_bincount_counts_and_weighted_dtypes_match_torch():
    rng = numpy.random.default_rng(3)
    idx = rng.integers(0, 9, 60)
    e, t = _both(idx)
    numpy.testing.assert_array_equal(ember.bincount(e).numpy(), torch.bincount(t).numpy())
    assert ember.bincount(e, minlength=15).shape == (15,)
    for wdt in ["float32", "float64", "int64", "float16"]:
        ew, tw = _both(rng.random(60).astype(wdt))
        got, want = ember.bincount(e, ew, 12), torch.bincount(t, tw, 12)
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        numpy.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert e.bincount().sum().item() == 60


def test_bincount_is_differentiable_in_weights():
    idx = ember.tensor([0, 2, 2, 5, 0])
    w = ember.tensor(numpy.random.default_rng(4).random(5), requires_grad=True)
    (ember.bincount(idx, w) ** 2).sum().backward()
    sums = numpy.bincount(idx.numpy(), w.detach().numpy())
    numpy.testing.assert_allclose(w.grad.numpy(), 2 * sums[idx.numpy()])
    assert gradcheck(lambda v: ember.bincount(idx, v, minlength=7), (w,))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((ember.tensor([[1]]),), "1-d non-negative"),
        ((ember.tensor([-1, 2]),), "1-d non-negative"),
        ((ember.tensor([1, 2]), ember.ones(3)), "same length"),
    ],
)
def test_bincount_errors(args, match):
    with pytest.raises(RuntimeError, match=match):
        ember.bincount(*args)
    with pytest.raises(RuntimeError, match="minlength"):
        ember.bincount(ember.tensor([1]), minlength=-1)
    with pytest.raises(NotImplementedError):
        ember.bincount(ember.tensor([1.0]))


# -- integer scatter-add fast path --------------------------------------------------------------
def test_integer_scatter_add_wraps_small_dtypes_like_torch():
    idx = [0, 0, 0, 2]
    src = [100, 100, 100, 7]
    got = ember.zeros(3, dtype=ember.int8).index_add(
        0, ember.tensor(idx), ember.tensor(src, dtype=ember.int8)
    )
    want = torch.zeros(3, dtype=torch.int8).index_add(
        0, torch.tensor(idx), torch.tensor(src, dtype=torch.int8)
    )
    numpy.testing.assert_array_equal(got.numpy(), want.numpy())


def test_integer_scatter_add_beyond_2_53_falls_back_to_exact_sums():
    big = [2**62 + 1, 2**62 + 3, -(2**61) + 5]
    got = ember.zeros(1, dtype=ember.int64).index_put_(
        (ember.tensor([0, 0, 0]),), ember.tensor(big), accumulate=True
    )
    want = torch.zeros(1, dtype=torch.int64).index_put_(
        (torch.tensor([0, 0, 0]),), torch.tensor(big), accumulate=True
    )
    assert got.item() == want.item()


def test_integer_scatter_add_of_a_million_indices_is_fast():
    idx = ember.randint(0, 256, (921_600,))
    ones = ember.ones(921_600, dtype=ember.int64)
    start = time.perf_counter()
    hist = ember.zeros(256, dtype=ember.int64).scatter_add_(0, idx, ones)
    elapsed = time.perf_counter() - start
    numpy.testing.assert_array_equal(hist.numpy(), numpy.bincount(idx.numpy(), minlength=256))
    assert elapsed < 0.5  # the sorted path took ~0.6 s; bincount ~15 ms
