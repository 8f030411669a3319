"""The scatter family (gpugrad/ops/scatter.py) against PyTorch: scatter (with and without reduce=),
scatter_add, scatter_reduce, index_add/index_copy/index_fill, masked_scatter and their in-place methods, on
values (exactly, for integer dtypes too) and gradients (a random cotangent's vector-Jacobian product, float64),
with finite-difference gradient checks, and PyTorch's error conditions. Every case runs on each test device
(the strict stand-in too, with GPUGRAD_TEST_STRICT=1)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def _lib_tensor(L, a, device, grad=False):
    if L is torch:
        return torch.tensor(a, requires_grad=grad)
    return gg.tensor(a, device=device, requires_grad=grad)


def run_both(fn, arrays, grads, device, seed=0):
    """``fn(L, *tensors)`` in gpugrad (on ``device``) and in PyTorch: the outputs and, for the float inputs
    flagged in ``grads``, the gradients of <output, w> for one random w; checked equal."""
    res = {}
    for L in (gg, torch):
        ts = [_lib_tensor(L, a, device, g) for a, g in zip(arrays, grads)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # scatter(reduce=)'s deprecation, in both
            y = fn(L, *ts)
        out = [y.detach().cpu().numpy() if L is gg else y.detach().numpy()]
        if any(grads):
            w = np.random.default_rng(seed).standard_normal(tuple(y.shape))
            (y * _lib_tensor(L, w, device)).sum().backward()
            out += [None if t.grad is None else (t.grad.cpu().numpy() if L is gg else t.grad.numpy())
                    for t, g in zip(ts, grads) if g]
        res[L] = out
    got, want = res[gg], res[torch]
    assert got[0].dtype == want[0].dtype and got[0].shape == want[0].shape
    if got[0].dtype.kind == "f":
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-14)
    else:
        np.testing.assert_array_equal(got[0], want[0])
    for g, w in zip(got[1:], want[1:]):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    return got


def cut(s, i):
    """src read where the index has elements (PyTorch's backward refuses a src larger than the index)."""
    return s[tuple(slice(0, n) for n in i.shape)] if s.ndim and i.ndim else s


def _leaves(arrays, device):
    return [gg.tensor(a, device=device, requires_grad=True) for a in arrays]


_rng = np.random.default_rng(5)
X34 = _rng.standard_normal((3, 4))
S34 = _rng.standard_normal((3, 4))
I_DIM0 = np.array([[0, 1, 2, 0], [2, 2, 0, 1]])                # index (2, 4) into (3, 4) along dim 0
I_DIM1 = np.array([[3, 0, 3], [1, 1, 1], [0, 2, 0]])           # index (3, 3) into (3, 4) along dim 1
TIES_X = np.array([[1.0, 2.0, 3.0, 2.0], [0.0, 2.0, -1.0, 5.0], [4.0, 4.0, 4.0, 4.0]])
TIES_S = np.array([[2.0, 4.0, 3.0, 2.0], [2.0, 4.0, -1.0, 5.0], [3.0, 0.0, 3.0, 1.0]])
ZEROS_S = np.array([[0.0, 2.0, 0.0, 1.5], [0.0, 0.0, 3.0, -1.0], [2.0, 0.5, 0.0, 0.0]])

# (name, input, dim, index, src): dims positive and negative, index smaller than input and src, 0-d, size 1
REDUCE_CASES = [
    ("dim0", X34, 0, I_DIM0, S34),
    ("dim1_negative", X34, -1, I_DIM1, S34),
    ("ties", TIES_X, 1, I_DIM1, TIES_S),
    ("zeros_in_src", TIES_X * (TIES_X != 2), 0, I_DIM0, ZEROS_S),
    ("3d", _rng.standard_normal((2, 3, 2)), 1, np.array([[[0, 2], [0, 0]], [[1, 1], [2, 0]]]),
     _rng.standard_normal((2, 2, 2))),
    ("0d", np.array(1.5), 0, np.array(0), np.array(-2.0)),
    ("0d_input_1d_index", np.array(1.5), -1, np.array([0, 0]), np.array([3.0, -2.0])),
    ("size1", np.array([[0.5]]), 1, np.array([[0]]), np.array([[2.0]])),
    ("1d", np.array([1.0, -2.0, 3.0]), 0, np.array([2, 2, 0, 2]), np.array([1.0, 0.0, -1.0, 4.0])),
]


@pytest.mark.parametrize("include_self", [True, False], ids=["self", "noself"])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("case", REDUCE_CASES, ids=[c[0] for c in REDUCE_CASES])
def test_scatter_reduce_values_and_gradients_match_torch(case, reduce, include_self, device):
    _, x, d, idx, s = case
    run_both(lambda L, x, i, s: L.scatter_reduce(x, d, i, cut(s, i), reduce, include_self=include_self),
             [x, idx, s], [True, False, True], device)
    run_both(lambda L, x, i, s: x.scatter_reduce(d, i, cut(s, i), reduce=reduce, include_self=include_self),
             [x, idx, s], [True, False, True], device)


@pytest.mark.parametrize("op", ["scatter", "scatter_add", "scatter_reduce"])
def test_src_larger_than_index_takes_a_zero_gradient_outside_it(op, device):
    """PyTorch reads src where the index has elements, but its backward refuses a larger src; gpugrad's
    gradient is PyTorch's for the part read and zero elsewhere."""
    args = ("amax",) if op == "scatter_reduce" else ()
    x, s = _leaves([X34, S34], device)
    getattr(gg, op)(x, 0, gg.tensor(I_DIM0[:, :3], device=device), s, *args).sum().backward()
    tx, ts = (torch.tensor(a, requires_grad=True) for a in (X34, S34))
    getattr(torch, op)(tx, 0, torch.tensor(I_DIM0[:, :3]), ts[:2, :3], *args).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.grad.cpu().numpy(), ts.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("include_self", [True, False], ids=["self", "noself"])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_gradcheck(reduce, include_self, device):
    """Finite differences, float64, away from ties (amax/amin have kinks there), reverse and forward mode;
    prod with a single zero and with two zeros at one position."""
    s = S34 if reduce != "prod" else ZEROS_S + 0.1 * S34 * (ZEROS_S != 0)
    for d, idx in ((0, I_DIM0), (-1, I_DIM1)):
        inputs = _leaves([X34, s], device)
        i = gg.tensor(idx, device=device)
        assert gradcheck(lambda x, s: gg.scatter_reduce(x, d, i, s, reduce, include_self=include_self), inputs,
                         check_forward_ad=True)
    if reduce in ("sum", "mean", "amax"):
        inputs = _leaves([X34, s], device)
        assert gradgradcheck(lambda x, s: gg.scatter_reduce(x, 0, gg.tensor(I_DIM0, device=device), s, reduce,
                                                            include_self=include_self), inputs)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float16"])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_exact_for_every_dtype(reduce, dtype, device):
    rng = np.random.default_rng(3)
    if dtype == "bool":
        x, s = rng.uniform(size=(4, 5)) > 0.5, rng.uniform(size=(6, 5)) > 0.5
    elif dtype[0] in "iu":
        hi = 4 if reduce == "prod" else 120
        lo = 0 if dtype[0] == "u" else -hi
        x, s = rng.integers(lo, hi, (4, 5)).astype(dtype), rng.integers(lo, hi, (6, 5)).astype(dtype)
    else:
        x, s = rng.integers(-4, 5, (4, 5)).astype(dtype), rng.integers(-4, 5, (6, 5)).astype(dtype)
    idx = rng.integers(0, 4, (6, 5))
    for include_self in (True, False):
        if reduce == "mean" and dtype == "bool":
            for L in (gg, torch):
                with pytest.raises((NotImplementedError, RuntimeError)):
                    L.scatter_reduce(_lib_tensor(L, x, device), 0, _lib_tensor(L, idx, device),
                                     _lib_tensor(L, s, device), reduce, include_self=include_self)
            continue
        run_both(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, reduce, include_self=include_self),
                 [x, idx, s], [False] * 3, device)


