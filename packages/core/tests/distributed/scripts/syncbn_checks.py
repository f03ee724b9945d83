"""SyncBatchNorm checks, run by ``mpiexec -n 2 python syncbn_checks.py``.

Each check prints ``PASS <name>`` on rank 0 or raises; test_syncbn.py asserts on the
lines. The reference is one BatchNorm on the whole (concatenated) batch, on every rank.
"""

import copy

import numpy as np

import ember
import ember.distributed as dist
from ember import nn
from ember.nn.modules._sync_batchnorm import SyncBatchNorm
from ember.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group()
RANK = dist.get_rank()
WORLD = dist.get_world_size()


def report(name: str) -> None:
    dist.barrier()
    if RANK == 0:
        print(f"PASS {name}", flush=True)


def assert_close(a, b, what: str, rtol: float = 1e-6) -> None:
    a, b = a.detach().numpy(), b.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-12)
    assert err <= rtol, f"{what}: relative error {err:.3g} > {rtol} on rank {RANK}"


def summed(t):
    t = t.detach().clone()
    dist.all_reduce(t)
    return t


def matches_batchnorm(shape, dtype, rtol, name: str) -> None:
    rng = np.random.default_rng(0)
    n = shape[0]
    x_all = ember.tensor(rng.standard_normal(shape) * 3 + 1, dtype=dtype)
    g_all = ember.tensor(rng.standard_normal(shape), dtype=dtype)
    bn = {3: nn.BatchNorm1d, 4: nn.BatchNorm2d}[len(shape)](shape[1]).to(dtype)
    with ember.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    sbn = SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(bn))
    assert isinstance(sbn, SyncBatchNorm)
    per = n // WORLD
    x_all.requires_grad_(True)
    x = x_all.detach()[RANK * per : (RANK + 1) * per].clone().requires_grad_(True)
    for _ in range(2):  # twice: running stats accumulate over steps
        y_ref = bn(x_all)
        y = sbn(x)
    assert_close(y, y_ref[RANK * per : (RANK + 1) * per], f"{name} output", rtol)
    (y_ref * g_all).sum().backward()
    (y * g_all[RANK * per : (RANK + 1) * per]).sum().backward()
    assert_close(x.grad, x_all.grad[RANK * per : (RANK + 1) * per], f"{name} input grad", rtol)
    # Parameter grads are local sums: the ranks' grads add up to the full-batch grad.
    assert_close(summed(sbn.weight.grad), bn.weight.grad, f"{name} weight grad", rtol)
    assert_close(summed(sbn.bias.grad), bn.bias.grad, f"{name} bias grad", rtol)
    for k in ("running_mean", "running_var"):
        assert_close(getattr(sbn, k), getattr(bn, k), f"{name} {k}", rtol)
    assert int(sbn.num_batches_tracked) == 2
    # Eval uses the (equal) running statistics, no communication.
    sbn.eval()
    bn.eval()
    assert_close(sbn(x), bn(x), f"{name} eval", rtol)
    report(name)


def unequal_batches() -> None:
    # Ranks may hold different batch sizes: statistics weight every sample equally.
    rng = np.random.default_rng(1)
    x_all = ember.tensor(rng.standard_normal((5, 3, 2)))
    bn = nn.BatchNorm1d(3).double()
    sbn = SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(bn))
    cut = 2
    part = x_all[:cut] if RANK == 0 else x_all[cut:]
    y_ref = bn(x_all)
    y = sbn(part)
    assert_close(y, y_ref[:cut] if RANK == 0 else y_ref[cut:], "unequal output")
    assert_close(sbn.running_var, bn.running_var, "unequal running_var")
    report("unequal_batches")


def ddp_training_with_syncbn() -> None:
    ember.manual_seed(0)
    ref = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten()).double()
    model = SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(ref))
    ddp = DDP(model)
    opt_ref = ember.optim.SGD(ref.parameters(), lr=0.1)
    opt = ember.optim.SGD(ddp.parameters(), lr=0.1)
    for step in range(5):
        rng = np.random.default_rng(step)
        x = ember.tensor(rng.standard_normal((4, 2, 5, 5)))
        opt_ref.zero_grad()
        ref(x).pow(2).mean().backward()
        opt_ref.step()
        opt.zero_grad()
        ddp(x[RANK * 2 : RANK * 2 + 2]).pow(2).mean().backward()
        opt.step()
    for (k, v), w in zip(ref.state_dict().items(), model.state_dict().values()):
        if v.dtype.is_floating_point:
            assert_close(w, v, f"ddp+syncbn {k}")
    report("ddp_training_with_syncbn")


matches_batchnorm((8, 3, 4), ember.float64, 1e-9, "matches_batchnorm1d_float64")
matches_batchnorm((4, 5, 3, 3), ember.float32, 2e-5, "matches_batchnorm2d_float32")
unequal_batches()
ddp_training_with_syncbn()
if RANK == 0:
    print("DONE", flush=True)
