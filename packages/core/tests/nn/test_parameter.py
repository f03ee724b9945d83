"""``nn.Parameter`` / ``nn.Buffer``: a Tensor subclass that modules register."""

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from ember import nn


def test_parameter_is_a_tensor_requiring_grad_and_sharing_data():
    t = ember.ones(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, ember.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p._data is t._data  # shares memory, as torch.nn.Parameter does
    assert not nn.Parameter(t, requires_grad=False).requires_grad


def test_parameter_default_is_empty():
    p = nn.Parameter()
    assert p.shape == torch.nn.Parameter().shape
    assert p.dtype == ember.float32 and p.requires_grad


def test_parameter_repr_matches_torch():
    data = np.array([[1.0, 2.5], [3.0, -4.0]], dtype=np.float32)
    for requires_grad in (True, False):
        e = repr(nn.Parameter(ember.tensor(data), requires_grad=requires_grad))
        t = repr(torch.nn.Parameter(torch.tensor(data), requires_grad=requires_grad))
        assert e == t.replace("torch.", "ember.")
    e = repr(nn.Parameter(ember.tensor(data, dtype=ember.float64)))
    t = repr(torch.nn.Parameter(torch.tensor(data, dtype=torch.float64)))
    assert e == t.replace("torch.", "ember.")


def test_ops_on_parameter_return_plain_tensors():
    p = nn.Parameter(ember.ones(3))
    for out in (p * 2, p + p, p.sum(), p.detach(), p.data, p[0], p.reshape(3, 1)):
        assert type(out) is ember.Tensor
    (p * 2).sum().backward()
    assert type(p.grad) is ember.Tensor
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0, 2.0])


def test_parameter_of_integer_tensor_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ember.tensor([1, 2]))
    p = nn.Parameter(ember.tensor([1, 2]), requires_grad=False)
    assert p.dtype == ember.int64


def test_parameter_rejects_non_tensor_data():
    with pytest.raises(TypeError, match="Parameter"):
        nn.Parameter([1.0, 2.0])


def test_deepcopy_keeps_parameter_type_and_copies_data():
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    p.grad = ember.tensor([0.5, 0.5])
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad
    assert q._data is not p._data
    np.testing.assert_array_equal(q.detach().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(q.grad.numpy(), [0.5, 0.5])
    frozen = copy.deepcopy(nn.Parameter(ember.ones(1), requires_grad=False))
    assert type(frozen) is nn.Parameter and not frozen.requires_grad


def test_pickle_keeps_parameter_type():
    p = nn.Parameter(ember.tensor([1.0, 2.0]), requires_grad=False)
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is nn.Parameter and not q.requires_grad
    np.testing.assert_array_equal(q.numpy(), [1.0, 2.0])
    r = pickle.loads(pickle.dumps(nn.Parameter(ember.ones(2))))
    assert type(r) is nn.Parameter and r.requires_grad


def test_parameter_data_setter_keeps_object():
    p = nn.Parameter(ember.ones(2))
    p.data = ember.zeros(2, dtype=ember.float64)
    assert type(p) is nn.Parameter and p.dtype == ember.float64


def test_buffer_registers_as_buffer_with_persistence():
    m = nn.Module()
    m.a = nn.Buffer(ember.ones(2))
    m.b = nn.Buffer(ember.zeros(1), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    assert list(m.state_dict()) == ["a"]
    assert type(m.a) is ember.Tensor

    tm = torch.nn.Module()
    tm.a = torch.nn.Buffer(torch.ones(2))
    tm.b = torch.nn.Buffer(torch.zeros(1), persistent=False)
    assert list(tm.state_dict()) == list(m.state_dict())
