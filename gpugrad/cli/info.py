"""``gpugrad info``: versions, devices, BLAS, CUDA, CuPy, Numba threading layer."""
from __future__ import annotations

import os
import platform


def add_parser(sub):
    """Add the ``info`` command to the subparsers ``sub``."""
    return sub.add_parser("info", help="versions, devices, BLAS, CUDA, CuPy, Numba threading layer")


def _version(mod):
    try:
        m = __import__(mod)
        return getattr(m, "__version__", "installed")
    except Exception:                     # absent or broken optional package: say so, don't fail
        return "not installed"


def _blas_lines():
    import numpy as np
    lines = []
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        lines.append(f"numpy BLAS: {blas.get('name', '?')} {blas.get('version', '')}".rstrip())
    except Exception:                     # old NumPy without mode="dicts"
        lines.append("numpy BLAS: (numpy.show_config() has no dict mode in this NumPy)")
    try:
        from threadpoolctl import threadpool_info
        for p in threadpool_info():
            lines.append(f"threadpool: {p.get('internal_api')} {p.get('version') or ''} "
                         f"threads={p.get('num_threads')} ({p.get('threading_layer', '')})")
    except ImportError:
        lines.append("threadpoolctl: not installed (pip install threadpoolctl for BLAS thread details)")
    return lines


def _numba_lines():
    try:
        import numba
    except ImportError:
        return ["numba: not installed"]
    layer = numba.config.THREADING_LAYER
    lines = [f"numba {numba.__version__}: threading layer configured {layer!r} "
             f"(NUMBA_THREADING_LAYER={os.environ.get('NUMBA_THREADING_LAYER', '')!r}), "
             f"{numba.config.NUMBA_NUM_THREADS} threads"]
    try:
        lines.append(f"numba threading layer in use: {numba.threading_layer()}")
    except ValueError:                    # no parallel function has run yet in this process
        lines.append("numba threading layer in use: none yet (no parallel kernel has run in this process)")
    return lines


def _cuda_lines():
    import gpugrad as gg
    from ..backend import cupy_or_none
    cp = cupy_or_none()
    if cp is None:
        try:
            import cupy  # noqa: F401
            why = "CuPy is installed but no CUDA device answered"
        except ImportError:
            why = "CuPy is not installed (pip install gpugrad[cuda12] or gpugrad[cuda13])"
        return [f"CUDA: not available: {why}"]
    rt = cp.cuda.runtime
    lines = [f"CuPy {cp.__version__}; CUDA runtime {rt.runtimeGetVersion()}, driver {rt.driverGetVersion()}"]
    for i in range(gg.cuda.device_count()):
        props = rt.getDeviceProperties(i)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        lines.append(f"cuda:{i}: {name}, {props['totalGlobalMem'] / 2**30:.1f} GiB, "
                     f"compute capability {props['major']}.{props['minor']}")
    return lines


def run(args):
    """Print versions, devices, BLAS, CUDA and threading details; 0 on success."""
    import numpy as np
    import gpugrad as gg
    print(f"gpugrad {gg.__version__}  (python {platform.python_version()}, {platform.platform()})")
    print(f"numpy {np.__version__}; scikit-learn {_version('sklearn')}; matplotlib {_version('matplotlib')}; "
          f"tqdm {_version('tqdm')}")
    print(f"CPU: {os.cpu_count()} logical cores ({platform.machine()})")
    for line in _blas_lines() + _numba_lines() + _cuda_lines():
        print(line)
    print(f"default device: {gg.default_device()}; devices: cpu"
          + "".join(f", cuda:{i}" for i in range(gg.cuda.device_count())))
    return 0

