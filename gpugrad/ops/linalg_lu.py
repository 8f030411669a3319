"""PyTorch's LU family: ``linalg.lu_factor``/``lu_factor_ex``/``lu``/``lu_solve`` and the top-level
``lu_unpack`` and deprecated ``lu_solve``.

The factorization is LAPACK getrf's partial pivoting written once in ``xp`` (NumPy and CuPy alike: neither
``numpy.linalg`` nor ``cupy.linalg`` has an LU): a loop over the k = min(m, n) columns, each step a batched
argmax, row swap and rank-1 update. Pivots are PyTorch's 1-based int32 row swaps. The gradient of the packed
factor is PyTorch's (FunctionsManual ``linalg_lu_backward``/``linalg_lu_jvp``), written with gpugrad's
differentiable ops; ``lu``, ``lu_unpack`` and ``lu_solve`` are built from it, from triangle masks and from
triangular solves, so their gradients follow.
"""
from __future__ import annotations

import warnings

import numpy as _np

from ..tensor import Tensor
from ..autograd.function import Function
from . import shape as S
from ._util import write_out
from .linalg_core import mT, tri, solve_tri, _const, _plain, _cast_grads
from .._dtype import scalar_type_name
from .linalg_api import check_matrix
from .. import return_types

LUFactorResult = return_types.linalg_lu_factor
LUFactorExResult = return_types.linalg_lu_factor_ex
LUResult = return_types.linalg_lu
LUUnpackResult = return_types.lu_unpack


# -- the raw factorization (xp arrays) ---------------------------------------------------------------------------
def getrf(xp, a, pivot=True):
    """LAPACK getrf on a (..., m, n) array: the packed factor (L's strict lower part with U), the 1-based
    int32 pivots (..., k) and ``info`` (..., ): 0, or the 1-based index of the first exactly zero pivot, after
    which the factorization goes on, as LAPACK's does. Ties in |pivot| pick the first row (idamax). Without
    ``pivot`` no rows are swapped (pivots 1..k) and a zero pivot divides by zero, as cuSOLVER's does."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = a.reshape((int(_np.prod(batch)), m, n)).copy()
    rows = xp.arange(lu.shape[0])
    piv = xp.empty((lu.shape[0], k), dtype=xp.int32)
    info = xp.zeros(lu.shape[0], dtype=xp.int32)
    for j in range(k):
        p = xp.argmax(xp.abs(lu[:, j:, j]), axis=-1) + j if pivot else xp.full(lu.shape[0], j)
        piv[:, j] = p + 1
        rj, rp = lu[rows, j].copy(), lu[rows, p].copy()
        lu[rows, j], lu[rows, p] = rp, rj
        d = lu[:, j, j]
        zero = d == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(xp.int32)
        # with pivoting, a zero pivot has a zero column below it: left as it is
        low = lu[:, j + 1:, j] / (xp.where(zero, 1, d) if pivot else d)[:, None]
        lu[:, j + 1:, j + 1:] -= low[:, :, None] * lu[:, j, None, j + 1:]
        lu[:, j + 1:, j] = low
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def perm_matrix(xp, piv, m, dtype):
    """P of A = P L U from the 1-based row swaps ``piv`` (..., k): row j was swapped with row piv[j] - 1, in
    order, so that P^T A = L U; P[perm[i], i] = 1."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    pv = piv.reshape((int(_np.prod(batch)), k)).astype(xp.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (pv.shape[0], m)).copy()
    rows = xp.arange(pv.shape[0])
    for j in range(k):
        p = pv[:, j]
        a, b = perm[rows, j].copy(), perm[rows, p].copy()
        perm[rows, j], perm[rows, p] = b, a
    eye = xp.eye(m, dtype=dtype)
    return xp.swapaxes(eye[perm], -2, -1).reshape(batch + (m, m))


