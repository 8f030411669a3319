"""float32 fast math (gpugrad/kernels/_fastmath.py, issue 11): over a dense sample of all float32 values and
the special ones, within 2 ulp or 1e-6 relative (whichever is larger) of float64 references, and the same
NaN / inf / signed-zero results as PyTorch's float32 functions."""
import numpy as np
import pytest

from gpugrad.kernels import _fastmath as F

special = pytest.importorskip("scipy.special")

REFS = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "tanh": np.tanh,
        "sigmoid": special.expit, "erf": special.erf}

# every 4099th bit pattern (odd stride: all exponents, both signs, mantissas spread), the edges of float32
# and of each function's range, subnormals, signed zeros, infinities and NaN
_F32 = np.finfo(np.float32)
SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, _F32.tiny, -_F32.tiny, _F32.smallest_subnormal,
                     -_F32.smallest_subnormal, 1e-40, -1e-40, _F32.max, -_F32.max, _F32.eps, 1.0, -1.0, 2.0,
                     88.72283, 88.72284, 88.7229, 89.0, -87.33654, -87.3366, -103.97207, -103.9721, -104.0,
                     -150.0, 0.34657359, -0.34657359, 0.625, -0.625, 0.62499994, 1.0000001, 0.99999994, 3.92,
                     4.0, -4.0, 9.0, -9.0, 20.0, -20.0, -0.99999994, -1.0000001, 1e-8, -1e-8, 1e30, -1e30],
                    np.float32)


def _sample():
    bits = np.arange(0, 2 ** 32, 4099, dtype=np.uint64).astype(np.uint32)
    return np.concatenate([bits.view(np.float32), SPECIALS])


@pytest.fixture(scope="module")
def sample():
    return _sample()


@pytest.mark.parametrize("name", list(F.UNARY))
def test_within_two_ulp_or_1e6_relative_of_float64(name, sample):
    got = F.unary(name, sample)
    with np.errstate(all="ignore"):
        ref = REFS[name](sample.astype(np.float64))
        ref32 = ref.astype(np.float32)
    finite = np.isfinite(ref32)
    err = np.abs(got[finite].astype(np.float64) - ref[finite])
    tol = np.maximum(2 * np.spacing(np.abs(ref32[finite])).astype(np.float64), 1e-6 * np.abs(ref[finite]))
    worst = np.argmax(err / tol)
    assert (err <= tol).all(), (f"{name}({sample[finite][worst]!r}) = {got[finite][worst]!r}, float64 gives "
                                f"{ref[finite][worst]!r}")
    # where the float64 value rounds to inf or NaN, the same
    np.testing.assert_array_equal(got[~finite], ref32[~finite])


@pytest.mark.parametrize("name", list(F.UNARY))
def test_special_values_as_pytorch(name):
    torch = pytest.importorskip("torch")
    got = F.unary(name, SPECIALS)
    fn = torch.sigmoid if name == "sigmoid" else torch.special.erf if name == "erf" else getattr(torch, name)
    want = fn(torch.from_numpy(SPECIALS)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got) & (got > 0), np.isinf(want) & (want > 0))
    np.testing.assert_array_equal(np.isinf(got) & (got < 0), np.isinf(want) & (want < 0))
    zero = SPECIALS == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))   # f(-0) = -0 (tanh, erf..)
    # PyTorch's vectorized functions flush some subnormal results to 0 (sigmoid(-103.97), log1p(1e-45)): allow
    # two subnormal steps
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2 * np.finfo(np.float32).smallest_subnormal)


def test_parallel_kernel_equals_serial():
    x = np.random.default_rng(0).standard_normal(F.PARALLEL_MIN + 12345).astype(np.float32) * 4
    for name in ("exp", "tanh", "erf"):
        serial = np.empty_like(x)
        F._unary_serial(x, serial, F.UNARY[name])
        np.testing.assert_array_equal(F.unary(name, x), serial)


def test_exp_nonpos_within_two_ulp_for_every_nonpositive_input(sample):
    """exp_nonpos32 (sigmoid's, erf's and softmax's e^x, x <= 0) over the sample's non-positive values, NaN and
    -inf, inside a loop LLVM vectorizes as in the kernels: subnormal results round once, NaN stays NaN."""
    from numba import njit

    @njit(fastmath=F.FASTMATH, error_model="numpy")
    def loop(x, out):
        for i in range(x.size):
            out[i] = F.exp_nonpos32(x[i])
    x = sample[(sample <= 0) | np.isnan(sample)]
    got = np.empty_like(x)
    loop(x, got)
    with np.errstate(all="ignore"):
        ref = np.exp(x.astype(np.float64))
    ok = ~np.isnan(x)
    err = np.abs(got[ok] - ref[ok])
    tol = np.maximum(2 * np.spacing(ref[ok].astype(np.float32)).astype(np.float64), 1e-6 * ref[ok])
    assert (err <= tol).all(), x[ok][np.argmax(err / tol)]
    assert np.isnan(got[~ok]).all()
    np.testing.assert_array_equal(F.unary("exp", x[ok]), got[ok])    # exp32 gives the same floats


def test_normal_cdf_relative_error_over_the_whole_line(sample):
    """ncdf32 (GELU's Phi, one polynomial for every x) against float64 Phi: the relative error stays small far
    into the left tail, where (1 + erf(x / sqrt 2)) / 2 in float32 has no digit left, and NaN / +-inf / +-0
    give NaN / 1, 0 / 0.5."""
    from numba import njit

    @njit(fastmath=F.FASTMATH, error_model="numpy")
    def loop(x, out):
        for i in range(x.size):
            out[i] = F.ncdf32(x[i])
    x = np.concatenate([sample, np.linspace(-13, 9, 200001, dtype=np.float32)])
    got = np.empty_like(x)
    loop(x, got)
    ok = np.isfinite(x)
    ref = special.ndtr(x[ok].astype(np.float64))
    rel = np.abs(got[ok] - ref) / np.maximum(ref, 1e-300)
    for lo, bound in ((-2.0, 5e-7), (-8.0, 1.5e-6), (-13.0, 5e-6)):
        band = x[ok] >= lo
        assert rel[band].max() <= bound, (lo, x[ok][band][np.argmax(rel[band])])
    deep = x[ok] < -13.0                          # subnormal and zero results: a few of the smallest steps
    assert (np.abs(got[ok][deep] - ref[deep]) <= 64 * np.finfo(np.float32).smallest_subnormal).all()
    assert (got[ok] >= 0).all() and (got[ok] <= 1).all()
    sp = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], np.float32)
    out = np.empty_like(sp)
    loop(sp, out)
    np.testing.assert_array_equal(out, [np.nan, 1.0, 0.0, 0.5, 0.5])
