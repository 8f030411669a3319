"""DistributedSampler: each rank's share of a dataset's indices for data-parallel training.

PyTorch's semantics: every epoch one permutation of ``range(len(dataset))`` (seeded by ``seed + epoch``,
the same on every rank) is padded by repeating its head up to a multiple of ``num_replicas`` (or cut down to
one with ``drop_last``), and rank ``r`` takes every ``num_replicas``-th index starting at ``r``. The shards
are disjoint and, without padding, cover every sample once. Taken in order, batch ``k`` of ``B`` samples on
each of ``N`` ranks holds exactly the samples of batch ``k`` of ``N * B`` of one process walking the same
permutation, which is why data-parallel training reproduces the one-process run.

Difference from PyTorch: the permutation comes from NumPy's PCG64 (``numpy.random.default_rng(seed +
epoch)``), not from PyTorch's generator, so the shuffled order differs from PyTorch's; the sharding and
padding of a given order are identical (tests compare them).
"""
from __future__ import annotations

import math

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Yields this rank's indices of ``dataset`` for the current epoch.

    Args:
        dataset: anything with ``len()``.
        num_replicas: number of ranks (default: the process group's world size).
        rank: this rank (default: the process group's rank).
        shuffle: draw a new permutation every epoch (seeded by ``seed + epoch``); else ``0 .. len - 1``.
        seed: the same on every rank.
        drop_last: drop the tail that does not divide evenly instead of padding with repeated indices.

    Call :meth:`set_epoch` at the start of each epoch, else every epoch yields the same order.

    >>> from gpugrad.data import DistributedSampler
    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False)) for r in (0, 1)]
    [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            from .. import distributed as dist
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, (int, np.integer)) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch (what iterating yields): every ``num_replicas``-th index
        of the epoch's order, starting at ``rank``, padded (or, with ``drop_last``, cut) to equal lengths.

        Returns:
            numpy.ndarray of int64, ``len(self)`` long.

        >>> from gpugrad.data import DistributedSampler
        >>> DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False).indices()
        array([1, 3, 0])
        """
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:                     # pad by repeating the order from its start
            order = np.resize(order, self.total_size) if n else order
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of epoch ``epoch`` (seeded by ``seed + epoch``) from now on: call it at the
        start of every epoch, or each epoch repeats the first one's order.

        Args:
            epoch: the epoch number (the same on every rank).

        Returns:
            None.

        >>> from gpugrad.data import DistributedSampler
        >>> s = DistributedSampler(range(4), num_replicas=2, rank=0, seed=1)
        >>> s.set_epoch(3); s.epoch
        3
        """
        self.epoch = int(epoch)
