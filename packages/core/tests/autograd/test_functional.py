"""``ember.autograd.functional`` vs ``torch.autograd.functional`` on small functions."""

import numpy
import pytest
import torch
import torch.autograd.functional as TF

import ember
import ember.autograd.functional as EF

RNG = numpy.random.default_rng(0)


def tanh(lib, x):
    if lib is torch:
        return torch.tanh(x)
    e = (x * 2).exp()
    return (e - 1) / (e + 1)


def values(*shape):
    return RNG.standard_normal(shape)


def to(lib, array):
    return lib.tensor(array, dtype=lib.float64)


def close(e, t):
    if isinstance(t, tuple):
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            close(a, b)
        return
    assert tuple(e.shape) == tuple(t.shape)
    numpy.testing.assert_allclose(
        numpy.asarray(e.detach()), t.detach().numpy(), rtol=1e-10, atol=1e-12
    )


# Functions written once for both libraries (``lib`` is ember or torch).
def exp_reducer(lib, x):
    return x.exp().sum(1)


def matmul_tanh(lib, x, w):
    return tanh(lib, lib.matmul(x, w))


def scalar_fn(lib, x):
    return (tanh(lib, x) * x.exp()).sum()


def scalar_two(lib, x, y):
    return (x * x * y.exp()).sum() + (lib.matmul(x, y)).sum()


def two_outputs(lib, x):
    return x * x, x.exp().sum()


def case(lib, name):
    x = to(lib, CASES_DATA["x"])
    w = to(lib, CASES_DATA["w"])
    return {
        "exp_reducer": (lambda t: exp_reducer(lib, t), x),
        "matmul_tanh": (lambda a, b: matmul_tanh(lib, a, b), (x, w)),
        "two_outputs": (lambda t: two_outputs(lib, t), x),
    }[name]


CASES_DATA = {"x": values(2, 3), "w": values(3, 2)}


