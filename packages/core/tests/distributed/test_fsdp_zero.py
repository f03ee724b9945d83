"""FullyShardedDataParallel and ZeroRedundancyOptimizer on 2 real MPI ranks vs
single-process training (scripts/fsdp_zero_checks.py does the multi-rank work)."""

import functools
import importlib.util
from pathlib import Path

import pytest

from ember import nn
from ember.distributed.fsdp import FullStateDictConfig, ShardingStrategy, StateDictType
from ember.distributed.fsdp.wrap import ModuleWrapPolicy, size_based_auto_wrap_policy

_spec = importlib.util.spec_from_file_location(
    "ddp_launch", Path(__file__).parent / "scripts" / "ddp_launch.py"
)
launch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launch)


@pytest.fixture(scope="module")
def results():
    return launch.run_checks("fsdp_zero_checks.py")


@pytest.mark.mpi
@pytest.mark.parametrize(
    "check",
    [
        "fsdp_one_unit",  # 10 Adam steps on half batches == whole batch, 1e-6; full state dict
        "fsdp_nested_units",  # same with size_based_auto_wrap_policy units
        "fsdp_frees_and_regathers",
        "fsdp_state_dict_rank0_only_and_load",
        "fsdp_sync_module_states",
        "zero_sgd",
        "zero_adam",
        "zero_consolidate_state_dict",
    ],
)
def test_fsdp_zero(results, check):
    passed, out = results
    assert check in passed, out[-4000:]


def test_size_based_policy():
    policy = functools.partial(size_based_auto_wrap_policy, min_num_params=100)
    big, small = nn.Linear(10, 10), nn.Linear(2, 2)
    assert policy(module=big, recurse=False, nonwrapped_numel=110)
    assert not policy(module=small, recurse=False, nonwrapped_numel=6)
    # Containers are looked into but never wrapped themselves.
    assert policy(module=nn.ModuleList([big]), recurse=True, nonwrapped_numel=110)
    assert not policy(module=nn.ModuleList([big]), recurse=False, nonwrapped_numel=110)
    # MultiheadAttention is a leaf: wrapped whole, never looked into.
    mha = nn.MultiheadAttention(8, 2)
    assert not policy(module=mha, recurse=True, nonwrapped_numel=1000)


def test_module_wrap_policy():
    policy = ModuleWrapPolicy({nn.Linear})
    assert policy(nn.Sequential(), True, 0)
    assert policy(nn.Linear(2, 2), False, 6)
    assert not policy(nn.ReLU(), False, 0)


def test_api_types():
    assert ShardingStrategy.FULL_SHARD.name == "FULL_SHARD"
    assert StateDictType.FULL_STATE_DICT is not StateDictType.SHARDED_STATE_DICT
    cfg = FullStateDictConfig(offload_to_cpu=True, rank0_only=True)
    assert cfg.rank0_only and cfg.offload_to_cpu