def test_scatter_reduce_nan_propagates_and_wraps_like_torch(device):
    nan = float("nan")
    for reduce in ("amax", "amin", "sum", "prod", "mean"):
        run_both(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, reduce, include_self=False),
                 [np.array([1.0, nan, 2.0]), np.array([0, 0, 1, 2]), np.array([nan, 2.0, 3.0, 5.0])],
                 [False] * 3, device)
    # integer means sum in the dtype (wrapping) and round down, as PyTorch's
    run_both(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "mean"),
             [np.array([1, 2], dtype=np.uint8), np.array([0, 0]), np.array([200, 100], dtype=np.uint8)],
             [False] * 3, device)
    run_both(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "mean"),
             [np.array([-4, 7]), np.array([0, 0, 1, 1]), np.array([0, 0, 2, 2])], [False] * 3, device)


def test_scatter_reduce_inplace_and_empty_index(device):
    run_both(lambda L, x, i, s: (x * 1).scatter_reduce_(1, i, cut(s, i), "amin", include_self=False),
             [TIES_X, I_DIM1, TIES_S], [True, False, True], device)
    run_both(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "mean", include_self=False),
             [np.zeros(3), np.zeros(0, np.int64), np.zeros(0)], [True, False, True], device)
    run_both(lambda L, x, i, s: (x * 1).scatter_reduce_(0, i, s, "prod"),
             [np.array(2.0), np.array([0, 0]), np.array([3.0, -1.5])], [True, False, True], device)
    run_both(lambda L, x, i, s: L.scatter_reduce(x, 1, i, s, "amax"),
             [np.zeros((0, 3)), np.zeros((0, 2), np.int64), np.zeros((0, 2))], [True, False, True], device)


