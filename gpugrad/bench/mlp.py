"""gpugrad against PyTorch, in separate processes run in turn: the MLP training step for every activation and
batch size, activation forward + backward at 1M and 16M elements, softmax + cross-entropy.

* MLP 784-512-512-10 (two hidden layers with the activation), cross-entropy, Adam, float32: one step is
  zero_grad, forward, loss, backward, optimizer step. PyTorch runs ``Adam(fused=True)``; both libraries keep
  their default initialization and threads.
* Activations: ``F.<act>(x)`` forward and its autograd backward (``y.backward(g)``) on 1M and 16M float32.
* Softmax + cross-entropy forward and backward at (1024, 10) and (256, 1000).

gpugrad and PyTorch each run in a child process (``python -m gpugrad.bench.mlp --worker ...``) that builds its
cases once; the two take turns (:mod:`gpugrad.bench.turns`): a burst of about 0.5 s of one case in one
library, then the same case in the other (who goes first alternates), so that the two halves of each ratio
are measured a second apart on a shared machine. The table shows the medians of the bursts and the median of
the per-pair ratios (below 1: gpugrad is faster) over 10 pairs: 5 rounds in each of 2 pairs of processes.
Separate processes, because two libraries' thread pools in one process fight over the cores.

    gpugrad bench mlp                          # the whole table (a few minutes)
    gpugrad bench mlp --quick                  # ReLU and GELU at batch 32, 2 pairs: a smoke run
    python -m gpugrad.bench.mlp --breakdown    # where the ReLU step's time goes, phase by phase
    python -m gpugrad.bench.mlp --pairs 20     # more pairs
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from .turns import alternate, serve

ACTIVATIONS = ("ReLU", "GELU", "Tanh", "Sigmoid", "SiLU")
BATCHES = (32, 128, 1024)
ACT_SIZES = (1 << 20, 1 << 24)
CE_SHAPES = ((1024, 10), (256, 1000))

__all__ = ["run", "breakdown", "machine", "simd_level", "main"]


def simd_level() -> str:
    """The widest x86 SIMD extension the CPU reports (``/proc/cpuinfo`` flags), or the machine name.

    >>> isinstance(simd_level(), str)
    True
    """
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2")):
        if flag in flags:
            return name + (" (+FMA)" if "fma" in flags and name != "AVX-512" else "")
    import platform
    return platform.machine()


def machine() -> dict:
    """What the figures depend on: CPU cores and SIMD level, NumPy's BLAS and its threads, load average.

    >>> sorted(machine())[:2]
    ['blas', 'cores']
    """
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                blas = (f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')} kernels, "
                        f"{info.get('num_threads')} threads)")
    except ImportError:
        pass
    return {"cores": os.cpu_count(), "simd": simd_level(), "blas": blas,
            "load average": " ".join(f"{v:.1f}" for v in os.getloadavg())}


# -- the children ------------------------------------------------------------------------------------------------
def _median_ms(fn, sync, budget_s, min_calls=5, warmup=3):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _lib(name, device):
    if name == "torch":
        import torch
        dev = torch.device(device)
        sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
        return torch, dev, sync
    import gpugrad
    sync = (lambda: None)
    if device != "cpu":
        import cupy
        sync = cupy.cuda.get_current_stream().synchronize
    return gpugrad, device, sync


def _setup(T, lib, dev, act, batch, rng):
    """The benchmarked MLP 784-512-512-10 with ``act``, its Adam (PyTorch's fused), and one batch."""
    T.manual_seed(0)
    A = getattr(T.nn, act)
    model = T.nn.Sequential(T.nn.Linear(784, 512), A(), T.nn.Linear(512, 512), A(), T.nn.Linear(512, 10)).to(dev)
    opt = T.optim.Adam(model.parameters(), lr=1e-3, **({"fused": True} if lib == "torch" else {}))
    x = T.tensor(rng.standard_normal((batch, 784), dtype=np.float32), device=dev)
    y = T.tensor(rng.integers(0, 10, batch), device=dev)
    return model, opt, x, y


def _cases_mlp(lib, act, batches, device):
    """{batch: one training step} for ``act`` at every batch size, and the device's sync."""
    T, dev, sync = _lib(lib, device)
    rng = np.random.default_rng(0)
    cases = {}
    for batch in batches:
        model, opt, x, y = _setup(T, lib, dev, act, batch, rng)

        def step(model=model, opt=opt, x=x, y=y):
            opt.zero_grad()
            T.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        cases[f"MLP 784-512-512-10 step, {act}, batch {batch}"] = step
    return cases, sync


PHASES = ("zero_grad", "forward", "loss", "backward", "optimizer step", "whole step")


def _worker_phases(lib, act, batches, device, budget_s):
    """Median ms of each phase of the step (timed inside one step each time), and, for gpugrad on the CPU, of
    the step's matmuls alone on NumPy arrays of the same shapes: what the step costs beyond the BLAS."""
    import time
    T, dev, sync = _lib(lib, device)
    rng = np.random.default_rng(0)
    out = {}
    for batch in batches:
        model, opt, x, y = _setup(T, lib, dev, act, batch, rng)
        samples = {k: [] for k in PHASES}
        clock = time.perf_counter
        start = None
        while start is None or clock() - start < budget_s * 3 or len(samples["whole step"]) < 20:
            t0 = clock(); opt.zero_grad(); sync()
            t1 = clock(); out_ = model(x); sync()
            t2 = clock(); loss = T.nn.functional.cross_entropy(out_, y); sync()
            t3 = clock(); loss.backward(); sync()
            t4 = clock(); opt.step(); sync()
            t5 = clock()
            if start is None:          # the first step warms up
                start = t5
                continue
            for k, a, b in zip(PHASES, (t0, t1, t2, t3, t4, t0), (t1, t2, t3, t4, t5, t5)):
                samples[k].append((b - a) * 1e3)
        for k in PHASES:
            out[f"batch {batch}: {k}"] = statistics.median(samples[k])
        if lib == "gpugrad" and device == "cpu":
            out[f"batch {batch}: its matmuls alone (NumPy)"] = _matmuls_alone(batch, rng, budget_s)
    return out


def _matmuls_alone(batch, rng, budget_s):
    """The step's 8 matmuls (3 forward; weight and input gradients, none for the first layer's input) on NumPy,
    with the BLAS threads gpugrad's Linear would choose."""
    from ..kernels._blas import prepare
    x = rng.standard_normal((batch, 784), dtype=np.float32)
    ws = [rng.standard_normal(s, dtype=np.float32) for s in ((512, 784), (512, 512), (10, 512))]
    hs = [x, rng.standard_normal((batch, 512), dtype=np.float32), rng.standard_normal((batch, 512), dtype=np.float32)]
    gs = [rng.standard_normal((batch, w.shape[0]), dtype=np.float32) for w in ws]
    outs = [np.empty(w.shape, np.float32) for w in ws]

    def matmuls():
        for h, w in zip(hs, ws):
            prepare(batch, w.shape[1], w.shape[0])
            h @ w.T
        for i in (2, 1, 0):
            prepare(batch, ws[i].shape[1], ws[i].shape[0])
            if i:
                gs[i] @ ws[i]
            np.matmul(gs[i].T, hs[i], out=outs[i])
    return _median_ms(matmuls, lambda: None, budget_s)


def _cases_kernels(lib, device):
    """{row label: one forward + backward} of every activation at 1M and 16M elements and of softmax-CE."""
    T, dev, sync = _lib(lib, device)
    F = T.nn.functional
    rng = np.random.default_rng(1)
    cases = {}
    fns = {"ReLU": F.relu, "GELU": F.gelu, "Tanh": T.tanh, "Sigmoid": T.sigmoid, "SiLU": F.silu}
    for n in ACT_SIZES:
        xa = rng.standard_normal(n, dtype=np.float32)
        g = T.tensor(rng.standard_normal(n, dtype=np.float32), device=dev)
        for act, fn in fns.items():
            x = T.tensor(xa, device=dev, requires_grad=True)

            def fwd_bwd(x=x, fn=fn, g=g):
                x.grad = None
                fn(x).backward(g)
            cases[f"{act} fwd+bwd, {n >> 20}M"] = fwd_bwd
    for n, c in CE_SHAPES:
        x = T.tensor(rng.standard_normal((n, c), dtype=np.float32), device=dev, requires_grad=True)
        t = T.tensor(rng.integers(0, c, n), device=dev)

        def ce(x=x, t=t):
            x.grad = None
            F.cross_entropy(x, t).backward()
        cases[f"softmax-CE fwd+bwd, ({n}, {c})"] = ce
    return cases, sync


def _child(args):
    if args.what == "phases":
        res = _worker_phases(args.lib, args.act, [int(b) for b in args.batches.split(",")], args.device, args.budget)
        print(json.dumps(res))
        return
    if args.what == "mlp":
        cases, sync = _cases_mlp(args.lib, args.act, [int(b) for b in args.batches.split(",")], args.device)
    else:
        cases, sync = _cases_kernels(args.lib, args.device)
    serve(cases, sync)


def _command(lib, what, device, budget=1.0, act=None, batches=()):
    cmd = [sys.executable, "-m", "gpugrad.bench.mlp", "--worker", lib, "--what", what, "--device", device,
           "--budget", str(budget)]
    if act:
        cmd += ["--act", act, "--batches", ",".join(map(str, batches))]
    return cmd


def _turns(what, device, procs, rounds, burst_s, act=None, batches=()):
    """{label: ([gpugrad ms], [torch ms])}: ``procs`` pairs of children, one after the other, each pair taking
    ``rounds`` alternating bursts per case (:func:`gpugrad.bench.turns.alternate`)."""
    runs = {}
    for i in range(procs):
        libs = ("gpugrad", "torch") if i % 2 == 0 else ("torch", "gpugrad")
        got = alternate({lib: _command(lib, what, device, act=act, batches=batches) for lib in libs},
                        rounds=rounds, burst_s=burst_s)
        for key, per in got.items():
            g, t = runs.setdefault(key, ([], []))
            g += per["gpugrad"]
            t += per["torch"]
    return runs


def _spawn(lib, what, device, budget, act=None, batches=()):
    cmd = _command(lib, what, device, budget, act, batches)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(f"bench mlp: the {lib} child ({' '.join(cmd[3:])}) failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _pairs(what, device, pairs, budget, act=None, batches=()):
    """{label: ([gpugrad ms], [torch ms])} over ``pairs`` alternating pairs of children (who starts alternates)."""
    runs = {}
    for i in range(pairs):
        order = ("gpugrad", "torch") if i % 2 == 0 else ("torch", "gpugrad")
        got = {lib: _spawn(lib, what, device, budget, act, batches) for lib in order}
        for key in got["gpugrad"]:
            g, t = runs.setdefault(key, ([], []))
            g.append(got["gpugrad"][key])
            if key in got["torch"]:           # (gpugrad-only rows: the breakdown's matmuls alone)
                t.append(got["torch"][key])
    return runs


def _row(bench, g, t):
    ratios = [a / b for a, b in zip(g, t)]
    return {"bench": bench, "gpugrad ms": statistics.median(g), "PyTorch ms": statistics.median(t),
            "ratio (median of pairs)": statistics.median(ratios), "ratio range": f"{min(ratios):.2f}-{max(ratios):.2f}",
            "pairs": len(ratios)}


def run(quick=False, device="cpu", pairs=None, activations=ACTIVATIONS, batches=BATCHES, kernels=True, procs=None):
    """The table rows (see the module docstring); needs PyTorch. ``pairs``: paired bursts per cell (default 10),
    spread over ``procs`` pairs of child processes (default 2). ``quick``: ReLU and GELU at batch 32 only,
    2 pairs in one pair of processes, no kernel rows."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise RuntimeError("bench mlp compares against PyTorch, which is not installed (pip install torch)") from None
    if device != "cpu":
        device = "cuda" if device == "auto" else device
    if quick:
        activations, batches, kernels = ("ReLU", "GELU"), (32,), False
    pairs = pairs or (2 if quick else 10)
    procs = min(procs or (1 if quick else 2), pairs)
    rounds = -(-pairs // procs)
    burst = 0.2 if quick else 0.5
    info = machine()
    print(f"machine: {info['cores']} cores, {info['simd']}, BLAS {info['blas']}, load average {info['load average']}"
          f"; device {device}", flush=True)
    rows = []
    for act in activations:
        for key, (g, t) in _turns("mlp", device, procs, rounds, burst, act, batches).items():
            rows.append(_row(key, g, t))
    if kernels:
        for key, (g, t) in _turns("kernels", device, procs, rounds, burst).items():
            rows.append(_row(key, g, t))
    return rows


def breakdown(device="cpu", pairs=3, act="ReLU", batches=BATCHES):
    """Where the step's time goes: each phase's median ms for gpugrad and PyTorch (alternating child processes,
    the median over ``pairs`` children each), and gpugrad's matmuls alone. Returns the table rows."""
    runs = _pairs("phases", device, pairs, 1.0, act, batches)
    rows = []
    for key, (g, t) in runs.items():
        rows.append({"phase": key, "gpugrad ms": statistics.median(g),
                     "PyTorch ms": statistics.median(t) if t else "", "ratio": (
                         statistics.median(g) / statistics.median(t) if t else "")})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m gpugrad.bench.mlp", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pairs", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--breakdown", action="store_true",
                    help="where the step's time goes, phase by phase (--act, --batches, --pairs choose)")
    ap.add_argument("--worker", choices=("gpugrad", "torch"), default=None, help=argparse.SUPPRESS)
    ap.add_argument("--what", default="mlp", help=argparse.SUPPRESS)
    ap.add_argument("--act", default="ReLU", help="the activation of --breakdown")
    ap.add_argument("--batches", default=None, help="comma-separated batch sizes of --breakdown")
    ap.add_argument("--budget", type=float, default=1.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        args.lib = args.worker
        args.batches = args.batches or "32"
        return _child(args)
    from .kernels import _print
    if args.breakdown:
        info = machine()
        print(f"machine: {info['cores']} cores, {info['simd']}, BLAS {info['blas']}, load average "
              f"{info['load average']}; device {args.device}; {args.act} MLP step", flush=True)
        batches = tuple(int(b) for b in args.batches.split(",")) if args.batches else BATCHES
        return _print(breakdown(args.device, args.pairs or 3, args.act, batches))
    _print(run(quick=args.quick, device=args.device, pairs=args.pairs))


if __name__ == "__main__":
    main()
