"""DataLoader: batching, arguments, worker processes, seeding, faults and cleanup."""

import gc
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import time
from multiprocessing import resource_tracker

import numpy
import pytest

import ember
import ember.utils.data as data
from ember.utils.data import DataLoader

torch = pytest.importorskip("torch")
tdata = torch.utils.data


# -- helpers ---------------------------------------------------------------------------------
def _children() -> set:
    """Pids of this process's live (non-zombie) children, read from /proc."""
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(entry))
    return found


def _segments() -> set:
    return {e for e in os.listdir("/dev/shm") if e.startswith("ember_dl_")}


@pytest.fixture
def no_leaks():
    """Fails the test if it leaves worker processes or shared-memory blocks behind."""
    resource_tracker.ensure_running()  # long-lived helper, started before we count
    before, segments = _children(), _segments()
    yield
    gc.collect()
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    before.add(server)  # the fork server outlives its loaders by design
    deadline = time.monotonic() + 5
    while (_children() - before or multiprocessing.active_children()) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert _children() - before == set()
    assert multiprocessing.active_children() == []
    assert _segments() - segments == set()


class Squares(data.Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": ember.full((2,), float(i)), "i": i, "name": f"s{i}"}


class Augmented(data.Dataset):
    """Random augmentation from all three RNGs inside __getitem__."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        import random

        noise = ember.rand(3) + float(numpy.random.rand()) + random.random()
        return ember.full((3,), float(i)) + noise


class Failing(data.Dataset):
    def __init__(self, bad, exc=ValueError):
        self.bad, self.exc = bad, exc

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc(f"bad index {i}")
        return i


class Killing(data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class Slow(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            time.sleep(1.0)
        return i


class Sharded(data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = data.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def _plain(batch):
    return batch.tolist() if hasattr(batch, "tolist") else batch


# -- single process ---------------------------------------------------------------------------
def test_batches_and_len_match_torch_for_sequential_loading():
    ds = list(range(10))
    for kw in [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)]:
        ours = [_plain(b) for b in DataLoader(ds, **kw)]
        theirs = [_plain(b) for b in tdata.DataLoader(ds, **kw)]
        assert ours == theirs
        assert len(DataLoader(ds, **kw)) == len(tdata.DataLoader(ds, **kw))


def test_iterable_dataset_len_matches_torch():
    for kw in [dict(batch_size=4), dict(batch_size=4, drop_last=True), dict(batch_size=None)]:
        assert len(DataLoader(Sharded(10), **kw)) == len(tdata.DataLoader(range(10), **kw))
    assert [b.tolist() for b in DataLoader(Sharded(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_batch_sampler_and_collate_fn_arguments():
    loader = DataLoader(list(range(6)), batch_sampler=[[0, 5], [2]], collate_fn=lambda b: b)
    assert list(loader) == [[0, 5], [2]]
    assert len(loader) == 2


_ARG_CASES = [
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(sampler=[0], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kwargs", _ARG_CASES, ids=range(len(_ARG_CASES)))
def test_argument_errors_match_torch(kwargs):
    with pytest.raises((ValueError, TypeError)) as theirs:
        tdata.DataLoader(list(range(4)), **kwargs)
    with pytest.raises((ValueError, TypeError)) as ours:
        DataLoader(list(range(4)), **kwargs)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value).replace("torch.", "") == str(theirs.value).replace("torch.", "")


def test_iterable_dataset_rejects_shuffle_and_samplers():
    for kw in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected"):
            DataLoader(Sharded(3), **kw)
    loader = DataLoader([1])
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3


def test_zero_workers_restores_the_callers_rng_streams():
    ember.manual_seed(0)
    loader = DataLoader(Augmented(), batch_size=4, generator=ember.Generator().manual_seed(1))
    expected = ember.rand(2)
    ember.manual_seed(0)
    for _ in loader:
        pass
    assert bool((ember.rand(2) == expected).all())


# -- workers ----------------------------------------------------------------------------------
def test_workers_give_the_same_batches_as_the_main_process(no_leaks):
    ds = Squares(11)
    single = list(DataLoader(ds, batch_size=3))
    multi = list(DataLoader(ds, batch_size=3, num_workers=2))
    assert len(single) == len(multi) == 4
    for a, b in zip(single, multi):
        assert a["i"].tolist() == b["i"].tolist() and a["name"] == b["name"]
        assert bool((a["x"] == b["x"]).all()) and b["x"].dtype == ember.float32


@pytest.mark.parametrize("num_workers", [1, 3])
def test_same_generator_seed_gives_same_shuffled_augmented_batches(num_workers, no_leaks):
    def run(workers):
        gen = ember.Generator().manual_seed(123)
        loader = DataLoader(
            Augmented(), batch_size=4, shuffle=True, generator=gen, num_workers=workers
        )
        return [b.numpy().copy() for b in loader]

    reference = run(0)
    for a, b in zip(reference, run(num_workers)):
        numpy.testing.assert_array_equal(a, b)
    other_epoch = run(0)
    assert all(numpy.array_equal(a, b) for a, b in zip(reference, other_epoch))


def test_persistent_workers_match_the_main_process_across_epochs_and_breaks(no_leaks):
    def epochs(workers):
        gen = ember.Generator().manual_seed(9)
        extra = dict(num_workers=workers, persistent_workers=bool(workers))
        loader = DataLoader(Augmented(), batch_size=2, shuffle=True, generator=gen, **extra)
        out = []
        for batch in loader:  # a broken-off epoch leaves batches in flight
            out.append(batch.numpy().copy())
            break
        for _ in range(2):
            out.extend(b.numpy().copy() for b in loader)
        return out

    reference, multi = epochs(0), epochs(2)
    assert len(reference) == len(multi) == 13
    for a, b in zip(reference, multi):
        numpy.testing.assert_array_equal(a, b)
    assert not numpy.array_equal(reference[1], reference[7])  # epochs differ


def test_batches_travel_as_shared_memory_metadata():
    from ember.utils.data import _shared_memory

    ring = _shared_memory.BlockRing(f"ember_dl_test_{os.getpid()}_", 2)
    cache: dict = {}
    try:
        batch = {"x": ember.ones(4, 3), "meta": ["a", 1], "y": ember.arange(4)}
        structure, name, metas = _shared_memory.pack(batch, ring)
        assert name.startswith("ember_dl_test_") and len(metas) == 2
        assert isinstance(structure["x"], _shared_memory._Slot)
        out = _shared_memory.unpack(structure, name, metas, cache)
        assert out["meta"] == ["a", 1] and out["y"].tolist() == [0, 1, 2, 3]
        assert bool((out["x"] == 1).all())
        names = {_shared_memory.pack(batch, ring)[1] for _ in range(4)}
        assert len(names) == 2  # blocks are reused round the ring
    finally:
        _shared_memory.close_all(cache)
        ring.close()
    assert not any(e.startswith(f"ember_dl_test_{os.getpid()}_") for e in os.listdir("/dev/shm"))


def _record_worker(worker_id):
    info = data.get_worker_info()
    assert info.id == worker_id and info.num_workers == 2


class _WorkerSeeds(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = data.get_worker_info()
        return ember.tensor([info.id, info.seed % 1000003])


def test_worker_info_and_seed_is_base_seed_plus_worker_id(no_leaks):
    loader = DataLoader(_WorkerSeeds(), batch_size=1, num_workers=2, worker_init_fn=_record_worker)
    rows = [b[0].tolist() for b in loader]
    by_worker = dict(rows)
    assert set(by_worker) == {0, 1}
    assert (by_worker[1] - by_worker[0]) % 1000003 == 1


def test_iterable_dataset_sharded_with_worker_info(no_leaks):
    loader = DataLoader(Sharded(10), batch_size=2, num_workers=2)
    items = sorted(i for b in loader for i in b.tolist())
    assert items == list(range(10))
    assert data.get_worker_info() is None


class _Uneven(data.IterableDataset):
    def __iter__(self):
        if data.get_worker_info().id == 0:
            return iter([100])
        return (time.sleep(0.3) or i for i in range(3))


def test_exhausted_iterable_worker_exiting_is_not_an_error(no_leaks):
    got = sorted(DataLoader(_Uneven(), batch_size=None, num_workers=2))
    assert got == [0, 1, 2, 100]


def test_bfloat16_and_bool_batches_keep_their_dtype(no_leaks):
    ds = data.TensorDataset(ember.ones(4, dtype=ember.bfloat16), ember.ones(4, dtype=ember.bool))
    x, flag = next(iter(DataLoader(ds, batch_size=4, num_workers=1)))
    assert x.dtype == ember.bfloat16 and flag.dtype == ember.bool


def test_in_order_false_yields_every_batch(no_leaks):
    loader = DataLoader(Slow(), batch_size=1, num_workers=2, in_order=False)
    got = [b.item() for b in loader]
    assert sorted(got) == [0, 1, 2, 3] and got != [0, 1, 2, 3]


def test_persistent_workers_keep_processes_across_epochs(no_leaks):
    loader = DataLoader(Squares(6), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b["i"].tolist() for b in loader]
    pids = loader._iterator.worker_pids
    second = [b["i"].tolist() for b in loader]
    assert first == second == [[0, 1], [2, 3], [4, 5]]
    assert loader._iterator.worker_pids == pids
    del loader


def test_non_tensor_batches_and_batch_size_none_through_workers(no_leaks):
    loader = DataLoader(list(range(5)), batch_size=None, num_workers=2)
    assert list(loader) == [0, 1, 2, 3, 4]
    arrays = DataLoader([numpy.ones(2)] * 3, batch_size=None, num_workers=2)
    assert [b.tolist() for b in arrays] == [[1.0, 1.0]] * 3
    strings = DataLoader(["a", "b", "c"], batch_size=2, num_workers=1)
    assert list(strings) == [["a", "b"], ["c"]]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_spawn_and_forkserver_contexts(method, no_leaks):
    ds = data.TensorDataset(ember.arange(6), ember.ones(6, 2))
    ctx = multiprocessing.get_context(method) if method == "forkserver" else method
    loader = DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context=ctx)
    batches = list(loader)
    assert [b[0].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5]]


# -- faults and cleanup -----------------------------------------------------------------------
def test_worker_exception_is_reraised_with_type_worker_id_and_traceback(no_leaks):
    loader = DataLoader(Failing(1), batch_size=1, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    message = str(info.value)
    assert "Caught ValueError in DataLoader worker process 1." in message
    assert "Original Traceback" in message and "bad index 1" in message
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(Failing(0, KeyError), batch_size=1, num_workers=2))
    del info  # its traceback holds the iterator, whose collection shuts the workers down


def test_killed_worker_raises_instead_of_hanging(no_leaks):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by signal"):
        list(DataLoader(Killing(), batch_size=1, num_workers=2))
    assert time.monotonic() - start < 5


def test_worker_killed_from_outside(no_leaks):
    it = iter(DataLoader(Slow(), batch_size=1, num_workers=2))
    next(it)
    os.kill(it.worker_pids[1], signal.SIGKILL)
    with pytest.raises(RuntimeError, match="is killed by signal: Killed."):
        list(it)


def test_persistent_loader_recovers_after_a_killed_worker(no_leaks):
    loader = DataLoader(Slow(), batch_size=1, num_workers=2, persistent_workers=True)
    it = iter(loader)
    next(it)
    os.kill(it.worker_pids[0], signal.SIGKILL)
    with pytest.raises(RuntimeError, match="is killed by signal"):
        list(it)
    del it
    assert [b.item() for b in loader] == [0, 1, 2, 3]
    del loader


_KILLED_MAIN = """
import os, signal, sys
import ember
from ember.utils.data import DataLoader, TensorDataset
it = iter(DataLoader(TensorDataset(ember.zeros(40, 8)), batch_size=2, num_workers=2))
next(it)
print(os.getpid(), *it.worker_pids, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_workers_exit_and_unlink_when_the_main_process_is_killed():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_MAIN], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -signal.SIGKILL
    main_pid, *workers = (int(p) for p in proc.stdout.split())
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in workers)
    assert not [e for e in os.listdir("/dev/shm") if e.startswith(f"ember_dl_{main_pid}_")]


def test_timeout_raises(no_leaks):
    loader = DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        list(loader)


def test_break_del_and_keyboard_interrupt_leave_nothing_behind(no_leaks):
    loader = DataLoader(Squares(40), batch_size=2, num_workers=2)
    for _ in loader:
        break
    it = iter(loader)
    next(it)
    del it
    with pytest.raises(KeyboardInterrupt):
        for _ in loader:
            raise KeyboardInterrupt
    gc.collect()
