"""gpugrad.nn.utils.rnn: padded and packed batches of sequences of different lengths (PyTorch's
``torch.nn.utils.rnn``).

A PackedSequence holds the rows of a time-major padded batch ``(T, B, *)`` without the padding: step 0's
rows of every sequence, then step 1's of those still running, ...; ``batch_sizes[t]`` counts the sequences
live at step t (sequences sorted longest first). Packing and padding are each one gather (an index_select of
a row list in which one extra row holds the padding value), so gradients flow through both."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import ops
from ...factories import full
from ...tensor import Tensor, tensor as _tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """A batch of sequences packed without padding (make one with :func:`pack_padded_sequence` or
    :func:`pack_sequence`); RNN, LSTM and GRU take one and return one.

    Args:
        data: the packed rows ``(sum(lengths), *)``.
        batch_sizes: an int64 CPU tensor: the number of sequences live at each time step.
        sorted_indices: the order (longest first) in which the batch's sequences were packed, or None.
        unsorted_indices: its inverse (computed from ``sorted_indices`` when None).

    Returns:
        A named tuple ``(data, batch_sizes, sorted_indices, unsorted_indices)``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import pack_sequence
    >>> p = pack_sequence([gg.tensor([1, 2, 3]), gg.tensor([4, 5])])
    >>> p.data.tolist(), p.batch_sizes.tolist()
    ([1, 4, 2, 5, 3], [2, 2, 1])
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("PackedSequence: Expected data to be a list or tuple of length 2 "
                                     "(data, batch_sizes) when batch_sizes is not given")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(f"PackedSequence: batch_sizes should always be on CPU, got it on {batch_sizes.device}. "
                             "Make a PackedSequence with pack_sequence or pack_padded_sequence.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def __init__(self, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        pass                              # (a tuple: ``__new__`` set the fields; this states the signature)

    def to(self, *args, **kwargs):
        """This sequence with ``data`` converted by ``Tensor.to`` (the indices follow its device).

        Args:
            *args: what ``Tensor.to`` takes (a device, a dtype, a tensor).
            **kwargs: its keywords.

        Returns:
            ``self`` if nothing changes, else a new PackedSequence.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils.rnn import pack_sequence
        >>> pack_sequence([gg.ones(2, 3)]).to(gg.float64).data.dtype == gg.float64
        True
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        """This sequence with ``data`` (and the indices) on a CUDA device.

        Args:
            *args: what ``Tensor.cuda`` takes.
            **kwargs: its keywords.

        Returns:
            A PackedSequence.

        >>> import gpugrad as gg
        >>> callable(gg.nn.utils.rnn.PackedSequence.cuda)
        True
        """
        return self.to(self.data.cuda(*args, **kwargs).device)

    def cpu(self):
        """This sequence with ``data`` (and the indices) on the CPU.

        Returns:
            A PackedSequence.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils.rnn import pack_sequence
        >>> pack_sequence([gg.ones(2)]).cpu().is_cuda
        False
        """
        return self.to("cpu")

    def double(self):
        """``data`` as float64.

        Returns:
            A PackedSequence.

        >>> import gpugrad as gg
        >>> gg.nn.utils.rnn.pack_sequence([gg.ones(2)]).double().data.dtype == gg.float64
        True
        """
        from ... import float64
        return self.to(dtype=float64)

    def float(self):
        """``data`` as float32.

        Returns:
            A PackedSequence.

        >>> import gpugrad as gg
        >>> gg.nn.utils.rnn.pack_sequence([gg.ones(2, dtype=gg.float64)]).float().data.dtype == gg.float32
        True
        """
        from ... import float32
        return self.to(dtype=float32)

    def long(self):
        """``data`` as int64.

        Returns:
            A PackedSequence.

        >>> import gpugrad as gg
        >>> gg.nn.utils.rnn.pack_sequence([gg.ones(2)]).long().data.dtype == gg.int64
        True
        """
        from ... import int64
        return self.to(dtype=int64)

    @property
    def is_cuda(self):
        """Whether ``data`` is on a CUDA device.

        Returns:
            A bool.

        >>> import gpugrad as gg
        >>> gg.nn.utils.rnn.pack_sequence([gg.ones(2)]).is_cuda
        False
        """
        return self.data.is_cuda


def invert_permutation(permutation):
    """The inverse of a permutation of ``0..n-1`` (None gives None).

    Args:
        permutation: a 1-D int64 tensor, or None.

    Returns:
        A 1-D int64 tensor ``inv`` with ``inv[permutation[i]] = i``, or None.

    >>> import gpugrad as gg
    >>> gg.nn.utils.rnn.invert_permutation(gg.tensor([2, 0, 1])).tolist()
    [1, 2, 0]
    """
    if permutation is None:
        return None
    return ops.argsort(permutation)


def _lengths_list(lengths, op):
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"{op}: 'lengths' argument should be a 1D tensor, got shape {tuple(lengths.shape)}")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def _gather_rows(rows, index, shape, padding_value):
    """rows ``(R, *)`` with one extra row of ``padding_value`` appended, gathered by the flat int ``index``
    (an index R picks the padding) and reshaped to ``shape + *``: one differentiable cat + index_select."""
    pad = full((1,) + tuple(rows.shape[1:]), padding_value, dtype=rows.dtype, device=rows.device)
    idx = _tensor(np.asarray(index, dtype=np.int64).reshape(-1), device=rows.device)
    return ops.reshape(ops.index_select(ops.cat([rows, pad]), 0, idx), tuple(shape) + tuple(rows.shape[1:]))


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of the given lengths.

    Args:
        input: the padded batch.
        lengths: the length of each sequence (a list of ints or a 1-D CPU tensor).
        batch_first: ``input`` is ``(B, T, *)``.
        enforce_sorted: the lengths must already decrease (else RuntimeError); False sorts them (and
            records the order in ``sorted_indices``).

    Returns:
        A :class:`PackedSequence`.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import pack_padded_sequence
    >>> p = pack_padded_sequence(gg.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]]), [2, 1, 3], batch_first=True,
    ...                          enforce_sorted=False)
    >>> p.data.tolist(), p.batch_sizes.tolist(), p.sorted_indices.tolist()
    ([4, 1, 3, 5, 2, 6], [3, 2, 1], [2, 0, 1])
    """
    lens = _lengths_list(lengths, "pack_padded_sequence")
    batch_dim = 0 if batch_first else 1
    if len(lens) != input.shape[batch_dim]:
        raise RuntimeError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={input.shape[batch_dim]}, input shape {tuple(input.shape)})")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                               f"`enforce_sorted` is True, got {lens}. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this requirement if you "
                               "do not need ONNX exportability.")
        order = list(range(len(lens)))
    else:
        order = sorted(range(len(lens)), key=lambda i: -lens[i])      # stable, as PyTorch's sort on the CPU
        sorted_indices = _tensor(order, device=input.device)
    lens_sorted = [lens[i] for i in order]
    if lens_sorted and lens_sorted[-1] <= 0:
        raise RuntimeError("pack_padded_sequence: Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0 (lengths {lens})")
    T, B = input.shape[1 - batch_dim], input.shape[batch_dim]
    if lens_sorted and lens_sorted[0] > T:
        raise RuntimeError(f"pack_padded_sequence: a length {lens_sorted[0]} exceeds the padded length {T} "
                           f"(input shape {tuple(input.shape)})")
    batch_sizes = [sum(1 for n in lens_sorted if n > t) for t in range(lens_sorted[0] if lens_sorted else 0)]
    # row of (t, b) in input flattened to (T*B, *) or (B*T, *)
    index = [(b * T + t if batch_first else t * B + b) for t, bs in enumerate(batch_sizes) for b in order[:bs]]
    rows = ops.reshape(input, (T * B,) + tuple(input.shape[2:]))
    data = ops.index_select(rows, 0, _tensor(np.asarray(index, dtype=np.int64), device=input.device))
    return PackedSequence(data, _tensor(batch_sizes, dtype=_int64(), device="cpu"), sorted_indices, None)


