"""The op library, by family, and the Tensor methods and operators that call it."""
from __future__ import annotations

from ..tensor import Tensor
from ..backend import device_context
from ..autograd import grad_mode as _gm
from ..autograd import op as _op
from ..autograd.forward_views import tangent_of as _tangent_of, write_through as _write_through
from ..autograd.op import _check_view
from .arithmetic import (add, sub, mul, div, neg, pow, matmul, abs, sign, clamp, clip, maximum, minimum, where,
                         cast, clone, to_device, remainder, floor_divide)
from .elementwise import exp, log, log1p, expm1, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, erf
from . import elementwise as E  # noqa: E402  (ROUNDING, for floor/ceil/round)
from .reduction import (sum, mean, var, std, max, min, amax, amin, argmax, argmin, logsumexp, prod, norm)
from .shape import (reshape, view, view_dtype, flatten, permute, transpose, squeeze, unsqueeze, expand, broadcast_to, cat,
                    concatenate, stack, split, chunk, gather, index_select, pad, getitem, index_put, SetItem)
from ._util import unbroadcast, as_operand, broadcast_error
from .torch_api import (mm, bmm, addmm, swapaxes, swapdims, take_along_dim, normal, normal_, uniform_, exponential_,
                        bernoulli_)
from .nn_ops import relu, softmax, log_softmax
from .scan import cumsum
from .einsum import einsum
from .torch_more import (sort, argsort, topk, repeat, narrow, unbind, square, isclose, var_mean, std_mean, rand_like,
                         randn_like, t, numel)
from .scatter import (scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill, index_reduce,
                      masked_scatter)
from .views import (diagonal, diagonal_scatter, select, select_scatter, slice_scatter, movedim, moveaxis, unflatten,
                    ravel, is_same_size)
from .splits import tensor_split, hsplit, vsplit, dsplit, split_with_sizes, narrow_copy
from .shape_build import (flip, fliplr, flipud, roll, rot90, tril, triu, tril_indices, triu_indices, diag, diag_embed,
                          diagflat, tile, repeat_interleave)
from .stacking import (atleast_1d, atleast_2d, atleast_3d, hstack, vstack, dstack, column_stack, row_stack, meshgrid,
                       cartesian_prod, combinations, block_diag, broadcast_shapes, broadcast_tensors)
from .indexing import take, put, masked_fill, masked_select, nonzero, argwhere, unravel_index
from .reduce_more import aminmax, count_nonzero, nansum, nanmean, dist, renorm   # (all/any: gpugrad.all, any)
from .scan_more import cumprod, cummax, cummin, logcumsumexp, diff, trapezoid, trapz, cumulative_trapezoid
from .order_stats import median, nanmedian, kthvalue, mode, quantile, nanquantile, msort
from .search import searchsorted, bucketize, bincount, histc, histogram, unique, unique_consecutive
from .stats import cov, corrcoef

# PyTorch's other names for the same functions
divide, multiply, subtract, true_divide, concat = div, mul, sub, div, cat

_state = _gm._state


from ._util import wrapped_int as _wrapped_int  # noqa: E402


# -- comparisons and logic (no gradient) ---------------------------------------------------------------------
def _compare(name, f=None):
    import operator
    f = f or getattr(operator, name)

    def op(input, other, *, out=None):
        a, b = input, other
        if out is not None:
            from ._util import write_out
            return write_out(op(a, b), out, name)
        bd = b._data if isinstance(b, Tensor) else b
        if bd.__class__ is not a._data.__class__ and hasattr(bd, "__len__"):   # a host array or list: onto
            from ..tensor import tensor                                         # a's device (CuPy refuses
            bd = tensor(bd, device=a.device)._data                              # host arrays)
        elif isinstance(b, Tensor) and bd.dtype is not a._data.dtype:          # uint16/32/64 beside another
            from ._util import check_unsigned_pair                              # integer: PyTorch refuses
            check_unsigned_pair(a._data, bd)
        elif bd.__class__ is int and (bd > 127 or bd < 0) and a._data.dtype.kind in "iu":
            bd = _wrapped_int(bd, a._data.dtype)     # wrapped into a's dtype, as PyTorch compares them
        try:
            return Tensor._make(f(a._data, bd), None, False)
        except TypeError:   # NumPy's "ufunc 'bitwise_and' not supported for the input types"
            if name.startswith("bitwise"):
                raise TypeError(f"{name}: expected integer or bool tensors, got dtypes {a.dtype} and "
                                f"{getattr(bd, 'dtype', type(bd).__name__)}") from None
            raise
        except ValueError:  # NumPy's "operands could not be broadcast together", without the op's name
            err = broadcast_error(name, a._data, bd)
            if err is None:
                raise
            raise err from None
    op.__name__ = op.__qualname__ = name    # a module-level name (the API docs look it up)
    return op


