"""Fused kernels against their references: the Numba CPU kernels here, the CUDA kernels where a GPU answers
(the ``device`` fixture), the references themselves against PyTorch, the dispatch switch, and the autograd
ops that use the kernels. Float32 tolerance: 1e-5 relative + 1e-5 absolute (see test_kernels_hostsim)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.kernels as K
from gpugrad.kernels import activation as A, optim as O, softmax_ce as S
from gpugrad.ops import nn_ops as F

from test_kernels_hostsim import OPTIM_CASES, PARAMS, run_steps, tol

SIZES = [0, 1, 7, 1001, 65537]


def xp_for(device):
    if device == "cpu":
        return np, "numba"
    if device != "cuda":
        pytest.skip(f"the fused kernels serve NumPy and CuPy arrays; device {device!r} runs the references")
    import cupy
    return cupy, "cuda"


def host(a):
    return a.get() if hasattr(a, "get") else a


# -- activations ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", A.ACTIVATIONS)
def test_activation_fused_matches_reference(device, kind, dtype):
    xp, impl = xp_for(device)
    rng = np.random.default_rng(0)
    a, b = PARAMS.get(kind, (0.0, 0.0))
    for n in SIZES:
        x = xp.asarray((rng.standard_normal(n) * 4).astype(dtype))
        g = xp.asarray(rng.standard_normal(n).astype(dtype))
        y_ref, s_ref = A.act_forward(x, kind, a, b, impl="reference")
        y, s = A.act_forward(x, kind, a, b, impl=impl)
        assert y.dtype == dtype and y.shape == x.shape
        np.testing.assert_allclose(host(y), host(y_ref), **tol(dtype), err_msg=f"{kind} n={n}")
        dx = A.act_backward(g, s, kind, a, b, impl=impl)
        np.testing.assert_allclose(host(dx), host(A.act_backward(g, s_ref, kind, a, b, impl="reference")),
                                   **tol(dtype), err_msg=f"{kind} backward n={n}")


@pytest.mark.parametrize("kind", ["relu", "gelu", "softplus"])
def test_activation_with_bias(device, kind):
    xp, impl = xp_for(device)
    rng = np.random.default_rng(1)
    a, b = PARAMS.get(kind, (0.0, 0.0))
    x = xp.asarray(rng.standard_normal((33, 17)).astype(np.float32))
    bias = xp.asarray(rng.standard_normal(17).astype(np.float32))
    g = xp.asarray(rng.standard_normal((33, 17)).astype(np.float32))
    y, s = A.act_forward(x, kind, a, b, bias=bias, impl=impl)
    y_ref, s_ref = A.act_forward(x + bias, kind, a, b, impl="reference")
    np.testing.assert_allclose(host(y), host(y_ref), **tol(np.float32))
    np.testing.assert_allclose(host(A.act_backward(g, s, kind, a, b, bias=bias, impl=impl)),
                               host(A.act_backward(g, s_ref, kind, a, b, impl="reference")), **tol(np.float32))


def test_activation_millions(device):
    """Several million elements through the auto path (Numba for relu on the CPU, CUDA on a GPU)."""
    xp, _ = xp_for(device)
    x = xp.asarray(np.random.default_rng(2).standard_normal(3_000_017).astype(np.float32))
    y, s = A.act_forward(x, "relu")
    np.testing.assert_array_equal(host(y), np.maximum(host(x), 0))
    np.testing.assert_array_equal(host(A.act_backward(x, s, "relu")), host(x) * (host(x) > 0))


@pytest.mark.parametrize("kind", A.ACTIVATIONS)
def test_activation_millions_every_kind(device, kind):
    xp, impl = xp_for(device)
    rng = np.random.default_rng(3)
    x = xp.asarray((rng.standard_normal(4_000_037) * 3).astype(np.float32))
    a, b = PARAMS.get(kind, (0.0, 0.0))
    y, s = A.act_forward(x, kind, a, b, impl=impl)
    y_ref, s_ref = A.act_forward(x, kind, a, b, impl="reference")
    np.testing.assert_allclose(host(y), host(y_ref), **tol(np.float32))
    np.testing.assert_allclose(host(A.act_backward(x, s, kind, a, b, impl=impl)),
                               host(A.act_backward(x, s_ref, kind, a, b, impl="reference")), **tol(np.float32))


# -- softmax + cross-entropy ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_softmax_ce_fused_matches_reference(device, dtype, smoothing):
    xp, impl = xp_for(device)
    rng = np.random.default_rng(4)
    for n, c in [(0, 3), (1, 1), (1, 7), (33, 10), (257, 101), (2, 5000)]:
        x = xp.asarray((rng.standard_normal((n, c)) * 6).astype(dtype))
        t = rng.integers(0, c, n)
        t[1::4] = 3 if c > 3 else -1
        t = xp.asarray(t)
        g = xp.asarray(rng.standard_normal(n).astype(dtype))
        ref = S.ce_forward(x, t, -1, smoothing, impl="reference")
        out = S.ce_forward(x, t, -1, smoothing, impl=impl)
        for o, r in zip(out, ref):
            np.testing.assert_allclose(host(o), host(r), **tol(dtype), err_msg=f"{n}x{c}")
        np.testing.assert_allclose(host(S.ce_backward(x, t, *out[1:], g, -1, smoothing, impl=impl)),
                                   host(S.ce_backward(x, t, *ref[1:], g, -1, smoothing, impl="reference")),
                                   **tol(dtype))


def test_softmax_ce_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 10)) * 3
    t = rng.integers(0, 10, 64)
    t[::5] = -100
    for smoothing in (0.0, 0.1):
        for impl in ("reference", "numba"):
            loss, m, ls = S.ce_forward(x, t, -100, smoothing, impl=impl)
            xt = torch.tensor(x, requires_grad=True)
            lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), reduction="none", label_smoothing=smoothing)
            lt.sum().backward()
            np.testing.assert_allclose(loss, lt.detach().numpy(), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(S.ce_backward(x, t, m, ls, np.ones(64), -100, smoothing, impl=impl),
                                       xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("crowded", [False, True])
def test_softmax_ce_rows_split_over_two_threads_equal_one_pass(dtype, crowded, monkeypatch):
    """From PARALLEL_MIN_ELEMENTS the CPU kernels take the two halves of the rows on two threads unless the
    second core is taken (_blas.crowded); each row is computed the same either way, so the results are equal.
    An odd row count, ignored and out-of-range targets, smoothing."""
    from gpugrad.kernels import _halves
    calls = []
    real_pool = _halves.pool

    class Spy:
        def submit(self, fn, *args):
            calls.append(len(args[0]))
            return real_pool().submit(fn, *args)
    monkeypatch.setattr(_halves, "pool", lambda: Spy())
    monkeypatch.setattr(S, "crowded", lambda: crowded)
    monkeypatch.setattr(S, "PARALLEL_MIN_ELEMENTS", 1000)
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((101, 37)) * 4).astype(dtype)
    t = rng.integers(0, 37, 101)
    t[::7] = -1
    g = rng.standard_normal(101).astype(dtype)
    out = S.ce_forward(x, t, -1, 0.1, impl="numba")
    dx = S.ce_backward(x, t, *out[1:], g, -1, 0.1, impl="numba")
    assert calls == ([] if crowded else [51, 51])
    monkeypatch.setattr(S, "PARALLEL_MIN_ELEMENTS", 1 << 40)
    one = S.ce_forward(x, t, -1, 0.1, impl="numba")
    for a, b in zip(out, one):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dx, S.ce_backward(x, t, *one[1:], g, -1, 0.1, impl="numba"))


def test_softmax_ce_stable_for_huge_logits():
    x = (np.random.default_rng(6).standard_normal((16, 8)) * 1e30).astype(np.float32)
    x[0, :] = 3e38                                              # a row of ties at the edge of float32
    t = np.arange(16) % 8
    loss, m, ls = S.ce_forward(x, t, impl="numba")
    dx = S.ce_backward(x, t, m, ls, np.ones(16, np.float32), impl="numba")
    assert np.isfinite(loss).all() and np.isfinite(dx).all()
    assert loss[0] == pytest.approx(np.log(8), rel=1e-6)          # 8 equal logits: uniform softmax
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-6)      # softmax rows sum to 1, minus the one-hot


# -- optimizers ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,opts", OPTIM_CASES, ids=[f"{n}{i}" for i, (n, _) in enumerate(OPTIM_CASES)])
def test_optimizer_fused_matches_reference(device, name, opts):
    xp, impl = xp_for(device)
    if xp is not np:
        pytest.skip("GPU runs compare through test_adam_1000_steps_gpu")
    for n, dtype in ((0, np.float32), (1, np.float32), (1001, np.float32), (70_001, np.float64)):
        ref = run_steps(name, opts, n, dtype, 4, impl="reference")
        fused = run_steps(name, opts, n, dtype, 4, impl=impl)
        for r, f in zip(ref, fused):
            np.testing.assert_allclose(f, r, rtol=1e-6 if dtype == np.float32 else 1e-13,
                                       atol=1e-7 if dtype == np.float32 else 1e-15)


def test_adam_1000_steps_stay_within_1e6():
    """Fused (parallel Numba over 100,003 params) and reference Adam stay within 1e-6 relative over 1,000 steps."""
    opts = OPTIM_CASES[4][1]                                    # AdamW + amsgrad
    ref = run_steps("adam_step", opts, 100_003, np.float32, 1000, impl="reference")
    fused = run_steps("adam_step", opts, 100_003, np.float32, 1000, impl="numba")
    np.testing.assert_allclose(fused[0], ref[0], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta2", [0.999, 1.0])
def test_adam_tiny_gradients_bit_for_bit(dtype, beta2):
    """The fused Adam squares 0 instead of a gradient whose (1 - beta2) g^2 would underflow, where beta2 v is large
    enough for the sum to round to it anyway (a multiply that underflows is microcoded): parameters and state
    stay bit for bit the reference's, with gradients around the threshold, state around 4 tiny / eps, zero
    state, subnormal gradients, NaN and inf."""
    fi = np.finfo(dtype)
    rng = np.random.default_rng(11)
    n = 4099
    g_min = np.sqrt(0.25 * fi.tiny / (1 - beta2)) if beta2 < 1 else 1e-30
    grad = (g_min * 10.0 ** rng.uniform(-2, 2, n) * rng.choice([-1, 1], n)).astype(dtype)
    grad[::7] = fi.smallest_subnormal
    grad[1::11] = rng.standard_normal(grad[1::11].size)
    grad[5] = np.nan
    grad[6] = np.inf
    v_exact = 4 * fi.tiny / fi.eps
    v = (v_exact * 10.0 ** rng.uniform(-1, 1, n)).astype(dtype)
    v[::13] = 0
    bufs0 = [rng.standard_normal(n).astype(dtype), grad, (rng.standard_normal(n) * 1e-30).astype(dtype), v]
    opts = dict(step=3, lr=1e-3, beta1=0.9, beta2=beta2, eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
                amsgrad=False, maximize=False)
    out = {}
    for impl in ("reference", "numba"):
        bufs = [b.copy() for b in bufs0]
        with np.errstate(all="ignore"):
            O.adam_step(*bufs, None, impl=impl, **opts)
        out[impl] = bufs
    for r, f in zip(out["reference"], out["numba"]):
        np.testing.assert_array_equal(f, r)


@pytest.mark.gpu
def test_adam_1000_steps_gpu():
    if not gg.cuda.is_available():
        pytest.skip("no CUDA GPU here")
    import cupy
    opts = OPTIM_CASES[4][1]
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal(100_003).astype(np.float32)
    bufs = {impl: [cupy.asarray(p0)] + [cupy.zeros(p0.size, np.float32) for _ in range(4)]
            for impl in ("reference", "cuda")}
    for step in range(1, 1001):
        g = cupy.asarray(rng.standard_normal(p0.size).astype(np.float32))
        for impl, b in bufs.items():
            b[1][:] = g
            O.adam_step(*b, step=step, **opts, impl=impl)
    np.testing.assert_allclose(bufs["cuda"][0].get(), bufs["reference"][0].get(), rtol=1e-6, atol=1e-7)


def _torch_optimizer(torch, name, opts, p):
    o = {k: v for k, v in opts.items()}
    if name == "sgd_step":
        return torch.optim.SGD([p], **o)
    if name == "adam_step":
        cls = torch.optim.AdamW if o.pop("decoupled_weight_decay") else torch.optim.Adam
        return cls([p], betas=(o.pop("beta1"), o.pop("beta2")), **o)
    if name == "rmsprop_step":
        return torch.optim.RMSprop([p], **o)
    return torch.optim.Adagrad([p], **o)


@pytest.mark.parametrize("name,opts", OPTIM_CASES, ids=[f"{n}{i}" for i, (n, _) in enumerate(OPTIM_CASES)])
def test_references_are_torch_optim(name, opts):
    """The references (the specification) follow torch.optim's formulas step for step, in float64."""
    torch = pytest.importorskip("torch")
    ours = run_steps(name, opts, 50, np.float64, 6, impl="reference")
    rng = np.random.default_rng(6)                              # run_steps' stream: params, then the grads
    p = torch.tensor(rng.standard_normal(50), requires_grad=True)
    opt = _torch_optimizer(torch, name, opts, p)
    for _ in range(6):
        p.grad = torch.tensor(rng.standard_normal(50))
        opt.step()
    np.testing.assert_allclose(ours[0], p.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_optimizer_buffer_errors():
    p = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match="adam_step: every buffer must be a flat contiguous 1-D array.*exp_avg_sq"):
        O.adam_step(p, p.copy(), p.copy(), np.zeros(5, np.float32), None, step=1, lr=0.1, beta1=0.9, beta2=0.99,
                    eps=1e-8, weight_decay=0, decoupled_weight_decay=False, amsgrad=False, maximize=False)
    with pytest.raises(ValueError, match="sgd_step: momentum_buf is required"):
        O.sgd_step(p, p.copy(), None, lr=0.1, momentum=0.9, dampening=0, nesterov=False, weight_decay=0,
                   maximize=False, first_step=True)


