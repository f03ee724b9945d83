"""FSDP's option types, with torch.distributed.fsdp's names and values."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "BackwardPrefetch",
    "CPUOffload",
    "FullStateDictConfig",
    "ShardingStrategy",
    "StateDictConfig",
    "StateDictType",
]


class ShardingStrategy(enum.Enum):
    """How FSDP shards: ``FULL_SHARD`` (parameters, gradients and optimizer state; the
    gathered parameters are freed after forward and re-gathered for backward),
    ``SHARD_GRAD_OP``, ``NO_SHARD``, ``HYBRID_SHARD``, ``_HYBRID_SHARD_ZERO2``."""

    FULL_SHARD = enum.auto()
    SHARD_GRAD_OP = enum.auto()
    NO_SHARD = enum.auto()
    HYBRID_SHARD = enum.auto()
    _HYBRID_SHARD_ZERO2 = enum.auto()


class BackwardPrefetch(enum.Enum):
    """When to prefetch the next unit's parameters in backward (accepted; Ember gathers
    each unit when its backward starts)."""

    BACKWARD_PRE = enum.auto()
    BACKWARD_POST = enum.auto()


class StateDictType(enum.Enum):
    """Which state dict ``FSDP.state_dict()`` returns; Ember implements ``FULL_STATE_DICT``."""

    FULL_STATE_DICT = enum.auto()
    LOCAL_STATE_DICT = enum.auto()
    SHARDED_STATE_DICT = enum.auto()


@dataclass
class StateDictConfig:
    """Base of the state-dict configs: ``offload_to_cpu`` moves the tensors to the CPU."""

    offload_to_cpu: bool = False


@dataclass
class FullStateDictConfig(StateDictConfig):
    """Config of ``FULL_STATE_DICT``: with ``rank0_only`` only rank 0 gets the (full) state
    dict and the other ranks an empty one.

    >>> FullStateDictConfig(rank0_only=True)
    FullStateDictConfig(offload_to_cpu=False, rank0_only=True)
    """

    rank0_only: bool = False


@dataclass
class CPUOffload:
    """Whether to keep parameters on the CPU between uses (Ember's CPU tensors already are)."""

    offload_params: bool = False
