"""Write the model golden files from real torchvision (never run by the tests).

Run in a throwaway venv: ``python -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.14.1
torchvision==0.29.1``, then ``/tmp/tv/bin/python packages/vision/tests/golden/
generate_models.py resnet18 resnet50 ...`` (no names: every model in ``MODELS``). For each
model it writes ``models/<name>.json`` (state_dict keys, shapes, dtypes, parameter count,
input shape) and ``models/<name>.npy`` (eval-mode output on the fixed input with every
float entry of the state_dict set by ``_formula.fill_value``), computed in float64: with these
weights the deepest nets (resnet152, vgg19) amplify float32 rounding to ~1e-3 of the output,
so float64 on both sides is what isolates the architecture.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision
from _formula import fill_value, fixed_input, input_shape

MODELS = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
    "resnext101_32x8d", "wide_resnet50_2", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
    "vgg16_bn", "vgg19", "vgg19_bn", "alexnet", "squeezenet1_0", "squeezenet1_1",
    "densenet121", "densenet161", "densenet169", "densenet201", "mobilenet_v2",
    "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1",
    "efficientnet_b2", "efficientnet_b3", "shufflenet_v2_x1_0", "regnet_y_400mf",
    "convnext_tiny", "vit_b_16", "swin_t",
]  # fmt: skip

OUT = Path(__file__).resolve().parent / "models"


def generate(name: str) -> None:
    torch.manual_seed(0)
    model = torchvision.models.get_model(name).eval()
    sd = model.state_dict()
    keys = [[k, list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in sd.items()]
    new_sd = {}
    for i, (k, v) in enumerate(sd.items()):
        if v.is_floating_point():
            new_sd[k] = torch.from_numpy(fill_value(k, tuple(v.shape), i))
        else:
            new_sd[k] = v
    model.load_state_dict(new_sd)
    model.double()
    shape = input_shape(name)
    with torch.no_grad():
        out = model(torch.from_numpy(fixed_input(shape)).double())
    info = {
        "name": name,
        "torchvision": torchvision.__version__,
        "num_params": sum(p.numel() for p in model.parameters()),
        "num_keys": len(keys),
        "input_shape": list(shape),
        "keys": keys,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(info, indent=0) + "\n")
    np.save(OUT / f"{name}.npy", out.numpy())
    print(f"{name}: {info['num_params']:,} params, {len(keys)} keys, out {tuple(out.shape)}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    for model_name in sys.argv[1:] or MODELS:
        generate(model_name)
