"""One LSTM layer (one direction, no projection) as a single Function over the whole sequence.

Primitive: the per-step graph (an ``addmm`` and a fused cell per time step) costs three
small GEMMs per step in backward, two of them for the recurrent weight's gradient and its
accumulation. Here the forward loops over time on raw arrays (one GEMM per step), the
backward loops back (one GEMM per step for the hidden-state gradient) and the recurrent
weight's gradient is a single GEMM over all steps at the end. When the backward itself is
recorded (``create_graph=True``) it is recomputed through the per-step Ember-op graph, so
double backward still works.
"""

from __future__ import annotations

import contextlib

import numpy

from ember._ops.linalg import one_blas_thread
from ember._tensor import Tensor
from ember.autograd.function import Function

# A time step's GEMM (N x H by H x 4H) below this many multiply-adds runs on one BLAS
# thread, see Note [one BLAS thread for small products] in linalg.py.
_SMALL_GEMM = 1 << 24


def _one_blas_thread(xp, macs: int):
    """One BLAS thread for small numpy products; a no-op for cupy or large products."""
    if xp is not numpy or macs >= _SMALL_GEMM:
        return contextlib.nullcontext()
    return one_blas_thread()


class LSTMLayer(Function):
    """``(gi (T, N, 4H), h0 (N, H), c0 (N, H), w_hh (4H, H)) -> (out (T, N, H), h_T, c_T)``
    where ``gi`` holds every step's input projection (biases folded in), gates in PyTorch's
    (i, f, g, o) order."""

    @staticmethod
    def forward(ctx, gi, h0, c0, w_hh):
        xp = ctx.xp
        steps, batch, gates = gi.shape
        hid = gates // 4
        dt = gi.dtype
        act = xp.empty((steps, batch, gates), dtype=dt)
        hs = xp.empty((steps + 1, batch, hid), dtype=dt)
        cs = xp.empty((steps + 1, batch, hid), dtype=dt)
        tcs = xp.empty((steps, batch, hid), dtype=dt)
        hs[0] = h0
        cs[0] = c0
        w_t = w_hh.T
        g_sl = slice(2 * hid, 3 * hid)
        with _one_blas_thread(xp, batch * hid * gates):
            LSTMLayer._forward_loop(xp, gi, act, hs, cs, tcs, w_t, hid, g_sl)
        ctx.save_for_backward(gi, h0, c0, w_hh)
        ctx.act, ctx.hs, ctx.cs, ctx.tcs = act, hs, cs, tcs
        return hs[1:].copy(), hs[steps].copy(), cs[steps].copy()

    @staticmethod
    def _forward_loop(xp, gi, act, hs, cs, tcs, w_t, hid, g_sl):
        for t in range(gi.shape[0]):
            a = act[t]
            xp.matmul(hs[t], w_t, out=a)
            a += gi[t]
            g = xp.tanh(a[:, g_sl])
            # sigmoid as 0.5 * (1 + tanh(x / 2)): no overflow for large |x|
            a *= 0.5
            xp.tanh(a, out=a)
            a += 1
            a *= 0.5
            a[:, g_sl] = g
            c = cs[t + 1]
            xp.multiply(a[:, hid : 2 * hid], cs[t], out=c)
            c += a[:, :hid] * g
            xp.tanh(c, out=tcs[t])
            xp.multiply(a[:, 3 * hid :], tcs[t], out=hs[t + 1])

    @staticmethod
    def backward(ctx, gout, ghn, gcn):
        import ember

        if ember.is_grad_enabled():
            return LSTMLayer._backward_composed(ctx, gout, ghn, gcn)
        xp = ctx.xp
        act, hs, cs, tcs = ctx.act, ctx.hs, ctx.cs, ctx.tcs
        w_hh = ctx.saved_tensors[3]._data
        steps, batch, gates = act.shape
        hid = gates // 4
        dgates = xp.empty_like(act)
        dh = xp.zeros_like(hs[0]) if ghn is None else ghn._data.copy()
        dc = xp.zeros_like(cs[0]) if gcn is None else gcn._data.copy()
        go = None if gout is None else gout._data
        with _one_blas_thread(xp, batch * hid * gates):
            dh, dc = LSTMLayer._backward_loop(xp, act, cs, tcs, w_hh, go, dh, dc, dgates)
        need = ctx.needs_input_grad
        gw = None
        if need[3]:
            flat = dgates.reshape(steps * batch, gates)
            gw = Tensor._make(xp.matmul(flat.T, hs[:-1].reshape(steps * batch, hid)))
        return (
            Tensor._make(dgates) if need[0] else None,
            Tensor._make(dh) if need[1] else None,
            Tensor._make(dc) if need[2] else None,
            gw,
        )

    @staticmethod
    def _backward_loop(xp, act, cs, tcs, w_hh, go, dh, dc, dgates):
        hid = cs.shape[-1]
        for t in range(act.shape[0] - 1, -1, -1):
            if go is not None:
                dh += go[t]
            a = act[t]
            i, f = a[:, :hid], a[:, hid : 2 * hid]
            g, o = a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            tc = tcs[t]
            dc += dh * o * (1 - tc * tc)
            d = dgates[t]
            d[:, :hid] = dc * g * i * (1 - i)
            d[:, hid : 2 * hid] = dc * cs[t] * f * (1 - f)
            d[:, 2 * hid : 3 * hid] = dc * i * (1 - g * g)
            d[:, 3 * hid :] = dh * tc * o * (1 - o)
            dc *= f
            dh = xp.matmul(d, w_hh)
        return dh, dc

    @staticmethod
    def _backward_composed(ctx, gout, ghn, gcn):
        import ember
        from ember.nn.modules.rnn import LSTMCellFn

        gi, h0, c0, w_hh = ctx.saved_tensors
        h, c = h0, c0
        outs = []
        for gi_t in gi.unbind(0):
            h, c = LSTMCellFn.apply(ember.addmm(gi_t, h, w_hh.t()), c)
            outs.append(h)
        outputs, grads = [], []
        for y, gy in ((ember.stack(outs), gout), (h, ghn), (c, gcn)):
            if gy is not None:
                outputs.append(y)
                grads.append(gy)
        wanted = [(k, x) for k, x in enumerate((gi, h0, c0, w_hh)) if ctx.needs_input_grad[k]]
        found = ember.autograd.grad(
            outputs, [x for _, x in wanted], grads, create_graph=True, allow_unused=True
        )
        result = [None] * 4
        for (k, _), g in zip(wanted, found):
            result[k] = g
        return tuple(result)


def lstm_layer(gi: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor) -> tuple:
    """Run one LSTM layer over precomputed input projections ``gi`` (T, N, 4H); returns
    ``(output (T, N, H), h_T, c_T)``."""
    return LSTMLayer.apply(gi, h0, c0, w_hh)
