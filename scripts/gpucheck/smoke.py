"""Stage 1, the smoke check (budget ~90 s): versions and card, one op of every family on the device against
the CPU (values and gradients), one MLP training step with host synchronisation forbidden, every CUDA kernel
compiled and launched once against its reference, and a one-line verdict.

    python -m gpucheck.smoke --results FILE [--dry-run] [--kernels-only]

``--kernels-only`` is what ``compute-sanitizer`` runs (stage 4): the kernel launches alone.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import platform
import subprocess
import sys
import time

import numpy as np

from .target import Target, Results

# -- versions -------------------------------------------------------------------------------------------------------


def versions(target: Target) -> dict:
    """What the report's header says about the machine: card, driver, CUDA, CuPy, PyTorch, NumPy, Numba."""
    import numba
    import gpugrad as gg
    v = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
         "gpugrad": getattr(gg, "__version__", "?"), "cpu": platform.processor() or platform.machine()}
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout.strip()
        v["nvidia_smi"] = smi or "?"
    except (OSError, subprocess.SubprocessError) as e:
        v["nvidia_smi"] = f"not available ({type(e).__name__})"
    try:
        import torch
        v["torch"] = torch.__version__
        v["torch_cuda"] = torch.version.cuda or "none"
        v["torch_sees_gpu"] = bool(torch.cuda.is_available())
    except ImportError:
        v["torch"] = "not installed"
    if not target.dry_run:
        import cupy
        rt, drv = cupy.cuda.runtime.runtimeGetVersion(), cupy.cuda.runtime.driverGetVersion()
        props = cupy.cuda.runtime.getDeviceProperties(0)
        v.update(cupy=cupy.__version__, cuda_runtime=f"{rt // 1000}.{rt % 1000 // 10}",
                 cuda_driver_api=f"{drv // 1000}.{drv % 1000 // 10}",
                 card=props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"]),
                 compute_capability=f"{props['major']}.{props['minor']}", sms=props["multiProcessorCount"],
                 memory_gib=round(props["totalGlobalMem"] / 2 ** 30, 1), devices=gg.cuda.device_count())
    else:
        v.update(card="none (dry run: the strict stand-in device and host-simulated kernels)")
    return v


# -- one op of every family, on the device against the CPU ----------------------------------------------------------
def _ops():
    """``name: (function of tensors, input shapes, integer inputs)``: one op or two of every family in gpugrad.ops
    and nn.functional. Float inputs get gradients; ``ints`` gives integer index inputs (shape, high)."""
    import gpugrad as gg
    import gpugrad.nn.functional as F
    return {
        "add (broadcast)": (lambda a, b: a + b, [(3, 4), (4,)], []),
        "mul, div": (lambda a, b: a * b / (b * b + 1), [(3, 4), (3, 1)], []),
        "pow": (lambda a: (a * a + 1) ** 1.5, [(5,)], []),
        "exp, log": (lambda a: (a.exp() + 1).log(), [(4, 3)], []),
        "tanh, sin, sqrt": (lambda a: a.tanh() + a.sin() + (a * a + 1).sqrt(), [(6,)], []),
        "where, maximum, clamp": (lambda a, b: gg.where(a > 0, a, b) + gg.maximum(a, b) + a.clamp(-0.5, 0.5),
                                  [(3, 4), (3, 4)], []),
        "sum(dim), mean": (lambda a: a.sum(dim=1) + a.mean(), [(4, 5)], []),
        "amax, var, logsumexp": (lambda a: a.amax(dim=0) + a.var(dim=0) + gg.logsumexp(a, dim=0), [(4, 5)], []),
        "reshape, transpose": (lambda a: a.reshape(6, 2).t() * 2, [(3, 4)], []),
        "cat, stack": (lambda a, b: gg.cat([a, b]).sum(0) + gg.stack([a, b]).mean(0).sum(0), [(2, 3), (2, 3)], []),
        "getitem (basic, advanced)": (lambda a: a[1:, ::2].sum() + a[[0, 2, 2]], [(3, 4)], []),
        "gather, index_select": (lambda a, i: gg.gather(a, 1, i).sum(1) + gg.index_select(a, 0, i[:, 0]).sum(1), [(4, 5)],
                                 [((4, 2), 4)]),
        "matmul (batched)": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)], []),
        "linear": (lambda x, w, b: F.linear(x, w, b), [(8, 5), (3, 5), (3,)], []),
        "relu, gelu, silu": (lambda a: F.relu(a) + F.gelu(a) + F.silu(a), [(4, 6)], []),
        "softmax, log_softmax": (lambda a: F.softmax(a, dim=1) * F.log_softmax(a, dim=1), [(4, 6)], []),
        "cross_entropy": (lambda a, t: F.cross_entropy(a, t), [(6, 5)], [((6,), 5)]),
        "mse_loss": (lambda a, b: F.mse_loss(a, b), [(4, 3), (4, 3)], []),
        "layer_norm": (lambda a, w, b: F.layer_norm(a, (5,), w, b), [(3, 5), (5,), (5,)], []),
    }


