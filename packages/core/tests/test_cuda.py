"""``ember.cuda``: lazy CUDA queries (safe without cupy) and, with a GPU, real ones."""

from __future__ import annotations

import pytest

import ember

needs_gpu = pytest.mark.skipif(not ember.cuda.is_available(), reason="needs cupy and a CUDA GPU")
no_gpu = pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-GPU behaviour")


def test_import_does_not_need_cupy():
    assert isinstance(ember.cuda.is_available(), bool)
    assert ember.cuda.device_count() >= 0


@no_gpu
def test_queries_without_a_gpu():
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    assert ember.cuda.memory_allocated() == 0
    assert ember.cuda.max_memory_allocated() == 0
    assert ember.cuda.memory_reserved() == 0
    ember.cuda.empty_cache()  # no-op
    ember.cuda.manual_seed(0)  # no-op, as in PyTorch
    ember.cuda.manual_seed_all(0)
    with pytest.raises(RuntimeError, match="cupy|GPU"):
        ember.cuda.current_device()
    with pytest.raises(RuntimeError, match="cupy|GPU"):
        ember.cuda.synchronize()
    with pytest.raises(RuntimeError, match="cupy|GPU"):
        ember.cuda.get_device_name()
    with pytest.raises(RuntimeError, match="cupy|GPU"):
        ember.cuda.init()


@pytest.mark.cuda
@needs_gpu
def test_device_queries():
    n = ember.cuda.device_count()
    assert n >= 1
    assert 0 <= ember.cuda.current_device() < n
    assert isinstance(ember.cuda.get_device_name(), str) and ember.cuda.get_device_name()
    assert ember.cuda.get_device_name(0) == ember.cuda.get_device_name("cuda:0")
    major, _ = ember.cuda.get_device_capability()
    assert major >= 3
    ember.cuda.set_device(0)
    with ember.cuda.device(0):
        assert ember.cuda.current_device() == 0
    ember.cuda.synchronize()
    assert ember.cuda.is_initialized()


@pytest.mark.cuda
@needs_gpu
def test_memory_stats_follow_allocations():
    ember.cuda.empty_cache()
    before = ember.cuda.memory_allocated()
    x = ember.zeros(1 << 20, device="cuda")  # 4 MiB
    assert ember.cuda.memory_allocated() >= before + 4 * (1 << 20)
    assert ember.cuda.max_memory_allocated() >= ember.cuda.memory_allocated()
    assert ember.cuda.memory_reserved() >= ember.cuda.memory_allocated()
    del x
    assert ember.cuda.memory_allocated() <= before + 1024
    ember.cuda.empty_cache()
    ember.cuda.reset_peak_memory_stats()
    assert ember.cuda.max_memory_allocated() == ember.cuda.memory_allocated()


@pytest.mark.cuda
@needs_gpu
def test_cuda_seeding_is_reproducible():
    ember.cuda.manual_seed(5)
    a = ember.rand(5, device="cuda").tolist()
    ember.cuda.manual_seed(5)
    assert ember.rand(5, device="cuda").tolist() == a
    ember.manual_seed(6)  # the global seed reaches CUDA generators too
    b = ember.randn(5, device="cuda").tolist()
    ember.manual_seed(6)
    assert ember.randn(5, device="cuda").tolist() == b
    assert ember.cuda.initial_seed() == 6


@pytest.mark.cuda
@needs_gpu
def test_cuda_rng_state_and_generators():
    state = ember.cuda.get_rng_state()
    a = ember.rand(4, device="cuda").tolist()
    ember.cuda.set_rng_state(state)
    assert ember.rand(4, device="cuda").tolist() == a
    g = ember.Generator(device="cuda").manual_seed(3)
    x = ember.randn(3, device="cuda", generator=g).tolist()
    g.manual_seed(3)
    assert ember.randn(3, device="cuda", generator=g).tolist() == x
    with pytest.raises(RuntimeError, match="generator"):
        ember.rand(2, generator=g)  # a CUDA generator for a CPU tensor
