"""PyTorch's process-wide switches, mapped onto what gpugrad has: the CPU thread counts
(``set_num_threads``: NumPy's BLAS through threadpoolctl and Numba's threads), the deterministic-algorithms
flag (recorded), ``compile`` (the model unchanged) and ``get_default_device``."""
from __future__ import annotations

import builtins
import os
import sys

from .backend import default_device

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads", "get_num_interop_threads",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode", "compile", "get_default_device"]


def _positive(who, n):
    if isinstance(n, builtins.bool) or not isinstance(n, builtins.int):
        raise RuntimeError(f"{who} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{who} expects a positive integer, got {n}")
    return n


def set_num_threads(int):
    """Run gpugrad's parallel CPU work on ``int`` threads, as ``torch.set_num_threads``: NumPy's BLAS (through
    threadpoolctl, when it is installed and knows the BLAS) is fixed to that many threads, exactly as if
    gpugrad had started with ``GPUGRAD_BLAS_THREADS=int`` (so the per-matmul choice of one thread for small or
    busy matmuls stops, and a ``GPUGRAD_BLAS_THREADS`` set at start is overridden, ``0`` included), and Numba's
    kernels use ``min(int, NUMBA_NUM_THREADS)`` threads (Numba's setting holds for the calling thread, as
    Numba's own ``set_num_threads``).

    Args:
        int: the number of threads, a positive int (PyTorch's parameter name).

    Returns:
        None.

    (Skipped as a doctest: it would change the threads of the process running the doctests.)

    >>> import gpugrad as gg
    >>> gg.set_num_threads(1)       # doctest: +SKIP
    >>> gg.get_num_threads()        # doctest: +SKIP
    1
    """
    n = _positive("set_num_threads", int)
    from .kernels import _blas
    _blas.fix_threads(n)
    import numba
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def get_num_threads():
    """The number of threads gpugrad's parallel CPU work uses, as ``torch.get_num_threads``: the count given to
    :func:`set_num_threads` or ``GPUGRAD_BLAS_THREADS`` (when positive), else Numba's thread count (the
    cores, or ``NUMBA_NUM_THREADS``), which is also the most threads the BLAS gets for a large matmul.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.get_num_threads() >= 1
    True
    """
    from .kernels import _blas
    fixed = _blas.fixed_threads()
    if fixed:
        return fixed
    if "numba" in sys.modules:        # (importing Numba only to answer would cost a second)
        return sys.modules["numba"].get_num_threads()
    return builtins.int(os.environ.get("NUMBA_NUM_THREADS") or os.cpu_count() or 1)


_interop = [None]


def set_num_interop_threads(int):
    """Record the number of inter-op threads, as ``torch.set_num_interop_threads``. gpugrad runs ops one after
    the other (no inter-op pool), so nothing else changes; as in PyTorch, it may be called once per process.

    Args:
        int: a positive int (PyTorch's parameter name).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.get_num_interop_threads() >= 1
    True
    """
    n = _positive("set_num_interop_threads", int)
    if _interop[0] is not None:
        raise RuntimeError("set_num_interop_threads: cannot set the number of interop threads twice (PyTorch "
                           "allows one call, before parallel work starts)")
    _interop[0] = n


def get_num_interop_threads():
    """The number of inter-op threads recorded by :func:`set_num_interop_threads` (default: the CPU count, as
    PyTorch's default).

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> isinstance(gg.get_num_interop_threads(), int)
    True
    """
    return _interop[0] or os.cpu_count() or 1


