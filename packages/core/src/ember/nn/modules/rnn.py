"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step cells, as ``torch.nn``.

Speed: the input projection of every time step of a layer is one matmul up front (with both
biases folded in where the maths allows); each step then costs one ``addmm`` for the hidden
state plus a handful of pointwise ops. The Python loop over time steps is inherent to
recurrence. A ``PackedSequence`` runs the same loop on shrinking batches: at step t only the
first ``batch_sizes[t]`` rows (the sequences still running) are updated.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy

from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


_OPS: tuple = ()


def _ops():
    """(ember, ember.nn.functional), resolved once: both load after this module."""
    global _OPS
    if not _OPS:
        import ember
        import ember.nn.functional as F

        _OPS = (ember, F)
    return _OPS


class LSTMCellFn(Function):
    """Fused LSTM cell pointwise part: ``(gates (N, 4H), c (N, H)) -> (h', c')`` with gates
    in PyTorch's (i, f, g, o) order.

    Primitive: the composed form is ~12 graph nodes per time step and its backward
    allocates a zero-filled gradient per gate slice; here the forward is one pass and the
    backward is closed form on raw arrays. When the backward itself is being recorded
    (``create_graph=True``) it is recomputed from the saved inputs with Ember ops, so
    double backward still works."""

    @staticmethod
    def forward(ctx, gates, c):
        xp = ctx.xp
        hidden = c.shape[-1]
        # sigmoid as 0.5 * (1 + tanh(x / 2)): no overflow for large |x|
        act = xp.tanh(gates * 0.5)
        act += 1
        act *= 0.5
        act[:, 2 * hidden : 3 * hidden] = xp.tanh(gates[:, 2 * hidden : 3 * hidden])
        i, f = act[:, :hidden], act[:, hidden : 2 * hidden]
        g, o = act[:, 2 * hidden : 3 * hidden], act[:, 3 * hidden :]
        c_new = f * c
        c_new += i * g
        tc = xp.tanh(c_new)
        ctx.save_for_backward(gates, c)
        ctx.act, ctx.tc, ctx.c = act, tc, c
        return o * tc, c_new

    @staticmethod
    def backward(ctx, gh, gc):
        ember, _ = _ops()
        if ember.is_grad_enabled():
            return LSTMCellFn._backward_composed(ctx, gh, gc)
        xp = ctx.xp
        act, tc, c = ctx.act, ctx.tc, ctx.c
        hidden = c.shape[-1]
        i, f = act[:, :hidden], act[:, hidden : 2 * hidden]
        g, o = act[:, 2 * hidden : 3 * hidden], act[:, 3 * hidden :]
        gh = xp.zeros_like(tc) if gh is None else gh._data
        dc = xp.zeros_like(tc) if gc is None else gc._data.copy()
        dc += gh * o * (1 - tc * tc)
        dgates = xp.empty_like(act)
        dgates[:, :hidden] = dc * g * i * (1 - i)
        dgates[:, hidden : 2 * hidden] = dc * c * f * (1 - f)
        dgates[:, 2 * hidden : 3 * hidden] = dc * i * (1 - g * g)
        dgates[:, 3 * hidden :] = gh * tc * o * (1 - o)
        dc *= f
        return Tensor._make(dgates), Tensor._make(dc)

    @staticmethod
    def _backward_composed(ctx, gh, gc):
        ember, _ = _ops()
        gates, c = ctx.saved_tensors
        hidden = c.shape[-1]
        s = ember.sigmoid(gates)
        i, f, o = s[:, :hidden], s[:, hidden : 2 * hidden], s[:, 3 * hidden :]
        g = ember.tanh(gates[:, 2 * hidden : 3 * hidden])
        tc = ember.tanh(f * c + i * g)
        if gh is None:
            gh = ember.zeros_like(tc)
        dc = gh * o * (1 - tc * tc)
        if gc is not None:
            dc = dc + gc
        dgates = ember.cat(
            [
                dc * g * i * (1 - i),
                dc * c * f * (1 - f),
                dc * i * (1 - g * g),
                gh * tc * o * (1 - o),
            ],
            dim=-1,
        )
        return dgates, dc * f


