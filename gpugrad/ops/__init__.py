"""The op library, by family, and the Tensor methods and operators that call it."""
from __future__ import annotations

from ..tensor import Tensor
from ..autograd import grad_mode as _gm
from .arithmetic import (add, sub, mul, div, neg, pow, matmul, abs, sign, clamp, clip, maximum, minimum, where,
                         cast, clone, to_device)
from .elementwise import exp, log, log1p, expm1, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, erf
from .reduction import (sum, mean, var, std, max, min, amax, amin, argmax, argmin, logsumexp, prod, norm)
from .shape import (reshape, view, flatten, permute, transpose, squeeze, unsqueeze, expand, broadcast_to, cat,
                    concatenate, stack, split, chunk, gather, index_select, pad, getitem, index_put, SetItem)
from ._util import unbroadcast, as_operand

_state = _gm._state


# -- comparisons and logic (no gradient) ---------------------------------------------------------------------
def _compare(name):
    import operator
    f = getattr(operator, name)

    def op(a, b):
        bd = b.data if isinstance(b, Tensor) else b
        return Tensor._make(f(a.data, bd), None, False)
    op.__name__ = name
    return op


eq, ne, lt, le, gt, ge = (_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
logical_and, logical_or, logical_xor = (_compare(n) for n in ("and_", "or_", "xor"))


def logical_not(a):
    return Tensor._make(~a.data if a.dtype.kind == "b" else a.data == 0, None, False)


def isfinite(a):
    return Tensor._make(a.xp.isfinite(a.data), None, False)


def isnan(a):
    return Tensor._make(a.xp.isnan(a.data), None, False)


def floor(a):
    return Tensor._make(a.xp.floor(a.data), None, False)


def ceil(a):
    return Tensor._make(a.xp.ceil(a.data), None, False)


def round(a):
    return Tensor._make(a.xp.round(a.data), None, False)


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return bool(a.xp.allclose(a.data, b.data if isinstance(b, Tensor) else b, rtol=rtol, atol=atol))


def equal(a, b):
    return a.shape == b.shape and bool((a.data == b.data).all())


# -- in-place ops ------------------------------------------------------------------------------------------------
def _inplace(t, fn, *args):
    """Run ``fn(t, *args)`` out of place, write the result into t's storage, bump t's version.

    On a tensor that is part of a graph the result's node becomes t's ``grad_fn``; ops that saved t for
    backward notice the version change and refuse to compute a wrong gradient."""
    recording = _state.enabled and (t.requires_grad or builtins_any(isinstance(a, Tensor) and a.requires_grad
                                                                   for a in args))
    if recording and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"{fn.__name__}_: a leaf Variable that requires grad is being used in an in-place "
                           f"operation (shape {tuple(t.shape)}); wrap it in `with gpugrad.no_grad():` or use "
                           f"an out-of-place op")
    if recording:
        alias = Tensor._make(t.data, t.grad_fn, t.requires_grad, t._version)
        new = fn(alias, *args)
        _write(t, new.data)
        t.grad_fn = new.grad_fn
        t.requires_grad = new.requires_grad
        if new.grad_fn is not None and t._retains_grad:
            import weakref
            new.grad_fn._retained = weakref.ref(t)
    else:
        with _gm.no_grad():
            new = fn(Tensor._make(t.data, None, False), *args)
        _write(t, new.data)
    t._version[0] += 1
    return t


def builtins_any(it):
    for x in it:
        if x:
            return True
    return False


def _write(t, arr):
    if arr.shape != t.data.shape:
        raise RuntimeError(f"in-place op: result shape {tuple(arr.shape)} doesn't match the tensor's shape "
                           f"{tuple(t.data.shape)}")
    t.data[...] = arr


def _add_alpha(a, b, alpha=1):
    return add(a, b if alpha == 1 else b * alpha)


def _sub_alpha(a, b, alpha=1):
    return sub(a, b if alpha == 1 else b * alpha)


def add_(t, other, alpha=1):
    return _inplace(t, _add_alpha, other, alpha)


def sub_(t, other, alpha=1):
    return _inplace(t, _sub_alpha, other, alpha)


def mul_(t, other):
    return _inplace(t, mul, other)


def div_(t, other):
    return _inplace(t, div, other)


def pow_(t, other):
    return _inplace(t, pow, other)


def clamp_(t, min=None, max=None):
    return _inplace(t, clamp, min, max)


def neg_(t):
    return _inplace(t, neg)


def _copy_from(t, src):
    src = as_operand(src, t)
    if isinstance(src, Tensor):
        if src.device != t.device or src.dtype != t.dtype:
            src = src.to(device=t.device, dtype=t.dtype)
        return expand(src, t.shape) if src.shape != t.shape else clone(src)
    return Tensor._make(t.xp.full(t.shape, src, t.dtype), None, False)


def copy_(t, src):
    """Copy ``src`` (broadcast, cast, moved) into t; differentiable with respect to src."""
    return _inplace(t, _copy_from, src)


