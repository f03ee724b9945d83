"""Datasets and samplers of ember.utils.data against torch.utils.data."""

import collections

import numpy
import pytest

import ember
import ember.utils.data as data

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def test_tensor_dataset_items_and_size_mismatch():
    ds = data.TensorDataset(ember.arange(4), ember.zeros(4, 2))
    assert len(ds) == 4
    x, y = ds[2]
    assert x.item() == 2 and tuple(y.shape) == (2,)
    with pytest.raises(AssertionError, match="Size mismatch"):
        data.TensorDataset(ember.zeros(2), ember.zeros(3))


def test_concat_dataset_cumulative_sizes_and_negative_index_match_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = data.ConcatDataset(parts), tdata.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    assert len(data.TensorDataset(ember.zeros(2)) + data.TensorDataset(ember.zeros(3))) == 5
    with pytest.raises(AssertionError):
        data.ConcatDataset([])


class _Stream(data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_chain_dataset_and_iterable_add():
    assert list(data.ChainDataset([_Stream(2), _Stream(3)])) == [0, 1, 0, 1, 2]
    assert list(_Stream(2) + _Stream(1)) == [0, 1, 0]
    assert len(data.ChainDataset([_Stream(2), _Stream(3)])) == 5


def test_subset_and_stack_dataset_tuple_and_dict_forms():
    sub = data.Subset([10, 20, 30, 40], [3, 1])
    assert len(sub) == 2 and sub[0] == 40 and sub.__getitems__([0, 1]) == [40, 20]
    assert data.StackDataset([1, 2], [3, 4])[1] == (2, 4)
    assert data.StackDataset(a=[1, 2], b=[3, 4])[0] == {"a": 1, "b": 3}
    with pytest.raises(ValueError):
        data.StackDataset([1, 2], [3])
    with pytest.raises(ValueError):
        data.StackDataset([1], b=[2])


@pytest.mark.parametrize(
    "n, lengths",
    [(10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.3, 0.4]), (5, [2, 3])],
)
def test_random_split_lengths_match_torch(n, lengths):
    ours = data.random_split(range(n), lengths, generator=ember.Generator().manual_seed(0))
    theirs = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    everything = sorted(i for s in ours for i in s)
    assert everything == list(range(n))


def test_random_split_errors_and_zero_length_warning():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        data.random_split(range(5), [2, 2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(range(2), [0.9, 0.1])


def test_random_split_is_reproducible_with_a_generator():
    a = data.random_split(range(9), [4, 5], generator=ember.Generator().manual_seed(1))
    b = data.random_split(range(9), [4, 5], generator=ember.Generator().manual_seed(1))
    assert [list(s) for s in a] == [list(s) for s in b]


def test_sequential_and_batch_sampler_match_torch():
    for n, bs, drop in [(7, 3, False), (7, 3, True), (6, 2, True), (1, 4, False)]:
        ours = data.BatchSampler(data.SequentialSampler(range(n)), bs, drop)
        theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_batch_sampler_validation_matches_torch(bad):
    with pytest.raises(ValueError) as theirs:
        tdata.BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError) as ours:
        data.BatchSampler(range(3), bad, False)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        data.BatchSampler(range(3), 2, 1)


def test_random_sampler_permutation_replacement_and_num_samples():
    gen = ember.Generator().manual_seed(0)
    assert sorted(data.RandomSampler(range(6), generator=gen)) == list(range(6))
    over = list(data.RandomSampler(range(4), num_samples=10, generator=gen))
    assert len(over) == 10 and sorted(over[:4]) == list(range(4))
    draws = list(data.RandomSampler(range(3), replacement=True, num_samples=70, generator=gen))
    assert len(draws) == 70 and set(draws) <= {0, 1, 2}
    a = list(data.RandomSampler(range(8), generator=ember.Generator().manual_seed(5)))
    b = list(data.RandomSampler(range(8), generator=ember.Generator().manual_seed(5)))
    assert a == b
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        data.RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        data.RandomSampler(range(3), num_samples=0)


def test_subset_random_and_weighted_random_samplers():
    assert sorted(data.SubsetRandomSampler([4, 8, 9])) == [4, 8, 9]
    weighted = list(data.WeightedRandomSampler([0.0, 0.0, 1.0], 5))
    assert weighted == [2] * 5
    no_repeat = list(data.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(no_repeat) == [0, 1, 2]
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        data.WeightedRandomSampler([[1.0]], 1)
    with pytest.raises(ValueError, match="num_samples"):
        data.WeightedRandomSampler([1.0], 0)


@pytest.mark.parametrize("n", [10, 11, 3, 1])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_index_lists_match_torch_without_shuffle(n, replicas, drop_last):
    for rank in range(replicas):
        kw = dict(num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        ours = data.DistributedSampler(range(n), **kw)
        theirs = tdata.distributed.DistributedSampler(range(n), **kw)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_distributed_sampler_shuffle_covers_dataset_and_changes_with_epoch():
    n, replicas = 11, 3
    samplers = [data.DistributedSampler(range(n), replicas, r, seed=7) for r in range(replicas)]
    epoch0 = [list(s) for s in samplers]
    counts = collections.Counter(i for part in epoch0 for i in part)
    assert set(counts) == set(range(n)) and sum(counts.values()) == 12
    assert all(len(p) == 4 for p in epoch0)
    again = [list(data.DistributedSampler(range(n), replicas, r, seed=7)) for r in range(3)]
    assert again == epoch0
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != epoch0
    with pytest.raises(ValueError, match="Invalid rank 3"):
        data.DistributedSampler(range(4), num_replicas=3, rank=3)


def test_dataset_base_classes_raise_not_implemented():
    with pytest.raises(NotImplementedError):
        data.Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(data.IterableDataset())
    assert isinstance(numpy.arange(2), numpy.ndarray)
