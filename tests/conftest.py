"""The device matrix: every test that takes ``device`` runs on the CPU and on CUDA; CUDA cases are marked
``gpu`` and skip with a reason where no GPU answers."""
import numpy as np
import pytest

import gpugrad as gg

DEVICES = [pytest.param("cpu", id="cpu"),
           pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES)
def device(request):
    if request.param == "cuda" and not gg.cuda.is_available():
        pytest.skip("no CUDA GPU here (CuPy missing or no device answered)")
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    gg.manual_seed(0)
    np.random.seed(0)
