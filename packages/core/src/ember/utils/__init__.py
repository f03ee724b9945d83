"""``ember.utils``: utilities outside the core tensor API, as ``torch.utils``
(``checkpoint``, ``data``; ``tensorboard`` is imported on first use, as in PyTorch)."""

from ember.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