def _run_op(fn, floats, ints, device):
    import gpugrad as gg
    xs = [gg.tensor(a, device=device, requires_grad=True) for a in floats]
    idx = [gg.tensor(i, device=device) for i in ints]
    out = fn(*xs, *idx)
    w = gg.tensor(np.linspace(-1, 1, max(out.numel(), 1), dtype=np.float32)[:out.numel()].reshape(out.shape),
                  device=device)
    (out * w).sum().backward()
    return out.detach().cpu().numpy(), [x.grad.cpu().numpy() for x in xs]


def check_ops(target: Target, results: Results):
    rng = np.random.default_rng(0)
    for name, (fn, shapes, int_specs) in _ops().items():
        with results.check(f"op {name}"):
            floats = [rng.standard_normal(s).astype(np.float32) for s in shapes]
            ints = [rng.integers(0, high, s) for s, high in int_specs]
            dev_out, dev_grads = _run_op(fn, floats, ints, target.device)
            cpu_out, cpu_grads = _run_op(fn, floats, ints, "cpu")
            np.testing.assert_allclose(dev_out, cpu_out, rtol=1e-4, atol=1e-5, err_msg=f"{name}: value")
            for k, (g, c) in enumerate(zip(dev_grads, cpu_grads)):
                np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5, err_msg=f"{name}: gradient of input {k}")


# -- one training step, no host sync ---------------------------------------------------------------------------------
def check_training_step(target: Target, results: Results):
    """MLP 784-512-512-10 + cross-entropy + Adam: a warm-up step, then one step with every device-to-host copy
    forbidden; loss and parameters against the same step on the CPU."""
    import gpugrad as gg
    from gpugrad import nn, optim
    from gpugrad.nn import functional as F

    def run(device, forbid):
        gg.manual_seed(0)
        model = nn.MLP([784, 512, 512, 10]).to(device)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        rng = np.random.default_rng(1)
        x = gg.tensor(rng.standard_normal((64, 784)).astype(np.float32), device=device)
        y = gg.tensor(rng.integers(0, 10, 64), device=device)
        losses = []
        for step in range(2):
            with forbid() if step == 1 else contextlib.nullcontext():
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
            losses.append(loss.item())
        return losses, [p.detach().cpu().numpy() for p in model.parameters()]

    with results.check("training step (MLP 784-512-512-10, Adam) with host syncs forbidden"):
        losses, params = run(target.device, target.forbid_sync)
        cpu_losses, cpu_params = run("cpu", contextlib.nullcontext)
        np.testing.assert_allclose(losses, cpu_losses, rtol=1e-4)
        # atol 5e-5 (5% of lr): Adam's first updates are lr * g / (|g| + eps), so where a gradient is within a
        # few eps of 0, rounding differences in g (another summation order) move the update by a few % of lr
        for k, (p, c) in enumerate(zip(params, cpu_params)):
            np.testing.assert_allclose(p, c, rtol=1e-4, atol=5e-5, err_msg=f"parameter {k} after the step")


# -- every CUDA kernel, launched once against its reference -----------------------------------------------------------
class _Recording:
    """A kernel set that notes which kernels were asked for, so the smoke can prove every one launched."""

    def __init__(self, inner):
        self.inner = inner
        self.launched = set()

    def __getattr__(self, name):                 # block, max_grid, names, stem
        return getattr(self.inner, name)

    def function(self, name):
        f = self.inner.function(name)
        self.launched.add(name)
        return f


