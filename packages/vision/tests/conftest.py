"""Make the tests folder importable (golden-file helpers) and seed every test."""

import sys
from pathlib import Path

import pytest

import ember

sys.path.insert(0, str(Path(__file__).resolve().parent))

# golden/ holds the generators (run under real torchvision, never by the tests) and data.
collect_ignore_glob = ["golden/*"]


@pytest.fixture(autouse=True)
def _seed():
    ember.manual_seed(0)
