"""Constraints: what values a parameter or a sample may take, as ``torch.distributions.constraints``.

Each constraint's ``check(value)`` returns a bool Tensor (one element per batch element: an ``event_dim`` > 0
constraint reduces the rightmost dims), and its ``repr`` is PyTorch's (it appears in validation errors:
``GreaterThan(lower_bound=0.0)``, ``Interval(lower_bound=0.0, upper_bound=1.0)``, ``Simplex()``...).
"""
from __future__ import annotations

__all__ = ["Constraint", "MixtureSameFamilyConstraint", "boolean", "cat", "corr_cholesky", "dependent",
           "dependent_property", "greater_than", "greater_than_eq", "half_open_interval", "independent",
           "integer_interval", "interval", "is_dependent", "less_than", "lower_cholesky", "lower_triangular",
           "multinomial", "nonnegative", "nonnegative_integer", "one_hot", "positive", "positive_definite",
           "positive_integer", "positive_semidefinite", "real", "real_vector", "simplex", "square", "stack",
           "symmetric", "unit_interval"]


class Constraint:
    """A region of values: ``check(value)`` says elementwise whether each value lies in it.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.positive.check(gg.tensor([1.0, -1.0]))
    tensor([ True, False])
    """

    is_discrete = False
    event_dim = 0

    def check(self, value):
        """Whether ``value`` satisfies the constraint.

        Args:
            value: a Tensor.

        Returns:
            A bool Tensor of ``value``'s shape less the constraint's ``event_dim`` rightmost dims.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import constraints
        >>> constraints.unit_interval.check(gg.tensor([0.5, 2.0]))
        tensor([ True, False])
        """
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__[1:] + "()"


class _Dependent(Constraint):
    """A placeholder for parameters whose constraint depends on others (not checked)."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self):
        """Whether the constrained values are discrete (an error when not given).

        >>> from gpugrad.distributions import constraints
        >>> constraints.dependent_property(is_discrete=True, event_dim=0).is_discrete
        True
        """
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        """How many rightmost dims form one event (an error when not given).

        >>> from gpugrad.distributions import constraints
        >>> constraints.dependent_property(is_discrete=False, event_dim=1).event_dim
        1
        """
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        return _Dependent(is_discrete=self._is_discrete if is_discrete is NotImplemented else is_discrete,
                          event_dim=self._event_dim if event_dim is NotImplemented else event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    """Whether ``constraint`` is a dependent one (its validity cannot be checked on its own).

    Args:
        constraint: a Constraint.

    Returns:
        A bool.

    >>> from gpugrad.distributions import constraints
    >>> constraints.is_dependent(constraints.dependent), constraints.is_dependent(constraints.real)
    (True, False)
    """
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property that is also a dependent constraint (``Uniform.support`` depends on ``low`` and ``high``): use
    it as a decorator, with or without arguments.

    Args:
        fn: the getter.
        is_discrete: whether the values are discrete.
        event_dim: how many rightmost dims form one event.

    >>> from gpugrad.distributions import constraints
    >>> class D:
    ...     @constraints.dependent_property(is_discrete=False, event_dim=0)
    ...     def support(self):
    ...         return constraints.interval(0.0, 1.0)
    >>> D().support, constraints.is_dependent(D.support)
    (Interval(lower_bound=0.0, upper_bound=1.0), True)
    """

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        is_boolean = ((value == 0) | (value == 1)).all(-1)
        return is_boolean & (value.sum(-1) == 1)


