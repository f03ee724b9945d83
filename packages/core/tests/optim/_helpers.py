"""Shared helpers for the optimizer tests: twin Ember/PyTorch parameters and conversions."""

import numpy
import torch

import ember


def make_arrays(seed=0, dtype=numpy.float64):
    rng = numpy.random.default_rng(seed)
    return [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype)]


def grad_of(x):
    """A deterministic, bounded, nonlinear 'gradient' of the parameters (isolates the
    optimizer from autograd; bounded so ``maximize`` runs stay finite)."""
    return numpy.tanh(2 * x - 0.3) + 0.1 * numpy.sin(5 * x)


def twin_params(arrays, parameter=False):
    e = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    if parameter:
        e = [ember.nn.Parameter(t) for t in e]
    t = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return e, t


def set_grads(e_params, t_params):
    for pe, pt in zip(e_params, t_params):
        g = grad_of(pe.detach().numpy())
        pe.grad = ember.tensor(g)
        pt.grad = torch.tensor(grad_of(pt.detach().numpy()))


def to_torch(value):
    """Convert an Ember state_dict (nested containers of ember Tensors) to PyTorch's."""
    if isinstance(value, ember.Tensor):
        return torch.from_numpy(value.numpy().copy())
    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch(v) for v in value)
    return value


def to_ember(value):
    """Convert a PyTorch state_dict to Ember's."""
    if isinstance(value, torch.Tensor):
        return ember.tensor(value.detach().numpy().copy())
    if isinstance(value, dict):
        return {k: to_ember(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_ember(v) for v in value)
    return value


def assert_params_close(e_params, t_params, rtol=1e-10, atol=1e-12, msg=""):
    for pe, pt in zip(e_params, t_params):
        torch.testing.assert_close(
            torch.from_numpy(pe.detach().numpy()), pt.detach(), rtol=rtol, atol=atol, msg=msg
        )
