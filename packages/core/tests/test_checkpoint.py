"""``ember.utils.checkpoint``: same gradients as without checkpointing (and as PyTorch's),
RNG replay for dropout, less memory held by the graph, and PyTorch's argument checks."""

import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tcp

import ember
import ember.utils.checkpoint as cp
from ember import nn

VARIANTS = [True, False]


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _close(e, t, **kw):
    torch.testing.assert_close(torch.from_numpy(np.asarray(e.detach().numpy())), t.detach(), **kw)


def _mlp(lib, depth=4, width=6, dropout=0.0):
    layers = []
    for _ in range(depth):
        layers += [lib.nn.Linear(width, width), lib.nn.Tanh()]
        if dropout:
            layers.append(lib.nn.Dropout(dropout))
    return lib.nn.Sequential(*layers)


def _twins(depth=4, width=6, dtype="float64"):
    torch.manual_seed(0)
    tm = _mlp(torch, depth, width).to(getattr(torch, dtype))
    em = _mlp(ember, depth, width).to(getattr(ember, dtype))
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    return em, tm


@pytest.mark.parametrize("use_reentrant", VARIANTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 3])
def test_checkpoint_gradients_match_torch_and_plain(use_reentrant, dtype, batch):
    em, tm = _twins(dtype=dtype)
    x = np.random.default_rng(0).standard_normal((batch, 6)).astype(dtype)
    ex = ember.from_numpy(x.copy()).requires_grad_()
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ey = cp.checkpoint(em, ex, use_reentrant=use_reentrant)
    ty = tcp.checkpoint(tm, tx, use_reentrant=use_reentrant)
    assert type(ey.grad_fn).__name__ == "CheckpointFunction"
    _close(ey, ty)
    (ey**2).sum().backward()
    (ty**2).sum().backward()
    _close(ex.grad, tx.grad)
    for (_, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        _close(ep.grad, tp.grad)
    # and the same as running without checkpointing
    plain_x = ember.from_numpy(x.copy()).requires_grad_()
    grads = [p.grad.clone() for p in em.parameters()]
    em.zero_grad()
    (em(plain_x) ** 2).sum().backward()
    np.testing.assert_allclose(plain_x.grad.numpy(), ex.grad.numpy(), rtol=1e-6)
    for g, p in zip(grads, em.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), g.numpy(), rtol=1e-6)


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_checkpoint_replays_dropout_masks(use_reentrant):
    model = _mlp(ember, depth=3, width=16, dropout=0.5)
    x = ember.randn(8, 16, requires_grad=True)
    state = ember.get_rng_state()
    y = cp.checkpoint(model, x, use_reentrant=use_reentrant)
    after_forward = ember.get_rng_state()
    y.sum().backward()
    # backward restored the RNG stream the caller had (it does not rewind it)
    assert bool((ember.get_rng_state() == after_forward).all())
    gx = x.grad.clone()
    gw = [p.grad.clone() for p in model.parameters()]
    ember.set_rng_state(state)
    x.grad = None
    model.zero_grad()
    y_plain = model(x)
    np.testing.assert_array_equal(y.detach().numpy(), y_plain.detach().numpy())
    y_plain.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), gx.numpy(), rtol=1e-6)
    for g, p in zip(gw, model.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), g.numpy(), rtol=1e-6)


def test_checkpoint_without_preserve_rng_state_draws_new_masks():
    drop = nn.Dropout(0.5)
    x = ember.ones(64, requires_grad=True)
    y = cp.checkpoint(drop, x, use_reentrant=False, preserve_rng_state=False)
    y.sum().backward()
    forward_mask = y.detach().numpy() != 0
    backward_mask = x.grad.numpy() != 0
    assert (forward_mask != backward_mask).any()


