"""``nn.Module`` against ``torch.nn.Module``: registration, iteration orders and names,
state_dict keys and load errors, conversions, hooks, repr, pickling."""

import contextlib
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from ember import nn

needs_gpu = pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")


def _net(lib):
    """The same small network in torch.nn or ember.nn: nesting, a tied weight, buffers
    (persistent and not), a None parameter and a bias-free layer."""

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = lib.nn.Linear(4, 5)
            self.body = lib.nn.Sequential(
                lib.nn.Linear(5, 5), lib.nn.ReLU(), lib.nn.Linear(5, 5, bias=False)
            )
            self.heads = lib.nn.ModuleList([lib.nn.Linear(5, 3), lib.nn.Linear(5, 3)])
            self.extra = lib.nn.ModuleDict({"act": lib.nn.Tanh(), "proj": lib.nn.Linear(3, 4)})
            self.extra["proj"].weight = self.embed.weight  # tied (proj is not used in forward)
            self.register_buffer("steps", lib.zeros((), dtype=lib.int64))
            self.register_buffer("scale", lib.ones(3))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.register_parameter("unused", None)
            self.alpha = lib.nn.Parameter(lib.tensor(0.5))
            self.shared_act = self.extra["act"]

        def forward(self, x):
            h = self.body(self.embed(x))
            out = self.heads[0](h) * self.scale + self.heads[1](h) * self.alpha
            return self.extra["act"](out)

    return Net()


def _ember_twin():
    """An Ember net and its torch twin holding the same weights."""
    torch.manual_seed(0)
    tnet = _net(torch)
    enet = _net(ember)
    enet.load_state_dict(
        {k: ember.tensor(v.detach().numpy()) for k, v in tnet.state_dict().items()}
    )
    return enet, tnet


def _names(pairs):
    return [name for name, _ in pairs]


# -- registration and attribute protocol ---------------------------------------------------
def test_named_members_orders_and_names_match_torch():
    enet, tnet = _ember_twin()
    assert _names(enet.named_parameters()) == _names(tnet.named_parameters())
    assert _names(enet.named_buffers()) == _names(tnet.named_buffers())
    assert _names(enet.named_modules()) == _names(tnet.named_modules())
    assert _names(enet.named_children()) == _names(tnet.named_children())
    for kwargs in (
        dict(prefix="net"),
        dict(recurse=False),
        dict(remove_duplicate=False),
        dict(prefix="p", recurse=False),
    ):
        assert _names(enet.named_parameters(**kwargs)) == _names(tnet.named_parameters(**kwargs))
        assert _names(enet.named_buffers(**kwargs)) == _names(tnet.named_buffers(**kwargs))
    for kwargs in (dict(prefix="net"), dict(remove_duplicate=False)):
        assert _names(enet.named_modules(**kwargs)) == _names(tnet.named_modules(**kwargs))
    assert len(list(enet.parameters())) == len(list(tnet.parameters()))
    assert len(list(enet.modules())) == len(list(tnet.modules()))
    assert len(list(enet.children())) == len(list(tnet.children()))
    assert len(list(enet.buffers(recurse=False))) == len(list(tnet.buffers(recurse=False)))


