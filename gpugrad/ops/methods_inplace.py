"""The in-place Tensor methods that are compositions of out-of-place ops (``x.exp_()``, ``x.scatter_(...)``):
each computes the op out of place and writes the result into the tensor through :func:`gpugrad.ops._inplace`
(which bumps the version counter and records the write in the graph). The in-place arithmetic (``add_``,
``mul_``...) lives beside its ops in :mod:`gpugrad.ops`. Attached to Tensor by :mod:`gpugrad.ops.methods`."""
from __future__ import annotations

from . import _inplace, abs, exp, log, relu, sigmoid, sqrt, tanh
from .scatter import (scatter as _scatter, scatter_add as _scatter_add, scatter_reduce as _scatter_reduce,
                      index_add as _index_add, index_copy as _index_copy, index_fill as _index_fill,
                      index_reduce as _index_reduce,
                      _masked_scatter)


def _scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """In place: :func:`gpugrad.scatter` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: an int64 tensor of the same number of dims (and no larger than src).
        src: the values, a tensor or a number.
        value: a number, by keyword (instead of src).
        reduce: ``"add"`` or ``"multiply"`` combine with what is there (not differentiable); None replaces.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(3).scatter_(0, gg.tensor([1]), 5.0)
    tensor([0., 5., 0.])
    """
    def scatter(t, src):
        return _scatter(t, dim, index, src, reduce=reduce)
    return _inplace(self, scatter, value if src is None else src)


def _scatter_add_(self, dim, index, src):
    """In place: :func:`gpugrad.scatter_add` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: an int64 tensor of the same number of dims (and no larger than src).
        src: the values added.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(3).scatter_add_(0, gg.tensor([1, 1]), gg.tensor([1.0, 2.0]))
    tensor([0., 3., 0.])
    """
    return _inplace(self, _scatter_add, dim, index, src)


def _scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    """In place: :func:`gpugrad.scatter_reduce` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: an int64 tensor of the same number of dims (and no larger than src).
        src: the values reduced in.
        reduce: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: whether this tensor's values at the written positions take part.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.ones(2).scatter_reduce_(0, gg.tensor([1, 1]), gg.tensor([2.0, 3.0]), "prod")
    tensor([1., 6.])
    """
    def scatter_reduce(t, src):
        return _scatter_reduce(t, dim, index, src, reduce, include_self=include_self)
    return _inplace(self, scatter_reduce, src)


def _index_add_(self, dim, index, source, *, alpha=1):
    """In place: :func:`gpugrad.index_add` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: a 1-d int64 (or int32) tensor.
        source: the slices added.
        alpha: the factor of ``source``.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(3).index_add_(0, gg.tensor([2, 2]), gg.tensor([1.0, 2.0]))
    tensor([0., 0., 3.])
    """
    def index_add(t, source):
        return _index_add(t, dim, index, source, alpha=alpha)
    return _inplace(self, index_add, source)


def _index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    """In place: :func:`gpugrad.index_reduce` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: a 1-d int64 (or int32) tensor.
        source: the slices reduced in.
        reduce: ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: whether this tensor's values in the slices written take part.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.ones(3).index_reduce_(0, gg.tensor([2, 2]), gg.tensor([3.0, 4.0]), "prod")
    tensor([ 1.,  1., 12.])
    """
    def index_reduce(t, source):
        return _index_reduce(t, dim, index, source, reduce, include_self=include_self)
    return _inplace(self, index_reduce, source)


def _index_copy_(self, dim, index, source):
    """In place: :func:`gpugrad.index_copy` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: a 1-d int64 tensor.
        source: the slices copied in.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(3).index_copy_(0, gg.tensor([2]), gg.tensor([7.0]))
    tensor([0., 0., 7.])
    """
    return _inplace(self, _index_copy, dim, index, source)


def _index_fill_(self, dim, index, value):
    """In place: :func:`gpugrad.index_fill` into this tensor; returns it.

    Args:
        dim: the dim that ``index`` addresses.
        index: a 1-d int64 tensor (negative indices count from the end).
        value: a number or a 0-d tensor.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(3).index_fill_(0, gg.tensor([-1]), 2.0)
    tensor([0., 0., 2.])
    """
    return _inplace(self, _index_fill, dim, index, value)


def _masked_scatter_(self, mask, source):
    """In place: :func:`gpugrad.masked_scatter` into this tensor (the mask must broadcast to its shape);
    returns it.

    Args:
        mask: a bool tensor broadcastable to this tensor's shape.
        source: a tensor with at least as many elements as mask has true ones.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(3).masked_scatter_(gg.tensor([True, False, True]), gg.tensor([1.0, 2.0]))
    tensor([1., 0., 2.])
    """
    def masked_scatter(t, mask, source):
        return _masked_scatter(t, mask, source, True)
    return _inplace(self, masked_scatter, mask, source)


_UNARY_DOC = '''In place: replace each element x by {what} (:func:`gpugrad.{fn}` in place); returns self.

    Written into self's storage: its version counter records the change, so a backward that saved self refuses
    to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's); on a
    tensor inside a graph it is recorded and differentiable.

    Returns:
        self, changed in place.

    >>> import gpugrad as gg
    >>> x = gg.tensor({x})
    >>> x.{fn}_()
    {y}
    >>> x
    {y}
    '''


def _inplace_unary(fn, what, x, y):
    """The method ``<fn>_``: ``fn`` applied in place, with a docstring that says ``what`` it computes and shows
    it on the input ``x`` (the repr ``y`` of the result)."""
    def op(self):
        return _inplace(self, fn)
    name = f"{fn.__name__}_"
    op.__name__, op.__qualname__ = name, f"Tensor.{name}"
    op.__doc__ = _UNARY_DOC.format(fn=fn.__name__, what=what, x=x, y=y)
    return op


_abs_ = _inplace_unary(abs, "``|x|``", "[-1.5, 0.0, 2.0]", "tensor([1.5000, 0.0000, 2.0000])")
_exp_ = _inplace_unary(exp, "``e ** x``", "[0.0, 1.0]", "tensor([1.0000, 2.7183])")
_log_ = _inplace_unary(log, "its natural logarithm ``log(x)``", "[1.0, 4.0]", "tensor([0.0000, 1.3863])")
_sqrt_ = _inplace_unary(sqrt, "its square root", "[4.0, 9.0]", "tensor([2., 3.])")
_sigmoid_ = _inplace_unary(sigmoid, "its sigmoid ``1 / (1 + e ** -x)``", "[-1.0, 0.0, 1.0]",
                           "tensor([0.2689, 0.5000, 0.7311])")
_tanh_ = _inplace_unary(tanh, "its hyperbolic tangent", "[-1.0, 0.0, 1.0]",
                        "tensor([-0.7616,  0.0000,  0.7616])")
_relu_ = _inplace_unary(relu, "``max(x, 0)``", "[-1.5, 0.0, 2.0]", "tensor([0., 0., 2.])")

INPLACE_METHODS = dict(scatter_=_scatter_, scatter_add_=_scatter_add_, scatter_reduce_=_scatter_reduce_,
                       index_add_=_index_add_, index_copy_=_index_copy_, index_fill_=_index_fill_,
                       index_reduce_=_index_reduce_,
                       masked_scatter_=_masked_scatter_, abs_=_abs_, exp_=_exp_, log_=_log_,
                       sqrt_=_sqrt_, sigmoid_=_sigmoid_, tanh_=_tanh_, relu_=_relu_)
