"""The LOGIC of every CUDA kernel, executed on the CPU: each .cu is compiled by the host C++ compiler under a
shim for CUDA's built-ins and run over every (block, thread) pair of its grid (gpugrad.kernels._hostsim),
through the same Python wrappers that launch it on a GPU, and compared with the NumPy reference.

The simulated launches use small blocks (64) and grids (3 blocks), so sizes like 1000 take several grid
strides and end in a partial block. Tolerances: float64 1e-12 relative + 1e-12 absolute; float32 1e-5 relative + 1e-5
absolute (the kernels and NumPy round transcendental functions differently, and derivatives such as
gelu_tanh's sum terms of size |x| that cancel near its minimum)."""
import signal
import subprocess
import sys

import numpy as np
import pytest

from gpugrad.kernels import activation as A, optim as O, softmax_ce as S, _hostsim
from gpugrad.kernels._launch import NULL

pytestmark = pytest.mark.skipif(_hostsim.host_compiler() is None, reason="no host C++ compiler (g++/clang++)")

SIZES = [0, 1, 63, 64, 65, 191, 192, 193, 1000, 5001]
DTYPES = [np.float32, np.float64]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def act_k():
    return _hostsim.HostKernels("activation", A.KERNELS)


@pytest.fixture(scope="module")
def ce_k():
    return _hostsim.HostKernels("softmax_ce", S.KERNELS, threaded=S.BLOCK_KERNELS)


@pytest.fixture(scope="module")
def optim_k():
    return _hostsim.HostKernels("optim", O.KERNELS)


PARAMS = {"leaky_relu": (0.2, 0.0), "elu": (0.7, 0.0), "softplus": (1.5, 2.0)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", A.ACTIVATIONS)
def test_activation(act_k, kind, dtype):
    rng = np.random.default_rng(1)
    a, b = PARAMS.get(kind, (0.0, 0.0))
    for n in SIZES:
        x = (rng.standard_normal(n) * 4).astype(dtype)
        g = rng.standard_normal(n).astype(dtype)
        y_ref, s_ref = A.act_forward_reference(x, kind, a, b)
        y, s = A.forward_cuda(x, kind, a, b, kernels=act_k)
        np.testing.assert_allclose(y, y_ref, **tol(dtype), err_msg=f"{kind} forward n={n}")
        np.testing.assert_allclose(A.backward_cuda(g, s, kind, a, b, kernels=act_k),
                                   A.act_backward_reference(g, s_ref, kind, a, b), **tol(dtype),
                                   err_msg=f"{kind} backward n={n}")


@pytest.mark.parametrize("kind", A.ACTIVATIONS)
def test_activation_with_fused_bias(act_k, kind):
    """Bias broadcast over rows (i % cols inside the kernel), including rows that straddle grid strides."""
    rng = np.random.default_rng(2)
    a, b = PARAMS.get(kind, (0.0, 0.0))
    for shape in [(7, 13), (1, 1), (3, 5, 33), (0, 4)]:
        x = rng.standard_normal(shape).astype(np.float32)
        bias = rng.standard_normal(shape[-1]).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        y_ref, s_ref = A.act_forward_reference(x, kind, a, b, bias)
        y, s = A.forward_cuda(x, kind, a, b, bias, kernels=act_k)
        np.testing.assert_allclose(y, y_ref, **tol(np.float32))
        np.testing.assert_allclose(A.backward_cuda(g, s, kind, a, b, bias, kernels=act_k),
                                   A.act_backward_reference(g, s_ref, kind, a, b, bias), **tol(np.float32))


def test_activation_edge_values(act_k):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e30, 80.0, -80.0], np.float32)
    for kind in A.ACTIVATIONS:
        a, b = PARAMS.get(kind, (0.0, 0.0))
        y_ref, _ = A.act_forward_reference(x, kind, a, b)
        with np.errstate(all="ignore"):
            y, _ = A.forward_cuda(x, kind, a, b, kernels=act_k)
        np.testing.assert_allclose(y, y_ref, **tol(np.float32), err_msg=kind)


def test_larger_launch_shape(act_k):
    """The production block size (256) over a grid capped at 4 blocks: 100,003 elements take 98 strides."""
    k = _hostsim.HostKernels("activation", A.KERNELS, block=256, max_grid=4)
    x = np.random.default_rng(3).standard_normal(100_003).astype(np.float32)
    np.testing.assert_allclose(A.forward_cuda(x, "gelu", kernels=k)[0], A.act_forward_reference(x, "gelu")[0],
                               **tol(np.float32))


