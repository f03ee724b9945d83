"""``ember.optim``: optimizers and learning-rate schedulers, as ``torch.optim``."""

__all__: list = []
