"""The float32 fast-math activation kernels (gpugrad/kernels/_activation32.py, issue 11) against the float64
references of activation.py: forward, backward, the fused bias add and the bias gradient of the same pass,
the two-thread split of large arrays, and NaN / inf inputs as PyTorch."""
import numpy as np
import pytest

from gpugrad.kernels import activation as A, _activation32 as K, _halves
from gpugrad.kernels._fastmath import PARALLEL_MIN

PARAMS = {"leaky_relu": (0.1, 0.0), "elu": (1.3, 0.0), "softplus": (1.5, 20.0)}


def _ref(x, g, kind, bias):
    a, b = PARAMS.get(kind, (0.0, 0.0))
    b64 = None if bias is None else bias.astype(np.float64)
    y, s = A.act_forward_reference(x.astype(np.float64), kind, a, b, b64)
    return y, A.act_backward_reference(g.astype(np.float64), s, kind, a, b, b64)


@pytest.mark.parametrize("kind", A.ACTIVATIONS)
@pytest.mark.parametrize("shape", [(7,), (33, 17), (3, 4100), (0, 5)])
def test_fused_kernels_match_float64_references(kind, shape):
    rng = np.random.default_rng(0)
    a, b = PARAMS.get(kind, (0.0, 0.0))
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    for bias in ([None] if len(shape) == 1 else [None, rng.standard_normal(shape[-1]).astype(np.float32)]):
        yr, dxr = _ref(x, g, kind, bias)
        y, s = A.act_forward(x, kind, a, b, bias=bias, impl="numba")
        dx, db = A.act_backward(g, s, kind, a, b, bias=bias, bias_grad=True, impl="numba")
        assert y.dtype == dx.dtype == db.dtype == np.float32
        np.testing.assert_allclose(y, yr, rtol=3e-6, atol=1e-6)
        # gelu_tanh's derivative subtracts nearly equal terms for large |x|: float32 rounding of the formula
        np.testing.assert_allclose(dx, dxr, rtol=3e-5, atol=2e-5 if kind == "gelu_tanh" else 1e-6)
        np.testing.assert_allclose(db, dxr.reshape(-1, shape[-1]).sum(0), rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(A.act_backward(g, s, kind, a, b, bias=bias, impl="numba"), dx)


@pytest.mark.parametrize("kind", ["relu", "gelu", "tanh"])
def test_two_thread_split_equals_one_pass(kind, monkeypatch):
    monkeypatch.setattr(K, "crowded", lambda: False)      # split even on a busy machine
    rng = np.random.default_rng(1)
    rows = PARALLEL_MIN // 256 + 3
    x = rng.standard_normal((rows, 256)).astype(np.float32)
    bias = rng.standard_normal(256).astype(np.float32)
    y, s = A.act_forward(x, kind, bias=bias, impl="numba")
    dx, db = A.act_backward(x, s, kind, bias=bias, bias_grad=True, impl="numba")
    y1, dx1, db1 = np.empty_like(x), np.empty_like(x), np.empty_like(bias)
    K.KERNELS[A.SPEC[kind][1]][0](x, bias, y1, np.float32(0), np.float32(0))
    add = bias if A.SPEC[kind][2] else K.neg_zeros(256)
    K.KERNELS[A.SPEC[kind][1]][1](x, s, add, dx1, db1, np.float32(0), np.float32(0))
    np.testing.assert_array_equal(y, y1)
    np.testing.assert_array_equal(dx, dx1)
    np.testing.assert_allclose(db, db1, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("kind", A.ACTIVATIONS)
def test_flat_two_thread_split_equals_one_pass(kind, monkeypatch):
    """Plain activations (no bias) run the flat kernels, split in two halves from PARALLEL_MIN elements (an odd
    size: the split point is rounded to 16 elements)."""
    monkeypatch.setattr(K, "crowded", lambda: False)
    rng = np.random.default_rng(2)
    a, b = (np.float32(v) for v in PARAMS.get(kind, (0.0, 0.0)))
    x = (rng.standard_normal(PARALLEL_MIN + 37) * 3).astype(np.float32)
    g = rng.standard_normal(x.size).astype(np.float32)
    y, s = A.act_forward(x, kind, a, b, impl="numba")
    dx = A.act_backward(g, s, kind, a, b, impl="numba")
    fwd, bwd = K.FLAT[A.SPEC[kind][1]]
    y1, dx1 = np.empty_like(x), np.empty_like(x)
    fwd(x, y1, a, b)
    bwd(g, s, dx1, a, b)
    np.testing.assert_array_equal(y, y1)
    np.testing.assert_array_equal(dx, dx1)
    yr, dxr = _ref(x, g, kind, None)
    np.testing.assert_allclose(y, yr, rtol=3e-6, atol=1e-6)
    np.testing.assert_allclose(dx, dxr, rtol=3e-5, atol=2e-5 if kind == "gelu_tanh" else 1e-6)


@pytest.mark.parametrize("kind", ["relu", "gelu", "gelu_tanh", "silu", "tanh", "sigmoid", "elu", "softplus"])
def test_special_values_as_pytorch(kind):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 100.0, -100.0, 3e38, -3e38], np.float32)
    a, b = PARAMS.get(kind, (1.0, 20.0) if kind == "softplus" else (0.0, 0.0))
    fn = {"relu": F.relu, "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"), "silu": F.silu,
          "tanh": torch.tanh, "sigmoid": torch.sigmoid, "elu": lambda t: F.elu(t, a),
          "softplus": lambda t: F.softplus(t, a, b)}[kind]
    if kind == "gelu":      # PyTorch gives gelu(inf) = nan and gelu(3e38) = inf; x Phi(x) is inf and 3e38
        x = x[np.abs(x) < 1e38]
    want = fn(torch.from_numpy(x)).numpy()
    got, _ = A.act_forward(x, kind, a, b, impl="numba")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    # PyTorch flushes subnormal results to 0 (sigmoid(-100) = 3.8e-44, silu(-100) = -3.8e-42): atol covers them
    np.testing.assert_allclose(got[ok], want[ok], rtol=2e-6, atol=1e-41)


