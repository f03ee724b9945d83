"""``ember.nn``: modules, parameters, layers and losses, as ``torch.nn``."""

__all__: list = []