eq, ne, lt, le, gt, ge = (_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
eq.__doc__ = """a == b, elementwise (the ``==`` operator). No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.eq(gg.tensor([1, 2]), 2)
tensor([False,  True])
"""
ne.__doc__ = """a != b, elementwise. No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.ne(gg.tensor([1, 2]), 2)
tensor([ True, False])
"""
lt.__doc__ = """a < b, elementwise. No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.lt(gg.tensor([1, 2]), 2)
tensor([ True, False])
"""
le.__doc__ = """a <= b, elementwise. No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.le(gg.tensor([1, 2]), 2)
tensor([True, True])
"""
gt.__doc__ = """a > b, elementwise. No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.gt(gg.tensor([1, 2]), 1)
tensor([False,  True])
"""
ge.__doc__ = """a >= b, elementwise. No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.ge(gg.tensor([1, 2]), 2)
tensor([False,  True])
"""
# & | ^ ~ are bitwise (logical on bool tensors), as in PyTorch; logical_* treat nonzero as True, any dtype
bitwise_and, bitwise_or, bitwise_xor = (_compare("bitwise_" + n, f) for n, f in (
    ("and", lambda x, y: x & y), ("or", lambda x, y: x | y), ("xor", lambda x, y: x ^ y)))
logical_and = _compare("logical_and", lambda x, y: (x != 0) & (y != 0))
logical_and.__doc__ = """a and b, elementwise (nonzero counts as true). No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.logical_and(gg.tensor([1, 0, 2]), gg.tensor([1, 1, 0]))
tensor([ True, False, False])
"""
logical_or = _compare("logical_or", lambda x, y: (x != 0) | (y != 0))
logical_or.__doc__ = """a or b, elementwise (nonzero counts as true). No gradient.

Args:
    input: a tensor.
    other: a tensor or a number; the two broadcast.
    out: an optional tensor the result is written into (returned).

Returns:
    A bool tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.logical_or(gg.tensor([1, 0, 0]), gg.tensor([0, 0, 3]))
tensor([ True, False,  True])
"""
logical_xor = _compare("logical_xor", lambda x, y: (x != 0) ^ (y != 0))


def logical_not(input, *, out=None):
    """not a, elementwise (zero counts as false). No gradient.

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A bool tensor.

    >>> import gpugrad as gg
    >>> gg.logical_not(gg.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    a = input
    return _out(Tensor._make(~a._data if a.dtype.kind == "b" else a._data == 0, None, False), out, "logical_not")


def bitwise_not(input, *, out=None):
    a = input
    if out is not None:
        return _out(bitwise_not(a), out, "bitwise_not")
    if a.dtype.kind not in "iub":
        raise TypeError(f"bitwise_not (~): expected an integer or bool tensor, got dtype {a.dtype}; use "
                        f"logical_not for a float tensor")
    return Tensor._make(~a._data, None, False)


def isfinite(input):
    """Whether each element is finite (not inf or nan).

    Args:
        input: the input tensor.

    Returns:
        A bool tensor.

    >>> import gpugrad as gg
    >>> gg.isfinite(gg.tensor([1.0, float('inf'), float('nan')]))
    tensor([ True, False, False])
    """
    return Tensor._make(input.xp.isfinite(input._data), None, False)


def isnan(input):
    """Whether each element is nan.

    Args:
        input: the input tensor.

    Returns:
        A bool tensor.

    >>> import gpugrad as gg
    >>> gg.isnan(gg.tensor([1.0, float('nan')]))
    tensor([False,  True])
    """
    return Tensor._make(input.xp.isnan(input._data), None, False)


def floor(input, *, out=None):
    """The largest integer <= each element (a zero gradient, as PyTorch).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.floor(gg.tensor([-1.5, 2.5]))
    tensor([-2.,  2.])
    """
    return _out(_rounded(input, "floor"), out, "floor")


def ceil(input, *, out=None):
    """The smallest integer >= each element (a zero gradient, as PyTorch).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.ceil(gg.tensor([-1.5, 2.5]))
    tensor([-1.,  3.])
    """
    return _out(_rounded(input, "ceil"), out, "ceil")


def round(input, *, decimals=0, out=None):
    """Each element rounded to the nearest integer (or to ``decimals`` decimal places), halves to even as in PyTorch (a zero gradient, as PyTorch).

    Args:
        input: the input tensor.
        decimals: the number of decimal places (negative: to tens, hundreds...).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.round(gg.tensor([0.5, 1.5, 2.7]))
    tensor([0., 2., 3.])
    >>> gg.round(gg.tensor([1.234, 5.678], dtype=gg.float64), decimals=1)
    tensor([1.2000, 5.7000], dtype=gpugrad.float64)
    """
    return _out(_rounded(input, "round", decimals), out, "round")


def _rounded(x, kind, decimals=0):
    """floor/ceil/round/trunc/frac/sign of ``x``, recorded for a float input (integers round to
    themselves, and take no gradient)."""
    if x._data.dtype.kind in "iub":
        return Tensor._make(x._data.copy(), None, False)
    return E.ROUNDING[kind].apply(x, kind, decimals)


def _out(res, out, op):
    """``res``, or ``res`` written into ``out`` (PyTorch's ``out=``)."""
    if out is None:
        return res
    from ._util import write_out
    return write_out(res, out, op)


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether |input - other| <= atol + rtol |other| everywhere (and the shapes broadcast).

    Args:
        input: a tensor.
        other: a tensor.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether two NaNs in the same place count as equal.

    Returns:
        A Python bool.

    >>> import gpugrad as gg
    >>> gg.allclose(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 2.0 + 1e-9]))
    True
    """
    return bool(input.xp.allclose(input._data, other._data if isinstance(other, Tensor) else other, rtol=rtol,
                                  atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """Whether the two tensors have the same shape and the same elements.

    Args:
        input: a tensor.
        other: a tensor.

    Returns:
        A Python bool.

    >>> import gpugrad as gg
    >>> gg.equal(gg.tensor([1, 2]), gg.tensor([1, 2])), gg.equal(gg.tensor([1]), gg.tensor([1, 1]))
    (True, False)
    """
    return input.shape == other.shape and bool((input._data == other._data).all())


# -- in-place ops ------------------------------------------------------------------------------------------------
def _inplace(t, fn, *args):
    """Run ``fn(t, *args)`` out of place, write the result into t's storage, bump t's version.

    On a tensor that is part of a graph the result's node becomes t's ``grad_fn``; ops that saved t for
    backward notice the version change and refuse to compute a wrong gradient."""
    if not getattr(t._data.flags, "writeable", True):
        raise RuntimeError(f"{_inplace_name(fn)}: the tensor of shape {tuple(t.shape)} is a read-only view (from "
                           f"expand or broadcast_to: its elements share memory); clone() it before writing")
    recording = _state.enabled and (t.requires_grad or builtins_any(isinstance(a, Tensor) and a.requires_grad
                                                                   for a in args))
    if recording and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"{_inplace_name(fn)}: a leaf Variable that requires grad is being used in an in-place "
                           f"operation (shape {tuple(t.shape)}); wrap it in `with gpugrad.no_grad():` or use "
                           f"an out-of-place op")
    if recording and t.grad_fn is not None and _is_view_of_grad_leaf(t):
        raise RuntimeError(f"{_inplace_name(fn)}: a view of a leaf Variable that requires grad is being used in an "
                           f"in-place operation (view of shape {tuple(t.shape)}); it would change the leaf "
                           f"behind autograd's back. Wrap it in `with gpugrad.no_grad():` or clone() the view")
    if recording:
        if t._view is not None:
            _check_view(t)
        alias = Tensor._make(t._data, t.grad_fn, t.requires_grad, t._vc)
        alias._fw_tangent = _tangent_of(t) if _op._fw_level else t._fw_tangent
        new = fn(alias, *args)
        if new.grad_fn is None and t.requires_grad:
            # a constant overwrote t (copy_ of a constant, fill_, zero_): t still requires grad, its old value
            # taking a zero gradient, as in PyTorch (not a detached tensor that backward() refuses)
            new = SetItem.apply(alias, new, Ellipsis)
        elif new.grad_fn is not None and new.grad_fn.saved:
            _keep_old_value(new.grad_fn, t)
        _write(t, new._data, fn)
        old = t.grad_fn
        t.grad_fn = new.grad_fn
        t.requires_grad = new.requires_grad
        if t._view is not None:
            _rebase_views(t)
        if new.grad_fn is not None and t._retains_grad:
            import weakref
            if old is not None:        # .grad is the gradient of the new value only (not summed with the old's)
                old._retained = None
            new.grad_fn._retained = weakref.ref(t)
    else:
        with _gm.no_grad():
            alias = Tensor._make(t._data, None, False)
            alias._fw_tangent = _tangent_of(t) if _op._fw_level else t._fw_tangent
            new = fn(alias, *args)
        _write(t, new._data, fn)
    if _op._fw_level:            # forward AD: t takes the new tangent, and so does the memory it views
        _set_tangent(t, new._fw_tangent)
        _write_through(t, new._fw_tangent)
    t._vc[0] += 1
    if recording and t._view is not None:
        _expect_own_write(t)
    return t


def _is_view_of_grad_leaf(t):
    """Whether t is a recorded view (getitem, reshape, permute; of a view...) of a leaf requiring grad."""
    link = t._view
    while link is not None:
        base = link[0]
        if base.grad_fn is None:
            return base.requires_grad
        link = base._view
    return False


def _keep_old_value(node, t):
    """The in-place op's own node saved t's old value, which the write is about to overwrite: give it a
    copy, so ``y.mul_(w)`` stays differentiable (PyTorch instead raises when that value is needed). Saved
    views of t's memory (``y.mul_(y[0])``) keep their version check."""
    arr = t._data
    if not any(s is arr for s in node.saved):
        return
    old = arr.copy()
    node.saved = tuple(old if s is arr else s for s in node.saved)
    root = arr.base if arr.base is not None else arr
    if node._versions and not any(getattr(s, "base", None) is root for s in node.saved):
        node._versions = [v for v in node._versions if v[0] is not t._vc]


