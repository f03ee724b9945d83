"""Pooling layers, as in ``torch.nn``: max/avg/adaptive/unpool/LP pooling in 1-3 dims."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.nn.modules.module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
]


def _fn(name: str):
    from ember._ops import pooling

    return getattr(pooling, name)


def _tuple(value, n: int):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    return value * n if len(value) == 1 else value


class _MaxPoolNd(Module):
    _fn_name = "max_pool2d"

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor):
        """Max-pooled ``input`` (and the indices with ``return_indices``)."""
        return _fn(self._fn_name)(
            input, self.kernel_size, self.stride, self.padding, self.dilation,
            ceil_mode=self.ceil_mode, return_indices=self.return_indices,
        )  # fmt: skip


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling layer, as ``torch.nn.MaxPool1d``.

    >>> ember.nn.MaxPool1d(2)
    MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    _fn_name = "max_pool1d"


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling layer, as ``torch.nn.MaxPool2d``.

    >>> ember.nn.MaxPool2d(2)(ember.arange(16.0).reshape(1, 4, 4))
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """

    _fn_name = "max_pool2d"


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling layer, as ``torch.nn.MaxPool3d``.

    >>> ember.nn.MaxPool3d(2, stride=1)
    MaxPool3d(kernel_size=2, stride=1, padding=0, dilation=1, ceil_mode=False)
    """

    _fn_name = "max_pool3d"


class AvgPool1d(Module):
    """1-D average pooling layer, as ``torch.nn.AvgPool1d``.

    >>> ember.nn.AvgPool1d(2)
    AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 1)
        self.stride = _tuple(stride if stride is not None else kernel_size, 1)
        self.padding = _tuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        """Average-pooled ``input``."""
        return _fn("avg_pool1d")(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad,
        )  # fmt: skip


class _AvgPoolNd(Module):
    _fn_name = "avg_pool2d"

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        """Average-pooled ``input``."""
        return _fn(self._fn_name)(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling layer, as ``torch.nn.AvgPool2d``.

    >>> ember.nn.AvgPool2d(2, padding=1)
    AvgPool2d(kernel_size=2, stride=2, padding=1)
    """

    _fn_name = "avg_pool2d"


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling layer, as ``torch.nn.AvgPool3d``.

    >>> ember.nn.AvgPool3d((1, 2, 2))
    AvgPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2), padding=0)
    """

    _fn_name = "avg_pool3d"


class _AdaptiveAvgPoolNd(Module):
    _fn_name = "adaptive_avg_pool2d"

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        """``input`` average-pooled to ``output_size``."""
        return _fn(self._fn_name)(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """1-D adaptive average pooling layer, as ``torch.nn.AdaptiveAvgPool1d``.

    >>> ember.nn.AdaptiveAvgPool1d(2)(ember.tensor([[1.0, 2.0, 3.0, 4.0]]))
    tensor([[1.5000, 3.5000]])
    """

    _fn_name = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """2-D adaptive average pooling layer, as ``torch.nn.AdaptiveAvgPool2d``.

    >>> ember.nn.AdaptiveAvgPool2d((1, 1))
    AdaptiveAvgPool2d(output_size=(1, 1))
    """

    _fn_name = "adaptive_avg_pool2d"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """3-D adaptive average pooling layer, as ``torch.nn.AdaptiveAvgPool3d``.

    >>> ember.nn.AdaptiveAvgPool3d(1)
    AdaptiveAvgPool3d(output_size=1)
    """

    _fn_name = "adaptive_avg_pool3d"


class _AdaptiveMaxPoolNd(Module):
    _fn_name = "adaptive_max_pool2d"

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor):
        """``input`` max-pooled to ``output_size`` (and the indices with
        ``return_indices``)."""
        return _fn(self._fn_name)(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """1-D adaptive max pooling layer, as ``torch.nn.AdaptiveMaxPool1d``.

    >>> ember.nn.AdaptiveMaxPool1d(1)(ember.tensor([[1.0, 3.0, 2.0]]))
    tensor([[3.]])
    """

    _fn_name = "adaptive_max_pool1d"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """2-D adaptive max pooling layer, as ``torch.nn.AdaptiveMaxPool2d``.

    >>> ember.nn.AdaptiveMaxPool2d((2, None))
    AdaptiveMaxPool2d(output_size=(2, None))
    """

    _fn_name = "adaptive_max_pool2d"


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """3-D adaptive max pooling layer, as ``torch.nn.AdaptiveMaxPool3d``.

    >>> ember.nn.AdaptiveMaxPool3d(1)
    AdaptiveMaxPool3d(output_size=1)
    """

    _fn_name = "adaptive_max_pool3d"


class _MaxUnpoolNd(Module):
    _n = 2
    _fn_name = "max_unpool2d"

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        n = self._n
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = _tuple(stride if (stride is not None) else kernel_size, n)
        self.padding = _tuple(padding, n)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        """``input`` values placed at ``indices`` in a zero output."""
        return _fn(self._fn_name)(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool1d``, as ``torch.nn.MaxUnpool1d``.

    >>> ember.nn.MaxUnpool1d(2)
    MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    _n = 1
    _fn_name = "max_unpool1d"


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool2d``, as ``torch.nn.MaxUnpool2d``.

    >>> ember.nn.MaxUnpool2d(2)
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """

    _n = 2
    _fn_name = "max_unpool2d"


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool3d``, as ``torch.nn.MaxUnpool3d``.

    >>> ember.nn.MaxUnpool3d(2)
    MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """

    _n = 3
    _fn_name = "max_unpool3d"


class _LPPoolNd(Module):
    _fn_name = "lp_pool2d"

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor) -> Tensor:
        """``(sum x**p)**(1/p)`` over each window of ``input``."""
        return _fn(self._fn_name)(
            input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode
        )


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling layer, as ``torch.nn.LPPool1d``.

    >>> ember.nn.LPPool1d(2, 3)
    LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)
    """

    _fn_name = "lp_pool1d"


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling layer, as ``torch.nn.LPPool2d``.

    >>> ember.nn.LPPool2d(2, 2)(ember.ones(1, 2, 2))
    tensor([[[2.]]])
    """

    _fn_name = "lp_pool2d"


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling layer, as ``torch.nn.LPPool3d``.

    >>> ember.nn.LPPool3d(1.5, 2)
    LPPool3d(norm_type=1.5, kernel_size=2, stride=None, ceil_mode=False)
    """

    _fn_name = "lp_pool3d"
