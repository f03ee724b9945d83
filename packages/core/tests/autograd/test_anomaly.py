"""Anomaly detection: NaN in backward names the node and shows the forward traceback."""

import pytest
import torch

import ember
from ember.autograd import Function

pytestmark = pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled:UserWarning")


def nan_in_div_backward(lib, cotangent=1.0):
    # DivBackward0 at x = y = 0: d/dx = g / y and d/dy = -g * x / y**2; with g = 1 the first
    # is inf and the second nan (its 1th output), with g = 0 both are nan (its 0th output).
    x = lib.zeros(1, requires_grad=True)
    y = lib.zeros(1, requires_grad=True)
    return (x / y).sum() * cotangent


def test_detect_anomaly_warns_like_torch():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ember.autograd.detect_anomaly()


@pytest.mark.parametrize("cotangent,index", [(1.0, 1), (0.0, 0)])
def test_nan_in_backward_raises_naming_node_like_torch(cotangent, index):
    with torch.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as t_err:
            nan_in_div_backward(torch, cotangent).backward()
    with ember.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as e_err:
            nan_in_div_backward(ember, cotangent).backward()
    first_line = str(t_err.value).splitlines()[0]
    assert first_line == f"Function 'DivBackward0' returned nan values in its {index}th output."
    assert str(e_err.value).splitlines()[0] == first_line


def test_nan_error_includes_forward_traceback():
    with ember.autograd.detect_anomaly():
        z = ember.zeros(1, requires_grad=True)
        y = (z / z).sum()  # the nan comes from here
        with pytest.raises(RuntimeError) as err:
            y.backward()
    message = str(err.value)
    assert "DivBackward0" in message
    assert "Traceback of forward call" in message
    assert "test_nan_error_includes_forward_traceback" in message
    assert "y = (z / z).sum()" in message


def test_check_nan_false_lets_nan_through():
    with ember.autograd.detect_anomaly(check_nan=False):
        x = ember.zeros(1, requires_grad=True)
        (x / x).sum().backward()
    assert x.grad.item() != x.grad.item()  # nan


def test_without_anomaly_mode_nan_propagates():
    x = ember.zeros(1, requires_grad=True)
    (x / x).sum().backward()
    assert x.grad.item() != x.grad.item()


def test_set_detect_anomaly_as_call_and_context_manager():
    assert not ember.autograd.is_anomaly_enabled()
    with ember.autograd.set_detect_anomaly(True):
        assert ember.autograd.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="returned nan values"):
            nan_in_div_backward(ember).backward()
    assert not ember.autograd.is_anomaly_enabled()
    ember.autograd.set_detect_anomaly(True, check_nan=False)
    try:
        assert ember.autograd.is_anomaly_enabled()
        assert not ember.autograd.is_anomaly_check_nan_enabled()
    finally:
        ember.autograd.set_detect_anomaly(False)
    assert not ember.autograd.is_anomaly_enabled()
    assert ember.autograd.is_anomaly_check_nan_enabled()


def test_detect_anomaly_as_decorator():
    @ember.autograd.detect_anomaly()
    def run():
        assert ember.autograd.is_anomaly_enabled()
        nan_in_div_backward(ember).backward()

    assert not ember.autograd.is_anomaly_enabled()
    with pytest.raises(RuntimeError, match="'DivBackward0' returned nan values"):
        run()
    assert not ember.autograd.is_anomaly_enabled()


def test_set_detect_anomaly_as_decorator():
    @ember.autograd.set_detect_anomaly(True)
    def run():
        return ember.autograd.is_anomaly_enabled()

    assert not ember.autograd.is_anomaly_enabled()
    assert run() is True
    assert not ember.autograd.is_anomaly_enabled()


def test_error_inside_backward_gets_forward_trace_note():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            raise ValueError("broken backward")

    with ember.autograd.detect_anomaly():
        x = ember.ones(1, requires_grad=True)
        y = Broken.apply(x)  # the line the note must show
        with pytest.raises(ValueError, match="broken backward") as err:
            y.sum().backward()
    notes = "\n".join(getattr(err.value, "__notes__", []))
    assert "Error detected in BrokenBackward" in notes
    assert "y = Broken.apply(x)" in notes


def test_inplace_error_hint_changes_under_anomaly_mode():
    with ember.autograd.detect_anomaly():
        x = ember.ones(3, requires_grad=True)
        y = x.exp()
        y.add_(1)
        with pytest.raises(RuntimeError, match="Good luck!"):
            y.sum().backward()
