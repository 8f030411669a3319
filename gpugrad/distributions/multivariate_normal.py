"""The MultivariateNormal distribution, given by a covariance matrix, a precision matrix or the Cholesky factor
of the covariance (``scale_tril``). Its linear algebra (cholesky, triangular solves) is ``gpugrad.linalg``'s,
recorded and differentiable."""
from __future__ import annotations

import math

import numpy as np

from . import constraints
from .. import linalg
from ..factories import eye
from ..ops.linalg_torch import cholesky_inverse
from .distribution import Distribution, _LocIsMeanAndMode
from .utils import lazy_property

__all__ = ["MultivariateNormal"]


def _batch_mahalanobis(L, x):
    """|L^-1 x|^2 over the last dim, batch dims of L and x broadcast."""
    y = linalg.solve_triangular(L, x.unsqueeze(-1), upper=False)
    return (y * y).sum((-2, -1))


def _half_log_det(L):
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _eye_like(a):
    """The identity matrix of ``a``'s last dim, dtype and device."""
    return eye(a.shape[-1], dtype=a.dtype, device=a.device)


def _precision_to_scale_tril(P):
    """The lower Cholesky factor of P^-1, as PyTorch: with Lf the Cholesky factor of P flipped in both dims,
    P^-1 = L L^T for L = (flip(Lf)^T)^-1 (lower triangular), so no full inverse of P is formed."""
    Lf = linalg.cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).swapaxes(-1, -2)
    return linalg.solve_triangular(L_inv, _eye_like(P), upper=False)


class MultivariateNormal(_LocIsMeanAndMode, Distribution):
    """The multivariate normal distribution N(loc, covariance_matrix).

    Args:
        loc: the mean, at least one-dimensional (the last dim is the event).
        covariance_matrix: a positive-definite covariance matrix (or batch of them).
        precision_matrix: a positive-definite precision (inverse covariance) matrix.
        scale_tril: a lower-triangular factor with positive diagonal, covariance = L L^T (give exactly one of
            the three).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import MultivariateNormal
    >>> d = MultivariateNormal(gg.zeros(2), covariance_matrix=gg.eye(2))
    >>> d.log_prob(gg.zeros(2))
    tensor(-1.8379)
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix,
                 "scale_tril": scale_tril}
        if sum(v is not None for v in given.values()) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        name, matrix = next((k, v) for k, v in given.items() if v is not None)
        if matrix.dim() < 2:
            what = {"scale_tril": "scale_tril matrix"}.get(name, name)
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = tuple(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        setattr(self, name, matrix.expand(batch_shape + tuple(matrix.shape[-2:])))
        self.loc = loc.expand(batch_shape + tuple(loc.shape[-1:]))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        n = tuple(self.event_shape)
        new.loc = self.loc.expand(batch_shape + n)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape + n + n))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor L of the covariance (covariance = L L^T).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import MultivariateNormal
        >>> MultivariateNormal(gg.zeros(2), 4 * gg.eye(2)).scale_tril
        tensor([[2., 0.],
                [0., 2.]])
        """
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        """The covariance matrix.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import MultivariateNormal
        >>> MultivariateNormal(gg.zeros(2), scale_tril=2 * gg.eye(2)).covariance_matrix
        tensor([[4., 0.],
                [0., 4.]])
        """
        L = self._unbroadcasted_scale_tril
        return (L @ L.swapaxes(-1, -2)).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        """The precision matrix (the inverse of the covariance).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import MultivariateNormal
        >>> MultivariateNormal(gg.zeros(2), scale_tril=2 * gg.eye(2)).precision_matrix
        tensor([[0.2500, 0.0000],
                [0.0000, 0.2500]])
        """
        L = self._unbroadcasted_scale_tril
        return cholesky_inverse(L).expand(self._matrix_shape())

    @property
    def variance(self):
        """The variance of each coordinate: the covariance's diagonal.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import MultivariateNormal
        >>> MultivariateNormal(gg.zeros(2), scale_tril=gg.tensor([[1.0, 0.0], [1.0, 2.0]])).variance
        tensor([1., 5.])
        """
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) +
                                                                    tuple(self._event_shape))

    def rsample(self, sample_shape=()):
        from .utils import _noise
        eps = _noise("normal", self._extended_shape(sample_shape), self.loc)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - _half_log_det(
            self._unbroadcasted_scale_tril)

    def entropy(self):
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + _half_log_det(
            self._unbroadcasted_scale_tril)
        return H if len(self._batch_shape) == 0 else H.expand(tuple(self._batch_shape))
