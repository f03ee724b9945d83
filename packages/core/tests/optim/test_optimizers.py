"""Every optimizer follows PyTorch's 20-step trajectory, and state dicts move both ways."""

import numpy
import pytest
import torch
from optim._helpers import (
    assert_params_close,
    make_arrays,
    set_grads,
    to_ember,
    to_torch,
    twin_params,
)

import ember

CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "maximize": True, "eps": 1e-6}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.2, "maximize": True}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "lambd": 1e-2, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 3, "maximize": True}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def _step_both(opt_e, opt_t, e_params, t_params, steps):
    for i in range(steps):
        set_grads(e_params, t_params)
        opt_e.step()
        opt_t.step()
        assert_params_close(e_params, t_params, msg=lambda m, i=i: f"step {i}: {m}")


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_trajectory_matches_torch_for_20_steps(name, kwargs):
    e_params, t_params = twin_params(make_arrays())
    opt_e = getattr(ember.optim, name)(e_params, **kwargs)
    opt_t = getattr(torch.optim, name)(t_params, **kwargs, foreach=False)
    _step_both(opt_e, opt_t, e_params, t_params, 20)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_state_dict_moves_to_torch_and_back(name, kwargs):
    arrays = make_arrays(1)
    e_params, t_params = twin_params(arrays)
    opt_e = getattr(ember.optim, name)(e_params, **kwargs)
    for _ in range(5):
        set_grads(e_params, t_params)
        opt_e.step()
    # Ember -> torch: a torch optimizer on copies of Ember's params continues identically.
    t_params = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in e_params]
    opt_t = getattr(torch.optim, name)(t_params, **kwargs, foreach=False)
    opt_t.load_state_dict(to_torch(opt_e.state_dict()))
    # Loading casts floating state to the param dtype (NAdam's mu_product, ASGD's eta and mu
    # become float64 here), in PyTorch too: reload Ember's own state so both sides match.
    opt_e.load_state_dict(opt_e.state_dict())
    _step_both(opt_e, opt_t, e_params, t_params, 5)
    # torch -> Ember: a fresh Ember optimizer loaded from torch's state continues identically.
    e_params = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in t_params]
    opt_e = getattr(ember.optim, name)(e_params, **kwargs)
    opt_e.load_state_dict(to_ember(opt_t.state_dict()))
    _step_both(opt_e, opt_t, e_params, t_params, 5)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam", "ASGD"])
def test_float32_trajectory_matches_torch(name):
    kwargs = {"lr": 0.01, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.01}
    e_params, t_params = twin_params(make_arrays(2, numpy.float32))
    opt_e = getattr(ember.optim, name)(e_params, **kwargs)
    opt_t = getattr(torch.optim, name)(t_params, **kwargs, foreach=False)
    for _ in range(20):
        set_grads(e_params, t_params)
        opt_e.step()
        opt_t.step()
    assert_params_close(e_params, t_params, rtol=1e-5, atol=1e-6)
    assert e_params[0].dtype == ember.float32


def test_param_groups_with_per_group_options_match_torch():
    e_params, t_params = twin_params(make_arrays(3))
    opt_e = ember.optim.Adam(
        [{"params": [e_params[0]]}, {"params": [e_params[1]], "lr": 0.2, "amsgrad": True}],
        lr=0.05,
    )
    opt_t = torch.optim.Adam(
        [{"params": [t_params[0]]}, {"params": [t_params[1]], "lr": 0.2, "amsgrad": True}],
        lr=0.05,
        foreach=False,
    )
    _step_both(opt_e, opt_t, e_params, t_params, 20)
    assert opt_e.param_groups[1]["amsgrad"] and not opt_e.param_groups[0]["amsgrad"]


def test_nn_parameter_is_optimized_like_a_leaf_tensor():
    e_params, t_params = twin_params(make_arrays(4), parameter=True)
    assert isinstance(e_params[0], ember.nn.Parameter)
    opt_e = ember.optim.SGD(e_params, lr=0.05, momentum=0.9)
    opt_t = torch.optim.SGD(t_params, lr=0.05, momentum=0.9)
    _step_both(opt_e, opt_t, e_params, t_params, 5)


