"""``ember.save`` / ``ember.load``: checkpoints without executing code from files."""

__all__ = ["save", "load"]


def save(obj, f, **kwargs):
    """Save ``obj`` to ``f`` (arrives with the serialization work of issue #4)."""
    raise NotImplementedError("ember.save: serialization is not implemented yet (issue #4)")


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load an object saved by ``ember.save`` (arrives with issue #4)."""
    raise NotImplementedError("ember.load: serialization is not implemented yet (issue #4)")
