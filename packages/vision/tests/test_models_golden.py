"""Every zoo model against the golden files written from real torchvision.

For each ``golden/models/<name>.json``: the Ember model's state_dict keys (in order), shapes
and dtypes and its parameter count equal torchvision's, and with every float entry set by
the shared formula its eval-mode output on the fixed input equals torchvision's within 1e-4
relative to the output's scale (both computed in float64: see golden/generate_models.py).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from golden._formula import fill_value, fixed_input

import ember
from embervision import models

GOLDEN = Path(__file__).resolve().parent / "golden" / "models"
NAMES = sorted(p.stem for p in GOLDEN.glob("*.json"))
HEAVY = {
    "alexnet", "resnet152", "resnext101_32x8d", "vit_b_16", "vgg11", "vgg11_bn", "vgg13",
    "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "wide_resnet50_2",
}  # fmt: skip


def _golden(name):
    return json.loads((GOLDEN / f"{name}.json").read_text())


def _check_layout(name, info, model):
    sd = model.state_dict()
    got = [[k, list(v.shape), str(v.dtype).removeprefix("ember.")] for k, v in sd.items()]
    assert [k for k, *_ in got] == [k for k, *_ in info["keys"]], name
    assert got == info["keys"], name
    assert sum(p.numel() for p in model.parameters()) == info["num_params"], name


def _check_output(name, info, model):
    sd = model.state_dict()
    new_sd = {}
    for i, (k, v) in enumerate(sd.items()):
        new_sd[k] = ember.tensor(fill_value(k, tuple(v.shape), i)) if v.is_floating_point() else v
    model.load_state_dict(new_sd)
    model.double()
    with ember.no_grad():
        x = ember.tensor(fixed_input(tuple(info["input_shape"]))).double()
        out = model(x).numpy()
    expected = np.load(GOLDEN / f"{name}.npy")
    assert out.shape == expected.shape
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-4 * scale + 1e-6, err_msg=name)


# One test per model (the build is the expensive part, so both checks share it).
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in NAMES]
)
def test_layout_count_and_output_match_torchvision(name):
    info = _golden(name)
    model = models.get_model(name).eval()
    _check_layout(name, info, model)
    _check_output(name, info, model)
