"""Convolution layers, as in ``torch.nn``: ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d`` and
their lazy forms ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``."""

from __future__ import annotations

import math

import numpy

from ember._tensor import Tensor
from ember.nn import init
from ember.nn.modules.lazy import LazyModuleMixin
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter, UninitializedParameter

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _tuple(value, n: int) -> tuple:
    if isinstance(value, (int, numpy.integer)):
        return (int(value),) * n
    value = tuple(value)
    return value * n if len(value) == 1 else value


def _mode_pad(input: Tensor, pads, mode: str) -> Tensor:
    """Pad the last ``len(pads)`` dims by ``pads`` ((lo, hi) per dim) in ``mode``
    (reflect/replicate/circular), as ``F.pad``: one ``index_select`` per padded dim, so the
    gradient (an index-add) comes from the indexing ops and is differentiable again."""
    from ember._ops.indexing import index_select

    n = len(pads)
    for i, (lo, hi) in enumerate(pads):
        if not lo and not hi:
            continue
        dim = input.ndim - n + i
        size = input.shape[dim]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {dim} of input "
                f"{list(input.shape)}"
            )
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError(
                "Padding value causes wrapping around more than once, got padding "
                f"({lo}, {hi}) for a dimension of size {size}"
            )
        idx = numpy.pad(numpy.arange(size), (lo, hi), mode=_NUMPY_MODES[mode])
        index = Tensor._make(idx.astype(numpy.int64))
        if not isinstance(input._data, numpy.ndarray):
            index = index.to(input.device)
        input = index_select(input, dim, index)
    return input


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
        output_padding=0,
    ) -> None:
        from ember._ops.creation import empty

        super().__init__()
        n = self._n
        kernel_size = _tuple(kernel_size, n)
        stride = _tuple(stride, n)
        dilation = _tuple(dilation, n)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _tuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            pads = [(0, 0)] * n
            if padding == "same":
                for i, (d, k) in enumerate(zip(dilation, kernel_size)):
                    total = d * (k - 1)
                    pads[i] = (total // 2, total - total // 2)
        else:
            pads = [(p, p) for p in padding]
        self._mode_pads = tuple(pads)
        if self._transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation: Kaiming-uniform
        (a=sqrt(5)) weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    _fn_name = "conv2d"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype,
        )  # fmt: skip

    def _conv_forward(self, input: Tensor, weight: Tensor, bias) -> Tensor:
        from ember._ops import conv

        fn = getattr(conv, self._fn_name)
        if self.padding_mode != "zeros":
            input = _mode_pad(input, self._mode_pads, self.padding_mode)
            return fn(input, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of ``input`` with this layer's weight and bias."""
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution layer over (N, C_in, L) or (C_in, L) inputs, as ``torch.nn.Conv1d``
    (weight (C_out, C_in/groups, k), ``padding_mode`` zeros/reflect/replicate/circular).

    >>> ember.nn.Conv1d(2, 4, 3, padding=1)
    Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,))
    """

    _n = 1
    _fn_name = "conv1d"


class Conv2d(_Conv):
    """2-D convolution layer over (N, C_in, H, W) or (C_in, H, W) inputs, as
    ``torch.nn.Conv2d`` (weight (C_out, C_in/groups, kH, kW)).

    >>> layer = ember.nn.Conv2d(3, 8, 3, stride=2)
    >>> layer, layer(ember.ones(1, 3, 9, 9)).shape
    (Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2)), ember.Size([1, 8, 4, 4]))
    """

    _n = 2
    _fn_name = "conv2d"


class Conv3d(_Conv):
    """3-D convolution layer over (N, C_in, D, H, W) or (C_in, D, H, W) inputs, as
    ``torch.nn.Conv3d``.

    >>> ember.nn.Conv3d(1, 2, 3, bias=False)
    Conv3d(1, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1), bias=False)
    """

    _n = 3
    _fn_name = "conv3d"


class _ConvTransposeNd(_ConvNd):
    _transposed = True
    _fn_name = "conv_transpose2d"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {self.__class__.__name__}'
            )
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype, output_padding,
        )  # fmt: skip

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        n = self._n
        if output_size is None:
            return self.output_padding
        output_size = tuple(int(s) for s in output_size)
        non_spatial = 2 if input.ndim == n + 2 else 1
        if len(output_size) == non_spatial + n:
            output_size = output_size[non_spatial:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{non_spatial + n} elements (got {len(output_size)})"
            )
        spatial = input.shape[non_spatial:]
        mins = [
            (spatial[d] - 1) * self.stride[d]
            - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1)
            + 1
            for d in range(n)
        ]
        maxs = [m + s - 1 for m, s in zip(mins, self.stride)]
        for size, lo, hi in zip(output_size, mins, maxs):
            if size < lo or size > hi:
                raise ValueError(
                    f"requested an output size of {list(output_size)}, but valid sizes range "
                    f"from {mins} to {maxs} (for an input of {list(spatial)})"
                )
        return tuple(s - m for s, m in zip(output_size, mins))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """The transposed convolution of ``input``; ``output_size`` picks the output padding
        among the sizes the stride allows."""
        from ember._ops import conv

        output_padding = self._output_padding(input, output_size)
        return getattr(conv, self._fn_name)(
            input, self.weight, self.bias, self.stride, self.padding, output_padding,
            self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution layer, as ``torch.nn.ConvTranspose1d`` (weight
    (C_in, C_out/groups, k)).

    >>> ember.nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1)
    ConvTranspose1d(4, 2, kernel_size=(3,), stride=(2,), output_padding=(1,))
    """

    _n = 1
    _fn_name = "conv_transpose1d"


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution layer, as ``torch.nn.ConvTranspose2d`` (weight
    (C_in, C_out/groups, kH, kW)).

    >>> layer = ember.nn.ConvTranspose2d(4, 2, 2, stride=2)
    >>> layer(ember.ones(1, 4, 3, 3)).shape
    ember.Size([1, 2, 6, 6])
    """

    _n = 2
    _fn_name = "conv_transpose2d"


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution layer, as ``torch.nn.ConvTranspose3d``.

    >>> ember.nn.ConvTranspose3d(2, 2, 2, groups=2)
    ConvTranspose3d(2, 2, kernel_size=(2, 2, 2), stride=(1, 1, 1), groups=2)
    """

    _n = 3
    _fn_name = "conv_transpose3d"


