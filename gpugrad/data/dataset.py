"""Datasets: the map-style protocol (``__len__`` + ``__getitem__``), tensors as a dataset, subsets, splits.

>>> import gpugrad as gg
>>> from gpugrad.data import TensorDataset, random_split
>>> ds = TensorDataset(gg.arange(10.0).reshape(5, 2), gg.arange(5))
>>> len(ds), ds[1][1].item()
(5, 1)
>>> train, test = random_split(ds, [0.8, 0.2], seed=0)
>>> len(train), len(test)
(4, 1)
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, as_tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "StackDataset", "ChainDataset",
           "Subset", "random_split",
           "as_generator"]


class Dataset:
    """A map-style dataset: ``len(ds)`` samples, ``ds[i]`` the i-th (usually a tuple ``(x, y)``).

    Subclass it and define ``__len__`` and ``__getitem__``.

    >>> import gpugrad as gg
    >>> class Squares(gg.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return gg.tensor([float(i)]), gg.tensor([float(i * i)])
    >>> xb, yb = next(iter(gg.data.DataLoader(Squares(), batch_size=4)))
    >>> yb.view(-1).tolist()
    [0.0, 1.0, 4.0, 9.0]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``; the DataLoader batches what it yields, in order.

    >>> class Count(IterableDataset):
    ...     def __iter__(self): return iter(range(3))
    >>> list(Count())
    [0, 1, 2]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has no indexing")

    def __len__(self):      # a TypeError (not NotImplementedError), so list(ds) and len(loader) work as in PyTorch
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__")


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other.

    >>> ds = ConcatDataset([TensorDataset(as_tensor([1, 2])), TensorDataset(as_tensor([3]))])
    >>> len(ds), ds[2][0].item()
    (3, 3)
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for a dataset of length {n}")
        if index < 0:
            index += n
        k = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        return self.datasets[k][index - (self.cumulative_sizes[k - 1] if k else 0)]


class TensorDataset(Dataset):
    """Samples are rows of equally long tensors: ``ds[i] == (t[i] for t in tensors)``.

    The DataLoader never calls ``__getitem__`` per sample for this class: it indexes every tensor once per
    batch with the batch's indices (see :class:`gpugrad.data.DataLoader`).

    Args:
        *tensors: tensors with the same first dimension (the samples).

    >>> import gpugrad as gg
    >>> ds = gg.data.TensorDataset(gg.arange(6.0).reshape(3, 2), gg.tensor([0, 1, 0]))
    >>> len(ds), ds[1][0].tolist(), ds[1][1].item()
    (3, [2.0, 3.0], 1)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else as_tensor(t) for t in tensors)
        n = tensors[0].shape[0] if tensors[0].ndim else None
        for i, t in enumerate(tensors):
            if t.ndim == 0 or t.shape[0] != n:
                raise ValueError(f"TensorDataset: every tensor needs the same first dimension; tensor 0 has "
                                 f"shape {tuple(tensors[0].shape)}, tensor {i} has shape {tuple(t.shape)}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Several datasets of one length side by side: sample ``i`` is ``(a[i], b[i], ...)`` for
    ``StackDataset(a, b)``, or ``{"x": a[i], "y": b[i]}`` for ``StackDataset(x=a, y=b)`` (as PyTorch's).

    Args:
        *args: datasets whose samples come as a tuple.
        **kwargs: datasets whose samples come as a dict (not together with ``args``).

    >>> import gpugrad as gg
    >>> ds = StackDataset(x=TensorDataset(gg.arange(3)), y=[10, 20, 30])
    >>> len(ds), ds[1]["y"]
    (3, 20)
    """

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: supported either tuple- (via args) or dict- (via kwargs) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        self.datasets = args if args else kwargs
        sizes = [len(d) for d in (args or kwargs.values())]
        if any(n != sizes[0] for n in sizes):
            raise ValueError(f"StackDataset: size mismatch between datasets (lengths {sizes})")
        self._length = sizes[0]

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)


class ChainDataset(IterableDataset):
    """Several iterable datasets one after the other, as one stream (as PyTorch's).

    Args:
        datasets: iterable datasets (:class:`IterableDataset`).

    >>> class Count(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    ...     def __len__(self):
    ...         return self.n
    >>> ds = ChainDataset([Count(2), Count(3)])
    >>> list(ds), len(ds)
    ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def _each(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):   # PyTorch asserts this
                raise AssertionError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield d

    def __iter__(self):
        for d in self._each():
            yield from d

    def __len__(self):
        return sum(len(d) for d in self._each())


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (an integer array), in that order.

    Args:
        dataset: the dataset.
        indices: the sample indices to keep.

    >>> import gpugrad as gg
    >>> ds = gg.data.TensorDataset(gg.arange(5.0))
    >>> sub = gg.data.Subset(ds, [4, 0])
    >>> len(sub), sub[0][0].item()
    (2, 4.0)
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        n = len(self.indices)
        if isinstance(index, (list, np.ndarray)):
            idx = np.asarray(index)
            if idx.dtype.kind in "iu" and idx.size:
                bad = idx[(idx < -n) | (idx >= n)]
                if bad.size:
                    raise IndexError(f"Subset: index {int(bad[0])} is out of range for a subset of length {n}")
            return self.dataset[self.indices[index]]
        if isinstance(index, (int, np.integer)) and not -n <= index < n:
            raise IndexError(f"Subset: index {int(index)} is out of range for a subset of length {n}")
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)


def as_generator(generator=None, seed=None) -> np.random.Generator:
    """A NumPy generator: the one given, a fresh one from ``seed``, or one drawn from gpugrad's CPU
    generator (so :func:`gpugrad.manual_seed` makes shuffling reproducible).

    Args:
        generator: a NumPy Generator, returned as is.
        seed: a seed for a fresh generator.

    Returns:
        A ``numpy.random.Generator``.

    >>> import gpugrad as gg
    >>> g = gg.data.as_generator(seed=0)
    >>> int(g.integers(10)) == int(gg.data.as_generator(seed=0).integers(10))
    True
    """
    if generator is not None and seed is not None:
        raise ValueError("pass either generator= or seed=, not both")
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is not None:
        raise TypeError(f"generator: expected a numpy.random.Generator, got {type(generator).__name__}")
    if seed is not None:
        return np.random.default_rng(seed)
    from ..random_factories import cpu_generator
    return np.random.default_rng(cpu_generator().integers(2**63))


def random_split(dataset, lengths, generator=None, seed=None):
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (PyTorch's rule: floor
    each, then hand the remainder out one by one, round robin).

    Args:
        dataset: the dataset to split.
        lengths: counts or fractions.
        generator: a NumPy generator that draws the permutation.
        seed: or a seed for a fresh one (default: drawn from gpugrad's generator).

    Returns:
        A list of Subsets.

    >>> import gpugrad as gg
    >>> train, test = gg.data.random_split(gg.data.TensorDataset(gg.arange(10.0)), [0.8, 0.2], seed=0)
    >>> len(train), len(test)
    (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) and 0 <= x <= 1 for x in lengths):
        if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
            raise ValueError(f"random_split: fractions must sum to 1, got {lengths} (sum {sum(lengths)})")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, but the dataset has {n} samples")
    perm = as_generator(generator, seed).permutation(n)
    bounds = np.cumsum([0] + [int(x) for x in lengths])
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