def test_shared_parameter_appears_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert _names(seq.named_parameters()) == ["0.weight", "0.bias"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    tlin = torch.nn.Linear(3, 3)
    tseq = torch.nn.Sequential(tlin, torch.nn.ReLU(), tlin)
    assert list(seq.state_dict()) == list(tseq.state_dict())


def test_getattr_finds_parameters_buffers_and_modules():
    enet, _ = _ember_twin()
    assert isinstance(enet.alpha, nn.Parameter)
    assert enet.unused is None
    assert isinstance(enet.scale, ember.Tensor) and not isinstance(enet.scale, nn.Parameter)
    assert isinstance(enet.body, nn.Sequential)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nothing'"):
        _ = enet.nothing


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares the exception itself
        return type(e), str(e)
    raise AssertionError("no exception raised")


def _same_error(efn, tfn):
    etype, emsg = _error(efn)
    ttype, tmsg = _error(tfn)
    assert etype is ttype, (etype, ttype)
    assert emsg == tmsg.replace("torch.", "ember."), (emsg, tmsg)


def test_assignment_errors_match_torch():
    e, t = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    _same_error(
        lambda: setattr(e, "weight", ember.ones(2, 2)),
        lambda: setattr(t, "weight", torch.ones(2, 2)),
    )
    _same_error(lambda: setattr(e, "weight", 3), lambda: setattr(t, "weight", 3))
    e.sub, t.sub = nn.ReLU(), torch.nn.ReLU()
    _same_error(lambda: setattr(e, "sub", ember.ones(1)), lambda: setattr(t, "sub", torch.ones(1)))
    e.register_buffer("buf", ember.ones(1))
    t.register_buffer("buf", torch.ones(1))
    _same_error(lambda: setattr(e, "buf", "text"), lambda: setattr(t, "buf", "text"))
    _same_error(lambda: e.register_buffer("a.b", None), lambda: t.register_buffer("a.b", None))
    _same_error(lambda: e.register_buffer("", None), lambda: t.register_buffer("", None))
    _same_error(
        lambda: e.register_buffer("weight", None), lambda: t.register_buffer("weight", None)
    )
    _same_error(lambda: e.register_buffer(1, None), lambda: t.register_buffer(1, None))
    _same_error(
        lambda: e.register_parameter("x.y", None), lambda: t.register_parameter("x.y", None)
    )
    _same_error(lambda: e.register_parameter("", None), lambda: t.register_parameter("", None))
    _same_error(
        lambda: e.register_parameter("buf", None), lambda: t.register_parameter("buf", None)
    )
    _same_error(lambda: e.add_module("a.b", None), lambda: t.add_module("a.b", None))
    _same_error(lambda: e.add_module("", None), lambda: t.add_module("", None))
    _same_error(lambda: e.add_module("weight", None), lambda: t.add_module("weight", None))
    _same_error(lambda: e.add_module("m", 3), lambda: t.add_module("m", 3))
    _same_error(
        lambda: e.register_parameter("q", (ember.ones(1, requires_grad=True) * 2)),
        lambda: t.register_parameter("q", (torch.ones(1, requires_grad=True) * 2)),
    )


def test_assignment_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_reassignment_moves_names_between_kinds():
    m = nn.Module()
    m.x = nn.Parameter(ember.ones(1))
    m.x = None  # a parameter name accepts None
    assert "x" in m._parameters and m.x is None
    m.y = ember.ones(2)  # a plain tensor is a plain attribute
    assert "y" not in m._buffers
    m.z = nn.Identity()
    m.z = nn.Parameter(ember.ones(1))  # Parameter replaces the module
    assert "z" not in m._modules and "z" in m._parameters
    m.register_buffer("b", ember.ones(1))
    m.b = ember.zeros(3)  # assigning a tensor to a buffer name updates the buffer
    assert m._buffers["b"].shape == (3,)
    del m.b, m.z, m.y
    assert "b" not in m._buffers and "z" not in m._parameters and not hasattr(m, "y")


def test_unexpected_init_arguments_raise_like_torch():
    _same_error(lambda: nn.Module(3), lambda: torch.nn.Module(3))
    _same_error(lambda: nn.Module(a=3), lambda: torch.nn.Module(a=3))


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(ember.ones(1))


def test_dir_lists_parameters_modules_and_buffers():
    enet, _ = _ember_twin()
    d = dir(enet)
    for name in ("alpha", "embed", "scale", "cache", "forward", "training", "state_dict"):
        assert name in d
    assert d == sorted(d)


# -- state_dict ----------------------------------------------------------------------------
def test_state_dict_keys_shapes_and_metadata_match_torch():
    enet, tnet = _ember_twin()
    esd, tsd = enet.state_dict(), tnet.state_dict()
    assert isinstance(esd, OrderedDict)
    assert list(esd) == list(tsd)
    for k in esd:
        assert tuple(esd[k].shape) == tuple(tsd[k].shape)
        assert esd[k].requires_grad is False and esd[k].grad_fn is None
        np.testing.assert_array_equal(esd[k].numpy(), tsd[k].numpy())
    assert list(esd._metadata) == list(tsd._metadata)
    assert esd._metadata[""] == tsd._metadata[""]
    keep = enet.state_dict(keep_vars=True)
    assert keep["alpha"] is enet.alpha
    assert list(enet.state_dict(prefix="model.")) == list(tnet.state_dict(prefix="model."))
    assert "cache" not in esd  # non-persistent


def test_state_dict_positional_arguments_are_deprecated_like_torch():
    lin = nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        out = lin.state_dict(None, "p.")
    assert list(out) == list(torch.nn.Linear(2, 2).state_dict(prefix="p."))


def test_state_dict_into_a_given_destination():
    net = nn.Sequential(nn.Linear(2, 2))
    dest = {}
    assert net.state_dict(destination=dest) is dest
    assert list(dest) == ["0.weight", "0.bias"]


def test_state_dict_values_share_memory_with_parameters():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    with ember.no_grad():
        lin.weight.fill_(3.0)
    np.testing.assert_array_equal(sd["weight"].numpy(), np.full((2, 2), 3.0, dtype=np.float32))


def test_loading_torch_weights_gives_same_forward_and_grads():
    enet, tnet = _ember_twin()
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ey, ty = enet(ex), tnet(tx)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    ey.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    tparams = dict(tnet.named_parameters())
    for name, p in enet.named_parameters():
        if tparams[name].grad is None:  # extra.proj.bias is not used in forward
            assert p.grad is None, name
            continue
        np.testing.assert_allclose(
            p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name
        )


def test_load_state_dict_copies_in_place_and_casts_dtype():
    lin = nn.Linear(3, 2)
    weight = lin.weight
    version = weight._version
    result = lin.load_state_dict(
        {"weight": ember.ones(2, 3, dtype=ember.float64), "bias": ember.zeros(2)}
    )
    assert lin.weight is weight and weight.dtype == ember.float32
    assert weight._version > version and weight.requires_grad
    np.testing.assert_array_equal(weight.detach().numpy(), np.ones((2, 3)))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"


def _load_error(model, sd, **kw):
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd, **kw)
    return str(info.value)


