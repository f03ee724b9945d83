"""Devices: parsing, tensor placement and the CPU-only behaviour of CUDA requests.

Tests that need cupy and a GPU are marked ``cuda`` and skip elsewhere; the rest check that
Ember works, and fails clearly, without cupy.
"""

from __future__ import annotations

import pickle

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")

no_cuda = pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-GPU behaviour")


@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:0", "cuda:3"])
def test_device_parsing_matches_pytorch(spec):
    e, t = ember.device(spec), torch.device(spec)
    assert (e.type, e.index) == (t.type, t.index)
    assert str(e) == str(t) and repr(e) == repr(t)


def test_device_forms_and_equality():
    assert ember.device("cuda", 1) == ember.device("cuda:1")
    assert ember.device(ember.device("cuda:2")).index == 2
    assert ember.device(0) == ember.device("cuda:0")
    assert ember.device("cpu") == "cpu"
    assert hash(ember.device("cuda:1")) == hash(ember.device("cuda", 1))
    assert pickle.loads(pickle.dumps(ember.device("cuda:1"))) == ember.device("cuda:1")
    assert len({ember.device("cpu"), ember.device("cpu")}) == 1


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:-1", "cuda:1:2"])
def test_bad_device_strings_raise_runtime_error(spec):
    with pytest.raises(RuntimeError):
        torch.device(spec)
    with pytest.raises(RuntimeError):
        ember.device(spec)


def test_device_type_errors():
    with pytest.raises(TypeError):
        ember.device(1.5)
    with pytest.raises(RuntimeError):
        ember.device("cuda:1", 2)


def test_cpu_tensor_device_attributes():
    x = ember.zeros(2)
    assert x.device == ember.device("cpu") and x.device.type == "cpu"
    assert not x.is_cuda
    assert x.cpu() is x
    assert ember.zeros(2, device="cpu").device.type == "cpu"
    assert ember.tensor([1], device=ember.device("cpu")).device.type == "cpu"


@no_cuda
def test_cuda_requests_fail_clearly_without_a_gpu():
    x = ember.zeros(2)
    for request in (
        lambda: x.cuda(),
        lambda: x.to("cuda"),
        lambda: x.to("cuda:0"),
        lambda: ember.zeros(2, device="cuda"),
        lambda: ember.tensor([1.0], device="cuda"),
        lambda: ember.rand(2, device="cuda"),
    ):
        with pytest.raises(RuntimeError, match="CUDA|cupy|GPU"):
            request()


def test_from_numpy_shares_and_numpy_round_trips():
    a = numpy.arange(6, dtype=numpy.int32).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.numpy() is a
    a[0, 0] = 9
    assert t[0, 0].item() == 9
    assert numpy.array_equal(numpy.asarray(t.to(ember.float64)), a.astype(numpy.float64))


# -- with a GPU ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["bool", "uint8", "int64", "float16", "bfloat16", "float32", "float64", "complex64"]
)
@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
def test_round_trip_through_the_gpu(name):
    x = ember.tensor([[1, 0], [2, 3]], dtype=getattr(ember, name))
    g = x.cuda()
    assert g.is_cuda and g.device == ember.device("cuda:0") and g.dtype is x.dtype
    back = g.cpu()
    assert not back.is_cuda and back.tolist() == x.tolist()
    assert x.to("cuda").device.type == "cuda"
    assert g.to("cuda") is g and g.cuda() is g
    assert x.to(g).device == g.device


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
def test_gpu_numpy_refuses_and_repr_names_the_device():
    g = ember.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(TypeError, match=r"cpu\(\)"):
        g.numpy()
    assert repr(g) == "tensor([1., 2.], device='cuda:0')"
    assert g.tolist() == [1.0, 2.0] and g.sum().item() == 3.0


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
def test_ops_and_autograd_on_the_gpu():
    x = ember.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    y = (x * x + 1).sum()
    y.backward()
    assert x.grad.device == x.device and x.grad.cpu().tolist() == [2.0, 4.0, 6.0]
    z = x.detach().to("cpu", ember.float64)
    assert z.device.type == "cpu" and z.dtype is ember.float64
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    w.cuda().sum().backward()  # the cross-device copy is differentiable
    assert w.grad.device.type == "cpu" and w.grad.tolist() == [1.0, 1.0]


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
def test_mixed_devices_raise():
    with pytest.raises(RuntimeError, match="expected all tensors to be on the same device"):
        ember.ones(2) + ember.ones(2, device="cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
def test_creation_on_the_gpu():
    for t in (
        ember.zeros(2, 3, device="cuda"),
        ember.full((2,), 3, device="cuda"),
        ember.arange(5, device="cuda"),
        ember.linspace(0, 1, 5, device="cuda"),
        ember.eye(3, device="cuda"),
        ember.rand(4, device="cuda"),
        ember.randn(4, device="cuda"),
        ember.randint(0, 5, (4,), device="cuda"),
        ember.randperm(6, device="cuda"),
        ember.normal(ember.zeros(3, device="cuda"), 1.0),
        ember.bernoulli(ember.full((3,), 0.5, device="cuda")),
        ember.multinomial(ember.ones(4, device="cuda"), 2),
        ember.zeros_like(ember.ones(2, device="cuda")),
    ):
        assert t.is_cuda
    assert ember.arange(5, device="cuda").cpu().tolist() == [0, 1, 2, 3, 4]
    assert sorted(ember.randperm(6, device="cuda").tolist()) == list(range(6))
    x = ember.empty(1000, device="cuda").uniform_(2, 3)
    assert 2 <= x.min().item() and x.max().item() <= 3
