"""Every zoo model against the golden files written from real torchvision.

For each ``golden/models/<name>.json``: the Ember model's state_dict keys (in order), shapes
and dtypes and its parameter count equal torchvision's, and with every float entry set by
the shared formula its eval-mode output on the fixed input equals torchvision's within 1e-4
relative to the output's scale.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import ember
from embervision import models

from golden._formula import fill_value, fixed_input

GOLDEN = Path(__file__).resolve().parent / "golden" / "models"
NAMES = sorted(p.stem for p in GOLDEN.glob("*.json"))
HEAVY = {"vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "resnet152", "resnext101_32x8d", "vit_b_16"}


def _golden(name):
    return json.loads((GOLDEN / f"{name}.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_and_parameter_count_match_torchvision(name):
    info = _golden(name)
    model = models.get_model(name)
    sd = model.state_dict()
    got = [[k, list(v.shape), str(v.dtype).removeprefix("ember.")] for k, v in sd.items()]
    assert [k for k, *_ in got] == [k for k, *_ in info["keys"]]
    assert got == info["keys"]
    assert sum(p.numel() for p in model.parameters()) == info["num_params"]


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in NAMES]
)
def test_output_with_formula_weights_matches_torchvision(name):
    info = _golden(name)
    model = models.get_model(name).eval()
    sd = model.state_dict()
    new_sd = {}
    for i, (k, v) in enumerate(sd.items()):
        new_sd[k] = ember.tensor(fill_value(k, tuple(v.shape), i)) if v.is_floating_point() else v
    model.load_state_dict(new_sd)
    with ember.no_grad():
        out = model(ember.tensor(fixed_input(tuple(info["input_shape"])))).numpy()
    expected = np.load(GOLDEN / f"{name}.npy")
    assert out.shape == expected.shape
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-4 * scale + 1e-6)
