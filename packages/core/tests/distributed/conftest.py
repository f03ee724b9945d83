"""MPI test helpers: scripts/ on sys.path and an ``mpi_run`` fixture (see coll_launch.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "scripts"))

# scripts/ holds the programs each MPI rank runs, not tests: --doctest-modules must not
# import them (they read the launcher's environment at import).
collect_ignore_glob = ["scripts/*"]

from coll_launch import SCRIPTS, run_ranks  # noqa: E402


@pytest.fixture
def mpi_run(tmp_path):
    """``mpi_run(script_name, *args, nproc=2, ...)`` runs a script from scripts/ on N ranks."""

    def run(script, *args, **kwargs):
        return run_ranks([SCRIPTS / script, *args], tmp_path, **kwargs)

    return run