class GRUCellFn(Function):
    """Fused GRU cell pointwise part: ``(gi (N, 3H), gh (N, 3H), h (N, H)) -> h'`` with the
    input / hidden projections in PyTorch's (r, z, n) order.

    Primitive for the same reason as ``LSTMCellFn``: one forward pass, a closed-form raw
    backward, and an Ember-op backward when ``create_graph=True`` (double backward)."""

    @staticmethod
    def forward(ctx, gi, gh, h):
        xp = ctx.xp
        hidden = h.shape[-1]
        rz = xp.tanh((gi[:, : 2 * hidden] + gh[:, : 2 * hidden]) * 0.5)
        rz += 1
        rz *= 0.5
        r, z = rz[:, :hidden], rz[:, hidden:]
        hn = gh[:, 2 * hidden :]
        n = xp.tanh(gi[:, 2 * hidden :] + r * hn)
        ctx.save_for_backward(gi, gh, h)
        ctx.rz, ctx.n, ctx.hn, ctx.h = rz, n, hn, h
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, gy):
        ember, _ = _ops()
        if ember.is_grad_enabled():
            return GRUCellFn._backward_composed(ctx, gy)
        xp = ctx.xp
        rz, n, hn, h = ctx.rz, ctx.n, ctx.hn, ctx.h
        hidden = h.shape[-1]
        r, z = rz[:, :hidden], rz[:, hidden:]
        g = gy._data
        dpre_n = g * (1 - z) * (1 - n * n)
        dgi = xp.empty(rz.shape[:-1] + (3 * hidden,), dtype=rz.dtype)
        dgi[:, :hidden] = dpre_n * hn * r * (1 - r)
        dgi[:, hidden : 2 * hidden] = g * (h - n) * z * (1 - z)
        dgi[:, 2 * hidden :] = dpre_n
        dgh = dgi.copy()
        dgh[:, 2 * hidden :] *= r
        return Tensor._make(dgi), Tensor._make(dgh), Tensor._make(g * z)

    @staticmethod
    def _backward_composed(ctx, gy):
        ember, _ = _ops()
        gi, gh, h = ctx.saved_tensors
        hidden = h.shape[-1]
        rz = ember.sigmoid(gi[:, : 2 * hidden] + gh[:, : 2 * hidden])
        r, z = rz[:, :hidden], rz[:, hidden:]
        hn = gh[:, 2 * hidden :]
        n = ember.tanh(gi[:, 2 * hidden :] + r * hn)
        dpre_n = gy * (1 - z) * (1 - n * n)
        dr = dpre_n * hn * r * (1 - r)
        dz = gy * (h - n) * z * (1 - z)
        dgi = ember.cat([dr, dz, dpre_n], dim=-1)
        dgh = ember.cat([dr, dz, dpre_n * r], dim=-1)
        return dgi, dgh, gy * z


def _cell_step(mode, gi, h, c, w_hh, b_hh, w_hr):
    """One time step. ``gi`` is the input projection (biases folded in except GRU's b_hh);
    returns (h', c')."""
    ember, F = _ops()
    if mode == "LSTM":
        h, c = LSTMCellFn.apply(ember.addmm(gi, h, w_hh.t()), c)
        if w_hr is not None:
            h = ember.matmul(h, w_hr.t())
        return h, c
    if mode == "GRU":
        gh = ember.matmul(h, w_hh.t()) if b_hh is None else ember.addmm(b_hh, h, w_hh.t())
        return GRUCellFn.apply(gi, gh, h), None
    pre = ember.addmm(gi, h, w_hh.t())
    return (ember.tanh(pre) if mode == "RNN_TANH" else ember.relu(pre)), None


