"""The backward engine: an iterative topological walk over ``Function`` nodes.

One pass counts, for every node reachable from the roots, how many edges point at it; a node
runs once all of them have delivered (or declined to deliver) a gradient. No recursion, so
10,000-node chains work. Gradients reaching a leaf are accumulated into ``.grad`` (or, for
``autograd.grad``, captured and returned).
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

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def _root_edge(t, i: int):
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._requires_grad:
        return (t, 0)
    raise RuntimeError(
        f"element {i} of tensors does not require grad and does not have a grad_fn"
    )


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
):
    """Backpropagate ``grad_tensors`` from ``tensors``. With ``accumulate`` gradients go into
    leaves' ``.grad`` (restricted to ``inputs`` if given); otherwise the gradients of
    ``inputs`` are returned in order (``None`` for unused ones)."""
    Tensor = _function._Tensor
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        roots.append((_root_edge(t, i), g))

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

    # Pass 1: dependency counts over nodes reachable from the roots.
    deps: dict = {}
    stack = []
    for (obj, _), _g in roots:
        if isinstance(obj, Function) and obj not in deps:
            deps[obj] = 0
            stack.append(obj)
    order = []
    while stack:
        node = stack.pop()
        order.append(node)
        edges = node._edges
        for edge in edges:
            if edge is None:
                continue
            nxt = edge[0]
            if isinstance(nxt, Function):
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                    stack.append(nxt)

    # Restrict execution to nodes that lead to a target when only some inputs are wanted.
    needed = None
    if inputs is not None:
        needed = _needed_nodes(order, deps, leaf_targets, node_targets)

    buffers: dict = {}
    seen_arrays: set = set()
    for (obj, nr), g in roots:
        if isinstance(obj, Function):
            buf = buffers.get(obj)
            if buf is None:
                buf = buffers[obj] = [None] * obj._n_out
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        else:
            seen_arrays.add(_array_root(g._data))
            _deliver_leaf(obj, g, create_graph, accumulate, leaf_targets, captured, seen_arrays)

    ready = [n for n in {id(n): n for (n, _), _g in roots if isinstance(n, Function)}.values()
             if deps[n] == 0]
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            run = grads is not None and (needed is None or node in needed)
            if grads is not None and node_targets:
                for nr, g in enumerate(grads):
                    k = node_targets.get((node, nr))
                    if k is not None and g is not None:
                        captured[k] = g
            if grads is not None and node._pre_hooks:
                grads = _run_pre_hooks(node, grads)
            if run:
                grad_inputs = _call_backward(node, grads, retain_graph)
            else:
                grad_inputs = None
            for i, edge in enumerate(node._edges):
                if edge is None:
                    continue
                nxt = edge[0]
                g = grad_inputs[i] if grad_inputs is not None else None
                if g is not None:
                    if g._data.shape != edge[2] or g._data.dtype != edge[3]:
                        g = _fit(node, i, g, edge[2], edge[3])
                if isinstance(nxt, Function):
                    if g is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt._n_out
                        nr = edge[1]
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                    deps[nxt] -= 1
                    if deps[nxt] == 0:
                        ready.append(nxt)
                elif g is not None:
                    _deliver_leaf(
                        nxt, g, create_graph, accumulate, leaf_targets, captured, seen_arrays
                    )
    finally:
        _state.enabled = prev_mode

    if not accumulate:
        if not allow_unused:
            for k, c in enumerate(captured):
                if c is None:
                    raise RuntimeError(
                        f"One of the differentiated Tensors (input {k}) appears to not have "
                        "been used in the graph. Set allow_unused=True if this is the desired "
                        "behavior."
                    )
        return captured
    if inputs is not None:
        for t, g in zip(inputs, captured):
            if g is not None and t.grad_fn is not None:
                _accumulate(t, g, create_graph, seen_arrays)
    return None


def _needed_nodes(order, deps, leaf_targets, node_targets) -> set:
    # ``order`` is a DFS pre-order; a node is needed if an edge leads to a target. Iterate to
    # a fixed point from the back, which settles in one or two sweeps for DAGs from a DFS.
    target_nodes = {n for (n, _nr) in node_targets}
    needed: set = set()
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node in needed:
                continue
            for edge in node._edges:
                if edge is None:
                    continue
                nxt = edge[0]
                if isinstance(nxt, Function):
                    hit = nxt in needed or nxt in target_nodes
                else:
                    hit = id(nxt) in leaf_targets
                if hit:
                    needed.add(node)
                    changed = True
                    break
    return needed


def _run_pre_hooks(node, grads):
    hooks = node._pre_hooks
    for nr in range(len(grads)):
        for hook in hooks.get(nr, ()):
            if grads[nr] is None:
                continue
            result = hook(grads[nr])
            if result is not None:
                grads[nr] = result
    for hook in hooks.get(-1, ()):
        result = hook(tuple(grads))
        if result is not None:
            grads = list(result)
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
    if anomaly_state.enabled:
        _check_anomaly(node, result)
    if node._post_hooks:
        for hook in node._post_hooks:
            hook(result, tuple(grads))
    if not retain_graph:
        node._saved = None
    return result


def _check_anomaly(node, result):
    for i, g in enumerate(result):
        if g is None:
            continue
        xp = node.xp
        if g._data.dtype.kind in "fc" and bool(xp.isnan(g._data).any()):
            trace = node._trace or "(no forward trace: it was made outside detect_anomaly)\n"
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                f"The forward call that created it:\n{trace}"
            )


def _deliver_leaf(leaf, g, create_graph, accumulate, leaf_targets, captured, seen_arrays):
    if leaf_targets or not accumulate:
        k = leaf_targets.get(id(leaf))
        if k is None:
            return
        if not accumulate:
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
