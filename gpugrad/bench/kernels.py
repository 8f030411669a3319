"""Fused kernels against their references (and PyTorch), side by side in one run.

* Adam / AdamW over 10M float32 parameters in 100 tensors: the fused step (one call over flat buffers: Numba
  on the CPU, one CUDA launch on a GPU) vs the NumPy reference on the same flat buffers vs PyTorch's
  ``Adam(fused=True)`` on the 100 tensors. GB/s count 28 bytes per parameter (read p, g, m, v; write p, m, v).
* Activations, forward + backward, fused (one pass each) vs the reference (NumPy/CuPy temporaries) at 1M-16M
  elements. GB/s count 20 bytes per element (forward reads x, writes y; backward reads g and the saved value,
  writes dx): the traffic of the fused pair, so the figures compare as throughput.
* ``--mlp``: one training step of a 784-512-512-10 ReLU MLP (cross-entropy, Adam), fused kernels on and off,
  and PyTorch, at batch 32, 128 and 1024.
* ``--after-matmul``: a bias + activation kernel right after a threaded matmul and 0.12 s later, on one thread
  and on two (why the kernels stay on one thread while the BLAS's workers spin: ``kernels._blas.crowded``).
* ``--adam-floor``: the Adam step over the benchmarked MLP's 670k parameters (one flat buffer, one thread) against
  a loop that streams the same memory without the square root and the two divisions: what is left to win.
* ``--crossover``: the reference/Numba time ratio per size, from which ``activation.NUMBA_SIZES``,
  ``softmax_ce.NUMBA_MIN_ELEMENTS`` and ``optim.NUMBA_MIN_SIZE`` were set.

Every figure is a best-of-N (see :func:`gpugrad.bench.overhead.time_us`).

    python -m gpugrad.bench.kernels                 # the tables (add --device cuda on a GPU)
    python -m gpugrad.bench.kernels --quick         # smaller sizes, for a smoke run
    python -m gpugrad.bench.kernels --crossover
    python -m gpugrad.bench.kernels --after-matmul
    python -m gpugrad.bench.kernels --adam-floor
    python -m gpugrad.bench.kernels --mlp           # the 784-512-512-10 MLP training step, batch 32/128/1024
"""
from __future__ import annotations

import argparse

import numpy as np

from .overhead import time_us, blas_threads

__all__ = ["run", "adam_rows", "adam_floor_rows", "activation_rows", "mlp_rows", "crossover_rows", "after_matmul_rows",
           "main"]

ADAM_BYTES = 28        # per parameter: p, g, m, v read (16) + p, m, v written (12)
ACT_BYTES = 20         # per element: x read, y written; g and saved read, dx written (float32)


def _module(device):
    if device == "cpu":
        return np, (lambda: None), "numba"
    import cupy
    return cupy, cupy.cuda.get_current_stream().synchronize, "cuda"


def adam_rows(n_params=10_000_000, n_tensors=100, repeat=5, device="cpu", sample_s=0.05):
    from ..kernels.optim import adam_step
    xp, sync, fused_impl = _module(device)
    rng = np.random.default_rng(0)
    size = n_params // n_tensors
    n = size * n_tensors
    rows = []
    try:
        import torch
    except ImportError:
        torch = None
    for name, decoupled, wd in (("Adam", False, 0.0), ("AdamW", True, 0.01)):
        opts = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=wd, decoupled_weight_decay=decoupled,
                    amsgrad=False, maximize=False)
        p0 = rng.standard_normal(n, dtype=np.float32)
        g0 = rng.standard_normal(n, dtype=np.float32)
        state = {impl: [xp.asarray(p0), xp.asarray(g0), xp.zeros(n, np.float32), xp.zeros(n, np.float32), [0]]
                 for impl in (fused_impl, "reference")}

        def stepper(impl):
            p, g, m, v, count = state[impl]

            def step():
                count[0] += 1
                adam_step(p, g, m, v, None, step=count[0], impl=impl, **opts)
                sync()
            return step

        fns = [stepper(fused_impl), stepper("reference")]
        labels = [f"fused ({fused_impl}, one call)", "NumPy reference (flat)" if device == "cpu"
                  else "CuPy reference (flat)"]
        if torch is not None and device == "cpu":
            params = [torch.tensor(p0[i * size:(i + 1) * size], requires_grad=True) for i in range(n_tensors)]
            for i, t in enumerate(params):
                t.grad = torch.tensor(g0[i * size:(i + 1) * size])
            cls = torch.optim.AdamW if decoupled else torch.optim.Adam
            opt = cls(params, lr=1e-3, weight_decay=wd, fused=True)
            fns.append(opt.step)
            labels.append(f"PyTorch {cls.__name__}(fused=True), {n_tensors} tensors, "
                          f"{torch.get_num_threads()} threads")
        us = time_us(fns, repeat=repeat, sample_s=sample_s)
        for label, t in zip(labels, us):
            rows.append({"bench": f"{name} step, {n / 1e6:g}M params", "impl": label, "ms": t / 1e3,
                         "GB/s": ADAM_BYTES * n / (t * 1e3), "x reference": us[1] / t})
    return rows


