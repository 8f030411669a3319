"""Probability distributions for sampling, log-densities and KL divergences, as ``torch.distributions``:
VAEs (``Normal(...).rsample()``, ``kl_divergence``), policy gradients (``Categorical(logits=...)``,
``log_prob``, ``entropy``) and Bayesian layers.

Random numbers come from gpugrad's generators of the parameters' device (``gpugrad.manual_seed`` makes them
reproducible). Parameters and values are validated by default (``Distribution.set_default_validate_args``).

>>> import gpugrad as gg
>>> from gpugrad.distributions import Normal, kl_divergence
>>> q = Normal(gg.tensor([0.5]), gg.tensor([1.0]))
>>> kl_divergence(q, Normal(0.0, 1.0))
tensor([0.1250])
"""
from __future__ import annotations

from . import constraints, transforms
from .distribution import Distribution, ExponentialFamily
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .dirichlet import Beta, Dirichlet
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import LogNormal, Normal
from .uniform import Uniform
from .transformed_distribution import TransformedDistribution
from .kl import kl_divergence, register_kl
# torch.distributions exports the transforms too
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform, IndependentTransform,
                         PowerTransform, SigmoidTransform, SoftmaxTransform, SoftplusTransform, StickBreakingTransform,
                         TanhTransform, Transform, identity_transform)

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "ExponentialFamily",
           "Gamma", "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical",
           "TransformedDistribution", "Uniform", "constraints", "kl_divergence", "register_kl", "transforms"]
__all__ += transforms.__all__

# the heavier-tailed, extreme-value and circular families
from .cauchy import Cauchy
from .chi2 import Chi2
from .fisher_snedecor import FisherSnedecor
from .generalized_pareto import GeneralizedPareto
from .gumbel import Gumbel
from .half import HalfCauchy, HalfNormal
from .inverse_gamma import InverseGamma
from .kumaraswamy import Kumaraswamy
from .logistic_normal import LogisticNormal
from .pareto import Pareto
from .student_t import StudentT
from .von_mises import VonMises
from .weibull import Weibull
__all__ += ["Cauchy", "Chi2", "FisherSnedecor", "GeneralizedPareto", "Gumbel", "HalfCauchy", "HalfNormal",
            "InverseGamma", "Kumaraswamy", "LogisticNormal", "Pareto", "StudentT", "VonMises", "Weibull"]

# the counting, relaxed, mixture and low-rank families
from .binomial import Binomial
from .continuous_bernoulli import ContinuousBernoulli
from .geometric import Geometric
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .negative_binomial import NegativeBinomial
from .one_hot_categorical import OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
__all__ += ["Binomial", "ContinuousBernoulli", "Geometric", "LowRankMultivariateNormal", "MixtureSameFamily",
            "Multinomial", "NegativeBinomial", "OneHotCategoricalStraightThrough", "Poisson", "RelaxedBernoulli",
            "RelaxedOneHotCategorical"]

# the matrix families, the transforms joined along a dim or onto matrices, and the constraint registries
from .constraint_registry import biject_to, transform_to
from .lkj_cholesky import LKJCholesky
from .transforms import (CatTransform, CorrCholeskyTransform, CumulativeDistributionTransform,
                         LowerCholeskyTransform, PositiveDefiniteTransform, ReshapeTransform, StackTransform)
from .wishart import Wishart
__all__ += ["LKJCholesky", "Wishart", "biject_to", "transform_to"]

# PyTorch's module names where gpugrad's files are named otherwise (torch.distributions.studentT & co.)
from . import beta, exp_family, fishersnedecor, half_cauchy, half_normal, log_normal, studentT  # noqa: E402,F401
