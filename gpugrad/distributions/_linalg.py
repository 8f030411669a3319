"""Private recorded linear algebra for MultivariateNormal: cholesky, solve (triangular when ``lower=True``),
tril and the diagonal. They stand in until ``gpugrad.linalg`` lands; then these should call it.

Batched over leading dims; ``solve`` expands both operands to one batch shape first, so that broadcasting is
undone by the recorded ``expand``.
"""
from __future__ import annotations

from ..autograd.op import Op
from ..tensor import Tensor


def _mT(a):
    return a.swapaxes(-1, -2)


# The backward formulas run on raw arrays (first order) or on Tensors (create_graph=True: recorded ops, so that
# gradients of gradients exist). These helpers serve both.
def _tril(a, k=0):
    if isinstance(a, Tensor):
        import numpy as np
        from ..tensor import tensor
        n, m = a.shape[-2:]
        return a * tensor(np.tril(np.ones((n, m)), k), dtype=a.dtype, device=a.device)
    from ..backend import xp_of
    return xp_of(a).tril(a, k)


def _solve_raw(xp, a, b):
    """xp.linalg.solve, in float32 for float16 (the LAPACK/cuSOLVER routines have no half precision)."""
    if a.dtype == xp.float16:
        return xp.linalg.solve(a.astype(xp.float32), b.astype(xp.float32)).astype(xp.float16)
    return xp.linalg.solve(a, b)


def _solve_any(xp, a, b):
    return Solve.apply(a, b) if isinstance(a, Tensor) else _solve_raw(xp, a, b)


class Cholesky(Op):
    def forward(self, a):
        xp = self.xp
        work = a.astype(xp.float32) if a.dtype == xp.float16 else a
        try:
            L = xp.linalg.cholesky(work)
        except xp.linalg.LinAlgError as e:
            raise ValueError(f"cholesky: the input of shape {tuple(a.shape)} is not positive-definite") from e
        if L.size and bool(xp.isnan(L).any()):   # CuPy reports failure with NaNs
            raise ValueError(f"cholesky: the input of shape {tuple(a.shape)} is not positive-definite")
        L = L.astype(a.dtype, copy=False)
        self.save_for_backward(L)
        return L

    def backward(self, gL):
        # A = L L^T. With P = tril(L^T tril(gL)), its diagonal halved and mirrored to a symmetric matrix,
        # gA = L^-T P L^-1 (Murray 2016; PyTorch's cholesky_backward).
        xp = self.xp
        (L,) = self.saved
        phi = _tril(_mT(L) @ _tril(gL))
        phi = 0.5 * (phi + _mT(_tril(phi, -1)))
        s = _solve_any(xp, _mT(L), phi)                  # L^-T P
        return _mT(_solve_any(xp, _mT(L), _mT(s)))       # (L^-T (L^-T P)^T)^T = L^-T P L^-1


class Solve(Op):
    def forward(self, a, b, lower=False):
        x = _solve_raw(self.xp, a, b)
        self.lower = lower
        self.save_for_backward(a, x)
        return x

    def backward(self, g):
        # A X = B: gB = A^-T g, gA = -gB X^T (only the lower triangle for a triangular A, as PyTorch)
        a, x = self.saved
        gb = _solve_any(self.xp, _mT(a), g)
        ga = None
        if self.needs_input_grad[0]:
            ga = -gb @ _mT(x)
            if self.lower:
                ga = _tril(ga)
        return ga, gb


def cholesky(a):
    """The lower Cholesky factor of a symmetric positive-definite (batch of) matrix (recorded)."""
    return Cholesky.apply(a)


def solve(a, b, lower=False):
    """X with A X = B for (batches of) square A and matrices B, batch dims broadcast (recorded)."""
    batch = _broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = a.expand(batch + tuple(a.shape[-2:]))
    b = b.expand(batch + tuple(b.shape[-2:]))
    return Solve.apply(a, b, lower=lower)


def _broadcast_shapes(*shapes):
    import numpy as np
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


def eye_like(a, n):
    """The n x n identity with ``a``'s dtype and device."""
    from ..factories import eye
    return eye(n, dtype=a.dtype, device=a.device)


def tril(a):
    """The lower triangle (recorded, as a product with a 0/1 mask)."""
    return _tril(a)


def diagonal(a):
    """The diagonal of the last two dims (recorded, as a masked sum)."""
    return (a * eye_like(a, a.shape[-1])).sum(-1)


def is_positive_definite(a):
    """A bool Tensor per matrix: symmetric and every eigenvalue positive."""
    xp_a = a._data
    from ..backend import xp_of
    xp = xp_of(xp_a)
    sym = xp.all(xp.abs(xp_a - _mT(xp_a)) <= 1e-6 * xp.maximum(1.0, xp.abs(xp_a)), axis=(-2, -1))
    ok = xp.linalg.eigvalsh(xp_a).min(-1) > 0 if xp_a.shape[-1] else xp.ones(xp_a.shape[:-2], bool)
    return Tensor._make(sym & ok, None)
