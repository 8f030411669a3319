"""Stage 3: gpugrad against PyTorch on the same GPU, in one process (no CPU thread pools to clash on a GPU).

Each case times both libraries in alternating rounds (which goes first alternates too), each sample a loop
long enough to dwarf the clock (the device synchronised before each clock read), and reports the medians and
their ratio (gpugrad time / PyTorch time: below 1 is faster than PyTorch).

- per-op overhead: a forward multiply of 8 elements; ``(x * w).sum().backward()`` on 8 elements;
- the MLP 784-512-512-10 + cross-entropy + Adam training step (PyTorch ``Adam(fused=True)``), batch 32 to 16,384;
- fused Adam over 10M and 100M float32 parameters (100 tensors) against the memory roofline: a step reads
  param, grad, m, v and writes param, m, v, 28 bytes a parameter;
- softmax-cross-entropy forward + backward.

    python -m gpucheck.bench --results FILE [--dry-run]

``--dry-run`` runs every case on the CPU at small sizes with a sample or two, to prove the code path.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np


class Bench:
    def __init__(self, dry_run: bool, results_path: str):
        self.dry_run = dry_run
        self.device = "cpu" if dry_run else "cuda"
        self.path = results_path
        self.rounds = 2 if dry_run else 7
        self.sample_s = 0.002 if dry_run else 0.03
        try:
            import torch
            self.torch = torch if (dry_run or torch.cuda.is_available()) else None
        except ImportError:
            self.torch = None

    # -- timing ------------------------------------------------------------------------------------------------
    def sync_gg(self):
        if not self.dry_run:
            import gpugrad as gg
            gg.cuda.synchronize()

    def sync_torch(self):
        if not self.dry_run:
            self.torch.cuda.synchronize()

    def _sample(self, fn, sync, n):
        sync()
        t = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        return (time.perf_counter() - t) / n

    def _calibrate(self, fn, sync):
        fn()                                     # warm-up: compiles kernels, fills caches and memory pools
        one = self._sample(fn, sync, 1)
        return max(1, min(10_000, int(self.sample_s / max(one, 1e-7))))

    def compare(self, bench, case, gg_fn, torch_fn, **extra):
        """Median seconds of each side over alternating rounds; one JSON line in the results."""
        sides = [("gpugrad", gg_fn, self.sync_gg)]
        if self.torch is not None and torch_fn is not None:
            sides.append(("torch", torch_fn, self.sync_torch))
        reps = {name: self._calibrate(fn, sync) for name, fn, sync in sides}
        times = {name: [] for name, _, _ in sides}
        for r in range(self.rounds):
            for name, fn, sync in (sides if r % 2 == 0 else sides[::-1]):
                times[name].append(self._sample(fn, sync, reps[name]))
        rec = {"bench": bench, "case": case, **{f"{k}_s": statistics.median(v) for k, v in times.items()}, **extra}
        if "torch_s" in rec:
            rec["ratio"] = rec["gpugrad_s"] / rec["torch_s"]
        with open(self.path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)
        return rec

    # -- the cases -----------------------------------------------------------------------------------------------
    def op_overhead(self):
        import gpugrad as gg
        a, b = gg.randn(8, device=self.device), gg.randn(8, device=self.device)
        x = gg.randn(8, device=self.device, requires_grad=True)
        w = gg.randn(8, device=self.device)
        t = self.torch
        ta = tb = tx = tw = None
        if t is not None:
            ta, tb = t.randn(8, device=self.device), t.randn(8, device=self.device)
            tx, tw = t.randn(8, device=self.device, requires_grad=True), t.randn(8, device=self.device)
        self.compare("op overhead", "a * b, 8 elements", lambda: a * b, (lambda: ta * tb) if t else None)
        self.compare("op overhead", "(x * w).sum().backward(), 8 elements", lambda: (x * w).sum().backward(),
                     (lambda: (tx * tw).sum().backward()) if t else None)

    def mlp_step(self, batches):
        import gpugrad as gg
        from gpugrad import nn, optim
        from gpugrad.nn import functional as F
        sizes = [784, 512, 512, 10]
        for batch in batches:
            rng = np.random.default_rng(0)
            xs = rng.standard_normal((batch, 784)).astype(np.float32)
            ys = rng.integers(0, 10, batch)
            gg.manual_seed(0)
            model = nn.MLP(sizes).to(self.device)
            opt = optim.Adam(model.parameters(), lr=1e-3)
            x, y = gg.tensor(xs, device=self.device), gg.tensor(ys, device=self.device)

            def gg_step():
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
            torch_step = None
            if self.torch is not None:
                t = self.torch
                tm = t.nn.Sequential(t.nn.Linear(784, 512), t.nn.ReLU(), t.nn.Linear(512, 512), t.nn.ReLU(),
                                     t.nn.Linear(512, 10)).to(self.device)
                topt = t.optim.Adam(tm.parameters(), lr=1e-3, fused=True)
                tx, ty = t.tensor(xs, device=self.device), t.tensor(ys, device=self.device)

                def torch_step():
                    topt.zero_grad()
                    t.nn.functional.cross_entropy(tm(tx), ty).backward()
                    topt.step()
            self.compare("MLP step", f"784-512-512-10 ReLU, Adam, batch {batch}", gg_step, torch_step)

    def adam(self, sizes):
        import gpugrad as gg
        from gpugrad import optim
        peak = peak_bandwidth() if not self.dry_run else None
        for total in sizes:
            k = 100
            per = total // k
            ps = [gg.zeros(per, device=self.device, requires_grad=True) for _ in range(k)]
            opt = optim.Adam(ps, lr=1e-3)
            sum((p * 1.0).sum() for p in ps).backward()
            torch_step = None
            if self.torch is not None:
                t = self.torch
                tps = [t.zeros(per, device=self.device, requires_grad=True) for _ in range(k)]
                for p in tps:
                    p.grad = t.ones_like(p)
                topt = t.optim.Adam(tps, lr=1e-3, fused=True)
                torch_step = topt.step
            bytes_moved = 28 * per * k
            extra = {"bytes": bytes_moved}
            if peak:
                extra.update(peak_bytes_per_s=peak, roofline_s=bytes_moved / peak)
            self.compare("fused Adam", f"{per * k / 1e6:g}M float32 parameters in {k} tensors", opt.step, torch_step,
                         **extra)
            del ps, opt
            if self.torch is not None:
                del tps, topt

    def softmax_ce(self, shapes):
        import gpugrad as gg
        from gpugrad.nn import functional as F
        for n, c in shapes:
            rng = np.random.default_rng(3)
            xs = rng.standard_normal((n, c)).astype(np.float32)
            ys = rng.integers(0, c, n)
            x = gg.tensor(xs, device=self.device, requires_grad=True)
            y = gg.tensor(ys, device=self.device)
            torch_fn = None
            if self.torch is not None:
                t = self.torch
                tx = t.tensor(xs, device=self.device, requires_grad=True)
                ty = t.tensor(ys, device=self.device)

                def torch_fn():
                    t.nn.functional.cross_entropy(tx, ty).backward()
            self.compare("softmax-cross-entropy fwd+bwd", f"({n}, {c})",
                         lambda: F.cross_entropy(x, y).backward(), torch_fn)


def peak_bandwidth():
    """The card's theoretical memory bandwidth in bytes/s: 2 transfers a memory clock over the bus width."""
    import cupy
    attrs = cupy.cuda.Device().attributes
    clock_khz = attrs.get("MemoryClockRate") or 0
    bus_bits = attrs.get("GlobalMemoryBusWidth") or 0
    return 2 * clock_khz * 1e3 * bus_bits / 8 or None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gpucheck.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    b = Bench(args.dry_run, args.results)
    if b.torch is None:
        print("PyTorch (with CUDA) not importable: gpugrad's times alone", flush=True)
    failed = 0
    plan = [(b.op_overhead, ()),
            (b.mlp_step, ([32] if args.dry_run else [32, 256, 2048, 16384],)),
            (b.adam, ([100_000] if args.dry_run else [10_000_000, 100_000_000],)),
            (b.softmax_ce, ([(64, 10)] if args.dry_run else [(1024, 10), (256, 1000), (4096, 32000)],))]
    for fn, a in plan:
        try:
            fn(*a)
        except Exception as e:                   # one broken case must not cost the others
            import traceback
            failed += 1
            rec = {"bench": fn.__name__, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
            with open(args.results, "a") as f:
                f.write(json.dumps(rec) + "\n")
            print(rec["traceback"], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
