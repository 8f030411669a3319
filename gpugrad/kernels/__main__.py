"""``python -m gpugrad.kernels``: where the CUDA sources are, each family's kernel list, and (``--check``)
whether every kernel compiles for the target GPUs, through NVRTC or nvcc, without needing a GPU.

    python -m gpugrad.kernels                       # the families, their sources and kernels
    python -m gpugrad.kernels --check               # compile all for sm_80 and sm_90; exit 1 on a failure
    python -m gpugrad.kernels --check --arch sm_89
"""
from __future__ import annotations

import argparse
import sys

from . import FAMILIES, all_kernels, fused_enabled, _compile, _launch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gpugrad.kernels", description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compile every kernel (NVRTC, else nvcc)")
    ap.add_argument("--arch", action="append", help="GPU architecture(s) to compile for (default sm_80, sm_90)")
    args = ap.parse_args(argv)
    kernels = all_kernels()
    print(f"fused kernels {'on' if fused_enabled() else 'off (GPUGRAD_FUSED=0)'}")
    for stem in FAMILIES:
        print(f"{stem}: {_launch.source_path(stem)}, {len(kernels[stem])} kernels")
        if not args.check:
            for name in kernels[stem]:
                print(f"  {name}")
    if not args.check:
        return 0
    if _compile.nvrtc_available():
        tool, compile_fn = "NVRTC", lambda s, n, a: _compile.compile_nvrtc(s, n, a)
    elif _compile.nvcc_path():
        tool, compile_fn = f"nvcc ({_compile.nvcc_path()})", _compile.compile_nvcc
    else:
        print("no NVRTC (pip install cuda-bindings nvidia-cuda-nvrtc) and no nvcc: nothing to compile with")
        return 1
    failed = 0
    for arch in args.arch or ["sm_80", "sm_90"]:
        for stem in FAMILIES:
            try:
                compile_fn(stem, kernels[stem], arch)
                print(f"{tool} {arch} {stem}.cu: ok ({len(kernels[stem])} kernels)")
            except RuntimeError as e:
                failed += 1
                print(f"{tool} {arch} {stem}.cu: FAILED\n{e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
