"""What PyTorch says about dtypes and types: ``finfo``/``iinfo`` (a dtype's limits), ``promote_types``,
``result_type`` and ``can_cast`` (PyTorch's promotion rules, which differ from NumPy's), ``is_complex``,
``is_nonzero``, ``typename`` and ``is_storage``.

gpugrad's dtypes stand for NumPy's, so the numbers come from ``numpy.finfo``/``numpy.iinfo`` (``ml_dtypes.finfo``
for bfloat16); the rules are PyTorch's (c10/core/ScalarType.h, ATen's ``result_type``).
"""
from __future__ import annotations

import builtins

import numpy as np

from . import _dtype

__all__ = ["finfo", "iinfo", "promote_types", "result_type", "can_cast", "is_complex", "is_nonzero", "typename",
           "is_storage"]


def _as_dtype(d, who):
    """A dtype argument as PyTorch's parser reads it: a dtype, or Python's float/int/bool/complex (float is
    float64, as ``torch.finfo(float)``); a string is refused, as in PyTorch."""
    if d is builtins.float:
        return _dtype.float64
    if d is builtins.complex:
        return np.dtype(np.complex128)
    if isinstance(d, str) or d is None:
        raise TypeError(f"{who}: argument must be a dtype (e.g. gpugrad.float32), not {type(d).__name__}")
    return _dtype.as_dtype(d)


def _is_bfloat16(dt):
    return dt.kind == "V" and dt.name == "bfloat16"


def _category(dt):
    """0 bool, 1 integer, 2 floating (bfloat16 included), 3 complex: PyTorch's promotion categories."""
    if dt.kind == "b":
        return 0
    if dt.kind in "ui":
        return 1
    if dt.kind == "c":
        return 3
    if _dtype.is_float(dt):
        return 2
    raise TypeError(f"dtype {dt} has no PyTorch promotion category")


def _fmt(v):
    return f"{v:g}"


class finfo:
    """The limits of a floating point dtype, as ``torch.finfo``.

    Attributes: ``bits``, ``eps`` (the gap between 1.0 and the next number), ``max``, ``min``, ``tiny`` and
    ``smallest_normal`` (the smallest positive normal number), ``resolution`` (10 ** -decimal digits) and
    ``dtype`` (its name, a string, as PyTorch's). A complex dtype gives the limits of its real part.

    Args:
        type: a floating (or complex) dtype; default: :func:`gpugrad.get_default_dtype`. Python's ``float`` is
            float64, as in PyTorch. Integer dtypes raise TypeError (use :class:`iinfo`).

    >>> import gpugrad as gg
    >>> gg.finfo(gg.float32).eps
    1.1920928955078125e-07
    >>> gg.finfo(gg.float16)
    finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)
    """

    def __init__(self, type=None):
        dt = _dtype.get_default_dtype() if type is None else _as_dtype(type, "finfo()")
        if _is_bfloat16(dt):
            import ml_dtypes
            info = ml_dtypes.finfo(dt)
        elif dt.kind in "fc":
            info = np.finfo(dt)
        else:
            raise TypeError(f"finfo(): {dt} is not a floating point dtype (use gpugrad.iinfo for integer dtypes)")
        self.bits = int(info.bits)
        self.eps, self.max, self.min = builtins.float(info.eps), builtins.float(info.max), builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)      # (ml_dtypes rounds bfloat16's to 0.0100098)
        self.dtype = "bfloat16" if _is_bfloat16(dt) else np.dtype(info.dtype).name

    def __repr__(self):
        return (f"finfo(resolution={_fmt(self.resolution)}, min={_fmt(self.min)}, max={_fmt(self.max)}, "
                f"eps={_fmt(self.eps)}, smallest_normal={_fmt(self.smallest_normal)}, tiny={_fmt(self.tiny)}, "
                f"dtype={self.dtype})")

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))


