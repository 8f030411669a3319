"""dtypes: :class:`dtype` objects as PyTorch's (``gpugrad.float32`` prints as ``gpugrad.float32`` and has
``is_floating_point``, ``is_complex``, ``is_signed``, ``itemsize``), each standing for one NumPy dtype (CuPy
shares NumPy's). NumPy and CuPy take one wherever they take a dtype (NumPy 2.4 through ``__numpy_dtype__``,
CuPy and older NumPy through ``.dtype``, the NumPy dtype), and it equals and hashes as that NumPy dtype, so ``x.dtype == gpugrad.float32`` and ``x.dtype == numpy.float32`` both
hold and either finds the other in a dict.

    >>> import gpugrad as gg, numpy as np
    >>> gg.float32, gg.float32.is_floating_point, gg.int64.is_signed, gg.float16.itemsize
    (gpugrad.float32, True, True, 2)
    >>> gg.float32 == np.float32, np.zeros(2, gg.float64).dtype
    (True, dtype('float64'))
"""
import numpy as np


class dtype:
    """A tensor's element type, as ``torch.dtype``: one per NumPy dtype (:func:`wrap` returns the same object
    each time), printed as ``gpugrad.<name>``.

    NumPy's dtype attributes (``kind``, ``name``, ``char``, ``type``...) are read through to the NumPy dtype, which
    ``.dtype`` (and NumPy 2.4's ``__numpy_dtype__``) returns: those are what make NumPy and CuPy accept this object
    as a dtype.

    Args:
        np_dtype: the NumPy dtype it stands for (build dtypes with :func:`wrap`, which keeps one per dtype).

    >>> import gpugrad as gg
    >>> gg.float64, str(gg.int32), gg.float32.to_complex(), gg.bool.is_signed
    (gpugrad.float64, 'gpugrad.int32', gpugrad.complex64, False)
    """

    __slots__ = ("dtype", "kind", "name", "char", "type", "num", "str")   # NumPy's, copied: read on hot paths

    def __init__(self, np_dtype):
        np_dtype = np.dtype(np_dtype)
        object.__setattr__(self, "dtype", np_dtype)
        for attr in self.__slots__[1:]:
            object.__setattr__(self, attr, getattr(np_dtype, attr))

    def __setattr__(self, name, value):
        raise AttributeError(f"gpugrad.dtype: {self!r} is immutable (setting {name!r})")

    def __getattr__(self, name):           # NumPy's other dtype attributes (byteorder, fields, descr...)
        if name.startswith("__") or name in ("shape", "ndim"):     # not array-like: no shape
            raise AttributeError(f"'gpugrad.dtype' object has no attribute {name!r}")
        return getattr(object.__getattribute__(self, "dtype"), name)

    @property
    def __numpy_dtype__(self):            # NumPy 2.4's dtype protocol (older NumPy and CuPy read .dtype)
        return self.dtype

    def __repr__(self):
        return f"gpugrad.{self.name}"

    __str__ = __repr__

    def __eq__(self, other):
        if other.__class__ is dtype:
            return self is other or self.dtype == other.dtype
        if isinstance(other, (np.dtype, type, str)):   # NumPy's dtypes, scalar types and names
            try:
                return self.dtype == other
            except TypeError:
                return False
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self.dtype)

    def __reduce__(self):
        return wrap, (self.dtype,)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    @property
    def is_floating_point(self):
        """Whether this is a floating-point dtype (bfloat16 included).

        >>> import gpugrad as gg
        >>> gg.float16.is_floating_point, gg.int64.is_floating_point
        (True, False)
        """
        return is_float(self.dtype)

    @property
    def is_complex(self):
        """Whether this is a complex dtype.

        >>> import gpugrad as gg
        >>> gg.complex64.is_complex, gg.float32.is_complex
        (True, False)
        """
        return self.dtype.kind == "c"

    @property
    def is_signed(self):
        """Whether values of this dtype can be negative (every floating and complex dtype, the signed ints).

        >>> import gpugrad as gg
        >>> gg.int8.is_signed, gg.uint8.is_signed, gg.float32.is_signed
        (True, False, True)
        """
        return self.dtype.kind in "ifc" or is_float(self.dtype)

    @property
    def itemsize(self):
        """Bytes per element.

        >>> import gpugrad as gg
        >>> gg.float64.itemsize, gg.bool.itemsize
        (8, 1)
        """
        return self.dtype.itemsize

    def to_real(self):
        """The real dtype of a complex one (complex64 -> float32); a real dtype is returned as it is.

        Returns:
            a dtype.

        >>> import gpugrad as gg
        >>> gg.complex128.to_real(), gg.float32.to_real()
        (gpugrad.float64, gpugrad.float32)
        """
        return wrap(np.empty(0, self.dtype).real.dtype) if self.dtype.kind == "c" else self

    def to_complex(self):
        """The complex dtype with this precision (float32 -> complex64); a complex dtype is returned as it is.

        Returns:
            a dtype; a RuntimeError for a dtype that is neither floating nor complex.

        >>> import gpugrad as gg
        >>> gg.float64.to_complex(), gg.complex64.to_complex()
        (gpugrad.complex128, gpugrad.complex64)
        """
        if self.dtype.kind == "c":
            return self
        if not is_float(self.dtype):
            raise RuntimeError(f"Unknown Complex ScalarType for {scalar_type_name(self)}")
        if self.dtype == np.float16:      # PyTorch: complex32, which NumPy (so gpugrad) does not hold
            raise RuntimeError("to_complex: float16's complex dtype is complex32, which gpugrad does not have")
        return complex128 if self.dtype == np.float64 else complex64


