"""The device under test: a real CUDA GPU, or (``--dry-run``) the strict stand-in with host-simulated kernels.

Everything a stage needs to differ between the two lives here, so the stage code itself is the same on both.
"""
from __future__ import annotations

import contextlib
import json
import time
import traceback


class Target:
    """``dry_run=False``: ``cuda`` tensors, CuPy, ``cupyx.allow_synchronize``, the kernels compiled by CuPy.
    ``dry_run=True``: ``strict`` tensors, their no-sync switch, the ``.cu`` sources built for the host."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.device = "strict" if dry_run else "cuda"

    def forbid_sync(self):
        """A context in which any device-to-host copy raises."""
        if self.dry_run:
            from gpugrad.backend import strict
            return strict.allow_synchronize(False)
        import cupyx
        return cupyx.allow_synchronize(False)

    def synchronize(self):
        if not self.dry_run:
            import cupy
            cupy.cuda.Device().synchronize()

    def xp(self):
        if self.dry_run:
            import numpy
            return numpy
        import cupy
        return cupy

    def to_device(self, a):
        """A NumPy array onto the device, as the kernels' raw-array wrappers take it."""
        return a if self.dry_run else self.xp().asarray(a)

    def to_host(self, a):
        return a if self.dry_run else a.get()

    def kernel_sets(self):
        """``{stem: kernel set}``: what each family's ``forward_cuda(..., kernels=)`` launches through."""
        from gpugrad.kernels import activation as A, softmax_ce as S, optim as O
        if not self.dry_run:
            return {"activation": A.CUDA, "softmax_ce": S.CUDA, "optim": O.CUDA}
        from gpugrad.kernels import _hostsim
        if _hostsim.host_compiler() is None:
            raise RuntimeError("no host C++ compiler (g++/clang++) to simulate the CUDA kernels with")
        return {"activation": _hostsim.HostKernels("activation", A.KERNELS),
                "softmax_ce": _hostsim.HostKernels("softmax_ce", S.KERNELS, threaded=S.BLOCK_KERNELS),
                "optim": _hostsim.HostKernels("optim", O.KERNELS)}


class Results:
    """Check results appended to a JSON-lines file as they come, so a stage killed at its budget still leaves
    what it finished. Each line: ``{"name", "ok", "seconds", "detail"}`` (``ok`` None: skipped)."""

    def __init__(self, path):
        self.path = path
        self.failed = 0
        self.passed = 0

    def record(self, name, ok, seconds=0.0, detail=""):
        with open(self.path, "a") as f:
            f.write(json.dumps({"name": name, "ok": ok, "seconds": round(seconds, 4), "detail": detail}) + "\n")
        if ok is True:
            self.passed += 1
        elif ok is False:
            self.failed += 1
        print(f"{'PASS' if ok else 'SKIP' if ok is None else 'FAIL'} {name} ({seconds:.2f} s)"
              + (f": {detail.splitlines()[0]}" if detail and not ok else ""), flush=True)

    @contextlib.contextmanager
    def check(self, name):
        """Run the body as one check: passes unless it raises; the traceback becomes the detail."""
        t = time.perf_counter()
        try:
            yield
        except Exception:
            self.record(name, False, time.perf_counter() - t, traceback.format_exc())
        else:
            self.record(name, True, time.perf_counter() - t)


def read_results(path):
    """The records of a JSON-lines results file (a torn last line, from a kill mid-write, is dropped)."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return out
