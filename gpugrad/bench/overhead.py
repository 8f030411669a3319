"""Per-op overhead: gpugrad against hand-written NumPy doing the same math, in the same run (and PyTorch
side by side when it is installed).

On tiny arrays the time is almost all Python bookkeeping (building the node, the backward walk), so the
ratio to NumPy is the price of autodiff per op; on the MLP the BLAS calls dominate and the ratio should
approach 1. Each figure is the best of several samples (the machines are shared; the minimum is the least
disturbed estimate of the cost), in microseconds per call.

    python -m gpugrad.bench.overhead            # the table
    python -m gpugrad.bench.overhead --quick    # fewer samples, for a smoke run
"""
from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np

__all__ = ["run", "workloads", "time_us", "main"]


def _calls_per_sample(fn, sample_s, timer):
    n = 1
    while True:
        t0 = timer()
        for _ in range(n):
            fn()
        dt = timer() - t0
        if dt >= sample_s / 4:
            return max(1, int(n * sample_s / dt))
        n *= 2


def time_us(fns, repeat=7, sample_s=0.05, timer=time.perf_counter):
    """Best-of-``repeat`` microseconds per call of each of ``fns``. The functions are sampled in turn
    (round robin), so a burst of load on a shared machine hits all of them alike; each sample runs enough
    calls to last ``sample_s`` seconds, so the timer's resolution does not matter."""
    for fn in fns:
        fn()                                # warm up (first-call imports, JIT, BLAS thread start)
    counts = [_calls_per_sample(fn, sample_s, timer) for fn in fns]
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, (fn, n) in enumerate(zip(fns, counts)):
            t0 = timer()
            for _ in range(n):
                fn()
            best[i] = min(best[i], (timer() - t0) / n)
    return [b * 1e6 for b in best]


# -- the workloads: each gives the same computation three ways ------------------------------------------------
def _tiny(n=8):
    import gpugrad as gg
    rng = np.random.default_rng(0)
    xa, wa = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    x, w_const = gg.tensor(xa), gg.tensor(wa)
    w = gg.tensor(wa, requires_grad=True)

    def gg_step():                          # forward, backward, and a fresh .grad as zero_grad would leave
        (x * w).sum().backward()
        w.grad = None

    def np_step():                          # y = x w, s = sum(y); ds/dy = 1, ds/dw = x * 1
        s = (xa * wa).sum()
        gy = np.ones_like(xa)
        return s, gy * xa

    out = {
        f"mul, {n} elements, no graph": (lambda: xa * wa, lambda: x * w_const),
        f"mul, {n} elements, recorded": (lambda: xa * wa, lambda: x * w),
        f"(x*w).sum().backward(), {n} elements": (np_step, gg_step),
    }
    torch = _torch()
    if torch is not None:
        tx, tc = torch.from_numpy(xa), torch.from_numpy(wa.copy())
        tw = torch.from_numpy(wa.copy()).requires_grad_()

        def t_step():
            (tx * tw).sum().backward()
            tw.grad = None
        torch_fns = [lambda: tx * tc, lambda: tx * tw, t_step]
        out = {k: v + (t,) for (k, v), t in zip(out.items(), torch_fns)}
    return out


