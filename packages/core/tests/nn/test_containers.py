"""Containers against torch.nn: indexing, mutation, names/state_dict keys, repr."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from ember import nn


def _keys(module):
    return list(module.state_dict())


def _same_error(efn, tfn):
    def run(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the test compares the exception itself
            return type(e), str(e)
        raise AssertionError("no exception raised")

    (etype, emsg), (ttype, tmsg) = run(efn), run(tfn)
    assert etype is ttype and emsg == tmsg.replace("torch.", "ember."), (emsg, tmsg)


def _layers(lib, n=4):
    return [lib.nn.Linear(2, 2) if i % 2 == 0 else lib.nn.ReLU() for i in range(n)]


# -- Sequential ----------------------------------------------------------------------------
def test_sequential_forward_matches_torch():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    e = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5
    )


def test_sequential_indexing_and_slicing():
    layers = _layers(ember)
    seq = nn.Sequential(*layers)
    assert seq[0] is layers[0] and seq[-1] is layers[-1] and len(seq) == 4
    sub = seq[1:3]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:3]
    assert _keys(sub) == _keys(torch.nn.Sequential(*_layers(torch))[1:3])
    assert list(dict(sub.named_children())) == ["1", "2"]  # a slice keeps the names, as torch
    _same_error(lambda: seq[4], lambda: torch.nn.Sequential(*_layers(torch))[4])
    _same_error(lambda: seq[-5], lambda: torch.nn.Sequential(*_layers(torch))[-5])
    new = nn.Tanh()
    seq[1] = new
    assert seq[1] is new


def test_sequential_from_ordered_dict():
    e = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    t = torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(2, 3)), ("act", torch.nn.ReLU())]))
    assert _keys(e) == _keys(t) == ["fc.weight", "fc.bias"]
    assert repr(e) == repr(t)
    assert isinstance(e.fc, nn.Linear)


def test_sequential_mutations_renumber_like_torch():
    def run(lib):
        seq = lib.nn.Sequential(*_layers(lib, 6))
        del seq[1]
        seq.append(lib.nn.Linear(2, 3))
        seq.insert(0, lib.nn.Tanh())
        seq.insert(-1, lib.nn.Sigmoid())
        popped = seq.pop(2)
        del seq[3:5]
        seq.extend([lib.nn.Identity(), lib.nn.Linear(3, 1)])
        return seq, popped

    (e, epop), (t, tpop) = run(ember), run(torch)
    assert repr(e) == repr(t) and repr(epop) == repr(tpop)
    assert _keys(e) == _keys(t)
    _same_error(
        lambda: e.insert(99, nn.ReLU()),
        lambda: t.insert(99, torch.nn.ReLU()),
    )


def test_sequential_add_mul_and_iadd():
    e, t = nn.Sequential(*_layers(ember, 2)), torch.nn.Sequential(*_layers(torch, 2))
    both = e + nn.Sequential(nn.Tanh())
    assert repr(both) == repr(t + torch.nn.Sequential(torch.nn.Tanh()))
    assert len(e * 2) == 4 and (e * 2)[2] is e[0]
    assert repr(2 * e) == repr(2 * t)
    e += nn.Sequential(nn.Sigmoid())
    t += torch.nn.Sequential(torch.nn.Sigmoid())
    assert repr(e) == repr(t)
    e *= 2
    t *= 2
    assert repr(e) == repr(t)
    _same_error(lambda: e + [1], lambda: t + [1])
    with pytest.raises(ValueError, match="Non-positive multiplication factor"):
        e * 0


def test_sequential_repr_matches_torch():
    for n in (0, 1, 4):
        assert repr(nn.Sequential(*_layers(ember, n))) == repr(
            torch.nn.Sequential(*_layers(torch, n))
        )
    same_e = nn.Sequential(*[nn.Linear(2, 2) for _ in range(3)])
    same_t = torch.nn.Sequential(*[torch.nn.Linear(2, 2) for _ in range(3)])
    assert repr(same_e) == repr(same_t)


def test_sequential_dir_hides_indices():
    seq = nn.Sequential(nn.ReLU())
    assert "0" not in dir(seq) and "append" in dir(seq)


# -- ModuleList ----------------------------------------------------------------------------
def test_module_list_indexing_mutation_and_keys():
    def run(lib):
        ml = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        ml.append(lib.nn.ReLU())
        ml.extend([lib.nn.Linear(2, 3), lib.nn.Linear(3, 3)])
        ml.insert(1, lib.nn.Tanh())
        ml += [lib.nn.Sigmoid()]
        del ml[0]
        popped = ml.pop(-1)
        ml[0] = lib.nn.Identity()
        del ml[1:3]
        return ml, popped

    (e, epop), (t, tpop) = run(ember), run(torch)
    assert repr(e) == repr(t) and repr(epop) == repr(tpop)
    assert _keys(e) == _keys(t)
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert isinstance(e[1:], nn.ModuleList) and len(e[1:]) == len(t[1:])
    assert e[-1] is list(e)[-1]
    _same_error(lambda: e[10], lambda: t[10])
    combined = e + nn.ModuleList([nn.ReLU()])
    assert repr(combined) == repr(t + torch.nn.ModuleList([torch.nn.ReLU()]))
    _same_error(lambda: e.extend(3), lambda: t.extend(3))


def test_module_list_repr_collapses_repeats_like_torch():
    def build(lib):
        return lib.nn.ModuleList(
            [lib.nn.Linear(2, 2) for _ in range(3)]
            + [lib.nn.ReLU()]
            + [lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU()) for _ in range(2)]
            + [lib.nn.Linear(2, 3)]
        )

    assert repr(build(ember)) == repr(build(torch))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"


def test_module_list_of_blocks_trains_every_parameter():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    x = ember.ones(1, 2)
    for layer in ml:
        x = layer(x)
    x.sum().backward()
    assert all(p.grad is not None for p in ml.parameters())
    assert len(list(ml.parameters())) == 6


# -- ModuleDict ----------------------------------------------------------------------------
def test_module_dict_behaves_like_torch():
    def run(lib):
        md = lib.nn.ModuleDict({"b": lib.nn.Linear(2, 2), "a": lib.nn.ReLU()})
        md["c"] = lib.nn.Linear(2, 1)
        md.update([("d", lib.nn.Tanh()), ("b", lib.nn.Linear(2, 4))])
        md.update(OrderedDict([("e", lib.nn.Identity())]))
        popped = md.pop("a")
        del md["d"]
        return md, popped

    (e, epop), (t, tpop) = run(ember), run(torch)
    assert list(e.keys()) == list(t.keys())
    assert [repr(v) for v in e.values()] == [repr(v) for v in t.values()]
    assert [k for k, _ in e.items()] == [k for k, _ in t.items()]
    assert list(e) == list(t) and len(e) == len(t)
    assert ("c" in e) and ("a" not in e) and repr(epop) == repr(tpop)
    assert repr(e) == repr(t) and _keys(e) == _keys(t)
    _same_error(lambda: e.update(3), lambda: t.update(3))
    _same_error(lambda: e.update([("x",)]), lambda: t.update([("x",)]))
    _same_error(lambda: e.update([3]), lambda: t.update([3]))
    e.clear()
    assert len(e) == 0


# -- ParameterList / ParameterDict ---------------------------------------------------------
def test_parameter_list_behaves_like_torch():
    def run(lib):
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(4)])
        pl.append(lib.nn.Parameter(lib.ones(1, dtype=lib.float64)))
        pl.extend([lib.ones(2, 2)])
        pl += [lib.nn.Parameter(lib.ones(3), requires_grad=False)]
        pl.append("not a tensor")
        pl[1] = lib.full((5,), 2.0)
        return pl

    e, t = run(ember), run(torch)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert _keys(e) == _keys(t)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(e[1], nn.Parameter) and isinstance(e[3], nn.Parameter)
    assert e[-1] == "not a tensor" and len(e) == len(t) == 6
    assert isinstance(e[1:3], nn.ParameterList) and len(e[1:3]) == 2
    assert not e[4].requires_grad
    _same_error(lambda: e[6], lambda: t[6])
    _same_error(lambda: e.extend(ember.ones(2)), lambda: t.extend(torch.ones(2)))
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        e(1)


def test_parameter_list_in_a_module_has_torch_state_dict_keys():
    def build(lib):
        m = lib.nn.Module()
        m.scales = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)) for _ in range(2)])
        m.table = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.ones(1))})
        return m

    assert _keys(build(ember)) == _keys(build(torch))
    assert repr(build(ember)) == repr(build(torch)).replace("torch.", "ember.")


def test_parameter_dict_behaves_like_torch():
    def run(lib):
        pd = lib.nn.ParameterDict({"z": lib.nn.Parameter(lib.ones(2)), "a": lib.zeros(1)})
        pd["m"] = lib.nn.Parameter(lib.ones(2, 2))
        pd.update([("k", lib.ones(3))])
        pd.update(OrderedDict([("y", lib.ones(1)), ("b", lib.ones(1))]))
        pd.setdefault("q", lib.nn.Parameter(lib.ones(4)))
        pd["text"] = "not a tensor"
        popped = pd.pop("a")
        key, last = pd.popitem()
        del pd["k"]
        return pd, popped, key, last

    (e, epop, ekey, elast), (t, tpop, tkey, tlast) = run(ember), run(torch)
    assert list(e.keys()) == list(t.keys()) and list(e) == list(t)
    assert ekey == tkey and elast == tlast
    assert tuple(epop.shape) == tuple(tpop.shape) and isinstance(epop, nn.Parameter)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert _keys(e) == _keys(t)
    assert "m" in e and e.get("missing", 3) == 3
    assert list(reversed(e)) == list(reversed(t))
    assert list(e.copy().keys()) == list(t.copy().keys())
    merged_e = e | nn.ParameterDict({"new": nn.Parameter(ember.ones(1))})
    merged_t = t | torch.nn.ParameterDict({"new": torch.nn.Parameter(torch.ones(1))})
    assert list(merged_e.keys()) == list(merged_t.keys())
    assert list(e.fromkeys(["u", "v"]).keys()) == ["u", "v"]
    _same_error(lambda: e[3], lambda: t[3])
    e.clear()
    assert len(e) == 0
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        e(1)


def test_containers_deepcopy_and_load_between_twins():
    import copy

    e = nn.ModuleDict({"enc": nn.Sequential(nn.Linear(2, 3), nn.ReLU()), "dec": nn.Linear(3, 2)})
    t = torch.nn.ModuleDict(
        {
            "enc": torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()),
            "dec": torch.nn.Linear(3, 2),
        }
    )
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    clone = copy.deepcopy(e)
    for (name, p), (_, q) in zip(e.named_parameters(), clone.named_parameters()):
        assert p is not q
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)
