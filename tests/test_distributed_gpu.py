"""The NCCL backend on a real GPU, as a world of one (one GPU checks the code path: NCCL's unique id over
MPI, the communicator, dtypes, streams and events, and DDP's flat-bucket all-reduce on CuPy arrays). Skipped
without a GPU, CuPy's NCCL or mpi4py. It has not run yet: no GPU was available where it was written."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

pytestmark = pytest.mark.gpu


@pytest.fixture
def nccl_group():
    if not gg.cuda.is_available():
        pytest.skip("no CUDA GPU here (CuPy missing or no device answered)")
    pytest.importorskip("mpi4py")
    from cupy.cuda import nccl
    if not getattr(nccl, "available", False):
        pytest.skip("CuPy finds no NCCL library (install nvidia-nccl-cu12/-cu13)")
    import gpugrad.distributed as dist
    dist.init_process_group("nccl", timeout=60)
    yield dist
    dist.destroy_process_group()


def test_nccl_backend_collectives_on_one_gpu(nccl_group):
    import cupy as cp
    from gpugrad.distributed.process_group import current_group
    be = current_group().backend
    assert be.name == "nccl" and be.device_index == 0
    for dtype in (cp.float32, cp.float64, cp.float16, cp.int64):
        a = cp.arange(6, dtype=dtype)
        be.allreduce(a, nccl_group.ReduceOp.SUM, "test")
        cp.testing.assert_array_equal(a, cp.arange(6, dtype=dtype))
    a = cp.arange(4, dtype=cp.float32)
    be.broadcast(a, 0, "test")
    out = cp.zeros((1, 4), cp.float32)
    be.allgather(a, out, "test")
    cp.testing.assert_array_equal(out[0], a)
    rs = cp.zeros(4, cp.float32)
    be.reduce_scatter(a, rs, nccl_group.ReduceOp.MAX, "test")
    cp.testing.assert_array_equal(rs, a)
    pending = be.allreduce_async(a, nccl_group.ReduceOp.SUM, "test")
    assert pending.wait() is a
    with pytest.raises(nccl_group.DistError, match="on the CPU"):
        be.allreduce(np.zeros(2, np.float32), nccl_group.ReduceOp.SUM, "test")


def test_ddp_step_on_one_gpu(nccl_group):
    from gpugrad.nn.parallel import DistributedDataParallel as DDP
    model = DDP(gg.nn.Linear(4, 3).to("cuda"))
    opt = gg.optim.Adam(model.parameters(), lr=1e-2)
    model(gg.randn(5, 4, device="cuda")).sum().backward()
    opt.step()
    assert all(p.grad is not None for p in model.parameters())
