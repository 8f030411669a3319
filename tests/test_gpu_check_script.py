"""scripts/gpu_check.sh without a GPU: a stand-in ``nvidia-smi`` and a Python wrapper whose pytest runs die
before writing their results (as a segfault or a fatal CUDA error would on a first GPU run). The script must
still write its report, say what it could not count, show how the runs ended, and exit non-zero."""
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gpu_check.sh"

NVIDIA_SMI = """#!/bin/sh
case "$*" in
  *--query-gpu*) echo "Stand-in GPU, 555.42, 81559 MiB" ;;
  *) echo "| NVIDIA-SMI 555.42    Driver Version: 555.42    CUDA Version: 12.5 |" ;;
esac
"""

# pytest "crashes"; the benchmarks and the GPU-vs-CPU timing print a line; everything else is the real Python
PYTHON = f"""#!/bin/bash
case "$1 $2" in
  "-m pytest") echo "Fatal Python error: Segmentation fault"; exit 139 ;;
  "-m gpugrad.bench."*) echo "bench stand-in"; exit 0 ;;
esac
if [ "$1" = "-" ] && [ "$#" -eq 1 ]; then
  src="$(cat)"
  if grep -q "GPU vs CPU" <<<"$src"; then echo "timing stand-in"; exit 0; fi
  exec {sys.executable} - <<<"$src"
fi
exec {sys.executable} "$@"
"""


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_report_is_written_when_the_test_runs_die(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _executable(bin_dir / "nvidia-smi", NVIDIA_SMI)
    py = _executable(tmp_path / "python", PYTHON)
    report = tmp_path / "report.md"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", PYTHON=str(py),
               GPUGRAD_NO_INSTALL="1")
    r = subprocess.run(["bash", str(SCRIPT), str(report)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr[-2000:]
    text = report.read_text()
    assert "| whole suite (`pytest`) | ? | ? | ? | ? |" in text
    assert "The all run ended without a result file" in text and "Segmentation fault" in text
    assert "timing stand-in" in text


def test_cuda_extras_bring_the_cuda_libraries():
    """cupy-cuda1Nx alone needs a local CUDA Toolkit (NVRTC for every kernel, cuBLAS for matmul); its [ctk]
    extra (CuPy >= 14) installs them from PyPI, so ``pip install gpugrad[cuda12]`` works on a driver-only box."""
    import tomllib
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for name, pkg in (("cuda12", "cupy-cuda12x"), ("cuda13", "cupy-cuda13x")):
        (req,) = extras[name]
        assert req.replace(" ", "").startswith(f"{pkg}[ctk]>=14"), req
