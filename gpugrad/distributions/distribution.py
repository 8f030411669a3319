"""``Distribution``: the base class of gpugrad.distributions, as ``torch.distributions.Distribution``.

Shapes: a distribution holds a batch of independent distributions (``batch_shape``), each over events of
``event_shape``; ``sample(sample_shape)`` has shape ``sample_shape + batch_shape + event_shape`` and
``log_prob`` one value per sample and batch element. With ``validate_args`` (on by default, as PyTorch's
``__debug__`` default) parameters are checked against ``arg_constraints`` when the distribution is built, and
values given to ``log_prob``/``cdf`` against ``support``, raising PyTorch's ``ValueError``s.
"""
from __future__ import annotations

import warnings

from .. import autograd as _autograd
from ..tensor import Size, Tensor
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def _size(shape):
    return Size(tuple(shape))


class Distribution:
    """The base of every distribution: shapes, sampling, validation.

    Args:
        batch_shape: the shape over which parameters are batched.
        event_shape: the shape of one sample (without batching).
        validate_args: check parameters and values (None: the class default, see
            :meth:`set_default_validate_args`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Normal
    >>> d = Normal(gg.zeros(3), 1.0)
    >>> d.batch_shape, d.event_shape, tuple(d.sample((2,)).shape)
    (gpugrad.Size([3]), gpugrad.Size([]), (2, 3))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument validation on or off for every distribution built afterwards without an explicit
        ``validate_args``.

        Args:
            value: True or False.

        Returns:
            None.

        >>> from gpugrad.distributions import Distribution
        >>> Distribution.set_default_validate_args(True)
        """
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = _size(batch_shape)
        self._event_shape = _size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
                warnings.warn(f"{self.__class__} does not define `arg_constraints`. Please set `arg_constraints = "
                              "{}` or initialize the distribution with `validate_args=False` to turn off "
                              "validation.", stacklevel=2)
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                    continue       # lazily built from another parameter: that one is checked
                value = getattr(self, param)
                if not bool(constraint.check(value).all()):
                    raise ValueError(f"Expected parameter {param} ({type(value).__name__} of shape "
                                     f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                                     f"{constraint!r}, but found invalid values:\n{value}")

    def expand(self, batch_shape, _instance=None):
        """A new distribution whose parameters are expanded to ``batch_shape`` (views, no copies).

        Args:
            batch_shape: the new batch shape (the old one must broadcast to it).

        Returns:
            A distribution of the same class.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(0.0, 1.0).expand((2, 3)).batch_shape
        gpugrad.Size([2, 3])
        """
        raise NotImplementedError

    @property
    def batch_shape(self):
        """The shape over which parameters are batched.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(gg.zeros(2), 1.0).batch_shape
        gpugrad.Size([2])
        """
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of one sample, without batching.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.ones(4)).event_shape
        gpugrad.Size([])
        """
        return self._event_shape

    @property
    def arg_constraints(self):
        """A dict from parameter names to the :class:`Constraint` each must satisfy.

        >>> from gpugrad.distributions import Normal
        >>> Normal.arg_constraints["scale"]
        GreaterThan(lower_bound=0.0)
        """
        raise NotImplementedError

    @property
    def support(self):
        """The :class:`Constraint` samples satisfy.

        >>> from gpugrad.distributions import Normal
        >>> Normal(0.0, 1.0).support
        Real()
        """
        raise NotImplementedError

    @property
    def mean(self):
        """The mean of the distribution (per batch element).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(gg.tensor([1.0]), 2.0).mean
        tensor([1.])
        """
        raise NotImplementedError

    @property
    def mode(self):
        """The mode of the distribution.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(gg.tensor([1.0]), 2.0).mode
        tensor([1.])
        """
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        """The variance of the distribution.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(gg.tensor([1.0]), 2.0).variance
        tensor([4.])
        """
        raise NotImplementedError

    @property
    def stddev(self):
        """The standard deviation of the distribution.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(gg.tensor([1.0]), 2.0).stddev
        tensor([2.])
        """
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """Draw samples without recording a graph (from gpugrad's generators: see ``gpugrad.manual_seed``).

        Args:
            sample_shape: the leading shape of the samples.

        Returns:
            A Tensor of shape ``sample_shape + batch_shape + event_shape``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> tuple(Normal(gg.zeros(3), 1.0).sample((5,)).shape)
        (5, 3)
        """
        with _autograd.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """Draw reparameterized samples: differentiable with respect to the parameters (pathwise).

        Args:
            sample_shape: the leading shape of the samples.

        Returns:
            A Tensor of shape ``sample_shape + batch_shape + event_shape``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> loc = gg.zeros(2, requires_grad=True)
        >>> Normal(loc, 1.0).rsample().sum().backward()
        >>> loc.grad
        tensor([1., 1.])
        """
        raise NotImplementedError(f"{self.__class__.__name__} does not support rsample (it has no "
                                  f"reparameterized sampler); use sample() with a score-function estimator")

    def sample_n(self, n):
        """``n`` samples (deprecated in PyTorch: use ``sample((n,))``).

        Args:
            n: how many.

        Returns:
            A Tensor of shape ``(n,) + batch_shape + event_shape``.

        >>> from gpugrad.distributions import Normal
        >>> tuple(Normal(0.0, 1.0).sample_n(4).shape)
        (4,)
        """
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning, stacklevel=2)
        return self.sample((n,))

    def log_prob(self, value):
        """The log of the probability density (or mass) at ``value``.

        Args:
            value: a Tensor broadcastable with ``batch_shape + event_shape``.

        Returns:
            A Tensor of the broadcast shape less ``event_shape``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> round(Normal(0.0, 1.0).log_prob(gg.tensor(0.0)).item(), 4)
        -0.9189
        """
        raise NotImplementedError

    def cdf(self, value):
        """The cumulative distribution function at ``value``.

        Args:
            value: a Tensor.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(0.0, 1.0).cdf(gg.tensor(0.0))
        tensor(0.5000)
        """
        raise NotImplementedError

    def icdf(self, value):
        """The inverse of the cumulative distribution function at ``value``.

        Args:
            value: a Tensor of probabilities.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(0.0, 1.0).icdf(gg.tensor(0.5))
        tensor(0.)
        """
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        """Every value of a discrete distribution's support, along a new leading dim.

        Args:
            expand: expand the values over ``batch_shape`` (else size-1 dims).

        Returns:
            A Tensor of shape ``(n,) + batch_shape + event_shape`` (``(n,) + (1,) * len(batch_shape)`` ...).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(gg.tensor([0.3, 0.6])).enumerate_support()
        tensor([[0., 0.],
                [1., 1.]])
        """
        raise NotImplementedError

    def entropy(self):
        """The entropy, per batch element.

        Returns:
            A Tensor of shape ``batch_shape``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> round(Bernoulli(gg.tensor(0.5)).entropy().item(), 4)
        0.6931
        """
        raise NotImplementedError

    def perplexity(self):
        """exp(entropy).

        Returns:
            A Tensor of shape ``batch_shape``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.ones(4)).perplexity()
        tensor(4.)
        """
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        return _size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value):
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = value.dim() - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: {value.shape} vs "
                             f"{self._event_shape}.")
        actual_shape = value.shape
        expected_shape = self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {actual_shape} vs "
                                 f"{expected_shape}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `support` to enable sample validation. Please "
                          "initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=2)
            return
        if not bool(support.check(value).all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to "
                             f"be within the support ({support!r}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

    def _init_params(self, validate_args, event_shape=(), **params):
        """Broadcast the numbers and Tensors ``params`` to one shape, set them as attributes and initialise the
        base with that batch shape (empty when every parameter is a number, as PyTorch)."""
        import numbers
        from .utils import broadcast_all
        values = broadcast_all(*params.values())
        for name, v in zip(params, values):
            setattr(self, name, v)
        scalar = all(isinstance(v, numbers.Number) for v in params.values())
        Distribution.__init__(self, () if scalar else values[0].shape, event_shape, validate_args=validate_args)

    def _expand_params(self, cls, batch_shape, _instance, *names):
        """``expand`` for a distribution whose parameters ``names`` have its batch shape (and no event dims)."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = _size(batch_shape)
        for name in names:
            setattr(new, name, getattr(self, name).expand(batch_shape))
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                                      "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].shape}"
                         for p in names)
        return f"{self.__class__.__name__}({args})"


class _LocIsMeanAndMode:
    """For the families whose ``loc`` is both the mean and the mode (Normal, Laplace, MultivariateNormal)."""

    @property
    def mean(self):
        """The mean: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Laplace
        >>> Laplace(gg.tensor([1.0]), 2.0).mean
        tensor([1.])
        """
        return self.loc

    @property
    def mode(self):
        """The mode: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Laplace
        >>> Laplace(gg.tensor([1.0]), 2.0).mode
        tensor([1.])
        """
        return self.loc


class ExponentialFamily(Distribution):
    """Marks distributions of the exponential family (PyTorch's class; its Bregman-divergence entropy is not
    used here: each family writes its entropy).

    Args:
        batch_shape: as :class:`Distribution`.
        event_shape: as :class:`Distribution`.
        validate_args: as :class:`Distribution`.

    >>> from gpugrad.distributions import Normal, ExponentialFamily
    >>> isinstance(Normal(0.0, 1.0), ExponentialFamily)
    True
    """
