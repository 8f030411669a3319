"""``gpugrad.version``: what this build is, as ``torch.version``: ``__version__``, and ``cuda`` — the CUDA
runtime version CuPy was built for (``'12.8'``), or None without CuPy, as PyTorch's CPU build says None.
``hip``, ``rocm`` and ``xpu`` are None (no such builds); ``debug`` is False; ``git_version`` is ``'unknown'``
(gpugrad is installed from its source tree, not stamped with a commit).

>>> import gpugrad as gg
>>> gg.version.__version__ == gg.__version__, gg.version.hip
(True, None)
"""
from __future__ import annotations

from . import __version__  # noqa: F401  (re-exported, as torch.version.__version__)

__all__ = ["__version__", "cuda", "hip", "rocm", "xpu", "debug", "git_version"]

hip = rocm = xpu = None
debug = False
git_version = "unknown"


def _cuda_version():
    try:
        import cupy
        v = cupy.cuda.runtime.runtimeGetVersion()       # e.g. 12080
    except Exception:                                   # no CuPy, or no CUDA runtime it can load
        return None
    return f"{v // 1000}.{(v % 1000) // 10}"


cuda = _cuda_version()
