"""Deep graphs without recursion, saved tensors freed after backward, no reference cycles."""

import gc
import sys
import weakref

import numpy
import pytest

import ember
from ember.autograd import Function

DEPTH = 10_000


@pytest.fixture
def no_gc():
    """Turn the cycle collector off: whatever is freed is freed by reference counts alone."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_ten_thousand_op_chain_backward_without_recursion():
    x = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(DEPTH):
        y = y * 1.0001
    assert DEPTH > sys.getrecursionlimit()
    y.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [1.0001**DEPTH], rtol=1e-9)


def test_ten_thousand_op_chain_with_create_graph():
    x = ember.tensor([0.5], dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(DEPTH):
        y = y * 1.0001
    y = y * y
    (g,) = ember.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    scale = 1.0001 ** (2 * DEPTH)
    numpy.testing.assert_allclose(g.detach().numpy(), [2 * 0.5 * scale], rtol=1e-9)
    numpy.testing.assert_allclose(gg.numpy(), [2 * scale], rtol=1e-9)


def test_third_order_through_a_deep_chain():
    x = ember.tensor([1.2], dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(DEPTH // 4):
        y = y * 1.0
    y = y**3
    (g,) = ember.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x, create_graph=True)
    (ggg,) = ember.autograd.grad(gg.sum(), x)
    numpy.testing.assert_allclose(ggg.numpy(), [6.0])


def test_dropping_a_deep_graph_does_not_overflow_the_stack(no_gc):
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(5 * DEPTH):
        y = y + 1
    ref = weakref.ref(y.grad_fn)
    del y
    assert ref() is None


class SaveInput(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 2 + x * 0


def _exp_chain():
    """x -> exp -> mul: returns the loss and weak references to the saved arrays."""
    x = ember.tensor(numpy.linspace(0, 1, 5), requires_grad=True)
    h = x * 3  # non-leaf intermediate
    y = h.exp()  # ExpBackward0 saves its output array
    loss = (y * h).sum()  # MulBackward0 saves y and h
    refs = [weakref.ref(y._data), weakref.ref(h._data)]
    del y, h
    return x, loss, refs


def test_saved_arrays_released_after_backward(no_gc):
    x, loss, refs = _exp_chain()
    assert all(r() is not None for r in refs)  # held by the graph
    loss.backward()
    assert all(r() is None for r in refs)
    assert x.grad is not None


def test_saved_arrays_kept_with_retain_graph_then_released(no_gc):
    x, loss, refs = _exp_chain()
    loss.backward(retain_graph=True)
    assert all(r() is not None for r in refs)
    loss.backward()
    assert all(r() is None for r in refs)


def test_saved_arrays_released_after_autograd_grad(no_gc):
    x, loss, refs = _exp_chain()
    ember.autograd.grad(loss, x)
    assert all(r() is None for r in refs)


def test_graph_freed_when_output_dropped(no_gc):
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    y = SaveInput.apply(h.exp())
    z = (y * y).sum()
    nodes = [weakref.ref(z.grad_fn), weakref.ref(y.grad_fn), weakref.ref(h.grad_fn)]
    arrays = [weakref.ref(y._data)]
    del h, y
    assert all(n() is not None for n in nodes)
    del z
    assert all(n() is None for n in nodes)
    assert all(a() is None for a in arrays)


def test_graph_with_retain_grad_and_hooks_has_no_cycles(no_gc):
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 1)
    y = h.exp()
    y.grad_fn.register_hook(lambda gi, go: None)
    node = weakref.ref(h.grad_fn)
    tensor = weakref.ref(h)
    (y * 2).sum().backward()
    assert h.grad is not None
    del h, y
    assert node() is None and tensor() is None


def test_create_graph_grads_free_their_graph(no_gc):
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    node = weakref.ref(g.grad_fn)
    del g
    assert node() is None


def test_custom_function_saving_its_output_has_no_cycle(no_gc):
    class ExpOut(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * y

    x = ember.ones(2, requires_grad=True)
    y = ExpOut.apply(x)
    node, tensor = weakref.ref(y.grad_fn), weakref.ref(y)
    del y
    assert node() is None and tensor() is None


def test_no_grad_ops_build_no_graph():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        y = (x * 2).exp() + x
    assert y.grad_fn is None and not y.requires_grad
    z = ember.ones(2) * 3  # inputs need no grad: nothing recorded even with grad on
    assert z.grad_fn is None and not z.requires_grad