def _expect_own_write(t):
    """A recorded write through the view t (its bases' graphs were just rebuilt): t and the views it was
    taken from accept the new version; other views of the same memory still see a stale version and are
    refused as inputs (autograd.op._check_view)."""
    v, link = t._vc, t._view
    while link is not None:
        base, node = link
        node._base_version = v[0]
        if base.grad_fn is None:
            break
        link = base._view


def _rebase_views(t):
    """After an in-place op on a view, record the change in its base (and the base's base...): the base's
    new value is the old one with the view's region replaced, base' = setitem(base, key, view') (or the
    view reshaped / permuted back), so that gradients through the base see the op, as in PyTorch. The data
    is already right: the view wrote into the base's memory."""
    from .shape import GetItem, Reshape, Permute
    view = t
    while view._view is not None:
        base, node = view._view
        if base.grad_fn is None:       # a leaf: no graph to update (leaves requiring grad were refused)
            break
        new = Tensor._make(view._data, view.grad_fn, view.requires_grad, view._vc)
        if isinstance(node, GetItem):
            alias = Tensor._make(base._data, base.grad_fn, True, base._vc)
            rebuilt = SetItem.apply(alias, new, node.key)
        elif isinstance(node, Reshape):
            rebuilt = Reshape.apply(new, node.shape)
        elif isinstance(node, Permute):
            rebuilt = Permute.apply(new, node.inv)
        elif hasattr(node, "scatter_back"):    # strided views (diagonal, unfold: ops/views.py)
            alias = Tensor._make(base._data, base.grad_fn, True, base._vc)
            rebuilt = node.scatter_back(alias, new)
        else:
            raise RuntimeError(f"in-place op on a view made by {node.name}: unsupported")
        base.grad_fn = rebuilt.grad_fn
        view = base