# -- lazy forms: in_channels from the first input ------------------------------------------
class _LazyConvXdMixin(LazyModuleMixin):
    def _lazy_placeholders(self, out_channels: int, bias: bool, device, dtype) -> None:
        # The base class was built with in/out channels 0 and no bias; swap in placeholders.
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Initialise as the eager layer once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        """Take ``in_channels`` from ``input`` (dim 1, or 0 unbatched) and materialise."""
        from ember.autograd.grad_mode import no_grad

        if not self.has_uninitialized_params():
            return
        n = self._n
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(
                f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}"
            )
        self.in_channels = input.shape[1] if input.ndim == n + 2 else input.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        with no_grad():
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode,
            device, dtype,
        )  # fmt: skip
        self._lazy_placeholders(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
            padding_mode, device, dtype,
        )  # fmt: skip
        self._lazy_placeholders(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A ``Conv1d`` whose ``in_channels`` comes from the first input, as
    ``torch.nn.LazyConv1d``; it becomes a ``Conv1d`` after that forward.

    >>> ember.nn.LazyConv1d(4, 3)
    LazyConv1d(0, 4, kernel_size=(3,), stride=(1,))
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A ``Conv2d`` whose ``in_channels`` comes from the first input, as
    ``torch.nn.LazyConv2d``; it becomes a ``Conv2d`` after that forward.

    >>> layer = ember.nn.LazyConv2d(4, 3)
    >>> _ = layer(ember.ones(1, 2, 5, 5))
    >>> layer
    Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A ``Conv3d`` whose ``in_channels`` comes from the first input, as
    ``torch.nn.LazyConv3d``; it becomes a ``Conv3d`` after that forward.

    >>> ember.nn.LazyConv3d(2, 3, bias=False).has_uninitialized_params()
    True
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ``ConvTranspose1d`` whose ``in_channels`` comes from the first input, as
    ``torch.nn.LazyConvTranspose1d``.

    >>> ember.nn.LazyConvTranspose1d(2, 3, stride=2)
    LazyConvTranspose1d(0, 2, kernel_size=(3,), stride=(2,))
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A ``ConvTranspose2d`` whose ``in_channels`` comes from the first input, as
    ``torch.nn.LazyConvTranspose2d``.

    >>> ember.nn.LazyConvTranspose2d(2, 2)(ember.ones(1, 3, 4, 4)).shape
    ember.Size([1, 2, 5, 5])
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ``ConvTranspose3d`` whose ``in_channels`` comes from the first input, as
    ``torch.nn.LazyConvTranspose3d``.

    >>> ember.nn.LazyConvTranspose3d(2, 2).has_uninitialized_params()
    True
    """

    cls_to_become = ConvTranspose3d
