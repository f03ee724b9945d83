"""``ember.linalg``: norms, inverses, decompositions and solvers, as ``torch.linalg``."""

__all__: list = []
