"""``Function``: one op's forward (on raw arrays) and backward (in Ember ops) in one class.

An instance is both the ``ctx`` that forward/backward receive and the graph node that
``y.grad_fn`` points to. At ``apply`` time it records one *edge* per argument: ``None`` or
``(node_or_leaf, output_nr, shape, numpy_dtype)`` taken from the input as it was then, so a
later in-place op that re-points a tensor's ``grad_fn`` cannot change this node's inputs.

Note [saved tensors and version counters]
``save_for_backward`` takes arrays. After forward they are resolved once: an input's array
comes back from ``saved_tensors`` as that input Tensor, an output's array as a fresh Tensor
attached to this node (holding the output Tensor itself would make a reference cycle), and
anything else as a constant. Each record keeps the tensor's version counter and the version
at save time; if they differ at backward time the op was fed a tensor that an in-place op
has since changed, and we raise PyTorch's error naming the op.
"""

from __future__ import annotations

import functools

import numpy

from ember.autograd.grad_mode import _state
from ember.backend import cupy

__all__ = ["Function", "TensorFunction", "FunctionCtx", "once_differentiable", "anomaly_state"]

_ndarray = numpy.ndarray


class _Anomaly:
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


anomaly_state = _Anomaly()
_Tensor = None  # ember._tensor.Tensor, bound when that module is imported


def _device_error(cls, a, b) -> RuntimeError:
    from ember.backend import device_of

    return RuntimeError(
        f"{cls._op_name()}: expected all tensors to be on the same device, "
        f"but found at least two devices, {device_of(a)} and {device_of(b)}!"
    )


