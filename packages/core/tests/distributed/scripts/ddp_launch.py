"""Start a check script on real MPI ranks for the distributed tests (shared helper).

``run_checks(script)`` runs ``mpiexec -n 2 python scripts/<script>`` once and returns the
names the script printed as ``PASS <name>``; it skips the test when mpi4py or mpiexec is
missing and fails with the ranks' output when the script fails.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent
RANKS = 2


def mpiexec() -> str | None:
    """The MPI launcher: on PATH, or next to the interpreter (where the mpich wheel puts it)."""
    found = shutil.which("mpiexec")
    beside = Path(sys.executable).parent / "mpiexec"
    return found or (str(beside) if beside.exists() else None)


def mpi_missing() -> str | None:
    """Why MPI tests cannot run here, or None when they can."""
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed"
    if mpiexec() is None:
        return "mpiexec is not on PATH"
    return None


def run_checks(script: str, timeout: float = 180) -> tuple[set[str], str]:
    """Run ``script`` on ``RANKS`` ranks; return (names that passed, combined output)."""
    reason = mpi_missing()
    if reason:
        pytest.skip(reason)
    env = dict(os.environ, PYTHONWARNINGS="error", OMP_NUM_THREADS="1")
    cmd = [mpiexec(), "-n", str(RANKS), sys.executable, str(SCRIPTS / script)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    out = proc.stdout + proc.stderr
    passed = {
        line.split(" ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("PASS ")
    }
    if proc.returncode != 0 or "DONE" not in proc.stdout:
        pytest.fail(f"{script} failed (exit {proc.returncode}):\n{out[-4000:]}")
    return passed, out
