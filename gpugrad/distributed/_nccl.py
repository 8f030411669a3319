"""The NCCL backend: one GPU per rank (GPU ``local_rank``), collectives through CuPy's
``cupy.cuda.nccl.NcclCommunicator``; NCCL's unique id travels over MPI, which also carries the small host
messages (shape checks, barriers).

Streams. A collective runs on this backend's own CUDA stream: it first waits (an event) for the work
queued so far on the caller's current stream, which produced the data, and the caller's stream then waits
for the collective before anything later reads the result. The host waits too, polling the event until it
completes or the group's timeout passes; on timeout the communicator is aborted (``ncclCommAbort``), so a
dead peer gives :class:`DistTimeoutError`, never a GPU spinning forever.

Note: written against CuPy's documented API and tested with a fake communicator; it has not yet run on
GPUs in this project's CI (see the README).
"""
from __future__ import annotations

import numpy as np

from .process_group import DistError, ReduceOp
from ._mpi import MPIBackend, poll, timeout_error


def nccl_dtype(nccl, dtype, what):
    """NCCL's code for ``dtype``; complex arrays go as twice as many floats."""
    table = {"int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32", "uint32": "NCCL_UINT32",
             "int64": "NCCL_INT64", "uint64": "NCCL_UINT64", "float16": "NCCL_FLOAT16",
             "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64", "bfloat16": "NCCL_BFLOAT16",
             "complex64": "NCCL_FLOAT32", "complex128": "NCCL_FLOAT64", "bool": "NCCL_UINT8"}
    name = table.get(np.dtype(dtype).name)
    if name is None or not hasattr(nccl, name):
        raise TypeError(f"{what}: NCCL cannot reduce dtype {np.dtype(dtype).name}")
    return getattr(nccl, name)


