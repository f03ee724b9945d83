"""ResNets from embervision vs a plain-torch twin of torchvision's (``_torch_resnet``):
inference in eval mode under no_grad, and a training step with SGD momentum."""

from __future__ import annotations

import torch

import ember
from benchmarks import _torch_resnet
from benchmarks._common import copy_weights, inputs, labels, train_step
from benchmarks._harness import Pair, workload


def _pair(name: str, num_classes: int):
    from embervision import models

    torch.manual_seed(0)
    torch_model = getattr(_torch_resnet, name)(num_classes=num_classes)
    ember_model = getattr(models, name)(num_classes=num_classes)
    copy_weights(ember_model, torch_model)
    return ember_model, torch_model


def _inference(name: str, quick: bool) -> Pair:
    ember_model, torch_model = _pair(name, 1000)
    ember_model.eval()
    torch_model.eval()
    batch, size = (1, 32) if quick else (8, 224)
    ex, tx = inputs(batch, 3, size, size)

    def ember_fn():
        with ember.no_grad():
            ember_model(ex)

    def torch_fn():
        with torch.no_grad():
            torch_model(tx)

    return Pair(ember_fn, torch_fn, repeat=1 if quick else 5, warmup=1)


@workload("ResNet-18 inference (b=8, 224x224)", target=1.5)
def resnet18_inference(quick: bool) -> Pair:
    return _inference("resnet18", quick)


@workload("ResNet-50 inference (b=8, 224x224)", target=1.5)
def resnet50_inference(quick: bool) -> Pair:
    return _inference("resnet50", quick)


@workload("ResNet-18 step (10 classes, b=16, 64x64, SGD)", target=1.5)
def resnet18_train_step(quick: bool) -> Pair:
    ember_model, torch_model = _pair("resnet18", 10)
    batch, size = (2, 32) if quick else (16, 64)
    ex, tx = inputs(batch, 3, size, size)
    ey, ty = labels(batch)

    def sgd(lib, model):
        return lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    ember_step = train_step(ember, ember_model, ex, ey, sgd(ember, ember_model))
    torch_step = train_step(torch, torch_model, tx, ty, sgd(torch, torch_model))
    return Pair(ember_step, torch_step, repeat=1 if quick else 7, warmup=1 if quick else 2)
