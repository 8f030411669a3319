"""Evenly spaced values beyond ``arange``/``linspace``: ``logspace`` (powers of a base) and PyTorch's deprecated
``range`` (``end`` included). This module defines ``range``: Python's builtin is ``builtins.range`` here."""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from . import _dtype
from .backend import device_context
from .factories import _xp_dev, _finish, _float_dtype
from .tensor import Tensor

__all__ = ["logspace", "range"]


def _number(v):
    return v.item() if isinstance(v, Tensor) else v


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """``steps`` values from ``base ** start`` to ``base ** end``, the exponents evenly spaced, as
    ``torch.logspace``. An integer dtype truncates ``start`` and ``end`` to ints first, as PyTorch does.

    Args:
        start: the first exponent (a number or a 0-d tensor).
        end: the last exponent.
        steps: the number of values (>= 0).
        base: the base.
        out: an optional tensor the result is written into (returned).
        dtype: the dtype (default: the default float dtype).
        layout: PyTorch's layout: None or ``gpugrad.strided``.
        device: where to create it.
        requires_grad: make the result a leaf that requires grad.
        pin_memory: accepted and ignored, as by the other factories.

    Returns:
        A 1-D tensor.

    >>> import gpugrad as gg
    >>> gg.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    >>> gg.logspace(0, 3, 4, base=2)
    tensor([1., 2., 4., 8.])
    """
    start, end = _number(start), _number(end)
    if isinstance(steps, builtins.bool) or not isinstance(steps, (builtins.int, np.integer)):
        raise TypeError(f"logspace(): steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"logspace({start}, {end}, {steps}): number of steps must be non-negative")
    dt = _float_dtype(dtype) if dtype is None or _dtype.as_dtype(dtype).kind == "f" else _dtype.as_dtype(dtype)
    xp, dev = _xp_dev(device)
    # the exponents as PyTorch computes them: in the dtype (integers: from int start and end), the first half
    # counted from start and the second from end, so both ends are exact
    work = np.dtype(dt if dt.kind == "f" and dt.itemsize >= 4 else np.float64)
    if dt.kind in "iub":
        start, end = builtins.int(start), builtins.int(end)
    with device_context(dev):
        if steps == 1:
            arr = xp.full((1,), float(base) ** start, dtype=np.float64)
        else:
            i = xp.arange(steps, dtype=work)
            s, e = work.type(start), work.type(end)
            step = (e - s) / work.type(max(steps - 1, 1))
            exps = xp.where(i < steps // 2, s + step * i, e - step * (steps - i - 1))
            arr = xp.power(float(base), exps.astype(np.float64))
        arr = arr.astype(dt)
    return _finish(arr, xp, requires_grad, "logspace", out, layout)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Deprecated, as in PyTorch (a UserWarning says so; use :func:`gpugrad.arange`): the values from ``start``
    to ``end`` *included* by ``step``, ``floor((end - start) / step) + 1`` of them, in the default float dtype
    even for int arguments.

    Args:
        start: the first value.
        end: the last value (included when the steps reach it); required.
        step: the spacing (non-zero, with the sign of ``end - start``).
        out: an optional tensor the result is written into (returned).
        dtype: the dtype (default: the default float dtype).
        layout: PyTorch's layout: None or ``gpugrad.strided``.
        device: where to create it.
        requires_grad: make the result a leaf that requires grad.
        pin_memory: accepted and ignored, as by the other factories.

    Returns:
        A 1-D tensor.

    >>> import warnings, gpugrad as gg
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.range(1, 4)
    tensor([1., 2., 3., 4.])
    """
    if end is None:
        raise TypeError("range() missing 1 required positional argument: 'end' (gpugrad.range includes end; "
                        "gpugrad.arange(n) counts 0..n-1)")
    warnings.warn("gpugrad.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use gpugrad.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError(f"range({start}, {end}, {step}): step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError(f"range({start}, {end}, {step}): upper bound and lower bound inconsistent with step sign")
    dt = _float_dtype(dtype) if dtype is None or _dtype.as_dtype(dtype).kind == "f" else _dtype.as_dtype(dtype)
    n = builtins.int(math.floor((end - start) / step)) + 1
    xp, dev = _xp_dev(device)
    with device_context(dev):
        arr = (start + xp.arange(n, dtype=np.float64) * step).astype(dt)
    return _finish(arr, xp, requires_grad, "range", out, layout)
