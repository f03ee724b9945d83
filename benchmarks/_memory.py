"""Child process of the memory measurement: ``python -m benchmarks._memory NAME SIDE``.

Builds workload NAME, drops the other side, calls SIDE's callable three times while
sampling the resident set, and prints ``{"peak_mb": ...}`` as its last line. Running each
side in its own fresh process keeps one framework's allocator caches from hiding the
other's peak.
"""

from __future__ import annotations

import argparse
import json

from benchmarks.__main__ import configure_threads, find_workloads
from benchmarks._harness import measure_peak


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._memory")
    parser.add_argument("name")
    parser.add_argument("side", choices=["ember", "torch"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    configure_threads()
    (wl,) = [w for w in find_workloads() if w.name == args.name]
    pair = wl.build(args.quick)
    fn = pair.ember if args.side == "ember" else pair.torch
    del pair
    print(json.dumps({"peak_mb": measure_peak(fn)}))


if __name__ == "__main__":
    main()
