"""Random sampling: reproducibility, generators, and distributions checked statistically.

Ember's streams differ from PyTorch's for the same seed (PCG64 vs Mersenne Twister), so
values are checked by moments and bounds on 10^5 samples, and signatures/dtypes/errors
against PyTorch directly.
"""

from __future__ import annotations

import math

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")

N = 100_000


def _np(t):
    return numpy.asarray(t.double() if t.dtype in (ember.bfloat16, ember.float16) else t)


# -- reproducibility ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "draw",
    [
        lambda: ember.rand(5),
        lambda: ember.randn(5),
        lambda: ember.randint(0, 100, (5,)),
        lambda: ember.randperm(10),
        lambda: ember.normal(0.0, 1.0, (5,)),
        lambda: ember.bernoulli(ember.full((8,), 0.5)),
        lambda: ember.multinomial(ember.ones(10), 5),
        lambda: ember.empty(5).uniform_(),
    ],
    ids=["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "uniform_"],
)
def test_same_seed_same_numbers(draw):
    ember.manual_seed(123)
    a = draw().tolist()
    ember.manual_seed(123)
    assert draw().tolist() == a
    ember.manual_seed(124)
    assert draw().tolist() != a


def test_manual_seed_returns_generator_and_initial_seed():
    g = ember.manual_seed(7)
    assert isinstance(g, ember.Generator) and g is ember.default_generator
    assert ember.initial_seed() == 7
    ember.manual_seed(-1)
    assert ember.initial_seed() == 2**64 - 1  # negative seeds wrap, as in PyTorch


def test_seed_is_nondeterministic_and_reported():
    s = ember.seed()
    assert ember.initial_seed() == s
    assert isinstance(s, int)


def test_rng_state_round_trip():
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8 and state.dim() == 1
    a = ember.rand(4).tolist()
    ember.set_rng_state(state)
    assert ember.rand(4).tolist() == a
    with pytest.raises(RuntimeError, match="state"):
        ember.set_rng_state(ember.zeros(3, dtype=ember.uint8))


def test_generator_is_independent_of_the_default():
    g = ember.Generator().manual_seed(5)
    a = ember.rand(3, generator=g).tolist()
    ember.rand(10)  # draws from the default generator do not move g
    g2 = ember.Generator().manual_seed(5)
    assert ember.rand(3, generator=g2).tolist() == a
    assert g.device == ember.device("cpu")
    assert g.initial_seed() == 5
    assert "Generator" in repr(g)


def test_generator_state_round_trip_and_seed():
    g = ember.Generator()
    g.manual_seed(3)
    state = g.get_state()
    a = ember.randn(4, generator=g).tolist()
    g.set_state(state)
    assert ember.randn(4, generator=g).tolist() == a
    s = g.seed()
    assert g.initial_seed() == s


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: ember.rand(3, generator=g),
        lambda g: ember.randn(3, generator=g),
        lambda g: ember.randint(5, (3,), generator=g),
        lambda g: ember.randperm(5, generator=g),
        lambda g: ember.normal(ember.zeros(3), 1.0, generator=g),
        lambda g: ember.normal(0.0, 1.0, (3,), generator=g),
        lambda g: ember.bernoulli(ember.full((3,), 0.5), generator=g),
        lambda g: ember.multinomial(ember.ones(4), 2, generator=g),
        lambda g: ember.empty(3).uniform_(generator=g),
        lambda g: ember.empty(3).normal_(generator=g),
        lambda g: ember.empty(3).bernoulli_(generator=g),
        lambda g: ember.empty(3).random_(generator=g),
        lambda g: ember.empty(3).exponential_(generator=g),
        lambda g: ember.rand_like(ember.zeros(3), generator=g),
        lambda g: ember.randn_like(ember.zeros(3), generator=g),
        lambda g: ember.randint_like(ember.zeros(3), 9, generator=g),
    ],
)
def test_generator_argument_everywhere(draw):
    a = draw(ember.Generator().manual_seed(11)).tolist()
    assert draw(ember.Generator().manual_seed(11)).tolist() == a


# -- distributions -----------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_rand_is_uniform_on_unit_interval(dt):
    x = _np(ember.rand(N, dtype=getattr(ember, dt)))
    assert x.min() >= 0 and x.max() <= 1
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005
    assert ember.rand(2, 3, dtype=getattr(ember, dt)).dtype is getattr(ember, dt)


