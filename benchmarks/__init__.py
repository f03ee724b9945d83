"""Ember-vs-PyTorch benchmarks: ``python -m benchmarks [--quick] [NAME ...]`` from the repo root.

A workload is a function ``build(quick: bool) -> Pair`` decorated with :func:`workload` in
a module named ``benchmarks/bench_<family>.py``; it builds the Ember callable and its
PyTorch twin with identical shapes and weights (``quick``: tiny shapes, for CI's smoke
run) and returns them in a :class:`Pair`. The runner times every workload alternately,
measures each side's peak memory in its own subprocess, prints a table and writes JSON.
Timings belong here, never in tests.
"""

import os

# Both sides get the same two threads: BLAS reads these when numpy is first imported (the
# runner imports numpy only after this package), PyTorch gets torch.set_num_threads(2).
THREADS = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

from benchmarks._harness import (  # noqa: E402
    WORKLOADS,
    Pair,
    Result,
    format_header,
    format_row,
    workload,
)

__all__ = [
    "THREADS",
    "WORKLOADS",
    "Pair",
    "Result",
    "format_header",
    "format_row",
    "workload",
]
