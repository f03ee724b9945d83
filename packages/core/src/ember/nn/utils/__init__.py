"""``ember.nn.utils``: helpers around modules and parameters (filled in by later work)."""

__all__: list = []
