"""gpugrad.exp / log / log1p / expm1 / erf on large float32 CPU tensors run the vectorized kernels of
gpugrad/kernels/_fastmath.py (ops/elementwise.py, _FAST_MIN): values and gradients as PyTorch's, within float32
rounding, with the special values (zeros, infinities, NaN, the domain edges) giving PyTorch's results."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad.ops import elementwise as E

torch = pytest.importorskip("torch")

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -2.0, 1e-30, -1e-30, 88.8, -104.0, 1e-45],
                   np.float32)


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "expm1", "erf"])
def test_large_float32_as_torch(name):
    rng = np.random.default_rng(0)
    n = max(E._FAST_MIN[name], 4096) + 7
    x0 = (rng.standard_normal(n) * 5).astype(np.float32)
    if name in ("log", "log1p"):
        x0 = np.abs(x0) - (0.5 if name == "log1p" else 0.0)
    x0[:SPECIAL.size] = SPECIAL
    fn = getattr(gg, name) if name != "erf" else gg.special.erf
    tfn = getattr(torch, name) if name != "erf" else torch.special.erf
    x, tx = gg.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = fn(x), tfn(tx)
    got, want = y.detach().numpy(), ty.detach().numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got) & (got > 0), np.isinf(want) & (want > 0))
    np.testing.assert_array_equal(np.isinf(got) & (got < 0), np.isinf(want) & (want < 0))
    ok = np.isfinite(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=3e-6, atol=1e-37)
    g0 = rng.standard_normal(n).astype(np.float32)
    y.backward(gg.tensor(g0))
    ty.backward(torch.tensor(g0))
    gx, tgx = x.grad.numpy(), tx.grad.numpy()
    ok = np.isfinite(tgx) & np.isfinite(want)
    # (expm1's gradient g (y + 1) and PyTorch's share the cancellation of y + 1 near y = -1: one ulp of y
    # there is 1e-7 of the gradient, absolute)
    np.testing.assert_allclose(gx[ok], tgx[ok], rtol=1e-5, atol=1e-6)


def test_small_and_other_arrays_keep_numpy():
    """Below the size thresholds, in float64 and for non-contiguous views, NumPy's functions run (no kernel)."""
    x = np.linspace(0.1, 3, 100, dtype=np.float32)
    assert E._fast32("exp", x) is None
    assert E._fast32("log1p", np.linspace(0.1, 3, 5000)) is None                      # float64
    assert E._fast32("log1p", np.linspace(0.1, 3, 10000, dtype=np.float32)[::2]) is None   # strided
    big = x.repeat(4)                                      # 400 elements: above log1p's threshold
    np.testing.assert_allclose(E._fast32("log1p", big), np.log1p(big.astype(np.float64)), rtol=2e-7)
