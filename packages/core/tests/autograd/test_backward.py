"""``Tensor.backward``, ``autograd.backward`` and ``autograd.grad``: every argument, vs torch."""

import numpy
import pytest
import torch

import ember


def pair(values, requires_grad=True):
    values = numpy.asarray(values, dtype=numpy.float64)
    return (
        ember.tensor(values, requires_grad=requires_grad),
        torch.tensor(values, requires_grad=requires_grad),
    )


def close(e, t):
    assert e is not None and t is not None
    numpy.testing.assert_allclose(numpy.asarray(e.detach()), t.detach().numpy(), rtol=1e-12)


def test_scalar_backward_matches_torch():
    x, tx = pair([1.0, 2.0, 3.0])
    (x * x * x).sum().backward()
    (tx * tx * tx).sum().backward()
    close(x.grad, tx.grad)


def test_backward_with_gradient_argument():
    x, tx = pair([1.0, 2.0, 3.0])
    v, tv = pair([0.5, -1.0, 2.0], requires_grad=False)
    (x * x).backward(gradient=v)
    (tx * tx).backward(gradient=tv)
    close(x.grad, tx.grad)


def test_non_scalar_output_without_gradient_raises():
    x, _ = pair([1.0, 2.0])
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        (x * 2).backward()


def test_gradient_shape_mismatch_raises():
    x, _ = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ember.ones(3, dtype=ember.float64))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()


def test_backward_twice_raises_torch_message():
    x, tx = pair([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    ty = (tx * tx).sum()
    ty.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        ty.backward()


def test_backward_twice_through_nodes_that_save_nothing_works_like_torch():
    # AddBackward0 saves no tensors, so PyTorch lets the graph run again; so do we.
    x, tx = pair([1.0, 2.0])
    y, ty = (x + x).sum(), (tx + tx).sum()
    y.backward()
    y.backward()
    ty.backward()
    ty.backward()
    close(x.grad, tx.grad)


def test_retain_graph_allows_second_backward_and_grads_accumulate():
    x, tx = pair([1.0, -2.0])
    y, ty = (x * x * x).sum(), (tx * tx * tx).sum()
    y.backward(retain_graph=True)
    y.backward()
    ty.backward(retain_graph=True)
    ty.backward()
    close(x.grad, tx.grad)
    numpy.testing.assert_allclose(x.grad.numpy(), 2 * 3 * numpy.array([1.0, 4.0]))


def test_grads_accumulate_across_separate_graphs():
    x, tx = pair([1.0, 2.0])
    for _ in range(3):
        (x * x).sum().backward()
        (tx * tx).sum().backward()
    close(x.grad, tx.grad)


def test_backward_inputs_restricts_accumulation():
    x, tx = pair([1.0, 2.0])
    w, tw = pair([3.0, 4.0])
    (x * w).sum().backward(inputs=[x])
    (tx * tw).sum().backward(inputs=[tx])
    close(x.grad, tx.grad)
    assert w.grad is None and tw.grad is None


def test_backward_inputs_non_leaf_gets_grad():
    x, tx = pair([1.0, 2.0])
    h, th = x * 3, tx * 3
    (h * h).sum().backward(inputs=[h])
    (th * th).sum().backward(inputs=[th])
    close(h.grad, th.grad)
    assert x.grad is None and tx.grad is None


def test_backward_inputs_leaf_and_non_leaf_together():
    x, tx = pair([1.0, 2.0])
    h, th = x * x, tx * tx
    (h.exp()).sum().backward(inputs=[x, h])
    (th.exp()).sum().backward(inputs=[tx, th])
    close(x.grad, tx.grad)
    close(h.grad, th.grad)


def test_backward_empty_inputs_raises():
    x, _ = pair([1.0])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_autograd_backward_several_roots():
    x, tx = pair([1.0, 2.0])
    a, ta = (x * x).sum(), (tx * tx).sum()
    b, tb = x.exp(), tx.exp()
    g = ember.tensor([1.0, -1.0], dtype=ember.float64)
    ember.autograd.backward([a, b], [None, g])
    torch.autograd.backward([ta, tb], [None, torch.tensor([1.0, -1.0], dtype=torch.float64)])
    close(x.grad, tx.grad)


def test_autograd_backward_gradient_count_mismatch_raises():
    x, _ = pair([1.0])
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        ember.autograd.backward([x.sum(), x.sum()], [ember.tensor(1.0, dtype=ember.float64)])


def test_grad_returns_tuple_without_touching_dot_grad():
    x, tx = pair([1.0, 2.0])
    (g,) = ember.autograd.grad((x * x).sum(), x)
    (tg,) = torch.autograd.grad((tx * tx).sum(), tx)
    close(g, tg)
    assert x.grad is None
    assert not g.requires_grad


def test_grad_with_grad_outputs_and_several_inputs():
    x, tx = pair([1.0, 2.0])
    w, tw = pair([0.5, -3.0])
    v, tv = pair([1.0, 2.0], requires_grad=False)
    gx, gw = ember.autograd.grad(x * w * x, [x, w], grad_outputs=v)
    tgx, tgw = torch.autograd.grad(tx * tw * tx, [tx, tw], grad_outputs=tv)
    close(gx, tgx)
    close(gw, tgw)


def test_grad_non_leaf_input():
    x, tx = pair([1.0, 2.0])
    h, th = x.exp(), tx.exp()
    (g,) = ember.autograd.grad((h * h).sum(), h)
    (tg,) = torch.autograd.grad((th * th).sum(), th)
    close(g, tg)


def test_grad_unused_input_raises_unless_allowed():
    x, tx = pair([1.0, 2.0])
    u, tu = pair([3.0])
    with pytest.raises(RuntimeError) as e_err:
        ember.autograd.grad((x * 2).sum(), [x, u])
    with pytest.raises(RuntimeError) as t_err:
        torch.autograd.grad((tx * 2).sum(), [tx, tu])
    assert str(e_err.value) == str(t_err.value)
    gx, gu = ember.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)
    assert gu is None
    close(gx, torch.full((2,), 2.0, dtype=torch.float64))


def test_grad_materialize_grads_gives_zeros():
    x, _ = pair([1.0, 2.0])
    u, _ = pair([3.0, 4.0, 5.0])
    gx, gu = ember.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
    assert gu.shape == (3,) and float(gu.sum()) == 0.0
    with pytest.raises(ValueError, match="allow_unused to be True or not passed"):
        ember.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True, allow_unused=False)


