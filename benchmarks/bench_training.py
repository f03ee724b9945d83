"""Training-step time: forward, loss, backward and an Adam step, Ember vs PyTorch.

Both sides build the same architecture with identical weights (PyTorch's state_dict is
copied into the Ember model) and train on the same random batch.
"""

from __future__ import annotations

import numpy
import torch

import ember
from benchmarks._harness import Result, compare, workload


def _copy_weights(ember_model, torch_model) -> None:
    state = {
        k: ember.from_numpy(v.detach().numpy().copy()) for k, v in torch_model.state_dict().items()
    }
    ember_model.load_state_dict(state)


def _step_fn(lib, model, x, y):
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    return step


def _mlp(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )


def _lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def _compare(name, build, x_shape, batch):
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((batch, *x_shape)).astype(numpy.float32)
    y = rng.integers(0, 10, batch)
    torch.manual_seed(0)
    torch_model = build(torch)
    ember_model = build(ember)
    _copy_weights(ember_model, torch_model)
    ember_step = _step_fn(ember, ember_model, ember.from_numpy(x), ember.from_numpy(y))
    torch_step = _step_fn(torch, torch_model, torch.from_numpy(x), torch.from_numpy(y))
    return compare(name, ember_step, torch_step, warmup=3, repeat=9, number=3)


@workload
def mlp_train_step() -> Result:
    """MLP 784-256-256-10, batch 128, Adam."""
    return _compare("MLP 784-256-256-10 train step (b=128)", _mlp, (784,), 128)


@workload
def lenet_train_step() -> Result:
    """LeNet-5, batch 64 of 1x28x28, Adam."""
    return _compare("LeNet-5 train step (b=64, 1x28x28)", _lenet, (1, 28, 28), 64)
