"""``gpugrad.backends``: switches of the math libraries under gpugrad, named as PyTorch names them.

``gpugrad.backends.cuda.matmul.allow_tf32`` (default ``False``) lets cuBLAS run float32 matrix products on
TF32 tensor cores (Ampere and later GPUs): several times faster, with inputs rounded to a 10-bit mantissa
(relative error ~5e-4 per product instead of ~6e-8). Off, float32 GPU results and gradients agree with the
CPU's to float32 rounding; on, expect differences of order 1e-3 relative. The flag is process-wide, read by
every later matmul (``@``, ``linear``, their backward). Starting the process with ``CUPY_TF32=1`` turns it on
from the start. Details and how it reaches CuPy: :mod:`gpugrad.backend.cuda_state`.

>>> import gpugrad as gg
>>> gg.backends.cuda.matmul.allow_tf32
False
"""
from __future__ import annotations

from .backend import cuda_state as _state

__all__ = ["cuda", "cudnn", "mps", "set_float32_matmul_precision", "get_float32_matmul_precision"]


class _Matmul:
    """``gpugrad.backends.cuda.matmul``."""

    __slots__ = ()

    @property
    def allow_tf32(self) -> bool:
        return _state.matmul_tf32()

    @allow_tf32.setter
    def allow_tf32(self, on: bool) -> None:
        if not isinstance(on, bool):
            raise TypeError(f"backends.cuda.matmul.allow_tf32: expected a bool, got {type(on).__name__}")
        _state.set_matmul_tf32(on)

    def __repr__(self):
        return f"<gpugrad.backends.cuda.matmul allow_tf32={self.allow_tf32}>"


class _Cuda:
    """``gpugrad.backends.cuda``."""

    __slots__ = ()
    matmul = _Matmul()

    @staticmethod
    def is_built() -> bool:
        """True when CuPy is installed (whether or not a GPU answers)."""
        import importlib.util
        return importlib.util.find_spec("cupy") is not None


cuda = _Cuda()


class _Cudnn:
    """``gpugrad.backends.cudnn``: gpugrad calls no cuDNN (an MLP's ops are cuBLAS matmuls and its own
    kernels), so ``is_available()`` is False; the flags that seed-setting code writes (``deterministic``,
    ``benchmark``, ``enabled``, ``allow_tf32``) are kept and read back, as PyTorch's, and change nothing.

    >>> import gpugrad as gg
    >>> gg.backends.cudnn.deterministic = True
    >>> gg.backends.cudnn.benchmark, gg.backends.cudnn.is_available()
    (False, False)
    >>> gg.backends.cudnn.deterministic = False
    """

    def __init__(self):
        self.enabled, self.benchmark, self.deterministic, self.allow_tf32 = True, False, False, True

    @staticmethod
    def is_available() -> bool:
        """False: gpugrad does not use cuDNN.

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.backends.cudnn.is_available()
        False
        """
        return False

    @staticmethod
    def version():
        """None: gpugrad does not use cuDNN.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gg.backends.cudnn.version() is None
        True
        """
        return None


cudnn = _Cudnn()


class _Mps:
    """``gpugrad.backends.mps``: Apple's Metal backend is not one of gpugrad's devices, so the device-selection
    idiom ``"mps" if torch.backends.mps.is_available() else "cpu"`` picks the CPU.

    >>> import gpugrad as gg
    >>> gg.backends.mps.is_available()
    False
    """

    __slots__ = ()

    @staticmethod
    def is_available() -> bool:
        """False: no MPS device in gpugrad.

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.backends.mps.is_available()
        False
        """
        return False

    @staticmethod
    def is_built() -> bool:
        """False: gpugrad is not built for MPS.

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.backends.mps.is_built()
        False
        """
        return False


mps = _Mps()


def set_float32_matmul_precision(precision: str) -> None:
    """PyTorch's spelling of the same switch: ``'highest'`` (full float32, TF32 off) or ``'high'`` /
    ``'medium'`` (TF32 allowed).

    Args:
        precision: ``'highest'``, ``'high'`` or ``'medium'``.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.backends.set_float32_matmul_precision("high")
    >>> gg.backends.cuda.matmul.allow_tf32
    True
    >>> gg.backends.set_float32_matmul_precision("highest")
    """
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got {precision!r}")
    _state.set_matmul_tf32(precision != "highest")


def get_float32_matmul_precision() -> str:
    """The current setting of :func:`set_float32_matmul_precision`.

    Returns:
        ``'high'`` when TF32 matmuls are allowed, else ``'highest'``.

    >>> import gpugrad as gg
    >>> gg.backends.get_float32_matmul_precision()
    'highest'
    """
    return "high" if _state.matmul_tf32() else "highest"
