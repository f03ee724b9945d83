"""FSDP and ZeroRedundancyOptimizer checks, run by ``mpiexec -n 2 python fsdp_zero_checks.py``.

Each check prints ``PASS <name>`` on rank 0 or raises; test_fsdp_zero.py asserts on the
lines. The reference is single-process training on the whole batch, on every rank.
"""

import copy
import functools

import numpy as np

import ember
import ember.distributed as dist
import ember.nn.functional as F
from ember import nn
from ember.distributed.fsdp import (
    FullStateDictConfig,
    StateDictType,
)
from ember.distributed.fsdp import (
    FullyShardedDataParallel as FSDP,
)
from ember.distributed.fsdp.wrap import ModuleWrapPolicy, size_based_auto_wrap_policy
from ember.distributed.optim import ZeroRedundancyOptimizer
from ember.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group()
RANK = dist.get_rank()
WORLD = dist.get_world_size()
BATCH = 8


def report(name: str) -> None:
    dist.barrier()
    if RANK == 0:
        print(f"PASS {name}", flush=True)


def make_model() -> nn.Module:
    ember.manual_seed(0)
    return nn.Sequential(
        nn.Linear(6, 7),  # 49 params: odd sizes exercise the shard padding
        nn.Tanh(),
        nn.Sequential(nn.Linear(7, 5), nn.Tanh()),
        nn.Linear(5, 3),
    ).double()


def data(step: int):
    rng = np.random.default_rng(step)
    return (
        ember.tensor(rng.standard_normal((BATCH, 6))),
        ember.tensor(rng.standard_normal((BATCH, 3))),
    )


def local(t):
    n = BATCH // WORLD
    return t[RANK * n : (RANK + 1) * n]


def assert_close(a, b, what: str, rtol: float = 1e-6) -> None:
    a, b = a.detach().numpy(), b.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-12)
    assert err <= rtol, f"{what}: relative error {err:.3g} > {rtol} on rank {RANK}"


def assert_same_across_ranks(tensors: dict, what: str) -> None:
    for name, t in tensors.items():
        theirs = t.detach().clone()
        dist.broadcast(theirs, src=0)
        assert np.array_equal(t.detach().numpy(), theirs.numpy()), f"{what}: {name} differs"


def train(ref, model, opt_ref, opt, steps=10) -> None:
    for step in range(steps):
        x, y = data(step)
        opt_ref.zero_grad()
        F.mse_loss(ref(x), y).backward()
        opt_ref.step()
        opt.zero_grad()
        F.mse_loss(model(local(x)), local(y)).backward()
        opt.step()


def fsdp_matches_single_process(policy, name: str) -> None:
    ref = make_model()
    fsdp = FSDP(copy.deepcopy(ref), auto_wrap_policy=policy)
    n_units = sum(isinstance(m, FSDP) for m in fsdp.modules())
    assert n_units == (1 if policy is None else 4), n_units
    # Only the shards are parameters: about half of the model per rank.
    total = sum(p.numel() for p in ref.parameters())
    mine = sum(p.numel() for p in fsdp.parameters())
    assert mine < total, (mine, total)
    opt_ref = ember.optim.Adam(ref.parameters(), lr=0.01)
    opt = ember.optim.Adam(fsdp.parameters(), lr=0.01)
    train(ref, fsdp, opt_ref, opt)
    sd = fsdp.state_dict()
    assert list(sd) == list(ref.state_dict()), list(sd)
    for k, v in ref.state_dict().items():
        assert_close(sd[k], v, f"{name} {k}")
    assert_same_across_ranks(sd, name)
    report(name)


def fsdp_frees_and_regathers() -> None:
    fsdp = FSDP(make_model())
    inner = fsdp.module[0]
    assert inner.weight.numel() == 0  # between uses only the shard exists
    seen = []
    inner.register_forward_pre_hook(lambda m, a: seen.append(m.weight.shape))
    x, y = data(0)
    out = fsdp(local(x))
    assert tuple(seen[-1]) == (7, 6), seen
    assert inner.weight.numel() == 0
    loss = F.mse_loss(out, local(y))
    loss.backward(retain_graph=True)
    first = fsdp._flat_param.grad.clone()
    loss.backward()  # the gathered copy was freed after the first backward: gathered again
    assert_close(fsdp._flat_param.grad, first * 2, "retain_graph backward")
    report("fsdp_frees_and_regathers")