def _adam_traffic():
    """A Numba loop with Adam's memory traffic (read p, g, m, v; write p, m, v) and its multiply-adds, but no
    square root or division: the floor under the Adam kernel on this machine."""
    from numba import njit

    @njit(nogil=True, cache=False, error_model="numpy")
    def traffic(p, g, m, v, one_minus_beta1, beta2, one_minus_beta2, step_size):
        for i in range(p.size):
            mi = m[i] + one_minus_beta1 * (g[i] - m[i])
            vi = beta2 * v[i] + one_minus_beta2 * g[i] * g[i]
            m[i] = mi
            v[i] = vi
            p[i] = p[i] - step_size * mi * vi
    return traffic


def adam_floor_rows(n=669_706, repeat=7, sample_s=0.05):
    """The CPU Adam kernel over ``n`` float32 parameters (the MLP 784-512-512-10's count) on one thread, next to
    :func:`_adam_traffic`'s loop over the same buffers: their difference is what the square root and the two
    divisions per parameter cost; the loop's time is the memory floor."""
    import numba
    from ..kernels.optim import adam_step
    rng = np.random.default_rng(0)
    p, g = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32) * 1e-3
    m, v = np.zeros(n, np.float32), np.zeros(n, np.float32)
    traffic = _adam_traffic()
    f32 = np.float32
    count = [0]

    def adam():
        count[0] += 1
        adam_step(p, g, m, v, None, step=count[0], lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                  decoupled_weight_decay=False, amsgrad=False, maximize=False, impl="numba")

    def floor():
        traffic(p, g, m, v, f32(0.1), f32(0.999), f32(0.001), f32(1e-9))
    prev = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        a, f = time_us([adam, floor], repeat=repeat, sample_s=sample_s)
    finally:
        numba.set_num_threads(prev)
    return [{"bench": f"Adam step, {n} params, one thread", "impl": label, "ms": t / 1e3,
             "GB/s": ADAM_BYTES * n / (t * 1e3)}
            for label, t in (("gpugrad's kernel", a), ("the same traffic, no sqrt or division", f))]


ACT_KINDS = ("relu", "leaky_relu", "gelu", "silu", "sigmoid", "tanh")


def activation_rows(sizes=(1 << 20, 1 << 22, 1 << 24), kinds=ACT_KINDS, repeat=3, device="cpu", sample_s=0.05):
    from ..kernels import activation as A
    xp, sync, fused_impl = _module(device)
    rng = np.random.default_rng(1)
    rows = []
    for n in sizes:
        x = xp.asarray(rng.standard_normal(n, dtype=np.float32))
        g = xp.asarray(rng.standard_normal(n, dtype=np.float32))
        for kind in kinds:
            def pair(impl, kind=kind):
                def run():
                    _, s = A.act_forward(x, kind, 0.01, impl=impl)
                    A.act_backward(g, s, kind, 0.01, impl=impl)
                    sync()
                return run
            fused, ref = time_us([pair(fused_impl), pair("reference")], repeat=repeat, sample_s=sample_s)
            auto = fused_impl if device != "cpu" or A._numba_wins(kind, n) else "reference"
            for label, t in ((f"fused ({fused_impl})", fused), ("reference", ref)):
                rows.append({"bench": f"{kind} fwd+bwd, {n / 2**20:g}M", "impl": label, "ms": t / 1e3,
                             "GB/s": ACT_BYTES * n / (t * 1e3), "x reference": ref / t,
                             "auto picks": auto})
    return rows


