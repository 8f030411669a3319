"""The device matrix: every test that takes ``device`` runs on the CPU and on CUDA; CUDA cases are marked
``gpu`` and skip with a reason where no GPU answers."""
import os

import numpy as np
import pytest

import gpugrad as gg

DEVICES = [pytest.param("cpu", id="cpu"),
           pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]
if os.environ.get("GPUGRAD_TEST_STRICT", "0") not in ("", "0"):
    # the strict stand-in for a GPU (gpugrad/backend/strict.py): every device test also runs on it, so that a
    # numpy call on device data or a host array meeting a device array fails on a CPU-only machine
    DEVICES.append(pytest.param("strict", id="strict"))


@pytest.fixture(params=DEVICES)
def device(request):
    if request.param == "cuda" and not gg.cuda.is_available():
        pytest.skip("no CUDA GPU here (CuPy missing or no device answered)")
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    gg.manual_seed(0)
    np.random.seed(0)
