"""Randomized low-rank SVD and PCA, as ``torch.svd_lowrank`` and ``torch.pca_lowrank`` (Halko, Martinsson and
Tropp 2009, algorithms 4.4 and 5.1): an orthonormal basis Q of A's range is found from A times a Gaussian
matrix, sharpened by ``niter`` power iterations (each re-orthonormalized by QR), then the small matrix
Q^H A is decomposed exactly: A ~ (Q U) diag(S) V^H. Built from gpugrad's matmul, QR and SVD, so it is
differentiable as PyTorch's.

>>> import gpugrad as gg
>>> A = gg.outer(gg.tensor([1.0, 2.0, 3.0]), gg.tensor([1.0, 1.0]))
>>> U, S, V = gg.svd_lowrank(A, q=1)
>>> round(S.item(), 4)
5.2915
"""
from __future__ import annotations

from .. import _dtype
from ..random_factories import randn


def _float_dtype(A):
    return A.dtype if _dtype.is_float(A.dtype) else _dtype.float32


def _basis(A, q, niter, M):
    """Q: q orthonormal columns spanning (nearly) the range of A - M, by the randomized range finder."""
    from ..linalg import qr
    R = randn(A.shape[-1], q, dtype=_float_dtype(A), device=A.device)

    def times(X, adjoint=False):      # (A - M) X, or (A - M)^H X, without forming A - M
        Y = (A.mH if adjoint else A) @ X
        return Y if M is None else Y - (M.mH if adjoint else M) @ X
    Q = qr(times(R)).Q
    for _ in range(niter):
        Q = qr(times(Q, adjoint=True)).Q
        Q = qr(times(Q)).Q
    return Q


def _svd_lowrank(A, q, niter, M):
    from ..linalg import svd
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:                  # the range finder works on the tall orientation
        A = A.mH
        M = None if M is None else M.mH
    Q = _basis(A, q, niter, M)
    B = Q.mH @ A
    if M is not None:
        B = B - Q.mH @ M
    U, S, Vh = svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mH
    return (V, S, U) if m < n else (U, S, V)


def svd_lowrank(A, q=6, niter=2, M=None):
    """A rank-``q`` approximate SVD of ``A`` (of ``A - M`` when ``M`` is given), as ``torch.svd_lowrank``:
    ``A ~ U diag(S) V^H``. Randomized: seed with ``gpugrad.manual_seed`` for repeatable results.

    Args:
        A: a tensor of shape ``(*, m, n)``.
        q: a slightly overestimated rank of A (default 6); at most ``min(m, n)``.
        niter: the number of power iterations (default 2), non-negative.
        M: an optional tensor broadcastable to A's shape, subtracted from A (its mean, say).

    Returns:
        ``(U, S, V)``: ``(*, m, q)``, ``(*, q)`` and ``(*, n, q)``.

    >>> import gpugrad as gg
    >>> A = gg.tensor([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> U, S, V = gg.svd_lowrank(A, q=2)
    >>> [round(s, 4) for s in S.tolist()]
    [3.0, 1.0]
    """
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(A, q=None, center=True, niter=2):
    """A rank-``q`` approximate PCA of the data matrix ``A`` (rows are samples), as ``torch.pca_lowrank``: the
    low-rank SVD of A with its column means taken off (``center``). V's columns are the principal directions;
    ``S ** 2 / (m - 1)`` are the variances along them.

    Args:
        A: a tensor of shape ``(*, m, n)``.
        q: a slightly overestimated rank of A (default ``min(6, m, n)``); from 0 to ``min(m, n)``.
        center: subtract the column means first (False: A is taken as centered).
        niter: the number of power iterations (default 2), non-negative.

    Returns:
        ``(U, S, V)``: ``(*, m, q)``, ``(*, q)`` and ``(*, n, q)``.

    >>> import gpugrad as gg
    >>> A = gg.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> U, S, V = gg.pca_lowrank(A, q=1)
    >>> round(S.item() ** 2 / 2, 4)      # the variance along (1, 1) / sqrt(2)
    2.0
    """
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(dim=-2, keepdim=True), q, niter, None)