ACT_PARAMS = {"leaky_relu": (0.2, 0.0), "elu": (0.7, 0.0), "softplus": (1.5, 2.0)}
OPTIM_OPTS = {
    "sgd_step": dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=False, weight_decay=0.01, maximize=False),
    "adam_step": dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1, decoupled_weight_decay=True,
                      amsgrad=True, maximize=False),
    "rmsprop_step": dict(lr=1e-2, alpha=0.9, eps=1e-8, weight_decay=0.1, momentum=0.9, centered=True,
                         maximize=False),
    "adagrad_step": dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-10,
                         maximize=False),
}
N_BUFFERS = {"sgd_step": 3, "adam_step": 5, "rmsprop_step": 5, "adagrad_step": 3}


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def check_kernels(target: Target, results: Results):
    from gpugrad.kernels import activation as A, softmax_ce as S, optim as O
    t = time.perf_counter()
    try:
        sets = {stem: _Recording(k) for stem, k in target.kernel_sets().items()}
    except RuntimeError as e:
        results.record("kernels", None, time.perf_counter() - t, str(e))
        return
    rng = np.random.default_rng(2)
    dev, host = target.to_device, target.to_host
    for dtype in (np.float32, np.float64):
        for kind in A.ACTIVATIONS:
            with results.check(f"kernel act {kind} {np.dtype(dtype).name}"):
                a, b = ACT_PARAMS.get(kind, (0.0, 0.0))
                x = (rng.standard_normal((33, 65)) * 4).astype(dtype)
                bias = rng.standard_normal(65).astype(dtype)
                g = rng.standard_normal(x.shape).astype(dtype)
                y_ref, s_ref = A.act_forward_reference(x, kind, a, b, bias)
                y, s = A.forward_cuda(dev(x), kind, a, b, dev(bias), kernels=sets["activation"])
                np.testing.assert_allclose(host(y), y_ref, **_tol(dtype), err_msg="forward")
                dx = A.backward_cuda(dev(g), s, kind, a, b, dev(bias), kernels=sets["activation"])
                np.testing.assert_allclose(host(dx), A.act_backward_reference(g, s_ref, kind, a, b, bias),
                                           **_tol(dtype), err_msg="backward")
        for n, c in ((65, 10), (9, 1000)):          # a thread per row, a block per row
            with results.check(f"kernel softmax_ce {n}x{c} {np.dtype(dtype).name}"):
                x = (rng.standard_normal((n, c)) * 5).astype(dtype)
                tgt = rng.integers(0, c, n)
                tgt[::4] = -100
                g = rng.standard_normal(n).astype(dtype)
                loss_r, m_r, ls_r = S.ce_forward_reference(x, tgt, -100, 0.1)
                loss, m, ls = S.forward_cuda(dev(x), dev(tgt), -100, 0.1, kernels=sets["softmax_ce"])
                np.testing.assert_allclose(host(loss), loss_r, **_tol(dtype), err_msg="forward")
                dx = S.backward_cuda(dev(x), dev(tgt), m, ls, dev(g), -100, 0.1, kernels=sets["softmax_ce"])
                np.testing.assert_allclose(host(dx), S.ce_backward_reference(x, tgt, m_r, ls_r, g, -100, 0.1),
                                           **_tol(dtype), err_msg="backward")
        for name, opts in OPTIM_OPTS.items():
            with results.check(f"kernel {name} {np.dtype(dtype).name}"):
                n = 1000
                init = [rng.standard_normal(n).astype(dtype)] + [np.zeros(n, dtype)] * (N_BUFFERS[name] - 1)
                ref = [b.copy() for b in init]
                got = [dev(b.copy()) for b in init]
                fn = getattr(O, name)
                for step in (1, 2):
                    grad = rng.standard_normal(n).astype(dtype)
                    ref[1][:] = grad
                    got[1] = dev(grad)
                    extra = ({"first_step": step == 1} if name == "sgd_step"
                             else {"step": step} if name in ("adam_step", "adagrad_step") else {})
                    fn(*ref, **opts, **extra, impl="reference")
                    fn(*got, **opts, **extra, _kernels=sets["optim"])
                for k, (r, g_) in enumerate(zip(ref, got)):
                    np.testing.assert_allclose(host(g_), r, **_tol(dtype), err_msg=f"buffer {k}")
        with results.check(f"kernel fill {np.dtype(dtype).name}"):
            buf = dev(np.ones(777, dtype))
            O.fill_(buf, 2.5, _kernels=sets["optim"])
            assert (host(buf) == 2.5).all()
    missing = sorted(set().union(*(set(s.names) - s.launched for s in sets.values())))
    total = sum(len(s.names) for s in sets.values())
    results.record(f"every kernel launched ({total - len(missing)}/{total})", not missing, 0.0,
                   "never launched: " + ", ".join(missing) if missing else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gpucheck.smoke", description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True, help="JSON-lines file the checks are appended to")
    ap.add_argument("--versions", help="JSON file for the machine's versions")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--kernels-only", action="store_true")
    args = ap.parse_args(argv)
    target = Target(args.dry_run)
    results = Results(args.results)
    if args.kernels_only and not args.dry_run:
        # under compute-sanitizer: every array its own cudaMalloc, so memcheck sees an access one element past
        # an array (inside a memory-pool chunk it would be a valid address)
        import cupy
        cupy.cuda.set_allocator(None)
    if args.versions:
        v = versions(target)
        with open(args.versions, "w") as f:
            json.dump(v, f, indent=1)
        print(json.dumps(v), flush=True)
    if not args.kernels_only:
        check_ops(target, results)
        check_training_step(target, results)
    check_kernels(target, results)
    print(f"SMOKE {'PASS' if not results.failed else 'FAIL'}: {results.passed} passed, {results.failed} failed",
          flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
