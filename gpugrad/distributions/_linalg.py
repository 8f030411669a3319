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


def _need_arrays(g, op):
    if isinstance(g, Tensor):
        raise NotImplementedError(f"{op}: double backward (create_graph=True) is not supported by "
                                  f"gpugrad.distributions' private {op}")


class Cholesky(Op):
    def forward(self, a):
        xp = self.xp
        try:
            L = xp.linalg.cholesky(a)
        except xp.linalg.LinAlgError as e:
            raise ValueError(f"cholesky: the input of shape {tuple(a.shape)} is not positive-definite") from e
        if xp.isnan(L).any():   # CuPy reports failure with NaNs
            raise ValueError(f"cholesky: the input of shape {tuple(a.shape)} is not positive-definite")
        self.save_for_backward(L)
        return L

    def backward(self, gL):
        # A = L L^T. With P = tril(L^T gL) whose diagonal is halved, then symmetrised,
        # gA = L^-T P L^-1 (Murray 2016, PyTorch's cholesky_backward).
        _need_arrays(gL, "cholesky")
        xp = self.xp
        (L,) = self.saved
        phi = xp.tril(_mT(L) @ xp.tril(gL))
        phi = 0.5 * (phi + _mT(xp.tril(phi, -1)))
        s = xp.linalg.solve(_mT(L), phi)                 # L^-T P
        return _mT(xp.linalg.solve(_mT(L), _mT(s)))      # (L^-T (L^-T P)^T)^T = L^-T P L^-1


class Solve(Op):
    def forward(self, a, b, lower=False):
        x = self.xp.linalg.solve(a, b)
        self.lower = lower
        self.save_for_backward(a, x)
        return x

    def backward(self, g):
        # A X = B: gB = A^-T g, gA = -gB X^T (only the lower triangle for a triangular A, as PyTorch)
        _need_arrays(g, "solve")
        xp = self.xp
        a, x = self.saved
        gb = xp.linalg.solve(_mT(a), g)
        ga = None
        if self.needs_input_grad[0]:
            ga = -gb @ _mT(x)
            if self.lower:
                ga = xp.tril(ga)
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
    import numpy as np
    n, m = a.shape[-2], a.shape[-1]
    mask = np.tril(np.ones((n, m), dtype=bool))
    from ..tensor import tensor
    return a * tensor(mask, device=a.device).to(a.dtype)


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
