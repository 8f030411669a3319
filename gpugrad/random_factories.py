"""Random tensors from gpugrad's generators (``rand``, ``randn``, ``randint``, ``randperm``) and
``manual_seed``, which seeds them all."""
from __future__ import annotations

import numpy as np

from . import _dtype
from . import backend as _backend
from .backend import device_of, device as _parse_device
from .factories import _xp_dev, _finish, _shape, _float_dtype

__all__ = ["manual_seed", "rand", "randn", "randint", "randperm"]


def manual_seed(seed: int):
    """Seed every generator gpugrad uses (the CPU's and each CUDA device's).

    Args:
        seed: an int.

    Returns:
        The CPU generator (a ``numpy.random.Generator``), as PyTorch returns its generator.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0); a = gg.randn(3)
    >>> _ = gg.manual_seed(0); b = gg.randn(3)
    >>> gg.equal(a, b)
    True
    """
    return _backend.manual_seed(seed)


def _generator(xp, like=None):
    """The generator of ``like``'s device (or, without it, of the CPU or the current CUDA device)."""
    if like is not None:
        return _backend.generator(device_of(like))
    return _backend.generator(_backend.cpu if xp is np else _parse_device("cuda"))


def _gen(generator, dev, op):
    """The generator to draw from: ``generator=`` (a ``gpugrad.Generator`` or NumPy generator, for CPU tensors)
    or gpugrad's generator of ``dev``."""
    if generator is None:
        return _backend.generator(dev)
    if dev.type != "cpu":
        raise NotImplementedError(f"{op}: generator= is for CPU tensors; on {dev} seed gpugrad's generators with "
                                  f"gpugrad.manual_seed")
    return generator


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """Uniform samples in [0, 1) from gpugrad's generator (see :func:`manual_seed`).

    Args:
        *args: the shape, as ints or one tuple.
        dtype: the dtype (default: the default float dtype).
        device: where to create it (default: the default device).
        requires_grad: record operations on it for autograd.
        size: the shape, by PyTorch's keyword (instead of positional sizes).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from instead of gpugrad's
            seeded one (CPU tensors only).
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)
    >>> x = gg.rand(1000)
    >>> 0.0 <= x.min().item() and x.max().item() < 1.0
    True
    """
    xp, dev = _xp_dev(device)
    dt = _float_dtype(dtype)
    draw = np.float64 if dt == np.float16 else dt       # the generators draw float32 and float64 only
    shape = _shape(args if size is None else (size,), "rand")
    arr = _gen(generator, dev, "rand").random(shape, dtype=draw).astype(dt, copy=False)
    return _finish(arr, xp, requires_grad, "rand", out, layout)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Standard normal samples from gpugrad's generator (see :func:`manual_seed`).

    Args:
        *args: the shape, as ints or one tuple.
        dtype: the dtype (default: the default float dtype).
        device: where to create it (default: the default device).
        requires_grad: record operations on it for autograd.
        size: the shape, by PyTorch's keyword (instead of positional sizes).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from instead of gpugrad's
            seeded one (CPU tensors only).
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)
    >>> abs(gg.randn(10000).mean().item()) < 0.05
    True
    """
    xp, dev = _xp_dev(device)
    dt = _float_dtype(dtype)
    draw = np.float64 if dt == np.float16 else dt
    shape = _shape(args if size is None else (size,), "randn")
    arr = _gen(generator, dev, "randn").standard_normal(shape, dtype=draw).astype(dt, copy=False)
    return _finish(arr, xp, requires_grad, "randn", out, layout)


def randint(low=0, high=None, size=(), dtype=None, device=None, *, generator=None, out=None, layout=None,
            requires_grad=False, pin_memory=False):
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``, as PyTorch.

    Args:
        low: the lower bound (or the upper one, as ``randint(high, size)``).
        high: the upper bound, excluded.
        size: the shape (a tuple).
        dtype: the dtype (default int64).
        device: where to create it.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from instead of gpugrad's
            seeded one (CPU tensors only).
        requires_grad: must be False (integers take no gradient), as in PyTorch.
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A new integer tensor.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)
    >>> x = gg.randint(0, 10, (1000,))
    >>> 0 <= x.min().item() and x.max().item() < 10, str(x.dtype)
    (True, 'gpugrad.int64')
    """
    if isinstance(high, (tuple, list)):     # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"randint(low={low}, high={high}): expected low < high (values are drawn from "
                           f"[low, high))")
    xp, dev = _xp_dev(device)
    dt = _dtype.as_dtype(dtype) or _dtype.int64
    size = _shape((size,) if isinstance(size, int) else tuple(size), "randint")
    arr = _gen(generator, dev, "randint").integers(low, high, size=size, dtype=dt)
    return _finish(arr, xp, requires_grad, "randint", out, layout)


def randperm(n, dtype=None, device=None, *, generator=None, out=None, layout=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of 0..n-1.

    Args:
        n: the length.
        dtype: the dtype (default int64).
        device: where to create it.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from instead of gpugrad's
            seeded one (CPU tensors only).
        requires_grad: record operations on it (a float dtype only).
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A 1-D tensor.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)
    >>> sorted(gg.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    xp, dev = _xp_dev(device)
    dt = _dtype.as_dtype(dtype) or _dtype.int64
    arr = _gen(generator, dev, "randperm").permutation(n).astype(dt)
    return _finish(arr, xp, requires_grad, "randperm", out, layout)


def cpu_generator():
    """The NumPy generator behind gpugrad's CPU random numbers (seeded by :func:`manual_seed`)."""
    return _backend.cpu_generator()