# -- scatter, scatter_add -------------------------------------------------------------------------------------
SCATTER_CASES = [
    ("src", lambda L, x, i, s: x.scatter(1, i, cut(s, i)), X34, I_DIM1, S34),
    ("src_negative_dim", lambda L, x, i, s: L.scatter(x, -2, i, cut(s, i)), X34, I_DIM0[:1], S34),
    ("value", lambda L, x, i, s: L.scatter(x, 0, i, value=2.5), X34, I_DIM0[:1], S34),
    ("number_src", lambda L, x, i, s: x.scatter(0, i, -1.5), X34, I_DIM0[:1], S34),
    ("add", lambda L, x, i, s: L.scatter_add(x, 1, i, cut(s, i)), X34, I_DIM1, S34),
    ("add_inplace", lambda L, x, i, s: (x * 1).scatter_add_(0, i, cut(s, i)), X34, I_DIM0, S34),
    ("inplace", lambda L, x, i, s: (x * 1).scatter_(1, i, cut(s, i)), X34, I_DIM1[:, :1], S34),
    ("0d", lambda L, x, i, s: x.scatter(0, i, s), np.array(1.5), np.array(0), np.array(2.0)),
    ("0d_index_1d_input", lambda L, x, i, s: x.scatter(0, i, s), np.array([1.5, 2.0]), np.array(1), np.array(4.0)),
    ("size1", lambda L, x, i, s: L.scatter_add(x, 0, i, s), np.array([[1.5]]), np.array([[0]]), np.array([[3.0]])),
    ("empty_index", lambda L, x, i, s: L.scatter(x, 1, i, cut(s, i)), X34, np.zeros((3, 0), np.int64), S34),
]


@pytest.mark.parametrize("name,fn,x,i,s", SCATTER_CASES, ids=[c[0] for c in SCATTER_CASES])
def test_scatter_matches_torch(name, fn, x, i, s, device):
    run_both(fn, [x, i, s], [True, False, True], device)


def test_scatter_int32_index_and_integer_value(device):
    run_both(lambda L, x, i, s: L.scatter(x, 0, i, cut(s, i)), [X34, I_DIM0.astype(np.int32), S34],
             [True, False, True], device)
    run_both(lambda L, x, i, s: x.scatter(0, i, 2.7), [np.array([1, 2]), np.array([0]), np.zeros(1)],
             [False] * 3, device)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("dtype", ["float64", "int64", "bool"])