# a thread per row below BLOCK_MIN_CLASSES (128) columns, a block per row from there (65 rows over a grid of 3
# blocks: 22 grid strides; 129 and 1000 columns: partial sweeps of the 64-thread block)
CE_SHAPES = [(1, 1), (1, 5), (7, 3), (64, 10), (65, 10), (200, 37), (0, 4), (1, 128), (65, 129), (3, 1000)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_ce(ce_k, dtype, smoothing):
    rng = np.random.default_rng(4)
    for n, c in CE_SHAPES:
        x = (rng.standard_normal((n, c)) * 5).astype(dtype)
        t = rng.integers(0, c, n)
        t[::3] = -100                                       # ignored rows
        g = rng.standard_normal(n).astype(dtype)
        loss_r, m_r, ls_r = S.ce_forward_reference(x, t, -100, smoothing)
        loss, m, ls = S.forward_cuda(x, t, -100, smoothing, kernels=ce_k)
        np.testing.assert_allclose(loss, loss_r, **tol(dtype), err_msg=f"{n}x{c}")
        np.testing.assert_allclose(S.backward_cuda(x, t, m, ls, g, -100, smoothing, kernels=ce_k),
                                   S.ce_backward_reference(x, t, m_r, ls_r, g, -100, smoothing), **tol(dtype))


def test_softmax_ce_backward_takes_row_statistics_of_any_layout(ce_k):
    """Row statistics in float64 or strided (from another forward than the kernel's) are converted to the
    logits' dtype and made contiguous before the launch, as the Numba path does, not read as raw memory."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((5, 7)).astype(np.float32)
    t = rng.integers(0, 7, 5)
    g = rng.standard_normal(5).astype(np.float32)
    loss, m, ls = S.ce_forward_reference(x.astype(np.float64), t)
    want = S.ce_backward_reference(x, t, m.astype(np.float32), ls.astype(np.float32), g)
    for m_, ls_ in [(m, ls), (np.repeat(m, 2)[::2], np.repeat(ls, 2)[::2])]:
        np.testing.assert_allclose(S.backward_cuda(x, t, m_, ls_, g, kernels=ce_k), want, **tol(np.float32))


@pytest.mark.parametrize("c", [6, 200])                        # thread per row, block per row
def test_softmax_ce_huge_logits(ce_k, c):
    """Logits of magnitude 1e30 in float32: finite, and equal to the float64 reference."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((9, c)) * 1e30).astype(np.float32)
    t = rng.integers(0, c, 9)
    loss, m, ls = S.forward_cuda(x, t, -100, 0.0, kernels=ce_k)
    dx = S.backward_cuda(x, t, m, ls, np.ones(9, np.float32), -100, 0.0, kernels=ce_k)
    x64 = x.astype(np.float64)
    loss_r, m_r, ls_r = S.ce_forward_reference(x64, t)
    assert np.isfinite(loss).all() and np.isfinite(dx).all()
    np.testing.assert_allclose(loss, loss_r, rtol=1e-6)
    np.testing.assert_allclose(dx, S.ce_backward_reference(x64, t, m_r, ls_r, np.ones(9)), atol=1e-6)


# -- optimizers --------------------------------------------------------------------------------------------------
OPTIM_CASES = [
    ("sgd_step", dict(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False)),
    ("sgd_step", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=False, weight_decay=0.01, maximize=True)),
    ("sgd_step", dict(lr=0.1, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.0, maximize=False)),
    ("adam_step", dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
                       amsgrad=False, maximize=False)),
    ("adam_step", dict(lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1, decoupled_weight_decay=True,
                       amsgrad=True, maximize=False)),
    ("adam_step", dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.05, decoupled_weight_decay=False,
                       amsgrad=False, maximize=True)),
    ("rmsprop_step", dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                          maximize=False)),
    ("rmsprop_step", dict(lr=1e-2, alpha=0.9, eps=1e-8, weight_decay=0.1, momentum=0.9, centered=True,
                          maximize=True)),
    ("adagrad_step", dict(lr=0.1, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                          maximize=False)),
    ("adagrad_step", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-10,
                          maximize=True)),
]

N_BUFFERS = {"sgd_step": 3, "adam_step": 5, "rmsprop_step": 5, "adagrad_step": 3}


def run_steps(name, opts, n, dtype, steps, **impl):
    """``steps`` steps of ``name`` on fixed random buffers and gradients; returns the buffers."""
    rng = np.random.default_rng(6)
    bufs = [rng.standard_normal(n).astype(dtype)] + [np.zeros(n, dtype) for _ in range(N_BUFFERS[name] - 1)]
    fn = getattr(O, name)
    for step in range(1, steps + 1):
        bufs[1][:] = rng.standard_normal(n)
        extra = {"first_step": step == 1} if name == "sgd_step" else {}
        if name in ("adam_step", "adagrad_step"):
            extra = {"step": step}
        fn(*bufs, **opts, **extra, **impl)
    return bufs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,opts", OPTIM_CASES, ids=[f"{n}{i}" for i, (n, _) in enumerate(OPTIM_CASES)])
