"""Start real MPI ranks for the tests and collect their JSON results (imported by tests)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent


def find_mpiexec():
    """The mpiexec to use, or None when MPI (mpi4py + a launcher) is not installed."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None
    found = shutil.which("mpiexec")
    if found is None:
        candidate = Path(sys.executable).parent / "mpiexec"
        found = str(candidate) if candidate.exists() else None
    return found


MPIEXEC = find_mpiexec()


def run_ranks(args, out_dir, nproc=2, timeout=60, launcher=False, env=None):
    """Run ``args`` (a script and its arguments) on ``nproc`` ranks; return (proc, results).

    ``launcher=True`` goes through ``python -m ember.distributed.run``; otherwise plain
    ``mpiexec -disable-auto-cleanup -n N python ...`` (survivors of a dead rank keep running).
    ``results`` maps each rank that wrote ``$EMBER_DIST_OUT/rank<r>.json`` to its dict.
    """
    if MPIEXEC is None:
        pytest.skip("needs mpi4py and mpiexec (pip install 'ember[distributed]')")
    environ = dict(os.environ, EMBER_DIST_OUT=str(out_dir), **(env or {}))
    if launcher:
        cmd = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc)]
    else:
        cmd = [MPIEXEC, "-disable-auto-cleanup", "-n", str(nproc), sys.executable]
    proc = subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=environ
    )
    results = {}
    for path in Path(out_dir).glob("rank*.json"):
        results[int(path.stem[4:])] = json.loads(path.read_text())
    return proc, results
