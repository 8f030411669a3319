"""MixtureSameFamily: a mixture whose components are one batched distribution (the rightmost batch dim indexes
the components) and whose weights are a Categorical."""
from __future__ import annotations

from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


class MixtureSameFamilyConstraint(constraints.Constraint):
    """The component distribution's support, checked with the component dim added back to the value.

    Args:
        base_constraint: the component distribution's support.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamilyConstraint
    >>> MixtureSameFamilyConstraint(constraints.positive).check(gg.tensor([1.0, -1.0]))
    tensor([ True, False])
    """

    def __init__(self, base_constraint):
        if not isinstance(base_constraint, constraints.Constraint):
            raise AssertionError(f"base_constraint must be a Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint

    @property
    def is_discrete(self):
        """Whether the component values are discrete.

        >>> from gpugrad.distributions import constraints
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamilyConstraint
        >>> MixtureSameFamilyConstraint(constraints.boolean).is_discrete
        True
        """
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        """The component support's event dims.

        >>> from gpugrad.distributions import constraints
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamilyConstraint
        >>> MixtureSameFamilyConstraint(constraints.real_vector).event_dim
        1
        """
        return self.base_constraint.event_dim

    def check(self, value):
        result = self.base_constraint.check(value.unsqueeze(-1 - self.event_dim))
        if value.dim() < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.dim()}")
        keep = value.dim() - self.event_dim
        result = result.reshape(tuple(result.shape[:keep]) + (-1,))
        return result.all(-1)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """The mixture sum_k w_k p_k(x) of the K distributions of ``component_distribution``'s rightmost batch dim,
    with weights w from ``mixture_distribution`` (a Categorical over K). Batch shape: the component's less its
    last dim; event shape: the component's.

    Args:
        mixture_distribution: a Categorical with K categories (batch shape broadcastable with the component's).
        component_distribution: a distribution of batch shape ``(..., K)``.
        validate_args: check values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Categorical, Normal
    >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamily
    >>> d = MixtureSameFamily(Categorical(gg.tensor([0.5, 0.5])), Normal(gg.tensor([-1.0, 1.0]), 1.0))
    >>> d.mean, d.variance
    (tensor(0.), tensor(2.))
    """

    arg_constraints = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of torch.distributions.Distribution")
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                                 f"`component_distribution.batch_shape`({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(batch_shape=cdbs, event_shape=event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = tuple(batch_shape)
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        new._component_distribution = self._component_distribution.expand(batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        Distribution.__init__(new, batch_shape, new._component_distribution.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property
    def support(self):
        """The component distribution's support (see :class:`MixtureSameFamilyConstraint`).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical, Normal
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamily
        >>> MixtureSameFamily(Categorical(gg.ones(2)), Normal(gg.zeros(2), 1.0)).support
        MixtureSameFamilyConstraint(Real())
        """
        return MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self):
        """The Categorical of the mixture weights.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical, Normal
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamily
        >>> MixtureSameFamily(Categorical(gg.ones(2)), Normal(gg.zeros(2), 1.0)).mixture_distribution.probs
        tensor([0.5000, 0.5000])
        """
        return self._mixture_distribution

    @property
    def component_distribution(self):
        """The batched component distribution (its last batch dim indexes the components).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical, Normal
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamily
        >>> MixtureSameFamily(Categorical(gg.ones(2)), Normal(gg.zeros(2), 1.0)).component_distribution.batch_shape
        gpugrad.Size([2])
        """
        return self._component_distribution

    @property
    def mean(self):
        """The mean: sum_k w_k mean_k.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical, Normal
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamily
        >>> MixtureSameFamily(Categorical(gg.tensor([1.0, 3.0])), Normal(gg.tensor([0.0, 4.0]), 1.0)).mean
        tensor(3.)
        """
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        """The variance by the law of total variance: E[var_k] + var[mean_k].

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical, Normal
        >>> from gpugrad.distributions.mixture_same_family import MixtureSameFamily
        >>> MixtureSameFamily(Categorical(gg.tensor([1.0, 3.0])), Normal(gg.tensor([0.0, 4.0]), 1.0)).variance
        tensor(4.)
        """
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(dim)
        var_cond_mean = (probs * (self.component_distribution.mean - self._pad(self.mean)).pow(2.0)).sum(dim)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        cdf_x = self.component_distribution.cdf(self._pad(x))
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        # logsumexp_k (log p_k(x) + log w_k)
        from ..ops.nn_ops import log_softmax
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self.component_distribution.log_prob(self._pad(x))
        log_mix_prob = log_softmax(self.mixture_distribution.logits, dim=-1)
        return (log_prob_x + log_mix_prob).logsumexp(dim=-1)

    def sample(self, sample_shape=()):
        # every component draws; the mixture's index picks one per sample and batch element
        from .. import autograd
        with autograd.no_grad():
            sample_shape = tuple(sample_shape)
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = tuple(self.event_shape)
            mix_sample = self.mixture_distribution.sample(sample_shape)
            comp_samples = self.component_distribution.sample(sample_shape)
            mix_shape = tuple(mix_sample.shape)
            index = mix_sample.reshape(mix_shape + (1,) * (len(es) + 1))
            index = index.expand(mix_shape + (1,) + es)
            return comp_samples.gather(gather_dim, index).squeeze(gather_dim)

    def _pad(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x):
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    def __repr__(self):
        return f"MixtureSameFamily(\n  {self.mixture_distribution},\n  {self.component_distribution})"