def test_scatter_with_reduce_values_match_torch(reduce, dtype, device):
    x, s = (TIES_X * 3).astype(dtype), (TIES_S - 1).astype(dtype)
    run_both(lambda L, x, i, s: x.scatter(1, i, s, reduce=reduce), [x, I_DIM1, s], [False] * 3, device)
    run_both(lambda L, x, i, s: L.scatter(x, 0, i, 2, reduce=reduce), [x, I_DIM0, s], [False] * 3, device)
    run_both(lambda L, x, i, s: x.clone().scatter_(0, i, s, reduce=reduce), [x, I_DIM0, s], [False] * 3, device)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_has_no_derivative_as_in_torch(reduce, device):
    for L in (gg, torch):
        x = _lib_tensor(L, X34, device, True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = x.scatter(1, _lib_tensor(L, I_DIM1, device), _lib_tensor(L, S34[:, :3], device), reduce=reduce)
        assert L is torch or any("deprecated" in str(m.message) for m in w)     # (PyTorch's warns once)
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            x.scatter(0, _lib_tensor(L, I_DIM0, device), 2.0, reduce=reduce).sum().backward()


def test_scatter_gradcheck(device):
    # scatter's value at a repeated index is one of the writes: finite differences need distinct ones per row
    i1, i0 = gg.tensor([[3, 0, 1], [1, 2, 0], [0, 2, 3]], device=device), gg.tensor(I_DIM0, device=device)
    assert gradcheck(lambda x, s: gg.scatter(x, 1, i1, s), _leaves([X34, S34], device))
    assert gradcheck(lambda x, s: gg.scatter_add(x, -2, i0, s), _leaves([X34, S34], device))


# -- index_add, index_copy, index_fill -----------------------------------------------------------------------
V3 = np.array([2, 0, 2])
INDEX_CASES = [
    ("add_dim0", lambda L, x, i, s: L.index_add(x, 0, i, s), X34, V3, S34),
    ("add_alpha_dim1", lambda L, x, i, s: x.index_add(-1, i, s, alpha=-2.5), X34, V3, S34[:, :3]),
    ("add_int32_index", lambda L, x, i, s: x.index_add(1, i.int(), s), X34, V3, S34[:, :3]),
    ("add_inplace", lambda L, x, i, s: (x * 1).index_add_(0, i, s, alpha=2), X34, V3, S34),
    ("add_0d", lambda L, x, i, s: x.index_add(0, i, s), np.array(1.0), np.array([0]), np.array(2.0)),
    ("add_0d_index", lambda L, x, i, s: x.index_add(0, i, s), X34, np.array(1), S34[:1]),
    ("add_empty", lambda L, x, i, s: x.index_add(0, i, s), X34, np.zeros(0, np.int64), S34[:0]),
    ("copy_dim0", lambda L, x, i, s: L.index_copy(x, 0, i, s), X34, np.array([2, 0]), S34[:2]),
    ("copy_dim1", lambda L, x, i, s: x.index_copy(-1, i, s), X34, np.array([3, 1, 0]), S34[:, :3]),
    ("copy_inplace", lambda L, x, i, s: (x * 1).index_copy_(1, i, s), X34, np.array([1]), S34[:, :1]),
    ("copy_0d", lambda L, x, i, s: x.index_copy(0, i, s), np.array(1.0), np.array(0), np.array(2.0)),
    ("fill_dim0", lambda L, x, i, s: L.index_fill(x, 0, i, -1.5), X34, V3, S34),
    ("fill_negative", lambda L, x, i, s: x.index_fill(1, i, 4.0), X34, np.array([0, -1, -1]), S34),
    ("fill_tensor_value", lambda L, x, i, s: x.index_fill(-1, i, s.sum()), X34, np.array([0, 3, 0]), S34),
    ("fill_inplace", lambda L, x, i, s: (x * 1).index_fill_(1, i, s[0, 0]), X34, np.array(2), S34),
    ("fill_0d", lambda L, x, i, s: x.index_fill(0, i, s.sum()), np.array(1.0), np.array([0, 0]), np.array(2.0)),
    ("fill_size1", lambda L, x, i, s: x.index_fill(1, i, 2.0), np.array([[1.0]]), np.array([0]), np.zeros(1)),
]


@pytest.mark.parametrize("name,fn,x,i,s", INDEX_CASES, ids=[c[0] for c in INDEX_CASES])
def test_index_ops_match_torch(name, fn, x, i, s, device):
    run_both(fn, [x, i, s], [True, False, True], device)


INDEX_REDUCE_CASES = [
    ("dim1_ties", TIES_X, 1, np.array([3, 0, 3]), TIES_S[:, :3]),
    ("dim0_zeros", TIES_X * (TIES_X != 2), -2, np.array([1, 1]), ZEROS_S[:2]),
    ("0d", np.array(1.5), 0, np.array([0]), np.array(-2.0)),
    ("0d_index", X34, 0, np.array(2), S34[:1]),
    ("empty", X34, 1, np.zeros(0, np.int64), S34[:, :0]),
]


@pytest.mark.parametrize("include_self", [True, False], ids=["self", "noself"])
@pytest.mark.parametrize("reduce", REDUCES[1:])
@pytest.mark.parametrize("case", INDEX_REDUCE_CASES, ids=[c[0] for c in INDEX_REDUCE_CASES])
def test_index_reduce_matches_torch(case, reduce, include_self, device):
    _, x, d, idx, s = case
    run_both(lambda L, x, i, s: x.index_reduce(d, i, s, reduce, include_self=include_self), [x, idx, s],
             [True, False, True], device)
    run_both(lambda L, x, i, s: (x * 1).index_reduce_(d, i, s, reduce, include_self=include_self),
             [x, idx, s], [True, False, True], device)
    if x.dtype.kind == "f" and x.ndim:
        xi, si = (np.round(a * 10).astype(np.int64) for a in (x, s))
        # (an int32 index forward only: PyTorch's backward with one and include_self=False fails in index_fill)
        run_both(lambda L, x, i, s: L.index_reduce(x, d, i.int(), s, reduce, include_self=include_self),
                 [xi, idx, si], [False] * 3, device)


def test_index_reduce_gradcheck(device):
    i = gg.tensor(np.array([3, 0, 3]), device=device)
    for reduce in REDUCES[1:]:
        assert gradcheck(lambda x, s: gg.index_reduce(x, 1, i, s, reduce, include_self=reduce != "amin"),
                         _leaves([X34, S34[:, :3]], device))


def test_index_ops_integer_dtypes_match_torch(device):
    x, s = np.arange(12).reshape(3, 4), np.arange(12).reshape(3, 4) * 7 - 30
    run_both(lambda L, x, i, s: x.index_add(0, i, s, alpha=2.5), [x, V3, s], [False] * 3, device)
    run_both(lambda L, x, i, s: x.index_copy(1, i, s[:, :2]), [x, np.array([3, 0]), s], [False] * 3, device)
    run_both(lambda L, x, i, s: x.index_fill(1, i, 2.7), [x, np.array([3, 0]), s], [False] * 3, device)
    run_both(lambda L, x, i, s: x.index_add(0, i, s), [x > 4, V3, s > 0], [False] * 3, device)


def test_index_ops_gradcheck(device):
    i = gg.tensor(V3, device=device)
    assert gradcheck(lambda x, s: gg.index_add(x, 1, i, s, alpha=0.5), _leaves([X34, S34[:, :3]], device))
    assert gradcheck(lambda x, s: gg.index_copy(x, 0, i[:2], s), _leaves([X34, S34[:2]], device))
    assert gradcheck(lambda x, v: gg.index_fill(x, 1, i, v), _leaves([X34, np.array(0.5)], device))
    assert gradgradcheck(lambda x, s: gg.index_add(x, 1, i, s * s), _leaves([X34, S34[:, :3]], device))


# -- masked_scatter -------------------------------------------------------------------------------------------
M34 = np.array([[True, False, True, False], [False, False, True, True], [False, True, False, False]])
MASKED_CASES = [
    ("same_shape", lambda L, x, m, s: x.masked_scatter(m, s), X34, M34, S34),
    ("fewer_source", lambda L, x, m, s: L.masked_scatter(x, m, s[0, :2].reshape(-1).repeat(3)), X34, M34, S34),
    ("mask_broadcast", lambda L, x, m, s: x.masked_scatter(m[0], s), X34, M34, S34),
    ("input_broadcast", lambda L, x, m, s: x[0].masked_scatter(m, s), X34, M34, S34),
    ("all_false", lambda L, x, m, s: x.masked_scatter(m & False, s), X34, M34, S34),
    ("0d_mask", lambda L, x, m, s: x.masked_scatter(m[0, 0], s), X34, M34, S34),
    ("0d", lambda L, x, m, s: x[0, 0].masked_scatter(m[0, 0], s), X34, M34, S34),
    ("inplace", lambda L, x, m, s: (x * 1).masked_scatter_(m[1], s), X34, M34, S34),
    ("empty", lambda L, x, m, s: x[:0].masked_scatter(m[:0], s[:0]), X34, M34, S34),
]


@pytest.mark.parametrize("name,fn,x,m,s", MASKED_CASES, ids=[c[0] for c in MASKED_CASES])
def test_masked_scatter_matches_torch(name, fn, x, m, s, device):
    run_both(fn, [x, m, s], [True, False, True], device)


def test_masked_scatter_gradcheck(device):
    m = gg.tensor(M34, device=device)
    assert gradcheck(lambda x, s: gg.masked_scatter(x, m, s), _leaves([X34, S34[:2]], device))


# -- errors: the same conditions as PyTorch's, with messages that name the call, the shapes and the index ------
F = np.zeros((3, 4))
ERRORS = [
    # (name, call, PyTorch's exception types, a fragment of gpugrad's message)
    ("scatter_out_of_range", lambda L, t: t(F).scatter(1, t([[4]]), 1.0), RuntimeError,
     r"scatter: index 4 is out of bounds for dim 1 with size 4.*input \(3, 4\), index \(1, 1\)"),
    ("scatter_negative", lambda L, t: t(F).scatter(0, t([[-1]]), t(F)), RuntimeError, "index -1 is out of bounds"),
    ("scatter_add_out_of_range", lambda L, t: L.scatter_add(t(F), 0, t([[0, 3]]), t(F)), RuntimeError,
     "scatter_add: index 3"),
    ("scatter_reduce_out_of_range", lambda L, t: t(F).scatter_reduce(0, t([[5]]), t(F), "sum"), RuntimeError,
     "scatter_reduce: index 5"),
    ("scatter_dtype", lambda L, t: t(F).scatter(0, t([[0]]), t(F).float()), RuntimeError,
     "expected self.dtype to be equal to src.dtype"),
    ("scatter_reduce_dtype", lambda L, t: t(F).scatter_reduce(0, t([[0]]), t(F).float(), "amax"), RuntimeError,
     "self.dtype"),
    ("scatter_add_dtype", lambda L, t: t(F).scatter_add(0, t([[0]]), t(F).float()), RuntimeError, "self.dtype"),
    ("scatter_float_index", lambda L, t: t(F).scatter(0, t([[0.0]]), 1.0), RuntimeError, "int32/int64 for index"),
    ("scatter_index_dims", lambda L, t: t(F).scatter(0, t([0]), t(F)), RuntimeError, "number of dims"),
    ("scatter_index_larger", lambda L, t: t(F).scatter(1, t(np.zeros((4, 1), np.int64)), t(F)), RuntimeError,
     "no larger than input"),
    ("scatter_index_larger_than_src", lambda L, t: t(F).scatter(0, t(np.zeros((2, 4), np.int64)), t(F[:1])),
     RuntimeError, "no larger than src"),
    ("scatter_dim", lambda L, t: t(F).scatter(2, t([[0]]), 1.0), IndexError, "out of range"),
    ("scatter_no_src", lambda L, t: t(F).scatter(0, t([[0]])), TypeError, "expected one of src"),
    ("scatter_bad_reduce", lambda L, t: t(F).scatter(0, t([[0]]), 1.0, reduce="mean"), RuntimeError,
     "add or multiply"),
    ("scatter_reduce_bad_reduce", lambda L, t: t(F).scatter_reduce(0, t([[0]]), t(F), "max_"), RuntimeError,
     "sum, prod, mean, amax or amin"),
    ("scatter_reduce_bool_mean", lambda L, t: t(F > 0).scatter_reduce(0, t([[0]]), t(F > 0), "mean"),
     NotImplementedError, "bool"),
    ("index_add_out_of_range", lambda L, t: t(F).index_add(0, t([0, 3]), t(F[:2])), RuntimeError,
     r"index_add: index 3 is out of bounds for dim 0 with size 3 .*input \(3, 4\), index \(2,\)"),
    ("index_add_negative", lambda L, t: t(F).index_add(0, t([-1]), t(F[:1])), RuntimeError, "index -1"),
    ("index_add_dtype", lambda L, t: t(F).index_add(0, t([0]), t(F[:1]).float()), RuntimeError, "self.dtype"),
    ("index_add_float_index", lambda L, t: t(F).index_add(0, t([0.0]), t(F[:1])), RuntimeError, "int32/int64"),
    ("index_add_matrix_index", lambda L, t: t(F).index_add(0, t([[0, 1]]), t(F[:2])), IndexError, "vector"),
    ("index_add_count", lambda L, t: t(F).index_add(0, t([0, 1]), t(F)), RuntimeError, "number of indices"),
    ("index_add_shape", lambda L, t: t(F).index_add(0, t([0, 1]), t(F[:2, :3])), RuntimeError, "shape of input"),
    ("index_copy_out_of_range", lambda L, t: t(F).index_copy(1, t([4]), t(F[:, :1])), IndexError, "index 4"),
    ("index_copy_int32_index", lambda L, t: t(F).index_copy(0, t([0]).int(), t(F[:1])), RuntimeError, "int64"),
    ("index_copy_dtype", lambda L, t: t(F).index_copy(0, t([0]), t(F[:1]).float()), RuntimeError, "self.dtype"),
    ("index_copy_count", lambda L, t: t(F).index_copy(0, t([0, 1]), t(F)), IndexError, "number of indices"),
    ("index_fill_out_of_range", lambda L, t: t(F).index_fill(1, t([4]), 1.0), IndexError,
     r"index_fill: index 4 is out of bounds for dim 1 with size 4 \(expected -4 <= index < 4\)"),
    ("index_fill_too_negative", lambda L, t: t(F).index_fill(1, t([-5]), 1.0), IndexError, "index -5"),
    ("index_fill_int32_index", lambda L, t: t(F).index_fill(1, t([0]).int(), 1.0), (IndexError, RuntimeError),
     "int64"),
    ("index_fill_matrix_index", lambda L, t: t(F).index_fill(1, t([[0]]), 1.0), (IndexError, RuntimeError),
     "vector"),
    ("index_fill_1d_value", lambda L, t: t(F).index_fill(1, t([0]), t([1.0])), RuntimeError, "0-d value"),
    ("index_reduce_sum", lambda L, t: t(F).index_reduce(0, t([0]), t(F[:1]), "sum"), RuntimeError,
     "prod, mean, amax or amin"),
    ("index_reduce_out_of_range", lambda L, t: t(F).index_reduce(0, t([3]), t(F[:1]), "amax"), IndexError,
     "index_reduce: index 3 is out of bounds"),
    ("index_reduce_dtype", lambda L, t: t(F).index_reduce(0, t([0]), t(F[:1]).float(), "amax"), RuntimeError,
     "self.dtype"),
    ("index_reduce_shape", lambda L, t: t(F).index_reduce(0, t([0]), t(F[:1, :2]), "amax"), RuntimeError,
     "shape of input"),
    ("masked_scatter_int_mask", lambda L, t: t(F).masked_scatter(t(M34).int(), t(F)), RuntimeError, "bool mask"),
    ("masked_scatter_dtype", lambda L, t: t(F).masked_scatter(t(M34), t(F).float()), RuntimeError, "self.dtype"),
    ("masked_scatter_short_source", lambda L, t: t(F).masked_scatter(t(M34), t(F[0, :3])), RuntimeError,
     "fewer than the 5 true ones"),
    ("masked_scatter_broadcast", lambda L, t: t(F).masked_scatter(t(M34[:, :2]), t(F)), RuntimeError,
     "broadcast"),
    ("masked_scatter_inplace_broadcast", lambda L, t: t(F[0]).masked_scatter_(t(M34), t(F)), RuntimeError,
     "broadcast"),
]


@pytest.mark.parametrize("name,call,exc,msg", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_torch(name, call, exc, msg):
    with pytest.raises(exc):
        call(torch, torch.tensor)
    with pytest.raises(exc, match=msg):
        call(gg, gg.tensor)


def test_prod_double_backward_refuses_two_zeros_at_one_position_as_torch(device):
    """One zero per position: second derivatives as PyTorch's; two zeros at a position: an error, as in
    PyTorch, once a double backward reaches them (a first-order backward with create_graph still works)."""
    x, i = np.array([2.0, 3.0]), np.array([0, 0, 1, 1])
    for s, ok in ((np.array([0.0, 1.5, 0.5, 0.0]), True), (np.array([0.0, 0.0, 0.5, 2.0]), False)):
        res = {}
        for L in (gg, torch):
            tx, ts = (_lib_tensor(L, a, device, True) for a in (x, s))
            y = L.scatter_reduce(tx, 0, _lib_tensor(L, i, device), ts, "prod")
            (gs,) = L.autograd.grad(y.sum(), [ts], create_graph=True)
            if not ok:
                with pytest.raises(RuntimeError, match="(?i)double backward"):
                    gs.sum().backward()
                continue
            gs.sum().backward()
            res[L] = [gs.detach().cpu().numpy() if L is gg else gs.detach().numpy()] + \
                     [t.grad.cpu().numpy() if L is gg else t.grad.numpy() for t in (tx, ts)]
        for g, t in zip(res.get(gg, []), res.get(torch, [])):
            np.testing.assert_allclose(g, t, rtol=1e-12)


# -- the backend helper on CuPy's terms ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "uint64", "int8", "uint8",
                                   "bool"])
