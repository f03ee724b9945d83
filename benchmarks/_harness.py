"""The timing harness: alternating runs, medians, per-pair ratios, and peak memory.

A workload builds an Ember callable and its PyTorch twin with identical shapes and
weights (:class:`Pair`); :func:`time_pair` warms both up, then samples them alternately,
A B A B ..., so that drift in clock speed, cache state or machine load hits both sides
alike, and reports each side's median and the median of the per-pair ratios.
:func:`peak_memory` runs one side alone in a fresh subprocess and reports how far the
resident set grows above what it was just before the first call (the activations,
gradients, optimizer state and temporaries of the workload, not the weights both hold).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Pair:
    """One workload's two callables and how to sample them.

    A sample is the mean of ``number`` back-to-back calls; ``repeat`` samples are taken of
    each side. ``per_call`` divides the reported time (e.g. 12 for a 12-op chain, giving
    time per op); ``flops`` per call adds GFLOP/s columns.
    """

    ember: Callable[[], object]
    torch: Callable[[], object]
    number: int = 1
    repeat: int = 7
    warmup: int = 2
    per_call: int = 1
    flops: float | None = None


@dataclass
class Measured:
    """A workload that times itself (e.g. across MPI ranks) returns this instead of a Pair:
    the medians, the median per-pair ratio, and an optional note for the table."""

    ember_s: float
    torch_s: float
    ratio: float
    note: str = ""


@dataclass
class Result:
    """Medians (seconds per call) of each side, the median per-pair ratio, and memory."""

    name: str
    label: str
    ember_s: float
    torch_s: float
    ratio: float
    target: float | None = None
    ember_gflops: float | None = None
    torch_gflops: float | None = None
    ember_peak_mb: float | None = None
    torch_peak_mb: float | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""

    @property
    def memory_ratio(self) -> float | None:
        if self.ember_peak_mb is None or not self.torch_peak_mb:
            return None
        return self.ember_peak_mb / self.torch_peak_mb

    def to_json(self) -> dict:
        data = asdict(self)
        data["memory_ratio"] = self.memory_ratio
        return data


@dataclass
class Workload:
    """A registered benchmark: ``build(quick)`` returns the :class:`Pair` to time."""

    name: str
    label: str
    build: Callable[[bool], Pair]
    target: float | None = None


WORKLOADS: list[Workload] = []


def workload(label: str, *, target: float | None = None) -> Callable:
    """Register the decorated ``build(quick: bool) -> Pair`` under its function name.

    ``label`` is the table's description; ``target`` the Ember/PyTorch time ratio the
    workload should stay under (shown next to the measured ratio).
    """

    def register(build: Callable[[bool], Pair]) -> Callable[[bool], Pair]:
        WORKLOADS.append(Workload(build.__name__, label, build, target))
        return build

    return register


def time_pair(pair: Pair) -> tuple[float, float, float, list[float], list[float]]:
    """Alternate the two sides and return (ember median, torch median, median ratio,
    ember samples, torch samples), all in seconds per call."""
    if pair.repeat < 1 or pair.number < 1 or pair.warmup < 0:
        raise ValueError(
            f"time_pair: need repeat >= 1, number >= 1 and warmup >= 0, "
            f"got repeat={pair.repeat}, number={pair.number}, warmup={pair.warmup}"
        )
    for _ in range(pair.warmup):
        pair.ember()
        pair.torch()
    ember_samples: list[float] = []
    torch_samples: list[float] = []
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(pair.repeat):
            ember_samples.append(_sample(pair.ember, pair.number) / pair.per_call)
            torch_samples.append(_sample(pair.torch, pair.number) / pair.per_call)
    finally:
        if gc_was_enabled:
            gc.enable()
    ratios = [e / t if t > 0 else float("inf") for e, t in zip(ember_samples, torch_samples)]
    return (
        statistics.median(ember_samples),
        statistics.median(torch_samples),
        statistics.median(ratios),
        ember_samples,
        torch_samples,
    )


def _sample(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def run(wl: Workload, quick: bool, memory: bool) -> Result:
    """Build and time one workload; with ``memory``, measure each side in a subprocess."""
    pair = wl.build(quick)
    if isinstance(pair, Measured):  # timed by itself, in other processes: no memory run
        return Result(wl.name, wl.label, pair.ember_s, pair.torch_s, pair.ratio, wl.target,
                      note=pair.note)  # fmt: skip
    e, t, r, es, ts = time_pair(pair)
    result = Result(wl.name, wl.label, e, t, r, wl.target, samples={"ember": es, "torch": ts})
    if pair.flops:
        result.ember_gflops = pair.flops / e / 1e9
        result.torch_gflops = pair.flops / t / 1e9
    del pair
    gc.collect()
    if memory:
        result.ember_peak_mb = peak_memory(wl.name, "ember", quick)
        result.torch_peak_mb = peak_memory(wl.name, "torch", quick)
    return result


def peak_memory(name: str, side: str, quick: bool) -> float:
    """Peak resident-set growth in MiB of ``side`` running workload ``name`` alone."""
    cmd = [sys.executable, "-m", "benchmarks._memory", name, side] + (["--quick"] if quick else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"memory run of {name} ({side}) failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_peak(fn: Callable[[], object], calls: int = 3) -> float:
    """Call ``fn`` ``calls`` times while a thread samples the resident set every 0.2 ms;
    return the peak growth over the resident set before the first call, in MiB."""
    gc.collect()
    base = _rss_bytes()
    peak = base
    done = threading.Event()

    def sampler() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_bytes())
            time.sleep(0.0002)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    try:
        for _ in range(calls):
            fn()
            peak = max(peak, _rss_bytes())
    finally:
        done.set()
        thread.join()
    return (peak - base) / 2**20


def _format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


_NAME_WIDTH = 44


def format_header() -> str:
    """The table's header line and rule, matching :func:`format_row`'s columns."""
    header = (
        f"{'workload':<{_NAME_WIDTH}} {'ember':>9} {'torch':>9} {'ratio':>7} {'target':>7}"
        f" {'mem MiB e/t':>15} {'mem':>6}"
    )
    return f"{header}\n{'-' * len(header)}"


def format_row(result: Result) -> str:
    """One table line: label, both medians per call, ratio, target, peak memory."""
    target = f"{result.target:.1f}" if result.target else "-"
    if result.ember_peak_mb is not None:
        mem = f"{result.ember_peak_mb:.0f}/{result.torch_peak_mb:.0f}"
        mem_ratio = result.memory_ratio
        mem_ratio_s = f"{mem_ratio:.2f}" if mem_ratio is not None else "-"
    else:
        mem, mem_ratio_s = "-", "-"
    line = (
        f"{result.label[:_NAME_WIDTH]:<{_NAME_WIDTH}} {_format_seconds(result.ember_s):>9} "
        f"{_format_seconds(result.torch_s):>9} {result.ratio:>6.2f}x {target:>7} "
        f"{mem:>15} {mem_ratio_s:>6}"
    )
    if result.ember_gflops:
        line += f"  ({result.ember_gflops:.0f} vs {result.torch_gflops:.0f} GFLOP/s)"
    if result.note:
        line += f"  ({result.note})"
    return line