@pytest.mark.parametrize("crowded", [False, True])
def test_split_only_when_the_second_core_is_free(crowded, monkeypatch):
    """Large kernels use the second thread unless :func:`_blas.crowded` says a BLAS worker or another process holds
    the other core; the results are the same either way."""
    submitted = []

    class Spy:
        def submit(self, fn, *args):
            from concurrent.futures import Future
            submitted.append(fn)
            fn(*args)
            done = Future()
            done.set_result(None)
            return done
    monkeypatch.setattr(K, "crowded", lambda: crowded)
    monkeypatch.setattr(_halves, "pool", lambda: Spy())
    rng = np.random.default_rng(3)
    x = rng.standard_normal((PARALLEL_MIN // 256 + 1, 256)).astype(np.float32)
    bias = rng.standard_normal(256).astype(np.float32)
    y, s = A.act_forward(x, "silu", bias=bias, impl="numba")
    dx, db = A.act_backward(x, s, "silu", bias=bias, bias_grad=True, impl="numba")
    flat = A.act_forward(x.reshape(-1), "tanh", impl="numba")[0]
    assert len(submitted) == (0 if crowded else 3)
    yr, dxr = _ref(x, x, "silu", bias)
    np.testing.assert_allclose(y, yr, rtol=3e-6, atol=1e-6)
    np.testing.assert_allclose(dx, dxr, rtol=3e-5, atol=1e-6)
    np.testing.assert_allclose(flat, np.tanh(x.reshape(-1).astype(np.float64)), rtol=3e-6, atol=1e-6)


def test_crowded_while_a_blas_worker_spins(monkeypatch):
    """A threaded matmul marks the other core as taken for SPIN_S seconds; a one-thread matmul does not."""
    from gpugrad.kernels import _blas
    monkeypatch.setattr(_blas, "busy", lambda: False)
    monkeypatch.setitem(_blas._state, "threaded_at", -1.0)
    monkeypatch.setitem(_blas._state, "fixed", 1)
    _blas.prepare(1024, 1024, 1024)
    assert not _blas.crowded()
    monkeypatch.setitem(_blas._state, "fixed", 2)
    _blas.prepare(1024, 1024, 1024)
    assert _blas.crowded()
    monkeypatch.setitem(_blas._state, "threaded_at", _blas._state["threaded_at"] - _blas.SPIN_S)
    assert not _blas.crowded()
