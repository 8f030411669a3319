"""More of PyTorch's process-wide switches: ``set_flush_denormal`` (the CPU's flush-to-zero and
denormals-are-zero modes, set through the C library's floating-point environment), ``set_warn_always`` /
``is_warn_always_enabled`` (whether gpugrad's once-per-process warnings repeat) and ``init_num_threads``.

>>> import gpugrad as gg
>>> gg.is_warn_always_enabled()
False
"""
from __future__ import annotations

import ctypes
import ctypes.util
import platform
import sys
import warnings

__all__ = ["set_flush_denormal", "set_warn_always", "is_warn_always_enabled", "init_num_threads", "warn_once"]

_warn_always = [False]
_warned = set()


def _check_bool(who, value):
    if not isinstance(value, bool):
        raise RuntimeError(f"{who} expects a bool, but got {type(value).__name__}")


def set_warn_always(b):
    """Make gpugrad's once-per-process warnings (those PyTorch gives once with ``TORCH_WARN_ONCE``, such as the
    deprecation of ``frobenius_norm``) appear every time, as ``torch.set_warn_always``. Python's own warning
    filters still apply on top (its default shows a warning once per calling line).

    Args:
        b: True: warn every time; False (the default): once per process.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.set_warn_always(True); gg.is_warn_always_enabled()
    True
    >>> gg.set_warn_always(False)
    """
    _check_bool("setWarnOnlyOnce", b)
    _warn_always[0] = b


def is_warn_always_enabled():
    """Whether :func:`set_warn_always` is on (PyTorch's ``torch.is_warn_always_enabled``).

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_warn_always_enabled()
    False
    """
    return _warn_always[0]


def warn_once(key, message, category=UserWarning, stacklevel=3):
    """Warn ``message`` the first time ``key`` is met in this process, or every time after
    ``set_warn_always(True)`` (PyTorch's ``TORCH_WARN_ONCE``); ``stacklevel`` as in ``warnings.warn`` from the
    caller of this function's caller.

    >>> from gpugrad._runtime_flags import warn_once
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_once("doc-example", "once"); warn_once("doc-example", "once")
    >>> len(w)
    1
    """
    if _warn_always[0] or key not in _warned:
        _warned.add(key)
        warnings.warn(message, category, stacklevel=stacklevel)


# -- flush denormals ----------------------------------------------------------------------------------------------
# glibc's fenv_t holds the SSE control register: on x86-64 fenv_t is 32 bytes, MXCSR the 4 at byte 28 (FTZ is
# bit 15, DAZ bit 6); on AArch64 fenv_t is (FPCR, FPSR), FZ is FPCR's bit 24. fegetenv/fesetenv read and
# load the whole register for the calling thread (threads it starts afterwards inherit it).
_FENV = {"x86_64": (32, 28, 0x8040), "AMD64": (32, 28, 0x8040), "aarch64": (8, 0, 1 << 24),
         "arm64": (8, 0, 1 << 24)}


def _libm():
    if not sys.platform.startswith("linux"):       # another C library's fenv_t has another layout
        return None
    name = ctypes.util.find_library("m")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def set_flush_denormal(mode):
    """Treat denormal (subnormal) floats as zero on the CPU, as ``torch.set_flush_denormal``: on x86-64 the
    calling thread's MXCSR gets flush-to-zero and denormals-are-zero, on AArch64 its FPCR the FZ bit (threads
    started afterwards inherit the mode). NumPy's CPU arithmetic on that thread then flushes denormals
    (``1e-310 * 1.0 == 0``); a GPU is not affected. Where the mode cannot be set (another CPU, a C library
    other than glibc) it returns False and changes nothing, as PyTorch does on an unsupported CPU.

    Args:
        mode: True to flush denormals to zero, False for IEEE gradual underflow (the default).

    Returns:
        True if the mode was set, else False.

    >>> import gpugrad as gg
    >>> if gg.set_flush_denormal(True):
    ...     print(gg.tensor([1e-310], dtype=gg.float64) * 1.0)
    ... else:
    ...     print(gg.tensor([0.0], dtype=gg.float64))
    tensor([0.], dtype=gpugrad.float64)
    >>> _ = gg.set_flush_denormal(False)
    """
    _check_bool("flush_denormal", mode)
    layout = _FENV.get(platform.machine())
    libm = _libm() if layout else None
    if libm is None:
        return False
    size, offset, bits = layout
    env = (ctypes.c_uint8 * max(size, 64))()         # (room to spare: fegetenv writes sizeof(fenv_t) bytes)
    if libm.fegetenv(env) != 0:
        return False
    reg = int.from_bytes(bytes(env[offset:offset + 4]), "little")
    reg = reg | bits if mode else reg & ~bits
    env[offset:offset + 4] = list(reg.to_bytes(4, "little"))
    return libm.fesetenv(env) == 0


def init_num_threads():
    """Give the calling thread the CPU thread count set by :func:`gpugrad.set_num_threads`, as
    ``torch.init_num_threads``: call it in a thread started after ``set_num_threads``. Numba's kernel
    thread count is per thread (the BLAS's is process-wide and needs nothing).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.init_num_threads()
    """
    if "numba" not in sys.modules:        # nothing has run a Numba kernel: nothing to propagate
        return None
    from ._runtime import get_num_threads
    numba = sys.modules["numba"]
    numba.set_num_threads(min(get_num_threads(), numba.config.NUMBA_NUM_THREADS))
    return None
