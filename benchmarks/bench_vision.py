"""ResNet inference and training step, embervision vs a plain-torch twin of torchvision's.

The PyTorch model's state_dict is copied into the Ember model, so both run the same
weights on the same batch.
"""

from __future__ import annotations

import numpy
import torch

import ember
from benchmarks import _torch_resnet
from benchmarks._harness import Result, compare, workload


def _pair(name: str, num_classes: int):
    from embervision import models

    torch.manual_seed(0)
    torch_model = getattr(_torch_resnet, name)(num_classes=num_classes)
    ember_model = getattr(models, name)(num_classes=num_classes)
    state = {
        k: ember.from_numpy(v.detach().numpy().copy()) for k, v in torch_model.state_dict().items()
    }
    ember_model.load_state_dict(state)
    return ember_model, torch_model


def _inference(name: str, batch: int, size: int) -> Result:
    ember_model, torch_model = _pair(name, 1000)
    ember_model.eval()
    torch_model.eval()
    x = numpy.random.default_rng(0).standard_normal((batch, 3, size, size), dtype=numpy.float32)
    ex, tx = ember.from_numpy(x), torch.from_numpy(x)

    def ember_fn():
        with ember.no_grad():
            ember_model(ex)

    def torch_fn():
        with torch.no_grad():
            torch_model(tx)

    label = f"{name} inference (b={batch}, {size}x{size})"
    return compare(label, ember_fn, torch_fn, warmup=1, repeat=5, number=1)


@workload
def resnet18_inference() -> Result:
    """ResNet-18, eval mode, no_grad, batch 8 of 3x224x224."""
    return _inference("resnet18", 8, 224)


@workload
def resnet50_inference() -> Result:
    """ResNet-50, eval mode, no_grad, batch 8 of 3x224x224."""
    return _inference("resnet50", 8, 224)


@workload
def resnet18_train_step() -> Result:
    """ResNet-18 (10 classes), batch 16 of 3x64x64, SGD momentum 0.9."""
    ember_model, torch_model = _pair("resnet18", 10)
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((16, 3, 64, 64), dtype=numpy.float32)
    y = rng.integers(0, 10, 16)

    def make_step(lib, model, x, y):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = lib.nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()

        return step

    ember_step = make_step(ember, ember_model, ember.from_numpy(x), ember.from_numpy(y))
    torch_step = make_step(torch, torch_model, torch.from_numpy(x), torch.from_numpy(y))
    return compare(
        "resnet18 train step (b=16, 64x64)", ember_step, torch_step, warmup=2, repeat=7, number=1
    )
