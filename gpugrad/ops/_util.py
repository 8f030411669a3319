"""Helpers every op shares: undoing broadcasting, reading dim/axis arguments, coercing operands."""
from __future__ import annotations

import numpy as _np

from ..tensor import Tensor, tensor as _tensor
from .. import _dtype
from .._typeinfo import promote_types, check_unsigned  # noqa: F401  (PyTorch's table, for cat/stack)

_PY_SCALARS = (int, float, bool)


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``: the gradient of NumPy broadcasting, used by every op (works on arrays
    and on Tensors)."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead or g.shape != shape:
        g = g.reshape(shape)
    return g


def dims(op, ndim, dim=None, axis=None):
    """Normalize a ``dim`` (PyTorch) or ``axis`` (NumPy) argument to None or a tuple of non-negative ints."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: pass dim or axis, not both")
        dim = axis
    if dim is None:
        return None
    single = isinstance(dim, int)
    d = (dim,) if single else tuple(dim)
    out = []
    for a in d:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise IndexError(f"{op}: dimension {a} is out of range for a tensor of {ndim} dimension(s)")
        out.append(a % max(ndim, 1))
    return tuple(out)


def keep(keepdim, keepdims):
    return bool(keepdim or keepdims)


def as_operand(x, like: Tensor):
    """A second operand: Tensors pass; Python scalars pass as constants; arrays and lists become Tensors on
    ``like``'s device."""
    if isinstance(x, Tensor) or x.__class__ in _PY_SCALARS:
        return x
    if isinstance(x, _np.generic):      # a NumPy scalar counts as a Python number (np.float64 would upcast)
        return x.item()
    if isinstance(x, (int, float, bool)):
        return x
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"expected a Tensor, an array or a number as the second operand of a tensor of shape "
                        f"{tuple(like.shape)}, got {type(x).__name__}")
    return _tensor(x, device=like.device, dtype=like.dtype if like.dtype.kind == "f" else None)


_INT_RANGES = {}


def wrapped_int(v: int, dtype):
    """Python int ``v`` as PyTorch reads it beside an integer tensor of ``dtype``: wrapped modulo 2^bits into
    the dtype's range (``uint8 * -1`` is ``* 255``); beyond 64 bits an OverflowError, as PyTorch's."""
    rng = _INT_RANGES.get(dtype)
    if rng is None:
        info = _np.iinfo(dtype)
        rng = _INT_RANGES[dtype] = (int(info.min), int(info.max))
    lo, hi = rng
    if lo <= v <= hi:
        return v
    if not -(1 << 63) <= v < (1 << 64):
        raise OverflowError(f"int too big to convert: {v} does not fit in 64 bits (beside a tensor of dtype "
                            f"{_np.dtype(dtype)})")
    return (v - lo) % (hi - lo + 1) + lo


def promote_scalar(a: Tensor, b):
    """Python scalars don't upcast float32; a float scalar with an integer tensor gives the default float."""
    if type(b) is float and a._data.dtype.kind in "iub":
        from . import cast
        return cast(a, _dtype.get_default_dtype())
    return a


def shape_str(s):
    return str(tuple(s))


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def check_unsigned_pair(x, y):
    """PyTorch's refusal of uint16/uint32/uint64 beside another integer or bool dtype, for two arrays of
    different dtypes: a 0-d one beside a dimensioned one takes part only when the dimensioned one is bool."""
    if (x.ndim == 0) is (y.ndim == 0):
        check_unsigned(x.dtype, y.dtype)
    elif (y if x.ndim == 0 else x).dtype.kind == "b":
        check_unsigned(*((y.dtype, x.dtype) if x.ndim == 0 else (x.dtype, y.dtype)))


