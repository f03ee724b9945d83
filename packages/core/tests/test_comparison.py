"""isclose / allclose / equal against torch 2.13: values, broadcasting, NaN and infinity
handling, integer and bool inputs, dtype and argument errors, the Tensor methods.
(``isclose``'s elementwise parity over every dtype is in ``opspecs/pointwise.py``.)"""

import numpy as np
import pytest
import torch

import ember

NAN, INF = float("nan"), float("inf")


def pair(a, b, dtype=None):
    """The same two tensors in torch and in Ember."""
    ta = torch.tensor(a, dtype=dtype)
    tb = torch.tensor(b, dtype=dtype)
    return (ta, tb), (ember.from_numpy(ta.numpy().copy()), ember.from_numpy(tb.numpy().copy()))


CASES = [
    ([1.0, 2.0, NAN, INF, -INF], [1.0, 2.000001, NAN, INF, INF], torch.float32),
    ([1.0, 2.0, 3.0], [1.0 + 1e-9, 2.1, 3.0000301], torch.float64),
    ([1, 2, 2**40], [1, 3, 2**40 + 1], torch.int64),
    ([True, False], [True, True], torch.bool),
    ([1.0, 1.001], [1.001, 1.0], torch.float16),
]


@pytest.mark.parametrize("a, b, dtype", CASES)
@pytest.mark.parametrize(
    "kwargs", [{}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 0.1, "atol": 1.5}]
)
def test_allclose_matches_torch(a, b, dtype, kwargs):
    (ta, tb), (ea, eb) = pair(a, b, dtype)
    assert ember.allclose(ea, eb, **kwargs) is torch.allclose(ta, tb, **kwargs)
    assert ea.allclose(eb, **kwargs) is ta.allclose(tb, **kwargs)
    np.testing.assert_array_equal(
        ember.isclose(ea, eb, **kwargs).numpy(), torch.isclose(ta, tb, **kwargs).numpy()
    )


def test_allclose_returns_python_bool_and_broadcasts():
    a = ember.ones(2, 3)
    assert ember.allclose(a, ember.ones(3) + 1e-7) is True
    assert ember.allclose(a, ember.tensor(1.5)) is False
    assert ember.isclose(a, ember.ones(3)).shape == (2, 3)


def test_allclose_default_tolerances_are_torchs():
    for a, b in [(1e10, 1.00001e10), (1e10, 1.000001e10), (0.0, 1e-7), (0.0, 1e-9)]:
        expected = torch.allclose(torch.tensor([a]), torch.tensor([b]))
        assert ember.allclose(ember.tensor([a]), ember.tensor([b])) is expected
    assert ember.allclose(ember.tensor([0.0]), ember.tensor([1e-9]))  # atol=1e-08


def test_isclose_integers_compare_in_the_default_float_dtype():
    # PyTorch measures integer closeness in the default dtype: 2**40 and 2**40 + 1 are one
    # float32 but two float64 values.
    a, b = ember.tensor([2**40]), ember.tensor([2**40 + 1])
    assert ember.isclose(a, b, rtol=0.0, atol=0.5).tolist() == [True]
    previous = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.isclose(a, b, rtol=0.0, atol=0.5).tolist() == [False]
    finally:
        ember.set_default_dtype(previous)
    assert ember.isclose(a, b).tolist() == [True]
    # with both tolerances 0 integers are compared exactly, as PyTorch does
    assert ember.isclose(a, b, rtol=0.0, atol=0.0).tolist() == [False]


def test_isclose_complex_with_equal_nan():
    nan = complex("nan")
    (ta, tb), (ea, eb) = pair([1 + 1j, nan, 2j], [1 + 1j, nan, 2.1j])
    for kw in ({}, {"equal_nan": True}):
        np.testing.assert_array_equal(
            ember.isclose(ea, eb, **kw).numpy(), torch.isclose(ta, tb, **kw).numpy()
        )


def test_isclose_result_is_bool_and_outside_the_graph():
    x = ember.ones(3, requires_grad=True)
    out = ember.isclose(x * 2, x)
    assert out.dtype == ember.bool and not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ember.isclose(ember.ones(2), ember.ones(2, dtype=ember.float64)), RuntimeError,
         "same dtype"),
        (lambda: ember.allclose(ember.ones(2), ember.ones(2, dtype=ember.int64)), RuntimeError,
         "same dtype"),
        (lambda: ember.isclose(ember.ones(3), ember.ones(2)), RuntimeError, "size of tensor a"),
        (lambda: ember.allclose(ember.ones(3), ember.ones(2)), RuntimeError, "size of tensor a"),
        (lambda: ember.isclose(ember.ones(2), 1.0), TypeError, "must be Tensor"),
        (lambda: ember.isclose(ember.ones(2), ember.ones(2), rtol=-1), RuntimeError, "rtol"),
        (lambda: ember.allclose(ember.ones(2), ember.ones(2), atol=-1), RuntimeError, "atol"),
        (lambda: ember.equal(ember.ones(2), 1), TypeError, "must be Tensor"),
    ],
)  # fmt: skip
def test_closeness_errors_match_torch_types(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "a, b",
    [
        (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])),
        (torch.tensor([1, 2]), torch.tensor([1.0, 2.0])),  # dtypes may differ
        (torch.tensor([1, 2]), torch.tensor([1, 2], dtype=torch.int32)),
        (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5])),
        (torch.tensor([NAN]), torch.tensor([NAN])),  # NaN is never equal
        (torch.ones(2), torch.ones(1)),  # shapes differ: False, no broadcasting
        (torch.ones(()), torch.ones(1)),
        (torch.ones(0), torch.ones(0, 2)),
        (torch.ones(0, 2), torch.ones(0, 2)),
        (torch.tensor([1 + 0j]), torch.tensor([1.0])),
        (torch.tensor([True, False]), torch.tensor([1, 0])),
    ],
)
def test_equal_matches_torch(a, b):
    ea, eb = ember.from_numpy(a.numpy().copy()), ember.from_numpy(b.numpy().copy())
    expected = torch.equal(a, b)
    assert ember.equal(ea, eb) is expected
    assert ea.equal(eb) is expected


def test_equal_on_non_contiguous_views():
    base = ember.arange(6).reshape(2, 3)
    assert ember.equal(base.t(), ember.tensor([[0, 3], [1, 4], [2, 5]]))