def test_load_state_dict_error_texts_match_torch():
    e, t = nn.Linear(4, 2), torch.nn.Linear(4, 2)
    cases = [
        {"weight": np.ones((3, 4), np.float32), "bias": np.ones(2, np.float32)},
        {"weight": np.ones((2, 4), np.float32)},
        {
            "weight": np.ones((2, 4), np.float32),
            "bias": np.ones(2, np.float32),
            "extra": np.ones(1, np.float32),
        },
        {"weight": np.ones((3, 4), np.float32), "extra.x": np.ones(1, np.float32)},
    ]
    for case in cases:
        emsg = _load_error(e, {k: ember.tensor(v) for k, v in case.items()})
        tmsg = _load_error(t, {k: torch.tensor(v) for k, v in case.items()})
        assert emsg == tmsg.replace("torch.", "ember."), (emsg, tmsg)
    emsg = _load_error(e, {"weight": 3.0, "bias": ember.ones(2)})
    assert 'While copying the parameter named "weight"' in emsg


def test_nested_load_errors_match_torch():
    enet, tnet = _ember_twin()
    esd = {k: v for k, v in enet.state_dict().items() if not k.startswith("heads.1")}
    tsd = {k: v for k, v in tnet.state_dict().items() if not k.startswith("heads.1")}
    esd["body.7.weight"] = ember.ones(1)
    tsd["body.7.weight"] = torch.ones(1)
    esd["scale"] = ember.ones(4)
    tsd["scale"] = torch.ones(4)
    assert _load_error(enet, esd) == _load_error(tnet, tsd).replace("torch.", "ember.")


