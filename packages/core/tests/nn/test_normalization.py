"""Normalisation layers against torch.nn: outputs, input and parameter grads with a copied
state_dict (train and eval, float32 and float64), running statistics after several steps,
repr, state_dict keys, default init, errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


def copy_state(ember_module, torch_module) -> None:
    """Load a torch module's state_dict into the Ember module (keys must match)."""
    state = {
        k: ember.from_numpy(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()
    }
    ember_module.load_state_dict(state)


def _close(e, t, rtol, atol):
    torch.testing.assert_close(
        torch.from_numpy(np.array(e.detach().numpy())), t.detach(), rtol=rtol, atol=atol
    )


def check_parity(ember_module, torch_module, shape, dtype, steps=3, seed=0):
    """Several train steps then eval: outputs, grads and buffers (running stats) match."""
    rng = np.random.default_rng(seed)
    torch_module = torch_module.to(getattr(torch, dtype))
    ember_module = ember_module.double() if dtype == "float64" else ember_module.float()
    copy_state(ember_module, torch_module)
    rtol, atol = (1e-4, 1e-5) if dtype == "float32" else (1e-7, 1e-7)
    for train in [True] * steps + [False]:
        ember_module.train(train)
        torch_module.train(train)
        for p in ember_module.parameters():
            p.grad = None
        torch_module.zero_grad(set_to_none=True)
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(dtype)
        ex = ember.from_numpy(x.copy()).requires_grad_()
        tx = torch.from_numpy(x.copy()).requires_grad_()
        ey, ty = ember_module(ex), torch_module(tx)
        _close(ey, ty, rtol, atol)
        g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
        ey.backward(ember.from_numpy(g))
        ty.backward(torch.from_numpy(g))
        _close(ex.grad, tx.grad, rtol, atol)
        tparams = dict(torch_module.named_parameters())
        for name, p in ember_module.named_parameters():
            _close(p.grad, tparams[name].grad, rtol, atol)
        tbufs = dict(torch_module.named_buffers())
        for name, b in ember_module.named_buffers():
            torch.testing.assert_close(
                torch.from_numpy(np.array(b.numpy())), tbufs[name], rtol=rtol, atol=atol
            )


def check_structure(ember_module, torch_module) -> None:
    """repr text, state_dict keys and parameter shapes equal torch's."""
    assert repr(ember_module) == repr(torch_module)
    es, ts = ember_module.state_dict(), torch_module.state_dict()
    assert list(es.keys()) == list(ts.keys())
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
        assert es[k].dtype.name == str(ts[k].dtype).replace("torch.", ""), k


CASES = [
    ("BatchNorm1d", (3,), {}, [(4, 3), (2, 3, 5)]),
    ("BatchNorm1d", (3,), dict(momentum=None), [(4, 3)]),
    ("BatchNorm1d", (3,), dict(affine=False, eps=1e-3), [(5, 3, 2)]),
    ("BatchNorm1d", (3,), dict(track_running_stats=False), [(4, 3)]),
    ("BatchNorm2d", (2,), {}, [(3, 2, 4, 4), (1, 2, 3, 3)]),
    ("BatchNorm2d", (2,), dict(momentum=0.5, affine=False), [(2, 2, 3, 3)]),
    ("BatchNorm2d", (2,), dict(bias=False), [(2, 2, 3, 3)]),
    ("BatchNorm3d", (2,), {}, [(2, 2, 2, 3, 2)]),
    ("InstanceNorm1d", (3,), {}, [(2, 3, 5), (3, 5)]),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), [(2, 3, 5), (1, 3, 4)]),
    ("InstanceNorm2d", (2,), dict(affine=True), [(2, 2, 3, 4), (2, 3, 4)]),
    ("InstanceNorm2d", (2,), dict(track_running_stats=True, momentum=None), [(2, 2, 3, 3)]),
    ("InstanceNorm3d", (2,), dict(affine=True, track_running_stats=True), [(1, 2, 2, 2, 3)]),
    ("LayerNorm", (4,), {}, [(3, 4), (1, 2, 4), (4,)]),
    ("LayerNorm", ((2, 3),), dict(eps=1e-3), [(2, 2, 3)]),
    ("LayerNorm", (4,), dict(bias=False), [(3, 4)]),
    ("LayerNorm", (4,), dict(elementwise_affine=False), [(3, 4)]),
    ("GroupNorm", (2, 4), {}, [(2, 4, 3), (1, 4, 2, 2)]),
    ("GroupNorm", (3, 6), dict(affine=False, eps=1e-3), [(2, 6)]),
    ("GroupNorm", (1, 3), dict(bias=False), [(2, 3, 4)]),
    ("RMSNorm", (4,), {}, [(3, 4), (4,)]),
    ("RMSNorm", ([2, 3],), dict(eps=1e-4), [(2, 2, 3)]),
    ("RMSNorm", (4,), dict(elementwise_affine=False), [(3, 4)]),
    ("LocalResponseNorm", (3,), {}, [(2, 5, 3), (1, 4, 2, 2)]),
    ("LocalResponseNorm", (2,), dict(alpha=0.5, beta=0.6, k=2.0), [(2, 3, 4)]),
]


