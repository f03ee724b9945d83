"""Helpers shared by the workloads: weight copying, seeded inputs, a training step."""

from __future__ import annotations

import numpy
import torch

import ember


def copy_weights(ember_model, torch_model) -> None:
    """Load the PyTorch model's state_dict into the Ember model (same keys by design)."""
    state = {
        k: ember.from_numpy(v.detach().numpy().copy()) for k, v in torch_model.state_dict().items()
    }
    ember_model.load_state_dict(state)


def models(build, seed: int = 0):
    """``build(lib)`` for both libraries, PyTorch's weights copied into Ember's model."""
    torch.manual_seed(seed)
    torch_model = build(torch)
    ember_model = build(ember)
    copy_weights(ember_model, torch_model)
    return ember_model, torch_model


def inputs(*shape: int, seed: int = 0):
    """The same standard-normal float32 array as an Ember and a PyTorch tensor."""
    x = numpy.random.default_rng(seed).standard_normal(shape, dtype=numpy.float32)
    return ember.from_numpy(x), torch.from_numpy(x.copy())


def labels(n: int, classes: int = 10, seed: int = 1):
    """The same int64 class labels as an Ember and a PyTorch tensor."""
    y = numpy.random.default_rng(seed).integers(0, classes, n)
    return ember.from_numpy(y), torch.from_numpy(y.copy())


def train_step(lib, model, x, y, optimizer, loss_fn=None):
    """A closure running forward, loss, backward and ``optimizer.step()`` once."""
    loss_fn = loss_fn or lib.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    return step


def train_pair(build, x_shape, n_classes, make_optimizer, loss=None):
    """Pair of training steps for ``build(lib)`` on one seeded batch of ``x_shape``."""
    ember_model, torch_model = models(build)
    ex, tx = inputs(*x_shape)
    ey, ty = labels(x_shape[0], n_classes)
    ember_step = train_step(
        ember, ember_model, ex, ey, make_optimizer(ember, ember_model), loss and loss(ember)
    )
    torch_step = train_step(
        torch, torch_model, tx, ty, make_optimizer(torch, torch_model), loss and loss(torch)
    )
    return ember_step, torch_step