def test_load_state_dict_non_strict_reports_keys_like_torch():
    e, t = nn.Linear(4, 2), torch.nn.Linear(4, 2)
    er = e.load_state_dict({"weight": ember.ones(2, 4), "junk": ember.ones(1)}, strict=False)
    tr = t.load_state_dict({"weight": torch.ones(2, 4), "junk": torch.ones(1)}, strict=False)
    assert er.missing_keys == tr.missing_keys == ["bias"]
    assert er.unexpected_keys == tr.unexpected_keys == ["junk"]
    assert repr(er) == repr(tr)
    missing, unexpected = er
    assert missing == ["bias"] and unexpected == ["junk"]


def test_load_state_dict_rejects_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        nn.Linear(1, 1).load_state_dict([1, 2])


def test_load_state_dict_assign_replaces_tensors():
    lin = nn.Linear(3, 2)
    lin.bias.requires_grad_(False)
    new_w = ember.ones(2, 3, dtype=ember.float64)
    lin.load_state_dict({"weight": new_w, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.dtype == ember.float64
    assert lin.weight._data is new_w._data
    assert lin.weight.requires_grad and not lin.bias.requires_grad


def test_load_state_dict_loads_buffers_and_zero_dim_from_one_element():
    m = nn.Module()
    m.register_buffer("count", ember.tensor(0))
    m.load_state_dict({"count": ember.tensor([7])})  # PyTorch's 0-d <- (1,) allowance
    assert m.count.item() == 7


def test_state_dict_hooks_and_custom_load_from_state_dict():
    class Renamed(nn.Linear):
        # An old checkpoint called the weight "w": renaming hooks in _load_from_state_dict.
        def _load_from_state_dict(self, state_dict, prefix, *args):
            if prefix + "w" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
            super()._load_from_state_dict(state_dict, prefix, *args)

    m = nn.Sequential(Renamed(2, 2))
    m.load_state_dict({"0.w": ember.ones(2, 2), "0.bias": ember.zeros(2)})
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), np.ones((2, 2)))

    calls = []
    lin = nn.Linear(2, 2)
    lin.register_state_dict_pre_hook(lambda mod, prefix, keep: calls.append(("pre", prefix)))

    def post(mod, sd, prefix, meta):
        sd[prefix + "note"] = ember.tensor(1.0)

    handle = lin.register_state_dict_post_hook(post)
    assert list(lin.state_dict()) == ["weight", "bias", "note"]
    handle.remove()
    assert list(lin.state_dict()) == ["weight", "bias"]
    assert calls == [("pre", ""), ("pre", "")]
    seen = []
    lin.register_load_state_dict_post_hook(lambda mod, keys: seen.append(list(keys.missing_keys)))
    lin.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: seen.append(prefix))
    lin.load_state_dict({"weight": ember.ones(2, 2)}, strict=False)
    assert seen == ["", ["bias"]]


def test_extra_state_round_trip():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.note = "a"

        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    m = nn.Sequential(WithExtra())
    sd = m.state_dict()
    assert list(sd) == ["0._extra_state"]
    m2 = nn.Sequential(WithExtra())
    m2[0].note = "b"
    m.load_state_dict({"0._extra_state": {"note": "z"}})
    assert m[0].note == "z"
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0._extra_state"'):
        m2.load_state_dict({})


# -- modes, gradients, conversion ----------------------------------------------------------
def test_train_eval_propagate():
    enet, _ = _ember_twin()
    assert enet.eval() is enet
    assert all(not m.training for m in enet.modules())
    enet.train()
    assert all(m.training for m in enet.modules())
    enet.body.train(False)
    assert not enet.body[1].training and enet.embed.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        enet.train("yes")


