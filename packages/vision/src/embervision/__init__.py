"""Computer vision on Ember, in the manner of torchvision.

embervision holds image datasets (read from local files in their real formats), transforms
on PIL images and Ember tensors, and a model zoo whose architectures, state_dict keys and
defaults match torchvision's, so pretrained checkpoints map onto them one-to-one. Its models
are registered as hub entrypoints. It uses only Ember's public API.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
