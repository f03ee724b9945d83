"""Per-rank entry point used by ``ember.distributed.run``: torchrun-style env, then the script.

``mpiexec`` starts ``python -m ember.distributed._bootstrap [-m] target args...`` on every
rank. This sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and ``LOCAL_WORLD_SIZE`` from the
launcher's variables (MPICH/Hydra ``PMI_*``/``MPI_LOCAL*``, Open MPI ``OMPI_COMM_WORLD_*``)
and runs the target as ``__main__``. An uncaught exception in the target aborts the whole
MPI job after printing its traceback, so peers never wait out a timeout for a rank that
already failed (as torchrun tears down the other workers).
"""

from __future__ import annotations

import os
import runpy
import sys
import time
import traceback

__all__ = ["launcher_env", "main"]

_SOURCES = (
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),
    (
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "OMPI_COMM_WORLD_LOCAL_RANK",
        "OMPI_COMM_WORLD_LOCAL_SIZE",
    ),
)


def launcher_env(environ=os.environ) -> dict[str, str]:
    """torchrun's variables derived from the MPI launcher's, or ``{}`` if none is set.

    >>> from ember.distributed._bootstrap import launcher_env
    >>> launcher_env({"PMI_RANK": "1", "PMI_SIZE": "2"})["WORLD_SIZE"]
    '2'
    """
    for rank, size, local_rank, local_size in _SOURCES:
        if rank in environ and size in environ:
            return {
                "RANK": environ[rank],
                "WORLD_SIZE": environ[size],
                "LOCAL_RANK": environ.get(local_rank, environ[rank]),
                "LOCAL_WORLD_SIZE": environ.get(local_size, environ[size]),
                "GROUP_RANK": "0",
            }
    return {}


def main(argv: list[str] | None = None) -> None:
    """Set the rank variables and run ``argv`` (``[-m] target args...``) as ``__main__``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        raise SystemExit("ember.distributed._bootstrap: expected a script (or -m module) to run")
    os.environ.update(launcher_env())
    as_module = argv[0] == "-m"
    if as_module:
        argv = argv[1:]
    target = argv[0]
    sys.argv = argv
    try:
        if as_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            _abort(e.code if isinstance(e.code, int) else 1)
        raise
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        _abort(1)


def _abort(code: int) -> None:
    if "mpi4py.MPI" in sys.modules:  # only if the script started MPI; else a plain exit
        sys.stderr.write(
            f"ember.distributed: rank {os.environ.get('RANK', '?')} failed; aborting the job\n"
        )
        sys.stderr.flush()
        # Hydra forwards each rank's stderr asynchronously and Abort tears the job down at
        # once: give it a moment so the traceback above reaches the user.
        time.sleep(0.5)
        sys.modules["mpi4py.MPI"].COMM_WORLD.Abort(code)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
