"""The Tensor methods and operators: each op of the library attached to Tensor under PyTorch's method name
(``x.sum(dim=1)``, ``x + y``, ``x.view(dtype)``...), with the thin wrappers where a method's signature differs
from the function's. Imported once by :mod:`gpugrad.ops`, after every op is defined; the in-place compositions
(``exp_``, ``scatter_``...) come from :mod:`.methods_inplace`, the ``new_*`` and ``*_as`` methods from
:mod:`.methods_like`."""
from __future__ import annotations

from . import (Tensor, abs, add, add_, addmm, allclose, amax, amin, argmax, argmin, argsort, bernoulli_,
                bitwise_and, bitwise_not, bitwise_or, bitwise_xor, bmm, broadcast_to, ceil, chunk, clamp, clamp_,
                clone, copy_, cos, cumsum, div, div_, eq, equal, erf, exp, expand, expm1, exponential_, fill_,
                flatten, floor, floor_divide, gather, ge, getitem, gt, index_select, isclose, isfinite, isnan, le,
                log, log1p, log_softmax, logsumexp, lt, matmul, max, maximum, mean, min, minimum, mm, mul, mul_,
                narrow, ne, neg, neg_, norm, normal_, permute, pow, pow_, prod, relu, remainder, repeat, reshape,
                round, rsqrt, scatter, scatter_add, setitem, sigmoid, sign, sin, softmax, sort, split, sqrt, square,
                squeeze, std, sub, sub_, sum, swapaxes, swapdims, take_along_dim, tan, tanh, topk, transpose, unbind,
                uniform_, unsqueeze, var, view, view_dtype, where, zero_, t)
from .scatter import scatter_reduce, index_add, index_copy, index_fill, index_reduce, masked_scatter
from .methods_inplace import INPLACE_METHODS
from .reduction import NO_DIM
from .umath_binary import clamp_min as umath_clamp_min, clamp_max as umath_clamp_max
from .numeric_more import NUMERIC_MORE_METHODS
from .methods_like import LIKE_METHODS
from .activation_api import hardshrink, prelu
from .methods_info import INFO_METHODS, INFO_PROPERTIES
from .random_more import RANDOM_METHODS
from .indexing import INDEXING_METHODS
from .umath_methods import UMATH_METHODS
from .linalg_methods import LINALG_METHODS
from .linalg_lu import LU_METHODS
from .methods_reduce import REDUCE_METHODS
from .products import PRODUCT_METHODS
from .tensor_misc import MISC_METHODS, MISC_PROPERTIES
from .igamma import IGAMMA_METHODS
from .strided import STRIDED_METHODS


def _r(fn):
    def rop(a, b):
        return fn(b, a)
    return rop


def _rsub(self, other):
    """``other - self`` for the reflected ``-`` (a Python number minus a tensor): PyTorch records its rsub
    node, RsubBackward1, there."""
    res = sub(other, self)
    if res.grad_fn is not None and not isinstance(other, Tensor):
        res.grad_fn._node_name, res.grad_fn._overload = "Rsub", "1"
    return res


def _method_sum(self, dim=NO_DIM, keepdim=False, dtype=None, *, axis=None, keepdims=False):
    """The sum over ``dim`` (all elements by default); see :func:`gpugrad.sum`.

    Args:
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype (default: the input's; integers and bools sum in int64).
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.

    Returns:
        A tensor (0-d without dim).

    >>> import gpugrad as gg
    >>> gg.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=1, keepdim=True)
    tensor([[3.],
            [7.]])
    """
    return sum(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)


