"""Matrix products: ``matmul`` (``@``) and friends, BLAS-backed through xp.matmul."""

from __future__ import annotations

from ember._ops._checks import broadcast_error, shape_str
from ember._ops._inplace import write_out
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function

__all__ = ["matmul"]


def _matmul_error(a, b) -> RuntimeError:
    sa, sb = a.shape, b.shape
    if a.ndim == 0 or b.ndim == 0:
        return RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D"
        )
    ka = sa[-1]
    kb = sb[-2] if b.ndim > 1 else sb[0]
    if ka != kb:
        return RuntimeError(
            f"matmul: cannot multiply {shape_str(sa)} by {shape_str(sb)}: inner sizes {ka} "
            f"and {kb} differ"
        )
    return broadcast_error("matmul", sa[:-2], sb[:-2])


class MatMul(Function):
    # Primitive: one BLAS call forward, two backward.
    @staticmethod
    def forward(ctx, x, w, dt):
        ctx.save_for_backward(x, w)
        if dt.itemsize == 2 and dt.kind in "fV":  # no fp16/bf16 BLAS on the CPU
            return ctx.xp.matmul(x.astype("float32"), w.astype("float32")).astype(dt)
        return ctx.xp.matmul(x, w)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        gx = gw = None
        xd, wd = x._data.ndim, w._data.ndim
        if xd == 1 and wd == 1:  # dot product: gy is 0-d
            gx = gy * w.conj() if ctx.needs_input_grad[0] else None
            gw = gy * x.conj() if ctx.needs_input_grad[1] else None
            return gx, gw, None
        # Lift vectors to matrices so one formula covers every case, then drop the dims.
        x2 = x.unsqueeze(0) if xd == 1 else x
        w2 = w.unsqueeze(-1) if wd == 1 else w
        gy2 = gy
        if xd == 1:
            gy2 = gy2.unsqueeze(-2)
        if wd == 1:
            gy2 = gy2.unsqueeze(-1)
        if ctx.needs_input_grad[0]:
            gx = matmul(gy2, w2.mT.conj())
            if xd == 1:
                gx = gx.squeeze(-2)
        if ctx.needs_input_grad[1]:
            gw = matmul(x2.mT.conj(), gy2)
            if wd == 1:
                gw = gw.squeeze(-1)
        return gx, gw, None


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with numpy/PyTorch broadcasting of batch dims (1-D operands are
    treated as vectors), as ``torch.matmul`` and ``@``.

    >>> ember.matmul(ember.ones(2, 3), ember.ones(3)).shape
    ember.Size([2])
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' must be Tensor, not "
            f"{type(other if isinstance(input, Tensor) else input).__name__}"
        )
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise _matmul_error(a, b)
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"matmul: expected both operands to have the same dtype, but got {input.dtype} "
            f"and {other.dtype}"
        )
    dt = a.dtype
    try:
        result = MatMul.apply(input, other, dt)
    except ValueError:
        raise _matmul_error(a, b) from None
    return result if out is None else write_out("matmul", out, result)


bind_methods(
    matmul=matmul,
    __matmul__=matmul,
    __rmatmul__=lambda self, other: matmul(other, self),
)
