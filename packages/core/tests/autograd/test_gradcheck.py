"""``gradcheck`` / ``gradgradcheck`` pass on correct backwards and catch wrong ones."""

import numpy
import pytest

import ember
from ember.autograd import Function, GradcheckError, gradcheck, gradgradcheck


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 2 * x * gy


class WrongSquare(Function):
    # Off by a factor of 1.5: the kind of bug gradcheck exists to catch.
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 3 * x * gy


class WrongEntry(Function):
    # Correct except for the gradient of element 2, which points the wrong way.
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        sign = ember.tensor([1.0, 1.0, -1.0, 1.0], dtype=x.dtype)
        return 2 * x * gy * sign


class WrongSecondOrder(Function):
    # First derivative right (3x^2), but computed from a detached x: its own derivative
    # (the second derivative of x^3) comes out 0 instead of 6x.
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 3 * x.detach() * x.detach() * gy


def inputs(n=4, seed=0):
    values = numpy.random.default_rng(seed).uniform(0.5, 2.0, n)
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_passes_on_correct_backward(fast_mode):
    assert gradcheck(Square.apply, (inputs(),), fast_mode=fast_mode)
    assert gradcheck(lambda a, b: (a * b).exp(), (inputs(), inputs(seed=1)), fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_catches_wrong_backward(fast_mode):
    with pytest.raises(GradcheckError, match="mismatch"):
        gradcheck(WrongSquare.apply, (inputs(),), fast_mode=fast_mode)
    assert (
        gradcheck(WrongSquare.apply, (inputs(),), fast_mode=fast_mode, raise_exception=False)
        is False
    )


def test_slow_mode_names_the_wrong_entry():
    with pytest.raises(GradcheckError) as err:
        gradcheck(WrongEntry.apply, (inputs(),), fast_mode=False)
    message = str(err.value)
    assert "output 0 with respect to input 0" in message
    assert "input element 2, output element 2" in message


def test_slow_mode_names_the_wrong_output():
    def two_outputs(x):
        return Square.apply(x), WrongSquare.apply(x)

    with pytest.raises(GradcheckError, match="output 1 with respect to input 0"):
        gradcheck(two_outputs, (inputs(),), fast_mode=False)


def test_fast_mode_catches_single_wrong_entry():
    with pytest.raises(GradcheckError, match="fast_mode=False"):
        gradcheck(WrongEntry.apply, (inputs(),), fast_mode=True)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_passes_and_catches_wrong_double_backward(fast_mode):
    assert gradgradcheck(Square.apply, (inputs(),), fast_mode=fast_mode)
    assert gradcheck(WrongSecondOrder.apply, (inputs(),), fast_mode=fast_mode)
    with pytest.raises(GradcheckError):
        gradgradcheck(WrongSecondOrder.apply, (inputs(),), fast_mode=fast_mode)


def test_gradcheck_requires_float64():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError, match="float64"):
        gradcheck(Square.apply, (x,))


def test_gradcheck_ignores_inputs_not_requiring_grad():
    x = inputs()
    c = ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64)
    assert gradcheck(lambda a, b: a * b, (x, c))
    assert gradcheck(lambda a, k: a * k, (x, 3.0))


def test_gradcheck_restores_input_data():
    x = inputs()
    before = x.detach().numpy().copy()
    gradcheck(Square.apply, (x,))
    numpy.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None
