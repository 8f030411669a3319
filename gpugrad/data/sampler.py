"""Samplers: which dataset indices a DataLoader visits, and in which order (``torch.utils.data``'s).

A sampler is any iterable of indices with ``__len__``; a batch sampler is an iterable of lists of indices.
The DataLoader gathers a :class:`~gpugrad.data.TensorDataset`'s batches with one index array per batch,
whatever the sampler.

>>> from gpugrad.data import BatchSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
"""
from __future__ import annotations

import numpy as np

from .dataset import as_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``. ``data_source`` is
    accepted for PyTorch's signature and unused.

    >>> class Evens(Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    ...     def __len__(self): return (self.n + 1) // 2
    >>> list(Evens(5))
    [0, 2, 4]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices of ``data_source``: a permutation per epoch, or with ``replacement=True``
    ``num_samples`` independent draws. ``generator`` is a NumPy Generator (by default one drawn from
    gpugrad's CPU generator, so :func:`gpugrad.manual_seed` fixes the order).

    >>> sorted(RandomSampler(range(4), generator=np.random.default_rng(0)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        if num_samples is not None and (not isinstance(num_samples, (int, np.integer)) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        """How many indices an epoch yields: ``num_samples`` as given, else ``len(data_source)``.

        >>> from gpugrad.data import RandomSampler
        >>> RandomSampler(range(10)).num_samples, RandomSampler(range(10), replacement=True, num_samples=3).num_samples
        (10, 3)
        """
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _generator(self):
        if self.generator is None:
            self.generator = as_generator()
        return as_generator(self.generator)

    def _epoch_indices(self):
        """This epoch's indices as one integer array (the DataLoader's fast path)."""
        n, g = len(self.data_source), self._generator()
        if self.replacement:
            return g.integers(0, n, self.num_samples)
        k = self.num_samples
        parts = [g.permutation(n) for _ in range(-(-k // n))] if n else [np.zeros(0, np.int64)]
        return np.concatenate(parts)[:k]

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch.

    >>> sorted(SubsetRandomSampler([3, 1, 2], generator=np.random.default_rng(0)))
    [1, 2, 3]
    """

    def __init__(self, indices, generator=None):
        self.indices = np.asarray(indices, dtype=np.int64)
        self.generator = generator

    def _epoch_indices(self):
        if self.generator is None:
            self.generator = as_generator()
        return self.indices[as_generator(self.generator).permutation(len(self.indices))]

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with ``replacement``,
    the default, or each index at most once).

    >>> list(WeightedRandomSampler([0.0, 1.0], 3, generator=np.random.default_rng(0)))
    [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, (int, np.integer)) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples!r}")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if w.ndim != 1 or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError(f"WeightedRandomSampler: weights must be a 1-d sequence of non-negative finite "
                             f"numbers with a positive sum, got shape {w.shape}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                             f"from {np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples, self.replacement, self.generator = w, int(num_samples), replacement, \
            generator

    def _epoch_indices(self):
        if self.generator is None:
            self.generator = as_generator()
        return as_generator(self.generator).choice(len(self.weights), self.num_samples, replace=self.replacement,
                                                   p=self.weights / self.weights.sum())

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter, or dropped
    with ``drop_last``).

    >>> list(BatchSampler(range(5), 2, drop_last=True))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(int(i))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n, b = len(self.sampler), self.batch_size
        return n // b if self.drop_last else -(-n // b)