def mlp_rows(batches=(32, 128, 1024), repeat=5, device="cpu", sample_s=0.1, threads=1):
    """One training step (zero_grad, forward, cross-entropy, backward, Adam) of a 784-512-512-10 ReLU MLP:
    gpugrad with its fused kernels (the default), gpugrad with them off (``use_fused(False)`` and
    ``Adam(fused=False)``: the references, per-parameter Adam), and PyTorch (its default Adam), in ms.

    BLAS, PyTorch and Numba run on ``threads`` threads (default 1; None keeps the libraries' defaults): on
    the shared 2-core machine two-thread OpenBLAS swung the same step between 3 ms and 190 ms as other
    processes took the second core, which no best-of-N can undo."""
    import numba
    prev = numba.get_num_threads()
    try:
        with blas_threads(threads):
            if threads:
                numba.set_num_threads(threads)
            return _mlp_rows(batches, repeat, device, sample_s)
    finally:
        numba.set_num_threads(prev)


def _mlp_rows(batches, repeat, device, sample_s):
    import gpugrad as gg
    from gpugrad import nn, optim
    from ..kernels import use_fused
    _, sync, _ = _module(device)
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(3)
    rows = []
    for batch in batches:
        xa = rng.standard_normal((batch, 784), dtype=np.float32)
        ya = rng.integers(0, 10, batch)

        def gg_step(fused):
            gg.manual_seed(0)
            model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                                  nn.Linear(512, 10)).to(device)
            opt = optim.Adam(model.parameters(), lr=1e-3, fused=fused)
            x, y = gg.tensor(xa, device=device), gg.tensor(ya, device=device)

            def step():
                with use_fused(fused):
                    opt.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    opt.step()
                sync()
            return step

        fns = [gg_step(True), gg_step(False)]
        labels = ["gpugrad, fused kernels", "gpugrad, references (use_fused(False), Adam(fused=False))"]
        if torch is not None and device == "cpu":
            torch.manual_seed(0)
            tm = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
                                     torch.nn.ReLU(), torch.nn.Linear(512, 10))
            topt = torch.optim.Adam(tm.parameters(), lr=1e-3)
            tx, ty = torch.from_numpy(xa), torch.from_numpy(ya)

            def torch_step():
                topt.zero_grad()
                torch.nn.functional.cross_entropy(tm(tx), ty).backward()
                topt.step()
            fns.append(torch_step)
            labels.append(f"PyTorch (Adam default, {torch.get_num_threads()} threads)")
        us = time_us(fns, repeat=repeat, sample_s=sample_s)
        for label, t in zip(labels, us):
            rows.append({"bench": f"MLP 784-512-512-10 step, batch {batch}", "impl": label, "ms": t / 1e3,
                         "x references": us[1] / t})
    return rows


def crossover_rows(repeat=5):
    """Reference time / Numba time (above 1: Numba wins) per size, CPU."""
    from ..kernels import activation as A, softmax_ce as S, optim as O
    rng = np.random.default_rng(2)
    rows = []
    for n in (256, 1024, 4096, 16384, 65536, 262144, 1 << 20):
        x = rng.standard_normal(n, dtype=np.float32)
        g = rng.standard_normal(n, dtype=np.float32)
        row = {"size": n}
        for kind in A.ACTIVATIONS:
            a, b = (1.0, 20.0) if kind == "softplus" else (0.01, 0.0)

            def pair(impl, kind=kind, a=a, b=b):
                def run():
                    _, s = A.act_forward(x, kind, a, b, impl=impl)
                    A.act_backward(g, s, kind, a, b, impl=impl)
                return run
            numba_t, ref_t = time_us([pair("numba"), pair("reference")], repeat=repeat, sample_s=0.02)
            row[kind] = ref_t / numba_t
        bufs = [x.copy(), g, np.zeros(n, np.float32), np.zeros(n, np.float32)]
        opts = dict(step=1, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                    decoupled_weight_decay=False, amsgrad=False, maximize=False)
        numba_t, ref_t = time_us([lambda: O.adam_step(*bufs, None, impl="numba", **opts),
                                  lambda: O.adam_step(*bufs, None, impl="reference", **opts)],
                                 repeat=repeat, sample_s=0.02)
        row["adam_step"] = ref_t / numba_t
        rows.append(row)
    for n, c in ((4, 10), (32, 10), (128, 10), (1024, 10), (1024, 1000), (8192, 100)):
        x = rng.standard_normal((n, c), dtype=np.float32)
        t = rng.integers(0, c, n)
        ones = np.ones(n, np.float32)

        def ce(impl):
            def run():
                _, m, ls = S.ce_forward(x, t, -100, 0.1, impl=impl)
                S.ce_backward(x, t, m, ls, ones, -100, 0.1, impl=impl)
            return run
        numba_t, ref_t = time_us([ce("numba"), ce("reference")], repeat=repeat, sample_s=0.02)
        rows.append({"size": f"{n}x{c}", "softmax_ce": ref_t / numba_t})
    return rows


