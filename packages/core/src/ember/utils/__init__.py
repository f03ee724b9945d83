"""``ember.utils``: utilities outside the core tensor API, as ``torch.utils``
(``checkpoint`` here; ``data`` lives in its own package)."""

from ember.utils import checkpoint

__all__ = ["checkpoint"]