def test_optimizer_steps(optim_k, name, opts, dtype):
    for n in (1, 65, 1000):
        ref = run_steps(name, opts, n, dtype, 3, impl="reference")
        sim = run_steps(name, opts, n, dtype, 3, _kernels=optim_k)
        for i, (r, s) in enumerate(zip(ref, sim)):
            np.testing.assert_allclose(s, r, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-7 if
                                       dtype == np.float32 else 1e-15, err_msg=f"{name} buffer {i} n={n}")


def test_adam_1000_steps(optim_k):
    """1,000 AdamW+amsgrad steps: the simulated CUDA kernel and the reference stay within 1e-6 relative."""
    opts = OPTIM_CASES[4][1]
    ref = run_steps("adam_step", opts, 257, np.float32, 1000, impl="reference")
    sim = run_steps("adam_step", opts, 257, np.float32, 1000, _kernels=optim_k)
    np.testing.assert_allclose(sim[0], ref[0], rtol=1e-6, atol=1e-7)


def test_fill(optim_k):
    for dtype in DTYPES:
        buf = np.ones(1001, dtype)
        O.fill_(buf, 2.5, _kernels=optim_k)
        assert (buf == 2.5).all()
        O.zero_(buf, _kernels=optim_k)
        assert not buf.any()


def test_fill_strided_buffer(optim_k):
    """A strided 1-D view is filled element by element, not as n consecutive values from its start."""
    base = np.zeros(20, np.float32)
    O.fill_(base[::2], 1.0, _kernels=optim_k)
    assert base.tolist() == [1.0, 0.0] * 10


def test_launch_arguments_are_checked_against_the_kernel(optim_k):
    """The simulation refuses what a GPU would silently misread: a scalar of the wrong size or kind, a Python
    number, a missing argument, a scalar where a pointer goes."""
    buf = np.zeros(4, np.float32)
    fill = optim_k.function("fill<float>")
    fill((1,), (4,), (buf, np.int64(4), np.float32(2.0)))
    assert (buf == 2).all()
    for args, msg in [((buf, np.int64(4), np.float64(1.0)), "argument 2 must be a numpy float scalar of 4 bytes"),
                      ((buf, np.int32(4), np.float32(1.0)), "argument 1 must be a numpy integer scalar of 8"),
                      ((buf, 4, np.float32(1.0)), r"argument 1 .* got int"),
                      ((buf, np.int64(4)), "2 arguments for 3 parameters"),
                      ((np.float32(0), np.int64(4), np.float32(1.0)), "argument 0 must be an array or NULL")]:
        with pytest.raises(TypeError, match=f"fill<float>: {msg}"):
            fill((1,), (4,), args)
    sgd = optim_k.function("sgd_step<float>")
    with pytest.raises(TypeError, match="argument 8 must be a numpy integer scalar of 4 bytes"):
        sgd((1,), (4,), (buf, buf, NULL, np.int64(4), *[np.float32(0)] * 4, np.int64(0), np.int32(0),
                         np.int32(1)))


