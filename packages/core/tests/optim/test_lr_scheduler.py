"""Every scheduler yields PyTorch's learning-rate sequence over 50 steps, with the same
param-group bookkeeping (``initial_lr``, momentum / betas cycling)."""

import warnings

import pytest
import torch

import ember


def _optimizer(lib, kind="sgd"):
    groups = [
        {"params": [lib.zeros(2, requires_grad=True)]},
        {"params": [lib.zeros(3, requires_grad=True)], "lr": 0.3},
    ]
    if kind == "adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _lambda_half(epoch):
    return 0.5 ** (epoch // 3)


SCHEDULERS = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, _lambda_half),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, [_lambda_half, lambda e: 1.0 / (1 + e)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95),
    "StepLR": lambda L, o: L.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=17),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=30, power=2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=13, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=0.001
    ),
    "CyclicLR-triangular": lambda L, o: L.CyclicLR(o, 0.01, 0.2, step_size_up=4),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(
        o, [0.01, 0.02], [0.2, 0.5], step_size_up=3, step_size_down=5, mode="triangular2"
    ),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(
        o, 0.01, 0.2, step_size_up=6, mode="exp_range", gamma=0.97, base_momentum=0.7
    ),
    "CyclicLR-no-momentum": lambda L, o: L.CyclicLR(o, 0.01, 0.2, 5, cycle_momentum=False),
    "OneCycleLR-cos": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=50),
    "OneCycleLR-linear-3phase": lambda L, o: L.OneCycleLR(
        o, max_lr=1.0, epochs=5, steps_per_epoch=10, anneal_strategy="linear", three_phase=True
    ),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o,
        [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=20)],
        milestones=[8],
    ),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.9)]
    ),
}
ADAM = {"OneCycleLR-adam": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=50)}
ADAM["CyclicLR-adam"] = lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, base_momentum=0.8)


def _groups_close(opt_e, opt_t):
    for ge, gt in zip(opt_e.param_groups, opt_t.param_groups):
        for key in ("lr", "initial_lr", "momentum", "betas", "max_lr", "min_lr"):
            assert (key in ge) == (key in gt), key
            if key in gt:
                assert ge[key] == pytest.approx(gt[key], rel=1e-12, abs=1e-15), key


def _run(factory, kind, steps=50):
    opt_e, opt_t = _optimizer(ember, kind), _optimizer(torch, kind)
    sched_e = factory(ember.optim.lr_scheduler, opt_e)
    sched_t = factory(torch.optim.lr_scheduler, opt_t)
    _groups_close(opt_e, opt_t)
    assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)
    for _ in range(steps):
        opt_e.step()
        opt_t.step()
        sched_e.step()
        sched_t.step()
        assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12, abs=1e-15)
        _groups_close(opt_e, opt_t)
    return sched_e, sched_t


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_matches_torch_for_50_steps(name):
    _run(SCHEDULERS[name], "sgd")


@pytest.mark.parametrize("name", sorted(ADAM))
def test_scheduler_cycles_adam_beta1_like_torch(name):
    _run(ADAM[name], "adam")


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "CyclicLR-triangular2"])
def test_scheduler_state_dict_resumes_the_sequence(name):
    factory = SCHEDULERS[name]
    sched_e, sched_t = _run(factory, "sgd", steps=10)
    state = sched_e.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == sched_t.state_dict()["last_epoch"]
    opt2 = _optimizer(ember)
    resumed = factory(ember.optim.lr_scheduler, opt2)
    resumed.load_state_dict(state)
    for group, lr in zip(opt2.param_groups, sched_e.get_last_lr()):
        group["lr"] = lr
    for _ in range(10):
        sched_e.optimizer.step()
        opt2.step()
        sched_e.step()
        resumed.step()
        assert resumed.get_last_lr() == pytest.approx(sched_e.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize(
    ("mode", "threshold_mode", "cooldown", "min_lr"),
    [("min", "rel", 0, 0.0), ("max", "abs", 2, 0.004), ("min", "abs", 1, [0.0, 0.01])],
)
def test_reduce_lr_on_plateau_matches_torch(mode, threshold_mode, cooldown, min_lr):
    opt_e, opt_t = _optimizer(ember), _optimizer(torch)
    kwargs = dict(mode=mode, factor=0.5, patience=2, threshold=0.01)
    kwargs.update(threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr, eps=1e-4)
    sched_e = ember.optim.lr_scheduler.ReduceLROnPlateau(opt_e, **kwargs)
    sched_t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    metrics = [1.0, 0.9, 0.95, 0.93, 0.96, 0.97, 0.89, 0.9, 0.9, 0.9, 0.5] * 5
    for metric in metrics:
        opt_e.step()
        opt_t.step()
        sched_e.step(metric)
        sched_t.step(metric)
        assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)
        assert sched_e.num_bad_epochs == sched_t.num_bad_epochs
        assert sched_e.cooldown_counter == sched_t.cooldown_counter
    assert sched_e.state_dict().keys() == sched_t.state_dict().keys()


def test_cosine_warm_restarts_fractional_epochs_match_torch():
    opt_e, opt_t = _optimizer(ember), _optimizer(torch)
    sched_e = ember.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_e, T_0=3, T_mult=2)
    sched_t = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_t, T_0=3, T_mult=2)
    for i in range(50):
        epoch = i * 0.37
        opt_e.step()
        opt_t.step()
        sched_e.step(epoch)
        sched_t.step(epoch)
        assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)
        assert sched_e.T_i == sched_t.T_i and sched_e.last_epoch == sched_t.last_epoch


def test_step_with_epoch_uses_closed_form_and_warns_like_torch():
    opt_e, opt_t = _optimizer(ember), _optimizer(torch)
    sched_e = ember.optim.lr_scheduler.StepLR(opt_e, step_size=3, gamma=0.5)
    sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=3, gamma=0.5)
    opt_e.step()
    opt_t.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched_e.step(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched_t.step(7)
    assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr())


def test_scheduler_before_optimizer_step_warns():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_resuming_without_initial_lr_raises_key_error():
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(_optimizer(ember), step_size=2, last_epoch=3)
