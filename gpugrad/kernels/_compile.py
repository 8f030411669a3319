"""Compile the CUDA sources for a GPU architecture without a GPU: NVRTC from PyPI (``cuda-bindings`` +
``nvidia-cuda-nvrtc``, what CuPy itself uses) or the machine's ``nvcc``. Used by the tests (every kernel in
every family's explicit list must compile for sm_80 and sm_90) and by ``python -m gpugrad.kernels``."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from . import _launch


def nvrtc_available() -> bool:
    try:
        from cuda.bindings import nvrtc
        err, _, _ = nvrtc.nvrtcVersion()
        return err == nvrtc.nvrtcResult.NVRTC_SUCCESS
    except Exception:       # not installed, or the NVRTC library itself is missing
        return False


def nvcc_path():
    return shutil.which("nvcc")


def compile_nvrtc(stem: str, names, arch: str):
    """Compile ``<stem>.cu`` for ``arch`` with NVRTC, instantiating every name expression: ``"sm_80"`` gives
    a cubin, ``"compute_80"`` PTX. Returns ``({name: lowered (mangled) name}, image text/bytes)``; raises
    RuntimeError with NVRTC's log when the source does not compile."""
    from cuda.bindings import nvrtc
    ok = nvrtc.nvrtcResult.NVRTC_SUCCESS

    def check(result, what):
        err = result[0] if isinstance(result, tuple) else result
        if err != ok:
            raise RuntimeError(f"NVRTC {what} failed for {stem}.cu ({arch}): {err}")
        return result[1] if isinstance(result, tuple) and len(result) > 1 else None

    prog = check(nvrtc.nvrtcCreateProgram(_launch.source(stem).encode(), f"{stem}.cu".encode(), 0, [], []),
                 "create")
    try:
        for n in names:
            check(nvrtc.nvrtcAddNameExpression(prog, n.encode()), f"add name {n}")
        opts = [f"--gpu-architecture={arch}".encode(), f"--std={_launch.CXX_STD}".encode()]
        err = nvrtc.nvrtcCompileProgram(prog, len(opts), opts)[0]
        if err != ok:
            size = check(nvrtc.nvrtcGetProgramLogSize(prog), "log size")
            log = b" " * size
            nvrtc.nvrtcGetProgramLog(prog, log)
            raise RuntimeError(f"{stem}.cu does not compile for {arch}:\n{log.decode(errors='replace')}")
        ptx = arch.startswith("compute_")
        size = check(nvrtc.nvrtcGetPTXSize(prog) if ptx else nvrtc.nvrtcGetCUBINSize(prog), "image size")
        if not size:
            raise RuntimeError(f"{stem}.cu: NVRTC produced an empty image for {arch}")
        image = b" " * size
        check(nvrtc.nvrtcGetPTX(prog, image) if ptx else nvrtc.nvrtcGetCUBIN(prog, image), "image")
        lowered = {n: check(nvrtc.nvrtcGetLoweredName(prog, n.encode()), f"lowered name {n}").decode()
                   for n in names}
        return lowered, (image.rstrip(b"\0 ").decode() if ptx else image)
    finally:
        nvrtc.nvrtcDestroyProgram(prog)


def compile_nvcc(stem: str, names, arch: str) -> None:
    """Compile ``<stem>.cu`` with nvcc for ``arch``; taking each kernel's address instantiates the templates."""
    nvcc = nvcc_path()
    if nvcc is None:
        raise RuntimeError("nvcc not found")
    with tempfile.TemporaryDirectory() as d:
        tu = os.path.join(d, f"{stem}_all.cu")
        with open(tu, "w") as f:
            f.write(f'#include "{_launch.source_path(stem)}"\n')
            f.write("void *gg_kernels[] = {" + ", ".join(f"(void *)&{n}" for n in names) + "};\n")
        r = subprocess.run([nvcc, f"-arch={arch}", f"-std={_launch.CXX_STD}", "-c", tu, "-o", os.path.join(d, "k.o")],
                           capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"{stem}.cu does not compile with nvcc for {arch}:\n{r.stderr[-4000:]}")