def _unpack(lu, m, n):
    """L (..., m, k) unit lower and U (..., k, n) upper of a packed factor (differentiable)."""
    k = min(m, n)
    low = tri(lu[..., :k] if n > k else lu, lower=True, k=-1) + _const(lu.xp.eye(m, k, dtype=lu.dtype))
    up = tri(lu[..., :k, :] if m > k else lu, lower=False)
    return low, up


# -- the differentiable factor -------------------------------------------------------------------------------------
class LUFactor(Function):
    """The packed LU factor of A = P L U (pivots given, computed by :func:`getrf`). Backward and forward mode
    are PyTorch's formulas for the square, wide (m < n) and tall (m > n) cases on L (m, k) and U (k, n)."""

    @staticmethod
    def forward(ctx, a, lu, piv):
        ctx.dtype = a.dtype
        out = _const(lu)
        ctx.p = _const(perm_matrix(a.xp, piv, a.shape[-2], a.dtype))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_cast_grads
    def backward(ctx, g):
        (lu,) = ctx.saved_tensors
        m, n = lu.shape[-2:]
        k = min(m, n)
        low, up = _unpack(lu, m, n)
        gl, gu = tri(g[..., :k], True, -1), tri(g[..., :k, :], False)
        if m == n:
            # P L^{-H} (tril_{-1}(L^H gL) + triu(gU U^H)) U^{-H}
            ga = tri(mT(low) @ gl, True, -1) + tri(gu @ mT(up), False)
            ga = solve_tri(mT(up), ga, upper=False, left=False)
            ga = solve_tri(mT(low), ga, upper=True, unitriangular=True)
        elif m < n:
            # [L^{-H} ((tril_{-1}(L^H gL - gU U^H)) U1^{-H} + gU1), L^{-H} gU2]
            u1 = up[..., :k]
            ga = solve_tri(mT(u1), tri(mT(low) @ gl - gu @ mT(up), True, -1), upper=False, left=False)
            ga = S.cat([ga + gu[..., :k], gu[..., k:n]], -1)
            ga = solve_tri(mT(low), ga, upper=True, unitriangular=True)
        else:
            # [L1^{-H} (triu(gU U^H - L^H gL)) + gL1 ; gL2] U^{-H}
            l1 = low[..., :k, :]
            ga = solve_tri(mT(l1), tri(gu @ mT(up) - mT(low) @ gl, False), upper=True, unitriangular=True)
            ga = S.cat([ga + gl[..., :k, :], gl[..., k:m, :]], -2)
            ga = solve_tri(mT(up), ga, upper=False, left=False)
        return ctx.p @ ga, None, None

    @staticmethod
    def jvp(ctx, ta, *_):
        (lu,) = _plain(ctx.saved_tensors)
        m, n = lu.shape[-2:]
        k = min(m, n)
        low, up = _unpack(lu, m, n)
        da = mT(ctx.p) @ ta                                   # P^T dA
        l1, u1 = low[..., :k, :], up[..., :k]
        dx = solve_tri(l1, da[..., :k, :k], upper=False, unitriangular=True)
        dx = solve_tri(u1, dx, upper=True, left=False)         # L1^{-1} dA11 U1^{-1}
        dl1, du1 = l1 @ tri(dx, True, -1), tri(dx, False) @ u1
        if m < n:                                             # dU2 = L^{-1} (dA2 - dL U2)
            du2 = solve_tri(low, da[..., k:n] - dl1 @ up[..., k:n], upper=False,
                            unitriangular=True)
            return S.cat([dl1 + du1, du2], -1)
        if m > n:                                             # dL2 = (dA2 - L2 dU) U^{-1}
            dl2 = solve_tri(up, da[..., k:m, :] - low[..., k:m, :] @ du1, upper=True,
                            left=False)
            return S.cat([dl1 + du1, dl2], -2)
        return dl1 + du1


