"""DataLoader: batches of a dataset, shuffled without replacement, delivered on the device the model uses.

Each epoch draws one permutation of ``range(len(dataset))`` (or walks it in order, or takes a sampler's
indices) and cuts it into batches, so every sample is visited exactly once per epoch. For a :class:`TensorDataset` (or a
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

import collections
import collections.abc
import concurrent.futures
import itertools
import threading

import numpy as np

from ..backend import device as _parse_device, device_of, to_device
from ..tensor import Tensor
from .collate import _rebuild_mapping, default_collate, default_convert
from .dataset import IterableDataset, Subset, TensorDataset, as_generator
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo"]


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


def _move(batch, dev):
    """``batch`` with its tensors on ``dev`` (the same containers: lists, tuples, namedtuples, mappings)."""
    if dev is None:
        return batch
    if isinstance(batch, Tensor):
        return batch if batch.device == dev else Tensor._make(to_device(batch._data, dev), None, False)
    if isinstance(batch, list):
        return [_move(b, dev) for b in batch]
    if isinstance(batch, tuple):
        moved = (_move(b, dev) for b in batch)
        return type(batch)(*moved) if hasattr(batch, "_fields") else tuple(moved)
    if isinstance(batch, collections.abc.Mapping):
        return _rebuild_mapping(batch, {k: _move(v, dev) for k, v in batch.items()})
    return batch


class DataLoader:
    """Iterate over ``dataset`` in batches, with ``torch.utils.data.DataLoader``'s arguments.

    Args:
        batch_size: samples per batch (``None``: no batching, each sample as the dataset gives it).
        shuffle: a fresh random order every epoch (sampling without replacement).
        sampler: any iterable of indices with ``__len__`` (e.g. a :class:`RandomSampler`, a
            ``DistributedSampler``); exclusive with ``shuffle``.
        batch_sampler: an iterable of lists of indices; exclusive with batch_size, shuffle, sampler and
            drop_last.
        num_workers: 0 builds batches in the calling thread. More runs that many worker *threads* (not
            processes: datasets need not be picklable and nothing is copied), each up to
            ``prefetch_factor`` batches ahead, delivered in order. Threads overlap I/O and NumPy work that
            releases the GIL, not pure-Python ``__getitem__`` code.
        collate_fn: how a list of samples becomes a batch (default: :func:`default_collate`; without batching,
            ``batch_size=None``, it is applied to each sample, by default :func:`default_convert`).
        pin_memory: accepted for compatibility; batches are delivered with ``device=`` (one transfer per
            tensor per batch), so there is no pinned staging buffer.
        pin_memory_device: accepted for compatibility (see pin_memory).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a worker's batch before raising (workers only; 0 waits forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread as it starts.
        multiprocessing_context: accepted; workers are threads.
        generator: the NumPy generator that shuffles; by default one is drawn from gpugrad's CPU
            generator, so :func:`gpugrad.manual_seed` fixes the order.
        prefetch_factor: batches each worker prepares ahead (default 2; only with num_workers > 0).
        persistent_workers: keep the worker threads between epochs (only with num_workers > 0).
        in_order: accepted; batches always come in order.
        seed: (gpugrad) a seed for a fresh NumPy generator, instead of ``generator``.
        device: (gpugrad) where batches are delivered (``None``: where the dataset's tensors are).

    When neither ``collate_fn`` is given nor a general dataset is used (a :class:`TensorDataset` or a
    :class:`Subset` of one), each batch is one gather per tensor with the batch's index array and one
    transfer per tensor, whatever the sampler.

    >>> import gpugrad as gg
    >>> from gpugrad.data import TensorDataset, DataLoader
    >>> ds = TensorDataset(gg.arange(6.0), gg.arange(6))
    >>> [y.tolist() for x, y in DataLoader(ds, batch_size=4, drop_last=True)]
    [[0, 1, 2, 3]]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True, seed=None, device=None):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool)
                                       or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value or None, got "
                             f"batch_size={batch_size!r}")
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative, got {num_workers!r}; use "
                             f"num_workers=0 to build batches in the calling thread")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified with num_workers > 0 "
                             "(it is the number of batches each worker prepares ahead)")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"DataLoader: prefetch_factor option should be non-negative, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            what = "shuffle" if shuffle else "sampler" if sampler is not None else "batch_sampler"
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {what} option, the dataset "
                             f"decides the order")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        for name, s in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if s is not None and not hasattr(s, "__iter__"):
                raise TypeError(f"DataLoader: {name} must be an iterable of indices (with __len__), got "
                                f"{type(s).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = as_generator(generator, seed)
        self.device = None if device is None else _parse_device(device)
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None else default_convert)
        self.num_workers = int(num_workers)
        self.pin_memory, self.pin_memory_device = bool(pin_memory), pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context, self.in_order = multiprocessing_context, in_order
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers > 0 else prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self._iterable = iterable
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=self.generator) if self.shuffle
                       else SequentialSampler(dataset))
        self.sampler = sampler
        if batch_sampler is None and self.batch_size is not None and not iterable:
            batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
            self._auto_batches = True
        else:
            self._auto_batches = False
        self.batch_sampler = batch_sampler
        self._source = _tensor_source(dataset) if collate_fn is None else None
        self._pool = None

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)          # (a TypeError, as in PyTorch, when the dataset has no length)
            b = self.batch_size
            return n if b is None else n // b if self.drop_last else -(-n // b)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    # -- which indices, batch by batch ---------------------------------------------------------------------
    def _index_batches(self):
        """This epoch's batches of indices: arrays (or ``slice``s when reading in order) for automatic
        batching, the batch sampler's lists otherwise. On the fast path the epoch's order is mapped
        through a Subset's indices and sent to the dataset's device once, not per batch."""
        if not self._auto_batches:
            return iter(self.batch_sampler)
        sampler, b = self.sampler, self.batch_size
        if type(sampler) is SequentialSampler and sampler.data_source is self.dataset:
            order, n = None, len(self.dataset)
        else:
            order = (sampler._epoch_indices() if hasattr(sampler, "_epoch_indices")
                     else np.fromiter(iter(sampler), dtype=np.int64))
            n = len(order)
        stop = (n // b) * b if self.drop_last else n
        if self._source is not None:
            arrays, index_map = self._source
            if index_map is not None:
                order = index_map if order is None else index_map[order]
            if order is not None and device_of(arrays[0]).type != "cpu":
                order = to_device(order, device_of(arrays[0]))
            if order is not None:
                return (_Mapped(order[i:min(i + b, stop)]) for i in range(0, stop, b))
        if order is None:
            return (slice(i, min(i + b, stop)) for i in range(0, stop, b))
        return (order[i:min(i + b, stop)] for i in range(0, stop, b))

    def _make_batch(self, idx):
        if self._source is not None:
            return self._gather(idx)
        if isinstance(idx, slice):
            idx = range(idx.start, idx.stop)
        return _move(self.collate_fn([self.dataset[int(i)] for i in idx]), self.device)

    def _gather(self, idx):
        """The fast path: one gather (or a view, when reading in order) per tensor per batch, one transfer
        per tensor."""
        arrays, index_map = self._source
        src_dev = device_of(arrays[0])
        if idx.__class__ is _Mapped:
            idx = idx.indices
        else:
            if not isinstance(idx, slice):
                idx = np.asarray(idx, dtype=np.int64)
            if index_map is not None:
                idx = index_map[idx]
            if not isinstance(idx, slice) and src_dev.type != "cpu":
                idx = to_device(idx, src_dev)
        parts = [a[idx] for a in arrays]
        dev = self.device
        if dev is not None and dev != src_dev:
            parts = [to_device(p, dev) for p in parts]
        return [Tensor._make(p, None, False) for p in parts]   # a list, as default_collate makes of a tuple

    def __iter__(self):
        if self._iterable:
            yield from self._iter_iterable()
            return
        if self.batch_size is None and not self._auto_batches and self.batch_sampler is None:
            for i in self.sampler:             # no automatic batching: each sample as it is
                yield _move(self.collate_fn(self.dataset[int(i)]), self.device)
            return
        batches = self._index_batches()
        if self.num_workers == 0:
            for idx in batches:
                yield self._make_batch(idx)
        else:
            yield from _threaded(self, batches)

    def _iter_iterable(self):
        b = self.batch_size
        if b is None:
            for sample in self.dataset:
                yield _move(self.collate_fn(sample), self.device)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == b:
                yield _move(self.collate_fn(batch), self.device)
                batch = []
        if batch and not self.drop_last:
            yield _move(self.collate_fn(batch), self.device)

    def __repr__(self):
        return (f"DataLoader(n={len(self.dataset)}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers}, device={self.device})")


class _Mapped:
    """A batch's indices already mapped through a Subset and on the dataset's device."""
    __slots__ = ("indices",)

    def __init__(self, indices):
        self.indices = indices


# -- worker threads ------------------------------------------------------------------------------------------------
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers})"