class NCCLBackend:
    """Collectives over NCCL on GPU ``local_rank``; MPI (``host``) for ids and host-side messages.

    ``cp`` and ``nccl`` are the ``cupy`` and ``cupy.cuda.nccl`` modules (injected by tests)."""

    name = "nccl"

    def __init__(self, mpi, comm, timeout: float, cp=None, nccl=None, host=None):
        self.host = host if host is not None else MPIBackend(mpi, comm, timeout)
        self.rank, self.world_size, self.local_rank = self.host.rank, self.host.world_size, self.host.local_rank
        self.timeout = timeout
        if cp is None:
            from ..backend import cupy_or_none
            cp = cupy_or_none()
            if cp is None:
                raise RuntimeError(f"init_process_group: rank {self.rank}: the 'nccl' backend needs CuPy and a GPU "
                                   "(pip install 'gpugrad[cuda12]' or 'gpugrad[cuda13]'); use backend='mpi' on CPUs")
        if nccl is None:
            from cupy.cuda import nccl
            if not getattr(nccl, "available", True):
                raise RuntimeError(f"init_process_group: rank {self.rank}: CuPy finds no NCCL library; install "
                                   "the nvidia-nccl-cu12 (or -cu13) wheel")
        self.cp, self.nccl = cp, nccl
        ngpu = cp.cuda.runtime.getDeviceCount()
        if self.local_rank >= ngpu:
            raise RuntimeError(f"init_process_group: rank {self.rank} has local rank {self.local_rank} but its "
                               f"machine shows {ngpu} GPU(s): start at most one rank per GPU")
        self.device_index = self.local_rank
        self.device = cp.cuda.Device(self.device_index)
        self.device.use()                   # rank r works on GPU local_rank from now on
        uid = np.zeros(nccl.NCCL_UNIQUE_ID_BYTES if hasattr(nccl, "NCCL_UNIQUE_ID_BYTES") else 128, np.int64)
        if self.rank == 0:
            uid[:] = nccl.get_unique_id()
        self.host.broadcast(uid, 0, "init_process_group (NCCL unique id)")
        with self.device:
            self.comm = nccl.NcclCommunicator(self.world_size, tuple(int(v) for v in uid), self.rank)
            self.stream = cp.cuda.Stream(non_blocking=True)
        self.ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.PRODUCT: nccl.NCCL_PROD, ReduceOp.MAX: nccl.NCCL_MAX,
                    ReduceOp.MIN: nccl.NCCL_MIN}
        self.broken = None

    def _check(self, arr, what):
        idx = getattr(getattr(arr, "device", None), "id", None)       # CuPy: arr.device.id
        if idx != self.device_index:
            where = "the CPU" if idx is None else f"cuda:{idx}"
            raise DistError(f"{what}: rank {self.rank} passed a tensor on {where}, but the 'nccl' backend works "
                            f"on this rank's GPU cuda:{self.device_index}")

    def _launch(self, what, call):
        """Run ``call(stream_ptr)`` on the NCCL stream after the caller's queued work; then make the caller's
        stream wait for it and wait on the host with the deadline."""
        self._wait(self._start(what, call), what)

    def _start(self, what, call):
        """Queue ``call(stream_ptr)`` on the NCCL stream behind the caller's queued work and make the caller's
        stream wait for it; returns the event that marks its completion (the host does not wait)."""
        if self.broken is not None or self.host.broken is not None:
            raise DistError(f"{what}: the process group is broken by an earlier failure "
                            f"({self.broken or self.host.broken}); every rank must stop and restart")
        cuda = self.cp.cuda
        with self.device:
            caller = cuda.get_current_stream()
            ready = cuda.Event(disable_timing=True)
            ready.record(caller)
            self.stream.wait_event(ready)
            try:
                call(self.stream.ptr)
            except Exception as e:
                raise DistError(f"{what} on rank {self.rank}: NCCL refused it: {e}") from None
            done = cuda.Event(disable_timing=True)
            done.record(self.stream)
            caller.wait_event(done)
        return done

    def _wait(self, event, what):
        waited = poll(lambda: event.done, self.timeout)
        if waited is not None:
            self.broken = f"{what} timed out on rank {self.rank}"
            self.comm.abort()
            raise timeout_error(what, self.rank, self.world_size, waited, "The NCCL communicator was aborted; the "
                                "process group cannot be used any more.")

    def allreduce(self, arr, op, what):
        return self.allreduce_async(arr, op, what).wait()

    def allreduce_async(self, arr, op, what):
        """Queue an in-place all-reduce of ``arr`` and return at once (the GPU overlaps it with later work on
        the caller's stream until that needs the result); ``wait()`` waits on the host with the deadline."""
        self._check(arr, what)
        dt = nccl_dtype(self.nccl, arr.dtype, what)
        n = arr.size * (2 if arr.dtype.kind == "c" else 1)
        p = arr.data.ptr
        done = self._start(what, lambda s: self.comm.allReduce(p, p, n, dt, self.ops[op], s))
        return _Queued(self, done, arr, what)

    def broadcast(self, arr, src, what):
        self._check(arr, what)
        dt = nccl_dtype(self.nccl, arr.dtype, what)
        n = arr.size * (2 if arr.dtype.kind == "c" else 1)
        p = arr.data.ptr
        self._launch(what, lambda s: self.comm.broadcast(p, p, n, dt, src, s))
        return arr

    def allgather(self, send, recv, what):
        self._check(send, what)
        self._check(recv, what)
        dt = nccl_dtype(self.nccl, send.dtype, what)
        n = send.size * (2 if send.dtype.kind == "c" else 1)
        self._launch(what, lambda s: self.comm.allGather(send.data.ptr, recv.data.ptr, n, dt, s))

    def reduce_scatter(self, send, recv, op, what):
        self._check(send, what)
        self._check(recv, what)
        dt = nccl_dtype(self.nccl, recv.dtype, what)
        n = recv.size * (2 if recv.dtype.kind == "c" else 1)
        self._launch(what, lambda s: self.comm.reduceScatter(send.data.ptr, recv.data.ptr, n, dt,
                                                              self.ops[op], s))

    def barrier(self, what):
        self.host.barrier(what)

    def exchange_meta(self, meta, what):
        return self.host.exchange_meta(meta, what)

    def bcast_bytes(self, data, src, what):
        return self.host.bcast_bytes(data, src, what)

    def abort(self, code):
        try:
            self.comm.abort()
        finally:
            self.host.abort(code)

    def close(self):
        if self.broken is None:
            self.comm.destroy()
        self.host.close()


class _Queued:
    """A queued NCCL all-reduce: ``wait()`` waits on the host for its event, with the deadline."""

    __slots__ = ("backend", "event", "arr", "what")

    def __init__(self, backend, event, arr, what):
        self.backend, self.event, self.arr, self.what = backend, event, arr, what

    def wait(self):
        self.backend._wait(self.event, self.what)
        return self.arr
