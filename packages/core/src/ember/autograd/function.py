"""``Function``: one op's forward (on raw arrays) and backward (in Ember ops) in one class.

An instance is both the ``ctx`` that forward/backward receive and the graph node that
``y.grad_fn`` points to. At ``apply`` time it records one *edge* per argument:
``(node_or_leaf, output_nr, shape, numpy_dtype)`` taken from the input as it was then (so a
later in-place op that re-points a tensor's ``grad_fn`` cannot change this node's inputs),
``None`` for a tensor that needs no gradient, ``False`` for a non-tensor argument.

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


class _NoneNeeded(tuple):
    """``needs_input_grad`` outside recording: False for every index."""

    __slots__ = ()

    def __getitem__(self, index):
        return False


_NO_GRAD_NEEDED = _NoneNeeded()


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
    ...
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
        "_dirty",
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

    def __getattr__(self, name):
        # Only reached for unset slots: ``apply``'s no-grad path leaves ``needs_input_grad``
        # unset (it is on the hot path); forward may still read it, and then nothing needs
        # a gradient, as in PyTorch.
        if name == "needs_input_grad":
            return _NO_GRAD_NEEDED
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place and returns (custom Functions
        only): the returned tensor is the input object itself, now with this node as its
        ``grad_fn``, and its version is bumped, as ``ctx.mark_dirty`` in PyTorch."""
        if not self._tensor_api:
            raise RuntimeError(
                "mark_dirty: only custom autograd.Function forwards (on Tensors) can mark "
                "inputs dirty; array-level ops write their result to a new array"
            )
        self._dirty = tensors

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
            if edge is False:
                continue
            if edge is None:
                out.append((None, 0))
            elif isinstance(edge[0], Function):
                out.append((edge[0], edge[1]))
            else:
                out.append((AccumulateGrad(edge[0]), 0))
        return tuple(out)

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward; a non-None
        result replaces ``grad_inputs``."""
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
        # PyTorch's wording: a saved output names this node, a saved input the node that
        # made it (its grad_fn now), without the "Backward0" suffix; a leaf names none.
        if output_nr is not None:
            node = self
        else:
            node, output_nr = tensor.grad_fn, tensor._output_nr
        where = ""
        if node is not None:
            where = f", which is output {output_nr} of {_short_name(node.name())},"
        hint = (
            "Hint: the backtrace further above shows the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. Good "
            "luck!"
            if anomaly_state.enabled
            else "Hint: enable anomaly detection to find the operation that failed to compute "
            "its gradient, with ember.autograd.set_detect_anomaly(True, check_nan=False)."
        )
        return RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{_type_name(tensor._data)} {list(tensor._data.shape)}]{where} "
            f"is at version {now}; expected version {expected} instead. {hint}"
        )

    # -- apply: the hot path ------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Run forward on the arguments' arrays and, when grad is on, record the node."""
        # Note [apply hot path]: one pass over args collects arrays, the array type (device
        # check) and whether any input requires grad; with nothing to record, the ctx gets
        # only ``xp`` and the output is wrapped inline (no ``Tensor._make`` call). The
        # recording path initialises the rest of the ctx in ``_apply_recording``.
        Tensor = _Tensor
        any_grad = False
        array_type = None
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                if a._requires_grad:
                    any_grad = True
                if array_type is None:
                    array_type = type(d)
                    first = d
                elif type(d) is not array_type:
                    raise _device_error(cls, first, d)
                arrays.append(d)
            else:
                arrays.append(a)
        ctx = object.__new__(cls)
        if array_type is _ndarray or array_type is None:
            ctx.xp = numpy
        else:
            ctx.xp = cupy()
            dev = first.device.id
            for d in arrays:
                if type(d) is array_type and d.device.id != dev:
                    raise _device_error(cls, first, d)
        if any_grad and _state.enabled:
            return cls._apply_recording(ctx, args, arrays)
        if cls._tensor_api:
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
            prev, _state.enabled = _state.enabled, False
            try:
                return cls.forward(ctx, *args)
            finally:
                _state.enabled = prev
        out = cls.forward(ctx, *arrays)
        if type(out) is _ndarray:
            t = object.__new__(Tensor)
            t._data = out
            t._requires_grad = False
            t.grad = t.grad_fn = t._vc = t._base = t._hooks = None
            t._output_nr = 0
            if cls._view_of is not None:
                _share_version(t, args[cls._view_of])
            return t
        if type(out) is tuple:
            return tuple(_wrap_plain(o) for o in out)
        t = _wrap_plain(out)
        if cls._view_of is not None and t is not None:
            _share_version(t, args[cls._view_of])
        return t

    @classmethod
    def _apply_recording(cls, ctx, args, arrays):
        Tensor = _Tensor
        ctx._saved = ctx._to_save = ctx._non_diff = ctx._pre_hooks = ctx._post_hooks = None
        ctx._materialize = ctx._dirty = None
        needs = []
        edges = []
        # An edge per argument: a tuple, None for a tensor that needs no grad, False for a
        # non-tensor argument (``next_functions`` lists tensors only, as PyTorch's does).
        for a in args:
            if isinstance(a, Tensor):
                if a._requires_grad:
                    needs.append(True)
                    d = a._data
                    if a.grad_fn is not None:
                        edges.append((a.grad_fn, a._output_nr, d.shape, d.dtype))
                    else:
                        edges.append((a, 0, d.shape, d.dtype))
                else:
                    needs.append(False)
                    edges.append(None)
            else:
                needs.append(False)
                edges.append(False)
        ctx.needs_input_grad = tuple(needs)
        ctx._edges = tuple(edges)
        if anomaly_state.enabled:
            import traceback

            ctx._trace = "".join(traceback.format_stack()[:-2])
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
            if type(raw_out) is _ndarray and ctx._non_diff is None:
                # The common case, inline: one numpy output, nothing marked.
                dt = raw_out.dtype
                differentiable = dt.kind in "fcV"
                t = object.__new__(Tensor)
                t._data = raw_out
                t._requires_grad = differentiable
                t.grad = t._vc = t._base = t._hooks = None
                t.grad_fn = ctx if differentiable else None
                t._output_nr = 0
                ctx._n_out = 1
                ctx._out_meta = ((raw_out.shape, dt),)
                if cls._view_of is not None:
                    _share_version(t, args[cls._view_of])
                to_save = ctx._to_save
                if to_save is None:
                    ctx._saved = ()
                else:
                    outs, results = (raw_out,), (t,)
                    ctx._saved = tuple(
                        [_resolve_saved(s, args, arrays, outs, results) for s in to_save]
                    )
                    ctx._to_save = None
                return t
            single = type(raw_out) is not tuple
            outs_arrays = (raw_out,) if single else raw_out

        non_diff = ctx._non_diff or ()
        dirty = ctx._dirty
        results = []
        meta = []
        for nr, raw in enumerate(outs_arrays):
            if raw is None:
                results.append(None)
                meta.append(None)
                continue
            arr = raw if isinstance(raw, _ndarray) or ctx.xp is not numpy else numpy.asarray(raw)
            differentiable = arr.dtype.kind in "fcV" and not any(raw is n for n in non_diff)
            if dirty and any(outs[nr] is d for d in dirty):
                t = _rebase_dirty(ctx, outs[nr], differentiable, nr)
            else:
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
                saved.append(_resolve_saved(s, args, arrays, outs_arrays, results, dirty))
            ctx._saved = tuple(saved)
            ctx._to_save = None
        else:
            ctx._saved = ()
        ctx._dirty = ctx._non_diff = None  # they reference outputs: keeping them is a cycle
        return results[0] if single else tuple(results)


