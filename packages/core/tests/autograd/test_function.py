"""The user API ``ember.autograd.Function`` (forward and backward on Tensors), vs torch."""

import gc
import weakref

import numpy
import pytest
import torch
from torch.autograd.function import once_differentiable as torch_once_differentiable

import ember
from ember.autograd import Function, once_differentiable


def make(lib):
    """The same custom Functions written against ember or torch."""

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * gy

    class ScaleShift(lib.autograd.Function):
        # Non-tensor arguments get None gradients; two outputs.
        @staticmethod
        def forward(ctx, x, scale, shift):
            ctx.scale = scale
            return x * scale + shift, x * 0 + scale

        @staticmethod
        def backward(ctx, g_out, g_const):
            return g_out * ctx.scale, None, None

    class ExpOut(lib.autograd.Function):
        # Saves its output: backward through it is differentiable again.
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * y

    return Cube, ScaleShift, ExpOut


E_CUBE, E_SCALE, E_EXP = make(ember)
T_CUBE, T_SCALE, T_EXP = make(torch)


def both(values):
    values = numpy.asarray(values, dtype=numpy.float64)
    return (
        ember.tensor(values, requires_grad=True),
        torch.tensor(values, requires_grad=True),
    )


def close(e, t):
    numpy.testing.assert_allclose(numpy.asarray(e.detach()), t.detach().numpy(), rtol=1e-12)


def test_custom_function_forward_backward_matches_torch():
    x, tx = both([1.0, -2.0, 0.5])
    y, ty = E_CUBE.apply(x), T_CUBE.apply(tx)
    close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    close(x.grad, tx.grad)


def test_grad_fn_name_of_custom_function():
    x, tx = both([1.0])
    assert E_CUBE.apply(x).grad_fn.name() == T_CUBE.apply(tx).grad_fn.name() == "CubeBackward"


