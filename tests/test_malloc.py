"""gpugrad keeps glibc's heap between steps (gpugrad/_malloc.py) unless the user chose otherwise."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")


def _tuned(**env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("GPUGRAD_MALLOC_TUNE", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")}
    e.update(env)
    out = subprocess.run([sys.executable, "-c", "import gpugrad._malloc as m; print(m.TUNED)"], env=e,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_tuned_by_default_on_glibc():
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert _tuned() == "True"


@pytest.mark.parametrize("env", [{"GPUGRAD_MALLOC_TUNE": "0"}, {"MALLOC_TRIM_THRESHOLD_": "1000000"},
                                 {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1000000"}])
def test_left_alone_when_the_user_chose(env):
    assert _tuned(**env) == "False"
