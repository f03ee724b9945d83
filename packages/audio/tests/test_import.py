"""emberaudio imports from its installed distribution and reports that distribution's version."""

import importlib.metadata

import emberaudio


def test_version_matches_installed_distribution_metadata():
    assert emberaudio.__version__ == importlib.metadata.version("ember-audio")


def test_every_public_name_is_defined():
    missing = [name for name in emberaudio.__all__ if not hasattr(emberaudio, name)]
    assert missing == []