class _IntegerInterval(Constraint):
    """A constraint: an integer interval [lower_bound, upper_bound].

    Args:
        lower_bound: the smallest value.
        upper_bound: the largest value.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.integer_interval(0, 2).check(gg.tensor([0.0, 3.0]))
    tensor([ True, False])
    """
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value % 1 == 0) & (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Real(Constraint):
    def check(self, value):
        return value == value      # False only for NaN


class _GreaterThan(Constraint):
    """A constraint: values above lower_bound.

    Args:
        lower_bound: the bound (excluded).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.greater_than(1.0).check(gg.tensor([1.0, 2.0]))
    tensor([False,  True])
    """
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return self.lower_bound < value

    def __repr__(self):
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    """A constraint: values at or above lower_bound.

    Args:
        lower_bound: the bound (included).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.greater_than_eq(1.0).check(gg.tensor([1.0, 0.0]))
    tensor([ True, False])
    """
    def check(self, value):
        return self.lower_bound <= value

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    """A constraint: values below upper_bound.

    Args:
        upper_bound: the bound (excluded).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.less_than(1.0).check(gg.tensor([1.0, 0.0]))
    tensor([False,  True])
    """
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return value < self.upper_bound

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """A constraint: the closed interval [lower_bound, upper_bound].

    Args:
        lower_bound: the smallest value.
        upper_bound: the largest value.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.interval(0.0, 1.0).check(gg.tensor([1.0, 2.0]))
    tensor([ True, False])
    """
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self):
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    """A constraint: the half-open interval [lower_bound, upper_bound).

    Args:
        lower_bound: the smallest value.
        upper_bound: the bound (excluded).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.half_open_interval(0.0, 1.0).check(gg.tensor([0.0, 1.0]))
    tensor([ True, False])
    """
    def check(self, value):
        return (self.lower_bound <= value) & (value < self.upper_bound)

    def __repr__(self):
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


def _all_last(check, ndims):
    """``check`` reduced with all() over its ``ndims`` rightmost dims."""
    for _ in range(ndims):
        check = check.all(-1)
    return check


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        return _all_last(value.tril() == value, 2)


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        positive_diagonal = _all_last(value.diagonal(dim1=-2, dim2=-1) > 0, 1)
        return lower_triangular.check(value) & positive_diagonal


class _CorrCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        # rows of unit length, to 10 n eps (PyTorch's tolerance)
        from ..linalg import vector_norm
        from .utils import _finfo
        tol = float(_finfo(value.dtype).eps) * value.shape[-1] * 10
        row_norm = vector_norm(value.detach(), dim=-1)
        return lower_cholesky.check(value) & _all_last((row_norm - 1.0).abs() <= tol, 1)


class _Square(Constraint):
    event_dim = 2

    def check(self, value):
        from ..factories import full
        return full(tuple(value.shape[:-2]), value.shape[-2] == value.shape[-1], dtype=bool, device=value.device)


class _Symmetric(_Square):
    def check(self, value):
        square = super().check(value)
        if not bool(square.all()):
            return square
        return _all_last(value.isclose(value.mT, atol=1e-6), 2)


class _PositiveSemidefinite(_Symmetric):
    def check(self, value):
        symmetric = super().check(value)
        if not bool(symmetric.all()):
            return symmetric
        from .. import linalg
        return _all_last(linalg.eigvalsh(value) >= 0, 1)


class _PositiveDefinite(_Symmetric):
    def check(self, value):
        # symmetric (to 1e-6) and a Cholesky factorization exists, as PyTorch
        symmetric = super().check(value)
        if not bool(symmetric.all()):
            return symmetric
        from .. import linalg
        return linalg.cholesky_ex(value).info == 0


def _check_dim(dim, value):
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(f"dim {dim} out of range for value with {value.dim()} dimensions")


class _Joined(Constraint):
    """The constraints ``cseq`` on slices of dim ``dim`` (the base of cat and stack).

    Args:
        cseq: a sequence of Constraints.
        dim: the dim the slices lie along.

    >>> from gpugrad.distributions import constraints
    >>> constraints.stack([constraints.boolean, constraints.real]).is_discrete
    True
    """

    def __init__(self, cseq, dim=0):
        self.cseq = list(cseq)
        if not all(isinstance(c, Constraint) for c in self.cseq):
            raise AssertionError("All elements of cseq must be Constraint instances")
        self.dim = dim

    @property
    def is_discrete(self):
        """Whether any part is discrete.

        >>> from gpugrad.distributions import constraints
        >>> constraints.cat([constraints.boolean, constraints.real]).is_discrete
        True
        """
        return any(c.is_discrete for c in self.cseq)


