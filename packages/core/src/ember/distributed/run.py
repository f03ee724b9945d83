"""``python -m ember.distributed.run``: a torchrun-like launcher over ``mpiexec``.

    python -m ember.distributed.run --nproc-per-node 4 train.py --lr 0.1
    python -m ember.distributed.run --nproc-per-node 8 --hostfile hosts train.py

It runs ``mpiexec`` with ``-n nproc*nnodes`` (``-ppn``/``-f`` with a hostfile), starting each
rank through :mod:`ember.distributed._bootstrap`, which sets ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` and ``LOCAL_WORLD_SIZE``. With MPICH's Hydra it passes
``-disable-auto-cleanup`` so that when a rank dies the survivors are not killed but see a
``DistBackendError`` from their next collective; a rank failing with a Python exception
aborts the job instead (see the bootstrap).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

__all__ = ["build_command", "main", "mpiexec_flavour"]


def _mpiexec(path: str | None) -> str:
    if path:
        return path
    found = shutil.which("mpiexec")
    if found is None:  # the mpich wheel installs it next to the interpreter
        candidate = os.path.join(os.path.dirname(sys.executable), "mpiexec")
        if os.path.exists(candidate):
            return candidate
        raise SystemExit(
            "ember.distributed.run: mpiexec not found; pip install 'ember[distributed]' "
            "(mpi4py + mpich) or put an MPI launcher on PATH"
        )
    return found


def mpiexec_flavour(mpiexec: str) -> str:
    """``'hydra'`` (MPICH), ``'openmpi'`` or ``'unknown'``, from ``mpiexec --version``."""
    try:
        text = subprocess.run(
            [mpiexec, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if "HYDRA" in text or "MPICH" in text:
        return "hydra"
    if "Open MPI" in text or "OpenRTE" in text:
        return "openmpi"
    return "unknown"


def _hosts(hostfile: str) -> int:
    with open(hostfile) as f:
        lines = [ln.split("#")[0].strip() for ln in f]
    hosts = [ln for ln in lines if ln]
    if not hosts:
        raise SystemExit(f"ember.distributed.run: hostfile {hostfile!r} lists no hosts")
    return len(hosts)


def build_command(args: argparse.Namespace, flavour: str) -> list[str]:
    """The ``mpiexec`` command line that starts every rank of ``args``.

    >>> from ember.distributed.run import build_command, parse_args
    >>> build_command(parse_args(["--nproc-per-node", "2", "t.py"]), "hydra")[1:4]
    ['-disable-auto-cleanup', '-n', '2']
    """
    mpiexec = args.mpiexec or "mpiexec"
    nnodes = _hosts(args.hostfile) if args.hostfile else args.nnodes
    cmd = [mpiexec]
    if flavour == "hydra":
        cmd.append("-disable-auto-cleanup")
    cmd += ["-n", str(args.nproc_per_node * nnodes)]
    if args.hostfile:
        if flavour == "openmpi":
            cmd += ["--hostfile", args.hostfile, "--map-by", f"ppr:{args.nproc_per_node}:node"]
        else:
            cmd += ["-f", args.hostfile, "-ppn", str(args.nproc_per_node)]
    cmd += [sys.executable, "-m", "ember.distributed._bootstrap"]
    if args.module:
        cmd.append("-m")
    cmd += [args.script, *args.script_args]
    return cmd


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the launcher's command line (torchrun's spelling of the common options)."""
    p = argparse.ArgumentParser(
        prog="python -m ember.distributed.run",
        description="Start N ranks of a script with mpiexec (torchrun-like).",
    )
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1)
    p.add_argument("--nnodes", type=int, default=1)
    p.add_argument("--hostfile", default=None, help="MPI hostfile, one host per line")
    p.add_argument("--mpiexec", default=None, help="path of the mpiexec to use")
    p.add_argument("-m", "--module", action="store_true", help="run script as a module")
    p.add_argument("script")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.nproc_per_node < 1 or args.nnodes < 1:
        p.error("--nproc-per-node and --nnodes must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Launch the ranks and return mpiexec's exit status."""
    args = parse_args(argv)
    args.mpiexec = _mpiexec(args.mpiexec)
    cmd = build_command(args, mpiexec_flavour(args.mpiexec))
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
