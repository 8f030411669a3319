"""The NCCL backend against fakes of CuPy and of ``cupy.cuda.nccl``: two ranks in two threads, so the calls
it makes (pointers, counts, NCCL dtype and op codes, the stream and its events) and the results are checked
without a GPU. On a GPU machine ``scripts/gpu_check.sh`` would run the real path; it has not run yet."""
from __future__ import annotations

import ctypes
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from gpugrad.distributed import ReduceOp, DistError, DistTimeoutError
from gpugrad.distributed._nccl import NCCLBackend

CODES = {1: np.uint8, 4: np.int64, 7: np.float32, 8: np.float64}


class DevArray(np.ndarray):
    """A host array dressed as a CuPy array: ``.data.ptr`` and ``.device.id``."""

    def __new__(cls, values, dev=0):
        a = np.array(values).view(cls)
        a.dev = dev
        return a

    def __array_finalize__(self, obj):
        self.dev = getattr(obj, "dev", 0)

    @property
    def data(self):
        return SimpleNamespace(ptr=self.ctypes.data)

    @property
    def device(self):
        return SimpleNamespace(id=self.dev)


def at(ptr, count, code):
    dt = np.dtype(CODES[code])
    return np.frombuffer((ctypes.c_char * (count * dt.itemsize)).from_address(ptr), dt)


class Fabric:
    """What the two fake communicators share: a barrier and the posted buffers."""

    def __init__(self, n=2):
        self.n, self.barrier, self.posts, self.calls = n, threading.Barrier(n, timeout=10), {}, []
        self.hang = False

    def collective(self, rank, post, finish):
        self.posts[rank] = post
        self.barrier.wait()
        if rank == 0:
            finish([self.posts[r] for r in range(self.n)])
        self.barrier.wait()


class FakeNccl:
    NCCL_UINT8, NCCL_INT64, NCCL_FLOAT32, NCCL_FLOAT64 = 1, 4, 7, 8
    NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN = 0, 1, 2, 3
    NCCL_UNIQUE_ID_BYTES = 128
    REDUCE = {0: np.sum, 1: np.prod, 2: np.max, 3: np.min}

    def __init__(self, fabric):
        self.fabric = fabric
        outer = self

        class NcclCommunicator:
            def __init__(self, ndev, uid, rank):
                assert ndev == fabric.n and len(uid) == 128 and isinstance(uid, tuple)
                self.rank, self.aborted, self.uid = rank, False, uid

            def allReduce(self, send, recv, count, dtype, op, stream):
                fabric.calls.append(("allReduce", self.rank, count, dtype, op, stream))
                if fabric.hang:
                    return

                def finish(posts):
                    total = outer.REDUCE[op](np.stack([at(s, count, dtype) for s, _ in posts]), axis=0)
                    for _, r in posts:
                        at(r, count, dtype)[:] = total
                fabric.collective(self.rank, (send, recv), finish)

            def broadcast(self, send, recv, count, dtype, root, stream):
                fabric.calls.append(("broadcast", self.rank, count, dtype, root, stream))

                def finish(posts):
                    for _, r in posts:
                        at(r, count, dtype)[:] = at(posts[root][0], count, dtype)
                fabric.collective(self.rank, (send, recv), finish)

            def allGather(self, send, recv, count, dtype, stream):
                fabric.calls.append(("allGather", self.rank, count, dtype, stream))

                def finish(posts):
                    whole = np.concatenate([at(s, count, dtype) for s, _ in posts])
                    for _, r in posts:
                        at(r, count * fabric.n, dtype)[:] = whole
                fabric.collective(self.rank, (send, recv), finish)

            def reduceScatter(self, send, recv, count, dtype, op, stream):
                fabric.calls.append(("reduceScatter", self.rank, count, dtype, op, stream))

                def finish(posts):
                    total = outer.REDUCE[op](np.stack([at(s, count * fabric.n, dtype) for s, _ in posts]), axis=0)
                    for i, (_, r) in enumerate(posts):
                        at(r, count, dtype)[:] = total[i * count:(i + 1) * count]
                fabric.collective(self.rank, (send, recv), finish)

            def abort(self):
                self.aborted = True

            def destroy(self):
                pass

        self.NcclCommunicator = NcclCommunicator

    @staticmethod
    def get_unique_id():
        return tuple(range(-64, 64))


class FakeCupy:
    """``cupy.cuda``: devices, streams and events that record what waits on what."""

    def __init__(self, log, fabric):
        class Event:
            def __init__(self, disable_timing=False):
                self.stream = None

            def record(self, stream=None):
                self.stream = stream
                log.append(("record", stream.ptr))

            @property
            def done(self):
                return not fabric.hang

        class Stream:
            count = 100

            def __init__(self, null=False, non_blocking=False):
                Stream.count += 1
                self.ptr = 0 if null else Stream.count
                self.non_blocking = non_blocking

            def wait_event(self, ev):
                log.append(("wait", self.ptr, ev.stream.ptr))

        class Device:
            def __init__(self, i):
                self.id = i

            def use(self):
                pass

            def __enter__(self):
                return self

            def __exit__(self, *a):
                return False

        null = Stream(null=True)
        self.cuda = SimpleNamespace(Event=Event, Stream=Stream, Device=Device, get_current_stream=lambda: null,
                                    runtime=SimpleNamespace(getDeviceCount=lambda: 2))