_worker = threading.local()


def get_worker_info():
    """Which DataLoader worker thread is calling (for datasets that split their work between workers).

    Returns:
        The :class:`WorkerInfo` of the calling worker thread, or None outside the workers.

    >>> get_worker_info() is None
    True
    """
    return getattr(_worker, "info", None)


def _start_pool(loader):
    count = itertools.count()
    base_seed = int(loader.generator.integers(2**62))

    def init():
        i = next(count)
        _worker.info = WorkerInfo(i, loader.num_workers, base_seed + i, loader.dataset)
        if loader.worker_init_fn is not None:
            loader.worker_init_fn(i)

    return concurrent.futures.ThreadPoolExecutor(loader.num_workers, thread_name_prefix="DataLoader",
                                                 initializer=init)


def _threaded(loader, batches):
    """Batches built by worker threads, up to ``num_workers * prefetch_factor`` ahead, yielded in order."""
    pool = loader._pool if loader.persistent_workers else None
    if pool is None:
        pool = _start_pool(loader)
        if loader.persistent_workers:
            loader._pool = pool
    ahead = max(1, loader.num_workers * (loader.prefetch_factor or 1))
    pending = collections.deque()
    timeout = loader.timeout or None
    try:
        for idx in batches:
            pending.append(pool.submit(loader._make_batch, idx))
            if len(pending) >= ahead:
                yield _result(pending.popleft(), timeout)
        while pending:
            yield _result(pending.popleft(), timeout)
    finally:
        for f in pending:
            f.cancel()
        if not loader.persistent_workers:
            pool.shutdown(wait=False)


def _result(future, timeout):
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        raise RuntimeError(f"DataLoader timed out after {timeout} seconds waiting for a worker's batch") from None
