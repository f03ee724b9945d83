"""Tensor and node hooks, ``retain_grad``, ``grad_fn`` introspection, vs torch."""

import numpy
import pytest
import torch

import ember


def both(values):
    values = numpy.asarray(values, dtype=numpy.float64)
    return (
        ember.tensor(values, requires_grad=True),
        torch.tensor(values, requires_grad=True),
    )


def close(e, t):
    numpy.testing.assert_allclose(numpy.asarray(e.detach()), t.detach().numpy(), rtol=1e-12)


def test_non_leaf_hook_replaces_gradient():
    x, tx = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    y.register_hook(lambda g: g * 10)
    ty.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(x.grad, tx.grad)


def test_leaf_hook_replaces_gradient_and_remove_handle():
    x, tx = both([1.0, 2.0])
    h = x.register_hook(lambda g: g + 1)
    th = tx.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    (tx * 3).sum().backward()
    close(x.grad, tx.grad)
    h.remove()
    th.remove()
    h.remove()  # a second remove is a no-op
    x.grad = tx.grad = None
    (x * 3).sum().backward()
    (tx * 3).sum().backward()
    close(x.grad, tx.grad)


def test_hook_returning_none_observes_only():
    seen = []
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [6.0, 6.0]


def test_leaf_hook_runs_once_with_the_summed_gradient():
    seen, tseen = [], []
    x, tx = both([1.0, 2.0])
    x.register_hook(lambda g: seen.append(g.tolist()))
    tx.register_hook(lambda g: tseen.append(g.tolist()))
    (x * x + x.exp()).sum().backward()
    (tx * tx + tx.exp()).sum().backward()
    assert len(seen) == len(tseen) == 1
    numpy.testing.assert_allclose(seen[0], tseen[0])


def test_hooks_apply_to_autograd_grad_results():
    x, tx = both([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    tx.register_hook(lambda g: g * 10)
    close(ember.autograd.grad((x * 3).sum(), x)[0], torch.autograd.grad((tx * 3).sum(), tx)[0])
    y, ty = x * 2, tx * 2
    y.register_hook(lambda g: g * 7)
    ty.register_hook(lambda g: g * 7)
    close(ember.autograd.grad((y * 3).sum(), y)[0], torch.autograd.grad((ty * 3).sum(), ty)[0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_hook(lambda g: g)


def test_retain_grad_and_retains_grad():
    x, tx = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    assert not y.retains_grad and not ty.retains_grad
    y.retain_grad()
    ty.retain_grad()
    assert y.retains_grad and ty.retains_grad
    assert not x.retains_grad and not tx.retains_grad
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(y.grad, ty.grad)


@pytest.mark.parametrize("retain_first", [True, False])
def test_retained_grad_sees_hook_result_in_any_order(retain_first):
    x, tx = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    for t in (y, ty):
        if retain_first:
            t.retain_grad()
        t.register_hook(lambda g: g * 100)
        if not retain_first:
            t.retain_grad()
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(y.grad, ty.grad)
    close(x.grad, tx.grad)


def test_retained_grad_accumulates():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert y.grad.tolist() == [8.0, 8.0]


def test_post_accumulate_grad_hook_sees_accumulated_grad_once():
    seen, tseen = [], []
    x, tx = both([1.0, 2.0])
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    tx.register_post_accumulate_grad_hook(lambda t: tseen.append(t.grad.tolist()))
    (x * x * 3).sum().backward()
    (tx * tx * 3).sum().backward()
    assert seen == tseen and len(seen) == 1
    ember.autograd.grad((x * 3).sum(), x)  # grad() accumulates nothing: no call
    assert len(seen) == 1


def test_post_accumulate_grad_hook_on_non_leaf_raises():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_grad_fn_names_match_torch():
    x, tx = both([1.0, 2.0])
    pairs = [
        (x * 2, tx * 2),
        (x + x, tx + tx),
        (x.exp(), tx.exp()),
        ((x * x).sum(), (tx * tx).sum()),
        (x / 2, tx / 2),
    ]
    for e, t in pairs:
        assert e.grad_fn.name() == t.grad_fn.name()


def test_next_functions_and_accumulate_grad():
    x, tx = both([1.0, 2.0])
    c, tc = ember.ones(2, dtype=ember.float64), torch.ones(2, dtype=torch.float64)
    y, ty = (x * c).exp(), (tx * tc).exp()
    ((mul, nr),) = y.grad_fn.next_functions
    ((tmul, tnr),) = ty.grad_fn.next_functions
    assert mul.name() == tmul.name() == "MulBackward0" and nr == tnr == 0
    e_next, t_next = mul.next_functions, tmul.next_functions
    assert len(e_next) == len(t_next) == 2
    assert type(e_next[0][0]).__name__ == type(t_next[0][0]).__name__ == "AccumulateGrad"
    assert e_next[0][0].variable is x
    assert e_next[1] == (None, 0) and t_next[1] == (None, 0)


def test_grad_fn_hook_and_prehook_match_torch():
    logs = {ember: [], torch: []}
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        log = logs[lib]
        y.grad_fn.register_prehook(lambda go, log=log: log.append(("pre", go[0].tolist())))
        y.grad_fn.register_hook(
            lambda gi, go, log=log: log.append(("post", gi[0].tolist(), go[0].tolist()))
        )
        y.exp().sum().backward()
    assert [entry[0] for entry in logs[ember]] == [entry[0] for entry in logs[torch]]
    numpy.testing.assert_allclose(logs[ember][0][1], logs[torch][0][1])
    numpy.testing.assert_allclose(logs[ember][1][1], logs[torch][1][1])


def test_grad_fn_prehook_may_replace_grad_outputs():
    x, tx = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    y.grad_fn.register_prehook(lambda go: (go[0] * 5,))
    ty.grad_fn.register_prehook(lambda go: (go[0] * 5,))
    y.sum().backward()
    ty.sum().backward()
    close(x.grad, tx.grad)


def test_grad_fn_hook_handle_remove():
    calls = []
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    handle = y.grad_fn.register_hook(lambda gi, go: calls.append(1))
    handle.remove()
    y.sum().backward()
    assert calls == []


def test_leaf_grad_does_not_alias_user_gradient():
    x = ember.ones(2, requires_grad=True)
    v = ember.ones(2)
    (x + 0).backward(v)
    (x + 0).backward(v)
    assert v.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [2.0, 2.0]


def test_two_leaves_fed_the_same_gradient_array_do_not_share_grad():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0]


def test_grad_fn_hook_may_replace_grad_inputs():
    x, tx = both([1.0, 2.0])
    y, ty = (x * 3).exp(), (tx * 3).exp()
    for node in (y.grad_fn, ty.grad_fn):
        node.register_hook(lambda gi, go: (gi[0] * 0.5,))
    y.sum().backward()
    ty.sum().backward()
    close(x.grad, tx.grad)


def test_grad_fn_hook_sees_tensor_arguments_only():
    seen = {}
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        c = lib.ones(2)
        y = x * c
        y.grad_fn.register_hook(lambda gi, go, lib=lib: seen.update({lib: len(gi)}))
        y.sum().backward()
    assert seen[ember] == seen[torch] == 2


def test_accumulate_grad_node_hooks():
    calls = []
    x = ember.ones(2, requires_grad=True)
    acc = (x * ember.ones(2)).grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: (go[0] * 2,))
    handle = acc.register_hook(lambda gi, go: calls.append(go[0].tolist()))
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0] and calls == [[6.0, 6.0]]
    handle.remove()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [12.0, 12.0] and len(calls) == 1
