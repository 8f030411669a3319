"""The LowRankMultivariateNormal distribution: covariance W W^T + D (W of rank m, D diagonal), with log_prob and
entropy in O(n m^2) through the m x m capacitance matrix C = I + W^T D^-1 W (Woodbury and the matrix
determinant lemma), and its KL divergences with itself and with MultivariateNormal."""
from __future__ import annotations

import math

import numpy as np

from . import constraints
from .. import linalg
from ..factories import eye
from .distribution import Distribution, _LocIsMeanAndMode
from .kl import register_kl
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis, _half_log_det
from .utils import lazy_property

__all__ = ["LowRankMultivariateNormal"]


def _batch_mv(bmat, bvec):
    """Matrix-vector products over broadcast batch dims."""
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def _plus_eye(K):
    return K + eye(K.shape[-1], dtype=K.dtype, device=K.device)


def _batch_capacitance_tril(W, D):
    """The Cholesky factor of the capacitance C = I + W^T D^-1 W (m x m)."""
    Wt_Dinv = W.swapaxes(-1, -2) / D.unsqueeze(-2)
    return linalg.cholesky(_plus_eye(Wt_Dinv @ W))


def _batch_lowrank_logdet(W, D, capacitance_tril):
    """log det(W W^T + D) = log det C + log det D (the matrix determinant lemma)."""
    return 2 * _half_log_det(capacitance_tril) + D.log().sum(-1)


def _batch_lowrank_mahalanobis(W, D, x, capacitance_tril):
    """x^T (W W^T + D)^-1 x = x^T D^-1 x - |L^-1 W^T D^-1 x|^2 (Woodbury; L the capacitance's Cholesky factor)."""
    Wt_Dinv_x = _batch_mv(W.swapaxes(-1, -2) / D.unsqueeze(-2), x)
    return (x.pow(2) / D).sum(-1) - _batch_mahalanobis(capacitance_tril, Wt_Dinv_x)


def _batch_trace_XXT(bmat):
    """trace(X X^T): the sum of squares over the last two dims."""
    return bmat.pow(2).sum((-2, -1))