def _method_transpose(self, *args, dim0=None, dim1=None):
    """Swap two dims (a view): ``x.transpose(0, 1)``; also NumPy's ``x.transpose()`` (all dims reversed) and
    ``x.transpose(axes)``.

    Args:
        *args: the two dims (or NumPy's axes).
        dim0: one dim, by PyTorch's keyword.
        dim1: the other.

    Returns:
        A view of the tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3, 4).transpose(dim0=0, dim1=2).shape
    gpugrad.Size([4, 3, 2])
    """
    if dim0 is not None or dim1 is not None:           # PyTorch's keywords: x.transpose(dim0=0, dim1=1)
        args = args + tuple(d for d in (dim0, dim1) if d is not None)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):   # NumPy's transpose(axes)
        return permute(self, tuple(args[0]))
    if not args:
        return permute(self, tuple(reversed(range(self.ndim))))
    return transpose(self, *args)


def _method_reshape(self, *args, shape=None):
    """The same elements in a new shape (a view when possible); one dim may be -1. See :func:`gpugrad.reshape`.

    Args:
        *args: the new shape, as ints or one tuple.
        shape: the new shape, by PyTorch's keyword.

    Returns:
        A tensor with the same number of elements.

    >>> import gpugrad as gg
    >>> gg.arange(6).reshape(2, -1).shape
    gpugrad.Size([2, 3])
    """
    return reshape(self, *args, shape=shape)


def _method_view(self, *args, size=None, dtype=None):
    """``x.view(*shape)``: the same storage in a new shape (an error where the strides don't allow it, as in
    PyTorch: use ``reshape`` there); ``x.view(dtype)``: the same bytes read as another dtype
    (:func:`gpugrad.ops.shape.view_dtype`: PyTorch's rules, not differentiable).

    Args:
        *args: the new shape (ints or one tuple; one -1 is inferred), or a dtype.
        size: the new shape, by PyTorch's keyword.
        dtype: the dtype to reinterpret the bytes as, by keyword.

    Returns:
        A view sharing the tensor's storage.

    >>> import gpugrad as gg
    >>> gg.arange(6.0).view(3, 2).shape, gg.tensor([1.0]).view(gg.int32).tolist()
    (gpugrad.Size([3, 2]), [1065353216])
    """
    if dtype is not None or (len(args) == 1 and args[0].__class__ is not int and _is_dtype(args[0])):
        return view_dtype(self, args[0] if dtype is None else dtype)
    return view(self, *args, size=size)


def _is_dtype(a):
    """Whether a view() argument is a dtype (x.view(gg.int32)) rather than a size."""
    return not isinstance(a, (int, tuple, list)) and not hasattr(a, "__index__")