def test_block_kernel_needs_the_threaded_simulation():
    """A kernel that waits at __syncthreads cannot run with sequential threads: the shim aborts (in a child
    process here) rather than compute garbage."""
    code = ("import numpy as np\n"
            "from gpugrad.kernels import softmax_ce as S, _hostsim\n"
            "k = _hostsim.HostKernels('softmax_ce', S.KERNELS)      # no threaded=\n"
            "S.forward_cuda(np.zeros((2, 300), np.float32), np.zeros(2, np.int64), kernels=k)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == -signal.SIGABRT, (r.returncode, r.stderr[-500:])


# -- the whole GPU dispatch path, with the host simulation standing in for the GPU -----------------------------
def simulate_gpu(monkeypatch, kernel_sets):
    """Route every fused op of gpugrad's own code (ops, optimizers) to the CUDA wrappers, whose launches run
    the .cu sources on the host: from the autograd ops down to each kernel's arguments, this is the path a
    GPU executes. Returns the list of kernel names launched."""
    launched = []
    for mod, k in zip((A, S, O), kernel_sets):
        def function(name, _k=k):
            launched.append(name)
            return _k.function(name)
        monkeypatch.setattr(mod, "select", lambda op, x, impl, ok: "cuda" if impl == "auto" else impl)
        monkeypatch.setattr(mod.CUDA, "function", function)
        monkeypatch.setattr(mod.CUDA, "block", k.block)
        monkeypatch.setattr(mod.CUDA, "max_grid", k.max_grid)
    return launched


def _mlp_training(steps=3):
    """A few steps of Linear+GELU (linear_act) -> Linear -> cross-entropy with smoothing, Adam on flat buffers."""
    import gpugrad as gg
    from gpugrad.ops import nn_ops as F
    rng = np.random.default_rng(11)
    w1, b1 = rng.standard_normal((16, 8)).astype(np.float32) * 0.3, np.zeros(16, np.float32)
    w2 = rng.standard_normal((5, 16)).astype(np.float32) * 0.3
    x = gg.tensor(rng.standard_normal((33, 8)).astype(np.float32))
    y = gg.tensor(rng.integers(0, 5, 33))
    flat = np.concatenate([w1.ravel(), b1, w2.ravel()])
    grad, m, v = np.zeros_like(flat), np.zeros_like(flat), np.zeros_like(flat)
    losses = []
    for step in range(1, steps + 1):
        W1 = gg.tensor(flat[:128].reshape(16, 8), requires_grad=True)
        B1 = gg.tensor(flat[128:144], requires_grad=True)
        W2 = gg.tensor(flat[144:].reshape(5, 16), requires_grad=True)
        h = F.linear_act(x, W1, B1, "gelu")
        loss = F.cross_entropy(F.linear(h, W2), y, label_smoothing=0.1)
        loss.backward()
        losses.append(loss.item())
        grad[:] = np.concatenate([W1.grad._data.ravel(), B1.grad._data, W2.grad._data.ravel()])
        O.adam_step(flat, grad, m, v, None, step=step, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8,
                    weight_decay=0.0, decoupled_weight_decay=False, amsgrad=False, maximize=False)
    return np.array(losses), flat


def test_training_through_simulated_gpu_matches_reference(monkeypatch, act_k, ce_k, optim_k):
    from gpugrad.kernels import use_fused
    with use_fused(False):
        ref_losses, ref_params = _mlp_training()
    launched = simulate_gpu(monkeypatch, (act_k, ce_k, optim_k))
    losses, params = _mlp_training()
    assert {"act_fwd<Gelu, float>", "act_bwd<Gelu, float>", "softmax_ce_fwd<float>", "softmax_ce_bwd<float>",
            "adam_step<float>"} <= set(launched)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    np.testing.assert_allclose(params, ref_params, rtol=1e-5, atol=1e-6)


def test_activation_dtypes_follow_the_reference_on_the_gpu_path(monkeypatch, act_k, ce_k, optim_k):
    """A bias or saved value of another dtype than the input: the result takes NumPy's promoted dtype on the
    GPU path too (the reference runs, as the Numba path does), not the kernel's cast to the input's dtype."""
    simulate_gpu(monkeypatch, (act_k, ce_k, optim_k))
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    b64 = np.linspace(-1, 1, 4)
    y, s = A.act_forward(x, "gelu", bias=b64)
    y_ref, s_ref = A.act_forward_reference(x, "gelu", bias=b64)
    assert y.dtype == y_ref.dtype == np.float64
    np.testing.assert_allclose(y, y_ref, rtol=1e-12)
    dx = A.act_backward(x, s, "gelu", bias=b64)
    assert dx.dtype == np.float64
    np.testing.assert_allclose(dx, A.act_backward_reference(x, s_ref, "gelu", bias=b64), rtol=1e-12)
    y32, _ = A.act_forward(x, "tanh")
    assert A.act_backward(np.ones(x.shape), y32, "tanh").dtype == np.float64           # float64 gradient
    assert A.act_backward(x, y32.astype(np.float64), "tanh").dtype == np.float64      # float64 saved value


def test_softmax_ce_target_out_of_range_gives_nan(ce_k):
    """The ops reject such targets first; the kernels must still not read out of bounds."""
    x = np.zeros((3, 4), np.float32)
    t = np.array([1, 4, -7])
    ones = np.ones(3, np.float32)
    for loss, dx in [(lambda: S.forward_cuda(x, t, -100, 0.0, kernels=ce_k),
                      lambda m, ls: S.backward_cuda(x, t, m, ls, ones, -100, 0.0, kernels=ce_k)),
                     (lambda: S.ce_forward(x, t, -100, 0.0, impl="numba"),
                      lambda m, ls: S.ce_backward(x, t, m, ls, ones, -100, 0.0, impl="numba"))]:
        with np.errstate(invalid="ignore"):
            l, m, ls = loss()
            d = dx(m, ls)
        assert np.isfinite(l[0]) and np.isnan(l[1:]).all()
        assert np.isfinite(d[0]).all() and np.isnan(d[1:]).all()