def _set_tangent(t, tangent):
    from ..autograd.op import _attach_tangent
    if tangent is None:
        t._fw_tangent = None
    else:
        _attach_tangent(t, tangent)


def builtins_any(it):
    for x in it:
        if x:
            return True
    return False


def _write(t, arr, fn):
    if arr.shape != t._data.shape:
        raise RuntimeError(f"{_inplace_name(fn)}: result shape {tuple(arr.shape)} doesn't match the tensor's shape "
                           f"{tuple(t._data.shape)}")
    if arr.dtype != t._data.dtype and not _np.can_cast(arr.dtype, t._data.dtype, "same_kind"):
        # PyTorch's rule: an in-place result may not drop a category (float into an integer tensor...)
        raise RuntimeError(f"{_inplace_name(fn)}: result type {arr.dtype} can't be cast to the tensor's dtype "
                           f"{t._data.dtype}; use an out-of-place op, or convert the tensor with .to() first")
    t._data[...] = arr


def _inplace_name(fn):
    """``add_`` for the in-place twin of add, ``t[key] = v`` for setitem (for messages)."""
    name = fn.__name__.strip("_").replace("_alpha", "").replace("_from", "")
    return "t[key] = v" if name == "setitem" else name + "_"


def _add_alpha(a, b, alpha=1):
    return add(a, b if alpha == 1 else b * alpha)


