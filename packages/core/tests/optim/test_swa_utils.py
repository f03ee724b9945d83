"""AveragedModel, the averaging functions and SWALR against torch.optim.swa_utils."""

import numpy
import pytest
import torch

import ember


def _twin_linear(seed):
    rng = numpy.random.default_rng(seed)
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    me = ember.nn.Linear(3, 2).double()
    mt = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        mt.weight.copy_(torch.tensor(w))
        mt.bias.copy_(torch.tensor(b))
    me.weight._data[...] = w
    me.bias._data[...] = b
    return me, mt


def _set(me, mt, seed):
    rng = numpy.random.default_rng(seed)
    for pe, pt in zip(me.parameters(), mt.parameters()):
        value = rng.standard_normal(tuple(pt.shape))
        pe._data[...] = value
        with torch.no_grad():
            pt.copy_(torch.tensor(value))


def _averages(lib, kwargs_of):
    return kwargs_of(lib.optim.swa_utils)


@pytest.mark.parametrize(
    "kwargs_of",
    [
        lambda S: {},
        lambda S: {"multi_avg_fn": S.get_ema_multi_avg_fn(0.9)},
        lambda S: {"avg_fn": S.get_ema_avg_fn(0.8)},
        lambda S: {"avg_fn": S.get_swa_avg_fn()},
        lambda S: {"multi_avg_fn": S.get_swa_multi_avg_fn(), "use_buffers": True},
    ],
    ids=["swa", "ema-multi", "ema", "swa-fn", "swa-multi-buffers"],
)
def test_averaged_model_matches_torch(kwargs_of):
    me, mt = _twin_linear(0)
    ae = ember.optim.swa_utils.AveragedModel(me, **_averages(ember, kwargs_of))
    at = torch.optim.swa_utils.AveragedModel(mt, **_averages(torch, kwargs_of))
    for step in range(4):
        _set(me, mt, step + 1)
        ae.update_parameters(me)
        at.update_parameters(mt)
        for pe, pt in zip(ae.parameters(), at.parameters()):
            numpy.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), rtol=1e-12)
    assert int(ae.n_averaged) == int(at.n_averaged) == 4
    assert sorted(ae.state_dict()) == sorted(at.state_dict())
    x = numpy.ones((1, 3))
    numpy.testing.assert_allclose(
        ae(ember.tensor(x)).detach().numpy(), at(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_averaged_model_is_a_copy():
    me, _ = _twin_linear(1)
    ae = ember.optim.swa_utils.AveragedModel(me)
    assert ae.module is not me and ae.module.weight is not me.weight


def test_ema_decay_is_validated():
    with pytest.raises(ValueError, match="Invalid decay value"):
        ember.optim.swa_utils.get_ema_avg_fn(1.5)


@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 5])
def test_swalr_matches_torch(anneal_strategy, anneal_epochs):
    pe, pt = ember.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    opt_e = ember.optim.SGD([pe], lr=0.5, momentum=0.9)
    opt_t = torch.optim.SGD([pt], lr=0.5, momentum=0.9)
    kwargs = dict(swa_lr=0.05, anneal_epochs=anneal_epochs, anneal_strategy=anneal_strategy)
    sched_e = ember.optim.swa_utils.SWALR(opt_e, **kwargs)
    sched_t = torch.optim.swa_utils.SWALR(opt_t, **kwargs)
    for _ in range(12):
        opt_e.step()
        opt_t.step()
        sched_e.step()
        sched_t.step()
        assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)
    state = sched_e.state_dict()
    assert "anneal_func" not in state and state["_anneal_strategy"] == anneal_strategy
