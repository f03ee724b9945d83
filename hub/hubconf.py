"""Ember's own hub repository, read by ``ember.hub.load(repo_or_dir, name)``.

As with torch.hub's ``hubconf.py``: ``dependencies`` lists the modules a caller must be able
to import before any entrypoint is loaded, and every public callable defined here is an
entrypoint that builds a model, optionally with pretrained weights described by the weights
manifest in this folder (url, sha256, size, metrics). The entrypoints and the manifest
arrive with the vision model zoo; until then this file only declares its dependencies.
"""

dependencies = ["ember"]