def _input_projection(mode, x, w_ih, b_ih, b_hh):
    """All time steps' input projections in one matmul (x is (..., C))."""
    ember, F = _ops()
    if b_ih is None:
        return ember.matmul(x, w_ih.t())
    if mode == "GRU":  # b_hh multiplies with r for the n gate: it stays in the step
        return F.linear(x, w_ih, b_ih)
    return F.linear(x, w_ih, b_ih + b_hh)


def _run_direction(mode, x, batch_sizes, h, c, weights, reverse):
    """One layer, one direction. ``x`` is (T, N, C) padded, or packed data (sum, C) when
    ``batch_sizes`` (numpy) is given. Returns (output, h_n, c_n)."""
    ember, _ = _ops()
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gi_all = _input_projection(mode, x, w_ih, b_ih, b_hh)
    b_step = b_hh if mode == "GRU" else None
    if mode == "LSTM" and w_hr is None and batch_sizes is None and x.shape[0] > 0:
        # the whole time loop as one Function (see ember._ops._rnn_lstm)
        from ember._ops._rnn_lstm import lstm_layer

        if reverse:
            out, h, c = lstm_layer(gi_all.flip(0), h, c, w_hh)
            return out.flip(0), h, c
        return lstm_layer(gi_all, h, c, w_hh)
    outs = []
    # unbind/split: one node whose backward is one stack/cat (per-step slicing would
    # allocate a zero-filled (T, N, G) gradient per step)
    if batch_sizes is None:
        gis = gi_all.unbind(0)
        steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
        for t in steps:
            h, c = _cell_step(mode, gis[t], h, c, w_hh, b_step, w_hr)
            outs.append(h)
        if reverse:
            outs.reverse()
        return ember.stack(outs), h, c
    gis = gi_all.split([int(b) for b in batch_sizes])
    steps = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    full = h.shape[0]
    for t in steps:
        bs = int(batch_sizes[t])
        if bs == full:
            h, c = _cell_step(mode, gis[t], h, c, w_hh, b_step, w_hr)
            outs.append(h)
            continue
        # sequences [bs:] have ended (forward) or not yet started (reverse): keep their state
        h_run, h_keep = h.split([bs, full - bs])
        c_run, c_keep = (None, None) if c is None else c.split([bs, full - bs])
        h_new, c_new = _cell_step(mode, gis[t], h_run, c_run, w_hh, b_step, w_hr)
        outs.append(h_new)
        h = ember.cat([h_new, h_keep])
        if c is not None:
            c = ember.cat([c_new, c_keep])
    if reverse:
        outs.reverse()
    return ember.cat(outs), h, c


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU``: parameters named, shaped and
    initialised as PyTorch's (``weight_ih_l{k}[_reverse]`` ... U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size))), multi-layer / bidirectional / PackedSequence forward.

    >>> ember.nn.LSTM(3, 4, num_layers=2)
    LSTM(3, 4, num_layers=2)
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        from ember._ops.creation import empty

        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [
                    ("weight_ih_l{}{}", (gate_size, layer_input)),
                    ("weight_hh_l{}{}", (gate_size, real_hidden)),
                ]
                if bias:
                    shapes += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                names = []
                for fmt, shape in shapes:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """Parameters per (layer, direction), as torch's ``all_weights``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """No-op (cuDNN weight packing does not apply to Ember); kept for API parity."""

    def reset_parameters(self) -> None:
        """Re-draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _layer_weights(self, layer: int, direction: int) -> tuple:
        suffix = "_reverse" if direction == 1 else ""

        def get(kind):
            return getattr(self, f"{kind}_l{layer}{suffix}", None)

        return (
            get("weight_ih"),
            get("weight_hh"),
            get("bias_ih") if self.bias else None,
            get("bias_hh") if self.bias else None,
            get("weight_hr") if self.proj_size > 0 else None,
        )

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_hidden(self, hx, expected: tuple, name: str) -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected {name} size {expected}, got {tuple(hx.shape)}")

    def forward(self, input, hx=None):
        """Runs the stack over ``input`` (L, N, H_in) ((N, L, H_in) with ``batch_first``,
        (L, H_in) unbatched, or a ``PackedSequence``); returns ``(output, h_n)`` —
        ``(output, (h_n, c_n))`` for LSTM — with PyTorch's shapes."""
        # imported here: ember.nn.utils loads after ember.nn.modules (it imports modules)
        from ember.nn.utils.rnn import PackedSequence

        ember, F = _ops()
        lstm = self.mode == "LSTM"
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        sorted_indices = unsorted_indices = None
        if packed:
            x, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = numpy.asarray(batch_sizes_t.cpu().numpy(), dtype=numpy.int64)
            batch = int(batch_sizes[0])
            batched = True
            if x.dim() != 2:
                raise ValueError(f"{name}: packed input data must be 2-D, got {x.dim()}-D")
        else:
            batch_sizes = None
            if not isinstance(input, Tensor):
                raise TypeError(f"{name}: input must be a Tensor or PackedSequence")
            if input.dim() not in (2, 3):
                raise ValueError(
                    f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead"
                )
            batched = input.dim() == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            batch = x.shape[1]
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x.shape[-1]}"
            )
        if not x.dtype.is_floating_point:
            raise NotImplementedError(f"{name}: not implemented for '{x.dtype}'")
        w_dtype = self.weight_ih_l0.dtype
        if x.dtype != w_dtype:
            raise RuntimeError(
                f"{name}: input dtype {x.dtype} must match the parameters' dtype {w_dtype}"
            )
        hdim = 3 if batched else 2
        h_shape = (self.num_layers * num_directions, batch, real_hidden)
        c_shape = (self.num_layers * num_directions, batch, self.hidden_size)
        if hx is None:
            h0 = ember.zeros(h_shape, dtype=x.dtype, device=x.device)
            c0 = ember.zeros(c_shape, dtype=x.dtype, device=x.device) if lstm else None
        else:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError(f"{name}: expected hx to be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            for t, what in ((h0, "hidden"), (c0, "cell")):
                if t is not None and t.dim() != hdim:
                    kind = "batched" if batched else "unbatched"
                    raise RuntimeError(
                        f"For {kind} {hdim - 1}-D input, hx{' and cx' if lstm else ''} should "
                        f"also be {hdim}-D but got ({what}: {t.dim()}-D) tensor"
                    )
            if not batched:
                h0 = h0.unsqueeze(1)
                c0 = None if c0 is None else c0.unsqueeze(1)
            if sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                c0 = None if c0 is None else c0.index_select(1, sorted_indices)
            self._check_hidden(h0, h_shape, "hidden")
            if lstm:
                self._check_hidden(c0, c_shape, "cell")
        h_n, c_n = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                out, h, c = _run_direction(
                    self.mode,
                    layer_input,
                    batch_sizes,
                    h0[k],
                    None if c0 is None else c0[k],
                    self._layer_weights(layer, direction),
                    direction == 1,
                )
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_input = outs[0] if num_directions == 1 else ember.cat(outs, dim=-1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        output = layer_input
        h_n = ember.stack(h_n)
        c_n = ember.stack(c_n) if lstm else None
        if unsorted_indices is not None:
            h_n = h_n.index_select(1, unsorted_indices)
            c_n = None if c_n is None else c_n.index_select(1, unsorted_indices)
        if packed:
            output = PackedSequence(output, batch_sizes_t, sorted_indices, unsorted_indices)
        elif not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if lstm else (output, h_n)


class RNN(RNNBase):
    """Elman RNN ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu), as
    ``torch.nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``.

    >>> rnn = ember.nn.RNN(3, 4)
    >>> out, h = rnn(ember.ones(5, 2, 3))
    >>> out.shape, h.shape
    (ember.Size([5, 2, 4]), ember.Size([1, 2, 4]))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, as ``torch.nn.LSTM(input_size, hidden_size, num_layers=1,
    bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0)``: gates
    (i, f, g, o) in that order in the stacked weights; returns ``(output, (h_n, c_n))``.

    >>> lstm = ember.nn.LSTM(3, 4, batch_first=True)
    >>> out, (h, c) = lstm(ember.ones(2, 5, 3))
    >>> out.shape, h.shape, c.shape
    (ember.Size([2, 5, 4]), ember.Size([1, 2, 4]), ember.Size([1, 2, 4]))
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, as ``torch.nn.GRU(input_size, hidden_size, num_layers=1,
    bias=True, batch_first=False, dropout=0.0, bidirectional=False)``: gates (r, z, n) in
    that order in the stacked weights.

    >>> gru = ember.nn.GRU(3, 4, bidirectional=True)
    >>> out, h = gru(ember.ones(5, 3))
    >>> out.shape, h.shape
    (ember.Size([5, 8]), ember.Size([2, 4]))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """Shared parameters of the single-step cells: ``weight_ih`` (G*hidden, input),
    ``weight_hh`` (G*hidden, hidden), ``bias_ih``, ``bias_hh``, all U(-1/sqrt(hidden),
    1/sqrt(hidden)).

    >>> ember.nn.LSTMCell(3, 4).weight_ih.shape
    ember.Size([16, 3])
    """

    _mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device=None,
        dtype=None,
    ) -> None:
        from ember._ops.creation import empty

        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(
            empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype)
        )
        self.weight_hh = Parameter(
            empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype)
        )
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Re-draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, input, hx, cx):
        ember, _ = _ops()
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.dim() not in (1, 2):
            got = input.dim() if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {got}D instead")
        if hx is not None and hx.dim() != input.dim():
            raise RuntimeError(
                f"{name}: Expected hidden to be {input.dim()}D for {input.dim()}D input, "
                f"got {hx.dim()}D"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} "
                f"expected {self.input_size}"
            )
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        h = ember.zeros(shape, dtype=x.dtype, device=x.device) if hx is None else hx
        c = cx
        if self._mode == "LSTM" and c is None:
            c = ember.zeros(shape, dtype=x.dtype, device=x.device)
        if not batched:
            h = h.unsqueeze(0) if hx is not None else h
            c = c.unsqueeze(0) if cx is not None else c
        if tuple(h.shape) != shape:
            raise RuntimeError(f"{name}: Expected hidden size {shape}, got {tuple(h.shape)}")
        gi = _input_projection(self._mode, x, self.weight_ih, self.bias_ih, self.bias_hh)
        b_step = self.bias_hh if self._mode == "GRU" else None
        h, c = _cell_step(self._mode, gi, h, c, self.weight_hh, b_step, None)
        if not batched:
            h = h.squeeze(0)
            c = None if c is None else c.squeeze(0)
        return h, c


class RNNCell(RNNCellBase):
    """One Elman RNN step, as ``torch.nn.RNNCell(input_size, hidden_size, bias=True,
    nonlinearity='tanh')``: ``forward(input (N, H_in) or (H_in), hx=None) -> h'``.

    >>> ember.nn.RNNCell(3, 4)(ember.ones(2, 3)).shape
    ember.Size([2, 4])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state."""
        return self._step(input, hx, None)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step, as ``torch.nn.LSTMCell(input_size, hidden_size, bias=True)``:
    ``forward(input, (h, c)=None) -> (h', c')``.

    >>> h, c = ember.nn.LSTMCell(3, 4)(ember.ones(3))
    >>> h.shape, c.shape
    (ember.Size([4]), ember.Size([4]))
    """

    _mode = "LSTM"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """The next (hidden, cell) states."""
        h, c = (None, None) if hx is None else hx
        return self._step(input, h, c)


class GRUCell(RNNCellBase):
    """One GRU step, as ``torch.nn.GRUCell(input_size, hidden_size, bias=True)``:
    ``forward(input, hx=None) -> h'``.

    >>> ember.nn.GRUCell(3, 4)(ember.ones(2, 3)).shape
    ember.Size([2, 4])
    """

    _mode = "GRU"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state."""
        return self._step(input, hx, None)[0]
