"""gpugrad.cuda's streams, events, device properties, memory statistics, seeds, NVTX and legacy tensor types,
against torch.cuda: the names a PyTorch script calls exist, answer as PyTorch's CPU build does without a GPU
(or raise a RuntimeError naming the call), and on a CUDA machine (tests marked ``gpu``, run by
scripts/gpu_check.sh) order and time GPU work as PyTorch's do."""
from __future__ import annotations

import pickle
import warnings

import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

ON_GPU = gg.cuda.is_available()
gpu = pytest.mark.gpu
needs_gpu = pytest.mark.skipif(not ON_GPU, reason="no CUDA GPU here (CuPy missing or no device answered)")
no_gpu = pytest.mark.skipif(ON_GPU, reason="checks a machine without a GPU")

# the torch.cuda names a training script reaches for (PyTorch's allocator internals, CUDA graphs, pynvml
# queries and private helpers are left out on purpose)
NAMES = ["Stream", "ExternalStream", "Event", "StreamContext", "stream", "current_stream", "default_stream",
         "set_stream", "get_device_properties", "mem_get_info", "memory_stats", "memory_summary",
         "max_memory_reserved", "memory_cached", "max_memory_cached", "reset_max_memory_allocated",
         "reset_max_memory_cached", "is_bf16_supported", "is_tf32_supported", "get_arch_list", "get_gencode_flags",
         "is_initialized", "init", "ipc_collect", "initial_seed", "seed", "seed_all", "can_device_access_peer",
         "OutOfMemoryError", "nvtx", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
         "BoolTensor", "ByteTensor", "synchronize", "memory_allocated", "max_memory_allocated",
         "reset_peak_memory_stats", "memory_reserved", "empty_cache", "manual_seed", "manual_seed_all"]


def test_the_names_exist_in_both():
    for name in NAMES:
        assert hasattr(torch.cuda, name), name           # (the list is PyTorch's)
        assert hasattr(gg.cuda, name), name
    assert set(NAMES) - {"OutOfMemoryError", "nvtx"} <= set(gg.cuda.__all__)
    for name in ("range_push", "range_pop", "mark", "range"):
        assert callable(getattr(gg.cuda.nvtx, name)) and callable(getattr(torch.cuda.nvtx, name))
    import gpugrad.cuda.nvtx as nv                       # importable as a module, as torch.cuda.nvtx
    assert nv is gg.cuda.nvtx


@no_gpu
def test_without_a_gpu_answers_as_pytorchs_cpu_build():
    assert gg.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    assert gg.cuda.is_tf32_supported() is torch.cuda.is_tf32_supported() is False
    assert gg.cuda.get_arch_list() == torch.cuda.get_arch_list() == []
    assert gg.cuda.get_gencode_flags() == torch.cuda.get_gencode_flags() == ""
    assert dict(gg.cuda.memory_stats()) == dict(torch.cuda.memory_stats()) == {}
    assert gg.cuda.max_memory_reserved() == torch.cuda.max_memory_reserved() == 0
    assert gg.cuda.is_initialized() is torch.cuda.is_initialized() is False
    for lib in (gg, torch):
        with lib.cuda.stream(None):                      # no stream: nothing changes
            y = lib.ones(2) * 2
        assert y.tolist() == [2.0, 2.0]
        lib.cuda.set_stream(None)
        lib.cuda.seed()
        lib.cuda.seed_all()
    with pytest.warns(FutureWarning, match="memory_reserved"):
        assert gg.cuda.memory_cached() == 0


@no_gpu
@pytest.mark.parametrize("call", ["Stream()", "Event(enable_timing=True)", "current_stream()", "default_stream()",
                                  "get_device_properties(0)", "mem_get_info()", "initial_seed()", "init()",
                                  "ipc_collect()", "memory_summary()", "can_device_access_peer(0, 1)",
                                  "ExternalStream(0)"])