def test_to_dtype_keeps_parameter_objects_and_converts_grads():
    enet, _ = _ember_twin()
    params = list(enet.parameters())
    enet(ember.ones(2, 4)).sum().backward()
    assert enet.double() is enet
    assert [id(p) for p in enet.parameters()] == [id(p) for p in params]
    assert all(p.dtype == ember.float64 for p in params)
    assert all(p.grad is None or p.grad.dtype == ember.float64 for p in params)
    assert all(type(p) is nn.Parameter and p.requires_grad for p in params)
    assert enet.steps.dtype == ember.int64  # integer buffers keep their dtype
    assert enet.scale.dtype == ember.float64
    out = enet(ember.ones(2, 4, dtype=ember.float64))
    assert out.dtype == ember.float64
    enet.to(ember.float32)
    assert enet.alpha.dtype == ember.float32
    enet.half()
    assert enet.embed.weight.dtype == ember.float16
    enet.bfloat16()
    assert enet.embed.weight.dtype == ember.bfloat16
    enet.float()
    assert enet.embed.weight.dtype == ember.float32
    enet.to(ember.zeros(1, dtype=ember.float64))
    assert enet.embed.weight.dtype == ember.float64
    enet.to("cpu", ember.float32)
    assert enet.embed.weight.dtype == ember.float32
    enet.type(ember.float64)
    assert enet.steps.dtype == ember.float64  # type() converts every tensor, as in torch
    assert enet.cpu() is enet
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        enet.to(ember.int32)


def test_optimizer_style_references_survive_conversion():
    lin = nn.Linear(2, 2)
    held = lin.weight
    lin.to(dtype=ember.float64)
    assert lin.weight is held and held.dtype == ember.float64
    (lin(ember.ones(1, 2, dtype=ember.float64)).sum()).backward()
    assert held.grad is not None and held.grad.shape == (2, 2)


def test_apply_visits_children_first_like_torch():
    enet, tnet = _ember_twin()
    eorder, torder = [], []
    enet.apply(lambda m: eorder.append(type(m).__name__))
    tnet.apply(lambda m: torder.append(type(m).__name__))
    assert eorder == torder


def test_apply_reinitialises_weights():
    seq = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    seq.apply(init)
    assert all(float(p.abs().sum()) == 0 for n, p in seq.named_parameters() if "weight" in n)


def test_zero_grad_and_requires_grad():
    lin = nn.Linear(2, 2)
    lin(ember.ones(1, 2)).sum().backward()
    lin.zero_grad(set_to_none=False)
    assert float(lin.weight.grad.abs().sum()) == 0 and lin.weight.grad is not None
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None
    assert lin.requires_grad_(False) is lin
    assert not any(p.requires_grad for p in lin.parameters())
    lin.requires_grad_()
    assert all(p.requires_grad for p in lin.parameters())


def test_get_submodule_parameter_buffer_and_errors_match_torch():
    enet, tnet = _ember_twin()
    assert enet.get_submodule("body.0") is enet.body[0]
    assert enet.get_submodule("") is enet
    assert enet.get_parameter("heads.1.bias") is enet.heads[1].bias
    assert enet.get_buffer("scale") is enet.scale
    for target in ("body.9", "body.0.weight", "nothing"):
        _same_error(lambda t=target: enet.get_submodule(t), lambda t=target: tnet.get_submodule(t))
    for target in ("body.0.nothing", "scale", "body"):
        _same_error(lambda t=target: enet.get_parameter(t), lambda t=target: tnet.get_parameter(t))
    for target in ("alpha", "embed.nothing"):
        _same_error(lambda t=target: enet.get_buffer(t), lambda t=target: tnet.get_buffer(t))
    new = nn.Linear(5, 5)
    enet.set_submodule("body.0", new)
    assert enet.body[0] is new
    with pytest.raises(AttributeError, match="has no attribute `zz`"):
        enet.set_submodule("body.zz", nn.ReLU(), strict=True)


