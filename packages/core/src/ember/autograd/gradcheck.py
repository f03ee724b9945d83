"""Finite-difference checks of backward: ``gradcheck`` and ``gradgradcheck``.

Fast mode is directional: for a random input direction ``u`` and output cotangent ``v``, the
central difference ``v . (f(x + eps u) - f(x - eps u)) / 2eps`` must equal ``(J^T v) . u``
from one backward. Slow mode builds the full Jacobian both ways and names the first wrong
entry, which is how a failing directional check is located.
"""

from __future__ import annotations

import numpy

from ember.autograd.grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _tensors(inputs):
    from ember._tensor import Tensor

    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _outputs(func, inputs):
    from ember._tensor import Tensor

    out = func(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor) and o._data.dtype.kind in "fc"]


def _flat_outputs(func, inputs):
    with no_grad():
        outs = _outputs(func, inputs)
    return [
        _host(o._data).astype(numpy.complex128 if o.is_complex() else numpy.float64) for o in outs
    ]


def _host(array):
    """A numpy copy/view of a numpy or cupy array (the checks do their sums on the host)."""
    return array.get() if hasattr(array, "get") else numpy.asarray(array)


def _device(host_array, like):
    """``host_array`` as an array (never a numpy scalar) on the device of array ``like``."""
    if type(like) is numpy.ndarray:
        return numpy.asarray(host_array)
    from ember.backend import array_module

    return array_module(like).asarray(host_array)


def _check_dtypes(inputs, idx):
    for i in idx:
        if inputs[i]._data.dtype not in (numpy.float64, numpy.complex128):
            raise GradcheckError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; gradcheck needs float64 "
                "(or complex128) inputs for meaningful finite differences"
            )


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    seed: int = 0,
    **unused,
) -> bool:
    """Check ``func``'s backward against central finite differences, as
    ``torch.autograd.gradcheck``; inputs that require grad must be float64.

    >>> x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    from ember._tensor import Tensor
    from ember.autograd import grad

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    idx = _tensors(inputs)
    _check_dtypes(inputs, idx)
    rng = numpy.random.default_rng(seed)
    base = _flat_outputs(func, inputs)
    if not idx or not base:
        return True
    try:
        if fast_mode:
            _directional(func, inputs, idx, base, eps, atol, rtol, rng, grad, Tensor)
        else:
            _full(func, inputs, idx, base, eps, atol, rtol, grad, Tensor)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _perturbed(func, inputs, i, delta):
    t = inputs[i]
    saved = t._data
    try:
        t._data = _device(_host(saved) + delta, saved)
        return _flat_outputs(func, inputs)
    finally:
        t._data = saved


def _vjp(func, inputs, idx, cotangents, grad, Tensor):
    outs = _outputs(func, inputs)
    vs = [Tensor._make(_device(c.astype(o._data.dtype), o._data)) for c, o in zip(cotangents, outs)]
    used = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if not used:
        return [numpy.zeros(inputs[i]._data.shape) for i in idx]
    gs = grad(
        [o for o, _ in used], [inputs[i] for i in idx], [v for _, v in used], allow_unused=True
    )
    return [
        numpy.zeros(inputs[i]._data.shape) if g is None else _host(g._data) for i, g in zip(idx, gs)
    ]


def _directional(func, inputs, idx, base, eps, atol, rtol, rng, grad, Tensor):
    dirs = [rng.standard_normal(inputs[i]._data.shape) for i in idx]
    cot = [rng.standard_normal(b.shape) for b in base]
    originals = [inputs[i]._data for i in idx]

    def shifted(sign):
        for k, i in enumerate(idx):
            inputs[i]._data = _device(_host(originals[k]) + sign * eps * dirs[k], originals[k])
        try:
            return _flat_outputs(func, inputs)
        finally:
            for k, i in enumerate(idx):
                inputs[i]._data = originals[k]

    plus, minus = shifted(1.0), shifted(-1.0)
    numerical = sum(float(numpy.sum(c * (p - m).real)) for c, p, m in zip(cot, plus, minus))
    numerical /= 2 * eps
    analytical = _vjp(func, inputs, idx, cot, grad, Tensor)
    value = sum(float(numpy.sum(g.real * d)) for g, d in zip(analytical, dirs))
    if not abs(value - numerical) <= atol + rtol * abs(numerical):
        raise GradcheckError(
            f"Jacobian mismatch in a random direction: numerical {numerical!r} vs analytical "
            f"{value!r} (run gradcheck with fast_mode=False to find the wrong entry)"
        )


def _full(func, inputs, idx, base, eps, atol, rtol, grad, Tensor):
    sizes = [b.size for b in base]
    n_out = sum(sizes)
    for i in idx:
        x = inputs[i]._data
        numerical = numpy.zeros((x.size, n_out))
        for j in range(x.size):
            delta = numpy.zeros(x.size)
            delta[j] = eps
            delta = delta.reshape(x.shape)
            plus = _perturbed(func, inputs, i, delta)
            minus = _perturbed(func, inputs, i, -delta)
            numerical[j] = (
                numpy.concatenate([((p - m).real / (2 * eps)).ravel() for p, m in zip(plus, minus)])
                if n_out
                else numerical[j]
            )
        analytical = numpy.zeros((x.size, n_out))
        offset = 0
        for o, b in enumerate(base):
            for k in range(b.size):
                cot = [numpy.zeros(bb.shape) for bb in base]
                cot[o].reshape(-1)[k] = 1.0
                g = _vjp(func, inputs, [i], cot, grad, Tensor)[0]
                analytical[:, offset + k] = g.real.ravel()
            offset += b.size
        bad = numpy.abs(analytical - numerical) > atol + rtol * numpy.abs(numerical)
        if bad.any():
            j, k = map(int, numpy.argwhere(bad)[0])
            o, local = 0, k
            while local >= sizes[o]:
                local -= sizes[o]
                o += 1
            raise GradcheckError(
                f"Jacobian mismatch for output {o} with respect to input {i},\n"
                f"numerical:{numerical[j, k]!r}\nanalytical:{analytical[j, k]!r}\n"
                f"(input element {j}, output element {local})"
            )


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    seed: int = 0,
    **unused,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the vector-Jacobian product of ``func``
    (with random or given ``grad_outputs``), as ``torch.autograd.gradgradcheck``.

    >>> x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradgradcheck(lambda t: (t**3).sum(), (x,))
    True
    """
    from ember._tensor import Tensor
    from ember.autograd import grad

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    idx = _tensors(inputs)
    rng = numpy.random.default_rng(seed + 1)
    with no_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = [
            Tensor._make(
                _device(rng.standard_normal(o._data.shape).astype(o._data.dtype), o._data),
                requires_grad=True,
            )
            for o in outs
        ]
    n = len(inputs)

    def vjp(*args):
        # gradcheck evaluates this under no_grad for its finite differences: the inner
        # backward needs the graph regardless (else every output vanishes and the check
        # passes vacuously).
        with enable_grad():
            xs, vs = args[:n], args[n:]
            ys = _outputs(func, xs)
            pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
            if not pairs:
                return ()
            gs = grad(
                [y for y, _ in pairs],
                [xs[i] for i in idx],
                [v for _, v in pairs],
                create_graph=True,
                allow_unused=True,
            )
            return tuple(g for g in gs if g is not None)

    return gradcheck(
        vjp,
        tuple(inputs) + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        fast_mode=fast_mode,
        seed=seed,
    )
