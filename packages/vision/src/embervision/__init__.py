"""Computer vision on Ember, in the manner of torchvision.

embervision holds image datasets (read from local files in their real formats, downloaded
with checksums when asked), transforms on PIL images and Ember tensors, a model zoo whose
architectures, state_dict keys and defaults match torchvision's (so its published
checkpoints load one-to-one), detection ops, image I/O and drawing utilities. Its model
builders are registered as ``ember.hub`` entrypoints. It uses only Ember's public API.
"""

__version__ = "0.1.0"

from embervision import datasets, io, models, ops, transforms, utils  # noqa: E402

__all__ = ["__version__", "datasets", "io", "models", "ops", "transforms", "utils"]