def test_without_a_gpu_device_queries_raise_naming_the_call(call):
    with pytest.raises(Exception):                       # PyTorch's CPU build refuses too (Assertion/RuntimeError)
        eval("torch.cuda." + call)
    with pytest.raises(RuntimeError, match=r"gpugrad\.cuda\.\w+.*CUDA is not available"):
        eval("gg.cuda." + call)


@no_gpu
def test_without_a_gpu_nvtx_raises_as_pytorch():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="NVTX functions not installed"):
            lib.cuda.nvtx.range_push("step")
        with pytest.raises(RuntimeError, match="NVTX functions not installed"):
            with lib.cuda.nvtx.range("step {}", 1):
                pass


def test_stream_context_type_errors():
    with pytest.raises(TypeError, match="expected a gpugrad.cuda.Stream or None, got int"):
        gg.cuda.stream(3)
    with pytest.raises(TypeError, match="expected a gpugrad.cuda.Stream or None, got str"):
        gg.cuda.set_stream("s")


def test_out_of_memory_error_class():
    err = gg.OutOfMemoryError
    assert err is gg.cuda.OutOfMemoryError and err.__name__ == "OutOfMemoryError"
    if not ON_GPU:                      # PyTorch's is a RuntimeError; on a GPU gpugrad's is CuPy's (a MemoryError)
        assert issubclass(err, RuntimeError) and issubclass(torch.OutOfMemoryError, RuntimeError)
        with pytest.raises(gg.cuda.OutOfMemoryError, match="full"):
            raise gg.OutOfMemoryError("full")
        assert pickle.loads(pickle.dumps(err("x"))).args == ("x",)
    else:
        import cupy
        assert err is cupy.cuda.memory.OutOfMemoryError


def test_legacy_tensor_types_check_the_device_as_pytorch():
    for lib in (gg, torch):
        x = lib.ones(2)
        assert isinstance(x, lib.FloatTensor) and not isinstance(x, lib.cuda.FloatTensor)
        assert not isinstance(x, lib.DoubleTensor) and not isinstance(x, lib.cuda.DoubleTensor)
        assert isinstance(x.long(), lib.LongTensor) and not isinstance(x.long(), lib.cuda.LongTensor)
        assert x.type() == "torch.FloatTensor"
        assert x.type(lib.DoubleTensor).dtype == lib.float64 and x.type("torch.LongTensor").dtype == lib.int64
    assert gg.cuda.FloatTensor.dtype == gg.float32 and gg.cuda.LongTensor.dtype == gg.int64
    assert gg.cuda.FloatTensor.__module__ == "gpugrad.cuda" and gg.FloatTensor.__module__ == "gpugrad"


@no_gpu
def test_legacy_cuda_types_move_to_the_gpu_so_fail_without_one():
    for lib in (gg, torch):
        with pytest.raises((RuntimeError, AssertionError)):
            lib.ones(2).type(lib.cuda.FloatTensor)
        with pytest.raises((RuntimeError, AssertionError)):
            lib.ones(2).type("torch.cuda.FloatTensor")
        with pytest.raises((RuntimeError, AssertionError, TypeError)):
            lib.cuda.FloatTensor(2)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        gg.nn.Linear(2, 2).type(gg.cuda.DoubleTensor)


def test_module_type_with_legacy_names_casts_like_pytorch():
    for lib in (gg, torch):
        lin = lib.nn.Linear(2, 1).type("torch.DoubleTensor")
        assert lin.weight.dtype == lib.float64 and lin.weight.device.type == "cpu"
        lin = lin.type(lib.FloatTensor)
        assert lin.weight.dtype == lib.float32