def _sub_alpha(a, b, alpha=1):
    return sub(a, b if alpha == 1 else b * alpha)


def add_(t, other, alpha=1):
    """In place: ``t += alpha * other``; returns t.

    Written into t's storage; its version counter records the change, so a backward that saved t refuses
    to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's).

    Args:
        t: the tensor to update (``self`` as a method).
        other: a tensor broadcastable to t's shape, or a number.
        alpha: the factor of ``other``.

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.ones(3).add_(gg.tensor([1.0, 2.0, 3.0]), alpha=10)
    tensor([11., 21., 31.])
    """
    return _inplace(t, _add_alpha, other, alpha)


def sub_(t, other, alpha=1):
    """In place: ``t -= alpha * other``; returns t.

    Written into t's storage; its version counter records the change, so a backward that saved t refuses
    to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's).

    Args:
        t: the tensor to update (``self`` as a method).
        other: a tensor broadcastable to t's shape, or a number.
        alpha: the factor of ``other``.

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.ones(2).sub_(0.25, alpha=2)
    tensor([0.5000, 0.5000])
    """
    return _inplace(t, _sub_alpha, other, alpha)


def mul_(t, other):
    """In place: ``t *= other``; returns t.

    Written into t's storage; its version counter records the change, so a backward that saved t refuses
    to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's).

    Args:
        t: the tensor to update (``self`` as a method).
        other: a tensor broadcastable to t's shape, or a number.

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 2.0]).mul_(3)
    tensor([3., 6.])
    """
    return _inplace(t, mul, other)


def div_(t, other, *, rounding_mode=None):
    """In place: ``t /= other`` (see :func:`div`); returns t.

    Args:
        other: a tensor or a number (broadcast to t's shape).
        rounding_mode: None (true division), ``"trunc"`` or ``"floor"``.

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([7.0, -7.0]).div_(2, rounding_mode="floor")
    tensor([ 3., -4.])
    """
    if rounding_mode is not None:
        return _inplace(t, _div_rounding, other, rounding_mode)
    return _inplace(t, div, other)


def _div_rounding(a, b, rounding_mode):
    return div(a, b, rounding_mode=rounding_mode)


_div_rounding.__name__ = "div"


def pow_(t, exponent):
    """In place: ``t **= exponent``; returns t.

    Args:
        exponent: a tensor or a number (broadcast to t's shape).

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([2.0, 3.0]).pow_(2)
    tensor([4., 9.])
    """
    return _inplace(t, pow, exponent)


