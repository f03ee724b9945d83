"""Test configuration: makes ``opspecs`` importable and seeds every test."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(autouse=True)
def _seed():
    import numpy

    import ember

    ember.manual_seed(0)
    numpy.random.seed(0)
