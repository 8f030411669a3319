"""Run the CUDA kernels on the CPU: the same ``.cu`` source, compiled by the host C++ compiler under a shim.

This is how the tests execute the *logic* of every kernel on machines without a GPU. The shim maps CUDA's
qualifiers to nothing and its built-ins (``threadIdx``, ``blockIdx``, ``blockDim``, ``gridDim``, ``__expf``,
``rsqrtf``, ``atomicAdd``, ...) to host equivalents; a generated driver exports, for each kernel name
expression, ``gg_launch_<i>(grid, block, void **args)`` that runs the kernel body once for every
(block, thread) pair in order. ``args`` follows ``cuLaunchKernel``'s convention (one pointer to each argument's
value), so the launch path of the real CuPy wrappers is exercised too: :class:`HostKernels` has the
interface of ``_launch.CudaKernels`` and the wrappers take it in place of the GPU module. Each launch's
arguments are checked against the kernel's parameter list (pointer or scalar, kind and size), which a GPU
launch through CuPy cannot do.

Two ways to run a launch. Sequential (``gg_launch_<i>``): threads one after another, exact and fast for
kernels whose threads never wait on each other (grid-stride elementwise and row-per-thread kernels); there
``__syncthreads`` aborts, so a kernel that relies on it cannot silently pass. Threaded
(``gg_launch_threaded_<i>``, for the names a family lists in ``BLOCK_KERNELS``): the blocks one after another,
each block's threads as real OS threads meeting at a ``std::barrier`` for ``__syncthreads``, with
``__shared__`` arrays as function-local statics (one block at a time, so that is exactly shared memory).
Warp-synchronous code (shuffles, votes) is not modelled: gpugrad's kernels reduce through shared memory.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import _launch

SHIM = r"""
// gpugrad host shim: CUDA built-ins for executing kernels on the CPU
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <algorithm>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>
struct dim3 { unsigned x = 1, y = 1, z = 1; };
static thread_local dim3 threadIdx, blockIdx;
static dim3 blockDim, gridDim;
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
// blocks run one after another, so a function-local static is exactly one block's shared memory
#define __shared__ static
// float overloads of the math functions, as CUDA's device headers declare them
using std::exp; using std::log; using std::log1p; using std::expm1; using std::sqrt; using std::tanh;
using std::erf; using std::fabs; using std::fmax; using std::fmin; using std::min; using std::max;
using std::isnan; using std::isinf;
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float fmaxf(float a, float b) { return std::fmax(a, b); }
inline float fminf(float a, float b) { return std::fmin(a, b); }
template <typename T> inline T atomicAdd(T *a, T v) { return std::atomic_ref<T>(*a).fetch_add(v); }
template <typename T> inline T atomicMax(T *a, T v) {
    std::atomic_ref<T> r(*a);
    T old = r.load();
    while (old < v && !r.compare_exchange_weak(old, v)) {}
    return old;
}
// the barrier of the block being run by real threads (run_threaded); null in sequential mode, where threads
// run one after another and cannot wait on each other
static std::barrier<> *gg_block_barrier = nullptr;
inline void __syncthreads() {
    if (gg_block_barrier == nullptr) std::abort();
    gg_block_barrier->arrive_and_wait();
}
"""

DRIVER_HEAD = r"""
template <typename... A, std::size_t... I>
static void gg_call(void (*k)(A...), void **args, std::index_sequence<I...>) {
    k(*static_cast<typename std::remove_reference<A>::type *>(args[I])...);
}
// sequential: every (block, thread) pair in order; exact for kernels whose threads never wait on each other
template <typename... A>
static void gg_run(void (*k)(A...), unsigned grid, unsigned block, void **args) {
    gridDim.x = grid;
    blockDim.x = block;
    for (unsigned b = 0; b < grid; ++b)
        for (unsigned t = 0; t < block; ++t) {
            blockIdx.x = b;
            threadIdx.x = t;
            gg_call(k, args, std::index_sequence_for<A...>{});
        }
}
// the kernel's parameter list, to check a launch's arguments the way the GPU cannot: 0 pointer, 1 integer,
// 2 floating point, and each one's size in bytes
template <typename... A>
static int gg_signature(void (*)(A...), int *kind, int *size) {
    int i = 0;
    ((kind[i] = std::is_pointer<A>::value ? 0 : std::is_floating_point<A>::value ? 2 : 1,
      size[i] = (int)sizeof(A), ++i), ...);
    return (int)sizeof...(A);
}
// threaded: the blocks one after another, each block's threads as real threads meeting at __syncthreads
template <typename... A>
static void gg_run_threaded(void (*k)(A...), unsigned grid, unsigned block, void **args) {
    gridDim.x = grid;
    blockDim.x = block;
    for (unsigned b = 0; b < grid; ++b) {
        std::barrier<> bar(block);
        gg_block_barrier = &bar;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < block; ++t)
            threads.emplace_back([=] {
                blockIdx.x = b;
                threadIdx.x = t;
                gg_call(k, args, std::index_sequence_for<A...>{});
            });
        for (auto &th : threads) th.join();
        gg_block_barrier = nullptr;
    }
}
"""


def host_compiler():
    """The host C++ compiler (``$CXX``, g++ or clang++), or None."""
    for c in (os.environ.get("CXX"), "g++", "clang++"):
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def driver_source(stem: str, names) -> str:
    lines = [SHIM, f'#include "{_launch.source_path(stem)}"', DRIVER_HEAD]
    for i, name in enumerate(names):
        lines.append(f'extern "C" void gg_launch_{i}(unsigned g, unsigned b, void **a) '
                     f'{{ gg_run(&{name}, g, b, a); }}')
        lines.append(f'extern "C" void gg_launch_threaded_{i}(unsigned g, unsigned b, void **a) '
                     f'{{ gg_run_threaded(&{name}, g, b, a); }}')
        lines.append(f'extern "C" int gg_signature_{i}(int *kind, int *size) '
                     f'{{ return gg_signature(&{name}, kind, size); }}')
    return "\n".join(lines) + "\n"


def build(stem: str, names) -> Path:
    """Compile ``<stem>.cu`` with its driver into a shared library (cached by content hash)."""
    cxx = host_compiler()
    if cxx is None:
        raise RuntimeError("gpugrad.kernels host simulation: no C++ compiler (set CXX or install g++)")
    src = driver_source(stem, names)
    key = hashlib.sha256((src + _launch.source(stem) + cxx).encode()).hexdigest()[:16]
    out_dir = Path(tempfile.gettempdir()) / f"gpugrad-hostsim-{os.getuid()}"
    out_dir.mkdir(exist_ok=True)
    lib = out_dir / f"{stem}-{key}.so"
    if not lib.exists():
        cpp = out_dir / f"{stem}-{key}.cpp"
        cpp.write_text(src)
        tmp = out_dir / f"{stem}-{key}.{os.getpid()}.so"
        r = subprocess.run([cxx, "-std=c++20", "-O2", "-ffp-contract=off", "-shared", "-fPIC", "-pthread", "-o",
                            str(tmp), str(cpp)], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"host compilation of {stem}.cu failed:\n{r.stderr[-4000:]}")
        os.replace(tmp, lib)                 # atomic: parallel test workers never load a half-written file
    return lib


class HostKernels:
    """``_launch.CudaKernels``'s interface over the host build. A small block and grid by default, so that
    even modest sizes take several grid strides and leave a partial last block."""

    def __init__(self, stem: str, names, block: int = 64, max_grid: int = 3, threaded=()):
        self.stem = stem
        self.names = tuple(names)
        self.block = block
        self.max_grid = max_grid
        self.threaded = frozenset(threaded)     # kernels that use __syncthreads: run each block's threads for real
        self._lib = ctypes.CDLL(str(build(stem, self.names)))
        self._functions = {}

    def function(self, name):
        f = self._functions.get(name)
        if f is None:
            mode = "threaded_" if name in self.threaded else ""
            sym = getattr(self._lib, f"gg_launch_{mode}{self.names.index(name)}")
            sym.argtypes = (ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p)
            sym.restype = None

            params = self._signature(name)

            def f(grid, block, args, _sym=sym):
                _check_args(name, params, args)
                # every argument's value is held in a numpy buffer; args[i] points at it (cuLaunchKernel's
                # layout): arrays contribute their data pointer, numpy scalars their bytes
                held = [np.array([a.ctypes.data], dtype=np.uintp) if isinstance(a, np.ndarray)
                        else np.array(a) for a in args]
                ptrs = np.array([h.ctypes.data for h in held], dtype=np.uintp)
                _sym(grid[0], block[0], ptrs.ctypes.data)
            self._functions[name] = f
        return f

    def _signature(self, name):
        """``[(kind, size)]`` of the kernel's parameters (kind 0 pointer, 1 integer, 2 floating point)."""
        kind, size = (ctypes.c_int * 64)(), (ctypes.c_int * 64)()
        sig = getattr(self._lib, f"gg_signature_{self.names.index(name)}")
        sig.restype = ctypes.c_int
        n = sig(kind, size)
        return [(kind[i], size[i]) for i in range(n)]


def _check_args(name, params, args):
    """A launch's arguments against the kernel's parameters, as exactly as the GPU needs them and cannot check
    (CuPy passes each argument's bytes; a float64 scalar for a float, an int64 for an int or one argument too
    few is silently misread there): arrays (or the null pointer) for pointers, numpy scalars of the
    parameter's kind and size for the rest."""
    if len(args) != len(params):
        raise TypeError(f"{name}: {len(args)} arguments for {len(params)} parameters")
    for i, (a, (kind, size)) in enumerate(zip(args, params)):
        if kind == 0:
            ok = isinstance(a, np.ndarray) or (type(a) is type(_launch.NULL) and a == 0)
            want = "an array or NULL"
        else:
            ok = (isinstance(a, np.generic) and a.dtype.itemsize == size
                  and (a.dtype.kind == "f") == (kind == 2) and a.dtype.kind in "fiub")
            want = f"a numpy {'float' if kind == 2 else 'integer'} scalar of {size} bytes"
        if not ok:
            got = f"{type(a).__name__}" + (f" ({a.dtype})" if hasattr(a, "dtype") else "")
            raise TypeError(f"{name}: argument {i} must be {want}, got {got}")
