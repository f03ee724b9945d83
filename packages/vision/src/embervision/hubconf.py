"""embervision's hub entrypoints: every registered model builder, as torchvision's hubconf.

Installed as the ``embervision`` entry point of the ``ember.hub`` group (see
``packages/vision/pyproject.toml``), so ``ember.hub.load("resnet50", weights="DEFAULT")``
finds the builder here by name; the repository's ``hub/hubconf.py`` re-exports the same
names for ``ember.hub.load(<repo>/hub, "resnet50", source="local")``. The builders come from
the model registry (``embervision.models.list_models``), so a newly registered model is an
entrypoint without editing this file.

>>> from embervision import hubconf
>>> from embervision.models import get_model_builder
>>> hubconf.lenet_digits is get_model_builder("lenet_digits")
True
"""

# A private name for the package: ember.hub lists every public callable here as an entrypoint.
from embervision import models as _models
from embervision.models import get_model_weights, get_weight

# Checked by ember.hub before an entrypoint runs, as torch.hub's ``dependencies``.
dependencies = ["ember", "embervision"]

# torchvision's hubconf also exposes these two helpers next to the builders.
__all__ = ["dependencies", "get_model_weights", "get_weight"]
for _name in _models.list_models():
    globals()[_name] = _models.get_model_builder(_name)
    __all__.append(_name)
del _name
