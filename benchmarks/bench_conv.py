"""conv2d alone, 32x64x56x56 input, 64->64 channels, 3x3, padding 1 (a ResNet stage-1 conv)."""

from __future__ import annotations

import torch

import ember
from benchmarks._common import inputs
from benchmarks._harness import Pair, workload


def _setup(quick: bool, requires_grad: bool):
    n, c, hw = (2, 8, 8) if quick else (32, 64, 56)
    ex, tx = inputs(n, c, hw, hw, seed=0)
    ew, tw = inputs(c, c, 3, 3, seed=1)
    for t in (ex, ew, tx, tw):
        t.requires_grad_(requires_grad)
    flops = 2.0 * n * c * c * 9 * hw * hw
    return ex, tx, ew, tw, flops


@workload("conv2d 32x64x56x56 3x3 forward", target=1.5)
def conv2d_forward(quick: bool) -> Pair:
    ex, tx, ew, tw, flops = _setup(quick, False)
    return Pair(
        lambda: ember.nn.functional.conv2d(ex, ew, padding=1),
        lambda: torch.nn.functional.conv2d(tx, tw, padding=1),
        repeat=1 if quick else 9,
        flops=flops,
    )


@workload("conv2d 32x64x56x56 3x3 forward+backward", target=1.5)
def conv2d_forward_backward(quick: bool) -> Pair:
    ex, tx, ew, tw, flops = _setup(quick, True)

    def run(F, x, w):
        x.grad = w.grad = None
        F.conv2d(x, w, padding=1).sum().backward()

    return Pair(
        lambda: run(ember.nn.functional, ex, ew),
        lambda: run(torch.nn.functional, tx, tw),
        repeat=1 if quick else 7,
        flops=3 * flops,
    )