def _mlp(batch, sizes=(784, 512, 512, 10), with_torch=True):
    """A 784-512-512-10 ReLU MLP with softmax cross-entropy: forward and backward of one batch."""
    import gpugrad as gg
    from gpugrad.nn import functional as F
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    ya = rng.integers(0, sizes[-1], batch)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((fan_out, fan_in), dtype=np.float32) / np.float32(np.sqrt(fan_in)),
                       np.zeros(fan_out, np.float32)))

    def np_step():
        # forward: z_i = h_{i-1} W_i^T + b_i, h_i = max(z_i, 0); p = softmax(z_L); loss = mean(-log p[y])
        hs, zs = [xa], []
        for i, (w, b) in enumerate(params):
            z = hs[-1] @ w.T + b
            zs.append(z)
            if i < len(params) - 1:
                hs.append(np.maximum(z, 0))
        z = zs[-1] - zs[-1].max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(batch), ya]).mean()
        # backward: dz_L = (p - onehot(y)) / N; dW = dz^T h; db = sum dz; dh = dz W; dz = dh [z > 0]
        dz = p
        dz[np.arange(batch), ya] -= 1
        dz /= batch
        grads = []
        for i in range(len(params) - 1, -1, -1):
            w, _ = params[i]
            grads.append((dz.T @ hs[i], dz.sum(axis=0)))
            if i:
                dz = (dz @ w) * (zs[i - 1] > 0)
        return loss, grads

    gparams = [(gg.tensor(w, requires_grad=True), gg.tensor(b, requires_grad=True)) for w, b in params]
    fns = (np_step, _autograd_step(F, gg.tensor(xa), gg.tensor(ya), gparams))
    torch = _torch() if with_torch else None
    if torch is not None:
        tparams = [(torch.from_numpy(w.copy()).requires_grad_(), torch.from_numpy(b.copy()).requires_grad_())
                   for w, b in params]
        fns += (_autograd_step(torch.nn.functional, torch.from_numpy(xa), torch.from_numpy(ya), tparams),)
    return {f"MLP {'-'.join(map(str, sizes))} fwd+bwd, batch {batch}": fns}


def _autograd_step(F, x, y, params):
    """One forward and backward of the MLP through a PyTorch-like library (gpugrad or PyTorch: the same
    code for both); returns the loss and the gradients, last layer first (as the NumPy step)."""
    def step():
        h = x
        for i, (w, b) in enumerate(params):
            h = F.linear(h, w, b)
            if i < len(params) - 1:
                h = F.relu(h)
        loss = F.cross_entropy(h, y)
        loss.backward()
        grads = [(w.grad, b.grad) for w, b in reversed(params)]
        for w, b in params:
            w.grad = b.grad = None
        return loss, grads
    return step


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def workloads():
    """{name: (numpy_fn, gpugrad_fn[, torch_fn])}, each fn doing the same math."""
    out = _tiny()
    for batch in (32, 128):
        out.update(_mlp(batch))
    return out


@contextlib.contextmanager
def blas_threads(n):
    """Run NumPy's BLAS (through threadpoolctl, when installed) and PyTorch on ``n`` threads; None leaves
    them alone."""
    torch = _torch() if n is not None else None
    prev = torch.get_num_threads() if torch is not None else None
    with contextlib.ExitStack() as stack:
        if n is not None:
            try:
                from threadpoolctl import threadpool_limits
                stack.enter_context(threadpool_limits(limits=n))
            except ImportError:
                pass
            if torch is not None:
                torch.set_num_threads(n)
        try:
            yield
        finally:
            if prev is not None:
                torch.set_num_threads(prev)


def run(repeat=7, sample_s=0.05, threads=1):
    """One row per workload: microseconds per call for NumPy, gpugrad (and PyTorch), and the ratios to
    NumPy measured in this run.

    By default BLAS (NumPy's and PyTorch's) runs on one thread and every figure is the calling thread's CPU
    time: the ratio then measures gpugrad's own overhead, and a shared, loaded machine (where spinning BLAS
    threads and descheduling swamp a 2-core box) does not move it. ``threads=None`` keeps the libraries'
    default thread counts and times the MLP rows in wall time."""
    rows = []
    with blas_threads(threads):
        for name, fns in workloads().items():
            timer = time.perf_counter if threads != 1 and name.startswith("MLP") else time.thread_time
            rows.append(_row(name, time_us(fns, repeat, sample_s, timer)))
    return rows


def _row(name, times):
    t_np, t_gg = times[0], times[1]
    row = {"workload": name, "numpy_us": round(t_np, 2), "gpugrad_us": round(t_gg, 2),
           "gpugrad/numpy": round(t_gg / t_np, 2)}
    if len(times) > 2:
        row.update({"torch_us": round(times[2], 2), "torch/numpy": round(times[2] / t_np, 2)})
    else:
        row.update({"torch_us": "-", "torch/numpy": "-"})
    return row


def markdown(rows):
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gpugrad.bench.overhead", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="3 short samples per figure (a smoke run)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS threads for NumPy and PyTorch (default 1; 0 keeps the libraries' defaults)")
    args = p.parse_args(argv)
    threads = args.threads or None
    rows = run(repeat=3, sample_s=0.01, threads=threads) if args.quick else run(threads=threads)
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
