"""Run the workloads: ``python -m benchmarks [--quick] [NAME ...]`` from the repo root."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import pkgutil
import platform
import sys
from pathlib import Path

import benchmarks
from benchmarks._harness import WORKLOADS, Workload, format_header, format_row, run


def configure_threads() -> None:
    """Give PyTorch the same thread count BLAS got from the environment."""
    import torch

    torch.set_num_threads(benchmarks.THREADS)


def find_workloads() -> list[Workload]:
    """Import every ``bench_*`` module (their decorators fill WORKLOADS) and return them."""
    if not WORKLOADS:
        for module in pkgutil.iter_modules(benchmarks.__path__):
            if module.name.startswith("bench_"):
                importlib.import_module(f"benchmarks.{module.name}")
    return WORKLOADS


def machine() -> dict:
    """Cores, CPU model, BLAS and versions, for the JSON record and the README table."""
    import numpy
    import torch

    import ember

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_name = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - the BLAS line is informative only
        blas_name = "unknown"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "numpy_blas": blas_name,
        "threads": benchmarks.THREADS,
        "python": platform.python_version(),
        "ember": ember.__version__,
        "numpy": numpy.__version__,
        "torch": torch.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Time Ember against PyTorch."
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="run only workloads whose name contains NAME"
    )
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes, one sample: a smoke run of the harness"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument(
        "--json", default="benchmarks/results.json", help="where to write the results as JSON"
    )
    args = parser.parse_args(argv)

    configure_threads()
    workloads = find_workloads()
    selected = [w for w in workloads if not args.names or any(n in w.name for n in args.names)]
    if not selected:
        known = ", ".join(w.name for w in workloads)
        print(f"benchmarks: no workload matches {' '.join(args.names)}; known: {known}")
        return 2
    if args.list:
        print("\n".join(f"{w.name:<32} {w.label}" for w in selected))
        return 0

    info = machine()
    print(
        f"{info['cpu']}, {info['cores']} cores, {info['threads']} threads each side; "
        f"numpy {info['numpy']} ({info['numpy_blas']}), torch {info['torch']}, "
        f"ember {info['ember']}"
        + ("  [--quick: smoke run, timings meaningless]" if args.quick else "")
    )
    print(format_header())
    results = []
    for wl in selected:
        result = run(wl, quick=args.quick, memory=not args.no_memory)
        results.append(result)
        print(format_row(result), flush=True)
    record = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": info,
        "results": [r.to_json() for r in results],
    }
    path = Path(args.json)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)
    print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
