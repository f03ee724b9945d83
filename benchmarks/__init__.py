"""Ember-vs-PyTorch speed benchmarks: ``python -m benchmarks [NAME ...]`` from the repo root.

A workload is a function decorated with :func:`workload` in a module named
``benchmarks/bench_<family>.py``; it builds its inputs once, then returns
:func:`compare`'s result for one Ember callable and its PyTorch twin::

    from benchmarks import compare, workload


    @workload
    def matmul_512():
        a, b = ember.randn(512, 512), ember.randn(512, 512)
        ta, tb = torch.from_numpy(a.numpy()), torch.from_numpy(b.numpy())
        return compare("matmul 512x512", lambda: a @ b, lambda: ta @ tb)

``python -m benchmarks`` imports every ``bench_*`` module, runs each registered workload
(those whose name contains one of the NAME arguments, when given) and prints one table
row per workload: median time per call for each side and the ratio ember/torch (above 1
means Ember is slower). Timings belong here, never in tests.
"""

from benchmarks._harness import WORKLOADS, Result, compare, format_header, format_row, workload

__all__ = ["WORKLOADS", "Result", "compare", "format_header", "format_row", "workload"]
