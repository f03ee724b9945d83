"""The sampling core of ``grid_sample``: a weighted gather of input pixels, used by
``vision.py``.

Note [grid sample trilinear form]
With ``K`` corner taps (4 bilinear, 8 trilinear, 1 nearest), flat input positions
``idx[k, n, p]`` (always in range: see Note [grid sample padding] in ``vision.py``) and
weights ``w[k, n, p]``,
grid sampling is ``y[n, c, p] = sum_k w[k, n, p] * x[n, c, idx[k, n, p]]``. That is the
partial derivative in ``g`` of the trilinear form
``F(x, w, g) = sum g[n, c, p] * w[k, n, p] * x[n, c, idx[k, n, p]]``, and so are the other
two maps we need: ``GridScatter(g, w) = dF/dx`` (the input gradient: a scatter-add, one
``bincount`` per tap, no ``add.at``) and ``GridDot(g, x) = dF/dw`` (the weight gradient,
reduced over channels). Each map's VJP is the other two, so the three primitives close
under differentiation and every order of derivative is exact. Each tap is one 1-D ``take``
(or ``bincount``) on flat positions, vectorised over batch, channels and pixels; the taps
of one pixel differ by constant offsets, so they share one index array.
Differentiating the weights in the grid stays in ordinary Ember ops in ``vision.py``.
"""

from __future__ import annotations

import numpy

from ember.autograd.function import Function


class GridPlan:
    """Where the taps read: tap ``k`` of output pixel ``p`` in plane ``(n, c)`` is flat
    element ``lin[n, c, p] + offsets[k]`` of the (N, C, T) input; sizes (N, C, T, P)."""

    __slots__ = ("lin", "offsets", "n", "c", "t", "p")

    def __init__(self, xp, first, offsets, n: int, c: int, t: int) -> None:
        # One (N, C, P) index array for all taps: each tap gathers from the flat input
        # shifted by its offset (a view), so no per-tap index arithmetic, and a 1-D ``take``
        # is numpy's fastest gather (far faster than row gathers of C values).
        self.lin = (xp.arange(n * c, dtype=numpy.int64) * t).reshape(n, c, 1) + first[:, None, :]
        self.offsets = tuple(int(o) for o in offsets)
        self.n, self.c, self.t, self.p = n, c, t, first.shape[-1]


def _gather(xp, x, w, plan, keep=None):
    """The weighted gather; appends each tap's unweighted values to ``keep`` if given."""
    flat = x.reshape(-1)
    out = None
    for k, off in enumerate(plan.offsets):
        vals = xp.take(flat[off:], plan.lin)
        if keep is not None:
            keep.append(vals)
        term = vals * w[k][:, None, :].astype(x.dtype, copy=False)
        if out is None:
            out = term
        else:
            out += term
    return out


def _scatter(xp, g, w, plan):
    size = plan.n * plan.c * plan.t
    lin = plan.lin.reshape(-1)
    out = xp.zeros(size, numpy.float64)
    for k, off in enumerate(plan.offsets):
        vals = (g * w[k][:, None, :]).astype(numpy.float64, copy=False)
        out[off:] += xp.bincount(lin, weights=vals.reshape(-1), minlength=size - off)
    return out.reshape(plan.n, plan.c, plan.t).astype(g.dtype, copy=False)


def _dot(xp, g, x, plan, gathered=None):
    flat = x.reshape(-1)
    out = xp.empty((len(plan.offsets), plan.n, plan.p), numpy.result_type(g.dtype, x.dtype))
    for k, off in enumerate(plan.offsets):
        vals = xp.take(flat[off:], plan.lin) if gathered is None else gathered[k]
        out[k] = (vals * g).sum(axis=1)
    return out


class GridGather(Function):
    # Primitive: y (N, C, P) from x (N, C, T) and tap weights w (K, N, P); see Note
    # [grid sample trilinear form].
    @staticmethod
    def forward(ctx, x, w, plan):
        ctx.plan = plan
        ctx.save_for_backward(x, w)
        # The weight gradient needs the gathered taps again: keep them rather than gather
        # twice (x is saved, so a later in-place change to it is caught before they're used).
        ctx.gathered = [] if ctx.needs_input_grad[1] else None
        return _gather(ctx.xp, x, w, plan, ctx.gathered)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        gx = GridScatter.apply(gy, w, ctx.plan) if ctx.needs_input_grad[0] else None
        gw = GridDot.apply(gy, x, ctx.plan, ctx.gathered) if ctx.needs_input_grad[1] else None
        return gx, gw, None


class GridScatter(Function):
    # Primitive: dF/dx (N, C, T) from g (N, C, P) and w (K, N, P), by bincount.
    @staticmethod
    def forward(ctx, g, w, plan):
        ctx.plan = plan
        ctx.save_for_backward(g, w)
        return _scatter(ctx.xp, g, w, plan)

    @staticmethod
    def backward(ctx, gv):
        g, w = ctx.saved_tensors
        gg = GridGather.apply(gv, w, ctx.plan) if ctx.needs_input_grad[0] else None
        gw = GridDot.apply(g, gv, ctx.plan) if ctx.needs_input_grad[1] else None
        return gg, gw, None


class GridDot(Function):
    # Primitive: dF/dw (K, N, P) from g (N, C, P) and x (N, C, T).
    @staticmethod
    def forward(ctx, g, x, plan, gathered=None):
        ctx.plan = plan
        ctx.save_for_backward(g, x)
        return _dot(ctx.xp, g, x, plan, gathered)

    @staticmethod
    def backward(ctx, gz):
        g, x = ctx.saved_tensors
        gg = GridGather.apply(x, gz, ctx.plan) if ctx.needs_input_grad[0] else None
        gx = GridScatter.apply(g, gz, ctx.plan) if ctx.needs_input_grad[1] else None
        return gg, gx, None, None