@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
def test_backend_scatter_reduce_on_the_strict_device_equals_numpy_ufunc_at(reduce, dtype):
    """The device path (no multiply.at, atomics for some dtypes only) against NumPy's ufunc.at, with long runs
    of one position (the segmented scan's log2 passes) and positions nothing lands on."""
    from gpugrad.backend import scatter_reduce, strict
    rng = np.random.default_rng(7)
    n = 1000
    if dtype == "bool":
        target, vals = rng.uniform(size=9) > 0.3, rng.uniform(size=n) > 0.1
    elif dtype[0] == "f":
        target, vals = rng.uniform(0.5, 1.5, 9).astype(dtype), rng.uniform(0.99, 1.01, n).astype(dtype)
    else:
        target, vals = rng.integers(0, 100, 9).astype(dtype), rng.integers(0, 100, n).astype(dtype)
        if dtype[0] == "i":
            vals = (vals - 50).astype(dtype)
    idx = np.minimum(rng.geometric(0.3, n) - 1, 7)            # position 8 takes nothing
    want = target.copy()
    getattr(np, {"prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce]).at(want, (idx,), vals)
    got = gg.tensor(target, device="strict")._data
    scatter_reduce(strict.namespace, got, (gg.tensor(idx, device="strict")._data,),
                   gg.tensor(vals, device="strict")._data, reduce)
    got = gg.Tensor._make(got, None, False).cpu().numpy()
    assert got.dtype == want.dtype
    if dtype[0] == "f" and reduce == "prod":        # another order of ~300 products: rounding differs
        np.testing.assert_allclose(got, want, rtol={"float64": 1e-12, "float32": 1e-4, "float16": 5e-2}[dtype])
    else:
        np.testing.assert_array_equal(got, want)
