"""Per-op eager overhead: a 1-element add, forward only and forward + backward.

With one element the arithmetic is free, so these time what each framework spends wrapping
an op: argument checks, dtype promotion, output allocation and, with grad, recording the
graph and walking it back. Target: Ember within 2x of PyTorch.
"""

from __future__ import annotations

import torch

import ember
from benchmarks._harness import Result, compare, workload


@workload
def add_1elem_forward() -> Result:
    """``a + b`` on two 1-element float32 tensors, no grad."""
    a, b = ember.ones(1), ember.ones(1)
    ta, tb = torch.ones(1), torch.ones(1)
    return compare("add 1-elem forward", lambda: a + b, lambda: ta + tb, number=2000)


@workload
def add_1elem_forward_backward() -> Result:
    """``(a + b).backward()`` with ``a`` requiring grad (grad accumulates in place)."""
    a, b = ember.ones(1, requires_grad=True), ember.ones(1)
    ta, tb = torch.ones(1, requires_grad=True), torch.ones(1)
    return compare(
        "add 1-elem forward+backward",
        lambda: (a + b).backward(),
        lambda: (ta + tb).backward(),
        number=500,
    )


@workload
def mul_chain_forward_backward() -> Result:
    """Ten chained 1-element multiplies and one backward: graph recording + engine walk."""
    a = ember.ones(1, requires_grad=True)
    ta = torch.ones(1, requires_grad=True)

    def chain(x):
        y = x
        for _ in range(10):
            y = y * 1.5
        y.backward()

    return compare(
        "10x mul chain forward+backward", lambda: chain(a), lambda: chain(ta), number=100
    )