_WRAPPED = {}


def wrap(d):
    """The :class:`dtype` of NumPy dtype (or dtype-like) ``d``: one object per dtype."""
    try:
        return _WRAPPED[d]
    except (KeyError, TypeError):
        pass
    nd = np.dtype(d)
    w = _WRAPPED.get(nd)
    if w is None:
        w = _WRAPPED[nd] = dtype(nd)
    return w


float16 = half = wrap(np.float16)
float32 = float = wrap(np.float32)
float64 = double = wrap(np.float64)
int8 = wrap(np.int8)
uint8 = wrap(np.uint8)
int16 = wrap(np.int16)
int32 = wrap(np.int32)
int64 = long = wrap(np.int64)
uint16, uint32, uint64 = wrap(np.uint16), wrap(np.uint32), wrap(np.uint64)   # torch's "limited support" ones
bool_ = wrap(np.bool_)
complex64 = cfloat = wrap(np.complex64)
complex128 = cdouble = wrap(np.complex128)

_default_float = [float32]

#: PyTorch's scalar-type names (its C++ ScalarType), which its messages print: "Float", "Long"...
_SCALAR_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "bfloat16": "BFloat16",
                      "int8": "Char", "uint8": "Byte", "int16": "Short", "int32": "Int", "int64": "Long",
                      "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "bool": "Bool",
                      "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def scalar_type_name(d) -> str:
    """PyTorch's scalar-type name of dtype ``d`` ("Float" for float32...), as its error messages print it; a
    dtype PyTorch lacks gives NumPy's name.

    >>> scalar_type_name(float32), scalar_type_name(bool_)
    ('Float', 'Bool')
    """
    name = np.dtype(d).name
    return _SCALAR_TYPE_NAMES.get(name, name)

_NAMES = {"float16": float16, "half": float16, "float32": float32, "float": float32, "float64": float64,
          "double": float64, "int8": int8, "uint8": uint8, "int16": int16, "int32": int32, "int64": int64,
          "long": int64, "bool": bool_, "uint16": uint16, "uint32": uint32, "uint64": uint64,
          "complex64": complex64, "complex128": complex128}


def is_float(dt) -> bool:
    """Whether ``dt`` is a floating-point dtype: NumPy's (kind "f") or ml_dtypes' bfloat16 and float8 kinds
    (which NumPy reports as kind "V")."""
    return dt.kind == "f" or (dt.kind == "V" and dt.name.startswith(("bfloat16", "float8")))


def is_float_or_complex(dt) -> bool:
    """Whether tensors of ``dt`` can require gradients: floating (bfloat16 and float8 included) or complex."""
    return dt.kind in "fc" or is_float(dt)


def as_dtype(d):
    """Accept a dtype, a NumPy dtype or scalar type, a Python type or a name; return a :class:`dtype`."""
    if d is None:
        return None
    if d.__class__ is dtype:
        return d
    if isinstance(d, str):
        try:
            return _NAMES[d]
        except KeyError:
            raise TypeError(f"unknown dtype {d!r}; expected one of {sorted(_NAMES)}") from None
    if d is builtins_float:          # Python's float is a double, whatever the default dtype (as in PyTorch)
        return float64
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool_
    return wrap(d)


import builtins as _b  # noqa: E402

builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool


def is_floating(dt) -> bool:
    return dt.kind == "f"


def get_default_dtype():
    """The dtype that factories and Python floats give (float32 unless changed).

    Returns:
        A dtype.

    >>> import gpugrad as gg
    >>> gg.get_default_dtype()
    gpugrad.float32
    """
    return _default_float[0]


def set_default_dtype(d):
    """Set the default floating dtype (``gg.float32`` or ``gg.float64``), as ``torch.set_default_dtype``.

    Args:
        d: the dtype.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.set_default_dtype(gg.float64)
    >>> gg.tensor(1.5).dtype
    gpugrad.float64
    >>> gg.set_default_dtype(gg.float32)
    """
    d = as_dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_float[0] = d