def _saved_bytes(output, exclude) -> int:
    """Bytes of the arrays the graph behind ``output`` holds for backward (not counting the
    arrays of ``exclude``: parameters and the input)."""
    skip = {id(t._data) for t in exclude}
    seen_nodes, seen_arrays, total = set(), set(), 0
    stack = [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        for rec in node._saved or ():
            arr = rec[1]._data if rec[0] in (0, 1) and hasattr(rec[1], "_data") else rec[1]
            if hasattr(arr, "nbytes") and id(arr) not in skip and id(arr) not in seen_arrays:
                seen_arrays.add(id(arr))
                total += arr.nbytes
        for edge in node._edges:
            if edge and not isinstance(edge[0], ember.Tensor):
                stack.append(edge[0])
    return total


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_checkpoint_graph_holds_less_memory_for_deep_mlp(use_reentrant):
    model = _mlp(ember, depth=8, width=32)
    x = ember.randn(256, 32, requires_grad=True)
    exclude = [x, *model.parameters()]
    plain = _saved_bytes(model(x), exclude)
    assert plain >= 8 * 256 * 32 * 4  # at least one saved activation per Linear+Tanh pair
    # one checkpoint around everything: the graph keeps only the input
    whole = _saved_bytes(cp.checkpoint(model, x, use_reentrant=use_reentrant), exclude)
    assert whole * 8 < plain
    # two segments: the first is recomputed, the second (never checkpointed) keeps its own
    halves = _saved_bytes(
        cp.checkpoint_sequential(model, 2, x, use_reentrant=use_reentrant), exclude
    )
    assert halves * 1.5 < plain

    # the same seen from the allocator: memory still held once forward returns
    def held_after_forward(run):
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            y = run()
            held = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        del y
        return held

    plain_held = held_after_forward(lambda: model(x))
    ckpt_held = held_after_forward(lambda: cp.checkpoint(model, x, use_reentrant=use_reentrant))
    assert ckpt_held * 3 < plain_held


@pytest.mark.parametrize("use_reentrant", VARIANTS)
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_torch(use_reentrant, segments):
    em, tm = _twins(depth=3)
    x = np.random.default_rng(2).standard_normal((4, 6))
    ex = ember.from_numpy(x.copy()).requires_grad_()
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ey = cp.checkpoint_sequential(em, segments, ex, use_reentrant=use_reentrant)
    ty = tcp.checkpoint_sequential(tm, segments, tx, use_reentrant=use_reentrant)
    _close(ey, ty)
    ey.sum().backward()
    ty.sum().backward()
    _close(ex.grad, tx.grad)
    for (_, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        _close(ep.grad, tp.grad)
    lst = cp.checkpoint_sequential(list(em), segments, ex, use_reentrant=use_reentrant)
    np.testing.assert_array_equal(lst.detach().numpy(), ey.detach().numpy())


def test_non_reentrant_supports_autograd_grad_kwargs_and_multiple_outputs():
    layer = nn.Linear(3, 3).double()
    x = ember.randn(2, 3, dtype=ember.float64, requires_grad=True)
    scale = ember.tensor(2.0, dtype=ember.float64, requires_grad=True)

    def fn(t, *, s, tag):
        assert tag == "ok"
        h = layer(t)
        return h * s, h.sum()

    a, b = cp.checkpoint(fn, x, s=scale, tag="ok", use_reentrant=False)
    ga = ember.autograd.grad(a.sum() + b, [x, scale, layer.weight])
    h = layer(x)
    gb = ember.autograd.grad((h * scale).sum() + h.sum(), [x, scale, layer.weight])
    for u, v in zip(ga, gb):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-12)
    assert layer.weight.grad is None  # autograd.grad accumulates nothing


def test_non_reentrant_gradcheck_and_double_backward():
    layer = nn.Linear(3, 2).double()

    def fn(t):
        return cp.checkpoint(lambda u: layer(u).tanh(), t, use_reentrant=False)

    x = ember.randn(2, 3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(fn, (x,))


def test_checkpoint_with_non_tensor_args_and_closure_leaves():
    w = ember.randn(3, requires_grad=True)  # a leaf the function closes over, not a module

    def fn(t, power):
        return (t * w) ** power

    for use_reentrant in VARIANTS:
        x = ember.randn(3, requires_grad=True)
        w.grad = None
        cp.checkpoint(fn, x, 2, use_reentrant=use_reentrant).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), (2 * x * w * w).detach().numpy(), rtol=1e-5)
        np.testing.assert_allclose(w.grad.numpy(), (2 * w * x * x).detach().numpy(), rtol=1e-5)


def test_checkpoint_argument_checks_match_torch():
    x = ember.randn(2, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        cp.checkpoint(lambda t: t * 2, x)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        cp.checkpoint_sequential([nn.Tanh(), nn.Tanh()], 2, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: s"):
        cp.checkpoint(lambda t, s: t * s, x, s=2, use_reentrant=True)
    with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
        cp.checkpoint(lambda t: t, x, use_reentrant=True, context_fn=lambda: (None, None))
    with pytest.raises(ValueError, match="determinism_check"):
        cp.checkpoint(lambda t: t, x, use_reentrant=False, determinism_check="bad")
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        y = cp.checkpoint(lambda t: t * 2, ember.ones(2), use_reentrant=True)
    assert not y.requires_grad


def test_checkpoint_context_fn_and_determinism_check():
    calls = []

    class Marker:
        def __init__(self, name):
            self.name = name

        def __enter__(self):
            calls.append(self.name)

        def __exit__(self, *exc):
            return False

    x = ember.randn(3, requires_grad=True)
    y = cp.checkpoint(
        lambda t: t.sin(),
        x,
        use_reentrant=False,
        context_fn=lambda: (Marker("forward"), Marker("recompute")),
    )
    y.sum().backward()
    assert calls == ["forward", "recompute"]

    flip = [3]

    def unstable(t):
        flip[0] -= 1
        return t[: flip[0]] * 2

    y = cp.checkpoint(unstable, x, use_reentrant=False)
    with pytest.raises(cp.CheckpointError, match="different metadata"):
        y.sum().backward()


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_checkpoint_input_modified_in_place_raises(use_reentrant):
    x = ember.randn(3, requires_grad=True)
    h = x * 1.0
    y = cp.checkpoint(lambda t: t.exp(), h, use_reentrant=use_reentrant)
    with ember.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_submodule_import_and_names():
    import ember.utils

    assert ember.utils.checkpoint is cp
    assert ember.utils.__all__ == ["checkpoint", "data"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cp.checkpoint(lambda t: t, ember.ones(1, requires_grad=True), use_reentrant=False)