# -- dispatch ------------------------------------------------------------------------------------------------------
def test_select():
    x = np.zeros(3, np.float32)
    assert K.select("op", x, "auto", lambda: True) == "numba"
    assert K.select("op", x, "auto", lambda: False) == "reference"
    with K.use_fused(False):
        assert K.select("op", x, "auto", lambda: True) == "reference"
    assert K.fused_enabled()
    with pytest.raises(ValueError, match="op: impl='cuda' needs CuPy"):
        K.select("op", x, "cuda", lambda: True)
    with pytest.raises(ValueError, match="impl must be one of"):
        K.select("op", x, "fast", lambda: True)


def test_switch_forces_the_reference(monkeypatch):
    def boom(*a):
        raise AssertionError("the Numba kernel ran")
    monkeypatch.setattr(A, "_forward_numba", boom)
    x = np.ones(4096, np.float32)
    with pytest.raises(AssertionError, match="Numba kernel ran"):
        A.act_forward(x, "relu")
    with K.use_fused(False):
        A.act_forward(x, "relu")


def test_environment_switch():
    code = "import gpugrad.kernels as K; print(K.fused_enabled())"
    env = dict(os.environ, GPUGRAD_FUSED="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_numba_compiles_once_and_caches_across_processes():
    """Two fresh processes run every Numba kernel (also on read-only and strided inputs, which are copied
    rather than compiled for): one signature each, and the second process loads them all from disk."""
    code = (
        "import numpy as np\n"
        "from gpugrad.kernels import activation as A, softmax_ce as S, optim as O\n"
        "x = np.ones(8, np.float32)\n"
        "y, s = A.act_forward(x, 'relu', impl='numba'); A.act_backward(x, s, 'relu', impl='numba')\n"
        "l, m, ls = S.ce_forward(x.reshape(2, 4), np.zeros(2, np.int64), impl='numba')\n"
        "S.ce_backward(x.reshape(2, 4), np.zeros(2, np.int64), m, ls, np.ones(2, np.float32), impl='numba')\n"
        "O.adam_step(x, x.copy(), x.copy(), x.copy(), None, step=1, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8,\n"
        "            weight_decay=0, decoupled_weight_decay=False, amsgrad=False, maximize=False, impl='numba')\n"
        "A.act_forward(x, 'gelu', impl='numba')\n"
        "r = np.ones(8, np.float32); r.setflags(write=False)      # read-only and strided inputs: no new types\n"
        "A.act_backward(r, r, 'relu', impl='numba')\n"
        "S.ce_forward(np.ones((3, 4), np.float32), np.zeros(6, np.int32)[::2], impl='numba')\n"
        "K = A._act32\n"
        "fns = [K._ffwd_relu, K._fbwd_relu, K._ffwd_gelu, S._ce_fwd32, S._ce_bwd32, O._adam_numba]\n"
        "print(sum(len(f.signatures) for f in fns), sum(sum(f.stats.cache_misses.values()) for f in fns))\n")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert runs[1] == ["6", "0"], runs                          # one signature each, none compiled


# -- the autograd ops use them -------------------------------------------------------------------------------------
ACT_FNS = [("relu", lambda t: F.relu(t)), ("leaky_relu", lambda t: F.leaky_relu(t, 0.1)),
           ("elu", lambda t: F.elu(t, 0.5)), ("gelu", lambda t: F.gelu(t)),
           ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh")), ("silu", lambda t: F.silu(t)),
           ("tanh", lambda t: gg.tanh(t)), ("sigmoid", lambda t: gg.sigmoid(t)),
           ("softplus", lambda t: F.softplus(t, 2.0, 3.0))]


@pytest.mark.parametrize("n", [5, 20_000])
@pytest.mark.parametrize("name,fn", ACT_FNS, ids=[n for n, _ in ACT_FNS])
def test_ops_fused_equal_unfused(device, name, fn, n):
    x0 = np.random.default_rng(8).standard_normal((n // 5, 5)).astype(np.float32) * 3
    results = []
    for fused in (True, False):
        with K.use_fused(fused):
            x = gg.tensor(x0, device=device, requires_grad=True)
            y = fn(x)
            (y * y).sum().backward()
            results.append((host(y._data), host(x.grad._data)))
    np.testing.assert_allclose(results[0][0], results[1][0], **tol(np.float32))
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-5)


def test_cross_entropy_op_fused_equal_unfused(device):
    rng = np.random.default_rng(9)
    x0 = rng.standard_normal((128, 10)).astype(np.float32)
    t0 = rng.integers(0, 10, 128)
    t0[::7] = -100
    results = []
    for fused in (True, False):
        with K.use_fused(fused):
            x = gg.tensor(x0, device=device, requires_grad=True)
            loss = F.cross_entropy(x, gg.tensor(t0, device=device), label_smoothing=0.05)
            loss.backward()
            results.append((loss.item(), host(x.grad._data)))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-7)


def test_kernel_errors_name_the_op():
    with pytest.raises(ValueError, match="act_forward: unknown activation 'swish'"):
        A.act_forward(np.ones(3), "swish")
    with pytest.raises(ValueError, match=r"act_forward: bias of shape \(4,\) does not match input \(2, 3\)"):
        A.act_forward(np.ones((2, 3)), "relu", bias=np.ones(4))
    with pytest.raises(ValueError, match=r"ce_forward: expected logits \(N, C\) and targets \(N,\)"):
        S.ce_forward(np.ones((2, 3)), np.zeros(3, np.int64))


def test_benchmark_rows_smoke():
    """The benchmark's row builders run end to end on tiny sizes (no timing is asserted)."""
    from gpugrad.bench import kernels as bench
    rows = (bench.adam_rows(n_params=20_000, n_tensors=4, repeat=1, sample_s=1e-3)
            + bench.activation_rows(sizes=(4096,), kinds=("relu",), repeat=1, sample_s=1e-3))
    assert {r["impl"].split(" ")[0] for r in rows} >= {"fused", "NumPy", "reference"}
    assert all(r["GB/s"] > 0 and r["ms"] > 0 for r in rows)
    mlp = bench.mlp_rows(batches=(8,), repeat=1, sample_s=1e-3)
    assert mlp[0]["bench"].startswith("MLP 784-512-512-10") and mlp[1]["x references"] == 1


def test_softmax_ce_and_adam_millions(device):
    """Several million elements for the other two families: 100,000 x 40 logits, 3,000,017 Adam parameters."""
    xp, impl = xp_for(device)
    rng = np.random.default_rng(10)
    x = xp.asarray((rng.standard_normal((100_000, 40)) * 4).astype(np.float32))
    t = xp.asarray(rng.integers(-1, 40, 100_000))
    g = xp.asarray(rng.standard_normal(100_000).astype(np.float32))
    out = S.ce_forward(x, t, -1, 0.1, impl=impl)
    ref = S.ce_forward(x, t, -1, 0.1, impl="reference")
    for o, r in zip(out, ref):
        np.testing.assert_allclose(host(o), host(r), **tol(np.float32))
    np.testing.assert_allclose(host(S.ce_backward(x, t, *out[1:], g, -1, 0.1, impl=impl)),
                               host(S.ce_backward(x, t, *ref[1:], g, -1, 0.1, impl="reference")), **tol(np.float32))
    if xp is np:
        opts = OPTIM_CASES[4][1]
        ref = run_steps("adam_step", opts, 3_000_017, np.float32, 3, impl="reference")
        fused = run_steps("adam_step", opts, 3_000_017, np.float32, 3, impl="numba")
        for r, f in zip(ref, fused):
            np.testing.assert_allclose(f, r, rtol=1e-6, atol=1e-7)