def after_matmul_rows(kinds=("silu", "gelu"), rounds=40, rows=1024, cols=512):
    """A bias + activation kernel pair on (``rows``, ``cols``) float32 right after a threaded matmul (as inside
    a training step) and 0.12 s later, on one thread and split over two: the figures behind
    :func:`gpugrad.kernels._blas.crowded`. Medians of ``rounds`` alternating calls, in ms (CPU only).

    >>> r = after_matmul_rows(kinds=("relu",), rounds=1, rows=4, cols=8)
    >>> sorted(r[0])[:3]
    ['kernel', 'one thread, 0.12 s later', 'one thread, right after']
    """
    import statistics
    import time
    from ..kernels import _activation32 as K
    from ..kernels.activation import SPEC
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, cols), dtype=np.float32)
    g = rng.standard_normal((rows, cols), dtype=np.float32)
    b = rng.standard_normal(cols, dtype=np.float32)
    y, dx, db = np.empty_like(x), np.empty_like(x), np.empty(cols, np.float32)
    a_, w_ = rng.random((1024, 784), dtype=np.float32), rng.random((512, 784), dtype=np.float32)
    p0, p1 = np.float32(0.01), np.float32(20.0)
    out = []
    for kind in kinds:
        code = SPEC[kind][1]
        fwd, bwd = K.KERNELS[code]
        calls = {("forward", "one thread"): lambda: fwd(x, b, y, p0, p1),
                 ("forward", "two threads"): lambda: K.act_fwd(x, b, y, code, p0, p1, split=True),
                 ("backward", "one thread"): lambda: bwd(g, x, b, dx, db, p0, p1),
                 ("backward", "two threads"): lambda: K.act_bwd(g, x, b, dx, db, code, p0, p1, split=True)}
        times = {(k, when): [] for k in calls for when in ("right after", "0.12 s later")}
        for _ in range(rounds):
            for key, fn in calls.items():
                a_ @ w_.T
                t0 = time.perf_counter()
                fn()
                times[(key, "right after")].append(time.perf_counter() - t0)
                time.sleep(0.12)
                t0 = time.perf_counter()
                fn()
                times[(key, "0.12 s later")].append(time.perf_counter() - t0)
        for step in ("forward", "backward"):
            row = {"kernel": f"bias + {kind} {step}, ({rows}, {cols})"}
            for threads in ("one thread", "two threads"):
                for when in ("right after", "0.12 s later"):
                    row[f"{threads}, {when}"] = statistics.median(times[((step, threads), when)]) * 1e3
            out.append(row)
    return out


def run(quick=False, device="cpu", mlp=False):
    """The table rows: Adam/AdamW steps, then the activations (or, with ``mlp``, the MLP training step)."""
    if mlp:
        return mlp_rows(batches=(32,) if quick else (32, 128, 1024), repeat=2 if quick else 9, device=device)
    if quick:
        return (adam_rows(n_params=1_000_000, n_tensors=10, repeat=2, device=device)
                + activation_rows(sizes=(1 << 18,), kinds=("relu", "gelu"), repeat=2, device=device))
    return adam_rows(device=device) + activation_rows(device=device)


def _print(rows):
    cols = list(dict.fromkeys(k for r in rows for k in r))
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, "")
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        print("| " + " | ".join(cells) + " |")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m gpugrad.bench.kernels", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--crossover", action="store_true", help="reference/Numba ratios per size (CPU)")
    ap.add_argument("--mlp", action="store_true", help="the MLP training step instead of the kernel tables")
    ap.add_argument("--after-matmul", action="store_true",
                    help="activation kernels on one and two threads right after a matmul (CPU)")
    ap.add_argument("--adam-floor", action="store_true",
                    help="the MLP's Adam step against a loop with its memory traffic and no divisions (CPU)")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = ap.parse_args(argv)
    if args.adam_floor:
        return _print(adam_floor_rows())
    if args.after_matmul:
        return _print(after_matmul_rows())
    _print(crossover_rows() if args.crossover else run(quick=args.quick, device=args.device, mlp=args.mlp))


if __name__ == "__main__":
    main()