class FakeHost:
    """The MPI side (unique id, shape checks) for ranks that are threads."""

    def __init__(self, rank, fabric):
        self.rank, self.world_size, self.local_rank, self.broken, self.fabric = rank, fabric.n, rank, None, fabric

    def broadcast(self, arr, src, what):
        def finish(posts):
            for p in posts:
                p[...] = posts[src]
        self.fabric.collective(self.rank, arr, finish)

    def close(self):
        pass


def two_ranks(body, hang=False):
    fabric, logs, results, errors = Fabric(), {0: [], 1: []}, {}, {}

    def rank(r):
        try:
            be = NCCLBackend(None, None, 0.5, cp=FakeCupy(logs[r], fabric), nccl=FakeNccl(fabric),
                             host=FakeHost(r, fabric))
            fabric.hang = hang
            results[r] = body(be, r)
        except Exception as e:        # noqa: BLE001 - reported to the test thread
            errors[r] = e
    threads = [threading.Thread(target=rank, args=(r,)) for r in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    return fabric, logs, results, errors


def test_nccl_calls_dtypes_streams_and_results():
    def body(be, r):
        x = DevArray(np.array([1.0, -2.0, 3.0], np.float32) * (r + 1), dev=r)
        be.allreduce(x, ReduceOp.MAX, "all_reduce")
        y = DevArray(np.array([r + 10.0]), dev=r)
        be.broadcast(y, 1, "broadcast")
        g = DevArray(np.zeros((2, 2), np.int64), dev=r)
        be.allgather(DevArray(np.array([r, r], np.int64), dev=r), g, "all_gather")
        o = DevArray(np.zeros(2, np.float32), dev=r)
        be.reduce_scatter(DevArray(np.arange(4, dtype=np.float32) * (r + 1), dev=r), o, ReduceOp.SUM, "rs")
        return x.copy(), y.copy(), g.copy(), o.copy(), be.stream.ptr, be.device_index, be.comm.uid
    fabric, logs, res, errors = two_ranks(body)
    assert not errors, errors
    for r in (0, 1):
        x, y, g, o, sptr, dev, uid = res[r]
        assert dev == r and uid == tuple(range(-64, 64))        # GPU local_rank; rank 0's id sent to all
        np.testing.assert_array_equal(x, [2.0, -2.0, 6.0])
        np.testing.assert_array_equal(y, [11.0])
        np.testing.assert_array_equal(g, [[0, 0], [1, 1]])
        np.testing.assert_array_equal(o, (np.arange(4) * 3)[2 * r:2 * r + 2])
        mine = [c for c in fabric.calls if c[1] == r]
        assert [c[0] for c in mine] == ["allReduce", "broadcast", "allGather", "reduceScatter"]
        assert mine[0][2:] == (3, FakeNccl.NCCL_FLOAT32, FakeNccl.NCCL_MAX, sptr)
        assert mine[1][2:] == (1, FakeNccl.NCCL_FLOAT64, 1, sptr)
        assert mine[2][2:] == (2, FakeNccl.NCCL_INT64, sptr)
        assert mine[3][2:] == (2, FakeNccl.NCCL_FLOAT32, FakeNccl.NCCL_SUM, sptr)
        assert sptr != 0                                        # its own stream, not the caller's
        # per collective: an event on the caller's stream (0) that the NCCL stream waits for, then an
        # event on the NCCL stream that the caller's stream waits for
        assert logs[r][:4] == [("record", 0), ("wait", sptr, 0), ("record", sptr), ("wait", 0, sptr)]
        assert len(logs[r]) == 16


def test_nccl_refuses_a_tensor_on_another_device_or_cpu():
    def body(be, r):
        with pytest.raises(DistError, match=f"rank {r} passed a tensor on cuda:{1 - r}.*cuda:{r}"):
            be.allreduce(DevArray(np.zeros(2, np.float32), dev=1 - r), ReduceOp.SUM, "all_reduce")
        with pytest.raises(DistError, match="on the CPU"):
            be.allreduce(np.zeros(2, np.float32), ReduceOp.SUM, "all_reduce")
        with pytest.raises(TypeError, match="NCCL cannot reduce dtype int16"):
            be.allreduce(DevArray(np.zeros(2, np.int16), dev=r), ReduceOp.SUM, "all_reduce")
    fabric, logs, res, errors = two_ranks(body)
    assert not errors, errors
    assert fabric.calls == []


def test_nccl_timeout_aborts_the_communicator():
    def body(be, r):
        with pytest.raises(DistTimeoutError, match=f"rank {r} of 2 waited"):
            be.allreduce(DevArray(np.zeros(2, np.float32), dev=r), ReduceOp.SUM, "all_reduce")
        assert be.comm.aborted
        with pytest.raises(DistError, match="broken"):
            be.allreduce(DevArray(np.zeros(2, np.float32), dev=r), ReduceOp.SUM, "all_reduce")
    fabric, logs, res, errors = two_ranks(body, hang=True)
    assert not errors, errors
