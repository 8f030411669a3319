"""Data-parallel training across processes, GPUs and machines: PyTorch's ``torch.distributed`` names over
MPI (``mpi4py``, for processes and CPUs) and NCCL (CuPy, for GPUs).

Start the ranks with an MPI launcher and call :func:`init_process_group` once in each::

    mpiexec -n 2 python train.py

Without a launcher the same script runs as a world of one process (``mpi4py`` is then not needed).

>>> import gpugrad.distributed as dist
>>> dist.init_process_group()
>>> dist.get_rank(), dist.get_world_size(), dist.get_backend()
(0, 1, 'local')
>>> dist.destroy_process_group()
"""
from .process_group import (ReduceOp, DistError, DistTimeoutError, init_process_group, destroy_process_group,
                            is_initialized, is_available, get_rank, get_world_size, get_local_rank, get_backend)
from .collectives import (all_reduce, broadcast, all_gather, all_gather_into_tensor, reduce_scatter,
                          reduce_scatter_tensor, barrier, Work)

__all__ = ["ReduceOp", "DistError", "DistTimeoutError", "init_process_group", "destroy_process_group",
           "is_initialized", "is_available", "get_rank", "get_world_size", "get_local_rank", "get_backend",
           "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "barrier", "Work"]
