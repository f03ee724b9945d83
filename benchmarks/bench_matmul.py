"""float32 matmul: both sides call a BLAS sgemm; the ratio is the frameworks' overhead
around it plus the BLAS libraries' difference (numpy's OpenBLAS vs PyTorch's MKL/oneDNN)."""

from __future__ import annotations

from benchmarks._common import inputs
from benchmarks._harness import Pair, workload


@workload("matmul 2048x2048 float32", target=1.0)
def matmul_2048(quick: bool) -> Pair:
    n = 128 if quick else 2048
    ea, ta = inputs(n, n, seed=0)
    eb, tb = inputs(n, n, seed=1)
    return Pair(
        lambda: ea @ eb,
        lambda: ta @ tb,
        number=1 if quick else 3,
        repeat=1 if quick else 9,
        warmup=1,
        flops=2.0 * n**3,
    )
