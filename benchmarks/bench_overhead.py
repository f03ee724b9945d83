"""Per-op eager overhead: what each framework spends wrapping an op, not computing it.

A 1-element add (no grad) times argument checks, dtype promotion and output allocation;
a 12-op chain forward + backward on 16 elements adds recording the graph and walking it
back, reported per op. Target: Ember within 2.5x of PyTorch.
"""

from __future__ import annotations

import torch

import ember
from benchmarks._harness import Pair, workload


@workload("add 1-elem, no grad (per op)", target=2.5)
def add_1elem(quick: bool) -> Pair:
    a, b = ember.ones(1), ember.ones(1)
    ta, tb = torch.ones(1), torch.ones(1)
    return Pair(
        lambda: a + b, lambda: ta + tb, number=20 if quick else 2000, repeat=1 if quick else 15
    )


def _chain(x):
    y = x * 2.0
    y = y + 1.0
    y = y.sin()
    y = y * y
    y = y.exp()
    y = y - 1.0
    y = y.tanh()
    y = y / 3.0
    y = y.relu()
    y = y.sigmoid()
    y = y.mean()
    y.backward()  # the 12th op: the engine's walk back through the 11 recorded ones


@workload("12-op chain fwd+bwd, 16 elems (per op)", target=2.5)
def chain_12op_forward_backward(quick: bool) -> Pair:
    a = ember.ones(16, requires_grad=True)
    ta = torch.ones(16, requires_grad=True)
    return Pair(
        lambda: _chain(a),
        lambda: _chain(ta),
        number=5 if quick else 300,
        repeat=1 if quick else 15,
        per_call=12,
    )
