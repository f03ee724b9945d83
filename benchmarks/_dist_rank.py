"""One rank of the distributed benchmarks: ``mpiexec -n 2 python -m benchmarks._dist_rank``.

Each rank joins Ember's MPI process group and PyTorch's gloo group, then times, alternately:
a 4 MB float32 all-reduce with each, and a DDP training step of the MLP workload (each rank
on half of the batch of 128) against the same step without DDP on one process's half batch,
so the DDP overhead of each framework is (DDP step / local step). Rank 0 prints one JSON line.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import sys
import time

import numpy
import torch
import torch.distributed as tdist

import ember
import ember.distributed as edist
from benchmarks._common import copy_weights, inputs, labels, train_step


def _median_pairs(ember_fn, torch_fn, repeat, number, barrier):
    es, ts = [], []
    for _ in range(repeat):
        for fn, out in ((ember_fn, es), (torch_fn, ts)):
            barrier()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            out.append((time.perf_counter() - start) / number)
    return statistics.median(es), statistics.median(ts), [e / t for e, t in zip(es, ts)]


def _mlp(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )


def main() -> None:
    quick = "--quick" in sys.argv
    edist.init_process_group("mpi")
    rank, world = edist.get_rank(), edist.get_world_size()
    tdist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{os.environ.get('EMBER_BENCH_PORT', '29517')}",
        rank=rank,
        world_size=world,
        timeout=datetime.timedelta(seconds=120),
    )
    torch.set_num_threads(1)  # two ranks share the two cores
    barrier = edist.barrier
    n = 1024 if quick else 1 << 20  # 4 MB of float32
    x = numpy.ones(n, dtype=numpy.float32)
    et, tt = ember.from_numpy(x.copy()), torch.from_numpy(x.copy())
    repeat, number = (1, 2) if quick else (15, 10)
    ar = _median_pairs(
        lambda: edist.all_reduce(et), lambda: tdist.all_reduce(tt), repeat, number, barrier
    )

    batch = 8 if quick else 128
    half = batch // world
    torch.manual_seed(0)
    t_model = _mlp(torch)
    e_model = _mlp(ember)
    copy_weights(e_model, t_model)
    ex, tx = inputs(batch, 784)
    ey, ty = labels(batch)
    sl = slice(rank * half, (rank + 1) * half)
    ex, tx, ey, ty = ex[sl], tx[sl], ey[sl], ty[sl]
    e_ddp = ember.nn.parallel.DistributedDataParallel(e_model)
    t_ddp = torch.nn.parallel.DistributedDataParallel(t_model)

    def step(lib, model, x, y):
        return train_step(lib, model, x, y, lib.optim.Adam(model.parameters(), lr=1e-3))

    e_local, t_local = step(ember, e_model, ex, ey), step(torch, t_model, tx, ty)
    e_step, t_step = step(ember, e_ddp, ex, ey), step(torch, t_ddp, tx, ty)
    r2 = (1, 1) if quick else (9, 5)
    for fn in (e_local, t_local, e_step, t_step):
        fn()
    ddp = _median_pairs(e_step, t_step, *r2, barrier)
    local = _median_pairs(e_local, t_local, *r2, barrier)
    if rank == 0:
        print(
            json.dumps(
                {
                    "allreduce": {
                        "ember_s": ar[0],
                        "torch_s": ar[1],
                        "ratio": statistics.median(ar[2]),
                    },
                    "ddp_step": {
                        "ember_s": ddp[0],
                        "torch_s": ddp[1],
                        "ratio": statistics.median(ddp[2]),
                    },
                    "local_step": {"ember_s": local[0], "torch_s": local[1]},
                    "ddp_overhead": {"ember": ddp[0] / local[0], "torch": ddp[1] / local[1]},
                }
            )
        )
    tdist.destroy_process_group()
    edist.destroy_process_group()


if __name__ == "__main__":
    main()
