"""``torch.linalg``'s solvers and decompositions (served as :mod:`gpugrad.linalg`): the argument checks and
shapes of PyTorch's functions around the primitives of :mod:`.linalg_core`, and the functions built from them
(inv, pinv, lstsq, matrix_rank, matrix_power, cond...). Their gradients are those of the primitives and ops
they are made of; values run on the inputs' device through ``xp.linalg`` (NumPy or CuPy)."""
from __future__ import annotations


import numpy as _np

from .. import _dtype, return_types
from ..tensor import Tensor
from ..autograd import grad_mode
from ..autograd.forward_views import tangent_of
from . import shape as S, arithmetic as Ar, reduction as R
from ._util import write_out
from .linalg_core import (LinAlgError, lapack, Solve, Det, Slogdet, Cholesky, Eigh, Svd, Qr, MatrixExp, mT, eye_like,
                          solve_tri, broadcast_batch, _const)

SlogdetResult = return_types.linalg_slogdet
EighResult = return_types.linalg_eigh
SvdResult = return_types.linalg_svd
QrResult = return_types.linalg_qr
InvExResult = return_types.linalg_inv_ex
SolveExResult = return_types.linalg_solve_ex
CholeskyExResult = return_types.linalg_cholesky_ex
LstsqResult = return_types.linalg_lstsq



