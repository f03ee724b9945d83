"""embertext imports from its installed distribution and reports that distribution's version."""

import importlib.metadata

import embertext


def test_version_matches_installed_distribution_metadata():
    assert embertext.__version__ == importlib.metadata.version("ember-text")


def test_every_public_name_is_defined():
    missing = [name for name in embertext.__all__ if not hasattr(embertext, name)]
    assert missing == []
