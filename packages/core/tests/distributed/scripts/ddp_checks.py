"""DDP checks, run on every rank by ``mpiexec -n 2 python ddp_checks.py``.

Each check prints ``PASS <name>`` on rank 0 or raises; test_ddp.py asserts on the lines.
The reference is single-process training on the whole batch, computed on every rank.
"""

import copy

import numpy as np

import ember
import ember.distributed as dist
import ember.nn.functional as F
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group()
RANK = dist.get_rank()
WORLD = dist.get_world_size()
BATCH = 8  # whole batch; each rank takes BATCH // WORLD rows


def report(name: str) -> None:
    dist.barrier()
    if RANK == 0:
        print(f"PASS {name}", flush=True)


def make_model() -> nn.Module:
    ember.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, 5),
        nn.Tanh(),
        nn.Linear(5, 2),
    ).double()


def data(seed: int):
    rng = np.random.default_rng(seed)
    x = ember.tensor(rng.standard_normal((BATCH, 2, 4, 4)))
    y = ember.tensor(rng.standard_normal((BATCH, 2)))
    return x, y


def local(t):
    n = BATCH // WORLD
    return t[RANK * n : (RANK + 1) * n]


def assert_close(a, b, what: str, rtol: float = 1e-6) -> None:
    a, b = a.detach().numpy(), b.detach().numpy()
    err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-12)
    assert err <= rtol, f"{what}: relative error {err:.3g} > {rtol} on rank {RANK}"


def assert_same_across_ranks(model: nn.Module, what: str) -> None:
    for name, p in model.state_dict().items():
        mine = p.detach().clone()
        theirs = p.detach().clone()
        dist.broadcast(theirs, src=0)
        assert np.array_equal(mine.numpy(), theirs.numpy()), f"{what}: {name} differs by rank"


def train_matches_single_process(bucket_cap_mb: float, name: str) -> None:
    ref = make_model()
    model = copy.deepcopy(ref)
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb)
    opt_ref = ember.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    opt = ember.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    for step in range(10):
        x, y = data(step)
        opt_ref.zero_grad()
        F.mse_loss(ref(x), y).backward()
        opt_ref.step()
        opt.zero_grad()
        F.mse_loss(ddp(local(x)), local(y)).backward()
        opt.step()
    for (n, p), q in zip(ref.named_parameters(), model.parameters()):
        assert_close(q, p, f"{name} {n}")
    assert_same_across_ranks(model, name)
    report(name)


def ranks_start_equal() -> None:
    ember.manual_seed(RANK)  # different init on each rank
    model = nn.Linear(3, 2)
    model.register_buffer("stat", ember.full((2,), float(RANK)))
    DDP(model)
    assert_same_across_ranks(model, "broadcast at construction")
    assert float(model.stat[0]) == 0.0
    report("ranks_start_equal")


def buffers_broadcast_each_forward() -> None:
    seen = []
    x = ember.tensor(np.random.default_rng(RANK).standard_normal((4, 3)))
    for flag in (True, False):
        model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).double()
        model[1].register_forward_pre_hook(lambda m, a: seen.append(m.running_mean.clone()))
        ddp = DDP(model, broadcast_buffers=flag)
        ddp(x)  # rank-local batch statistics: running stats now differ by rank
        ddp(x)
        start, rank0 = seen[-1], seen[-1].clone()
        dist.broadcast(rank0, src=0)
        # With the flag the 2nd forward started from rank 0's buffers on every rank.
        same = np.array_equal(start.numpy(), rank0.numpy())
        assert same == (flag or RANK == 0), f"broadcast_buffers={flag}: same={same}"
    report("buffers_broadcast_each_forward")


def no_sync_accumulation() -> None:
    ref = make_model()
    model = copy.deepcopy(ref)
    ddp = DDP(model)
    x, y = data(42)
    # One big step on the whole batch = two micro-batches per rank, summed.
    F.mse_loss(ref(x), y, reduction="sum").backward()
    xl, yl = local(x), local(y)
    half = len(xl) // 2
    with ddp.no_sync():
        F.mse_loss(ddp(xl[:half]), yl[:half], reduction="sum").backward()
    local_grad = next(model.parameters()).grad.clone()
    F.mse_loss(ddp(xl[half:]), yl[half:], reduction="sum").backward()
    for (n, p), q in zip(ref.named_parameters(), model.parameters()):
        assert_close(q.grad * WORLD, p.grad, f"no_sync {n}")
    # Inside no_sync the gradient was purely local (no averaging happened).
    assert not np.allclose(local_grad.numpy() * WORLD, next(ref.parameters()).grad.numpy())
    report("no_sync_accumulation")


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)

    def forward(self, x, use_b: bool):
        return self.b(x) if use_b else self.a(x)


def find_unused_parameters() -> None:
    ember.manual_seed(0)
    model = TwoHeads().double()
    ddp = DDP(model, find_unused_parameters=True)
    x = ember.tensor(np.random.default_rng(RANK).standard_normal((4, 3)))
    ddp(x, use_b=False).sum().backward()  # b unused everywhere: its grads stay None
    assert model.b.weight.grad is None and model.a.weight.grad is not None
    a_grad = model.a.weight.grad.clone()
    model.zero_grad()
    # Rank 0 uses a, rank 1 uses b: each gets the other's gradient averaged with zeros.
    ddp(x, use_b=RANK == 1).sum().backward()
    assert model.a.weight.grad is not None and model.b.weight.grad is not None
    g = model.a.weight.grad.clone()
    dist.broadcast(g, src=0)
    assert np.array_equal(g.numpy(), model.a.weight.grad.numpy())
    if RANK == 0:
        mine = ember.autograd.grad(model.a(x).sum(), model.a.weight)[0]
        assert_close(model.a.weight.grad, mine / WORLD, "unused rank-dependent")
    del a_grad
    report("find_unused_parameters")


def unused_without_flag_errors() -> None:
    ember.manual_seed(0)
    model = TwoHeads().double()
    ddp = DDP(model)
    x = ember.ones(2, 3, dtype=ember.float64)
    ddp(x, use_b=False).sum().backward()
    try:
        ddp(x, use_b=False)
    except RuntimeError as e:
        assert "find_unused_parameters" in str(e)
    else:
        raise AssertionError("expected an error about unused parameters")
    report("unused_without_flag_errors")


def bucket_layout() -> None:
    # Reverse parameter order; the first bucket capped at 1 MiB, later ones at bucket_cap_mb.
    model = nn.Sequential(nn.Linear(10, 10), nn.Linear(400, 400), nn.Linear(400, 400))
    names = {id(p): n for n, p in model.named_parameters()}
    ddp = DDP(model, bucket_cap_mb=2)
    layout = [[names[id(p)] for p in b] for b in ddp._bucket_params]
    # 2.weight and 1.weight are 640 KB each: the second does not fit the first bucket.
    assert layout == [
        ["2.bias", "2.weight", "1.bias"],
        ["1.weight", "0.bias", "0.weight"],
    ], layout
    report("bucket_layout")


def state_dict_keys() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    ddp = DDP(model)
    keys = list(ddp.state_dict())
    assert keys == ["module." + k for k in model.state_dict()], keys
    assert ddp.module is model
    report("state_dict_keys")


train_matches_single_process(25, "train_one_bucket")
train_matches_single_process(0.0001, "train_many_buckets")
ranks_start_equal()
buffers_broadcast_each_forward()
no_sync_accumulation()
find_unused_parameters()
unused_without_flag_errors()
bucket_layout()
state_dict_keys()
if RANK == 0:
    print("DONE", flush=True)