def _pair(name, args, kwargs):
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args, **kwargs)
    e = getattr(nn, name)(*args, **kwargs)
    if any(p.ndim for p in t.parameters()):
        with torch.no_grad():  # non-trivial affine parameters
            for p in t.parameters():
                p.uniform_(0.5, 1.5)
    return e, t


@pytest.mark.parametrize(("name", "args", "kwargs", "shapes"), CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_layer_matches_torch(name, args, kwargs, shapes, dtype):
    for shape in shapes:
        e, t = _pair(name, args, kwargs)
        check_structure(e, t)
        check_parity(e, t, shape, dtype)


@pytest.mark.parametrize(("name", "args", "kwargs", "shapes"), CASES)
def test_norm_layer_default_init_matches_torch(name, args, kwargs, shapes):
    t = getattr(torch.nn, name)(*args, **kwargs)
    e = getattr(nn, name)(*args, **kwargs)
    for (k, tv), ev in zip(t.state_dict().items(), e.state_dict().values()):
        np.testing.assert_array_equal(np.asarray(ev.numpy()), tv.numpy(), err_msg=k)
    for (_, tp), ep in zip(t.named_parameters(), e.parameters()):
        assert ep.requires_grad == tp.requires_grad


def test_batchnorm_num_batches_tracked_is_int64_and_counts():
    bn = nn.BatchNorm1d(2)
    assert bn.num_batches_tracked.dtype == ember.int64
    for _ in range(3):
        bn(ember.randn(4, 2))
    assert int(bn.num_batches_tracked) == 3
    bn.eval()
    bn(ember.randn(4, 2))
    assert int(bn.num_batches_tracked) == 3
    bn.reset_running_stats()
    assert int(bn.num_batches_tracked) == 0


def test_batchnorm_eval_without_running_stats_uses_batch_stats():
    e, t = _pair("BatchNorm1d", (3,), dict(track_running_stats=False))
    copy_state(e, t)
    e.eval(), t.eval()
    x = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    _close(e(ember.from_numpy(x)), t(torch.from_numpy(x)), 1e-4, 1e-5)


def test_norm_double_backward_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal(4)
    ex, tx = ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ew, tw = ember.from_numpy(w.copy()).requires_grad_(), torch.from_numpy(w).requires_grad_()
    ey = ember.nn.functional.layer_norm(ex, (4,), ew)
    ty = torch.nn.functional.layer_norm(tx, (4,), tw)
    (egx,) = ember.autograd.grad((ey**3).sum(), ex, create_graph=True)
    (tgx,) = torch.autograd.grad((ty**3).sum(), tx, create_graph=True)
    _close(egx, tgx, 1e-7, 1e-7)
    eg2 = ember.autograd.grad((egx**2).sum(), (ex, ew))
    tg2 = torch.autograd.grad((tgx**2).sum(), (tx, tw))
    for a, b in zip(eg2, tg2):
        _close(a, b, 1e-7, 1e-7)


@pytest.mark.parametrize(
    ("make", "x", "exc", "words"),
    [
        (lambda: nn.BatchNorm1d(3), (2, 3, 4, 5), ValueError, "expected 2D or 3D input"),
        (lambda: nn.BatchNorm2d(3), (2, 3), ValueError, "expected 4D input (got 2D input)"),
        (lambda: nn.BatchNorm1d(3), (1, 3), ValueError, "more than 1 value per channel"),
        (lambda: nn.LayerNorm(4), (2, 3), RuntimeError, "normalized_shape=[4]"),
        (lambda: nn.InstanceNorm1d(3, affine=True), (2, 4, 5), ValueError, "num_features"),
        (lambda: nn.InstanceNorm2d(3), (2, 3), ValueError, "expected 3D or 4D input"),
    ],
)
def test_norm_errors_name_the_problem(make, x, exc, words):
    with pytest.raises(exc, match=None) as info:
        make()(ember.randn(*x))
    assert words in str(info.value)


def test_groupnorm_rejects_indivisible_channels():
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        ember.nn.functional.group_norm(ember.randn(2, 6, 3), 4)


def test_norm_rejects_integer_input():
    with pytest.raises(NotImplementedError, match="layer_norm"):
        ember.nn.functional.layer_norm(ember.ones(2, 3, dtype=ember.int64), (3,))


def test_old_checkpoint_without_num_batches_tracked_loads_like_torch():
    # A state_dict without metadata (or version < 2) predates num_batches_tracked: PyTorch
    # fills it with 0; with version-2 metadata the key is reported missing.
    import torch

    for lib in (ember, torch):
        m = lib.nn.Sequential(lib.nn.BatchNorm2d(3))
        old = {k: v for k, v in m.state_dict().items() if "num_batches" not in k}
        assert not m.load_state_dict(old).missing_keys
        assert int(m[0].num_batches_tracked) == 0
        current = m.state_dict()
        del current["0.num_batches_tracked"]
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            m.load_state_dict(current)