def _int64():
    from ... import int64
    return int64


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Pad a :class:`PackedSequence` back into a batch (the inverse of :func:`pack_padded_sequence`).

    Args:
        sequence: the packed batch.
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padded elements.
        total_length: pad to this length T (at least the longest sequence's; ValueError otherwise).

    Returns:
        ``(padded, lengths)``: the batch in its original order and the int64 CPU tensor of lengths.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> padded, lengths = pad_packed_sequence(pack_sequence([gg.tensor([1, 2]), gg.tensor([3])]), batch_first=True)
    >>> padded.tolist(), lengths.tolist()
    ([[1, 2], [3, 0]], [2, 1])
    """
    batch_sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    T = len(batch_sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError("pad_packed_sequence: Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max sequence length "
                             f"being {T}")
        T = total_length
    B = batch_sizes[0] if batch_sizes else 0
    S = sequence.data.shape[0]
    lengths = [sum(1 for bs in batch_sizes if bs > b) for b in range(B)]
    starts = np.cumsum([0] + batch_sizes[:-1]).tolist()
    unsorted = None if sequence.unsorted_indices is None else sequence.unsorted_indices.tolist()
    order = list(range(B)) if unsorted is None else unsorted       # output batch b holds packed column order[b]
    if batch_first:
        index = [[starts[t] + order[b] if t < lengths[order[b]] else S for t in range(T)] for b in range(B)]
        shape = (B, T)
    else:
        index = [[starts[t] + order[b] if t < lengths[order[b]] else S for b in range(B)] for t in range(T)]
        shape = (T, B)
    padded = _gather_rows(sequence.data, index, shape, padding_value)
    return padded, _tensor([lengths[i] for i in order], dtype=_int64(), device="cpu")


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences ``(L_i, *)`` of different lengths into one batch ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``), T the longest length, padded with ``padding_value``.

    Args:
        sequences: a list (or iterable) of tensors whose trailing dims agree (the result has the first one's
            dtype).
        batch_first: return ``(B, T, *)``.
        padding_value: the value of the padded elements.
        padding_side: ``"right"`` (pad after each sequence) or ``"left"``.

    Returns:
        The padded tensor.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import pad_sequence
    >>> pad_sequence([gg.tensor([1, 2, 3]), gg.tensor([4])], batch_first=True, padding_side="left").tolist()
    [[1, 2, 3], [0, 0, 4]]
    """
    if isinstance(sequences, Tensor):
        sequences = ops.unbind(sequences, 0)
    try:
        seqs = tuple(sequences)
    except TypeError:
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}") from None
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"pad_sequence: Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    trail = tuple(seqs[0].shape[1:]) if seqs[0].dim() > 0 else None
    for k, s in enumerate(seqs):
        if s.dim() == 0 or tuple(s.shape[1:]) != trail:
            raise RuntimeError(f"pad_sequence: the trailing dims of every sequence must agree: sequence 0 has "
                               f"shape {tuple(seqs[0].shape)}, sequence {k} {tuple(s.shape)}")
    lens = [s.shape[0] for s in seqs]
    T, B, total = max(lens), len(seqs), sum(lens)
    starts = np.cumsum([0] + lens[:-1]).tolist()

    def row(t, b):                        # the row of (t, b) in the concatenation, or ``total`` (padding)
        k = t if padding_side == "right" else t - (T - lens[b])
        return starts[b] + k if 0 <= k < lens[b] else total

    index = [[row(t, b) for t in range(T)] for b in range(B)] if batch_first else \
        [[row(t, b) for b in range(B)] for t in range(T)]
    dtype = seqs[0].dtype                 # (PyTorch's result has the first sequence's dtype)
    return _gather_rows(ops.cat([q if q.dtype == dtype else q.to(dtype) for q in seqs]), index, (B, T) if batch_first else (T, B), padding_value)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch into its sequences (the inverse of :func:`pad_sequence` with right padding).

    Args:
        padded_sequences: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``).
        lengths: the length of each sequence (a tensor or a list of ints).
        batch_first: the batch is ``(B, T, *)``.

    Returns:
        A list of B tensors ``(length_b, *)``. (PyTorch's transposes ``padded_sequences`` in place when
        ``batch_first`` is False; gpugrad leaves it as it is.)

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import unpad_sequence
    >>> [s.tolist() for s in unpad_sequence(gg.tensor([[1, 3], [2, 0]]), gg.tensor([2, 1]))]
    [[1, 2], [3]]
    """
    x = padded_sequences if batch_first else ops.transpose(padded_sequences, 0, 1)
    lens = _lengths_list(lengths, "unpad_sequence")
    if len(lens) != x.shape[0]:
        raise ValueError(f"unpad_sequence: got {len(lens)} lengths for a batch of {x.shape[0]} sequences "
                         f"(padded shape {tuple(padded_sequences.shape)})")
    return [x[b, :n] for b, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences ``(L_i, *)`` (:func:`pad_sequence` then :func:`pack_padded_sequence`).

    Args:
        sequences: the sequences, longest first unless ``enforce_sorted`` is False.
        enforce_sorted: require decreasing lengths (RuntimeError otherwise); False sorts them.

    Returns:
        A :class:`PackedSequence`.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import pack_sequence
    >>> pack_sequence([gg.tensor([1]), gg.tensor([2, 3])], enforce_sorted=False).data.tolist()
    [2, 1, 3]
    """
    seqs = list(sequences)
    return pack_padded_sequence(pad_sequence(seqs), [s.shape[0] for s in seqs], enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Unpack a :class:`PackedSequence` into its list of sequences, in their original order.

    Args:
        packed_sequences: the packed batch.

    Returns:
        A list of tensors ``(L_i, *)``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> [s.tolist() for s in unpack_sequence(pack_sequence([gg.tensor([1, 2]), gg.tensor([3])]))]
    [[1, 2], [3]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
