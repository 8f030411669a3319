"""The default process group: which backend, which rank, how long a collective may wait.

Ranks are started by an MPI launcher (``mpiexec -n N python script.py``, ``mpirun``, ``srun``). With no
launcher in the environment and no ``backend`` asked for, :func:`init_process_group` makes a group of one
process without importing ``mpi4py`` (which need not be installed), so the same script runs everywhere.

Faults. MPI collectives block forever when a peer is gone, so every collective here is issued non-blocking
and polled against the group's ``timeout``: a rank whose peers stop answering raises
:class:`DistTimeoutError` (naming the collective, the rank and the wait) instead of hanging. A rank that dies
on an uncaught exception calls ``MPI_Abort`` (an exception hook installed when the world has more than one
rank, as ``python -m mpi4py`` does), so the launcher stops every other rank at once.
"""
from __future__ import annotations

import datetime
import enum
import os
import sys
import traceback

__all__ = ["ReduceOp", "DistError", "DistTimeoutError", "init_process_group", "destroy_process_group",
           "is_initialized", "is_available", "get_rank", "get_world_size", "get_local_rank", "get_backend",
           "current_group"]

# environment variables by which launchers announce a rank: MPICH/Intel MPI (hydra, PMI), Open MPI, PMIx,
# Slurm; the first two give the world size
_LAUNCHER_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")
_LOCAL_RANK = ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)       # PyTorch's default


class ReduceOp(enum.Enum):
    """How :func:`all_reduce` and :func:`reduce_scatter` combine the ranks' values (PyTorch's names).

    >>> from gpugrad.distributed import ReduceOp
    >>> ReduceOp.AVG.name
    'AVG'
    """
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MAX = "max"
    MIN = "min"


class DistError(RuntimeError):
    """A collective failed: wrong input on some rank, a broken group, a peer that is gone.

    >>> import gpugrad.distributed as dist
    >>> issubclass(dist.DistTimeoutError, dist.DistError)
    True
    """


class DistTimeoutError(DistError, TimeoutError):
    """A collective did not complete within the process group's timeout (a peer died or never called it).

    >>> import gpugrad.distributed as dist
    >>> issubclass(dist.DistTimeoutError, TimeoutError)
    True
    """


class _Group:
    """The state of the default group: its backend object, ranks and timeout in seconds."""

    __slots__ = ("backend", "rank", "world_size", "local_rank", "timeout", "prev_hook")

    def __init__(self, backend, timeout):
        self.backend = backend
        self.rank, self.world_size, self.local_rank = backend.rank, backend.world_size, backend.local_rank
        self.timeout = timeout
        self.prev_hook = None


_group: _Group | None = None


def current_group() -> _Group:
    """The default group; raises as PyTorch does when :func:`init_process_group` was not called."""
    if _group is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "gpugrad.distributed.init_process_group().")
    return _group


def launched() -> bool:
    """Whether an MPI launcher started this process (its environment names a world size)."""
    return any(os.environ.get(k) for k in _LAUNCHER_SIZE)


def is_available() -> bool:
    """Returns True: the package always works (as a world of one without ``mpi4py``).

    >>> import gpugrad.distributed as dist
    >>> dist.is_available()
    True
    """
    return True


