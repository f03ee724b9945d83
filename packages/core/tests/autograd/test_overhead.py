"""Per-op overhead of ``Function.apply`` and the engine, measured against PyTorch.

Timings use per-thread CPU time (``time.thread_time``) and the best of many rounds, so a
busy machine slows both libraries alike; the bounds are loose multiples of the targets
(forward within 2x of PyTorch, forward+backward faster than PyTorch) so only a real
regression trips them.
"""

import time
import timeit

import pytest
import torch

import ember
from ember.autograd.function import Function


def best_us(fn, number, rounds=7):
    timer = timeit.Timer(fn, timer=time.thread_time)
    return min(timer.timeit(number=number) for _ in range(rounds)) / number * 1e6


def interleaved(cases, rounds=7):
    best = {name: float("inf") for name in cases}
    for _ in range(rounds):
        for name, (fn, number) in cases.items():
            best[name] = min(best[name], best_us(fn, number, rounds=1))
    return best


def test_one_element_add_forward_and_backward_overhead_vs_torch():
    a, b = ember.ones(1), ember.ones(1)
    ta, tb = torch.ones(1), torch.ones(1)
    ga, gb = ember.ones(1, requires_grad=True), ember.ones(1, requires_grad=True)
    tga, tgb = torch.ones(1, requires_grad=True), torch.ones(1, requires_grad=True)

    def ember_step():
        (ga + gb).backward()

    def torch_step():
        (tga + tgb).backward()

    best = interleaved(
        {
            "ember_fwd": (lambda: a + b, 5000),
            "torch_fwd": (lambda: ta + tb, 5000),
            "ember_step": (ember_step, 1000),
            "torch_step": (torch_step, 1000),
        }
    )
    assert best["ember_fwd"] < 3.0 * best["torch_fwd"], best
    assert best["ember_step"] < 1.5 * best["torch_step"], best


class Nop(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, gy):
        return gy


def test_no_grad_path_records_nothing():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        y = Nop.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    assert y._vc is None and y._base is None and y._hooks is None
    z = Nop.apply(ember.ones(2))  # grad on, but no input requires grad
    assert z.grad_fn is None and not z.requires_grad


def test_forward_may_read_needs_input_grad_without_recording():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x, k):
            seen.append((ctx.needs_input_grad[0], ctx.needs_input_grad[1]))
            return x * k

        @staticmethod
        def backward(ctx, gy):
            return gy, None

    Probe.apply(ember.ones(1), 2.0)
    Probe.apply(ember.ones(1, requires_grad=True), 2.0)
    assert seen == [(False, False), (True, False)]


def test_unknown_ctx_attribute_still_raises_attribute_error():
    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            return x

    ctx = object.__new__(Probe)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = ctx.nonexistent
    assert not hasattr(ctx, "nonexistent")
