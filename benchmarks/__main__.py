"""Run the registered workloads: ``python -m benchmarks [NAME ...]`` from the repo root."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import benchmarks
from benchmarks._harness import WORKLOADS, format_header, format_row


def _import_workload_modules() -> None:
    # Importing a bench_* module runs its @workload decorators, which fill WORKLOADS.
    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{module.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Time Ember against PyTorch."
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="run only workloads whose function name contains NAME",
    )
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = parser.parse_args(argv)

    _import_workload_modules()
    if not WORKLOADS:
        print(
            "benchmarks: no workloads registered; add @workload functions to benchmarks/bench_*.py"
        )
        return 0
    selected = [
        fn for fn in WORKLOADS if not args.names or any(name in fn.__name__ for name in args.names)
    ]
    if not selected:
        known = ", ".join(fn.__name__ for fn in WORKLOADS)
        print(f"benchmarks: no workload matches {' '.join(args.names)}; known: {known}")
        return 2
    if args.list:
        print("\n".join(fn.__name__ for fn in selected))
        return 0

    print(format_header())
    for fn in selected:
        print(format_row(fn()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
