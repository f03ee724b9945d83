"""``ember.distributed.fsdp``: fully sharded data parallelism, as
``torch.distributed.fsdp``."""

from ember.distributed.fsdp import wrap
from ember.distributed.fsdp.api import (
    BackwardPrefetch,
    CPUOffload,
    FullStateDictConfig,
    ShardingStrategy,
    StateDictConfig,
    StateDictType,
)
from ember.distributed.fsdp.fully_sharded_data_parallel import FullyShardedDataParallel

__all__ = [
    "BackwardPrefetch",
    "CPUOffload",
    "FullStateDictConfig",
    "FullyShardedDataParallel",
    "ShardingStrategy",
    "StateDictConfig",
    "StateDictType",
    "wrap",
]