def promote_pair(a: Tensor, b: Tensor):
    """PyTorch's rules, called only when the dtypes differ. A 0-d tensor beside a dimensioned one counts as
    a scalar: it sets the dtype only when its category (bool < integer < floating) is higher, so
    ``float32 * tensor(2.0, float64)`` stays float32. Otherwise, for a floating tensor with an integer or
    bool one, the floating dtype wins (NumPy would widen int64 with float32 to float64); uint16/32/64 with
    another integer or bool dtype is PyTorch's RuntimeError."""
    check_unsigned_pair(a._data, b._data)
    da, db = a._data.dtype, b._data.dtype
    if (a._data.ndim == 0) is not (b._data.ndim == 0):
        zero, dim = (a, b) if a._data.ndim == 0 else (b, a)
        dz, dd = zero._data.dtype, dim._data.dtype
        target = dz if _CATEGORY[dz.kind] > _CATEGORY[dd.kind] else dd
        if target.kind == "c" and dd.kind == "f":       # a complex scalar takes the float tensor's precision
            target = _np.dtype(_np.complex128 if dd.itemsize == 8 else _np.complex64)
        return _cast_to(a, b, target)
    if da.kind == "c" or db.kind == "c":
        # complex with real: complex, at least as wide as a floating partner (float64 * complex64 is complex128;
        # an integer or bool partner takes the complex dtype as it is); never the real part alone
        c, other = (da, db) if da.kind == "c" else (db, da)
        return _cast_to(a, b, _np.result_type(c, other) if other.kind in "fc" else c)
    fa, fb = da.kind == "f", db.kind == "f"
    if fa and not fb:
        from . import cast
        return a, cast(b, a._data.dtype)
    if fb and not fa:
        from . import cast
        return cast(a, b._data.dtype), b
    return a, b


def _cast_to(a, b, target):
    from . import cast
    return (a if a._data.dtype == target else cast(a, target)), (b if b._data.dtype == target else cast(b, target))


def broadcast_error(op, *operands, what="shapes"):
    """A RuntimeError naming ``op``, the operands' shapes and the first dimension where they clash, or None
    when the shapes do broadcast (so that a ValueError with another cause is re-raised unchanged).
    Called only after NumPy/CuPy refused, so it costs nothing on the normal path."""
    shapes = [tuple(o) if isinstance(o, tuple) else tuple(o.shape) if hasattr(o, "shape") else ()
              for o in operands if o is not None]
    for i in range(1, max(len(s) for s in shapes) + 1):
        sizes = {s[-i] for s in shapes if len(s) >= i} - {1}
        if len(sizes) > 1:
            return RuntimeError(f"{op}: {what} {' and '.join(shape_str(s) for s in shapes)} cannot be broadcast "
                                f"together: dimension -{i} has sizes {sorted(sizes)} (sizes must be equal or 1)")
    return None


def write_out(result, out, op=None):
    """PyTorch's ``out=``: ``result`` copied into ``out`` (which is returned); an empty ``out`` is resized to
    the result's shape, as PyTorch does, any other shape mismatch is an error. As in PyTorch, out= is not
    differentiable: with grad mode on, an input (or out) that requires grad is an error. ``out`` may be a
    tuple of tensors for a tuple result (``max(x, dim, out=(values, indices))``)."""
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{op or 'out='}: out= must be a tuple of {len(result)} tensors for this call, got "
                            f"{type(out).__name__}")
        vals = [write_out(r, o, op) for r, o in zip(result, out)]
        return type(result)(*vals) if hasattr(result, "_fields") else tuple(vals)   # a namedtuple or a tuple
    if not isinstance(out, Tensor):
        raise TypeError(f"{op or 'out='}: out= must be a Tensor, got {type(out).__name__}")
    from ..autograd import grad_mode
    if grad_mode._state.enabled and (result.requires_grad or out.requires_grad):
        name = op or type(result.grad_fn).__name__.lower()
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           f"but one of the arguments requires grad.")
    if result.dtype != out.dtype and not _np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"{op or 'out='}: result type {result.dtype} can't be cast to the desired output type "
                           f"{out.dtype}")
    if out.shape != result.shape:
        if out._data.size:
            raise RuntimeError(f"out=: the result has shape {shape_str(result.shape)} but out has shape "
                               f"{shape_str(out.shape)}")
        out._data = out.xp.empty(result.shape, out.dtype)
    from . import copy_
    return copy_(out, result)


class FloatOnlyError(TypeError, NotImplementedError):
    """A floating-point-only op given an integer or bool tensor. PyTorch raises NotImplementedError ("... not
    implemented for 'Long'") or RuntimeError, both of which this is, and it stays a TypeError for code that
    caught gpugrad's earlier error."""
