"""Where gpugrad's CPU MLP step goes, op by op: the benchmarked MLP 784-512-512-10 (gpugrad.bench.mlp) trained
in one process while every ``Linear`` and ``BiasAct`` forward and backward, every matmul inside them, the loss
and the optimizer step are timed in place; then each matmul's shape, layout and BLAS thread count timed alone.
Medians per call, summed per step (the means of a shared machine carry its outliers).

    python -m gpugrad.bench.op_timeline                     # ReLU at batch 32, 128 and 1024
    python -m gpugrad.bench.op_timeline --act GELU --batches 32
    python -m gpugrad.bench.op_timeline --no-optimizer      # steps without Adam (its 19 MB of streaming)

    >>> rows = timeline("ReLU", 4, steps=3, warmup=1)
    >>> [r["part"] for r in rows][:3]
    ['whole step', 'Linear forward (x3)', 'Linear backward (x3)']
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np

__all__ = ["timeline", "main"]


def _wrap(cls, name, log, label, order):
    """Time ``cls.name`` in place: samples go to ``log[(label, i)]``, i the call's place in the step (``order``
    counts them and is cleared every step), so that each list holds one layer's calls."""
    orig = getattr(cls, name)

    def timed(self, *args, **kwargs):
        i = order[label]
        order[label] = i + 1
        t = time.perf_counter()
        out = orig(self, *args, **kwargs)
        log[(label, i)].append(time.perf_counter() - t)
        return out
    setattr(cls, name, timed)
    return orig


def _alone(shape_a, shape_b, c_a, c_b, threads, repeat=200):
    """Median seconds of one NumPy matmul of these shapes and layouts on ``threads`` BLAS threads."""
    from ..kernels import _blas
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape_a, dtype=np.float32)
    b = rng.standard_normal(shape_b, dtype=np.float32)
    a = a if c_a else np.ascontiguousarray(a.T).T            # the step's transposed views
    b = b if c_b else np.ascontiguousarray(b.T).T
    ctl, prev = _blas._state.get("ctl"), _blas._state.get("current")
    if ctl and threads:
        ctl.set_num_threads(threads)
    times = []
    try:
        for _ in range(repeat):
            t = time.perf_counter()
            _blas.matmul(np, a, b)
            times.append(time.perf_counter() - t)
    finally:
        if ctl and threads and prev:               # (a count fixed by GPUGRAD_BLAS_THREADS stays fixed)
            ctl.set_num_threads(prev)
    return statistics.median(times)


def timeline(act="ReLU", batch=32, steps=500, warmup=200, optimizer=True):
    """Rows ``{"part", "calls per step", "ms per step"}`` for one batch size (see the module docstring);
    ``optimizer=False`` leaves Adam's step out (the gradients still accumulate), to see what its pass over
    the parameters, gradients and moments costs the next step's matmuls in cache misses."""
    import gpugrad as gg
    from ..kernels import _blas
    from ..ops import nn_ops
    from .mlp import _setup
    model, opt, x, y = _setup(gg, "gpugrad", "cpu", act, batch, np.random.default_rng(0))
    log = defaultdict(list)
    shapes = defaultdict(list)
    order = defaultdict(int)
    restore = [(cls, name, _wrap(cls, name, log, f"{cls.__name__} {name}", order))
               for cls in (nn_ops.Linear, nn_ops.BiasAct) for name in ("forward", "backward")]
    matmul = nn_ops._matmul

    def timed_matmul(xp, a, b, out=None):
        t = time.perf_counter()
        r = matmul(xp, a, b, out=out)
        shapes[(a.shape, b.shape, a.flags.c_contiguous, b.flags.c_contiguous, _blas._state.get("current"))].append(
            time.perf_counter() - t)
        return r
    nn_ops._matmul = timed_matmul
    clock = time.perf_counter
    try:
        for i in range(warmup + steps):
            if i == warmup:
                log.clear()
                shapes.clear()
            order.clear()
            t0 = clock()
            opt.zero_grad()
            t1 = clock()
            out = model(x)
            t2 = clock()
            loss = gg.nn.functional.cross_entropy(out, y)
            t3 = clock()
            loss.backward()
            t4 = clock()
            if optimizer:
                opt.step()
            t5 = clock()
            for label, a, b in (("zero_grad", t0, t1), ("loss", t2, t3), ("optimizer step", t4, t5),
                                ("whole step", t0, t5)):
                log[(label, 0)].append(b - a)
    finally:
        nn_ops._matmul = matmul
        for cls, name, orig in restore:
            setattr(cls, name, orig)

    def per_step(samples):
        return statistics.median(samples) * len(samples) / steps * 1e3

    rows = []
    for label in ("whole step", "Linear forward", "Linear backward", "BiasAct forward", "BiasAct backward", "loss",
                  "optimizer step", "zero_grad"):
        keys = [k for k in log if k[0] == label]
        if keys:
            n = len(keys)
            rows.append({"part": f"{label} (x{n})" if n > 1 else label, "calls per step": n,
                         "ms per step": sum(per_step(log[k]) for k in keys)})
    inside = sum(per_step(v) for v in shapes.values())
    alone = sum(_alone(*k) * len(v) / steps * 1e3 for k, v in shapes.items())
    rows.append({"part": "the matmuls, in the step", "calls per step": sum(len(v) for v in shapes.values()) // steps,
                 "ms per step": inside})
    rows.append({"part": "the same matmuls alone", "calls per step": "", "ms per step": alone})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m gpugrad.bench.op_timeline", description=__doc__.split("\n")[0])
    ap.add_argument("--act", default="ReLU")
    ap.add_argument("--batches", default="32,128,1024")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--no-optimizer", action="store_true", help="leave Adam's step out of every step")
    args = ap.parse_args(argv)
    from .kernels import _print
    from .mlp import machine
    info = machine()
    print(f"machine: {info['cores']} cores, {info['simd']}, BLAS {info['blas']}, load average {info['load average']}",
          flush=True)
    for batch in (int(b) for b in args.batches.split(",")):
        print(f"== {args.act} MLP step, batch {batch}")
        _print(timeline(args.act, batch, steps=args.steps, warmup=max(args.steps // 2, 10),
                        optimizer=not args.no_optimizer))


if __name__ == "__main__":
    main()
