"""The transforms onto matrices: lower Cholesky factors (exp on the diagonal), positive-definite matrices
(L L^T of one) and Cholesky factors of correlation matrices (a signed stick-breaking of each row), with
PyTorch's formulas."""
from __future__ import annotations

import math

from .. import constraints
from ..utils import _finfo
from ...ops.nn_ops import softplus
from .base import Transform
from .elementwise import _Stateless, _at_least_1d

__all__ = ["CorrCholeskyTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform"]


def _tril_index(n, offset, like):
    """Row and column indices of the entries of an n x n matrix on or below diagonal ``offset``, row by row
    (as ``torch.tril_indices``), on ``like``'s device."""
    from ...ops.shape_build import tril_indices
    rows, cols = tril_indices(n, n, offset, device=like.device)
    return rows, cols


def _tril_to_vec(mat, offset):
    """The entries of ``mat`` (..., n, n) on or below diagonal ``offset``, row by row, as a (..., m) vector."""
    rows, cols = _tril_index(mat.shape[-1], offset, mat)
    return mat[..., rows, cols]


def _vec_to_tril(vec, n, offset):
    """The inverse of :func:`_tril_to_vec`: an (..., n, n) matrix with ``vec``'s entries on or below diagonal
    ``offset`` (row by row) and zeros elsewhere. Built by gathering from ``vec`` with a zero appended, so it is a
    recorded op (its gradient scatters back)."""
    from ...factories import full
    from ...ops.shape import cat
    rows, cols = _tril_index(n, offset, vec)
    m = vec.shape[-1]
    gather = full((n * n,), m, dtype=rows.dtype, device=vec.device)
    gather[rows * n + cols] = rows.new_ones(m).cumsum(0) - 1
    padded = cat([vec, vec.new_zeros(tuple(vec.shape[:-1]) + (1,))], -1)
    return padded[..., gather].reshape(tuple(vec.shape[:-1]) + (n, n))


def _shift_right(x):
    """x's last dim shifted one to the right, a 1 entering on the left (``pad(x[..., :-1], [1, 0], value=1)``)."""
    from ...ops.shape import cat
    return cat([x.new_ones(tuple(x.shape[:-1]) + (1,)), x[..., :-1]], -1)


class LowerCholeskyTransform(_Stateless):
    """From unconstrained square matrices to lower-triangular ones with a positive diagonal: the strict lower
    triangle is kept and the diagonal exponentiated (the upper triangle is dropped, so it is not bijective and
    has no log-Jacobian, as PyTorch).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import LowerCholeskyTransform
    >>> LowerCholeskyTransform()(gg.tensor([[0.0, 5.0], [2.0, 1.0]]))
    tensor([[1.0000, 0.0000],
            [2.0000, 2.7183]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def _call(self, x):
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y):
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()


class PositiveDefiniteTransform(_Stateless):
    """From unconstrained square matrices to positive-definite ones: ``L L^T`` for ``L`` the
    :class:`LowerCholeskyTransform` of the input (the inverse goes back through the Cholesky factor; no
    log-Jacobian, as PyTorch).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import PositiveDefiniteTransform
    >>> PositiveDefiniteTransform()(gg.tensor([[0.0, 0.0], [1.0, 0.0]]))
    tensor([[1., 1.],
            [1., 2.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x):
        L = LowerCholeskyTransform()(x)
        return L @ L.mT

    def _inverse(self, y):
        from ... import linalg
        return LowerCholeskyTransform().inv(linalg.cholesky(y))


class CorrCholeskyTransform(Transform):
    """From unconstrained vectors of length D (D - 1) / 2 to Cholesky factors of D x D correlation matrices
    (lower triangular, positive diagonal, rows of unit length). The vector fills the strict lower triangle row by
    row; each entry goes through tanh into (-1, 1) and each row is then a signed stick-breaking: entry j takes
    its fraction of the squared length the entries before it left, and the diagonal takes the rest.

    ``log_abs_det_jacobian`` is that of the map from ``x`` to the strict lower triangle of ``y`` (the two spaces
    have different dimensions), as PyTorch.

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import CorrCholeskyTransform
    >>> CorrCholeskyTransform()(gg.tensor([0.5]))
    tensor([[1.0000, 0.0000],
            [0.4621, 0.8868]])
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x):
        from ...factories import eye
        eps = float(_finfo(x.dtype).eps)
        r = x.tanh().clamp(min=-1 + eps, max=1 - eps)
        n = self.forward_shape(tuple(x.shape))[-1]
        r = _vec_to_tril(r, n, -1)
        # y_ij = r_ij sqrt(prod_{k<j} (1 - r_ik^2)): what is left of the row's unit length after entries k < j
        remaining = (1 - r * r).sqrt().cumprod(-1)
        return (r + eye(n, dtype=r.dtype, device=r.device)) * _shift_right(remaining)

    def _inverse(self, y):
        # r_ij = y_ij / sqrt(1 - sum_{k<j} y_ik^2), then x = atanh(r)
        left = _shift_right(1 - (y * y).cumsum(-1))
        t = _tril_to_vec(y, -1) / _tril_to_vec(left, -1).sqrt()
        return (t.log1p() - (-t).log1p()) / 2

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        # stick-breaking: 1/2 sum log(1 - sum_{k<=j} y_ik^2) over j < i - 1 (diagonal -2 skips the shift);
        # tanh: log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x))
        left = _tril_to_vec(1 - (y * y).cumsum(-1), -2)
        stick_breaking = 0.5 * left.log().sum(-1)
        tanh = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick_breaking + tanh

    def forward_shape(self, shape):
        _at_least_1d(shape)
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)