_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record whether deterministic algorithms are asked for, as ``torch.use_deterministic_algorithms``.

    What it changes in gpugrad: nothing but the flags that :func:`are_deterministic_algorithms_enabled` and
    :func:`is_deterministic_algorithms_warn_only_enabled` report. gpugrad's CPU ops give the same bits on every
    run already; on CUDA, the gradients of indexing ops (``gather``, ``index_select``, ``embedding``, advanced
    indexing) sum repeated indices with atomic adds, whose order (and so the last bits of a float sum) can vary
    between runs: PyTorch refuses such ops in deterministic mode, gpugrad runs them.

    Args:
        mode: a bool.
        warn_only: a bool (PyTorch's: warn instead of raising on a nondeterministic op).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.use_deterministic_algorithms(True); gg.are_deterministic_algorithms_enabled()
    True
    >>> gg.use_deterministic_algorithms(False)
    """
    for name, v in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(v, builtins.bool):
            raise TypeError(f"use_deterministic_algorithms(): argument '{name}' must be bool, not {type(v).__name__}")
    _deterministic["mode"], _deterministic["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled():
    """Whether :func:`use_deterministic_algorithms` was last given True.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.are_deterministic_algorithms_enabled()
    False
    """
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether :func:`use_deterministic_algorithms` was last given ``warn_only=True``.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_deterministic_algorithms_warn_only_enabled()
    False
    """
    return _deterministic["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    """PyTorch's other spelling of :func:`use_deterministic_algorithms`: 0 or "default" (off), 1 or "warn"
    (warn_only), 2 or "error" (on).

    Args:
        debug_mode: 0, 1, 2 or "default", "warn", "error".

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.set_deterministic_debug_mode("warn"); gg.get_deterministic_debug_mode()
    1
    >>> gg.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if not isinstance(debug_mode, builtins.int) or isinstance(debug_mode, builtins.bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode).__name__}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """The deterministic mode as :func:`set_deterministic_debug_mode` numbers it.

    Returns:
        0 (off), 1 (warn only) or 2 (on).

    >>> import gpugrad as gg
    >>> gg.get_deterministic_debug_mode()
    0
    """
    if not _deterministic["mode"]:
        return 0
    return 1 if _deterministic["warn_only"] else 2


_MODES = (None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None, name=None,
            disable=False, recompile_limit=None, isolate_recompiles=False, shapes_spec=None):
    """``torch.compile``'s signature, compiling nothing: returns ``model`` itself (a module or function, the same
    object, so calls, ``state_dict`` keys and attributes are unchanged; PyTorch returns a wrapper whose
    ``state_dict`` keys start with ``_orig_mod.``). gpugrad runs eagerly; its speed comes from fused kernels,
    not graph capture. Without ``model``, a decorator (``@gpugrad.compile(mode=...)``).

    Args:
        model: a callable (module or function), or None for a decorator.
        fullgraph: accepted (PyTorch: fail on graph breaks).
        dynamic: accepted (PyTorch: dynamic shapes).
        backend: accepted (PyTorch: the compiler backend, a name or callable).
        mode: None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs" or "max-autotune" (checked as
            PyTorch does; else RuntimeError).
        options: a dict of backend options (not together with ``mode``, as in PyTorch).
        name: accepted (PyTorch: a name for the compiled region).
        disable: accepted (PyTorch: turn compile into a no-op, which it is here).
        recompile_limit: accepted (PyTorch's recompilation limit).
        isolate_recompiles: accepted (PyTorch: per-region recompilation limits).
        shapes_spec: accepted (PyTorch: shape specializations).

    Returns:
        ``model``, or a decorator that returns the function it decorates.

    >>> import gpugrad as gg
    >>> net = gg.nn.Linear(2, 1)
    >>> gg.compile(net, mode="max-autotune") is net
    True
    >>> @gg.compile(fullgraph=True)
    ... def f(x):
    ...     return x * 2
    >>> f(gg.ones(2))
    tensor([2., 2.])
    """
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(m for m in _MODES if m)}")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if model is None:
        return lambda fn: fn
    if not callable(model):         # (AssertionError: PyTorch's class for this error)
        raise AssertionError(f"compile: a callable (a module or a function) is expected, but {type(model)} is "
                             f"provided.")
    return model


def get_default_device():
    """The device that factories use when ``device=`` is not given, as ``torch.get_default_device`` (see
    :func:`gpugrad.set_default_device`).

    Returns:
        A device.

    >>> import gpugrad as gg
    >>> gg.get_default_device()
    device(type='cpu')
    """
    return default_device()
