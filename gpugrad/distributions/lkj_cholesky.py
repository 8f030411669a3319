"""The LKJ distribution over Cholesky factors of correlation matrices, sampled by the onion method of
Lewandowski, Kurowicka and Joe (2009), with PyTorch's parameterization and normalizer."""
from __future__ import annotations

import math

from . import constraints
from .. import autograd as _autograd
from ..ops.shape import cat
from .dirichlet import Beta
from .distribution import Distribution
from .utils import _finfo, _noise, broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ distribution over lower Cholesky factors ``L`` of ``dim`` x ``dim`` correlation matrices: the
    density of the correlation matrix ``M = L L^T`` is proportional to ``det(M) ** (concentration - 1)``
    (uniform over correlation matrices at ``concentration = 1``). Samples come from the onion method: row i of
    ``L`` is a uniform direction scaled by the square root of a Beta draw, the diagonal taking the rest of the
    unit length. There is no ``rsample``.

    Args:
        dim: the matrices' size (at least 2).
        concentration: the shape parameter eta (positive; a number or a Tensor of the batch shape).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import LKJCholesky
    >>> d = LKJCholesky(2, gg.tensor([2.0]))
    >>> d.log_prob(gg.tensor([[1.0, 0.0], [0.6, 0.8]]))
    tensor([-0.7340])
    >>> tuple(d.sample((3,)).shape)
    (3, 1, 2, 2)
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        # the onion method's Beta draws, one per row: row 0 draws nothing (a placeholder Beta(1/2, ...)), row i
        # >= 1 draws its squared off-diagonal length from Beta((i - 1)/2 + 1/2, eta + (dim - 2)/2 - (i - 1)/2)
        offset = self.concentration.new_ones(dim - 1).cumsum(-1) - 1
        offset = cat([offset.new_zeros((1,)), offset])
        marginal = self.concentration + 0.5 * (dim - 2)
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.shape, (dim, dim), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = tuple(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=()):
        with _autograd.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u = _noise("normal", self._extended_shape(sample_shape), y).tril(-1)
            norm = u.norm(dim=-1, keepdim=True)
            # row 0 is all zeros: its 0/0 direction is taken as 0 (its only entry is the diagonal 1)
            u = u / norm.masked_fill(norm == 0, 1.0)
            w = y.sqrt() * u
            diagonal = (1 - (w * w).sum(-1)).clamp(min=float(_finfo(w.dtype).tiny)).sqrt()
            return w + diagonal.diag_embed()

    def log_prob(self, value):
        # p(M) ~ det(M)^(eta - 1) = prod_i L_ii^(2 eta - 2), and the Jacobian from L to M is prod_i L_ii^(D - i)
        # (i = 1..D), so p(L) ~ prod_{i >= 2} L_ii^(2 eta - 2 + D - i); the normalizer is LKJ's (page 1999)
        from ..ops.umath_unary import mvlgamma
        if self._validate_args:
            self._validate_sample(value)
        diagonal = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = self.concentration.new_ones(self.dim - 1).cumsum(-1) + 1
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diagonal.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalizer = 0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - alpha.lgamma() * dm1
        return unnormalized - normalizer