# -- the public functions ------------------------------------------------------------------------------------------
def _factor(op, A, pivot):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be a Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{'linalg.lu' if op == 'linalg.lu' else 'torch.lu_factor'}: Expected tensor with 2 or "
                           f"more dimensions. Got size: "
                           f"[{', '.join(map(str, A.shape))}] instead")
    if A.dtype.kind not in "fV":     # float16/bfloat16 run in float32, as the rest of gpugrad.linalg
        kernel = "lu_cpu" if A.device.type == "cpu" else "lu_cuda"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype_name(A)}'")
    if not pivot and A.device.type == "cpu":
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    low = A.dtype.itemsize < 4
    lu, piv, info = getrf(A.xp, A._data.astype(_np.float32) if low else A._data, pivot)
    lu = lu.astype(A.dtype) if low else lu
    return LUFactor.apply(A, lu, piv), _const(piv), info


def _dtype_name(t):
    return scalar_type_name(t.dtype)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """The LU factorization with partial pivoting A = P L U in LAPACK's packed form, with ``info``, as
    ``torch.linalg.lu_factor_ex`` (no error for a singular matrix unless ``check_errors``).

    Args:
        A: a (*, m, n) floating tensor.
        pivot: False for no row swaps (A = L U), on a GPU only (as PyTorch).
        check_errors: raise for a matrix with a zero pivot.
        out: an optional triple of tensors the results are written into.

    Returns:
        A named tuple ``(LU, pivots, info)``: LU (*, m, n) holds L's strict lower part and U; pivots
        (*, min(m, n)) are 1-based int32 row swaps; info (*) is 0 or the index of the first zero pivot.

    >>> import gpugrad as gg
    >>> gg.linalg.lu_factor_ex(gg.tensor([[1.0, 1.0], [1.0, 1.0]])).info
    tensor(2, dtype=gpugrad.int32)
    """
    lu, piv, info = _factor("linalg.lu_factor_ex", A, pivot)
    if check_errors:
        _raise_singular("torch.linalg.lu_factor_ex", info)
    return write_out(LUFactorExResult(lu, piv, _const(info)), out, "linalg.lu_factor_ex")


