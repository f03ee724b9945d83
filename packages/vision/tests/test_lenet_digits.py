"""lenet_digits: Ember's own zoo model, its packaged weights, the hub wiring and the preset.

The held-out digits come from golden/digits_heldout.npz (200 of the 360 digits the training
script held out, written by scripts/train_lenet_digits.py): the tests never import sklearn.
"""

import hashlib
import importlib.metadata
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy
import pytest
from PIL import Image

import ember
import embervision
from ember import hub
from embervision import hubconf
from embervision.models import (
    DigitsClassification,
    LeNet_Digits_Weights,
    LeNetDigits,
    get_model,
    get_model_weights,
    get_weight,
    lenet_digits,
    list_models,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "digits_heldout.npz"
WEIGHTS = LeNet_Digits_Weights.DEFAULT


@pytest.fixture
def hub_home(tmp_path, monkeypatch):
    """A scratch EMBER_HOME with the offline switch unset: the file:// url must suffice."""
    monkeypatch.setenv("EMBER_HOME", str(tmp_path))
    monkeypatch.delenv("EMBER_HUB_OFFLINE", raising=False)
    return tmp_path / "hub" / "checkpoints"


def weights_path() -> Path:
    return Path(url2pathname(urlparse(WEIGHTS.url).path))


def heldout() -> tuple[numpy.ndarray, numpy.ndarray]:
    with numpy.load(GOLDEN) as data:
        return data["images"], data["labels"]


def test_builder_is_registered_and_builds_the_architecture():
    assert "lenet_digits" in list_models()
    assert get_model_weights("lenet_digits") is LeNet_Digits_Weights
    model = get_model("lenet_digits")
    assert isinstance(model, LeNetDigits)
    assert model(ember.zeros(3, 1, 8, 8)).shape == (3, 10)
    assert sum(p.numel() for p in model.parameters()) == WEIGHTS.meta["num_params"]
    assert lenet_digits(num_classes=4)(ember.zeros(1, 1, 8, 8)).shape == (1, 4)


def test_state_dict_keys_follow_features_and_classifier():
    keys = list(lenet_digits().state_dict())
    assert keys == [
        "features.0.weight",
        "features.0.bias",
        "features.3.weight",
        "features.3.bias",
        "classifier.1.weight",
        "classifier.1.bias",
        "classifier.4.weight",
        "classifier.4.bias",
        "classifier.6.weight",
        "classifier.6.bias",
    ]


def test_forward_rejects_inputs_that_are_not_n_1_8_8():
    with pytest.raises(ValueError, match=r"LeNetDigits: expected input of shape \(N, 1, 8, 8\)"):
        lenet_digits()(ember.zeros(2, 1, 28, 28))


def test_weights_enum_names_and_meta():
    assert LeNet_Digits_Weights.verify("DEFAULT") is LeNet_Digits_Weights.DIGITS_V1
    assert LeNet_Digits_Weights.verify("LeNet_Digits_Weights.DIGITS_V1") is WEIGHTS
    assert get_weight("LeNet_Digits_Weights.DEFAULT") is WEIGHTS
    with pytest.raises(ValueError, match="DIGITS_V1"):
        LeNet_Digits_Weights.verify("IMAGENET1K_V1")
    meta = WEIGHTS.meta
    assert meta["categories"] == [str(d) for d in range(10)]
    assert meta["_metrics"]["digits"]["acc@1"] >= 97.0
    assert meta["recipe"] == "scripts/train_lenet_digits.py"
    assert meta["_docs"].strip()
    assert isinstance(WEIGHTS.transforms(), DigitsClassification)


def test_weights_file_ships_in_the_package_named_by_its_hash():
    path = weights_path()
    package = Path(embervision.__file__).resolve().parent
    assert path.parent == package / "models" / "_weights"
    assert path.is_file()
    data = path.read_bytes()
    assert path.stem.rsplit("-", 1)[1] == hashlib.sha256(data).hexdigest()[:8]
    assert WEIGHTS.meta["_file_size"] == pytest.approx(len(data) / 2**20, abs=1e-3)
    assert len(data) < 2 * 2**20


def test_weights_load_through_the_hub_cache_with_no_network(hub_home):
    model = lenet_digits(weights="DEFAULT", progress=False)
    cached = hub_home / weights_path().name
    assert cached.read_bytes() == weights_path().read_bytes()
    expected = ember.load(weights_path())
    for name, tensor in model.state_dict().items():
        assert ember.equal(tensor, expected[name]), name


def test_file_url_works_with_the_offline_switch_set(hub_home, monkeypatch):
    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    state = WEIGHTS.get_state_dict(progress=False, check_hash=True)
    assert set(state) == set(lenet_digits().state_dict())


def test_check_hash_rejects_a_file_whose_name_has_the_wrong_hash(tmp_path):
    wrong = tmp_path / "src" / "lenet_digits-00000000.safetensors"
    wrong.parent.mkdir()
    shutil.copyfile(weights_path(), wrong)
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(
            wrong.as_uri(), model_dir=str(cache), progress=False, check_hash=True
        )
    assert not (cache / wrong.name).exists()


def test_weights_conflicting_num_classes_is_an_error(hub_home):
    with pytest.raises(ValueError, match="num_classes"):
        lenet_digits(weights="DEFAULT", num_classes=5)


def test_shipped_weights_classify_held_out_digits(hub_home):
    images, labels = heldout()
    assert images.dtype == numpy.uint8 and images.shape == (200, 8, 8) and images.max() <= 16
    model = lenet_digits(weights=WEIGHTS, progress=False).eval()
    with ember.no_grad():
        predicted = model(WEIGHTS.transforms()(images)).argmax(dim=1)
    accuracy = (predicted == ember.from_numpy(labels)).float().mean().item()
    assert accuracy >= 0.95


def test_preset_accepts_arrays_tensors_and_pil_images_alike():
    images, _ = heldout()
    preset = DigitsClassification()
    expected = (images[0].astype(numpy.float32) / 16 - preset.mean) / preset.std
    inputs = [
        images[0],
        images[0].astype(numpy.float64),
        images[0][None],
        ember.from_numpy(images[0]),
        ember.from_numpy(images[0].astype(numpy.int64)),
        Image.fromarray(images[0]),
    ]
    for img in inputs:
        out = preset(img)
        assert out.shape == (1, 8, 8) and out.dtype == ember.float32
        numpy.testing.assert_allclose(out.numpy()[0], expected, rtol=1e-6, atol=1e-6)


def test_preset_batches():
    images, _ = heldout()
    preset = DigitsClassification()
    single = preset(images[1])
    assert preset(images[:5]).shape == (5, 1, 8, 8)
    batched = preset(images[:5, None])
    assert batched.shape == (5, 1, 8, 8)
    assert ember.equal(batched[1], single)


def test_preset_errors_name_the_problem():
    preset = DigitsClassification()
    with pytest.raises(ValueError, match=r"expected an 8x8 digit.*\(28, 28\)"):
        preset(numpy.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"DigitsClassification: .*\(2, 3, 8, 8\)"):
        preset(numpy.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match="0..16.*maximum of 255"):
        preset(numpy.full((8, 8), 255, dtype=numpy.uint8))
    with pytest.raises(TypeError, match="DigitsClassification: expected uint8/int/float"):
        preset(numpy.zeros((8, 8), dtype=bool))
    assert "mean=0.3054" in repr(preset) and "0..16" in preset.describe()


def test_hubconf_exports_every_registered_builder():
    assert hubconf.dependencies == ["ember", "embervision"]
    for name in list_models():
        assert name in hubconf.__all__
        assert callable(getattr(hubconf, name))
    assert hubconf.get_weight is get_weight


def test_package_hubconf_loads_as_a_local_hub_repo(hub_home):
    # embervision/hubconf.py is itself a valid hub repo folder's hubconf.
    folder = os.path.dirname(embervision.__file__)
    model = hub.load(folder, "lenet_digits", source="local", weights="DEFAULT", progress=False)
    assert isinstance(model, LeNetDigits)


def test_hub_load_by_name_uses_the_installed_entry_point(hub_home):
    entry_points = importlib.metadata.entry_points(group="ember.hub")
    if "embervision" not in {entry.name for entry in entry_points}:
        pytest.skip("embervision's ember.hub entry point is not installed (reinstall the package)")
    model = hub.load("lenet_digits", weights="DEFAULT", progress=False)
    assert isinstance(model, LeNetDigits)
    assert (hub_home / weights_path().name).is_file()
