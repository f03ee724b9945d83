"""In-place safety: version counters, the "modified by an inplace operation" error, leaves."""

import numpy
import pytest
import torch

import ember


def both(values, requires_grad=True, dtype="float32"):
    values = numpy.asarray(values, dtype=dtype)
    return (
        ember.tensor(values, requires_grad=requires_grad),
        torch.tensor(values, requires_grad=requires_grad),
    )


def close(e, t):
    numpy.testing.assert_allclose(numpy.asarray(e.detach()), t.detach().numpy(), rtol=1e-6)


def same_error(run):
    """Run ``run(lib)`` for both libraries; both must raise RuntimeError with equal text
    (up to the library name)."""
    messages = []
    for lib in (ember, torch):
        with pytest.raises(RuntimeError) as err:
            run(lib)
        messages.append(str(err.value).replace("torch", "ember"))
    assert messages[0] == messages[1]
    return messages[0]


def test_version_bumps_on_in_place_ops():
    x, tx = both([1.0, 2.0], requires_grad=False)
    assert x._version == tx._version == 0
    for t in (x, tx):
        t.add_(1)
        t.mul_(2)
        t += 1
    assert x._version == tx._version == 3
    y, ty = x * 1, tx * 1
    assert y._version == ty._version == 0


def test_views_share_the_version_counter():
    x = ember.zeros(2, 3)
    v = x.reshape(6)
    v.add_(1)
    assert x._version == v._version == 1


def test_modified_saved_output_raises_torch_message():
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    message = same_error(run)
    assert message.startswith(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [ember.FloatTensor [3]], which is output 0 of Exp, is at version 1; "
        "expected version 0 instead."
    )


def test_modified_saved_output_read_by_a_later_op():
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        y = x.exp()
        z = y + 2
        y.mul_(2)
        (z + y).sum().backward()

    message = same_error(run)
    assert "which is output 0 of Exp, is at version 1" in message


def test_modifying_a_factor_whose_saved_value_is_not_needed():
    x = ember.ones(3, requires_grad=True)
    a = x * 1
    z = a * 2  # backward needs only the constant 2, never a
    a.add_(1)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_modified_saved_input_names_its_current_grad_fn():
    def run(lib):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        y = x.exp()
        w = y * y
        y.mul_(2)
        w.sum().backward()

    message = same_error(run)
    assert "[ember.DoubleTensor [3]], which is output 0 of Mul, is at version 1" in message


def test_modified_saved_leaf_names_no_node():
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        w = x * x
        with lib.no_grad():
            x.add_(1)
        w.sum().backward()

    message = same_error(run)
    assert "[ember.FloatTensor [3]] is at version 1; expected version 0 instead." in message


def test_modified_tensor_not_saved_is_fine():
    # Add saves nothing, so modifying its input afterwards cannot corrupt its backward.
    x, tx = both([1.0, 2.0])
    for t in (x, tx):
        a = t * 1
        y = a + t
        a.add_(5)
        y.sum().backward()
    close(x.grad, tx.grad)


def test_leaf_requiring_grad_refuses_in_place():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError,
        match="a leaf Variable that requires grad is being used in an in-place operation",
    ):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.mul_(2)


def test_in_place_on_leaf_under_no_grad_is_an_optimizer_step():
    w, tw = both([1.0, 2.0])
    for lib, t in ((ember, w), (torch, tw)):
        (t * t).sum().backward()
        with lib.no_grad():
            t.add_(t.grad * -0.1)
    close(w, tw)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    (w * 3).sum().backward()
    (tw * 3).sum().backward()
    close(w.grad, tw.grad)


@pytest.mark.parametrize("chain", ["mul_exp", "add_mul_exp", "mul_add_exp", "iadd_imul"])
def test_in_place_chain_on_non_leaf_matches_torch(chain):
    x, tx = both([0.1, -0.2, 0.3])
    outs = []
    for t in (x, tx):
        y = t * 2
        if chain == "mul_exp":
            y.mul_(3)
            y.exp_()
        elif chain == "add_mul_exp":
            y.add_(t)
            y.mul_(t)
            y.exp_()
        elif chain == "mul_add_exp":
            y.mul_(t + 1)
            y.add_(1)
            y.exp_()
        else:
            y += t
            y *= t
        outs.append(y)
        (y * y).sum().backward()
    close(outs[0], outs[1])
    close(x.grad, tx.grad)
    assert outs[0].grad_fn.name() == outs[1].grad_fn.name()


def test_in_place_after_exp_modifies_its_saved_output_like_torch():
    def run(lib):
        t = lib.tensor([0.1, -0.2, 0.3], requires_grad=True)
        y = t * 2
        y.exp_()
        y.mul_(t + 1)
        y.add_(1)
        (y * y).sum().backward()

    message = same_error(run)
    assert "which is output 0 of Exp, is at version 3; expected version 1 instead" in message


def test_in_place_rebinds_grad_fn_and_output_stays_the_same_object():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    before = y.grad_fn
    same = y.mul_(3)
    assert same is y
    assert y.grad_fn is not before and y.grad_fn.name() == "MulBackward0"
    assert y._version == 1


def test_in_place_then_retain_graph_double_backward():
    x, tx = both([0.5, 1.5])
    for t in (x, tx):
        y = t * 2
        y.mul_(t)
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
    close(x.grad, tx.grad)
