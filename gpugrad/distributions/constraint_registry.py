"""The registries from constraints to transforms, as ``torch.distributions.constraint_registry``.

``biject_to(constraint)`` gives a bijective Transform from unconstrained reals onto the constraint's region
(with a log-Jacobian: for HMC-style sampling in unconstrained space); ``transform_to(constraint)`` gives a
Transform onto the region that need not be bijective (for optimizing constrained parameters: it may
over-parameterize, as the softmax onto the simplex does). Both look a constraint up by its class, so every
``interval(a, b)`` shares one factory; ``register`` adds more.

>>> import gpugrad as gg
>>> from gpugrad.distributions import biject_to, constraints, transform_to
>>> t = biject_to(constraints.interval(-1.0, 1.0))
>>> t(gg.tensor([0.0])), transform_to(constraints.simplex)(gg.zeros(2))
(tensor([0.]), tensor([0.5000, 0.5000]))
"""
from __future__ import annotations

import numbers

from . import constraints, transforms

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """A table from Constraint classes to factories that build a Transform for a constraint of that class.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> from gpugrad.distributions.constraint_registry import ConstraintRegistry
    >>> from gpugrad.distributions.transforms import ExpTransform
    >>> registry = ConstraintRegistry()
    >>> _ = registry.register(constraints.positive, lambda c: ExpTransform())
    >>> registry(constraints.greater_than(3.0))(gg.tensor([0.0]))
    tensor([1.])
    """

    def __init__(self):
        self._registry = {}

    def register(self, constraint, factory=None):
        """Register ``factory`` for ``constraint``'s class (a Constraint subclass, or an instance standing for its
        class); without ``factory``, a decorator that registers the function it decorates.

        Args:
            constraint: a Constraint subclass or instance.
            factory: a callable from a constraint of that class to a Transform.

        Returns:
            ``factory`` (or the decorator).

        >>> from gpugrad.distributions import constraints
        >>> from gpugrad.distributions.constraint_registry import ConstraintRegistry
        >>> from gpugrad.distributions.transforms import SigmoidTransform
        >>> registry = ConstraintRegistry()
        >>> @registry.register(constraints.interval)
        ... def _to_interval(constraint):
        ...     return SigmoidTransform()
        >>> registry(constraints.unit_interval)
        SigmoidTransform()
        """
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(f"Expected constraint to be either a Constraint subclass or instance, but got "
                            f"{constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint):
        """The Transform registered for ``constraint``'s class, built for ``constraint``.

        Args:
            constraint: a Constraint instance.

        Returns:
            A Transform from unconstrained reals onto ``constraint``.

        >>> from gpugrad.distributions import constraints, transform_to
        >>> transform_to(constraints.positive_definite)
        PositiveDefiniteTransform()
        """
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _both(*constraint_list):
    """A decorator registering one factory in both registries for each constraint."""
    def register(factory):
        for constraint in constraint_list:
            biject_to.register(constraint, factory)
            transform_to.register(constraint, factory)
        return factory
    return register


@_both(constraints.real)
def _to_real(constraint):
    return transforms.identity_transform


@biject_to.register(constraints.independent)
def _biject_to_independent(constraint):
    return transforms.IndependentTransform(biject_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_to_independent(constraint):
    return transforms.IndependentTransform(transform_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


# positive (GreaterThan(0)) and nonnegative share their classes with greater_than(_eq): PyTorch registers
# ExpTransform for them first and then overrides it, so they get exp followed by a shift by the bound
@_both(constraints.greater_than, constraints.greater_than_eq)
def _to_greater_than(constraint):
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.lower_bound, 1)])


@_both(constraints.less_than)
def _to_less_than(constraint):
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.upper_bound, -1)])


@_both(constraints.interval, constraints.half_open_interval)
def _to_interval(constraint):
    lower, upper = constraint.lower_bound, constraint.upper_bound
    if isinstance(lower, numbers.Number) and lower == 0 and isinstance(upper, numbers.Number) and upper == 1:
        return transforms.SigmoidTransform()
    return transforms.ComposeTransform([transforms.SigmoidTransform(),
                                        transforms.AffineTransform(lower, upper - lower)])


@biject_to.register(constraints.simplex)
def _biject_to_simplex(constraint):
    return transforms.StickBreakingTransform()


@transform_to.register(constraints.simplex)
def _transform_to_simplex(constraint):
    return transforms.SoftmaxTransform()


@transform_to.register(constraints.lower_cholesky)
def _transform_to_lower_cholesky(constraint):
    return transforms.LowerCholeskyTransform()


@transform_to.register(constraints.positive_definite)
@transform_to.register(constraints.positive_semidefinite)
def _transform_to_positive_definite(constraint):
    return transforms.PositiveDefiniteTransform()


@_both(constraints.corr_cholesky)
def _to_corr_cholesky(constraint):
    return transforms.CorrCholeskyTransform()


@biject_to.register(constraints.cat)
def _biject_to_cat(constraint):
    return transforms.CatTransform([biject_to(c) for c in constraint.cseq], constraint.dim, constraint.lengths)


@transform_to.register(constraints.cat)
def _transform_to_cat(constraint):
    return transforms.CatTransform([transform_to(c) for c in constraint.cseq], constraint.dim, constraint.lengths)


@biject_to.register(constraints.stack)
def _biject_to_stack(constraint):
    return transforms.StackTransform([biject_to(c) for c in constraint.cseq], constraint.dim)


@transform_to.register(constraints.stack)
def _transform_to_stack(constraint):
    return transforms.StackTransform([transform_to(c) for c in constraint.cseq], constraint.dim)
