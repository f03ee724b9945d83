"""Every Ember distribution is installed, imports, and reports its metadata's version.

These tests run in the ``tests(package='all')`` nox session, which installs all five
distributions from the working tree the way a user would.
"""

import importlib
import importlib.metadata

import pytest

# distribution name -> import name
DISTRIBUTIONS = {
    "ember": "ember",
    "ember-vision": "embervision",
    "ember-text": "embertext",
    "ember-audio": "emberaudio",
    "ember-rl": "emberrl",
}


@pytest.mark.parametrize(("distribution", "module"), DISTRIBUTIONS.items())
def test_package_imports_and_version_matches_distribution_metadata(distribution, module):
    package = importlib.import_module(module)
    assert package.__version__ == importlib.metadata.version(distribution)
