"""Data-parallel benchmarks, run under a launcher (rank 0 prints the tables)::

    mpiexec -n 2 python -m gpugrad.bench.distributed      # all-reduce sizes, and the MLP step on 2 ranks
    mpiexec -n 1 python -m gpugrad.bench.distributed      # the MLP step on 1 rank (the 1-rank baseline)

1. All-reduce of one flat float32 buffer against its size: ``gpugrad.distributed.all_reduce`` (the shape
   check, a tiny collective, then the data), the backend's all-reduce alone (the non-blocking request polled
   against the deadline: what DistributedDataParallel uses) and mpi4py's blocking ``Allreduce`` on the same
   buffer (the peer), alternating, median of repeats.
2. One training step of the 784-512-512-10 MLP of ``gpugrad.bench.overhead`` (Adam, per-rank batch B):
   wrapped in DistributedDataParallel with the gradient all-reduce, and the same step under ``no_sync()``
   (no communication), alternating; the difference is the communication's share of the step.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _median_time(fn, repeats, inner, barrier):
    out = []
    for _ in range(repeats):
        barrier()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) / inner)
    return statistics.median(out)


def allreduce_table(sizes, repeats=15):
    """Rows ``(elements, MiB, gpugrad us, mpi4py us, ratio)`` on the default group (2+ ranks)."""
    import gpugrad as gg
    import gpugrad.distributed as dist
    from gpugrad.distributed.process_group import current_group
    comm = current_group().backend.comm
    from mpi4py import MPI
    barrier = comm.Barrier
    rows = []
    for n in sizes:
        t = gg.ones(n)
        a = np.ones(n, np.float32)
        inner = max(1, min(200, int(2e6 // max(n, 1))))
        b = np.ones(n, np.float32)
        backend = current_group().backend
        ours, raw, theirs = [], [], []
        for _ in range(repeats):                     # alternate the peers, one sample each
            ours.append(_median_time(lambda: dist.all_reduce(t), 1, inner, barrier))
            raw.append(_median_time(lambda: backend.allreduce(b, dist.ReduceOp.SUM, "bench"), 1, inner, barrier))
            theirs.append(_median_time(lambda: comm.Allreduce(MPI.IN_PLACE, a), 1, inner, barrier))
        o, r, m = (statistics.median(v) * 1e6 for v in (ours, raw, theirs))
        rows.append((n, n * 4 / 2 ** 20, o, r, m))
    return rows


def mlp_step_table(batches, steps=20, repeats=9):
    """Rows ``(per-rank batch, step ms with all-reduce, step ms without, communication share)``."""
    import gpugrad as gg
    import gpugrad.nn as nn
    import gpugrad.nn.functional as F
    import gpugrad.distributed as dist
    from gpugrad.nn.parallel import DistributedDataParallel as DDP
    rows = []
    for batch in batches:
        gg.manual_seed(0)
        model = DDP(nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                                  nn.Linear(512, 10)))
        opt = gg.optim.Adam(model.parameters(), lr=1e-3)
        rng = np.random.default_rng(dist.get_rank())
        x = gg.tensor(rng.standard_normal((batch, 784), dtype=np.float32))
        y = gg.tensor(rng.integers(0, 10, batch))

        def step():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        def step_no_sync():
            with model.no_sync():
                step()
        for _ in range(3):
            step()
        with_comm, without = [], []
        for _ in range(repeats):
            with_comm.append(_median_time(step, 1, steps, dist.barrier))
            without.append(_median_time(step_no_sync, 1, steps, dist.barrier))
        a, b = statistics.median(with_comm) * 1e3, statistics.median(without) * 1e3
        rows.append((batch, a, b, (a - b) / a))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1024,16384,262144,1048576,4194304,16777216",
                   help="all-reduce buffer sizes in float32 elements")
    p.add_argument("--batches", default="32,128", help="per-rank batch sizes of the MLP step")
    args = p.parse_args(argv)
    import gpugrad.distributed as dist
    dist.init_process_group(backend="mpi", timeout=600)
    rank, world = dist.get_rank(), dist.get_world_size()
    say = print if rank == 0 else (lambda *a, **k: None)
    if world > 1:
        rows = allreduce_table([int(s) for s in args.sizes.split(",")])
        say(f"\nall-reduce of a float32 buffer, {world} ranks (median us per call)\n")
        say("| elements | MiB | all_reduce us (checked) | backend us (DDP's path) | mpi4py Allreduce us | "
            "checked / mpi4py | backend / mpi4py |")
        say("|---|---|---|---|---|---|---|")
        for n, mib, o, r, m in rows:
            say(f"| {n} | {mib:.3g} | {o:.1f} | {r:.1f} | {m:.1f} | {o / m:.2f} | {r / m:.2f} |")
    rows = mlp_step_table([int(b) for b in args.batches.split(",")])
    say(f"\nMLP 784-512-512-10 Adam step, {world} rank(s) (median ms per step)\n")
    say("| per-rank batch | global batch | step ms (DDP) | step ms (no_sync) | communication share |")
    say("|---|---|---|---|---|")
    for b, a, c, share in rows:
        say(f"| {b} | {b * world} | {a:.2f} | {c:.2f} | {share:.0%} |")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