@pytest.mark.parametrize("dt", ["float32", "float64", "bfloat16"])
def test_randn_is_standard_normal(dt):
    x = _np(ember.randn(N, dtype=getattr(ember, dt)))
    assert abs(x.mean()) < 0.02 and abs(x.var() - 1) < 0.03


def test_complex_rand_and_randn_match_pytorch_conventions():
    z = numpy.asarray(ember.randn(N, dtype=ember.complex64))
    assert abs(numpy.mean(numpy.abs(z) ** 2) - 1) < 0.03  # unit variance overall
    assert abs(z.real.var() - 0.5) < 0.02
    u = numpy.asarray(ember.rand(N, dtype=ember.complex128))
    assert 0 <= u.real.min() and u.real.max() < 1 and 0 <= u.imag.min() and u.imag.max() < 1


@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_refuses_integer_dtypes_like_pytorch(fn):
    with pytest.raises(NotImplementedError, match="int64"):
        getattr(ember, fn)(2, dtype=ember.int64)
    with pytest.raises(NotImplementedError):
        getattr(torch, fn)(2, dtype=torch.int64)


def test_randint_bounds_dtype_and_forms():
    x = _np(ember.randint(-3, 4, (N,)))
    assert x.min() == -3 and x.max() == 3 and abs(x.mean()) < 0.05
    assert ember.randint(5, (2, 2)).shape == (2, 2)
    assert ember.randint(5, (3,), dtype=ember.uint8).dtype is ember.uint8
    assert ember.randint(0, 2, (4,), dtype=ember.float32).dtype is ember.float32
    assert torch.randint(5, (3,)).dtype == torch.int64
    with pytest.raises(RuntimeError, match="from=3 >= to=3"):
        ember.randint(3, 3, (2,))
    with pytest.raises(RuntimeError):
        ember.randint(0, 300, (2,), dtype=ember.uint8)


def test_randperm_is_a_permutation():
    p = ember.randperm(1000)
    assert p.dtype is ember.int64 and sorted(p.tolist()) == list(range(1000))
    assert p.tolist() != list(range(1000))
    assert ember.randperm(0).shape == (0,)
    assert ember.randperm(5, dtype=ember.float32).dtype is ember.float32
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.randperm(-1)


def test_normal_overloads_shapes_and_dtypes_match_pytorch():
    cases = [
        ((ember.zeros(2, 3), 1.0), (torch.zeros(2, 3), 1.0)),
        ((0.0, ember.ones(4)), (0.0, torch.ones(4))),
        (
            (ember.zeros(3, 1, dtype=ember.float64), ember.ones(1, 2)),
            (torch.zeros(3, 1, dtype=torch.float64), torch.ones(1, 2)),
        ),
        ((2.0, 3.0, (2, 5)), (2.0, 3.0, (2, 5))),
    ]
    for e_args, t_args in cases:
        e, t = ember.normal(*e_args), torch.normal(*t_args)
        assert tuple(e.shape) == tuple(t.shape) and e.dtype.name == str(t.dtype)[6:]
        assert e.requires_grad is False


def test_normal_moments_and_broadcast_parameters():
    mean = ember.tensor([-5.0, 0.0, 5.0]).reshape(3, 1).expand(3, N // 10)
    std = ember.tensor([0.5, 1.0, 2.0]).reshape(3, 1)
    x = _np(ember.normal(mean, std))
    numpy.testing.assert_allclose(x.mean(axis=1), [-5, 0, 5], atol=0.05)
    numpy.testing.assert_allclose(x.std(axis=1), [0.5, 1, 2], rtol=0.03)
    y = _np(ember.normal(3.0, 2.0, size=(N,)))
    assert abs(y.mean() - 3) < 0.03 and abs(y.std() - 2) < 0.03


def test_normal_errors():
    with pytest.raises(TypeError, match="size"):
        ember.normal(2.0, 3.0)
    with pytest.raises(RuntimeError, match="std"):
        ember.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="std"):
        ember.normal(ember.zeros(2), ember.tensor([1.0, -1.0]))


@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
def test_bernoulli_tensor_p_and_scalar_p(dt):
    probs = ember.full((N,), 0.3, dtype=getattr(ember, dt))
    x = ember.bernoulli(probs)
    assert x.dtype is getattr(ember, dt)
    values = _np(x)
    assert set(numpy.unique(values)) <= {0.0, 1.0}
    assert abs(values.mean() - 0.3) < 0.01
    y = _np(ember.bernoulli(ember.zeros(N, dtype=getattr(ember, dt)), 0.8))
    assert abs(y.mean() - 0.8) < 0.01
    assert _np(ember.bernoulli(ember.tensor([0.0, 1.0]))).tolist() == [0.0, 1.0]


