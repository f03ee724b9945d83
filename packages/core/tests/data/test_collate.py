"""default_collate / default_convert against torch's."""

import collections

import numpy
import pytest

import ember
from ember.utils.data import default_collate, default_convert

torch = pytest.importorskip("torch")
tcollate = torch.utils.data.default_collate
tconvert = torch.utils.data.default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def _same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        numpy.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


SAMPLES = [
    [1, 2, 3],
    [1.5, 2.5],
    [True, False],
    ["a", "b"],
    [b"a", b"b"],
    [numpy.float32(1), numpy.float32(2)],
    [numpy.int16(1), numpy.int16(2)],
    [numpy.arange(3, dtype=numpy.float32), numpy.ones(3, dtype=numpy.float32)],
    [(1, 2.0), (3, 4.0)],
    [[1, "x"], [2, "y"]],
    [{"a": 1, "b": numpy.zeros(2)}, {"a": 2, "b": numpy.ones(2)}],
    [Point(1, 2.0), Point(3, 4.0)],
]


@pytest.mark.parametrize("batch", SAMPLES, ids=range(len(SAMPLES)))
def test_default_collate_matches_torch(batch):
    _same(default_collate(batch), tcollate(batch))


def test_default_collate_stacks_tensors():
    ours = default_collate([ember.ones(2, 3), ember.zeros(2, 3)])
    assert tuple(ours.shape) == (2, 2, 3) and ours.dtype == ember.float32


def test_default_collate_size_mismatch_names_path_and_sizes():
    batch = [{"img": ember.zeros(3)}, {"img": ember.zeros(4)}]
    with pytest.raises(RuntimeError, match=r"\[3\] at entry 0 and \[4\] at entry 1.*'img'"):
        default_collate(batch)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


@pytest.mark.parametrize(
    "sample",
    [numpy.arange(3), numpy.float64(2.0), {"a": numpy.ones(2)}, (numpy.ones(1), 2), "s", 3],
    ids=range(6),
)
def test_default_convert_matches_torch(sample):
    _same(default_convert(sample), tconvert(sample))