# -- on a CUDA machine ----------------------------------------------------------------------------------------------
@gpu
@needs_gpu
def test_gpu_streams_and_events_order_and_time_work():
    s = gg.cuda.Stream()
    assert s != gg.cuda.default_stream() and gg.cuda.default_stream().cuda_stream == 0
    assert gg.cuda.current_stream() == gg.cuda.default_stream()
    assert "gpugrad.cuda.Stream device=cuda:0" in repr(s) and s.device == gg.device("cuda:0")
    x = gg.randn(512, 512, device="cuda")
    with gg.cuda.stream(s):
        assert gg.cuda.current_stream() == s
        import cupy
        assert cupy.cuda.get_current_stream().ptr == s.cuda_stream      # gpugrad's ops go to s
        start, end = gg.cuda.Event(enable_timing=True), gg.cuda.Event(enable_timing=True)
        start.record()
        y = (x @ x).relu().sum()
        end.record()
    assert gg.cuda.current_stream() == gg.cuda.default_stream()         # restored
    gg.cuda.current_stream().wait_stream(s)
    end.synchronize()
    assert end.query() and s.query()
    assert start.elapsed_time(end) >= 0
    ref = float(((x.cpu() @ x.cpu()).relu().sum()).item())
    assert abs(float(y.item()) - ref) <= 1e-3 * abs(ref) + 1e-2
    with s:                                                             # a Stream is its own context
        assert gg.cuda.current_stream() == s
    e = s.record_event()
    e.wait()
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        gg.cuda.Event().elapsed_time(gg.cuda.Event())
    with pytest.raises(RuntimeError, match="recorded"):
        gg.cuda.Event(enable_timing=True).elapsed_time(end)
    hi = gg.cuda.Stream(priority=-100)                                  # clamped to the device's range
    assert hi.priority <= 0


@gpu
@needs_gpu
def test_gpu_device_properties_and_memory():
    p = gg.cuda.get_device_properties(0)
    tp = torch.cuda.get_device_properties(0) if torch.cuda.is_available() else None
    assert p.name == gg.cuda.get_device_name(0) and (p.major, p.minor) == gg.cuda.get_device_capability(0)
    assert p.total_memory > 0 and p.multi_processor_count > 0 and p.warp_size == 32
    if tp is not None:
        assert (p.name, p.major, p.minor, p.total_memory, p.multi_processor_count) == \
            (tp.name, tp.major, tp.minor, tp.total_memory, tp.multi_processor_count)
        assert p.L2_cache_size == tp.L2_cache_size
    free, total = gg.cuda.mem_get_info()
    assert 0 < free <= total == p.total_memory
    x = gg.ones(1 << 20, device="cuda")
    stats = gg.cuda.memory_stats()
    assert stats["allocated_bytes.all.current"] >= x.numel() * 4
    assert stats["allocated_bytes.all.peak"] >= stats["allocated_bytes.all.current"]
    assert "Allocated memory" in gg.cuda.memory_summary()
    assert gg.cuda.is_initialized() and gg.cuda.get_arch_list()
    assert gg.cuda.is_bf16_supported() and gg.cuda.is_bf16_supported(False) == (p.major >= 8)
    gg.manual_seed(5)
    assert gg.cuda.initial_seed() == 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        gg.cuda.reset_max_memory_allocated()
    assert gg.cuda.max_memory_allocated() == gg.cuda.memory_allocated()
    y = gg.ones(3).type(gg.cuda.FloatTensor)
    assert isinstance(y, gg.cuda.FloatTensor) and not isinstance(y, gg.FloatTensor)
    assert y.type() == "torch.cuda.FloatTensor" and y.type(gg.DoubleTensor).device.type == "cpu"
    assert gg.cuda.LongTensor(4).device.type == "cuda"


def test_xpu_answers_as_pytorchs_build_without_xpu():
    assert gg.xpu.is_available() is torch.xpu.is_available() is False
    assert gg.xpu.device_count() == torch.xpu.device_count() == 0
    assert gg.xpu.is_initialized() is torch.xpu.is_initialized() is False
    for lib in (gg, torch):
        lib.xpu.manual_seed(0)
        lib.xpu.empty_cache()
    with pytest.raises(RuntimeError, match="no Intel GPU"):
        gg.xpu.current_device()
    with pytest.raises(AssertionError):
        torch.xpu.current_device()
