"""Tensor.set_ against torch 2.13: sharing another tensor's data (writes through either show
in both, views included), emptying, version counters, and the refused forms and dtypes."""

import numpy as np
import pytest
import torch

import ember


def test_set_shares_the_source_data_both_ways():
    a, b = ember.zeros(3), ember.arange(6.0).reshape(2, 3)
    ta, tb = torch.zeros(3), torch.arange(6.0).reshape(2, 3)
    assert a.set_(b) is a
    ta.set_(tb)
    assert a.shape == tuple(ta.shape) and a.stride() == ta.stride()
    a.add_(1)
    ta.add_(1)
    np.testing.assert_array_equal(b.numpy(), tb.numpy())
    b.mul_(2)
    tb.mul_(2)
    np.testing.assert_array_equal(a.numpy(), ta.numpy())


def test_set_to_a_view_writes_into_the_base():
    base, tbase = ember.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    c, tc = ember.zeros(1), torch.zeros(1)
    c.set_(base[0])
    tc.set_(tbase[0])
    c.mul_(10)
    tc.mul_(10)
    np.testing.assert_array_equal(base.numpy(), tbase.numpy())


def test_set_non_contiguous_source_keeps_its_strides():
    src, tsrc = ember.arange(6.0).reshape(2, 3).t(), torch.arange(6.0).reshape(2, 3).t()
    a, ta = ember.zeros(1), torch.zeros(1)
    a.set_(src)
    ta.set_(tsrc)
    assert a.shape == tuple(ta.shape) and a.stride() == ta.stride()
    assert a.is_contiguous() == ta.is_contiguous()


def test_set_bumps_the_targets_version_only():
    a, b = ember.zeros(3), ember.ones(3)
    ta, tb = torch.zeros(3), torch.ones(3)
    a.set_(b)
    ta.set_(tb)
    assert (a._version, b._version) == (ta._version, tb._version)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_set_without_source_empties_the_tensor(dtype):
    a = ember.ones(2, 3, dtype=getattr(ember, dtype))
    ta = torch.ones(2, 3, dtype=getattr(torch, dtype))
    a.set_()
    ta.set_()
    assert a.shape == tuple(ta.shape) == (0,)
    assert a.dtype == getattr(ember, dtype)
    assert a._version == ta._version == 1


def test_set_on_a_grad_leaf_is_allowed_under_no_grad():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        x.set_(ember.zeros(3))
    assert x.requires_grad and x.shape == (3,)
    assert x.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ember.zeros(3).set_(ember.zeros(2, dtype=ember.float64)), RuntimeError,
         "Could not set tensor of type ember.float64 to a tensor of type ember.float32"),
        (lambda: ember.ones(2, requires_grad=True).set_(ember.zeros(2)), RuntimeError,
         "leaf Variable that requires grad"),
        (lambda: ember.zeros(2).set_(ember.ones(2, requires_grad=True)), NotImplementedError,
         "differentiating through set_"),
        (lambda: ember.zeros(2).set_(3), TypeError, "must be a Tensor"),
        (lambda: ember.zeros(2).set_(ember.ones(4), 1, (2,), (1,)), NotImplementedError,
         "storage_offset/size/stride"),
        (lambda: ember.zeros(2).set_(bytearray(8)), NotImplementedError, "no storage objects"),
    ],
)  # fmt: skip
def test_set_refuses_what_it_cannot_do(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_set_dtype_error_type_matches_torch():
    with pytest.raises(RuntimeError):
        torch.zeros(3).set_(torch.zeros(2, dtype=torch.float64))
    with pytest.raises(RuntimeError):
        ember.zeros(3).set_(ember.zeros(2, dtype=ember.float64))