class iinfo:
    """The limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``max``, ``min`` (ints) and ``dtype`` (its
    name, a string).

    Args:
        type: an integer dtype (Python's ``int`` is int64). Floating dtypes and bool raise TypeError.

    >>> import gpugrad as gg
    >>> gg.iinfo(gg.uint8).max, gg.iinfo(gg.int32)
    (255, iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32))
    """

    def __init__(self, type):
        dt = _as_dtype(type, "iinfo()")
        if dt.kind == "b":
            raise TypeError("iinfo(): bool is not supported by iinfo")
        if dt.kind not in "ui":
            raise TypeError(f"iinfo(): {dt} is not an integer dtype (use gpugrad.finfo for floating dtypes)")
        info = np.iinfo(dt)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), int(info.min), dt.name

    def __repr__(self):
        return f"iinfo(min={_fmt(builtins.float(self.min))}, max={_fmt(builtins.float(self.max))}, dtype={self.dtype})"

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))


def _promote(a, b):
    """PyTorch's promotion table for two dtypes (``promote_types``)."""
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if max(ca, cb) < 2 and (_unsigned_wide(a) or _unsigned_wide(b)):     # bool with uint16/32/64
            _refuse_unsigned(a, b)
        # complex beside floating: the complex of the wider of the two (complex64 with float64: complex128)
        return np.promote_types(hi, lo) if _category(hi) == 3 and not _is_bfloat16(lo) else hi
    if ca == 1:
        if _unsigned_wide(a) or _unsigned_wide(b):
            _refuse_unsigned(a, b)
        return np.promote_types(a, b)
    if ca == 2 and (_is_bfloat16(a) or _is_bfloat16(b)):
        other = b if _is_bfloat16(a) else a
        return _dtype.float32 if other == _dtype.float16 else other
    return np.promote_types(a, b)


def _unsigned_wide(dt):
    return dt.kind == "u" and dt.itemsize > 1


def _refuse_unsigned(a, b):
    """PyTorch's error for promoting uint16/uint32/uint64 with another integer or bool dtype."""
    raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                       f"{_dtype.scalar_type_name(a)} and {_dtype.scalar_type_name(b)}")


def check_unsigned(a, b):
    """Raise PyTorch's RuntimeError when two different integer/bool dtypes ``a`` and ``b`` include uint16,
    uint32 or uint64 (PyTorch refuses to promote them); anything else passes."""
    if a != b and (_unsigned_wide(a) or _unsigned_wide(b)) and a.kind in "biu" and b.kind in "biu":
        _refuse_unsigned(a, b)


def promote_types(type1, type2):
    """The smallest dtype both dtypes convert to without losing their kind, by PyTorch's table (not NumPy's:
    int64 with float16 is float16, bfloat16 with float16 is float32).

    Args:
        type1: a dtype.
        type2: a dtype.

    Returns:
        A dtype.

    >>> import gpugrad as gg
    >>> gg.promote_types(gg.int64, gg.float16), gg.promote_types(gg.uint8, gg.int8)
    (gpugrad.float16, gpugrad.int16)
    """
    return _dtype.wrap(_promote(_as_dtype(type1, "promote_types()"), _as_dtype(type2, "promote_types()")))


def _default_complex():
    return np.dtype(np.complex128) if _dtype.get_default_dtype() == _dtype.float64 else np.dtype(np.complex64)


def _to_complex(dt):
    return np.dtype(np.complex128) if dt == _dtype.float64 else np.dtype(np.complex64)