def test_params_without_grad_are_skipped():
    p, q = ember.tensor([1.0, 2.0], requires_grad=True), ember.tensor([3.0], requires_grad=True)
    opt = ember.optim.Adam([p, q], lr=0.1)
    p.grad = ember.tensor([1.0, 1.0])
    opt.step()
    assert q.tolist() == [3.0] and q not in opt.state
    assert p.tolist() != [1.0, 2.0]


def test_step_bumps_the_parameter_version():
    p = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    p.grad = ember.tensor([1.0])
    before = p._version
    opt.step()
    assert p._version > before


def test_state_dict_layout_matches_torch():
    e_params, t_params = twin_params(make_arrays())
    opt_e = ember.optim.Adam(e_params, lr=0.1, amsgrad=True)
    opt_t = torch.optim.Adam(t_params, lr=0.1, amsgrad=True)
    set_grads(e_params, t_params)
    opt_e.step()
    opt_t.step()
    sd_e, sd_t = opt_e.state_dict(), opt_t.state_dict()
    assert sd_e["param_groups"] == sd_t["param_groups"]
    assert sd_e["state"].keys() == sd_t["state"].keys()
    for k in sd_t["state"]:
        assert list(sd_e["state"][k]) == list(sd_t["state"][k])
        step = sd_e["state"][k]["step"]
        assert step.dtype == ember.float32 and step.shape == () and step.item() == 1.0


def test_load_state_dict_rejects_mismatched_groups():
    p, q = ember.tensor([1.0], requires_grad=True), ember.tensor([2.0], requires_grad=True)
    state = ember.optim.SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        ember.optim.SGD([p], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        ember.optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).load_state_dict(state)


def test_load_state_dict_casts_state_to_param_dtype():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ember.tensor([1.0, 1.0])
    opt.step()
    q = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    opt64 = ember.optim.SGD([q], lr=0.1, momentum=0.9)
    opt64.load_state_dict(opt.state_dict())
    assert opt64.state[q]["momentum_buffer"].dtype == ember.float64


def test_zero_grad_sets_none_or_zeroes_in_place():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    p.grad = ember.tensor([3.0, 4.0])
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_add_param_group_rejects_a_parameter_in_two_groups():
    p = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    q = ember.tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": q, "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0


def test_constructor_errors_match_torch():
    p = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        ember.optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        ember.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ember.optim.Adam([p], lr=-1.0)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        ember.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="non-leaf"):
        ember.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        ember.optim.Adam([p], differentiable=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        ember.optim.LBFGS([{"params": [p]}, {"params": [ember.tensor([1.0])]}])


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {}), ("RMSprop", {}), ("LBFGS", {})],
)
def test_repr_matches_torch(name, kwargs):
    e_params, t_params = twin_params(make_arrays())
    opt_e = getattr(ember.optim, name)(e_params, **kwargs)
    opt_t = getattr(torch.optim, name)(t_params, **kwargs)
    assert repr(opt_e) == repr(opt_t)


def test_step_hooks_run_in_order_and_can_be_removed():
    p = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    p.grad = ember.tensor([1.0])
    opt.step()
    assert calls == ["pre", "post"]
    pre.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]


def test_closure_runs_under_enable_grad_and_its_loss_is_returned():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    assert p.tolist() == pytest.approx([0.8, 1.6])


def test_training_a_least_squares_model_with_autograd_matches_torch():
    rng = numpy.random.default_rng(5)
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    w0 = rng.standard_normal((3, 1))
    we = ember.tensor(w0.copy(), requires_grad=True)
    wt = torch.tensor(w0.copy(), requires_grad=True)
    opt_e = ember.optim.Adam([we], lr=0.05)
    opt_t = torch.optim.Adam([wt], lr=0.05)
    xe, ye, xt, yt = ember.tensor(x), ember.tensor(y), torch.tensor(x), torch.tensor(y)
    for _ in range(20):
        opt_e.zero_grad()
        opt_t.zero_grad()
        ((xe @ we - ye) ** 2).mean().backward()
        ((xt @ wt - yt) ** 2).mean().backward()
        opt_e.step()
        opt_t.step()
    assert_params_close([we], [wt])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Rprop"])