def is_initialized() -> bool:
    """Returns whether :func:`init_process_group` has been called (and not undone by
    :func:`destroy_process_group`).

    >>> import gpugrad.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return _group is not None


def _seconds(timeout) -> float:
    if timeout is None:
        return DEFAULT_TIMEOUT.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"init_process_group: timeout must be a datetime.timedelta or a positive number of "
                         f"seconds, got {timeout!r}")
    return float(timeout)


def _every_rank_has_gpu(comm) -> bool:
    from ..backend import cuda_available
    mine = 1 if cuda_available() else 0
    return min(comm.allgather(mine)) == 1


def init_process_group(backend: str | None = None, init_method=None, timeout=None, world_size: int = -1,
                       rank: int = -1, **kwargs) -> None:
    """Join the default process group.

    Args:
        backend: ``"mpi"`` (processes and CPUs; CUDA tensors are staged through the host), ``"nccl"``
            (one GPU per rank, GPU ``local_rank``; NCCL's unique id is sent over MPI) or ``None``: NCCL when
            every rank has a GPU, else MPI, and a group of one process when no launcher started this one.
        init_method: ``None`` or ``"env://"`` (PyTorch's signature): the MPI launcher starts the ranks.
        timeout: ``datetime.timedelta`` or seconds (default 30 minutes): how long any collective waits for
            its peers before raising :class:`DistTimeoutError`.
        world_size: ``-1``, or the launcher's world size (another value is an error).
        rank: ``-1``, or the rank the launcher gave this process (another value is an error).

    Returns None. Example (one process, no launcher)::

    >>> import gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> dist.destroy_process_group()
    """
    global _group
    if _group is not None:
        raise RuntimeError("init_process_group: trying to initialize the default process group twice!")
    if kwargs:
        raise TypeError(f"init_process_group: unexpected keyword arguments {sorted(kwargs)}")
    if backend is not None:
        backend = str(backend).lower()
        if backend not in ("mpi", "nccl"):
            raise ValueError(f"init_process_group: backend must be None, 'mpi' or 'nccl', got {backend!r}")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: ranks come from "
                         "the MPI launcher (mpiexec -n N ...)")
    seconds = _seconds(timeout)
    if backend is None and not launched():
        from ._local import LocalBackend
        impl = LocalBackend()
    else:
        from ._mpi import MPIBackend, import_mpi
        mpi = import_mpi("init_process_group")
        comm = mpi.COMM_WORLD.Dup()
        if backend is None:
            backend = "nccl" if _every_rank_has_gpu(comm) else "mpi"
        if backend == "nccl":
            from ._nccl import NCCLBackend
            impl = NCCLBackend(mpi, comm, seconds)
        else:
            impl = MPIBackend(mpi, comm, seconds)
            _take_local_gpu(impl.local_rank)
    for name, given, actual in (("world_size", world_size, impl.world_size), ("rank", rank, impl.rank)):
        if given not in (-1, None) and given != actual:
            impl.close()
            raise ValueError(f"init_process_group: {name}={given} but the launcher started this process with "
                             f"{name} {actual}")
    _group = _Group(impl, seconds)
    if impl.world_size > 1:
        _group.prev_hook = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def _take_local_gpu(local_rank):
    """With GPUs on the machine, rank ``r`` makes GPU ``local_rank`` (modulo their number) its current device,
    so ``"cuda"`` means a different GPU on each rank of a machine (the NCCL backend does the same)."""
    from .. import cuda
    if cuda.is_available():
        cuda.set_device(local_rank % cuda.device_count())


def _abort_on_uncaught(etype, value, tb):
    """Print the rank's traceback, then ``MPI_Abort``: the launcher stops the other ranks, nobody hangs."""
    g = _group
    rank = g.rank if g is not None else "?"
    sys.stderr.write(f"gpugrad.distributed: rank {rank} stopped on an uncaught exception; aborting every "
                     "rank of the job\n")
    traceback.print_exception(etype, value, tb, file=sys.stderr)
    sys.stderr.flush()
    if g is not None:
        g.backend.abort(1)
    else:                                   # pragma: no cover - the hook is removed with the group
        sys.__excepthook__(etype, value, tb)


def destroy_process_group(group=None) -> None:
    """Leave the default group (a collective: every rank calls it); returns None. Without a group it raises,
    as PyTorch's does. ``group`` must be None (the default group).

    >>> import gpugrad.distributed as dist
    >>> dist.init_process_group(); dist.destroy_process_group(); dist.is_initialized()
    False
    """
    global _group
    g = current_group()
    try:
        g.backend.close()
    finally:
        if sys.excepthook is _abort_on_uncaught:
            sys.excepthook = g.prev_hook or sys.__excepthook__
        _group = None


def get_rank(group=None) -> int:
    """Returns this process's rank in the default group (0 .. world size - 1). ``group`` must be None.

    >>> import gpugrad.distributed as dist
    >>> dist.init_process_group(); dist.get_rank()
    0
    >>> dist.destroy_process_group()
    """
    return current_group().rank


def get_world_size(group=None) -> int:
    """Returns the number of processes in the default group. ``group`` must be None.

    >>> import gpugrad.distributed as dist
    >>> dist.init_process_group(); dist.get_world_size()
    1
    >>> dist.destroy_process_group()
    """
    return current_group().world_size


def get_local_rank() -> int:
    """Returns this process's rank among those on its machine: the group's answer once initialized, else the
    ``LOCAL_RANK`` environment variable (or the launcher's own), else 0. Rank ``r`` uses GPU
    ``get_local_rank()``.

    >>> import gpugrad.distributed as dist
    >>> dist.get_local_rank()
    0
    """
    if _group is not None:
        return _group.local_rank
    return env_local_rank()


def env_local_rank() -> int:
    for key in _LOCAL_RANK:
        v = os.environ.get(key)
        if v not in (None, ""):
            try:
                return int(v)
            except ValueError:
                raise ValueError(f"get_local_rank: environment variable {key}={v!r} is not an integer") from None
    return 0


def get_backend(group=None) -> str:
    """Returns ``"mpi"``, ``"nccl"`` or ``"local"`` (a group of one process started without a launcher).
    ``group`` must be None.

    >>> import gpugrad.distributed as dist
    >>> dist.init_process_group(); dist.get_backend()
    'local'
    >>> dist.destroy_process_group()
    """
    return current_group().backend.name