def _combine(higher, lower):
    """ATen's ``combine_categories``: the result of a higher-priority group (dimensioned tensors, then 0-d
    tensors, then Python numbers) beside a lower one. The lower group counts only when its category is higher
    (and bool yields to anything)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(higher) == 3:
        return higher
    if _category(lower) == 3:
        return _to_complex(higher) if _category(higher) == 2 else lower
    if _category(higher) == 2:
        return higher
    if higher.kind == "b" or _category(lower) == 2:
        return _promote(higher, lower)
    return higher


def _operand_dtype(x, who):
    from .tensor import Tensor
    if isinstance(x, Tensor):
        return ("dim" if x.ndim else "zero"), x.dtype
    if isinstance(x, (builtins.bool, np.bool_)):
        return "number", _dtype.bool_
    if isinstance(x, (builtins.int, np.integer)):
        return "number", _dtype.int64
    if isinstance(x, (builtins.float, np.floating)):
        return "number", _dtype.get_default_dtype()
    if isinstance(x, (builtins.complex, np.complexfloating)):
        return "number", _default_complex()
    raise TypeError(f"{who}: expected Tensors or numbers, got {type(x).__name__}")


def result_type(tensor, other):
    """The dtype an arithmetic op on ``tensor`` and ``other`` gives, by PyTorch's rules: tensors with dims
    decide; a 0-d tensor, then a Python number, counts only when its category (bool < integer < floating <
    complex) is higher, a Python float then giving the default dtype.

    Args:
        tensor: a Tensor or a number.
        other: a Tensor or a number.

    Returns:
        A dtype.

    >>> import gpugrad as gg
    >>> gg.result_type(gg.tensor([1, 2], dtype=gg.int32), 1.0)
    gpugrad.float32
    >>> gg.result_type(gg.tensor([1.0]), gg.tensor(1.0, dtype=gg.float64))
    gpugrad.float32
    """
    groups = {"dim": None, "zero": None, "number": None}
    for x in (tensor, other):
        group, dt = _operand_dtype(x, "result_type()")
        groups[group] = dt if groups[group] is None else _promote(groups[group], dt)
    return _dtype.wrap(_combine(groups["dim"], _combine(groups["zero"], groups["number"])))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` where an op writes a result (``out=``, in-place):
    never to a lower category (complex to real, floating to integer, non-bool to bool); any width within one.

    Args:
        from_: the source dtype.
        to: the target dtype.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.can_cast(gg.float64, gg.float16), gg.can_cast(gg.float32, gg.int32), gg.can_cast(gg.int32, gg.bool)
    (True, False, False)
    """
    a, b = _as_dtype(from_, "can_cast()"), _as_dtype(to, "can_cast()")
    return _category(a) <= _category(b)


def _tensor_arg(input, who):
    from .tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: argument 'input' must be a Tensor, not {type(input).__name__}")
    return input


def is_complex(input):
    """Whether ``input``'s dtype is a complex one, as ``torch.is_complex``.

    Args:
        input: a Tensor.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_complex(gg.ones(2))
    False
    """
    return _tensor_arg(input, "is_complex()").dtype.kind == "c"


def is_nonzero(input):
    """Whether a one-element tensor is non-zero (``bool(input)``), as ``torch.is_nonzero``: a tensor of
    several elements or of none is an error (RuntimeError).

    Args:
        input: a Tensor of one element.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_nonzero(gg.tensor([1.5])), gg.is_nonzero(gg.tensor(0))
    (True, False)
    """
    t = _tensor_arg(input, "is_nonzero()")
    if t.numel() != 1:
        what = "no values" if t.numel() == 0 else "more than one value"
        raise RuntimeError(f"is_nonzero(): Boolean value of Tensor with {what} is ambiguous (shape "
                           f"{tuple(t.shape)})")
    return builtins.bool(t.item())


def typename(obj):
    """The type of ``obj`` as PyTorch names it: ``'torch.FloatTensor'`` for a float32 CPU tensor
    (``'torch.cuda.FloatTensor'`` on a GPU, as :meth:`Tensor.type`), else the object's class as
    ``module.QualName`` (a builtin's bare name; gpugrad's classes keep their gpugrad module path).

    Args:
        obj: anything.

    Returns:
        A string.

    >>> import gpugrad as gg
    >>> gg.typename(gg.ones(2)), gg.typename(gg.tensor([1])), gg.typename(1)
    ('torch.FloatTensor', 'torch.LongTensor', 'int')
    """
    from .tensor import Tensor
    if isinstance(obj, Tensor):
        return obj.type()
    cls = obj if isinstance(obj, type) else type(obj)
    module = getattr(cls, "__module__", "") or ""
    if module in ("builtins", "__builtin__"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def is_storage(obj):
    """Whether ``obj`` is a storage object. gpugrad has no storage objects (a tensor's memory is its NumPy or
    CuPy array), so this is False for everything, tensors included (as PyTorch says for a tensor).

    Args:
        obj: anything.

    Returns:
        False.

    >>> import gpugrad as gg
    >>> gg.is_storage(gg.ones(2))
    False
    """
    return False