def test_complex_params_match_torch(name):
    rng = numpy.random.default_rng(6)
    z = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    pe = ember.tensor(z.copy(), requires_grad=True)
    pt = torch.tensor(z.copy(), requires_grad=True)
    kwargs = {"lr": 0.05, "momentum": 0.5} if name == "SGD" else {"lr": 0.05}
    opt_e = getattr(ember.optim, name)([pe], **kwargs)
    opt_t = getattr(torch.optim, name)([pt], **kwargs, foreach=False)
    for _ in range(10):
        g = pe.detach().numpy() ** 2 + 0.3
        pe.grad = ember.tensor(g)
        pt.grad = torch.tensor(pt.detach().numpy() ** 2 + 0.3)
        opt_e.step()
        opt_t.step()
    numpy.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), rtol=1e-10)


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[::3], ids=IDS[::3])
def test_cuda_trajectory_matches_cpu(name, kwargs):
    arrays = make_arrays(7)
    cpu = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    gpu = [ember.tensor(a.copy(), device="cuda", requires_grad=True) for a in arrays]
    opt_cpu = getattr(ember.optim, name)(cpu, **kwargs)
    opt_gpu = getattr(ember.optim, name)(gpu, **kwargs)
    for _ in range(10):
        for pc, pg in zip(cpu, gpu):
            pc.grad = ember.tensor(numpy.tanh(pc.detach().numpy()))
            pg.grad = ember.tensor(numpy.tanh(pg.detach().cpu().numpy()), device="cuda")
        opt_cpu.step()
        opt_gpu.step()
    for pc, pg in zip(cpu, gpu):
        assert pg.device.type == "cuda"
        numpy.testing.assert_allclose(pg.detach().cpu().numpy(), pc.detach().numpy(), rtol=1e-9)
    state = opt_gpu.state_dict()["state"].get(0, {})
    assert all(v.device.type == "cuda" for k, v in state.items() if k != "step" and v.ndim)


def test_torch_checkpoint_file_resumes_in_ember(tmp_path):
    e_params, t_params = twin_params(make_arrays(8))
    opt_t = torch.optim.AdamW(t_params, lr=0.05, amsgrad=True)
    for _ in range(3):
        set_grads(e_params, t_params)
        opt_t.step()
    torch.save(opt_t.state_dict(), tmp_path / "optim.pt")
    e_params = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in t_params]
    opt_e = ember.optim.AdamW(e_params, lr=0.05, amsgrad=True)
    opt_e.load_state_dict(ember.load(str(tmp_path / "optim.pt")))
    _step_both(opt_e, opt_t, e_params, t_params, 5)
    ember.save(opt_e.state_dict(), str(tmp_path / "ember.pt"))
    assert (
        ember.load(str(tmp_path / "ember.pt"))["param_groups"] == opt_e.state_dict()["param_groups"]
    )


def test_global_step_hooks_wrap_every_optimizer():
    from ember.optim.optimizer import (
        register_optimizer_step_post_hook,
        register_optimizer_step_pre_hook,
    )

    calls = []
    pre = register_optimizer_step_pre_hook(lambda o, a, k: calls.append(type(o).__name__))
    post = register_optimizer_step_post_hook(lambda o, a, k: calls.append("post"))
    try:
        p = ember.tensor([1.0], requires_grad=True)
        ember.optim.RMSprop([p]).step()
    finally:
        pre.remove()
        post.remove()
    ember.optim.RMSprop([p]).step()
    assert calls == ["RMSprop", "post"]


def test_named_params_and_tensor_lr_follow_torch():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.Adam([("w", p)], lr=ember.tensor(0.1))
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    p.grad = ember.ones(2)
    opt.step()
    sched.step()
    assert isinstance(opt.param_groups[0]["lr"], ember.Tensor)
    assert opt.param_groups[0]["lr"].item() == pytest.approx(0.05)
    assert p.tolist() == pytest.approx([0.9, 1.9])