_TYPE_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def _type_name(array) -> str:
    """PyTorch's legacy type name for an array: ``ember.FloatTensor``, ``ember.cuda.LongTensor``."""
    name = _TYPE_NAMES.get(str(array.dtype), str(array.dtype).capitalize())
    where = "ember." if type(array) is _ndarray else "ember.cuda."
    return f"{where}{name}Tensor"


def _short_name(name: str) -> str:
    for suffix in ("Backward0", "Backward1", "Backward"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _tensors_to_arrays(items):
    if items is None:
        return None
    return tuple(getattr(t, "_data", t) for t in items)


def _rebase_dirty(ctx, t, differentiable, nr):
    # Note [mark_dirty]: the modified input *is* the output; it takes this node as its
    # history (the node's edges already point at its old history) and a new version.
    if t.grad_fn is None and t._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad has been used in an in-place operation."
        )
    if t._base is not None and t._base._requires_grad:
        raise NotImplementedError(
            f"{type(ctx).__name__}: mark_dirty on a view of a tensor that requires grad is not "
            "supported; clone the view first"
        )
    t._bump_version()
    t.grad_fn = ctx if differentiable else None
    t._output_nr = nr
    t._requires_grad = differentiable
    return t


def _resolve_saved(s, args, arrays, outs_arrays, results, dirty=None):
    if s is None:
        return (0, None)
    if dirty:  # a dirty input is an output now; saving it as an input would make a cycle
        for nr, o in enumerate(outs_arrays):
            if o is s and results[nr] is not None and results[nr].grad_fn is not None:
                t = results[nr]
                return (2, t._data, nr, t._vc, t._vc[0])
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
    ...
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x**2 * gy
    >>> x = ember.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
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
    node._edges = (None, False)
    node._saved = ()
    node._to_save = node._non_diff = node._pre_hooks = node._post_hooks = node._trace = None
    node._materialize = node._dirty = None
    node._n_out = 1
    node._out_meta = ((g._data.shape, g._data.dtype),)
    node.message = ctx.name()
    return _Tensor._make(g._data, True, node, 0)


def once_differentiable(backward):
    """Decorator for a ``backward`` that cannot be differentiated (it works on raw arrays):
    it runs without recording, and when the incoming gradients are themselves
    differentiable its results get a node that raises a clear error if anything
    differentiates through it, as ``torch.autograd.function.once_differentiable``.

    >>> class Square(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...
    ...     @staticmethod
    ...     @ember.autograd.once_differentiable
    ...     def backward(ctx, gy):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * gy
    >>> x = ember.tensor([3.0], requires_grad=True)
    >>> ember.autograd.grad(Square.apply(x).sum(), x)
    (tensor([6.]),)
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        create_graph = _state.enabled
        prev, _state.enabled = _state.enabled, False
        try:
            result = backward(ctx, *grads)
        finally:
            _state.enabled = prev
        # As PyTorch: only when the incoming grads are themselves differentiable does the
        # result get a grad_fn, one that raises if anything differentiates through it.
        if not create_graph or not any(isinstance(g, _Tensor) and g._requires_grad for g in grads):
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