def test_bernoulli_errors_and_method():
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        ember.bernoulli(ember.zeros(2), 1.5)
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        ember.bernoulli(ember.tensor([0.5, 2.0]))
    with pytest.raises(RuntimeError):
        ember.empty(2).bernoulli_(ember.tensor([0.5, 2.0]))
    assert ember.full((3,), 1.0).bernoulli().tolist() == [1.0, 1.0, 1.0]


def test_multinomial_with_replacement_frequencies():
    w = ember.tensor([1.0, 2.0, 0.0, 7.0])
    x = _np(ember.multinomial(w, N, replacement=True))
    freq = numpy.bincount(x.astype(numpy.int64), minlength=4) / N
    numpy.testing.assert_allclose(freq, [0.1, 0.2, 0.0, 0.7], atol=0.01)


def test_multinomial_without_replacement_rows():
    w = ember.tensor([[1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 5.0, 1.0, 0.0, 1.0]])
    x = ember.multinomial(w, 3)
    assert x.dtype is ember.int64 and x.shape == (2, 3)
    rows = x.tolist()
    assert all(len(set(r)) == 3 for r in rows)
    assert 4 not in rows[0] and set(rows[1]) == {1, 2, 4}
    # first draw without replacement follows the weights
    first = _np(ember.multinomial(ember.tensor([1.0, 3.0]).expand(N // 10, 2), 1))
    assert abs(first.mean() - 0.75) < 0.02


def test_multinomial_errors_match_pytorch():
    cases = [
        ((ember.tensor([1.0, -1.0, 0.0]), 1), "element < 0"),
        ((ember.tensor([0.0, 0.0]), 1), "sum of probabilities"),
        ((ember.tensor([1.0, 1.0, 0.0]), 4), "without replacement"),
        ((ember.tensor([1.0, 0.0, 0.0]), 2), "not enough non-negative category"),
        ((ember.ones(2, 2, 2), 1), "1 or 2 dim"),
    ]
    for args, message in cases:
        with pytest.raises(RuntimeError, match=message):
            ember.multinomial(*args)


def test_inplace_uniform_normal_exponential_random():
    x = ember.empty(N, dtype=ember.float64)
    assert x.uniform_(-2, 3) is x
    v = _np(x)
    assert v.min() >= -2 and v.max() <= 3 and abs(v.mean() - 0.5) < 0.03
    v = _np(x.normal_(1.0, 2.0))
    assert abs(v.mean() - 1) < 0.03 and abs(v.std() - 2) < 0.03
    v = _np(x.exponential_(4.0))
    assert v.min() >= 0 and abs(v.mean() - 0.25) < 0.01
    v = _np(x.random_(0, 10))
    assert v.min() == 0 and v.max() == 9 and numpy.all(v == numpy.floor(v))
    v = _np(ember.empty(N, dtype=ember.int64).random_(5))
    assert v.min() == 0 and v.max() == 4
    v = _np(ember.empty(N, dtype=ember.uint8).random_())
    assert v.min() == 0 and v.max() == 255
    v = _np(ember.empty(1000, dtype=ember.bool).random_())
    assert set(v.tolist()) == {False, True}
    v = _np(ember.empty(N, dtype=ember.float32).random_())
    assert v.min() >= 0 and v.max() <= 2**24 and numpy.all(v == numpy.floor(v))


def test_inplace_random_bumps_version_and_refuses_leaves_requiring_grad():
    x = ember.zeros(3)
    v = x._version
    x.uniform_()
    assert x._version == v + 1
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.normal_()
    with ember.no_grad():
        w.normal_()  # nn.init's pattern
    assert w.requires_grad


def test_inplace_random_dtype_errors():
    with pytest.raises(NotImplementedError):
        ember.zeros(2, dtype=ember.int64).uniform_()
    with pytest.raises(NotImplementedError):
        ember.zeros(2, dtype=ember.int64).normal_()
    with pytest.raises(RuntimeError, match="from"):
        ember.zeros(2).uniform_(3, 1)


def test_uniform_accepts_from_keyword_like_pytorch():
    x = ember.zeros(1000).uniform_(**{"from": 5, "to": 6})
    assert _np(x).min() >= 5
    assert math.isclose(_np(x).mean(), 5.5, abs_tol=0.05)