# -- hooks ---------------------------------------------------------------------------------
def test_forward_pre_and_post_hooks_can_replace_values():
    lin = nn.Identity()
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    h2 = lin.register_forward_hook(lambda m, args, out: out + 1)
    lin.register_forward_pre_hook(lambda m, args: calls.append("first"), prepend=True)
    lin.register_forward_hook(lambda m, args, out: calls.append(("post", float(out[0]))))
    out = lin(ember.ones(1))
    assert float(out[0]) == 3.0 and calls == ["first", ("post", 3.0)]
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is a no-op
    assert float(lin(ember.ones(1))[0]) == 1.0


def test_hooks_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    m = Scale()
    seen = []

    def pre(mod, args, kwargs):
        return args, {"factor": kwargs["factor"] * 10}

    def post(mod, args, kwargs, out):
        seen.append(kwargs["factor"])

    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    assert float(m(ember.ones(1), factor=2.0)[0]) == 20.0
    assert seen == [20.0]

    m2 = Scale()
    m2.register_forward_pre_hook(lambda mod, args, kwargs: "bad", with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m2(ember.ones(1))


def test_forward_hook_always_call_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    m = Boom()
    m.register_forward_hook(lambda mod, args, out: seen.append("normal"))
    m.register_forward_hook(lambda mod, args, out: seen.append(("always", out)), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(ember.ones(1))
    assert seen == [("always", None)]


def test_hook_handle_is_a_context_manager():
    m = nn.Identity()
    seen = []
    with m.register_forward_hook(lambda mod, args, out: seen.append(1)):
        m(ember.ones(1))
    m(ember.ones(1))
    assert seen == [1]


def test_global_forward_hooks():
    from ember.nn.modules.module import register_module_forward_hook

    seen = []
    handle = register_module_forward_hook(lambda mod, args, out: seen.append(type(mod).__name__))
    try:
        nn.Sequential(nn.Identity(), nn.ReLU())(ember.ones(1))
    finally:
        handle.remove()
    assert seen == ["Identity", "ReLU", "Sequential"]


def _record_backward_hooks(lib, model, inputs):
    records = []

    def hook(mod, grad_input, grad_output):
        records.append(
            (
                "hook",
                type(mod).__name__,
                [None if g is None else g.detach().numpy().copy() for g in grad_input],
                [None if g is None else g.detach().numpy().copy() for g in grad_output],
            )
        )

    def pre_hook(mod, grad_output):
        records.append(
            (
                "pre",
                type(mod).__name__,
                [None if g is None else g.detach().numpy().copy() for g in grad_output],
            )
        )

    for m in model.modules():
        m.register_full_backward_hook(hook)
        m.register_full_backward_pre_hook(pre_hook)
    out = model(*inputs)
    (out * out).sum().backward()
    return records


def _assert_same_records(erecs, trecs):
    assert len(erecs) == len(trecs)
    for er, tr in zip(erecs, trecs):
        assert er[:2] == tr[:2]
        for elist, tlist in zip(er[2:], tr[2:]):
            assert len(elist) == len(tlist)
            for eg, tg in zip(elist, tlist):
                if tg is None:
                    assert eg is None
                else:
                    np.testing.assert_allclose(eg, tg, rtol=1e-5, atol=1e-6)


def test_full_backward_hooks_see_the_same_grads_as_torch():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    emodel = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    emodel.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tmodel.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    for requires_grad in (True, False):
        # Without an input that requires grad, the first module's hook fires from its
        # outputs' grads, and both libraries warn about it.
        def expect(rg=requires_grad):
            if rg:
                return contextlib.nullcontext()
            return pytest.warns(UserWarning, match="Full backward hook is firing")

        with expect():
            trecs = _record_backward_hooks(
                torch, tmodel, [torch.tensor(x, requires_grad=requires_grad)]
            )
        with expect():
            erecs = _record_backward_hooks(
                ember, emodel, [ember.tensor(x, requires_grad=requires_grad)]
            )
        _assert_same_records(erecs, trecs)
        for m in (*tmodel.modules(), *emodel.modules()):
            m._backward_hooks.clear()
            m._backward_pre_hooks.clear()


def test_full_backward_hook_with_two_inputs_and_a_non_tensor():
    def make(lib):
        class Mix(lib.nn.Module):
            def forward(self, a, scale, b):
                return a * scale + b * b

        return Mix()

    a = np.array([1.0, 2.0], np.float32)
    b = np.array([3.0, -1.0], np.float32)
    trecs = _record_backward_hooks(
        torch, make(torch), [torch.tensor(a, requires_grad=True), 3.0, torch.tensor(b)]
    )
    erecs = _record_backward_hooks(
        ember, make(ember), [ember.tensor(a, requires_grad=True), 3.0, ember.tensor(b)]
    )
    _assert_same_records(erecs, trecs)


@pytest.mark.parametrize("use_first_output", [True, False])
def test_full_backward_hooks_on_a_two_output_submodule(use_first_output):
    def make(lib):
        class Two(lib.nn.Module):
            def forward(self, a, b):
                return a * 2, a * b

        class Outer(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.two = Two()

            def forward(self, a, b):
                x, y = self.two(a, b)
                return (y * y).sum() + (x.sum() if use_first_output else 0)

        return Outer()

    a = np.array([1.0, 2.0], np.float32)
    b = np.array([3.0, -1.0], np.float32)
    tin = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    ein = [ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)]
    trecs = _record_backward_hooks(torch, make(torch), tin)
    erecs = _record_backward_hooks(ember, make(ember), ein)
    _assert_same_records(erecs, trecs)


def test_backward_hooks_replace_grads():
    lin = nn.Linear(2, 2)
    x = ember.ones(1, 2, requires_grad=True)
    lin.register_full_backward_pre_hook(lambda m, gout: (gout[0] * 0,))
    lin(x).sum().backward()
    assert float(x.grad.abs().sum()) == 0.0 and float(lin.weight.grad.abs().sum()) == 0.0

    ident = nn.Identity()
    y = ember.ones(3, requires_grad=True)
    ident.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 5,))
    (ident(y) * 2).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [10.0, 10.0, 10.0])

    bad = nn.Identity()
    bad.register_full_backward_hook(lambda m, gin, gout: (gin[0], gin[0]))
    z = ember.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid number of grad_input"):
        bad(z).sum().backward()