def _method_split(self, split_size, dim=0):
    """Split into pieces along ``dim`` (PyTorch's method spells the size ``split_size``; see :func:`split`).

    Args:
        split_size: an int (the size of each piece; the last may be smaller) or a list of sizes.
        dim: the dim to split.

    Returns:
        A tuple of tensors (views).

    >>> import gpugrad as gg
    >>> [t.tolist() for t in gg.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    return split(self, split_size, dim)


def _astype(self, dtype):
    """NumPy's name for ``self.to(dtype)``: this tensor converted to ``dtype`` (on the same device).

    Args:
        dtype: the dtype (a gpugrad dtype such as ``gpugrad.int32``, or a NumPy one).

    Returns:
        This tensor if it already has that dtype, else a converted copy (differentiable between floating point
        dtypes; a float converted to an integer dtype is truncated toward zero).

    >>> import gpugrad as gg
    >>> gg.tensor([1.5, -2.5]).astype(gg.int32)
    tensor([ 1, -2], dtype=gpugrad.int32)
    """
    return self.to(dtype)


_methods = dict(
    __add__=add, __radd__=add, __sub__=sub, __rsub__=_rsub, __mul__=mul, __rmul__=mul,
    __truediv__=div, __rtruediv__=_r(div), __pow__=pow, __rpow__=_r(pow), __matmul__=matmul,
    __floordiv__=floor_divide, __rfloordiv__=_r(floor_divide), __mod__=remainder, __rmod__=_r(remainder),
    __ipow__=pow_, remainder=remainder, floor_divide=floor_divide,
    __rmatmul__=_r(matmul), __neg__=neg, __abs__=abs, __pos__=lambda s: s,
    __eq__=eq, __ne__=ne, __lt__=lt, __le__=le, __gt__=gt, __ge__=ge,
    __and__=bitwise_and, __or__=bitwise_or, __xor__=bitwise_xor, __invert__=bitwise_not,
    __getitem__=getitem, __setitem__=setitem,
    __iadd__=add_, __isub__=sub_, __imul__=mul_, __itruediv__=div_,
    add=add, sub=sub, mul=mul, div=div, neg=neg, pow=pow, matmul=matmul, abs=abs, sign=sign, clamp=clamp,
    clip=clamp, maximum=maximum, minimum=minimum, exp=exp, log=log, log1p=log1p, expm1=expm1, sqrt=sqrt,
    rsqrt=rsqrt, sin=sin, cos=cos, tan=tan, tanh=tanh, sigmoid=sigmoid, erf=erf,
    sum=_method_sum, mean=mean, var=var, std=std, max=max, min=min, amax=amax, amin=amin, argmax=argmax,
    argmin=argmin, logsumexp=logsumexp, prod=prod, norm=norm,
    reshape=_method_reshape, view=_method_view, flatten=flatten, permute=permute,
    transpose=_method_transpose, squeeze=squeeze, unsqueeze=unsqueeze, expand=expand,
    broadcast_to=broadcast_to, split=_method_split, chunk=chunk, gather=gather, index_select=index_select,
    add_=add_, sub_=sub_, mul_=mul_, div_=div_, pow_=pow_, clamp_=clamp_, neg_=neg_, copy_=copy_,
    zero_=zero_, fill_=fill_, clone=clone, eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, t=t,
    astype=_astype, copy=clone, isfinite=isfinite, isnan=isnan,
    allclose=allclose, equal=equal, floor=floor, ceil=ceil, round=round,
)
for _name, _fn in _methods.items():
    setattr(Tensor, _name, _fn)


# -- more of PyTorch's Tensor methods, each a composition of the ops above (no new Op) -----------------------
def _contiguous(self, memory_format=None):
    """The tensor itself if its elements are in C order, else a C-ordered copy (differentiable).

    Args:
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

    Returns:
        A C-contiguous tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).t().contiguous().is_contiguous()
    True
    """
    if memory_format is not None:
        from .._formats import check_memory_format
        check_memory_format("contiguous", memory_format)
    return self if self._data.flags.c_contiguous else clone(self)     # a copy is C-ordered



def _is_contiguous(self, memory_format=None):
    """Whether the elements are laid out in C order.

    Args:
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

    Returns:
        A Python bool.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).is_contiguous(), gg.zeros(2, 3).t().is_contiguous()
    (True, False)
    """
    if memory_format is not None:
        from .._formats import check_memory_format
        check_memory_format("is_contiguous", memory_format)
    return bool(self._data.flags.c_contiguous)



def _where(self, condition, other):
    """This tensor where ``condition`` is true, else ``other``: :func:`gpugrad.where` with self as the second
    argument (``x.where(c, y) == gg.where(c, x, y)``).

    Args:
        condition: a bool tensor, broadcastable with self and other.
        other: a tensor or a number, the values where condition is false.

    Returns:
        A tensor of the broadcast shape; differentiable with respect to self and other.

    >>> import gpugrad as gg
    >>> x = gg.tensor([-1.0, 2.0, -3.0])
    >>> x.where(x > 0, 0.0)
    tensor([0., 2., 0.])
    """
    return where(condition, self, other)


def _reciprocal(self):
    """The elementwise reciprocal ``1 / x`` (an integer tensor gives a floating point result; ``1 / 0`` is inf).

    Returns:
        A tensor of this tensor's shape; its gradient is ``-grad / x ** 2``.

    >>> import gpugrad as gg
    >>> gg.tensor([2.0, -4.0]).reciprocal()
    tensor([ 0.5000, -0.2500])
    """
    return div(1.0, self)


def _clamp_min(self, min):
    """``self.clamp(min=min)``: each element raised to at least ``min``.

    Args:
        min: the lower bound, a number or a tensor broadcastable with self.

    Returns:
        A tensor of the broadcast shape; the gradient flows to self where it is above min.

    >>> import gpugrad as gg
    >>> gg.tensor([-1.0, 0.5, 2.0]).clamp_min(0.0)
    tensor([0.0000, 0.5000, 2.0000])
    """
    return umath_clamp_min(self, min)


def _clamp_max(self, max):
    """``self.clamp(max=max)``: each element lowered to at most ``max``.

    Args:
        max: the upper bound, a number or a tensor broadcastable with self.

    Returns:
        A tensor of the broadcast shape; the gradient flows to self where it is below max.

    >>> import gpugrad as gg
    >>> gg.tensor([-1.0, 0.5, 2.0]).clamp_max(1.0)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return umath_clamp_max(self, max)