def clamp_(t, min=None, max=None):
    """In place: clamp t's elements into ``[min, max]`` (see :func:`clamp`); returns t.

    Written into t's storage; its version counter records the change, so a backward that saved t refuses
    to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's).

    Args:
        t: the tensor to update (``self`` as a method).
        min: the lower bound (a number or a tensor broadcastable to t's shape), or None for none.
        max: the upper bound (likewise), or None for none.

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return _inplace(t, clamp, min, max)


def neg_(t):
    """In place: ``t = -t``; returns t.

    Written into t's storage; its version counter records the change, so a backward that saved t refuses
    to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's).

    Args:
        t: the tensor to negate (``self`` as a method).

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, -2.0]).neg_()
    tensor([-1.,  2.])
    """
    return _inplace(t, neg)


def _copy_from(t, src):
    src = as_operand(src, t)
    if isinstance(src, Tensor):
        if src.device != t.device or src.dtype != t.dtype:
            src = src.to(device=t.device, dtype=t.dtype)
        return expand(src, t.shape) if src.shape != t.shape else clone(src)
    return _full_on(t, src)


def _full_on(t, value):
    """A constant tensor of t's shape and dtype filled with ``value``, on t's device (not the current one)."""
    with device_context(t.device):
        return Tensor._make(t.xp.full(t.shape, value, t.dtype), None, False)


def copy_(t, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast, moved) into t; differentiable with respect to src.

    Args:
        src: the values (a tensor that broadcasts to t's shape, of any dtype and device).
        non_blocking: accepted for PyTorch's sake (the copy is synchronous).

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 2).copy_(gg.tensor([1.0, 2.0]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return _inplace(t, _copy_from, src)


def zero_(t):
    """In place: fill t with zeros (``fill_(t, 0)``); returns t.

    Args:
        t: the tensor to clear (``self`` as a method).

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.ones(3).zero_()
    tensor([0., 0., 0.])
    """
    return fill_(t, 0)


def _fill(t, value):
    return _full_on(t, value)


def fill_(t, value):
    """In place: set every element of t to ``value``; returns t. Outside a graph this is one write into the
    storage (no op recorded); on a tensor that requires grad it is recorded, and the filled elements pass no
    gradient back. Refused on a leaf that requires grad while grad mode is on.

    Args:
        t: the tensor to fill (``self`` as a method).
        value: a number, cast to t's dtype.

    Returns:
        t, changed in place.

    >>> import gpugrad as gg
    >>> gg.empty(2, 2).fill_(7)
    tensor([[7., 7.],
            [7., 7.]])
    """
    if _state.enabled and t.requires_grad:
        # recorded: through _inplace, which refuses leaves (and views of them) and, for a view, records the
        # write in its bases' graphs (the filled region then takes no gradient there either)
        return _inplace(t, _fill, value)
    t._data.fill(value)
    t._fw_tangent = None
    if _op._fw_level:
        _write_through(t, None)         # the memory it views takes a zero tangent there too
    if t.grad_fn is not None:
        t.grad_fn = None
        t.requires_grad = False
    t._vc[0] += 1
    return t


def _setitem_op(t, value, key):
    from .shape import _setitem_key
    v = as_operand(value, t)
    return SetItem.apply(t, v, _setitem_key(key, t))


_setitem_op.__name__ = "setitem"


def setitem(t, key, value):
    """``t[key] = value``; differentiable with respect to both t (outside key) and value."""
    try:
        _setitem(t, key, value)
    except (IndexError, ValueError) as e:       # NumPy's message lacks the op and the tensor's shape
        what = f"a value of shape {tuple(value.shape)}" if hasattr(value, "shape") else repr(value)
        raise type(e)(f"setitem: cannot assign {what} to index {key!r} of a tensor of shape "
                      f"{tuple(t.shape)}: {e}") from None


def _setitem(t, key, value):
    if not _state.enabled or not (t.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        from .shape import _setitem_key, put
        if (_state.enabled is False or not t.requires_grad) and not _op._fw_level:   # (tangents: _inplace)
            put(t._data, _setitem_key(key, t), value._data if isinstance(value, Tensor) else value)
            t._vc[0] += 1
            return
    _inplace(t, _setitem_op, value, key)


# -- the namespace that backward formulas see when a graph of the gradient is asked for -------------------------
def _const(raw, arr):
    return Tensor._make(arr if hasattr(arr, "shape") else raw.asarray(arr), None, False)


class _TensorNamespace:
    """NumPy-like functions over Tensors, so each op's backward (written against ``self.xp``) records itself
    when ``create_graph=True``: ``xp.exp(t)`` is ``gpugrad.exp(t)``, ``xp.where(c, a, b)`` is
    ``gpugrad.where``, and so on. Creation functions (``zeros``, ``full``, ``asarray``...) make constants on
    the device of ``raw``, the array module this namespace stands in for. A NumPy function with no
    differentiable twin here raises, rather than silently computing on the raw data without a graph."""

    def __init__(self, raw):
        self.raw = raw

    def __getattr__(self, name):
        value = getattr(self.raw, name)       # dtypes, newaxis, pi, inf ... pass through
        if callable(value) and not isinstance(value, type):
            raise AttributeError(f"tensor_namespace: no differentiable version of {self.raw.__name__}.{name}; "
                                 f"a backward formula that uses it cannot run with create_graph=True (add it "
                                 f"to gpugrad.ops._TensorNamespace, or branch on isinstance(g, Tensor))")
        return value

    # elementwise
    exp, log, log1p, expm1, sqrt, sin, cos, tan, tanh = (staticmethod(f) for f in (
        exp, log, log1p, expm1, sqrt, sin, cos, tan, tanh))
    abs, absolute, sign, maximum, minimum, matmul = (staticmethod(f) for f in (
        abs, abs, sign, maximum, minimum, matmul))
    add, subtract, multiply, divide, true_divide, power = (staticmethod(f) for f in (add, sub, mul, div, div, pow))
    negative, clip = staticmethod(neg), staticmethod(clamp)
    isfinite, isnan, floor, ceil, round = (staticmethod(f) for f in (isfinite, isnan, floor, ceil, round))

    @staticmethod
    def square(x):
        return mul(x, x)

    def where(self, cond, a, b):
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):    # both constants: no graph needed
            c = cond._data if isinstance(cond, Tensor) else cond
            return _const(self.raw, self.raw.where(c, a, b))
        return where(cond, a, b)

    # reductions (NumPy's axis/keepdims spelling)
    @staticmethod
    def sum(x, axis=None, keepdims=False, dtype=None):
        return x.sum(axis=axis, keepdims=keepdims, dtype=dtype)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        return mean(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return amax(x, axis, keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return amin(x, axis, keepdims)

    amax, amin = max, min

    @staticmethod
    def prod(x, axis=None, keepdims=False):
        return prod(x, axis, keepdims)

    # shapes
    @staticmethod
    def reshape(x, shape):
        return reshape(x, shape)

    @staticmethod
    def broadcast_to(x, shape):
        return expand(x, tuple(shape))

    @staticmethod
    def transpose(x, axes=None):
        return permute(x, tuple(reversed(range(x.ndim))) if axes is None else tuple(axes))

    @staticmethod
    def swapaxes(x, a, b):
        return transpose(x, a, b)

    @staticmethod
    def moveaxis(x, source, destination):
        order = [i for i in range(x.ndim) if i != source % x.ndim]
        order.insert(destination % x.ndim, source % x.ndim)
        return permute(x, tuple(order))

    @staticmethod
    def expand_dims(x, axis):
        return unsqueeze(x, axis)

    @staticmethod
    def squeeze(x, axis=None):
        return squeeze(x, axis)

    @staticmethod
    def concatenate(xs, axis=0):
        return cat(list(xs), axis)

    @staticmethod
    def stack(xs, axis=0):
        return stack(list(xs), axis)

    @staticmethod
    def flip(x, axis):
        import builtins
        return getitem(x, tuple(builtins.slice(None, None, -1) if i == axis % x.ndim else builtins.slice(None)
                                for i in range(x.ndim)))

    @staticmethod
    def cumsum(x, axis):
        return cumsum(x, axis)

    def einsum(self, spec, *xs):
        return einsum(spec, *(x if isinstance(x, Tensor) else _const(self.raw, x) for x in xs))

    @staticmethod
    def take_along_axis(x, index, axis):
        return gather(x, axis, index)

    @staticmethod
    def take(x, index, axis=None):
        return index_select(x, axis, index) if axis is not None else index_select(reshape(x, -1), 0, index)

    # constants on this namespace's device
    def zeros(self, shape, dtype=None):
        return _const(self.raw, self.raw.zeros(shape, dtype))

    def ones(self, shape, dtype=None):
        return _const(self.raw, self.raw.ones(shape, dtype))

    def full(self, shape, fill_value, dtype=None):
        return _const(self.raw, self.raw.full(shape, fill_value, dtype))

    def zeros_like(self, x, dtype=None):
        return self.zeros(x.shape, dtype or x.dtype)

    def ones_like(self, x, dtype=None):
        return self.ones(x.shape, dtype or x.dtype)

    def asarray(self, x, dtype=None):
        if isinstance(x, Tensor):
            return x if dtype is None or x.dtype == dtype else x.to(dtype)
        return _const(self.raw, self.raw.asarray(x, dtype))

    def arange(self, *args, **kwargs):
        return _const(self.raw, self.raw.arange(*args, **kwargs))


_namespaces = {}


def tensor_namespace_for(xp):
    """The Tensor namespace that stands in for array module ``xp`` (NumPy or CuPy) in graph-mode backward."""
    ns = _namespaces.get(xp)
    if ns is None:
        ns = _namespaces[xp] = _TensorNamespace(xp)
    return ns


import numpy as _np  # noqa: E402

tensor_namespace = tensor_namespace_for(_np)


# the elementwise math families (they use _TensorNamespace, _rounded and _out above)
from .umath_unary import (acos, arccos, acosh, arccosh, asin, arcsin, asinh, arcsinh, atan, arctan,  # noqa: E402
                          atanh, arctanh, cosh, sinh, erfc, erfinv, exp2, log2, log10, lgamma, digamma, polygamma,
                          mvlgamma, i0, i0e, i1, i1e, erfcx, log_ndtr, ndtri, ndtr, entr, sinc, logit, reciprocal, sgn, signbit,
                          frac, trunc, fix, positive, negative, deg2rad, rad2deg, nan_to_num, isinf, isneginf,
                          isposinf, isreal)
from .umath_binary import (atan2, arctan2, hypot, copysign, fmod, fmax, fmin, float_power, logaddexp,  # noqa: E402
                           logaddexp2, xlogy, xlog1py, heaviside, nextafter, ldexp, frexp, gcd, lcm, lerp, addcmul,
                           addcdiv, clamp_min, clamp_max, bitwise_left_shift, bitwise_right_shift)
not_equal, greater, greater_equal, less, less_equal = ne, gt, ge, lt, le
absolute = abs
_LOGIC_DOC = """{what}, elementwise with broadcasting{how}. No gradient.

