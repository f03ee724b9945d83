"""The repository's own hub folder (hub/): its hubconf loads models, MODELS.md is current.

Runs in the ``tests(package='all')`` nox session, which installs every package: hub/'s
``dependencies`` are ember and embervision.
"""

import importlib.util
from pathlib import Path

import pytest

from ember import hub

HUB = Path(__file__).resolve().parent.parent / "hub"


@pytest.fixture
def hub_home(tmp_path, monkeypatch):
    """A scratch EMBER_HOME, offline switch unset: lenet_digits' file:// url needs no network."""
    monkeypatch.setenv("EMBER_HOME", str(tmp_path))
    monkeypatch.delenv("EMBER_HUB_OFFLINE", raising=False)
    return tmp_path


def load_make_models_md():
    spec = importlib.util.spec_from_file_location("make_models_md", HUB / "make_models_md.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_local_hub_repo_loads_lenet_digits_with_its_weights(hub_home):
    from embervision.models import LeNet_Digits_Weights

    model = hub.load(str(HUB), "lenet_digits", source="local", weights="DEFAULT", progress=False)
    assert type(model).__name__ == "LeNetDigits"
    expected = LeNet_Digits_Weights.DEFAULT.get_state_dict(progress=False)
    state = model.state_dict()
    assert all(bool((state[name] == tensor).all()) for name, tensor in expected.items())
    assert (hub_home / "hub" / "checkpoints").is_dir()


def test_local_hub_repo_lists_every_registered_model():
    from embervision.models import list_models

    entrypoints = hub.list(str(HUB), source="local")
    assert set(list_models()) <= set(entrypoints)
    assert "lenet_digits" in entrypoints


def test_models_md_is_up_to_date(tmp_path):
    make_models_md = load_make_models_md()
    fresh = tmp_path / "MODELS.md"
    assert make_models_md.main(["--output", str(fresh)]) == 0
    assert (HUB / "MODELS.md").read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        "hub/MODELS.md is stale: run python hub/make_models_md.py"
    )
    assert "`lenet_digits` | `DIGITS_V1` **DEFAULT**" in fresh.read_text(encoding="utf-8")
