"""DataLoader: batches of a dataset, shuffled without replacement, delivered on the device the model uses.

Each epoch draws one permutation of ``range(len(dataset))`` (or walks it in order) and cuts it into
batches, so every sample is visited exactly once per epoch. For a :class:`TensorDataset` (or a
:class:`Subset` of one) a batch is built with one gather per tensor, ``tensor[indices]``, and moved to the
target device in one transfer per tensor: no per-sample Python. Other datasets fall back to
``dataset[i]`` per sample and a collate step.

>>> import gpugrad as gg
>>> from gpugrad.data import TensorDataset, DataLoader
>>> ds = TensorDataset(gg.arange(10.0).reshape(5, 2), gg.arange(5))
>>> [tuple(x.shape) for x, y in DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]
"""
from __future__ import annotations

import numpy as np

from ..backend import device as _parse_device, device_of, to_device, xp_of
from ..tensor import Tensor
from .dataset import Subset, TensorDataset, as_generator

__all__ = ["DataLoader", "default_collate"]


def _tensor_source(dataset):
    """(arrays, index map) when batches can be gathered straight from arrays, else None.

    A Subset of a TensorDataset maps batch positions through its indices: ``base[subset.indices[idx]]``."""
    if isinstance(dataset, TensorDataset):
        return [t._data for t in dataset.tensors], None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is not None:
            arrays, index_map = inner
            idx = dataset.indices if index_map is None else index_map[dataset.indices]
            return arrays, idx
    return None


def default_collate(samples):
    """Stack a list of samples into a batch: tuples field by field, tensors/arrays/numbers along a new first
    dimension, strings into a list.

    Args:
        samples: a list of samples (tuples, tensors, arrays, numbers or strings).

    Returns:
        The batch, with the samples' structure.

    >>> import gpugrad as gg
    >>> xb, yb = gg.data.default_collate([(gg.tensor([1.0, 2.0]), 0), (gg.tensor([3.0, 4.0]), 1)])
    >>> xb.shape, yb.tolist()
    ((2, 2), [0, 1])
    """
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, Tensor):
        arrays = [s._data for s in samples]
        return Tensor._make(xp_of(arrays[0]).stack(arrays), None, False)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (str, bytes)):
        return list(samples)           # names, paths: kept as a list (as PyTorch), never a tensor of strings
    try:
        arr = np.stack([np.asarray(s) for s in samples])
    except (TypeError, ValueError) as e:
        raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}: {e}") from None
    if arr.dtype == np.float64:        # Python floats batch to the default float dtype, as in tensor()
        from .._dtype import get_default_dtype
        arr = arr.astype(get_default_dtype())
    return Tensor._make(arr, None, False)


def _move(batch, dev):
    if isinstance(batch, Tensor):
        return batch if dev is None or batch.device == dev else Tensor._make(to_device(batch._data, dev), None, False)
    if isinstance(batch, tuple):
        return tuple(_move(b, dev) for b in batch)
    if isinstance(batch, dict):
        return {k: _move(v, dev) for k, v in batch.items()}
    return batch


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        batch_size: samples per batch.
        shuffle: draw a fresh permutation every epoch (sampling without replacement).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the NumPy generator (or a seed for one) that shuffles; by default one is drawn
            from gpugrad's CPU generator, so :func:`gpugrad.manual_seed` fixes the order.
        device: where batches are delivered (``None``: where the dataset's tensors are).
        collate_fn: how per-sample items become a batch (general datasets only).

    >>> import gpugrad as gg
    >>> ds = gg.data.TensorDataset(gg.arange(10.0), gg.arange(10))
    >>> loader = gg.data.DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> [len(xb) for xb, yb in loader]
    [4, 4, 2]
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, seed=None,
                 device=None, collate_fn=None):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = as_generator(generator, seed)
        self.device = None if device is None else _parse_device(device)
        self.collate_fn = collate_fn or default_collate
        self._source = _tensor_source(dataset) if collate_fn is None else None

    def __len__(self):
        n, b = len(self.dataset), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def _order(self):
        n = len(self.dataset)
        return self.generator.permutation(n) if self.shuffle else None

    def __iter__(self):
        order = self._order()
        n, b = len(self.dataset), self.batch_size
        stop = (n // b) * b if self.drop_last else n
        if self._source is not None:
            yield from self._iter_arrays(order, stop)
            return
        for start in range(0, stop, b):
            idx = range(start, min(start + b, n)) if order is None else order[start:start + b]
            yield _move(self.collate_fn([self.dataset[int(i)] for i in idx]), self.device)

    def _iter_arrays(self, order, stop):
        """The fast path: one gather (or a view, when reading in order) per tensor per batch."""
        arrays, index_map = self._source
        if index_map is not None:
            order = index_map if order is None else index_map[order]
        src_dev = device_of(arrays[0])
        if order is not None and src_dev.type != "cpu":
            # the dataset already lives on a GPU: send the epoch's index array once, gather there
            order = to_device(order, src_dev)
        dev = self.device
        b = self.batch_size
        for start in range(0, stop, b):
            end = min(start + b, stop)
            if order is None:
                parts = [a[start:end] for a in arrays]           # in order: a view, no copy
            else:
                idx = order[start:end]
                parts = [a[idx] for a in arrays]                 # one gather per tensor
            if dev is not None and dev != src_dev:
                parts = [to_device(p, dev) for p in parts]       # one transfer per tensor per batch
            yield tuple(Tensor._make(p, None, False) for p in parts)

    def __repr__(self):
        return (f"DataLoader(n={len(self.dataset)}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, device={self.device})")
