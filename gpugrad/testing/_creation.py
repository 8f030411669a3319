"""``torch.testing.make_tensor``: a random tensor of a given shape, dtype and device for tests, with torch's
value ranges (floats uniform in [-9, 9), integers in [-9, 10), bool either) and options."""
from __future__ import annotations

import collections.abc
import math
import warnings

from .. import _dtype

__all__ = ["make_tensor"]


def _bounds(low, high, dtype, lowest, highest, default_low, default_high, integral):
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and not integral:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated "
                      "since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.", FutureWarning,
                      stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), but {dtype} only "
                         f"supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    return (math.ceil(low), math.ceil(high)) if integral else (low, high)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of random values for tests, as ``torch.testing.make_tensor``.

    Args:
        *shape: the sizes, as ints or one sequence.
        dtype: a floating, integer or bool dtype.
        device: where it lives.
        low: the smallest value (inclusive; default -9, clamped to the dtype's range).
        high: the bound above the values (exclusive; default 9 for floats, 10 for integers).
        requires_grad: make a floating result a leaf requiring grad (ValueError for integer and bool dtypes).
        noncontiguous: return a non-contiguous view (every other element of a tensor twice as wide).
        exclude_zero: replace zeros by 1 (integers, bool) or the dtype's smallest normal number (floats).
        memory_format: the memory format of a copy (exclusive with ``noncontiguous``).

    Returns:
        A Tensor of ``shape``.

    >>> import gpugrad as gg
    >>> t = gg.testing.make_tensor(2, 3, dtype=gg.float32, device="cpu", low=0, high=1)
    >>> t.shape, t.dtype, bool(((t >= 0) & (t < 1)).all())
    (gpugrad.Size([2, 3]), gpugrad.float32, True)
    """
    from .. import randint, rand, finfo, iinfo, no_grad
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    dtype = _dtype.as_dtype(dtype)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous} and memory_format={memory_format}")
    integral = dtype.kind in "biu"
    if requires_grad and integral:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got "
                         f"dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype.kind == "b":
        low, high = _bounds(low, high, dtype, 0, 2, 0, 2, True)
        result = randint(low, high, shape, device=device).to(dtype)
    elif integral:
        info = iinfo(dtype)
        low, high = _bounds(low, high, dtype, info.min, info.max + (1 if dtype != _dtype.int64 else 0), -9, 10, True)
        result = randint(low, high, shape, device=device, dtype=_dtype.int64).to(dtype)
    elif _dtype.is_float(dtype):
        info = finfo(dtype)
        low, high = _bounds(low, high, dtype, info.min, info.max, -9, 9, False)
        scale = 2.0 if high - low >= info.max else 1.0        # keep high - low finite in the dtype, as torch does
        u = rand(shape, device=device, dtype=_dtype.float64)
        result = ((u * ((high - low) / scale) + low / scale) * scale).to(dtype)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor(). To request "
                        f"support, file an issue at: https://github.com/pytorch/pytorch/issues")
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        with no_grad():
            result[result == 0] = 1 if integral else finfo(dtype).tiny
    if not integral:
        result.requires_grad_(requires_grad)
    return result