def _raise_singular(op, info):
    bad = _np.asarray(info.get() if hasattr(info, "get") else info).reshape(-1)
    hits = _np.nonzero(bad)[0]
    if hits.size:
        b, i = int(hits[0]), int(bad[hits[0]])
        where = f"(Batch element {b}): " if info.ndim else ""
        raise RuntimeError(f"{op}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a division "
                           f"by zero. If you still want to perform the factorization, consider calling "
                           f"linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True, out=None):
    """The LU factorization with partial pivoting A = P L U in LAPACK's packed form, as
    ``torch.linalg.lu_factor`` (an error for a matrix with an exactly zero pivot; its gradient is PyTorch's).

    Args:
        A: a (*, m, n) floating tensor.
        pivot: False for no row swaps (A = L U), on a GPU only (as PyTorch).
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(LU, pivots)``: LU (*, m, n) holds L's strict lower part and U; pivots
        (*, min(m, n)) are the 1-based int32 row swaps.

    >>> import gpugrad as gg
    >>> LU, pivots = gg.linalg.lu_factor(gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> LU
    tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]])
    >>> pivots
    tensor([2, 2], dtype=gpugrad.int32)
    """
    lu, piv, info = _factor("linalg.lu_factor", A, pivot)
    _raise_singular("torch.linalg.lu_factor", info)
    return write_out(LUFactorResult(lu, piv), out, "linalg.lu_factor")


def lu(A, *, pivot=True, out=None):
    """The LU factorization with partial pivoting A = P L U, unpacked, as ``torch.linalg.lu`` (no error for
    singular matrices; differentiable in L and U).

    Args:
        A: a (*, m, n) floating tensor.
        pivot: False for no row swaps (A = L U), on a GPU only (as PyTorch).
        out: an optional triple of tensors the results are written into.

    Returns:
        A named tuple ``(P, L, U)``: the permutation P (*, m, m), the unit lower L (*, m, k) and the upper
        U (*, k, n), k = min(m, n).

    >>> import gpugrad as gg
    >>> gg.linalg.lu(gg.tensor([[1.0, 2.0], [3.0, 4.0]])).L
    tensor([[1.0000, 0.0000],
            [0.3333, 1.0000]])
    """
    packed, piv, _ = _factor("linalg.lu", A, pivot)
    p, low, up = lu_unpack(packed, piv, unpack_pivots=pivot)         # P is empty without pivoting
    return write_out(LUResult(p, low, up), out, "linalg.lu")


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """P, L and U from a packed LU factorization, as ``torch.lu_unpack`` (differentiable in L and U).

    Args:
        LU_data: a (*, m, n) packed factor from :func:`gpugrad.linalg.lu_factor`.
        LU_pivots: its (*, min(m, n)) int32 pivots.
        unpack_data: compute L and U (else they are empty).
        unpack_pivots: compute P (else it is empty).
        out: an optional triple of tensors the results are written into.

    Returns:
        A named tuple ``(P, L, U)`` with A = P L U.

    >>> import gpugrad as gg
    >>> LU, piv = gg.linalg.lu_factor(gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> gg.lu_unpack(LU, piv).P
    tensor([[0., 1.],
            [1., 0.]])
    """
    if not isinstance(LU_data, Tensor) or LU_data.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
                           f"[{', '.join(map(str, getattr(LU_data, 'shape', ())))}] instead")
    if not isinstance(LU_pivots, Tensor) or LU_pivots.dtype != _np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU_data.shape[-2:]
    if LU_pivots.shape[-1:] != (min(m, n),):
        raise RuntimeError(f"torch.lu_unpack: the last dimension of LU_pivots ({LU_pivots.shape[-1:]}) should be "
                           f"min(m, n) = {min(m, n)}")
    xp, empty = LU_data.xp, _const(LU_data.xp.empty((0,), dtype=LU_data.dtype))
    low, up = _unpack(LU_data, m, n) if unpack_data else (empty, empty)
    p = _const(perm_matrix(xp, LU_pivots._data, m, LU_data.dtype)) if unpack_pivots else empty
    return write_out(LUUnpackResult(p, low, up), out, "lu_unpack")


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """The solution X of A X = B (X A = B without ``left``; A^H in place of A with ``adjoint``) given A's
    packed LU factorization, as ``torch.linalg.lu_solve`` (batch dims broadcast; differentiable in LU and B).

    Args:
        LU: a (*, n, n) packed factor from :func:`gpugrad.linalg.lu_factor`.
        pivots: its (*, n) int32 pivots.
        B: a (*, n, k) right-hand side ((*, k, n) without ``left``).
        left: solve A X = B (else X A = B).
        adjoint: solve with A's (conjugate) transpose.
        out: an optional tensor the result is written into.

    Returns:
        X, of B's shape (batch dims broadcast).

    >>> import gpugrad as gg
    >>> A = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> gg.linalg.lu_solve(*gg.linalg.lu_factor(A), gg.tensor([[5.0], [11.0]]))
    tensor([[1.],
            [2.]])
    """
    op = "linalg.lu_solve"
    check_matrix("torch." + op, LU)
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}(): argument 'B' must be a Tensor, not {type(B).__name__}")
    if B.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if LU.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected LU and B to have the same dtype, but found LU of type "
                           f"{scalar_type_name(LU.dtype)} and B of type {scalar_type_name(B.dtype)} "
                           f"instead")
    if not isinstance(pivots, Tensor) or pivots.dtype != _np.int32:
        raise RuntimeError(f"{op}: pivots should be a Tensor of scalar type torch.int32")
    n = LU.shape[-1]
    if pivots.shape[-1:] != (n,):
        raise RuntimeError(f"{op}: Number of pivots per batch should be same as the dimension of the matrix")
    nb = B.shape[-2] if left else B.shape[-1]
    if nb != n:
        eq, (r, c) = ("AX = B", B.shape[-2:]) if left else ("XA = B", B.shape[-2:])
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {r}x{c})")
    if not left:                    # X A = B  <=>  A^H X^H = B^H
        return write_out(mT(lu_solve(LU, pivots, mT(B), adjoint=not adjoint)), out, op)
    p = _const(perm_matrix(LU.xp, pivots._data, n, LU.dtype))
    if adjoint:                     # A^T X = B: U^T L^T P^T X = B
        y = solve_tri(mT(LU), B, upper=False)
        x = p @ solve_tri(mT(LU), y, upper=True, unitriangular=True)
    else:                           # P L U X = B
        y = solve_tri(LU, mT(p) @ B, upper=False, unitriangular=True)
        x = solve_tri(LU, y, upper=True)
    return write_out(x, out, op)


