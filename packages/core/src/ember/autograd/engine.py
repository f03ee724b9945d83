"""The backward engine: an iterative topological walk over ``Function`` nodes.

One pass counts, for every node (and leaf) reachable from the roots, how many edges point at
it; a node runs once all of them have delivered (or declined to deliver) a gradient. No
recursion, so 10,000-node chains work. A leaf's gradients are summed over its edges, then its
hooks run once and the sum is accumulated into ``.grad`` (or, for ``autograd.grad``, captured
and returned). Hook order is PyTorch's: tensor hooks, node pre-hooks, ``retain_grad`` stores,
the node's backward, node post-hooks. A node frees what it saved after its backward unless
``retain_graph``; one that saved nothing can run again, as in PyTorch.
"""

from __future__ import annotations

from ember.autograd import function as _function
from ember.autograd.function import Function, anomaly_state
from ember.autograd.grad_mode import _state

__all__ = ["run_backward", "AccumulateGrad"]


class AccumulateGrad:
    """The node PyTorch shows for a leaf in ``next_functions``; ``.variable`` is the leaf."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def register_prehook(self, fn):
        """Call ``fn((grad,))`` before the leaf's gradient is accumulated; a non-None
        result ``(new_grad,)`` replaces it. Returns a handle with ``.remove()``."""

        def hook(grad):
            result = fn((grad,))
            return None if result is None else result[0]

        return self.variable._leaf_hook("pre", hook)

    def register_hook(self, fn):
        """Call ``fn((), (grad,))`` after the leaf's gradient was accumulated into ``.grad``
        (the hook old-style DDP/Horovod code hangs off ``AccumulateGrad``)."""
        return self.variable._leaf_hook("post", lambda leaf: fn((), (leaf.grad,)))

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def _root_edge(t, i: int):
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._requires_grad:
        return (t, 0)
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _array_root(a):
    base = a.base
    while base is not None and hasattr(base, "base") and base.base is not None:
        base = base.base
    return id(base if base is not None else a)


def _fit(node, i, g, shape, dtype):
    """Cast/sum a gradient to the shape and dtype of the input it flows to (PyTorch's
    validate_outputs): ops may return broadcast-shaped or promoted-dtype gradients."""
    d = g._data
    if d.shape != shape:
        from ember._ops.reduction import sum_to_size

        try:
            g = sum_to_size(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(d.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if g._data.dtype != dtype:
        if g._data.dtype.kind == "c" and dtype.kind != "c":
            g = g.real  # a real input's gradient is the real part, as PyTorch takes it
        g = g.to(_function._Tensor._dtype_of(dtype))
    return g


def run_backward(
    tensors,
    grad_tensors,
    retain_graph: bool,
    create_graph: bool,
    inputs=None,
    accumulate: bool = True,
    allow_unused: bool = True,
    owned=None,
):
    """Backpropagate ``grad_tensors`` from ``tensors``. With ``accumulate`` gradients go into
    leaves' ``.grad`` (restricted to ``inputs`` if given); otherwise the gradients of
    ``inputs`` are returned in order (``None`` for unused ones). ``owned[i]`` says the
    engine made root gradient ``i`` itself, so a leaf may keep its array without a copy."""
    roots = [(_root_edge(t, i), g) for i, (t, g) in enumerate(zip(tensors, grad_tensors))]

    # Targets: leaves by identity, non-leaves by (node, output_nr).
    leaf_targets: dict[int, int] = {}
    node_targets: dict[tuple, int] = {}
    if inputs is not None:
        for k, t in enumerate(inputs):
            if t.grad_fn is not None:
                node_targets[(t.grad_fn, t._output_nr)] = k
            elif t._requires_grad:
                leaf_targets[id(t)] = k
            elif not accumulate:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
    captured = [None] * (len(inputs) if inputs is not None else 0)

    # Pass 1: dependency counts over nodes (and leaves, by id) reachable from the roots.
    deps: dict = {}
    leaf_deps: dict[int, int] = {}
    root_nodes = []
    for (obj, _), _g in roots:
        if isinstance(obj, Function) and obj not in deps:
            deps[obj] = 0
            root_nodes.append(obj)
    stack = root_nodes[:]
    while stack:
        for edge in stack.pop()._edges:
            if edge:
                nxt = edge[0]
                if isinstance(nxt, Function):
                    if nxt in deps:
                        deps[nxt] += 1
                    else:
                        deps[nxt] = 1
                        stack.append(nxt)
                else:
                    key = id(nxt)
                    leaf_deps[key] = leaf_deps.get(key, 0) + 1

    # Restrict execution to nodes that lead to a target when only some inputs are wanted.
    needed = None
    if inputs is not None:
        needed = _needed_nodes(root_nodes, deps, leaf_targets, node_targets)

    # A leaf's gradient is summed over all its incoming edges before its hooks run and it
    # is accumulated once (PyTorch's AccumulateGrad input buffer): hooks see the total.
    # ``leaf_buffers`` holds the partial sums of leaves still waiting for an edge.
    leaf_buffers: dict[int, list] = {}
    buffers: dict = {}
    # Arrays the caller owns (root grads) or that reached a leaf already: a leaf's .grad
    # must never alias them, or a later in-place accumulation would write into them.
    seen_arrays: set = set()
    for k, ((obj, nr), g) in enumerate(roots):
        if owned is None or not owned[k]:
            seen_arrays.add(_array_root(g._data))
        if isinstance(obj, Function):
            buf = buffers.get(obj)
            if buf is None:
                buf = buffers[obj] = [None] * obj._n_out
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        else:
            entry = leaf_buffers.get(id(obj))
            if entry is None:
                leaf_buffers[id(obj)] = [obj, g]
            else:
                entry[1] = entry[1] + g

    ready = [n for n in root_nodes if deps[n] == 0]
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        if leaf_buffers:
            for key in [k for k in leaf_buffers if k not in leaf_deps]:
                leaf, g = leaf_buffers.pop(key)  # a root leaf that no edge leads to
                _deliver_leaf(
                    leaf, g, create_graph, accumulate, leaf_targets, captured, seen_arrays
                )
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is not None:
                if node._pre_hooks:
                    grads = _run_pre_hooks(node, grads)
                if node_targets:
                    # Captured after the tensor hooks ran, as PyTorch does.
                    for nr, g in enumerate(grads):
                        k = node_targets.get((node, nr))
                        if k is not None and g is not None:
                            captured[k] = g
                if needed is None or node in needed:
                    grad_inputs = _call_backward(node, grads, retain_graph)
                else:
                    grad_inputs = None
            else:
                grad_inputs = None
            for i, edge in enumerate(node._edges):
                if not edge:
                    continue
                nxt = edge[0]
                g = None if grad_inputs is None else grad_inputs[i]
                if g is not None:
                    d = g._data
                    if d.shape != edge[2] or d.dtype != edge[3]:
                        g = _fit(node, i, g, edge[2], edge[3])
                if isinstance(nxt, Function):
                    if g is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt._n_out
                        nr = edge[1]
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                    left = deps[nxt] - 1
                    deps[nxt] = left
                    if left == 0:
                        ready.append(nxt)
                    continue
                key = id(nxt)
                left = leaf_deps[key] - 1
                leaf_deps[key] = left
                entry = leaf_buffers.pop(key, None) if leaf_buffers else None
                if entry is not None and g is not None:
                    g = entry[1] + g
                elif entry is not None:
                    g = entry[1]
                if g is None:
                    continue
                if left == 0:
                    _deliver_leaf(
                        nxt, g, create_graph, accumulate, leaf_targets, captured, seen_arrays
                    )
                else:
                    leaf_buffers[key] = [nxt, g]
    finally:
        _state.enabled = prev_mode

    if not accumulate:
        if not allow_unused:
            for k, c in enumerate(captured):
                if c is None:
                    raise RuntimeError(
                        f"The differentiated Tensor at index {k} appears to not have been "
                        "used in the graph. Set allow_unused=True if this is the desired "
                        "behavior."
                    )
        return captured
    if inputs is not None:
        for t, g in zip(inputs, captured):
            if g is not None and t.grad_fn is not None:
                _accumulate(t, g, create_graph, seen_arrays)
    return None


def _needed_nodes(roots, deps, leaf_targets, node_targets) -> set:
    # A node is needed if an edge leads to a target or to a needed node. One pass in reverse
    # topological order (Kahn's algorithm on a copy of the dependency counts) settles it:
    # every node's successors are decided before the node itself. Linear in the graph size.
    remaining = dict(deps)
    ready = [n for n in roots if remaining[n] == 0]
    topo = []
    while ready:
        node = ready.pop()
        topo.append(node)
        for edge in node._edges:
            if edge and isinstance(edge[0], Function):
                nxt = edge[0]
                remaining[nxt] -= 1
                if remaining[nxt] == 0:
                    ready.append(nxt)
    target_nodes = {n for (n, _nr) in node_targets}
    needed: set = set()
    for node in reversed(topo):
        for edge in node._edges:
            if not edge:
                continue
            nxt = edge[0]
            if isinstance(nxt, Function):
                hit = nxt in needed or nxt in target_nodes
            else:
                hit = id(nxt) in leaf_targets
            if hit:
                needed.add(node)
                break
    return needed


def _is_retain_hook(hook) -> bool:
    return getattr(hook, "_retains_grad", False)


def _run_pre_hooks(node, grads):
    # PyTorch's order: tensor hooks (per output), then the node's pre-hooks, and last the
    # retain_grad stores, so ``.grad`` of a non-leaf sees what its hooks returned.
    hooks = node._pre_hooks
    retain = []
    for nr in range(len(grads)):
        for hook in hooks.get(nr, ()):
            if grads[nr] is None:
                continue
            if _is_retain_hook(hook):
                retain.append((nr, hook))
                continue
            result = hook(grads[nr])
            if result is not None:
                grads[nr] = result
    for hook in hooks.get(-1, ()):
        result = hook(tuple(grads))
        if result is not None:
            grads = list(result)
    for nr, hook in retain:
        if grads[nr] is not None:
            hook(grads[nr])
    return grads


def _call_backward(node, grads, retain_graph):
    Tensor = _function._Tensor
    if node._saved is None:
        node.saved_tensors  # noqa: B018 - raises the "backward a second time" error
    materialize = node._materialize is not False
    for nr, g in enumerate(grads):
        if g is None and materialize:
            shape, dtype = node._out_meta[nr]
            grads[nr] = Tensor._make(node.xp.zeros(shape, dtype))
    if anomaly_state.enabled:
        try:
            result = type(node).backward(node, *grads)
        except Exception as exc:
            exc.add_note(_forward_trace(node, "Error detected in"))
            raise
    else:
        result = type(node).backward(node, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    n_in = len(node._edges)
    if len(result) != n_in:
        if len(result) > n_in and all(r is None for r in result[n_in:]):
            result = result[:n_in]
        else:
            raise RuntimeError(
                f"function {node.name()} returned an incorrect number of gradients "
                f"(expected {n_in}, got {len(result)})"
            )
    if anomaly_state.enabled and anomaly_state.check_nan:
        _check_anomaly(node, result)
    if node._post_hooks:
        result = _run_post_hooks(node, result, grads)
    if not retain_graph and node._saved:
        # Free what forward saved; a node that saved nothing can run again, as in PyTorch.
        node._saved = None
    return result


def _run_post_hooks(node, result, grads):
    # Hooks see (and may replace) the grads of tensor arguments only, as PyTorch's
    # grad_inputs; non-tensor arguments (dtypes, dims) are skipped and get None back.
    slots = [i for i, edge in enumerate(node._edges) if edge is not False]
    for hook in node._post_hooks:
        replaced = hook(tuple(result[i] for i in slots), tuple(grads))
        if replaced is not None:
            result = list(result)
            for i, g in zip(slots, replaced):
                result[i] = g
            result = tuple(result)
    return result


def _forward_trace(node, what: str) -> str:
    trace = node._trace or "  (not recorded: the op ran outside anomaly detection)\n"
    return f"{what} {node.name()}. Traceback of forward call that caused the error:\n{trace}"


def _check_anomaly(node, result):
    xp = node.xp
    for i, g in enumerate(result):
        if g is None:
            continue
        if g._data.dtype.kind in "fcV" and bool(xp.isnan(g._data).any()):
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                + _forward_trace(node, "NaN produced by")
            )


def _deliver_leaf(leaf, g, create_graph, accumulate, leaf_targets, captured, seen_arrays):
    if leaf_targets or not accumulate:
        k = leaf_targets.get(id(leaf))
        if k is None:
            return
        if not accumulate:
            # autograd.grad: the leaf's tensor hooks still apply (not post-accumulate ones).
            hooks = leaf._hooks
            if hooks is not None:
                for hook in hooks.get("pre", ()):
                    result = hook(g)
                    if result is not None:
                        g = result
            captured[k] = g if captured[k] is None else captured[k] + g
            return
    _accumulate(leaf, g, create_graph, seen_arrays)


def _accumulate(leaf, g, create_graph, seen_arrays):
    hooks = leaf._hooks
    if hooks is not None:
        for hook in hooks.get("pre", ()):
            result = hook(g)
            if result is not None:
                g = result
    if leaf.grad is None:
        if not create_graph:
            # The same array may reach several leaves (add's backward hands gy to both
            # inputs): the second one gets a copy, so in-place grad edits never leak across.
            root = _array_root(g._data)
            if root in seen_arrays or g._data.base is not None:
                g = _function._Tensor._make(g._data.copy())
            else:
                seen_arrays.add(root)
            if g._requires_grad:
                g = g.detach()
        leaf.grad = g
    elif create_graph or leaf.grad._requires_grad:
        leaf.grad = leaf.grad + g
    else:
        leaf.grad._data += g._data
    if hooks is not None:
        for hook in hooks.get("post", ()):
            hook(leaf)
