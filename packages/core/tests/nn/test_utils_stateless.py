"""``nn.utils.stateless.functional_call`` against PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn.utils import stateless


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _call(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return stateless.functional_call(*args, **kwargs)


def test_functional_call_matches_torch_and_restores_parameters():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    em = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    new = {
        k: rng.standard_normal(tuple(v.shape)).astype(np.float32) for k, v in tm.named_parameters()
    }
    e_new = {k: ember.from_numpy(v.copy()).requires_grad_() for k, v in new.items()}
    t_new = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in new.items()}
    x = rng.standard_normal((5, 3)).astype(np.float32)
    before = {k: v.detach().clone() for k, v in em.named_parameters()}
    ey = _call(em, e_new, (ember.from_numpy(x.copy()),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ty = torch.nn.utils.stateless.functional_call(tm, t_new, (torch.from_numpy(x.copy()),))
    torch.testing.assert_close(torch.from_numpy(ey.detach().numpy()), ty.detach())
    ey.sum().backward()
    ty.sum().backward()
    for k in new:
        torch.testing.assert_close(torch.from_numpy(e_new[k].grad.numpy()), t_new[k].grad)
    for k, v in em.named_parameters():
        assert isinstance(v, nn.Parameter) and v.grad is None
        np.testing.assert_array_equal(v.detach().numpy(), before[k].numpy())


def test_functional_call_single_arg_kwargs_strict_and_ties():
    m = nn.Linear(2, 2, bias=False)
    w = ember.eye(2)
    assert _call(m, {"weight": w}, ember.tensor([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]
    with pytest.raises(RuntimeError, match="Missing key"):
        _call(m, {}, ember.ones(1, 2), strict=True)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        _call(m, {"weight": w, "nope": w}, ember.ones(1, 2), strict=True)

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))

    t = Tied()
    out = _call(t, {"a.weight": 2 * ember.eye(2)}, ember.ones(1, 2))
    assert out.tolist() == [[4.0, 4.0]]  # both uses replaced
    out = _call(t, {"a.weight": 2 * ember.eye(2)}, ember.ones(1, 2), tie_weights=False)
    assert out.shape == (1, 2)
    assert t.b.weight is t.a.weight


def test_functional_call_deprecation_warning():
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        stateless.functional_call(nn.Linear(1, 1), {}, ember.ones(1, 1))
