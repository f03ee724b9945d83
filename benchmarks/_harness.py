"""The timing harness: alternating runs, medians, and the ember/torch ratio."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """Median seconds per call of each side of one comparison."""

    name: str
    ember_s: float
    torch_s: float

    @property
    def ratio(self) -> float:
        """Ember's median over PyTorch's: above 1 means Ember is slower."""
        return self.ember_s / self.torch_s if self.torch_s > 0 else float("inf")


WORKLOADS: list[Callable[[], Result]] = []


def workload(fn: Callable[[], Result]) -> Callable[[], Result]:
    """Register ``fn`` (no arguments, returns :func:`compare`'s Result) for the runner."""
    WORKLOADS.append(fn)
    return fn


def compare(
    name: str,
    ember_fn: Callable[[], object],
    torch_fn: Callable[[], object],
    *,
    warmup: int = 3,
    repeat: int = 21,
    number: int = 10,
) -> Result:
    """Time ``ember_fn`` against ``torch_fn`` and return the median seconds per call of each.

    Both are called ``warmup`` times (alternately) untimed, then ``repeat`` samples of each
    are taken alternately, A B A B ..., so that drift in clock speed, cache state or machine
    load hits both sides alike; a sample is the mean of ``number`` back-to-back calls,
    measured with ``time.perf_counter`` with the garbage collector paused, as ``timeit``
    does. Each callable must finish its work before returning: on a GPU, synchronise the
    device inside it.
    """
    if repeat < 1 or number < 1 or warmup < 0:
        raise ValueError(
            f"compare: need repeat >= 1, number >= 1 and warmup >= 0, "
            f"got repeat={repeat}, number={number}, warmup={warmup}"
        )
    for _ in range(warmup):
        ember_fn()
        torch_fn()
    ember_samples: list[float] = []
    torch_samples: list[float] = []
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            ember_samples.append(_sample(ember_fn, number))
            torch_samples.append(_sample(torch_fn, number))
    finally:
        if gc_was_enabled:
            gc.enable()
    return Result(name, statistics.median(ember_samples), statistics.median(torch_samples))


def _sample(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


_NAME_WIDTH = 40


def format_header() -> str:
    """The table's header line and rule, matching :func:`format_row`'s columns."""
    header = f"{'workload':<{_NAME_WIDTH}} {'ember':>10} {'torch':>10} {'ember/torch':>12}"
    return f"{header}\n{'-' * len(header)}"


def format_row(result: Result) -> str:
    """One table line: name, both medians per call, and the ratio."""
    return (
        f"{result.name:<{_NAME_WIDTH}} {_format_seconds(result.ember_s):>10} "
        f"{_format_seconds(result.torch_s):>10} {result.ratio:>11.2f}x"
    )
