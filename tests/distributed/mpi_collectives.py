"""Run by tests/test_distributed.py under ``mpiexec -n 2``: every collective against its expected value,
and the shape-mismatch error. Prints one line ``ok <rank>`` at the end."""
import sys

import numpy as np


def main():
    import gpugrad as gg
    import gpugrad.distributed as dist
    dist.init_process_group(backend="mpi", timeout=20)
    r, n = dist.get_rank(), dist.get_world_size()
    assert n == 2 and dist.get_backend() == "mpi" and dist.get_local_rank() == r

    def check(t, want):
        np.testing.assert_allclose(t.numpy(), want, err_msg=f"rank {r}")

    base = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)
    cases = {dist.ReduceOp.SUM: base * 3, dist.ReduceOp.AVG: base * 1.5, dist.ReduceOp.MAX: base * 2 * (base > 0)
             + base * (base < 0), dist.ReduceOp.MIN: base * (base > 0) + base * 2 * (base < 0),
             dist.ReduceOp.PRODUCT: base * base * 2}
    for op, want in cases.items():
        for dtype in (gg.float32, gg.float64):
            t = gg.tensor(base * (r + 1), dtype=dtype)
            dist.all_reduce(t, op=op)
            check(t, want)
    t = gg.tensor(base * (r + 1)).t()                 # a non-contiguous view is reduced in place too
    dist.all_reduce(t)
    check(t, (base * 3).T)
    t = gg.tensor([r, r], dtype=gg.int64)
    dist.all_reduce(t)
    check(t, [1, 1])
    t = gg.tensor([float(r + 10)])
    dist.broadcast(t, src=1)
    check(t, [11.0])
    out = [gg.zeros(2) for _ in range(n)]
    dist.all_gather(out, gg.tensor([r, r + 0.5]))
    check(out[0], [0, 0.5]), check(out[1], [1, 1.5])
    big = gg.zeros(4, 3)
    dist.all_gather_into_tensor(big, gg.full((2, 3), float(r)))
    check(big, np.repeat([[0.0], [1.0]], 2, axis=0) * np.ones((4, 3)))
    o = gg.zeros(2)
    dist.reduce_scatter_tensor(o, gg.arange(4.0) * (r + 1))
    check(o, np.arange(4.0)[2 * r:2 * r + 2] * 3)
    o = gg.zeros(2)
    dist.reduce_scatter(o, [gg.tensor([1.0, 2.0]) * (r + 1), gg.tensor([3.0, 4.0]) * (r + 1)], op="avg")
    check(o, [[1.5, 3.0], [4.5, 6.0]][r])
    dist.barrier()
    try:                                              # a wrong shape on one rank: both ranks are told
        dist.all_reduce(gg.zeros(3 + r))
    except dist.DistError as e:
        msg = str(e)
        assert "rank 0: (3,) float32" in msg and "rank 1: (4,) float32" in msg, msg
    else:
        raise AssertionError("a shape mismatch was not detected")
    try:
        dist.all_reduce(gg.zeros(3, dtype=gg.float32 if r == 0 else gg.float64))
    except dist.DistError as e:
        assert "float64" in str(e), str(e)
    else:
        raise AssertionError("a dtype mismatch was not detected")
    t = gg.ones(2)                                    # the group still works after refused calls
    dist.all_reduce(t)
    check(t, [2, 2])
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"ok {r}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
