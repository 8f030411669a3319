"""dtypes: gpugrad uses NumPy's dtype objects (CuPy shares them), so ``x.dtype == gpugrad.float32`` and
``x.dtype == numpy.float32`` both hold."""
import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint16, uint32, uint64 = np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64)   # torch's "limited support" ones
bool_ = np.dtype(np.bool_)

_default_float = [float32]

_NAMES = {"float16": float16, "half": float16, "float32": float32, "float": float32, "float64": float64,
          "double": float64, "int8": int8, "uint8": uint8, "int16": int16, "int32": int32, "int64": int64,
          "long": int64, "bool": bool_, "uint16": uint16, "uint32": uint32, "uint64": uint64}


def is_float(dt) -> bool:
    """Whether ``dt`` is a floating-point dtype: NumPy's (kind "f") or ml_dtypes' bfloat16 and float8 kinds
    (which NumPy reports as kind "V")."""
    return dt.kind == "f" or (dt.kind == "V" and dt.name.startswith(("bfloat16", "float8")))


def is_float_or_complex(dt) -> bool:
    """Whether tensors of ``dt`` can require gradients: floating (bfloat16 and float8 included) or complex."""
    return dt.kind in "fc" or is_float(dt)


def as_dtype(d):
    """Accept a NumPy dtype, a NumPy scalar type, a Python type or a name; return a NumPy dtype."""
    if d is None:
        return None
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
    return np.dtype(d)


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
    dtype('float32')
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
    dtype('float64')
    >>> gg.set_default_dtype(gg.float32)
    """
    d = as_dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_float[0] = d
