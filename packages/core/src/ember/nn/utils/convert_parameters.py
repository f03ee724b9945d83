"""Flatten parameters into one vector and back, as ``torch.nn.utils.convert_parameters``."""

from __future__ import annotations

from collections.abc import Iterable

from ember._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(param: Tensor, old_device):
    if old_device is not None and param.device != old_device:
        raise TypeError(
            f"Found two parameters on different devices, this is currently not supported "
            f"({old_device} and {param.device})."
        )
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened ``parameters`` into one 1-D tensor (differentiable), as
    ``torch.nn.utils.parameters_to_vector``; all must be on one device.

    >>> m = ember.nn.Linear(3, 2)
    >>> ember.nn.utils.parameters_to_vector(m.parameters()).shape
    ember.Size([8])
    """
    from ember._ops.shape import cat

    device = None
    flat = []
    for param in parameters:
        device = _check_same_device(param, device)
        flat.append(param.reshape(-1))
    return cat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (replacing each one's
    ``.data`` with a view of ``vec``), as ``torch.nn.utils.vector_to_parameters``.

    >>> m = ember.nn.Linear(2, 1)
    >>> ember.nn.utils.vector_to_parameters(ember.arange(3.0), m.parameters())
    >>> m.weight.data, m.bias.data
    (tensor([[0., 1.]]), tensor([2.]))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {type(vec).__name__}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_same_device(param, device)
        num_param = param.numel()
        param.data = vec[pointer : pointer + num_param].view_as(param).data
        pointer += num_param
