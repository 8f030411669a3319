"""The MPI backend (``mpi4py``): every collective is issued non-blocking and polled against a deadline.

MPI has no timeout on a collective: a peer that died or never calls it leaves the others in
``MPI_Allreduce`` forever. Here each collective is its non-blocking twin (``Iallreduce``, ``Ibcast``, ...)
whose request is tested until it completes or the group's timeout passes; then :class:`DistTimeoutError`
names the collective and the rank, and the group is marked broken. Arrays on a CUDA device are staged
through the host (the MPI wheels on PyPI are not CUDA-aware); the NCCL backend is the fast path there.
"""
from __future__ import annotations

import time

import numpy as np

from .process_group import DistError, DistTimeoutError, ReduceOp

# waiting on a request: busy-poll for _BUSY_S, then poll with sched_yield until _SPIN_S, then sleep between
# polls with a growing pause of at most _MAX_PAUSE_S (short: MPI moves a big buffer only while polled)
_BUSY_S = 2e-4
_SPIN_S = 5e-3
_MAX_PAUSE_S = 2e-4


def poll(done, timeout: float):
    """Call ``done()`` until it is true (returns None) or ``timeout`` seconds have passed (returns the seconds
    waited): busy at first, then yielding the core, then sleeping briefly between calls."""
    if done():
        return None
    start = time.monotonic()
    pause = 0.0
    while True:
        for _ in range(32):                  # MPI progresses a request only inside Test
            if done():
                return None
        waited = time.monotonic() - start
        if waited > timeout:
            return waited
        if waited > _SPIN_S:                 # a long wait (a slow peer, a big buffer): stop burning a core
            pause = min(_MAX_PAUSE_S, pause * 2 or 2e-5)
            time.sleep(pause)
        elif waited > _BUSY_S:
            time.sleep(0)                    # yield the core to a rank sharing it


def timeout_error(what, rank, world, waited, consequence):
    return DistTimeoutError(
        f"{what}: rank {rank} of {world} waited {waited:.1f} s (the group's timeout) for the other ranks: one of "
        f"them has died, hangs, or did not call the same collective. {consequence}")


def import_mpi(what: str):
    """``mpi4py.MPI``, or an error saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(f"{what}: the MPI backend needs mpi4py and an MPI library; install them with "
                           f"pip install 'gpugrad[mpi]' ({e})") from None
    return MPI


class MPIBackend:
    """Collectives on a duplicate of ``MPI.COMM_WORLD`` (so user MPI traffic cannot mix with ours)."""

    name = "mpi"

    def __init__(self, mpi, comm, timeout: float):
        self.mpi, self.comm, self.timeout = mpi, comm, timeout
        self.rank, self.world_size = comm.Get_rank(), comm.Get_size()
        node = comm.Split_type(mpi.COMM_TYPE_SHARED, key=self.rank)     # the ranks on this machine
        self.local_rank = node.Get_rank()
        node.Free()
        self.ops = {ReduceOp.SUM: mpi.SUM, ReduceOp.PRODUCT: mpi.PROD, ReduceOp.MAX: mpi.MAX,
                    ReduceOp.MIN: mpi.MIN}
        self.broken = None

    # -- waiting with a deadline -------------------------------------------------------------------------
    def wait(self, req, what: str):
        """Test ``req`` until it completes; past the timeout raise :class:`DistTimeoutError`."""
        if self.broken is not None:
            raise DistError(f"{what}: the process group is broken by an earlier failure ({self.broken}); "
                            "every rank must stop and restart")
        waited = poll(req.Test, self.timeout)
        if waited is not None:
            self.broken = f"{what} timed out on rank {self.rank}"
            raise timeout_error(what, self.rank, self.world_size, waited, "The process group cannot be used any more.")

    def _run(self, what, start):
        try:
            req = start()
        except self.mpi.Exception as e:
            raise DistError(f"{what} on rank {self.rank}: MPI refused it: {e}") from None
        self.wait(req, what)

    # -- collectives on raw arrays ---------------------------------------------------------------------
    def allreduce(self, arr, op, what):
        return self.allreduce_async(arr, op, what).wait()

    def allreduce_async(self, arr, op, what):
        """Start an in-place all-reduce of ``arr``; the returned handle's ``wait()`` completes it (with the
        deadline) and returns ``arr``. MPI progresses it whenever any request is tested."""
        host = _Host(arr)
        buf = host.__enter__()
        try:
            req = self.comm.Iallreduce(self.mpi.IN_PLACE, buf, op=self.ops[op])
        except self.mpi.Exception as e:
            raise DistError(f"{what} on rank {self.rank}: MPI refused it: {e}") from None
        return _Pending(self, req, host, what)

    def broadcast(self, arr, src, what):
        with _Host(arr, src_only=self.rank == src) as buf:
            self._run(what, lambda: self.comm.Ibcast(buf, root=src))
        return arr

    def allgather(self, send, recv, what):
        with _Host(send, read_only=True) as sbuf, _Host(recv) as rbuf:
            self._run(what, lambda: self.comm.Iallgather(sbuf, rbuf))

    def reduce_scatter(self, send, recv, op, what):
        with _Host(send, read_only=True) as sbuf, _Host(recv) as rbuf:
            self._run(what, lambda: self.comm.Ireduce_scatter_block(sbuf, rbuf, op=self.ops[op]))

    def barrier(self, what):
        self._run(what, self.comm.Ibarrier)

    def exchange_meta(self, meta, what):
        """Every rank's int64 vector ``meta`` (same length everywhere), as a (world, len) array."""
        meta = np.ascontiguousarray(meta, np.int64)
        out = np.empty((self.world_size, meta.size), np.int64)
        self._run(what, lambda: self.comm.Iallgather(meta, out))
        return out

    def bcast_bytes(self, data, src, what):
        """Rank ``src``'s ``bytes`` on every rank."""
        n = np.array([len(data) if self.rank == src else 0], np.int64)
        self._run(what, lambda: self.comm.Ibcast(n, root=src))
        buf = np.frombuffer(data, np.uint8).copy() if self.rank == src else np.empty(int(n[0]), np.uint8)
        self._run(what, lambda: self.comm.Ibcast(buf, root=src))
        return buf.tobytes()

    def abort(self, code):
        self.comm.Abort(code)

    def close(self):
        if self.broken is None:
            self.comm.Free()


class _Pending:
    """A started MPI all-reduce: ``wait()`` polls it to completion and writes a staged copy back."""

    __slots__ = ("backend", "req", "host", "what")

    def __init__(self, backend, req, host, what):
        self.backend, self.req, self.host, self.what = backend, req, host, what

    def wait(self):
        self.backend.wait(self.req, self.what)
        self.host.__exit__(None, None, None)
        return self.host.arr


class _Host:
    """A host buffer MPI can use for ``arr``: the array itself on the CPU; on a GPU (or for float16, which
    MPI has no type for) a host copy, written back on exit unless ``read_only``."""

    __slots__ = ("arr", "buf", "write_back")

    def __init__(self, arr, read_only=False, src_only=False):
        self.arr = arr
        host = isinstance(arr, np.ndarray)
        self.buf = arr if host else arr.get()           # CuPy: one device-to-host copy
        if self.buf.dtype == np.float16:
            self.buf = self.buf.astype(np.float32)
        self.write_back = not read_only and self.buf is not arr and not src_only

    def __enter__(self):
        return self.buf

    def __exit__(self, *exc):
        if exc[0] is None and self.write_back:
            if isinstance(self.arr, np.ndarray):
                self.arr[...] = self.buf
            else:
                self.arr.set(self.buf.astype(self.arr.dtype, copy=False))
        return False
