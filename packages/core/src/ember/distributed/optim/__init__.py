"""``ember.distributed.optim``: distributed optimizers, as ``torch.distributed.optim``."""

from ember.distributed.optim.zero_redundancy_optimizer import ZeroRedundancyOptimizer

__all__ = ["ZeroRedundancyOptimizer"]
