"""emberrl imports from its installed distribution and reports that distribution's version."""

import importlib.metadata

import emberrl


def test_version_matches_installed_distribution_metadata():
    assert emberrl.__version__ == importlib.metadata.version("ember-rl")


def test_every_public_name_is_defined():
    missing = [name for name in emberrl.__all__ if not hasattr(emberrl, name)]
    assert missing == []