def test_backward_hooks_do_not_record_when_grad_is_off():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda *a: None)
    with ember.no_grad():
        out = lin(ember.ones(1, 2))
    assert out.grad_fn is None


# -- repr ----------------------------------------------------------------------------------
def test_repr_matches_torch():
    enet, tnet = _ember_twin()
    assert repr(enet) == repr(tnet)

    def build(lib):
        inner = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.ReLU()])
        return lib.nn.Sequential(
            OrderedDict(
                [
                    ("stem", lib.nn.Linear(8, 2, bias=False)),
                    ("blocks", inner),
                    ("act", lib.nn.ReLU(inplace=True)),
                    ("same", lib.nn.Sequential(lib.nn.Identity(), lib.nn.Identity())),
                    ("empty", lib.nn.ModuleList()),
                    ("dict", lib.nn.ModuleDict({"b": lib.nn.Sigmoid(), "a": lib.nn.Identity()})),
                    (
                        "list",
                        lib.nn.ModuleList(
                            [lib.nn.ReLU(), lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.ReLU()]
                        ),
                    ),
                ]
            )
        )

    assert repr(build(ember)) == repr(build(torch))
    assert repr(nn.Module()) == repr(torch.nn.Module())


# -- copying -------------------------------------------------------------------------------
def test_deepcopy_keeps_sharing_and_outputs():
    enet, _ = _ember_twin()
    clone = copy.deepcopy(enet)
    assert clone.extra["proj"].weight is clone.embed.weight  # tied weights stay tied
    assert clone.extra["act"] is clone.shared_act
    assert clone.embed.weight is not enet.embed.weight
    assert type(clone.embed.weight) is nn.Parameter
    x = ember.ones(2, 4)
    np.testing.assert_array_equal(clone(x).detach().numpy(), enet(x).detach().numpy())
    with ember.no_grad():
        clone.embed.weight.fill_(0)
    assert float(enet.embed.weight.abs().sum()) > 0