def test_grad_input_without_requires_grad_raises():
    x, _ = pair([1.0, 2.0])
    c = ember.ones(2, dtype=ember.float64)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.autograd.grad((x * c).sum(), [c])


def test_grad_retain_graph_false_frees_the_graph():
    x, _ = pair([1.0, 2.0])
    y = (x * x).sum()
    ember.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ember.autograd.grad(y, x)
    y = (x * x).sum()
    ember.autograd.grad(y, x, retain_graph=True)
    ember.autograd.grad(y, x)


def test_grad_create_graph_result_is_differentiable():
    x, tx = pair([1.0, 2.0])
    (g,) = ember.autograd.grad((x**3).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((tx**3).sum(), tx, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    g.sum().backward()
    tg.sum().backward()
    close(x.grad, tx.grad)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_backward_create_graph_leaves_differentiable_grad():
    x, tx = pair([1.5, -2.0])
    (x**3).sum().backward(create_graph=True)
    (tx**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (gx,) = ember.autograd.grad(x.grad.sum(), x)
    (tgx,) = torch.autograd.grad(tx.grad.sum(), tx)
    close(gx, tgx)


def test_grad_of_int_output_raises():
    x = ember.tensor([1, 2])
    with pytest.raises(RuntimeError):
        x.sum().backward()


def test_shared_subexpression_diamond_graph():
    x, tx = pair([0.3, -0.7])
    a, ta = x * 2, tx * 2
    b, tb = a.exp() * a, ta.exp() * ta
    c, tc = b * a + a, tb * ta + ta
    c.sum().backward()
    tc.sum().backward()
    close(x.grad, tx.grad)


def test_broadcast_gradient_summed_to_input_shape():
    x, tx = pair([[1.0], [2.0]])
    w, tw = pair([[1.0, 2.0, 3.0]])
    (x * w).sum().backward()
    (tx * tw).sum().backward()
    close(x.grad, tx.grad)
    close(w.grad, tw.grad)


def test_float32_grad_dtype_and_mixed_dtypes():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype == ember.float32 and y.grad.dtype == ember.float64


def test_grad_is_grads_batched_matches_torch():
    x, tx = pair([[1.0, 2.0], [3.0, -1.0]])
    v = numpy.eye(4).reshape(4, 2, 2)
    (g,) = ember.autograd.grad(x.exp() * x, x, ember.tensor(v), is_grads_batched=True)
    (tg,) = torch.autograd.grad(tx.exp() * tx, tx, torch.tensor(v), is_grads_batched=True)
    close(g, tg)
    assert tuple(g.shape) == (4, 2, 2)