def check_matrix(op, a, square=True):
    """PyTorch's checks: a floating Tensor of at least 2 dims (square ones where ``square``)."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be a Tensor, not {type(a).__name__}")
    if not _dtype.is_float(a.dtype):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype.scalar_type_name(a.dtype)}")
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def _same_dtype(op, a, b):
    if not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'B' must be a Tensor, not {type(b).__name__}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{_dtype.scalar_type_name(a.dtype)} and B of type {_dtype.scalar_type_name(b.dtype)} "
                           f"instead.")


def _unsq2(t):
    return S.unsqueeze(S.unsqueeze(t, -1), -1)


# -- determinants ------------------------------------------------------------------------------------------------
def det(A, *, out=None):
    """The determinant of each square matrix, as ``torch.linalg.det`` (differentiable; at an exactly singular
    matrix the gradient is 0, as PyTorch 2.13's).

    Args:
        A: a (*, n, n) floating tensor.
        out: an optional tensor the result is written into.

    Returns:
        A (*) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.det(gg.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor(5.)
    """
    check_matrix("linalg.det", A)
    return write_out(Det.apply(A), out, "linalg.det")


def slogdet(A, *, out=None):
    """The sign and the log of the absolute value of the determinant, as ``torch.linalg.slogdet`` (only the
    second is differentiable: its gradient is A^{-T}).

    Args:
        A: a (*, n, n) floating tensor.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(sign, logabsdet)`` of (*) tensors.

    >>> import gpugrad as gg
    >>> gg.linalg.slogdet(gg.tensor([[-2.0, 0.0], [0.0, 3.0]])).sign
    tensor(-1.)
    """
    check_matrix("linalg.slogdet", A)
    return write_out(SlogdetResult(*Slogdet.apply(A)), out, "linalg.slogdet")


# -- solvers -------------------------------------------------------------------------------------------------------
def _lu_info(xp, a):
    """LAPACK getrf's ``info`` for each matrix (0, or the 1-based index of the first exactly zero pivot of
    the LU factorization with partial pivoting): what PyTorch's ``*_ex`` functions report."""
    from .linalg_lu import getrf          # (linalg_lu builds on this module)
    return getrf(xp, a)[2]


def inv_ex(A, *, check_errors=False, out=None):
    """The inverse of each square matrix and LAPACK's ``info`` (0, or the index of the first zero pivot of
    the matrix's LU factorization), as ``torch.linalg.inv_ex``: no error for singular matrices unless
    ``check_errors``.

    Args:
        A: a (*, n, n) floating tensor.
        check_errors: raise LinAlgError for a singular matrix.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(inverse, info)``; info is int32 of shape (*). The inverse of a singular matrix
        holds inf/NaN.

    >>> import gpugrad as gg
    >>> gg.linalg.inv_ex(gg.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=gpugrad.int32)
    """
    check_matrix("linalg.inv_ex", A)
    xp = A.xp
    info = _lu_info(xp, A._data)
    if check_errors or not bool((info != 0).any()):
        return write_out(InvExResult(inv(A), _const(info)), out, "linalg.inv_ex")
    with grad_mode.no_grad():
        with _np.errstate(divide="ignore", invalid="ignore"):
            bad = xp.broadcast_to((info != 0)[..., None, None], A.shape)
            safe = xp.where(bad, xp.eye(A.shape[-1], dtype=A.dtype), A._data)
            res = xp.where(bad, xp.asarray(xp.inf, A.dtype), lapack(xp, "inv", safe))
    return write_out(InvExResult(_const(res), _const(info)), out, "linalg.inv_ex")


def _singular_message(xp, a):
    info = _lu_info(xp, a)
    k = int(info.max()) if info.size else 0
    return (f"The diagonal element {k} is zero, the inversion could not be completed because the input matrix "
            f"is singular.")


def inv(A, *, out=None):
    """The inverse of each square matrix, as ``torch.linalg.inv`` (LinAlgError for a singular one; the
    gradient is -A^{-T} G A^{-T}).

    Args:
        A: a (*, n, n) floating tensor.
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, n) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.inv(gg.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    check_matrix("linalg.inv", A)
    eye = S.expand(eye_like(A), A.shape)
    try:
        res = Solve.apply(A, eye, "linalg.inv", "singular")
    except LinAlgError:
        raise LinAlgError("linalg.inv: " + _singular_message(A.xp, A._data)) from None
    return write_out(res, out, "linalg.inv")


def _rhs(op, a, b, left=True):
    """B as (*, n, k) matrices and whether it was a batch of vectors (PyTorch's rule: B is 1-D, or has the
    shape of A without its last dim)."""
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    if vector and not left:
        raise RuntimeError(f"{op}: Vector broadcasting of the left hand side is not supported for left=False. "
                           f"In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    return (S.unsqueeze(b, -1) if vector else b), vector


def solve(A, B, *, left=True, out=None):
    """The solution X of A X = B (or X A = B with ``left=False``), as ``torch.linalg.solve``: batch dims
    broadcast; B may be a (batch of) vector(s); LinAlgError for a singular A.

    Args:
        A: a (*, n, n) floating tensor.
        B: a (*, n, k) tensor, or (*, n) / (n,) vectors.
        left: solve A X = B (True) or X A = B.
        out: an optional tensor the result is written into.

    Returns:
        X, of B's shape (batch dims broadcast).

    >>> import gpugrad as gg
    >>> gg.linalg.solve(gg.tensor([[2.0, 0.0], [0.0, 4.0]]), gg.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    check_matrix("linalg.solve", A)
    _same_dtype("linalg.solve", A, B)
    b, vector = _rhs("linalg.solve", A, B, left)
    if not left:
        return write_out(mT(solve(mT(A), mT(b))), out, "linalg.solve")
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    a, b = broadcast_batch(A, b)
    x = Solve.apply(a, b, "torch.linalg.solve", "The solver failed because the input matrix is singular.")
    return write_out(S.squeeze(x, -1) if vector else x, out, "linalg.solve")


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """:func:`solve` that reports singular matrices in ``info`` instead of raising, as
    ``torch.linalg.solve_ex``.

    Args:
        A: a (*, n, n) floating tensor.
        B: a (*, n, k) tensor, or vectors.
        left: solve A X = B (True) or X A = B.
        check_errors: raise LinAlgError for a singular A.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(result, info)``.

    >>> import gpugrad as gg
    >>> gg.linalg.solve_ex(gg.eye(2), gg.ones(2)).info
    tensor(0, dtype=gpugrad.int32)
    """
    check_matrix("linalg.solve_ex", A)
    info = _lu_info(A.xp, A._data)
    if check_errors or not bool((info != 0).any()):
        return write_out(SolveExResult(solve(A, B, left=left), _const(info)), out, "linalg.solve_ex")
    x = inv_ex(A).inverse
    b, vector = _rhs("linalg.solve_ex", A, B, left)
    x = (x @ b if left else b @ x)
    return write_out(SolveExResult(S.squeeze(x, -1) if vector else x, _const(info)), out, "linalg.solve_ex")


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """The solution of A X = B (or X A = B) for a triangular A, as ``torch.linalg.solve_triangular``: only
    A's upper (or lower) triangle is read, its diagonal taken as ones with ``unitriangular``. Solved as a
    general system on the triangle (NumPy and cupy.linalg have no triangular solver).

    Args:
        A: a (*, n, n) floating tensor.
        B: a (*, n, k) tensor ((*, k, n) with ``left=False``).
        upper: whether A is upper triangular.
        left: solve A X = B (True) or X A = B.
        unitriangular: take A's diagonal as ones.
        out: an optional tensor the result is written into.

    Returns:
        X, of B's shape (batch dims broadcast).

    >>> import gpugrad as gg
    >>> gg.linalg.solve_triangular(gg.tensor([[2.0, 1.0], [0.0, 1.0]]), gg.tensor([[3.0], [1.0]]), upper=True)
    tensor([[1.],
            [1.]])
    """
    check_matrix("linalg.solve_triangular", A)
    _same_dtype("linalg.solve_triangular", A, B)
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    k = B.shape[-2] if left else B.shape[-1]
    if k != A.shape[-1]:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    return write_out(solve_tri(A, B, upper, left, unitriangular), out, "linalg.solve_triangular")


# -- decompositions --------------------------------------------------------------------------------------------------
def _cholesky_info(xp, a):
    """The order of the first leading minor that is not positive-definite (0 where all are): Cholesky
    fails at the first k with det(A[:k, :k]) <= 0 (Sylvester's criterion)."""
    n = a.shape[-1]
    info = xp.zeros(a.shape[:-2], dtype=xp.int32)
    for k in range(n, 0, -1):
        bad = lapack(xp, "det", a[..., :k, :k]) <= 0
        info = xp.where(bad, k, info).astype(xp.int32)
    return info


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """:func:`cholesky` that reports a matrix that is not positive-definite in ``info`` (the order of its
    first leading minor that is not) instead of raising, as ``torch.linalg.cholesky_ex``.

    Args:
        A: a (*, n, n) symmetric floating tensor (its lower triangle is read).
        upper: return the upper factor U = L^T instead.
        check_errors: raise LinAlgError instead.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(L, info)``; L holds NaN where the factorization failed.

    >>> import gpugrad as gg
    >>> gg.linalg.cholesky_ex(gg.tensor([[1.0, 2.0], [2.0, 1.0]])).info
    tensor(2, dtype=gpugrad.int32)
    """
    check_matrix("linalg.cholesky_ex", A)
    xp = A.xp
    info = _cholesky_info(xp, A._data)
    if check_errors or not bool((info != 0).any()):
        return write_out(CholeskyExResult(cholesky(A, upper=upper), _const(info)), out, "linalg.cholesky_ex")
    bad = (info != 0)[..., None, None]
    safe = xp.where(bad, xp.eye(A.shape[-1], dtype=A.dtype), A._data)
    low = xp.where(bad, xp.asarray(xp.nan, A.dtype), lapack(xp, "cholesky", safe))
    low = _const(xp.swapaxes(low, -1, -2) if upper else low)
    return write_out(CholeskyExResult(low, _const(info)), out, "linalg.cholesky_ex")


def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor L (lower triangular, A = L L^T) of each symmetric positive-definite matrix, as
    ``torch.linalg.cholesky``; only A's lower triangle is read. LinAlgError where A is not positive-definite.

    Args:
        A: a (*, n, n) floating tensor.
        upper: return U = L^T instead (A = U^T U).
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, n) triangular tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.cholesky(gg.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    check_matrix("linalg.cholesky", A)
    try:
        low = Cholesky.apply(A)
    except LinAlgError:
        k = int(_cholesky_info(A.xp, A._data).max())
        raise LinAlgError(f"linalg.cholesky: The factorization could not be completed because the input is not "
                          f"positive-definite (the leading minor of order {k} is not positive-definite).") from None
    return write_out(mT(low) if upper else low, out, "linalg.cholesky")


def qr(A, mode="reduced", *, out=None):
    """The QR decomposition A = Q R of each matrix, as ``torch.linalg.qr`` (Householder, LAPACK's signs).
    Differentiable for mode 'reduced' (and 'complete' when m <= n); PyTorch's errors otherwise.

    Args:
        A: a (*, m, n) floating tensor.
        mode: 'reduced' (Q (*, m, k), R (*, k, n), k = min(m, n)), 'complete' (Q (*, m, m), R (*, m, n))
            or 'r' (R only; Q empty).
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(Q, R)``.

    >>> import gpugrad as gg
    >>> q, r = gg.linalg.qr(gg.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> (q @ r).round(decimals=4)
    tensor([[3., 1.],
            [4., 2.]])
    """
    check_matrix("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           f"'r', or 'complete'")
    m, n = A.shape[-2:]
    if m >= n:
        q, r = Qr.apply(A, mode)
    else:                          # A = [X | Y] with X square: X = Q U, R = [U | Q^T Y] (as PyTorch's backward)
        q, u = Qr.apply(A[..., :m], "reduced" if mode == "complete" else mode)
        r = S.cat([u, mT(q) @ A[..., m:]], -1)
    if mode == "r":
        q = _const(A.xp.zeros((0,), A.dtype))
    return write_out(QrResult(q, r), out, "linalg.qr")


def _uplo(op, uplo):
    if not isinstance(uplo, str) or uplo.upper() not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo.upper()


def eigh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) and eigenvectors of each symmetric matrix, as ``torch.linalg.eigh``: only
    the ``UPLO`` triangle is read. Eigenvectors are unique up to sign (LAPACK's choice); the gradient assumes
    distinct eigenvalues (PyTorch's formula, which gives inf/NaN otherwise).

    Args:
        A: a (*, n, n) floating tensor.
        UPLO: 'L' or 'U', the triangle read.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(eigenvalues (*, n), eigenvectors (*, n, n))``, eigenvectors as columns.

    >>> import gpugrad as gg
    >>> gg.linalg.eigh(gg.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    check_matrix("linalg.eigh", A)
    return write_out(EighResult(*Eigh.apply(A, _uplo("linalg.eigh", UPLO))), out, "linalg.eigh")


def _wants_grad(a):
    """Whether a derivative of the values may be asked for (reverse mode, or a forward-AD tangent)."""
    return (a.requires_grad and grad_mode._state.enabled) or tangent_of(a) is not None


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) of each symmetric matrix, as ``torch.linalg.eigvalsh`` (gradient
    V diag(g) V^T).

    Args:
        A: a (*, n, n) floating tensor.
        UPLO: 'L' or 'U', the triangle read.
        out: an optional tensor the result is written into.

    Returns:
        A (*, n) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.eigvalsh(gg.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    check_matrix("linalg.eigvalsh", A)
    uplo = _uplo("linalg.eigvalsh", UPLO)
    w = Eigh.apply(A, uplo)[0] if _wants_grad(A) else _const(lapack(A.xp, "eigvalsh", A._data, UPLO=uplo))
    return write_out(w, out, "linalg.eigvalsh")


def svd(A, full_matrices=True, *, driver=None, out=None):
    """The singular value decomposition A = U diag(S) Vh of each matrix, as ``torch.linalg.svd``. Singular
    vectors are unique up to sign; the gradient (PyTorch's formula) assumes distinct singular values, and
    with ``full_matrices`` ignores the columns of U and rows of Vh past min(m, n).

    Args:
        A: a (*, m, n) floating tensor.
        full_matrices: U (*, m, m) and Vh (*, n, n) (True), or the reduced (*, m, k), (*, k, n).
        driver: accepted for PyTorch's signature (a cuSOLVER choice); xp.linalg.svd decides.
        out: an optional triple of tensors the results are written into.

    Returns:
        A named tuple ``(U, S, Vh)``; S (*, k) descending.

    >>> import gpugrad as gg
    >>> gg.linalg.svd(gg.tensor([[3.0, 0.0], [0.0, -2.0]])).S
    tensor([3., 2.])
    """
    check_matrix("linalg.svd", A, square=False)
    return write_out(SvdResult(*Svd.apply(A, bool(full_matrices))), out, "linalg.svd")


def svdvals(A, *, driver=None, out=None):
    """The singular values (descending) of each matrix, as ``torch.linalg.svdvals`` (gradient U diag(g) Vh).

    Args:
        A: a (*, m, n) floating tensor.
        driver: accepted for PyTorch's signature.
        out: an optional tensor the result is written into.

    Returns:
        A (*, min(m, n)) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.svdvals(gg.tensor([[0.0, 2.0], [1.0, 0.0]]))
    tensor([2., 1.])
    """
    check_matrix("linalg.svdvals", A, square=False)
    s = Svd.apply(A, False)[1] if _wants_grad(A) else _const(lapack(A.xp, "svd", A._data, compute_uv=False))
    return write_out(s, out, "linalg.svdvals")


def matrix_exp(A):
    """The matrix exponential exp(A) = sum_k A^k / k! of each square matrix, as ``torch.linalg.matrix_exp``
    (scaling and squaring of the [13/13] Pade approximant in xp: NumPy and cupy.linalg have none).

    Args:
        A: a (*, n, n) floating tensor.

    Returns:
        A (*, n, n) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.matrix_exp(gg.zeros(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    check_matrix("linalg.matrix_exp", A)
    return MatrixExp.apply(A)


def _unsq_tol(t):
    return t if not isinstance(t, Tensor) else S.unsqueeze(t, -1)


def _tolerance(a, s_max, atol, rtol):
    """PyTorch's threshold max(atol, rtol * s_max), rtol's default eps * max(m, n) (0 where atol > 0)."""
    xp = a.xp
    eps = float(_np.finfo(_np.dtype(a.dtype)).eps) * max(a.shape[-2:])
    at = _const(xp.zeros((), a.dtype)) if atol is None else (atol if isinstance(atol, Tensor) else
                                                                  _const(xp.asarray(atol, a.dtype)))
    if rtol is None:
        rt = _const(xp.asarray(eps, a.dtype)) if atol is None else Ar.where(at > 0, 0.0, eps)
    else:
        rt = rtol if isinstance(rtol, Tensor) else _const(xp.asarray(rtol, a.dtype))
    return Ar.maximum(_unsq_tol(at), _unsq_tol(rt) * s_max.detach())


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse of each matrix, as ``torch.linalg.pinv``: from the SVD (from eigh with
    ``hermitian``), singular values below max(atol, rtol * s_max) taken as zero.

    Args:
        A: a (*, m, n) floating tensor.
        atol: the absolute threshold (a number or a (*) tensor; default 0).
        rtol: the relative threshold (default eps * max(m, n), or 0 when atol > 0).
        hermitian: A is symmetric (its lower triangle read).
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, m) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.pinv(gg.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    check_matrix("linalg.pinv", A, square=bool(hermitian))
    zero = _const(A.xp.zeros((), A.dtype))
    if hermitian:
        w, v = Eigh.apply(A, "L")
        aw = Ar.abs(w)
        tol = _tolerance(A, R.amax(aw, -1, keepdim=True) if w.shape[-1] else aw, atol, rtol)
        with _np.errstate(divide="ignore"):         # 1/0 where dropped: PyTorch's reciprocal, no warning
            winv = Ar.where(aw > tol, 1 / w, zero)
        res = (v * S.unsqueeze(winv, -2)) @ mT(v)
    else:
        u, s, vh = Svd.apply(A, False)
        tol = _tolerance(A, s[..., :1], atol, rtol)
        with _np.errstate(divide="ignore"):
            sinv = Ar.where(s > tol, 1 / s, zero)
        res = (mT(vh) * S.unsqueeze(sinv, -2)) @ mT(u)
    return write_out(res, out, "linalg.pinv")


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The numerical rank of each matrix (the number of singular values above max(atol, rtol * s_max)), as
    ``torch.linalg.matrix_rank``. No gradient.

    Args:
        A: a (*, m, n) floating tensor.
        atol: the absolute threshold (default 0).
        rtol: the relative threshold (default eps * max(m, n), or 0 when atol > 0).
        hermitian: A is symmetric (eigenvalues instead of the SVD).
        out: an optional tensor the result is written into.

    Returns:
        An int64 (*) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.matrix_rank(gg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    check_matrix("linalg.matrix_rank", A, square=bool(hermitian))
    with grad_mode.no_grad():
        s = Ar.abs(eigvalsh(A)) if hermitian else svdvals(A)
        smax = R.amax(s, -1, keepdim=True) if s.shape[-1] else s
        tol = _tolerance(A, smax, atol, rtol)
        return write_out(_const((s._data > tol._data).sum(-1).astype(_np.int64)), out, "linalg.matrix_rank")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B for each matrix, as ``torch.linalg.lstsq``: the minimum-norm
    solution pinv(A) B (singular values below rcond * s_max dropped), with the extra outputs of the chosen
    LAPACK ``driver`` as PyTorch fills them: residuals (the squared residual norms, (*, k), when m > n, A is
    of full rank and the driver is not 'gelsy'), rank (not for 'gels'), singular_values ('gelsd', 'gelss').

    Args:
        A: a (*, m, n) floating tensor.
        B: a (*, m, k) tensor (or (*, m) vectors).
        rcond: the relative threshold of the singular values (default eps * max(m, n)).
        driver: 'gelsy' (default), 'gels', 'gelsd' or 'gelss'.

    Returns:
        A named tuple ``(solution, residuals, rank, singular_values)``.

    >>> import gpugrad as gg
    >>> gg.linalg.lstsq(gg.tensor([[1.0], [1.0]]), gg.tensor([[1.0], [3.0]])).solution.round(decimals=4)
    tensor([[2.]])
    """
    check_matrix("torch.linalg.lstsq", A, square=False)
    _same_dtype("torch.linalg.lstsq", A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
                           f", but got {driver}")
    vector = B.ndim == A.ndim - 1
    b = S.unsqueeze(B, -1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), got "
                           f"{A.shape[-2]} and {b.shape[-2]}")
    x = pinv(A, rtol=rcond) @ b
    xp, (m, n) = A.xp, A.shape[-2:]
    batch = _np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    empty = _const(xp.zeros((0,), A.dtype))
    with grad_mode.no_grad():
        s = svdvals(A)
        rank = matrix_rank(A, rtol=rcond) if driver != "gels" else _const(xp.zeros((0,), _np.int64))
        full = driver == "gels" or bool((rank._data == min(m, n)).all())
        res = empty
        if m > n and full and driver != "gelsy":      # (not differentiable, as PyTorch's)
            r = Ar.sub(A.detach() @ x.detach(), b.detach())
            res = (r * r).sum(-2)
    if driver != "gels":
        rank = _const(xp.broadcast_to(rank._data, batch).copy())
    sv = _const(s._data) if driver in ("gelsd", "gelss") else empty
    return LstsqResult(S.squeeze(x, -1) if vector else x, res, rank, sv)
