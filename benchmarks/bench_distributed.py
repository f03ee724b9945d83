"""Distributed: 4 MB all-reduce latency and the DDP step of the MLP workload on 2 MPI ranks.

Both run inside ``mpiexec -n 2`` (``_dist_rank.py``): Ember's MPI backend against PyTorch's
gloo backend, alternately, in the same processes. The DDP row's ratio is Ember's DDP step
over PyTorch's; the run also prints each framework's DDP overhead (DDP step over the same
step without DDP). Skipped when mpi4py/mpiexec are missing.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys

from benchmarks._harness import Measured, workload


@functools.cache
def _run(quick: bool) -> dict:
    mpiexec = shutil.which("mpiexec") or os.path.join(os.path.dirname(sys.executable), "mpiexec")
    cmd = [mpiexec, "-n", "2", sys.executable, "-m", "benchmarks._dist_rank"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(
        cmd + (["--quick"] if quick else []), capture_output=True, text=True, timeout=600, env=env
    )
    if out.returncode != 0:
        raise RuntimeError(
            f"distributed benchmark failed:\n{out.stdout[-1500:]}\n{out.stderr[-3000:]}"
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


@workload("all_reduce 4 MB float32, 2 ranks (MPI vs gloo)")
def allreduce_4mb(quick: bool) -> Measured:
    r = _run(quick)["allreduce"]
    return Measured(r["ember_s"], r["torch_s"], r["ratio"])


@workload("DDP MLP step, 2 ranks x 64 (MPI vs gloo)", target=1.5)
def ddp_mlp_step(quick: bool) -> Measured:
    data = _run(quick)
    r, o = data["ddp_step"], data["ddp_overhead"]
    note = f"DDP overhead vs local step: ember {o['ember']:.2f}x, torch {o['torch']:.2f}x"
    return Measured(r["ember_s"], r["torch_s"], r["ratio"], note=note)