def _T(self):
    """The tensor with its dims reversed (a view): a matrix's transpose; a tensor of fewer than 2 dims as is.
    (PyTorch deprecates ``.T`` on more than 2 dims: use ``.mT`` for a batch of matrices, ``permute`` else.)

    >>> import gpugrad as gg
    >>> gg.tensor([[1, 2, 3]]).T
    tensor([[1],
            [2],
            [3]])
    >>> gg.zeros(2, 3, 4).T.shape
    gpugrad.Size([4, 3, 2])
    """
    return permute(self, tuple(reversed(range(self.ndim)))) if self.ndim > 1 else self


def _mT(self):
    """The transpose of each matrix of a batch: the last two dims swapped (a view; at least 2 dims).

    >>> import gpugrad as gg
    >>> gg.zeros(5, 2, 3).mT.shape
    gpugrad.Size([5, 3, 2])
    """
    if self.ndim < 2:         # (PyTorch returns a 0-d tensor as is)
        if self.ndim == 0:
            return self
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                           f"tensor.")
    return transpose(self, -2, -1)


def _extra_methods():
    return dict(
        contiguous=_contiguous, is_contiguous=_is_contiguous, where=_where,
        square=square, reciprocal=_reciprocal, sort=sort, argsort=argsort,
        topk=topk, repeat=repeat, narrow=narrow, unbind=unbind, isclose=isclose, cumsum=cumsum, scatter=scatter,
        scatter_add=scatter_add, clamp_min=_clamp_min, clamp_max=_clamp_max,
        scatter_reduce=scatter_reduce, index_add=index_add, index_copy=index_copy, index_fill=index_fill,
        index_reduce=index_reduce, masked_scatter=masked_scatter,
        mm=mm, bmm=bmm, addmm=addmm, swapaxes=swapaxes, swapdims=swapdims,
        take_along_dim=take_along_dim, normal_=normal_, uniform_=uniform_, exponential_=exponential_,
        bernoulli_=bernoulli_, divide=div, multiply=mul, subtract=sub, true_divide=div,
        relu=relu, softmax=softmax, log_softmax=log_softmax, **LIKE_METHODS, **INPLACE_METHODS,
        hardshrink=hardshrink, prelu=prelu,
        **INFO_METHODS, **RANDOM_METHODS, **INDEXING_METHODS,
        **UMATH_METHODS,
        **LINALG_METHODS, **LU_METHODS,
        **REDUCE_METHODS,
        **PRODUCT_METHODS,
        **NUMERIC_MORE_METHODS,
        **MISC_METHODS, **IGAMMA_METHODS, **STRIDED_METHODS,
    )


for _name, _fn in _extra_methods().items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(_T)
Tensor.mT = property(_mT)
for _name, _fn in {**INFO_PROPERTIES, **MISC_PROPERTIES}.items():
    setattr(Tensor, _name, property(_fn))
Tensor.__hash__ = object.__hash__   # identity, in C: tape dicts and sets hash tensors (via weakrefs) often
