"""``ember.nn.parallel``: data-parallel wrappers, as ``torch.nn.parallel``."""

from ember.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
