"""The Wishart distribution over positive-definite matrices, sampled by the Bartlett decomposition, with
PyTorch's parameterization (df and one of covariance, precision or its Cholesky factor)."""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import constraints
from .. import linalg
from ..ops.arithmetic import where
from ..ops.linalg_torch import cholesky_inverse, cholesky_solve
from ..ops.umath_unary import digamma, mvlgamma
from ..tensor import tensor as _tensor
from .chi2 import Chi2
from .distribution import Distribution, ExponentialFamily
from .multivariate_normal import _precision_to_scale_tril
from .utils import _finfo, _noise, lazy_property

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """The multivariate digamma: sum_{i<p} digamma(x - i/2) (the derivative of mvlgamma)."""
    if not bool((x > (p - 1) / 2).all()):
        raise AssertionError("Wrong domain for multivariate digamma function.")
    halves = x.new_ones(p).cumsum(-1).sub(1).div(2)
    return digamma(x.unsqueeze(-1) - halves).sum(-1)


def _bartlett_chi2(df, p):
    """The Chi2(df - i) (i = 0..p-1) of the Bartlett decomposition's diagonal, batched over df's shape."""
    return Chi2(df.unsqueeze(-1) - (df.new_ones(p).cumsum(-1) - 1))


class Wishart(ExponentialFamily):
    """The Wishart distribution over p x p positive-definite matrices: the law of ``X^T X`` for ``df`` rows of
    ``X`` drawn from N(0, covariance_matrix) (for integer df), with mean ``df * covariance_matrix``. Give
    exactly one of ``covariance_matrix``, ``precision_matrix`` and ``scale_tril`` (the Cholesky factor of the
    covariance, used by every computation). ``rsample`` is the Bartlett decomposition ``L A A^T L^T``: A lower
    triangular with sqrt(Chi2(df - i)) on the diagonal and standard normals below it.

    Args:
        df: the degrees of freedom (a number or Tensor), greater than p - 1.
        covariance_matrix: a positive-definite scale matrix (or batch of them).
        precision_matrix: its inverse.
        scale_tril: its lower Cholesky factor.
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Wishart
    >>> d = Wishart(gg.tensor(3.0), covariance_matrix=gg.eye(2))
    >>> d.log_prob(gg.eye(2)), d.mean
    (tensor(-3.5310), tensor([[3., 0.],
            [0., 3.]]))
    >>> tuple(d.rsample((4,)).shape)
    (4, 2, 2)
    """

    support = constraints.positive_definite
    has_rsample = True

    @property
    def arg_constraints(self):
        """The parameters' constraints: positive-definite matrices, a lower Cholesky factor and df > p - 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(4.0, scale_tril=gg.eye(3)).arg_constraints["df"]
        GreaterThan(lower_bound=2)
        """
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix,
                 "scale_tril": scale_tril}
        if sum(v is not None for v in given.values()) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                                 "specified.")
        name, param = next((k, v) for k, v in given.items() if v is not None)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, numbers.Number):
            batch_shape = tuple(param.shape[:-2])
            self.df = _tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = tuple(np.broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(batch_shape)
        event_shape = tuple(param.shape[-2:])
        p = event_shape[-1]
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        setattr(self, name, param.expand(batch_shape + (-1, -1)))
        if bool((self.df < p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df "
                          "< ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._batch_dims = [-(i + 1) for i in range(len(batch_shape))]
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = param
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(param)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(param)
        self._dist_chi2 = _bartlett_chi2(self.df.expand(batch_shape).to(self._unbroadcasted_scale_tril.dtype), p)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = tuple(batch_shape)
        matrix_shape = batch_shape + tuple(self._event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(matrix_shape)
        new.df = self.df.expand(batch_shape)
        new._batch_dims = [-(i + 1) for i in range(len(batch_shape))]
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(matrix_shape))
        new._dist_chi2 = _bartlett_chi2(new.df.to(new._unbroadcasted_scale_tril.dtype), self._event_shape[-1])
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape)

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor L of the covariance (scale) matrix.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(3.0, covariance_matrix=4 * gg.eye(2)).scale_tril
        tensor([[2., 0.],
                [0., 2.]])
        """
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        """The covariance (scale) matrix L L^T.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(3.0, scale_tril=2 * gg.eye(2)).covariance_matrix
        tensor([[4., 0.],
                [0., 4.]])
        """
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        """The inverse of the covariance (scale) matrix.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(3.0, scale_tril=2 * gg.eye(2)).precision_matrix
        tensor([[0.2500, 0.0000],
                [0.0000, 0.2500]])
        """
        return cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._matrix_shape())

    def _df_matrix(self):
        return self.df.reshape(tuple(self._batch_shape) + (1, 1))

    @property
    def mean(self):
        """The mean: df times the covariance matrix.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(gg.tensor([3.0]), covariance_matrix=gg.eye(2)).mean
        tensor([[[3., 0.],
                 [0., 3.]]])
        """
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self):
        """The mode: (df - p - 1) times the covariance matrix, NaN where df <= p + 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(gg.tensor([5.0, 2.0]), covariance_matrix=gg.eye(2)).mode[:, 0]
        tensor([[2., 0.],
                [nan, nan]])
        """
        factor = self.df - self._event_shape[-1] - 1
        factor = factor.masked_fill(factor <= 0, float("nan"))
        return factor.reshape(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        """The variance of each entry: df (V_ij^2 + V_ii V_jj) for V the covariance matrix.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> Wishart(gg.tensor(3.0), covariance_matrix=gg.eye(2)).variance
        tensor([[6., 3.],
                [3., 6.]])
        """
        V = self.covariance_matrix
        diagonal = V.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (V.pow(2) + diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape=()):
        p = self._event_shape[-1]
        eps = float(_finfo(self._unbroadcasted_scale_tril.dtype).eps)
        diagonal = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=eps)
        below = _noise("normal", tuple(sample_shape) + tuple(self._batch_shape) + (p, p), diagonal).tril(-1)
        chol = self._unbroadcasted_scale_tril @ (diagonal.diag_embed() + below)
        return chol @ chol.mT

    def rsample(self, sample_shape=(), max_try_correction=None):
        """Reparameterized samples (Bartlett decomposition). A sample that is not numerically positive
        definite (likely when df < p) is drawn again, up to ``max_try_correction`` times (default 10), with a
        warning; one still singular is returned as it is (its ``log_prob`` may be -inf).

        Args:
            sample_shape: the leading shape of the samples.
            max_try_correction: how many times singular samples are redrawn.

        Returns:
            A Tensor of shape ``sample_shape + batch_shape + (p, p)``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Wishart
        >>> tuple(Wishart(gg.tensor([3.0, 4.0]), covariance_matrix=gg.eye(2)).rsample((5,)).shape)
        (5, 2, 2, 2)
        """
        if max_try_correction is None:
            max_try_correction = 10
        sample_shape = tuple(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        # a draw is redrawn whole (all its batch elements) when any of them is singular, as PyTorch
        singular = self._any_over_batch(~self.support.check(sample))
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(max_try_correction):
                new = self._bartlett_sampling(sample_shape)
                sample = where(self._as_matrices(singular), new, sample)
                singular = singular & self._any_over_batch(~self.support.check(new))
                if not bool(singular.any()):
                    break
        return sample

    def _any_over_batch(self, flags):
        return flags.amax(self._batch_dims) if self._batch_dims else flags

    def _as_matrices(self, flags):
        """Per-draw flags (of ``sample_shape``) broadcast against samples."""
        return flags.reshape(tuple(flags.shape) + (1,) * (len(self._batch_shape) + 2))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        log_det_L = L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = cholesky_solve(value, L).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + log_det_L) - mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self):
        nu = self.df
        p = self._event_shape[-1]
        log_det_L = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + log_det_L) + mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)
