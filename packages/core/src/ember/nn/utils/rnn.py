"""Variable-length sequences for recurrent layers, as ``torch.nn.utils.rnn``.

A ``PackedSequence`` stores the time steps of a batch of sequences (sorted by decreasing
length) back to back: ``data`` has one row per (time step, sequence still running) and
``batch_sizes[t]`` says how many sequences run at step t. Packing and unpacking are each one
``index_select`` with a precomputed index, so they are differentiable and loop-free.
"""

from __future__ import annotations

from collections import namedtuple

import numpy

from ember._tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


def _long(values, device=None) -> Tensor:
    import ember

    return ember.tensor(numpy.asarray(values, dtype=numpy.int64), device=device)


def _host(t) -> numpy.ndarray:
    """An int64 numpy copy of a Tensor / list of lengths (lengths live on the CPU)."""
    if isinstance(t, Tensor):
        return numpy.asarray(t.detach().cpu().numpy(), dtype=numpy.int64)
    return numpy.asarray(t, dtype=numpy.int64)


class PackedSequence(
    namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])
):
    """Packed batch of variable-length sequences, as ``torch.nn.utils.rnn.PackedSequence``:
    ``data`` (sum of lengths, *), ``batch_sizes`` (max length,) int64 on the CPU, and the
    permutation (``sorted_indices``) that sorted the batch by length, or None. Build it with
    ``pack_padded_sequence`` / ``pack_sequence``.

    >>> from ember.nn.utils.rnn import pack_sequence
    >>> pack_sequence([ember.tensor([1, 2, 3]), ember.tensor([4])]).batch_sizes
    tensor([2, 1, 1])
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Moves/casts ``data`` (and the index tensors to data's device), as torch."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        device = data.device

        def move(t):
            return None if t is None else t.to(device)

        return type(self)(
            data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices)
        )

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to("cuda")

    def double(self) -> PackedSequence:
        return self._replace(data=self.data.double())

    def float(self) -> PackedSequence:
        return self._replace(data=self.data.float())

    def half(self) -> PackedSequence:
        return self._replace(data=self.data.half())

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation (None stays None).

    >>> from ember.nn.utils.rnn import invert_permutation
    >>> invert_permutation(ember.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    perm = _host(permutation)
    inv = numpy.empty_like(perm)
    inv[perm] = numpy.arange(perm.size, dtype=numpy.int64)
    return _long(inv, permutation.device)


def _batch_sizes(lengths: numpy.ndarray) -> numpy.ndarray:
    """batch_sizes[t] = number of sequences longer than t (lengths sorted decreasing)."""
    steps = numpy.arange(int(lengths[0]) if lengths.size else 0)
    return (lengths[None, :] > steps[:, None]).sum(axis=1).astype(numpy.int64)


def _packed_positions(batch_sizes: numpy.ndarray, batch: int) -> numpy.ndarray:
    """Flat (t * batch + b) index of every packed row, in packed order."""
    steps = numpy.arange(batch_sizes.size)
    full = steps[:, None] * batch + numpy.arange(batch)[None, :]
    return full[numpy.arange(batch)[None, :] < batch_sizes[:, None]]


def pack_padded_sequence(
    input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Packs a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences with
    the given ``lengths`` (list or 1-D CPU tensor), as
    ``torch.nn.utils.rnn.pack_padded_sequence``. With ``enforce_sorted=False`` the batch is
    sorted by decreasing length first and the permutation kept in the result.

    >>> from ember.nn.utils.rnn import pack_padded_sequence
    >>> x = ember.tensor([[1, 2], [3, 0]])
    >>> pack_padded_sequence(x, [2, 1], batch_first=True).data
    tensor([1, 3, 2])
    """
    lens = _host(lengths).reshape(-1)
    if enforce_sorted:
        if lens.size > 1 and (numpy.diff(lens) > 0).any():
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        sorted_indices = None
    else:
        order = numpy.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _long(order, input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    batch = input.shape[1]
    if lens.size != batch:
        raise ValueError(
            f"pack_padded_sequence: expected {batch} lengths (one per sequence), got {lens.size}"
        )
    if lens.size and lens[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if lens.size and lens[0] > input.shape[0]:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {lens[0]} exceeds the padded length "
            f"{input.shape[0]}"
        )
    batch_sizes = _batch_sizes(lens)
    flat = input.reshape(input.shape[0] * batch, *input.shape[2:])
    index = _long(_packed_positions(batch_sizes, batch), input.device)
    return PackedSequence(flat.index_select(0, index), _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple:
    """Inverse of ``pack_padded_sequence``: returns (padded (T, B, *) or (B, T, *), lengths
    int64 tensor) in the batch's original order, as ``torch.nn.utils.rnn.pad_packed_sequence``.

    >>> from ember.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> pad_packed_sequence(pack_sequence([ember.tensor([1, 2]), ember.tensor([3])]))
    (tensor([[1, 3],
            [2, 0]]), tensor([2, 1]))
    """
    import ember

    data = sequence.data
    batch_sizes = _host(sequence.batch_sizes)
    steps = batch_sizes.size
    batch = int(batch_sizes[0]) if steps else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
    T = steps if total_length is None else total_length
    # index into data + one padding row (the last) for every (t, b) of the padded output
    gather = numpy.full(T * batch, data.shape[0], dtype=numpy.int64)
    gather[_packed_positions(batch_sizes, batch)] = numpy.arange(data.shape[0])
    pad_row = ember.full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    ext = ember.cat([data, pad_row])
    out = ext.index_select(0, _long(gather, data.device)).reshape(T, batch, *data.shape[1:])
    lengths = (batch_sizes[:, None] > numpy.arange(batch)[None, :]).sum(axis=0)
    if sequence.unsorted_indices is not None:
        out = out.index_select(1, sequence.unsorted_indices)
        lengths = lengths[_host(sequence.unsorted_indices)]
    if batch_first:
        out = out.transpose(0, 1)
    return out, _long(lengths)


def pad_sequence(
    sequences,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stacks tensors of shape (L_i, *) into (max L, B, *) (or (B, max L, *) with
    ``batch_first``) filled with ``padding_value``, as ``torch.nn.utils.rnn.pad_sequence``.

    >>> from ember.nn.utils.rnn import pad_sequence
    >>> pad_sequence([ember.tensor([1, 2]), ember.tensor([3])], batch_first=True)
    tensor([[1, 2],
            [3, 0]])
    """
    import ember

    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        if extra:
            pad = ember.full((extra, *s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = ember.cat([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return ember.stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """Splits a padded batch back into a list of tensors of the given lengths, as
    ``torch.nn.utils.rnn.unpad_sequence``.

    >>> from ember.nn.utils.rnn import unpad_sequence
    >>> unpad_sequence(ember.tensor([[1, 3], [2, 0]]), ember.tensor([2, 1]))
    [tensor([1, 2]), tensor([3])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, : int(n)] for i, n in enumerate(_host(lengths).reshape(-1))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of tensors (L_i, *), as ``torch.nn.utils.rnn.pack_sequence``.

    >>> from ember.nn.utils.rnn import pack_sequence
    >>> pack_sequence([ember.tensor([1]), ember.tensor([2, 3])], enforce_sorted=False).data
    tensor([2, 1, 3])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of tensors a ``PackedSequence`` was packed from, as
    ``torch.nn.utils.rnn.unpack_sequence``.

    >>> from ember.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> unpack_sequence(pack_sequence([ember.tensor([1, 2]), ember.tensor([3])]))
    [tensor([1, 2]), tensor([3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