Args:
    input: a tensor.
    other: a tensor or a number.
    out: an optional tensor the result is written into (returned).

Returns:
    A {result} tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.{name}(gg.tensor([12, 10, 0]), gg.tensor([9, 12, 3]))
{y}
"""
for _fn, _what, _how, _res, _y in (
        (bitwise_and, "a & b", " (integer or bool tensors)", "integer or bool", "tensor([8, 8, 0])"),
        (bitwise_or, "a | b", " (integer or bool tensors)", "integer or bool", "tensor([13, 14,  3])"),
        (bitwise_xor, "a ^ b", " (integer or bool tensors)", "integer or bool", "tensor([5, 6, 3])"),
        (logical_xor, "(a != 0) xor (b != 0)", " (any dtype: nonzero counts as true)", "bool",
         "tensor([False, False,  True])")):
    _fn.__doc__ = _LOGIC_DOC.format(what=_what, how=_how, result=_res, name=_fn.__name__, y=_y)
bitwise_not.__doc__ = """~a, elementwise (integer or bool tensors; for bool, logical not). No gradient.

Args:
    input: an integer or bool tensor.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``input``'s shape and dtype.

>>> import gpugrad as gg
>>> gg.bitwise_not(gg.tensor([0, 5]))
tensor([-1, -6])
"""
# linear algebra's top-level functions (gpugrad.linalg holds torch.linalg's)
from .linalg_torch import (addmv, addr, addbmm, baddbmm, chain_matmul, kron, tensordot, det, logdet,  # noqa: E402
                           slogdet, inverse, pinverse, matrix_power, matrix_exp, cholesky, cholesky_solve,
                           cholesky_inverse, svd, qr, triangular_solve, cross)
from .products import dot, vdot, inner, outer, ger, mv, trace  # noqa: E402
from .numeric_more import isin, gradient, vander, adjoint  # noqa: E402

from . import methods as _methods  # noqa: E402,F401  (attaches the Tensor methods and operators)
from .linalg_lu import lu_unpack, lu_solve_deprecated as lu_solve  # noqa: E402
from .linalg_lu import lu_deprecated as lu  # noqa: E402