def test_custom_function_double_backward():
    x, tx = both([1.0, -2.0])
    (g,) = ember.autograd.grad(E_CUBE.apply(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(T_CUBE.apply(tx).sum(), tx, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    close(gg, tgg)


def test_saved_output_is_graph_connected_for_double_backward():
    x, tx = both([0.5, 1.0])
    (g,) = ember.autograd.grad(E_EXP.apply(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(T_EXP.apply(tx).sum(), tx, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    close(gg, tgg)


def test_multiple_outputs_and_non_tensor_args():
    x, tx = both([1.0, 2.0])
    y, c = E_SCALE.apply(x, 3.0, 1.0)
    ty, tc = T_SCALE.apply(tx, 3.0, 1.0)
    close(y, ty)
    close(c, tc)
    (y.sum() + c.sum()).backward()
    (ty.sum() + tc.sum()).backward()
    close(x.grad, tx.grad)


def test_apply_under_no_grad_records_nothing():
    x, tx = both([1.0])
    with ember.no_grad():
        y = E_CUBE.apply(x)
    with torch.no_grad():
        ty = T_CUBE.apply(tx)
    assert y.requires_grad is ty.requires_grad is False
    assert y.grad_fn is None and ty.grad_fn is None


def test_forward_runs_without_recording():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen["grad_enabled"] = ember.is_grad_enabled()
            inner = x * 2
            seen["inner_requires_grad"] = inner.requires_grad
            return inner

        @staticmethod
        def backward(ctx, gy):
            return gy * 2

    x = ember.ones(2, requires_grad=True)
    y = Probe.apply(x)
    assert seen == {"grad_enabled": False, "inner_requires_grad": False}
    assert y.grad_fn.name() == "ProbeBackward"


def test_needs_input_grad_matches_torch():
    seen = []

    def make_probe(lib):
        class Probe(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, k):
                seen.append(("forward", tuple(ctx.needs_input_grad)))
                return x * y * k

            @staticmethod
            def backward(ctx, g):
                seen.append(("backward", tuple(ctx.needs_input_grad)))
                return g, None, None

        return Probe

    for lib in (ember, torch):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2)
        make_probe(lib).apply(a, b, 2.0).sum().backward()
    assert (
        seen[:2]
        == seen[2:]
        == [("forward", (True, False, False)), ("backward", (True, False, False))]
    )


def test_mark_non_differentiable_and_materialized_zero_grad():
    got = {}

    class WithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            idx = ember.tensor([1.0, 0.0], dtype=x.dtype)
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            got["g_idx"] = g_idx
            return g * 2

    x = ember.ones(2, requires_grad=True)
    y, idx = WithIndex.apply(x)
    assert y.requires_grad and not idx.requires_grad and idx.grad_fn is None
    y.sum().backward()
    assert got["g_idx"].tolist() == [0.0, 0.0]  # materialized, as PyTorch does
    assert x.grad.tolist() == [2.0, 2.0]


def test_set_materialize_grads_false_passes_none():
    got = {}

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            got["g2"] = g2
            return g1 * 2 if g1 is not None else None

    x = ember.ones(2, requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert got["g2"] is None
    assert x.grad.tolist() == [2.0, 2.0]


def make_once(lib, decorator):
    class Once(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        @decorator
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return 2 * x * gy

    return Once


def test_once_differentiable_first_order_matches_torch():
    x, tx = both([1.5, -1.0])
    make_once(ember, once_differentiable).apply(x).sum().backward()
    make_once(torch, torch_once_differentiable).apply(tx).sum().backward()
    close(x.grad, tx.grad)


def test_once_differentiable_double_backward_raises_clear_error():
    x = ember.tensor([1.5], dtype=ember.float64, requires_grad=True)
    once = make_once(ember, once_differentiable)
    # The incoming grad depends on x, so the result must refuse a second differentiation.
    y = once.apply(x * x).sum() * x.sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked"):
        g.sum().backward()


def test_once_differentiable_with_constant_incoming_grad_is_not_differentiable_like_torch():
    x, tx = both([2.0])
    (g,) = ember.autograd.grad(
        make_once(ember, once_differentiable).apply(x).sum(), x, create_graph=True
    )
    (tg,) = torch.autograd.grad(
        make_once(torch, torch_once_differentiable).apply(tx).sum(), tx, create_graph=True
    )
    assert g.requires_grad is tg.requires_grad is False


def test_wrong_number_of_gradients_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_extra_none_gradients_are_ignored():
    class Extra(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    x = ember.ones(2, requires_grad=True)
    Extra.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_mark_dirty_rebinds_history_like_torch():
    def make_inc(lib):
        class Inc(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                a.add_(1)
                ctx.mark_dirty(a)
                return a

            @staticmethod
            def backward(ctx, g):
                return g * 3

        return Inc

    x, tx = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    z, tz = make_inc(ember).apply(y), make_inc(torch).apply(ty)
    assert z is y and tz is ty
    assert y._version == ty._version
    assert y.grad_fn.name() == ty.grad_fn.name() == "IncBackward"
    close(z, tz)
    (z * z).sum().backward()
    (tz * tz).sum().backward()
    close(x.grad, tx.grad)


def test_mark_dirty_on_leaf_requiring_grad_raises_like_torch():
    class Inc(Function):
        @staticmethod
        def forward(ctx, a):
            a.add_(1)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            return g

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used"):
        Inc.apply(x)


def test_mark_dirty_saved_output_makes_no_reference_cycle():
    class Inc(Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            ctx.save_for_backward(a)
            return a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 + a * 0

    gc.disable()
    try:
        x = ember.ones(2, requires_grad=True)
        y = Inc.apply(x * 1)
        ref = weakref.ref(y.grad_fn)
        y.sum().backward(retain_graph=True)
        assert x.grad.tolist() == [2.0, 2.0]
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_saved_tensors_after_backward_raises():
    keep = {}

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            keep["ctx"] = ctx
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ember.ones(2, requires_grad=True)
    Keep.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="already been freed"):
        _ = keep["ctx"].saved_tensors


def test_integer_outputs_are_not_differentiable():
    class Argmax(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, ember.tensor([0, 1])

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2

    y, idx = Argmax.apply(ember.ones(2, requires_grad=True))
    assert y.requires_grad and not idx.requires_grad
