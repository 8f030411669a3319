"""``gpugrad.accelerator`` against ``torch.accelerator``: the device-picking line of PyTorch's quickstart
tutorial, and each query without an accelerator (PyTorch's CPU build is the oracle here) and with one
(``gpu``-marked: a CUDA machine, where torch's CUDA build answers the same)."""
from __future__ import annotations

import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")
ON_GPU = gg.cuda.is_available()
NEEDS_DEVICE = ("current_device_index", "current_device_idx", "synchronize", "memory_allocated",
                "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats", "get_memory_info",
                "empty_cache")


def _pick(T):
    return T.accelerator.current_accelerator().type if T.accelerator.is_available() else "cpu"


def test_quickstart_device_line_runs():
    device = _pick(gg)
    assert device == ("cuda" if ON_GPU else "cpu")
    assert gg.ones(3, device=device).device.type == device


@pytest.mark.skipif(ON_GPU or torch.accelerator.is_available(), reason="compares the answers without a GPU")
def test_without_an_accelerator_as_torch_cpu_build():
    for T in (gg, torch):
        assert T.accelerator.is_available() is False
        assert T.accelerator.current_accelerator() is None
        assert T.accelerator.current_accelerator(check_available=True) is None
        assert T.accelerator.device_count() == 0
        with T.accelerator.device_index(None):
            pass
    for name in NEEDS_DEVICE:
        with pytest.raises(RuntimeError, match="none is available"):
            getattr(torch.accelerator, name)()
        with pytest.raises(RuntimeError, match=rf"gpugrad\.accelerator\.\w+: Cannot access accelerator device"):
            getattr(gg.accelerator, name)()
    with pytest.raises(RuntimeError, match="none is available"):
        gg.accelerator.set_device_index(0)


@pytest.mark.gpu
@pytest.mark.skipif(not ON_GPU, reason="no CUDA GPU here")
def test_with_cuda():
    assert gg.accelerator.current_accelerator() == gg.device("cuda")
    assert gg.accelerator.device_count() == gg.cuda.device_count() >= 1
    assert gg.accelerator.current_device_index() == gg.cuda.current_device()
    x = gg.ones(1 << 20, device="cuda")
    gg.accelerator.synchronize()
    assert gg.accelerator.memory_allocated() >= x.nbytes
    assert gg.accelerator.max_memory_allocated() >= gg.accelerator.memory_allocated()
    free, total = gg.accelerator.get_memory_info()
    assert 0 < free <= total
    with gg.accelerator.device_index(0):
        assert gg.accelerator.current_device_index() == 0
    with pytest.raises(ValueError, match="cpu doesn't match the current accelerator cuda"):
        gg.accelerator.synchronize("cpu")
