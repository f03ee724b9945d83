"""embervision imports from its installed distribution and reports that distribution's version."""

import importlib.metadata

import embervision


def test_version_matches_installed_distribution_metadata():
    assert embervision.__version__ == importlib.metadata.version("ember-vision")


def test_every_public_name_is_defined():
    missing = [name for name in embervision.__all__ if not hasattr(embervision, name)]
    assert missing == []