class _Cat(_Joined):
    """Constraints ``cseq`` on consecutive slices of dim ``dim`` of lengths ``lengths``, as ``torch.cat`` joins
    them.

    Args:
        cseq: a sequence of Constraints.
        dim: the dim the slices lie along.
        lengths: the slices' lengths (default: 1 each).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.cat([constraints.positive, constraints.real], 0, [2, 1]).check(gg.tensor([1.0, -1.0, -1.0]))
    tensor([ True, False,  True])
    """

    def __init__(self, cseq, dim=0, lengths=None):
        super().__init__(cseq, dim)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise AssertionError(f"lengths ({len(self.lengths)}) must match cseq ({len(self.cseq)})")

    @property
    def event_dim(self):
        """The largest event dim of the parts.

        >>> from gpugrad.distributions import constraints
        >>> constraints.cat([constraints.real, constraints.simplex], -1).event_dim
        1
        """
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        from ..ops.shape import cat
        _check_dim(self.dim, value)
        checks, start = [], 0
        for constraint, length in zip(self.cseq, self.lengths):
            checks.append(constraint.check(value.narrow(self.dim, start, length)))
            start += length
        return cat(checks, self.dim)


class _Stack(_Joined):
    """Constraints ``cseq`` on the slices ``value.select(dim, i)``, as ``torch.stack`` joins them.

    Args:
        cseq: a sequence of Constraints, one per index of ``dim``.
        dim: the dim the slices are stacked along.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.stack([constraints.positive, constraints.real], 1).check(gg.tensor([[1.0, -1.0]]))
    tensor([[True, True]])
    """


    @property
    def event_dim(self):
        """The largest event dim of the parts, one more when ``dim`` falls inside the event.

        >>> from gpugrad.distributions import constraints
        >>> constraints.stack([constraints.real, constraints.real], -1).event_dim
        1
        """
        event_dim = max(c.event_dim for c in self.cseq)
        return event_dim + 1 if self.dim + event_dim < 0 else event_dim

    def check(self, value):
        from ..ops.shape import stack
        _check_dim(self.dim, value)
        slices = [value.select(self.dim, i) for i in range(value.shape[self.dim])]
        return stack([c.check(v) for v, c in zip(slices, self.cseq)], self.dim)


class _IndependentConstraint(Constraint):
    """``base_constraint`` over ``reinterpreted_batch_ndims`` more rightmost dims (all must hold).

    Args:
        base_constraint: the elementwise constraint.
        reinterpreted_batch_ndims: how many more rightmost dims one check covers.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import constraints
    >>> constraints.independent(constraints.positive, 1).check(gg.tensor([[1.0, 2.0], [1.0, -1.0]]))
    tensor([ True, False])
    """

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        """Whether the base constraint's values are discrete.

        >>> from gpugrad.distributions import constraints
        >>> constraints.independent(constraints.boolean, 1).is_discrete
        True
        """
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        """The base constraint's event dims plus the reinterpreted ones.

        >>> from gpugrad.distributions import constraints
        >>> constraints.independent(constraints.real, 2).event_dim
        2
        """
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        if result.dim() < self.reinterpreted_batch_ndims:
            expected = self.base_constraint.event_dim + self.reinterpreted_batch_ndims
            raise ValueError(f"Expected value.dim() >= {expected} but got {value.dim()}")
        if self.reinterpreted_batch_ndims:
            result = result.reshape(tuple(result.shape[:result.dim() - self.reinterpreted_batch_ndims]) + (-1,))
            result = result.all(-1)
        return result

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = _IndependentConstraint(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()
cat = _Cat
stack = _Stack


def __getattr__(name):
    # the constraints that live beside their distribution (imported lazily: those modules import this one)
    if name == "multinomial":
        from .multinomial import _Multinomial
        return _Multinomial
    if name == "MixtureSameFamilyConstraint":
        from .mixture_same_family import MixtureSameFamilyConstraint
        return MixtureSameFamilyConstraint
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
