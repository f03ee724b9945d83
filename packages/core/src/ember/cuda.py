"""``ember.cuda``: CUDA device queries and memory stats, backed by cupy (lazily imported)."""

__all__: list = []
