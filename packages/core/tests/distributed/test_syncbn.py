"""SyncBatchNorm on 2 real MPI ranks vs BatchNorm on the whole batch, plus single-process
behaviour (scripts/syncbn_checks.py does the multi-rank work)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.modules._sync_batchnorm import SyncBatchNorm

_spec = importlib.util.spec_from_file_location(
    "ddp_launch", Path(__file__).parent / "scripts" / "ddp_launch.py"
)
launch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launch)


@pytest.fixture(scope="module")
def results():
    return launch.run_checks("syncbn_checks.py")


@pytest.mark.mpi
@pytest.mark.parametrize(
    "check",
    [
        "matches_batchnorm1d_float64",  # outputs, input/param grads, running stats
        "matches_batchnorm2d_float32",
        "unequal_batches",
        "ddp_training_with_syncbn",
    ],
)
def test_syncbn(results, check):
    passed, out = results
    assert check in passed, out[-4000:]


def test_single_process_is_batchnorm():
    # Without a process group SyncBatchNorm is plain batch norm.
    bn = nn.BatchNorm2d(3)
    sbn = SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(bn))[0]
    assert isinstance(sbn, SyncBatchNorm) and sbn.weight is bn.weight
    ref = nn.BatchNorm2d(3)
    x = ember.randn(4, 3, 2, 2)
    np.testing.assert_allclose(sbn(x).detach().numpy(), ref(x).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(sbn.running_mean.numpy(), ref.running_mean.numpy(), rtol=1e-6)


def test_convert_keeps_state_dict_keys():
    m = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(2)))
    keys = list(m.state_dict())
    conv = SyncBatchNorm.convert_sync_batchnorm(m)
    assert isinstance(conv[2][0], SyncBatchNorm)
    assert list(conv.state_dict()) == keys


def test_bad_input():
    with pytest.raises(ValueError, match="SyncBatchNorm"):
        SyncBatchNorm(3)(ember.randn(3))
    with pytest.raises(ValueError, match="3 channels"):
        SyncBatchNorm(3)(ember.randn(2, 4))