class PicklableNet(nn.Module):
    """A module-level class (pickle finds classes by name) with a tied weight and a
    non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 5)
        self.blocks = nn.Sequential(nn.Linear(5, 5), nn.ReLU())
        self.tied = nn.Linear(4, 5)
        self.tied.weight = self.embed.weight
        self.register_buffer("cache", ember.zeros(2), persistent=False)

    def forward(self, x):
        return self.blocks(self.embed(x)) + self.tied(x)


def test_pickle_round_trip():
    enet = PicklableNet()
    clone = pickle.loads(pickle.dumps(enet))
    assert list(clone.state_dict()) == list(enet.state_dict())
    assert clone.tied.weight is clone.embed.weight
    assert type(clone.embed.weight) is nn.Parameter and clone.embed.weight.requires_grad
    assert "cache" in clone._buffers and "cache" in clone._non_persistent_buffers_set
    x = ember.ones(2, 4)
    np.testing.assert_array_equal(clone(x).detach().numpy(), enet(x).detach().numpy())


def test_setstate_fills_missing_hook_dicts():
    m = nn.Linear(1, 1)
    state = dict(m.__dict__)
    del state["_forward_hooks_always_called"], state["_backward_pre_hooks"]
    fresh = nn.Linear.__new__(nn.Linear)
    fresh.__setstate__(state)
    assert fresh(ember.ones(1, 1)).shape == (1, 1)


def test_to_empty_replaces_storage_with_same_shapes():
    lin = nn.Linear(3, 2)
    weight = lin.weight
    assert lin.to_empty(device="cpu") is lin
    assert lin.weight is weight and weight.shape == (2, 3) and weight.requires_grad


def test_register_module_and_set_submodule_errors_match_torch():
    e, t = nn.Sequential(nn.Linear(2, 2)), torch.nn.Sequential(torch.nn.Linear(2, 2))
    e.register_module("extra", nn.ReLU())
    t.register_module("extra", torch.nn.ReLU())
    assert repr(e) == repr(t)
    _same_error(
        lambda: e.set_submodule("", nn.ReLU()), lambda: t.set_submodule("", torch.nn.ReLU())
    )
    _same_error(
        lambda: e.set_submodule("0.weight", nn.ReLU()),
        lambda: t.set_submodule("0.weight", torch.nn.ReLU()),
    )
    _same_error(lambda: e.set_submodule("0", 3), lambda: t.set_submodule("0", 3))
    _same_error(lambda: delattr(e, "nothing"), lambda: delattr(t, "nothing"))


def test_share_memory_returns_self():
    m = nn.Linear(1, 1)
    assert m.share_memory() is m


@needs_gpu
def test_cuda_and_back_keep_parameter_objects():
    lin = nn.Linear(3, 2)
    weight = lin.weight
    lin.cuda()
    assert lin.weight is weight and weight.device.type == "cuda"
    out = lin(ember.ones(1, 3, device="cuda"))
    out.sum().backward()
    assert weight.grad.device.type == "cuda"
    lin.to("cpu")
    assert weight.device.type == "cpu" and weight.grad.device.type == "cpu"