def zero_(t):
    return fill_(t, 0)


def fill_(t, value):
    if _state.enabled and t.requires_grad and t.grad_fn is None:
        raise RuntimeError("fill_: a leaf Variable that requires grad is being used in an in-place operation")
    t.data.fill(value)
    if t.grad_fn is not None:
        t.grad_fn = None
        t.requires_grad = False
    t._version[0] += 1
    return t


def _setitem_op(t, value, key):
    from .shape import _convert_key
    key = _convert_key(key, t)
    v = as_operand(value, t)
    return SetItem.apply(t, v, key)


_setitem_op.__name__ = "setitem"


def setitem(t, key, value):
    """``t[key] = value``; differentiable with respect to both t (outside key) and value."""
    if not _state.enabled or not (t.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        from .shape import _convert_key
        if _state.enabled is False or not t.requires_grad:
            t.data[_convert_key(key, t)] = value.data if isinstance(value, Tensor) else value
            t._version[0] += 1
            return
    _inplace(t, _setitem_op, value, key)


# -- the namespace that backward formulas see when a graph of the gradient is asked for -------------------------
class _TensorNamespace:
    """NumPy-like functions over Tensors, so each op's backward (written against ``self.xp``) records itself
    when ``create_graph=True``."""
    exp, log, sin, cos, tanh, sqrt, abs, sign = exp, log, sin, cos, tanh, sqrt, abs, sign
    maximum, minimum, matmul, log1p, expm1 = maximum, minimum, matmul, log1p, expm1

    @staticmethod
    def where(cond, a, b):
        return where(cond, a, b)

    @staticmethod
    def broadcast_to(x, shape):
        return expand(x, tuple(shape))

    @staticmethod
    def swapaxes(x, a, b):
        return transpose(x, a, b)

    @staticmethod
    def zeros(shape, dtype=None):
        from .. import zeros as _z
        return _z(shape, dtype=dtype)


tensor_namespace = _TensorNamespace()


# -- Tensor methods and operators -------------------------------------------------------------------------------
def _r(fn):
    def rop(a, b):
        return fn(b, a)
    return rop


def _method_sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=False):
    return sum(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)


def _method_transpose(self, *args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):   # NumPy's transpose(axes)
        return permute(self, tuple(args[0]))
    if not args:
        return permute(self, tuple(reversed(range(self.ndim))))
    return transpose(self, *args)


def _method_reshape(self, *shape):
    return reshape(self, *shape)


def _t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got shape {tuple(self.shape)}")
    return transpose(self, 0, 1) if self.ndim == 2 else self


_methods = dict(
    __add__=add, __radd__=add, __sub__=sub, __rsub__=_r(sub), __mul__=mul, __rmul__=mul,
    __truediv__=div, __rtruediv__=_r(div), __pow__=pow, __rpow__=_r(pow), __matmul__=matmul,
    __rmatmul__=_r(matmul), __neg__=neg, __abs__=abs, __pos__=lambda s: s,
    __eq__=eq, __ne__=ne, __lt__=lt, __le__=le, __gt__=gt, __ge__=ge,
    __and__=logical_and, __or__=logical_or, __xor__=logical_xor, __invert__=logical_not,
    __getitem__=getitem, __setitem__=setitem,
    __iadd__=add_, __isub__=sub_, __imul__=mul_, __itruediv__=div_,
    add=add, sub=sub, mul=mul, div=div, neg=neg, pow=pow, matmul=matmul, abs=abs, sign=sign, clamp=clamp,
    clip=clamp, maximum=maximum, minimum=minimum, exp=exp, log=log, log1p=log1p, expm1=expm1, sqrt=sqrt,
    rsqrt=rsqrt, sin=sin, cos=cos, tan=tan, tanh=tanh, sigmoid=sigmoid, erf=erf,
    sum=_method_sum, mean=mean, var=var, std=std, max=max, min=min, amax=amax, amin=amin, argmax=argmax,
    argmin=argmin, logsumexp=logsumexp, prod=prod, norm=norm,
    reshape=_method_reshape, view=_method_reshape, flatten=flatten, permute=permute,
    transpose=_method_transpose, squeeze=squeeze, unsqueeze=unsqueeze, expand=expand,
    broadcast_to=broadcast_to, split=split, chunk=chunk, gather=gather, index_select=index_select,
    add_=add_, sub_=sub_, mul_=mul_, div_=div_, pow_=pow_, clamp_=clamp_, neg_=neg_, copy_=copy_,
    zero_=zero_, fill_=fill_, clone=clone, eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, t=_t,
    astype=lambda self, dtype: self.to(dtype), copy=clone, isfinite=isfinite, isnan=isnan,
    allclose=allclose, equal=equal, floor=floor, ceil=ceil, round=round,
)
for _name, _fn in _methods.items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))) if self.ndim > 1 else self)
Tensor.mT = property(lambda self: transpose(self, -2, -1))
Tensor.__hash__ = lambda self: id(self)