class Function:
    """Base of every op: ``forward(ctx, *arrays)`` on xp arrays, ``backward(ctx, *grads)``
    written with Ember ops on Tensors; call ``Op.apply(*args)``.

    >>> from ember.autograd.function import Function
    >>> class Double(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         return gy * 2
    >>> Double.apply(ember.ones(2))
    tensor([2., 2.])
    """

    __slots__ = (
        "xp",
        "needs_input_grad",
        "_edges",
        "_saved",
        "_to_save",
        
        "_non_diff",
        "_materialize",
        "_pre_hooks",
        "_post_hooks",
        "_n_out",
        "_out_meta",
        "_trace",
        "__dict__",
        "__weakref__",
    )

    _tensor_api = False  # forward takes raw arrays
    _view_of = None  # index of the argument whose memory the (single) output views
    _once_differentiable = False

    # -- the ctx API -------------------------------------------------------------------
    def save_for_backward(self, *arrays) -> None:
        """Keep these forward arrays for backward (see Note [saved tensors...])."""
        self._to_save = arrays

    @property
    def saved_tensors(self) -> tuple:
        """The saved arrays as Tensors: inputs/outputs graph-connected, others constant."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        out = []
        for rec in saved:
            kind = rec[0]
            if kind == 0:  # constant
                out.append(rec[1])
            elif kind == 1:  # input tensor
                _, tensor, vc, version = rec
                if vc is not None and vc[0] != version:
                    raise self._modified_error(tensor, vc[0], version)
                out.append(tensor)
            else:  # output: a tensor attached to this node
                _, array, nr, vc, version = rec
                if vc[0] != version:
                    raise self._modified_error(_Tensor._make(array), vc[0], version, nr)
                t = _Tensor._make(array, True, self, nr)
                t._vc = vc
                out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *arrays) -> None:
        """Declare outputs (by identity) that never carry a gradient (indices, masks)."""
        self._non_diff = arrays

    def set_materialize_grads(self, value: bool) -> None:
        """With ``False``, backward gets ``None`` (not zeros) for outputs that had no grad."""
        self._materialize = value

    def mark_dirty(self, *args) -> None:
        raise NotImplementedError(
            "autograd.Function: mark_dirty (in-place custom functions) is not supported; "
            "return a new tensor from forward instead"
        )

    # -- the node API ------------------------------------------------------------------
    @classmethod
    def _op_name(cls) -> str:
        return cls.__name__.lower()

    def name(self) -> str:
        """The node's name as PyTorch prints it: ``MulBackward0``."""
        return f"{type(self).__name__}Backward" + ("" if self._tensor_api else "0")

    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per input; leaves appear as ``AccumulateGrad`` nodes."""
        from ember.autograd.engine import AccumulateGrad

        out = []
        for edge in self._edges:
            if edge is None:
                out.append((None, 0))
            elif isinstance(edge[0], Function):
                out.append((edge[0], edge[1]))
            else:
                out.append((AccumulateGrad(edge[0]), 0))
        return tuple(out)

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before this node's backward; may return new grads."""
        return self._add_pre_hook(-1, fn)

    def _add_pre_hook(self, key, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(key, [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    def _modified_error(self, tensor, now, expected, output_nr=None) -> RuntimeError:
        shape = list(tensor._data.shape)
        kind = type(tensor._data).__module__.split(".")[0]
        dtype = tensor.dtype.name.capitalize().replace("float", "Float")
        what = f"[ember.{dtype}Tensor {shape}]"
        if kind != "numpy":
            what = f"[ember.cuda.{dtype}Tensor {shape}]"
        where = f", which is output {output_nr} of {self.name()}," if output_nr is not None else ""
        return RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what}{where} is at version {now}; expected version "
            f"{expected} instead. Hint: the tensor was saved by {self.name()}; clone it "
            "before modifying it in place, or do the in-place op out of place."
        )

    # -- apply: the hot path ------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Run forward on the arguments' arrays and, when grad is on, record the node."""
        ctx = object.__new__(cls)
        Tensor = _Tensor
        record = _state.enabled
        array_type = None
        any_grad = False
        arrays = []
        first = None
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                if array_type is None:
                    array_type, first = type(d), d
                elif type(d) is not array_type:
                    raise _device_error(cls, first, d)
                if record and a._requires_grad:
                    any_grad = True
                arrays.append(d)
            else:
                arrays.append(a)
        if array_type is _ndarray or array_type is None:
            ctx.xp = numpy
        else:
            ctx.xp = cupy()
            for d in arrays:
                if type(d) is array_type and d.device.id != first.device.id:
                    raise _device_error(cls, first, d)

        ctx._saved = ctx._to_save = ctx._non_diff = ctx._pre_hooks = ctx._post_hooks = None
        ctx._materialize = ctx._trace = None
        if cls._tensor_api:
            arrays = args
        if not any_grad:
            if cls._tensor_api:
                prev, _state.enabled = _state.enabled, False
                try:
                    out = cls.forward(ctx, *args)
                finally:
                    _state.enabled = prev
                return out
            out = cls.forward(ctx, *arrays)
            if type(out) is tuple:
                return tuple(_wrap_plain(o) for o in out)
            if type(out) is not _ndarray:
                return _wrap_plain(out)
            t = object.__new__(Tensor)
            t._data = out
            t._requires_grad = False
            t.grad = t.grad_fn = t._vc = t._base = t._hooks = None
            t._output_nr = 0
            if cls._view_of is not None:
                _share_version(t, args[cls._view_of])
            return t
        return cls._apply_recording(ctx, args, arrays)

    @classmethod
    def _apply_recording(cls, ctx, args, arrays):
        Tensor = _Tensor
        needs = []
        edges = []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                needs.append(True)
                d = a._data
                if a.grad_fn is not None:
                    edges.append((a.grad_fn, a._output_nr, d.shape, d.dtype))
                else:
                    edges.append((a, 0, d.shape, d.dtype))
            else:
                needs.append(False)
                edges.append(None)
        ctx.needs_input_grad = tuple(needs)
        ctx._edges = tuple(edges)
        if anomaly_state.enabled:
            import traceback

            ctx._trace = "".join(traceback.format_stack()[:-3])
        else:
            ctx._trace = None

        if cls._tensor_api:
            prev, _state.enabled = _state.enabled, False
            try:
                raw_out = cls.forward(ctx, *args)
            finally:
                _state.enabled = prev
            single = not isinstance(raw_out, tuple)
            outs = (raw_out,) if single else raw_out
            outs_arrays = tuple(o._data if isinstance(o, Tensor) else o for o in outs)
            arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
            ctx._to_save = _tensors_to_arrays(ctx._to_save)
            ctx._non_diff = _tensors_to_arrays(ctx._non_diff)
        else:
            raw_out = cls.forward(ctx, *arrays)
            single = type(raw_out) is not tuple
            outs_arrays = (raw_out,) if single else raw_out

        non_diff = ctx._non_diff or ()
        results = []
        meta = []
        for nr, raw in enumerate(outs_arrays):
            if raw is None:
                results.append(None)
                meta.append(None)
                continue
            arr = raw if isinstance(raw, _ndarray) or ctx.xp is not numpy else numpy.asarray(raw)
            differentiable = arr.dtype.kind in "fcV" and not any(raw is n for n in non_diff)
            t = Tensor._make(arr, differentiable, ctx if differentiable else None, nr)
            results.append(t)
            meta.append((arr.shape, arr.dtype))
        ctx._n_out = len(outs_arrays)
        ctx._out_meta = tuple(meta)
        if cls._view_of is not None:
            _share_version(results[0], args[cls._view_of])

        to_save = ctx._to_save
        if to_save is not None:
            saved = []
            for s in to_save:
                saved.append(_resolve_saved(s, args, arrays, outs_arrays, results))
            ctx._saved = tuple(saved)
            ctx._to_save = None
        else:
            ctx._saved = ()
        return results[0] if single else tuple(results)


def _tensors_to_arrays(items):
    if items is None:
        return None
    return tuple(getattr(t, "_data", t) for t in items)


def _resolve_saved(s, args, arrays, outs_arrays, results):
    if s is None:
        return (0, None)
    for a, d in zip(args, arrays):
        if d is s and isinstance(a, _Tensor):
            vc = a._vc
            if vc is None:
                vc = a._vc = [0]
            return (1, a, vc, vc[0])
    for nr, o in enumerate(outs_arrays):
        if o is s and results[nr] is not None:
            t = results[nr]
            if t._vc is None:
                t._vc = [0]
            return (2, t._data, nr, t._vc, t._vc[0])
    if isinstance(s, _ndarray) or hasattr(s, "__cuda_array_interface__"):
        return (0, _Tensor._make(s))
    return (0, s)  # a Python scalar stays a scalar


def _wrap_plain(out):
    if out is None:
        return None
    if not isinstance(out, _ndarray) and not hasattr(out, "__cuda_array_interface__"):
        out = numpy.asarray(out)
    return _Tensor._make(out)


def _share_version(view, base) -> None:
    if base._vc is None:
        base._vc = [0]
    view._vc = base._vc
    view._base = base if base._base is None else base._base


class TensorFunction(Function):
    """User-defined autograd op, as ``torch.autograd.Function``: ``forward(ctx, *args)`` and
    ``backward(ctx, *grads)`` both take and return Tensors; call ``MyOp.apply(...)``.

    >>> class Cube(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x**2 * gy
    >>> x = ember.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward(); x.grad
    tensor([12.])
    """

    _tensor_api = True


FunctionCtx = Function


class _DelayedError(Function):
    @staticmethod
    def forward(ctx, x, name):
        ctx.message = name
        return x

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError(
            f"trying to differentiate twice a function that was marked with "
            f"@once_differentiable ({ctx.message})"
        )


def _delayed_error(g, ctx):
    # A tensor whose grad_fn raises: double backward through a once-differentiable op.
    node = object.__new__(_DelayedError)
    node.xp = ctx.xp
    node.needs_input_grad = (False, False)
    node._edges = (None, None)
    node._saved = ()
    node._to_save = node._non_diff = node._pre_hooks = node._post_hooks = node._trace = None
    node._n_out = 1
    node._out_meta = ((g._data.shape, g._data.dtype),)
    node.message = ctx.name()
    return _Tensor._make(g._data, True, node, 0)


def once_differentiable(backward):
    """Decorator for a ``backward`` that works on raw arrays: it runs without recording, and
    differentiating its result again raises a clear error instead of a wrong answer."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        create_graph = _state.enabled
        prev, _state.enabled = _state.enabled, False
        try:
            result = backward(ctx, *grads)
        finally:
            _state.enabled = prev
        if not create_graph:
            return result
        single = not isinstance(result, tuple)
        items = (result,) if single else result
        wrapped = tuple(_delayed_error(g, ctx) if isinstance(g, _Tensor) else g for g in items)
        return wrapped[0] if single else wrapped

    wrapper._once_differentiable = True
    return wrapper


class _RemovableHandle:
    __slots__ = ("_list", "_fn")

    def __init__(self, hooks: list, fn) -> None:
        self._list, self._fn = hooks, fn

    def remove(self) -> None:
        """Unregister the hook (a no-op when it is already gone)."""
        try:
            self._list.remove(self._fn)
        except ValueError:
            pass