class LowRankMultivariateNormal(_LocIsMeanAndMode, Distribution):
    """The multivariate normal N(loc, cov_factor cov_factor^T + diag(cov_diag)).

    Args:
        loc: the mean, shape ``batch_shape + (n,)``.
        cov_factor: the low-rank factor W, shape ``batch_shape + (n, m)``.
        cov_diag: the diagonal part D (positive), shape ``batch_shape + (n,)``.
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
    >>> d = LowRankMultivariateNormal(gg.zeros(2), gg.tensor([[1.0], [0.0]]), gg.ones(2))
    >>> d.covariance_matrix, d.log_prob(gg.zeros(2))
    (tensor([[2., 0.],
            [0., 1.]]), tensor(-2.1845))
    """

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = tuple(loc.shape[-1:])
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != event_shape:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if tuple(cov_diag.shape[-1:]) != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {loc.shape[-1:]}")
        try:
            shape = np.broadcast_shapes(tuple(loc.shape) + (1,), tuple(cov_factor.shape),
                                        tuple(cov_diag.shape) + (1,))
        except ValueError as e:
            raise ValueError(f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                             f"cov_diag {cov_diag.shape}") from e
        vec_shape = tuple(shape[:-1])
        self.loc = loc.expand(vec_shape)
        self.cov_factor = cov_factor.expand(tuple(shape))
        self.cov_diag = cov_diag.expand(vec_shape)
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _batch_capacitance_tril(cov_factor, cov_diag)
        super().__init__(vec_shape[:-1], event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new.cov_diag = self.cov_diag.expand(loc_shape)
        new.cov_factor = self.cov_factor.expand(loc_shape + tuple(self.cov_factor.shape[-1:]))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        Distribution.__init__(new, tuple(batch_shape), self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def variance(self):
        """The variance of each coordinate: the covariance's diagonal, sum_j W_ij^2 + D_i.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
        >>> LowRankMultivariateNormal(gg.zeros(2), gg.tensor([[1.0], [2.0]]), gg.ones(2)).variance
        tensor([2., 5.])
        """
        return (self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag).expand(
            tuple(self._batch_shape) + tuple(self._event_shape))

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor of the covariance, D^1/2 chol(I + D^-1/2 W W^T D^-1/2).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
        >>> LowRankMultivariateNormal(gg.zeros(2), gg.tensor([[0.0], [0.0]]), 4 * gg.ones(2)).scale_tril
        tensor([[2., 0.],
                [0., 2.]])
        """
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        Dinvsqrt_W = self._unbroadcasted_cov_factor / d_sqrt
        K = _plus_eye(Dinvsqrt_W @ Dinvsqrt_W.swapaxes(-1, -2))
        return (d_sqrt * linalg.cholesky(K)).expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        """The covariance W W^T + diag(D).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
        >>> LowRankMultivariateNormal(gg.zeros(2), gg.tensor([[1.0], [1.0]]), gg.ones(2)).covariance_matrix
        tensor([[2., 1.],
                [1., 2.]])
        """
        from ..ops import diag_embed
        W = self._unbroadcasted_cov_factor
        return (W @ W.swapaxes(-1, -2) + diag_embed(self._unbroadcasted_cov_diag)).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        """The precision (inverse covariance) by Woodbury: D^-1 - A^T A, A = L^-1 W^T D^-1.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
        >>> LowRankMultivariateNormal(gg.zeros(2), gg.tensor([[1.0], [0.0]]), gg.ones(2)).precision_matrix
        tensor([[0.5000, 0.0000],
                [0.0000, 1.0000]])
        """
        from ..ops import diag_embed
        Wt_Dinv = self._unbroadcasted_cov_factor.swapaxes(-1, -2) / self._unbroadcasted_cov_diag.unsqueeze(-2)
        A = linalg.solve_triangular(self._capacitance_tril, Wt_Dinv, upper=False)
        precision = diag_embed(self._unbroadcasted_cov_diag.reciprocal()) - A.swapaxes(-1, -2) @ A
        return precision.expand(self._matrix_shape())

    def rsample(self, sample_shape=()):
        # loc + W eps_W + D^1/2 eps_D, eps_W of the rank m and eps_D of the dimension n
        from . import utils
        shape = tuple(self._extended_shape(sample_shape))
        eps_W = utils._noise("normal", shape[:-1] + tuple(self.cov_factor.shape[-1:]), self.loc)
        eps_D = utils._noise("normal", shape, self.loc)
        return (self.loc + _batch_mv(self._unbroadcasted_cov_factor, eps_W)
                + self._unbroadcasted_cov_diag.sqrt() * eps_D)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        M = _batch_lowrank_mahalanobis(W, D, value - self.loc, self._capacitance_tril)
        log_det = _batch_lowrank_logdet(W, D, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + M)

    def entropy(self):
        log_det = _batch_lowrank_logdet(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                        self._capacitance_tril)
        H = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return H if len(self._batch_shape) == 0 else H.expand(tuple(self._batch_shape))


def _check_event_shapes(p, q, what):
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two {what} with different event shapes cannot be computed")


def _woodbury_A(q):
    """A = L^-1 W^T D^-1 of q, so that q's precision is D^-1 - A^T A."""
    qWt_qDinv = q._unbroadcasted_cov_factor.swapaxes(-1, -2) / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return linalg.solve_triangular(q._capacitance_tril, qWt_qDinv, upper=False)


def _lowrank_logdet(d):
    return _batch_lowrank_logdet(d._unbroadcasted_cov_factor, d._unbroadcasted_cov_diag, d._capacitance_tril)


def _lowrank_mahalanobis(q, x):
    return _batch_lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, x,
                                      q._capacitance_tril)


# KL = 1/2 (log det S_q - log det S_p + tr(S_q^-1 S_p) + (mu_q - mu_p)^T S_q^-1 (mu_q - mu_p) - n); the trace
# term expanded through q's Woodbury form (S_q^-1 = D^-1 - A^T A) or p's factors, never forming n x n inverses
@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrankmultivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "Low Rank Multivariate Normals")
    term1 = _lowrank_logdet(q) - _lowrank_logdet(p)
    term3 = _lowrank_mahalanobis(q, q.loc - p.loc)
    A = _woodbury_A(q)
    pW, pD, qD = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_diag
    term21 = (pD / qD).sum(-1)
    term22 = _batch_trace_XXT(pW * qD.rsqrt().unsqueeze(-1))
    term23 = _batch_trace_XXT(A * pD.sqrt().unsqueeze(-2))
    term24 = _batch_trace_XXT(A @ pW)
    return 0.5 * (term1 + term21 + term22 - term23 - term24 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    pL = p._unbroadcasted_scale_tril
    term1 = _lowrank_logdet(q) - 2 * _half_log_det(pL)
    term3 = _lowrank_mahalanobis(q, q.loc - p.loc)
    A = _woodbury_A(q)
    term21 = _batch_trace_XXT(pL * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term22 = _batch_trace_XXT(A @ pL)
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrankmultivariatenormal_multivariatenormal(p, q):
    from ..ops import diag_embed
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    qL = q._unbroadcasted_scale_tril
    term1 = 2 * _half_log_det(qL) - _lowrank_logdet(p)
    term3 = _batch_mahalanobis(qL, q.loc - p.loc)
    n = p.event_shape[0]
    batch = tuple(np.broadcast_shapes(tuple(qL.shape[:-2]), tuple(p._unbroadcasted_cov_factor.shape[:-2])))
    qL = qL.expand(batch + (n, n))
    pW = p._unbroadcasted_cov_factor.expand(batch + (n, p.cov_factor.shape[-1]))
    pD_sqrt = diag_embed(p._unbroadcasted_cov_diag.sqrt()).expand(batch + (n, n))
    term21 = _batch_trace_XXT(linalg.solve_triangular(qL, pW, upper=False))
    term22 = _batch_trace_XXT(linalg.solve_triangular(qL, pD_sqrt, upper=False))
    return 0.5 * (term1 + term21 + term22 + term3 - n)
