"""``nn.utils.parametrize`` against PyTorch: keys, class swap, right_inverse, caching,
chaining, removal, errors."""

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn.utils import parametrize


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _close(e, t, **kw):
    torch.testing.assert_close(torch.from_numpy(np.asarray(e.detach().numpy())), t.detach(), **kw)


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

        def right_inverse(self, a):
            return a.triu()

    return Symmetric()


def _scale(lib, factor=2.0):
    class Scale(lib.nn.Module):
        def forward(self, x):
            return x * factor

        def right_inverse(self, y):
            return y / factor

    return Scale()


def _split(lib):
    class Split(lib.nn.Module):  # right_inverse returns two tensors: original0/original1
        def forward(self, a, b):
            return a + b

        def right_inverse(self, x):
            return x * 0.25, x * 0.75

    return Split()


def _twins(*register, size=3):
    torch.manual_seed(0)
    tm = torch.nn.Linear(size, size).double()
    em = nn.Linear(size, size).double()
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    for name, make in register:
        torch.nn.utils.parametrize.register_parametrization(tm, name, make(torch))
        parametrize.register_parametrization(em, name, make(ember))
    return em, tm


def _check_same(em, tm):
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        _close(em.state_dict()[k], v)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert repr(em) == repr(tm)
    assert type(em).__name__ == type(tm).__name__
    x = np.random.default_rng(0).standard_normal((2, 3))
    ex = ember.from_numpy(x.copy()).requires_grad_()
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ey, ty = em(ex), tm(tx)
    _close(ey, ty)
    (ey**2).sum().backward()
    (ty**2).sum().backward()
    _close(ex.grad, tx.grad)
    for (_, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        _close(ep.grad, tp.grad)


def test_register_symmetric_matches_torch():
    em, tm = _twins(("weight", _symmetric))
    assert list(em.state_dict()) == ["bias", "parametrizations.weight.original"]
    _close(em.weight, tm.weight)
    w = em.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    _check_same(em, tm)
    assert parametrize.is_parametrized(em) and parametrize.is_parametrized(em, "weight")
    assert not parametrize.is_parametrized(em, "bias")
    assert parametrize.type_before_parametrizations(em) is nn.Linear
    assert isinstance(em, nn.Linear)


def test_original_keeps_parameter_identity():
    em = nn.Linear(3, 3)
    w = em.weight
    parametrize.register_parametrization(em, "weight", _symmetric(ember))
    assert em.parametrizations.weight.original is w
    assert isinstance(w, nn.Parameter)


def test_chained_parametrizations_and_buffer_match_torch():
    em, tm = _twins(("weight", _symmetric), ("weight", _scale), ("bias", _scale))
    assert len(em.parametrizations.weight) == 2
    _check_same(em, tm)


def test_assignment_calls_right_inverse():
    em, tm = _twins(("weight", _symmetric), ("weight", _scale))
    value = np.random.default_rng(1).standard_normal((3, 3))
    value = value + value.T
    em.weight = ember.from_numpy(value.copy())
    tm.weight = torch.from_numpy(value.copy())
    _close(em.parametrizations.weight.original, tm.parametrizations.weight.original)
    np.testing.assert_allclose(em.weight.detach().numpy(), value)


def test_right_inverse_returning_sequence_gives_original0_original1():
    em, tm = _twins(("weight", _split))
    assert list(em.state_dict()) == [
        "bias",
        "parametrizations.weight.original0",
        "parametrizations.weight.original1",
    ]
    _check_same(em, tm)


def test_cached_reuses_one_tensor_and_clears_after():
    em, _ = _twins(("weight", _symmetric))
    assert em.weight is not em.weight
    with parametrize.cached():
        a = em.weight
        assert em.weight is a
        with parametrize.cached():
            assert em.weight is a
        assert em.weight is a
    assert em.weight is not a
    assert not parametrize._cache


def test_cached_gradients_flow_once():
    em, tm = _twins(("weight", _scale))
    x = ember.ones(1, 3, dtype=ember.float64)
    with parametrize.cached():
        y = em(x) + em(x)
    y.sum().backward()
    tx = torch.ones(1, 3, dtype=torch.float64)
    with torch.nn.utils.parametrize.cached():
        ty = tm(tx) + tm(tx)
    ty.sum().backward()
    _close(em.parametrizations.weight.original.grad, tm.parametrizations.weight.original.grad)


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations_matches_torch(leave_parametrized):
    em, tm = _twins(("weight", _symmetric), ("bias", _scale))
    w = em.parametrizations.weight.original
    parametrize.remove_parametrizations(em, "weight", leave_parametrized)
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight", leave_parametrized)
    assert em.weight is w
    _check_same(em, tm)
    parametrize.remove_parametrizations(em, "bias", leave_parametrized)
    torch.nn.utils.parametrize.remove_parametrizations(tm, "bias", leave_parametrized)
    assert type(em) is nn.Linear and not hasattr(em, "parametrizations")
    _check_same(em, tm)


def test_remove_sequence_parametrization():
    em, tm = _twins(("weight", _split))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(em, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(em, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    _check_same(em, tm)


def test_state_dict_round_trip_between_torch_and_ember():
    em, tm = _twins(("weight", _symmetric))
    fresh = parametrize.register_parametrization(
        nn.Linear(3, 3).double(), "weight", _symmetric(ember)
    )
    fresh.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    _close(fresh.weight, tm.weight)


def test_registration_errors():
    class Bad(nn.Module):
        def forward(self, x):
            return x[:1]

    class ToFloat(nn.Module):
        def forward(self, x):
            return x.float()

    m = nn.Linear(3, 3).double()
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(m, "weight", Bad())
    with pytest.raises(ValueError, match="may not change the dtype"):
        parametrize.register_parametrization(m, "weight", ToFloat())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(m, "nothing", Bad())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(m, "weight")
    parametrize.register_parametrization(m, "weight", Bad(), unsafe=True)
    assert m.weight.shape == (1, 3)
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        m.weight = ember.zeros(1, 3, dtype=ember.float64)


def test_parametrization_follows_training_mode_and_pickling_refused():
    m = nn.Linear(2, 2).eval()
    p = _scale(ember)
    parametrize.register_parametrization(m, "weight", p)
    assert not p.training
    m.train()
    assert p.training
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)
    clone = copy.deepcopy(m)
    assert type(clone).__name__ == "ParametrizedLinear"
    np.testing.assert_array_equal(clone.weight.detach().numpy(), m.weight.detach().numpy())


def test_transfer_parametrizations_and_params():
    a = parametrize.register_parametrization(nn.Linear(3, 3), "weight", _symmetric(ember))
    b = parametrize.transfer_parametrizations_and_params(a, nn.Linear(3, 3))
    assert b.parametrizations.weight.original is a.parametrizations.weight.original
    np.testing.assert_array_equal(b.weight.detach().numpy(), a.weight.detach().numpy())