def fsdp_state_dict_rank0_only_and_load() -> None:
    ref = make_model()
    fsdp = FSDP(copy.deepcopy(ref), auto_wrap_policy=ModuleWrapPolicy({nn.Linear}))
    cfg = FullStateDictConfig(offload_to_cpu=True, rank0_only=True)
    with FSDP.state_dict_type(fsdp, StateDictType.FULL_STATE_DICT, cfg):
        sd = fsdp.state_dict()
    assert (len(sd) > 0) == (RANK == 0)
    # Load different weights on every rank from one full state dict; check they took.
    ember.manual_seed(123)
    other = make_model()
    for p in other.parameters():
        p.data.mul_(2.0)
    fsdp.load_state_dict(other.state_dict())
    for k, v in fsdp.state_dict().items():
        assert_close(v, other.state_dict()[k], f"load {k}")
    report("fsdp_state_dict_rank0_only_and_load")


def fsdp_sync_module_states() -> None:
    for sync in (True, False):
        ember.manual_seed(RANK)  # different weights per rank
        model = nn.Linear(3, 4).double()
        rank0 = {k: v.detach().clone() for k, v in model.state_dict().items()}
        for v in rank0.values():
            dist.broadcast(v, src=0)
        sd = FSDP(model, sync_module_states=sync).state_dict()
        # With the flag every rank starts from rank 0's weights; without, the shards mix.
        same = all(np.array_equal(sd[k].numpy(), v.numpy()) for k, v in rank0.items())
        assert same == sync, f"sync_module_states={sync}: equal to rank 0's = {same}"
    report("fsdp_sync_module_states")


def zero_matches_single_process(optimizer_class, kwargs, name: str) -> None:
    ref = make_model()
    model = copy.deepcopy(ref)
    ddp = DDP(model)
    opt_ref = optimizer_class(ref.parameters(), **kwargs)
    zero = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=optimizer_class, **kwargs)
    train(ref, ddp, opt_ref, zero)
    for (n, p), q in zip(ref.named_parameters(), model.parameters()):
        assert_close(q, p, f"{name} {n}")
    assert_same_across_ranks(dict(model.named_parameters()), name)
    # Each rank holds state only for its own shard; together they cover every parameter.
    owned = len(zero.optim.state)
    counts = ember.tensor([owned])
    dist.all_reduce(counts)
    assert 0 < owned < len(list(model.parameters()))
    assert int(counts[0]) == len(list(model.parameters()))
    report(name)


def zero_consolidate_state_dict() -> None:
    ref = make_model()
    model = copy.deepcopy(ref)
    opt_ref = ember.optim.Adam(ref.parameters(), lr=0.01)
    zero = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=ember.optim.Adam, lr=0.01)
    train(ref, DDP(model), opt_ref, zero, steps=2)
    try:
        zero.state_dict()
    except RuntimeError as e:
        assert "consolidate_state_dict" in str(e)
    else:
        raise AssertionError("state_dict before consolidation should fail")
    zero.consolidate_state_dict(to=0)
    if RANK == 0:
        full, expected = zero.state_dict(), opt_ref.state_dict()
        assert sorted(full["state"]) == sorted(expected["state"])
        for i, st in expected["state"].items():
            for k, v in st.items():
                assert_close(ember.as_tensor(full["state"][i][k]), ember.as_tensor(v), f"st {k}")
        assert [g["params"] for g in full["param_groups"]] == [
            g["params"] for g in expected["param_groups"]
        ]
    else:
        full = None
    # Round trip: every rank loads the full state and keeps its shard.
    obj = [full]
    if hasattr(dist, "broadcast_object_list"):
        dist.broadcast_object_list(obj, src=0)
        zero2 = ZeroRedundancyOptimizer(
            model.parameters(), optimizer_class=ember.optim.Adam, lr=0.01
        )
        zero2.load_state_dict(obj[0])
        assert len(zero2.optim.state) == len(zero.optim.state)
    report("zero_consolidate_state_dict")


fsdp_matches_single_process(None, "fsdp_one_unit")
fsdp_matches_single_process(
    functools.partial(size_based_auto_wrap_policy, min_num_params=1), "fsdp_nested_units"
)
fsdp_frees_and_regathers()
fsdp_state_dict_rank0_only_and_load()
fsdp_sync_module_states()
zero_matches_single_process(ember.optim.SGD, {"lr": 0.1, "momentum": 0.9}, "zero_sgd")
zero_matches_single_process(ember.optim.Adam, {"lr": 0.01}, "zero_adam")
zero_consolidate_state_dict()
if RANK == 0:
    print("DONE", flush=True)
