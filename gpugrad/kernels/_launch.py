"""Finding the ``.cu`` sources, compiling them with CuPy on first use, and launching grid-stride kernels.

A *kernel set* is what a family's wrappers launch through: ``function(name)`` returns a callable
``(grid, block, args)`` with CuPy's ``RawKernel`` calling convention, ``block`` is the block size and
``max_grid`` caps the grid (grid-stride loops cover any n). :class:`CudaKernels` is the real one (a
``cupy.RawModule``); ``gpugrad.kernels._hostsim.HostKernels`` runs the same source on the CPU for the tests.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

_PKG = Path(__file__).resolve().parent.parent          # .../gpugrad

#: where the CUDA sources live: an installed wheel carries them as gpugrad/_kernels_src (pyproject
#: force-include); an editable install or a checkout reads <repo>/kernels
SOURCE_DIRS = (_PKG / "_kernels_src", _PKG.parent / "kernels")

#: a null pointer argument (an optional buffer that an option does not use); packed as 8 bytes of zero
NULL = np.uintp(0)

#: the C++ dialect the sources are compiled in, on the GPU (CuPy's NVRTC) and by the compile checks alike
CXX_STD = "c++14"


def source_path(stem: str) -> Path:
    for d in SOURCE_DIRS:
        p = d / f"{stem}.cu"
        if p.is_file():
            return p
    raise FileNotFoundError(f"gpugrad.kernels: CUDA source {stem}.cu not found in "
                            + " or ".join(str(d) for d in SOURCE_DIRS))


def source(stem: str) -> str:
    return source_path(stem).read_text()


class CudaKernels:
    """The kernels of one ``.cu`` family on the current GPU, compiled once (lazily, at first launch) with
    ``cupy.RawModule``. RawModule rather than ElementwiseKernel: the kernels are real, templated CUDA files
    (readable, compiled in CI with NVRTC and executed on the host by the tests), several of them write
    several outputs, and the softmax kernel works on rows, which ElementwiseKernel cannot express."""

    block = 256

    def __init__(self, stem: str, names):
        self.stem = stem
        self.names = tuple(names)
        self._module = None
        self._functions = {}
        self.max_grid = 0

    def function(self, name):
        import cupy
        dev = cupy.cuda.runtime.getDevice()
        f = self._functions.get((name, dev))     # a loaded function belongs to one device's context
        if f is None:
            if name not in self.names:
                raise KeyError(f"gpugrad.kernels: {name!r} is not in {self.stem}.cu's kernel list")
            if self._module is None:             # compiled once; CuPy loads the module on each device used
                self._module = cupy.RawModule(code=source(self.stem), options=(f"--std={CXX_STD}",),
                                              name_expressions=list(self.names))
                sms = cupy.cuda.Device().attributes["MultiProcessorCount"]
                self.max_grid = 32 * sms            # enough resident blocks to saturate memory bandwidth
            f = self._functions[(name, dev)] = self._module.get_function(name)
        return f


def launch(kernels, name, n, *args):
    """Launch ``name`` over ``n`` work items (nothing for n == 0). Arrays are passed as device pointers,
    numpy scalars by value, :data:`NULL` as a null pointer."""
    if n <= 0:
        return
    f = kernels.function(name)
    block = kernels.block
    grid = min((n + block - 1) // block, kernels.max_grid or 1)
    f((grid,), (block,), args)


def launch_blocks(kernels, name, n_blocks, *args):
    """Launch ``name`` with one block per work item (a row), ``n_blocks`` of them at most (grid-stride beyond
    the grid cap); nothing for 0."""
    if n_blocks <= 0:
        return
    f = kernels.function(name)
    f((min(n_blocks, kernels.max_grid or 1),), (kernels.block,), args)


def contiguous(xp, a, dtype=None):
    """``a`` as a C-contiguous array of its own shape (``xp.ascontiguousarray`` would turn 0-d into 1-d)."""
    if a.flags.c_contiguous and (dtype is None or a.dtype == dtype):
        return a
    return xp.ascontiguousarray(a, dtype=dtype).reshape(a.shape)


def numba_array(a, dtype=None):
    """``a`` as Numba's kernels were compiled for: C-contiguous and writeable (a read-only or strided array
    is a different Numba type, which would trigger a second compilation; copying it is far cheaper)."""
    f = a.flags
    if f.c_contiguous and f.writeable and (dtype is None or a.dtype == dtype) and a.__class__ is np.ndarray:
        return a                    # (the common case, without np.require's argument handling: ~3 us a call)
    return np.require(a, dtype, ("C", "W"))


def scalar_type(dtype):
    """The numpy scalar type matching the kernel's ``T`` (float or double)."""
    return np.float32 if np.dtype(dtype) == np.float32 else np.float64


def dtype_name(dtype) -> str:
    d = np.dtype(dtype)
    if d == np.float32:
        return "float"
    if d == np.float64:
        return "double"
    raise TypeError(f"gpugrad.kernels: fused kernels take float32 or float64, got {d}")