@pytest.mark.parametrize("name", ["exp_reducer", "matmul_tanh", "two_outputs"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_matches_torch(name, create_graph):
    ef, ex = case(ember, name)
    tf, tx = case(torch, name)
    got = EF.jacobian(ef, ex, create_graph=create_graph)
    want = TF.jacobian(tf, tx, create_graph=create_graph)
    close(got, want)


def test_jacobian_vectorize_and_strategy_args_accepted():
    ef, ex = case(ember, "exp_reducer")
    tf, tx = case(torch, "exp_reducer")
    close(EF.jacobian(ef, ex, vectorize=True), TF.jacobian(tf, tx, vectorize=True))
    with pytest.raises(NotImplementedError, match="forward-mode"):
        EF.jacobian(ef, ex, strategy="forward-mode")


def test_jacobian_create_graph_is_differentiable():
    x = to(ember, CASES_DATA["x"]).requires_grad_()
    tx = to(torch, CASES_DATA["x"]).requires_grad_()
    jac = EF.jacobian(lambda t: exp_reducer(ember, t), x, create_graph=True)
    tjac = TF.jacobian(lambda t: exp_reducer(torch, t), tx, create_graph=True)
    assert jac.requires_grad
    (jac * jac).sum().backward()
    (tjac * tjac).sum().backward()
    close(x.grad, tx.grad)


def test_jacobian_strict_and_unused_input():
    def f(lib, a, b):
        return a * 2

    x, y = to(ember, values(2)), to(ember, values(2))
    tx, ty = to(torch, numpy.asarray(x)), to(torch, numpy.asarray(y))
    close(
        EF.jacobian(lambda a, b: f(ember, a, b), (x, y)),
        TF.jacobian(lambda a, b: f(torch, a, b), (tx, ty)),
    )
    with pytest.raises(RuntimeError) as e_err:
        EF.jacobian(lambda a, b: f(ember, a, b), (x, y), strict=True)
    with pytest.raises(RuntimeError) as t_err:
        TF.jacobian(lambda a, b: f(torch, a, b), (tx, ty), strict=True)
    assert str(e_err.value) == str(t_err.value)


def test_jacobian_output_not_requiring_grad_in_strict_mode():
    x = to(ember, values(2))
    tx = to(torch, numpy.asarray(x))
    with pytest.raises(RuntimeError) as e_err:
        EF.jacobian(lambda a: ember.ones(2, dtype=ember.float64), x, strict=True)
    with pytest.raises(RuntimeError) as t_err:
        TF.jacobian(lambda a: torch.ones(2, dtype=torch.float64), tx, strict=True)
    assert str(e_err.value) == str(t_err.value)


def test_jacobian_rejects_non_tensor_inputs_like_torch():
    with pytest.raises(TypeError) as e_err:
        EF.jacobian(lambda a: a, [1.0])
    with pytest.raises(TypeError) as t_err:
        TF.jacobian(lambda a: a, [1.0])
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_matches_torch(create_graph):
    x = values(4)
    got = EF.hessian(lambda t: scalar_fn(ember, t), to(ember, x), create_graph=create_graph)
    want = TF.hessian(lambda t: scalar_fn(torch, t), to(torch, x), create_graph=create_graph)
    close(got, want)


def test_hessian_two_inputs_nested_tuple():
    x, y = values(2, 2), values(2, 2)
    got = EF.hessian(lambda a, b: scalar_two(ember, a, b), (to(ember, x), to(ember, y)))
    want = TF.hessian(lambda a, b: scalar_two(torch, a, b), (to(torch, x), to(torch, y)))
    close(got, want)


def test_hessian_requires_single_element_output():
    with pytest.raises(RuntimeError, match="should contain a single element"):
        EF.hessian(lambda t: t * t, to(ember, values(3)))


@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp_matches_torch(create_graph):
    x, w, v = values(2, 3), values(3, 2), values(2, 2)
    got = EF.vjp(
        lambda a, b: matmul_tanh(ember, a, b),
        (to(ember, x), to(ember, w)),
        to(ember, v),
        create_graph=create_graph,
    )
    want = TF.vjp(
        lambda a, b: matmul_tanh(torch, a, b),
        (to(torch, x), to(torch, w)),
        to(torch, v),
        create_graph=create_graph,
    )
    close(got, want)


def test_vjp_v_none_for_scalar_output_and_error_otherwise():
    x = values(3)
    close(
        EF.vjp(lambda t: scalar_fn(ember, t), to(ember, x)),
        TF.vjp(lambda t: scalar_fn(torch, t), to(torch, x)),
    )
    with pytest.raises(RuntimeError) as e_err:
        EF.vjp(lambda t: t * 2, to(ember, x))
    with pytest.raises(RuntimeError) as t_err:
        TF.vjp(lambda t: t * 2, to(torch, x))
    assert str(e_err.value) == str(t_err.value)


def test_vjp_v_wrong_size_message_like_torch():
    x = values(3)
    with pytest.raises(RuntimeError) as e_err:
        EF.vjp(lambda t: t * 2, to(ember, x), to(ember, values(2)))
    with pytest.raises(RuntimeError) as t_err:
        TF.vjp(lambda t: t * 2, to(torch, x), to(torch, values(2)))
    assert str(e_err.value) == str(t_err.value).replace("torch.", "ember.")


@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp_matches_torch(create_graph):
    x, w = values(2, 3), values(3, 2)
    vx, vw = values(2, 3), values(3, 2)
    got = EF.jvp(
        lambda a, b: matmul_tanh(ember, a, b),
        (to(ember, x), to(ember, w)),
        (to(ember, vx), to(ember, vw)),
        create_graph=create_graph,
    )
    want = TF.jvp(
        lambda a, b: matmul_tanh(torch, a, b),
        (to(torch, x), to(torch, w)),
        (to(torch, vx), to(torch, vw)),
        create_graph=create_graph,
    )
    close(got, want)


def test_jvp_of_function_with_two_outputs():
    x, v = values(3), values(3)
    close(
        EF.jvp(lambda t: two_outputs(ember, t), to(ember, x), to(ember, v)),
        TF.jvp(lambda t: two_outputs(torch, t), to(torch, x), to(torch, v)),
    )


def test_jvp_strict_independent_output():
    x, v = values(3), values(3)
    with pytest.raises(RuntimeError) as e_err:
        EF.jvp(
            lambda t: (t * 2, ember.ones(1, dtype=ember.float64)),
            to(ember, x),
            to(ember, v),
            strict=True,
        )
    with pytest.raises(RuntimeError) as t_err:
        TF.jvp(
            lambda t: (t * 2, torch.ones(1, dtype=torch.float64)),
            to(torch, x),
            to(torch, v),
            strict=True,
        )
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("fn", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_vhp_match_torch(fn, create_graph):
    x, y = values(2, 2), values(2, 2)
    vx, vy = values(2, 2), values(2, 2)
    got = getattr(EF, fn)(
        lambda a, b: scalar_two(ember, a, b),
        (to(ember, x), to(ember, y)),
        (to(ember, vx), to(ember, vy)),
        create_graph=create_graph,
    )
    want = getattr(TF, fn)(
        lambda a, b: scalar_two(torch, a, b),
        (to(torch, x), to(torch, y)),
        (to(torch, vx), to(torch, vy)),
        create_graph=create_graph,
    )
    close(got, want)


@pytest.mark.parametrize("fn", ["hvp", "vhp"])
def test_hvp_vhp_strict_linear_function_raises_like_torch(fn):
    x, v = values(3), values(3)
    with pytest.raises(RuntimeError) as e_err:
        getattr(EF, fn)(lambda t: (t * 2).sum(), to(ember, x), to(ember, v), strict=True)
    with pytest.raises(RuntimeError) as t_err:
        getattr(TF, fn)(lambda t: (t * 2).sum(), to(torch, x), to(torch, v), strict=True)
    assert str(e_err.value) == str(t_err.value)


def test_results_are_detached_without_create_graph():
    x = to(ember, values(3)).requires_grad_()
    out, vjp = EF.vjp(lambda t: scalar_fn(ember, t), x)
    assert not out.requires_grad and not vjp.requires_grad
    jac = EF.jacobian(lambda t: t * t, x)
    assert not jac.requires_grad and x.grad is None


def test_functional_under_no_grad_still_works():
    x = values(3)
    with ember.no_grad():
        got = EF.jacobian(lambda t: t * t, to(ember, x))
    numpy.testing.assert_allclose(got.numpy(), numpy.diag(2 * x))