def lu_solve_deprecated(input, LU_data, LU_pivots, *, out=None):
    """The deprecated ``torch.lu_solve(b, LU_data, LU_pivots)``: :func:`gpugrad.linalg.lu_solve` with the
    arguments reversed (warns, as PyTorch does).

    Args:
        input: the (*, n, k) right-hand side b.
        LU_data: a (*, n, n) packed factor from :func:`gpugrad.linalg.lu_factor`.
        LU_pivots: its (*, n) int32 pivots.
        out: an optional tensor the result is written into.

    Returns:
        X with A X = b.

    >>> import gpugrad as gg, warnings
    >>> LU, piv = gg.linalg.lu_factor(gg.tensor([[2.0]]))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.lu_solve(gg.tensor([[4.0]]), LU, piv)
    tensor([[2.]])
    """
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solve and will be removed in a future "
                  "PyTorch release. Note that torch.linalg.lu_solve has its arguments reversed: "
                  "X = torch.lu_solve(B, LU, pivots) should be replaced with X = torch.linalg.lu_solve(LU, pivots, B)",
                  UserWarning, stacklevel=2)
    return lu_solve(LU_data, LU_pivots, input, out=out)


def lu_deprecated(A, pivot=True, get_infos=False, out=None):
    """The deprecated ``torch.lu``: :func:`gpugrad.linalg.lu_factor_ex` without the error check (warns, as
    PyTorch does), returning the infos only when asked.

    Args:
        A: a (*, m, n) floating tensor.
        pivot: must be True on the CPU.
        get_infos: also return LAPACK's info per matrix.
        out: an optional tuple of tensors the results are written into.

    Returns:
        ``(LU, pivots)``, or ``(LU, pivots, infos)`` with ``get_infos``.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     LU, pivots = gg.lu(gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> pivots
    tensor([2, 2], dtype=gpugrad.int32)
    """
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will "
                  "be removed in a future PyTorch release.", UserWarning, stacklevel=2)
    res = lu_factor_ex(A, pivot=pivot)
    return write_out(res if get_infos else LUFactorResult(res.LU, res.pivots), out, "lu")


def _method_lu_solve(self, LU_data, LU_pivots):
    """The deprecated ``Tensor.lu_solve``: :func:`gpugrad.lu_solve` with this tensor as b.

    Args:
        LU_data: a (*, n, n) packed factor from :func:`gpugrad.linalg.lu_factor`.
        LU_pivots: its (*, n) int32 pivots.

    Returns:
        X with A X = b.

    >>> import gpugrad as gg, warnings
    >>> LU, piv = gg.linalg.lu_factor(gg.tensor([[2.0]]))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.tensor([[4.0]]).lu_solve(LU, piv)
    tensor([[2.]])
    """
    return lu_solve_deprecated(self, LU_data, LU_pivots)


LU_METHODS = dict(lu=lu_deprecated, lu_solve=_method_lu_solve)
