"""The training tools under several ranks (``mpiexec -n N gpugrad train``, or a script that calls
:func:`gpugrad.distributed.init_process_group` and wraps its model in DistributedDataParallel).

:func:`fit` and :func:`evaluate` call :func:`reduce_epoch` at the end of an epoch: one all-reduce of a short
host vector turns each rank's sums (loss, metric totals, sample counts, per-step losses) into those of the
global batch, so every rank logs the same History; only rank 0 shows progress. :class:`ShardedLoader` gives
each rank its :class:`~gpugrad.data.DistributedSampler` share of a data set, a new shuffle every epoch.
"""
from __future__ import annotations

import sys

import numpy as np

__all__ = ["rank_and_world", "reduce_epoch", "ShardedLoader", "start_data_parallel",
           "finish_data_parallel", "wrap_data_parallel", "unwrap"]


def rank_and_world() -> tuple[int, int]:
    """``(rank, world size)`` of the default process group, ``(0, 1)`` without one.

    >>> rank_and_world()
    (0, 1)
    """
    from .. import distributed as dist
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def reduce_epoch(loss_sum: float, n: int, metrics, step_losses=()):
    """Sums over ranks: ``(loss_sum, n, {metric name: value}, step_losses)`` of the global batch, where each
    metric is its total over all ranks' samples divided by their count, and ``step_losses`` (one per step,
    the same number on every rank) are averaged. In a world of one, the same values from this rank alone.

    >>> reduce_epoch(3.0, 4, [], [0.5, 0.25])
    (3.0, 4, {}, [0.5, 0.25])
    """
    rank, world = rank_and_world()
    if world > 1:
        totals = [float(m.total) for m in metrics]
        counts = [m.count for m in metrics]
        from .. import distributed as dist
        from ..tensor import Tensor
        vec = Tensor._make(np.array([loss_sum, n, *totals, *counts, *step_losses], np.float64), None)
        dist.all_reduce(vec)
        v = vec._data.tolist()
        k = len(totals)
        loss_sum, n, totals, counts = v[0], int(round(v[1])), v[2:2 + k], v[2 + k:2 + 2 * k]
        step_losses = [x / world for x in v[2 + 2 * k:]]
        values = {m.name: (t / c if c else float("nan")) for m, t, c in zip(metrics, totals, counts)}
    else:
        values = {m.name: m.compute() for m in metrics}
    return loss_sum, n, values, list(step_losses)


class ShardedLoader:
    """Batches of this rank's share of ``dataset``: every epoch (each iteration) a
    :class:`~gpugrad.data.DistributedSampler` with the next ``set_epoch`` picks the indices, and a
    :class:`~gpugrad.data.DataLoader` over that subset (in the sampler's order) cuts them into batches of
    ``batch_size``. Batch ``k`` of the ranks together is batch ``k`` of one process with ``N * batch_size``.

    >>> from gpugrad.data import xor, TensorDataset
    >>> X, y = xor(10, seed=0)
    >>> [len(xb) for xb, yb in ShardedLoader(TensorDataset(X, y), 4, num_replicas=2, rank=1)]
    [4, 1]
    """

    def __init__(self, dataset, batch_size, seed=0, device=None, shuffle=True, drop_last=False, num_replicas=None,
                 rank=None):
        from ..data import DistributedSampler
        self.dataset, self.batch_size, self.device = dataset, batch_size, device
        self.sampler = DistributedSampler(dataset, num_replicas, rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
        self.epoch = 0

    def __iter__(self):
        from ..data import DataLoader, Subset
        self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        shard = Subset(self.dataset, self.sampler.indices())
        return iter(DataLoader(shard, batch_size=self.batch_size, shuffle=False, device=self.device))

    def __len__(self):
        return -(-len(self.sampler) // self.batch_size)


def start_data_parallel() -> tuple[int, int]:
    """For the command line: join the process group when an MPI launcher started this process (so each rank
    takes GPU ``local_rank`` before anything is built); ``(rank, world size)``, ``(0, 1)`` without one. A rank
    that exits without :func:`finish_data_parallel` (an error) stops the whole job instead of leaving the
    other ranks waiting in a collective until their timeout.

    >>> start_data_parallel()
    (0, 1)
    """
    from .. import distributed as dist
    from ..distributed.process_group import launched
    if not launched() or dist.is_initialized():
        return rank_and_world()
    dist.init_process_group()
    if dist.get_world_size() > 1:
        import atexit
        atexit.register(_abort_if_unfinished)
    return rank_and_world()


def _abort_if_unfinished():
    from .. import distributed as dist
    if dist.is_initialized() and dist.get_world_size() > 1:
        sys.stderr.write(f"gpugrad: rank {dist.get_rank()} is exiting before the others finished; stopping the "
                         "job\n")
        sys.stderr.flush()
        from ..distributed.process_group import current_group
        current_group().backend.abort(1)


def finish_data_parallel() -> None:
    """Leave the process group that :func:`start_data_parallel` joined (nothing in one process).

    >>> finish_data_parallel()
    """
    from .. import distributed as dist
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def wrap_data_parallel(model, dataset, batch_size, seed, device, loader):
    """``(model, loader)`` for this rank: under a launcher a :class:`ShardedLoader` of ``batch_size`` per rank
    (so ``mpiexec -n 1`` with batch ``N * B`` walks the very batches that ``mpiexec -n N`` with ``B`` splits)
    and, with several ranks, the model in DistributedDataParallel; without a process group both as given.

    >>> import gpugrad as gg
    >>> m = gg.nn.Linear(2, 1); wrap_data_parallel(m, None, 8, 0, "cpu", "loader") == (m, "loader")
    True
    """
    from .. import distributed as dist
    if not dist.is_initialized():
        return model, loader
    from ..nn.parallel import DistributedDataParallel
    if dist.get_world_size() > 1:
        model = DistributedDataParallel(model)
    return model, ShardedLoader(dataset, batch_size, seed=seed, device=device)


def unwrap(model):
    """The model inside a DistributedDataParallel wrapper (what gets saved), else ``model``.

    >>> import gpugrad as gg
    >>> m = gg.nn.Linear(2, 1); unwrap(m) is m
    True
    """
    from ..nn.parallel import DistributedDataParallel
    return model.module if isinstance(model, DistributedDataParallel) else model
