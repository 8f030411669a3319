"""Devices: parsing, factories on a chosen device, moves, mixed-device errors, per-device random numbers,
zero-copy interop (DLPack, NumPy), the TF32 switch, and the CUDA runtime API.

The CPU-only tests use the strict test device ('strict:N', gpugrad/backend/strict.py) where a second device
is needed: it behaves like a GPU seen from Python (its own arrays, an explicit host copy, device indices).
Tests marked ``gpu`` run on a CUDA machine (scripts/gpu_check.sh) and skip here.
"""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.backend import strict

ON_GPU = gg.cuda.is_available()
gpu = pytest.mark.gpu
needs_gpu = pytest.mark.skipif(not ON_GPU, reason="no CUDA GPU here (CuPy missing or no device answered)")
needs_two_gpus = pytest.mark.skipif(gg.cuda.device_count() < 2, reason="needs two CUDA GPUs")


# -- parsing ------------------------------------------------------------------------------------------------------
def test_device_parsing_and_equality():
    assert gg.device("cpu") == "cpu" and str(gg.device("cpu")) == "cpu"
    assert gg.device("cuda:1") == gg.device(1) == "cuda:1" and gg.device("cuda:1").index == 1
    assert gg.device("cuda:0") != "cuda:1" and gg.device("cpu") != "cuda:0"
    assert gg.device("CUDA:2") is gg.device("cuda:2")                  # one object per device
    assert hash(gg.device("cuda:1")) == hash(gg.device(1))
    assert repr(gg.device("cuda:3")) == "device(type='cuda', index=3)"
    assert gg.device(gg.device("strict:1")) is gg.device("strict:1")
    for bad in ("gpu", "cuda:x", "cuda:-1", 1.5):
        with pytest.raises(ValueError, match="expected 'cpu', 'cuda' or 'cuda:N'"):
            gg.device(bad)


@pytest.mark.skipif(ON_GPU, reason="checks the errors of a machine without a GPU")
def test_without_a_gpu_cuda_requests_fail_clearly():
    assert not gg.cuda.is_available() and gg.cuda.device_count() == 0
    for make in (lambda: gg.zeros(2, device="cuda"), lambda: gg.tensor([1.0]).cuda(),
                 lambda: gg.set_default_device("cuda:0")):
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            make()
    with pytest.raises(RuntimeError, match="current_device: CUDA is not available"):
        gg.cuda.current_device()
    gg.cuda.synchronize()                                         # no-ops without a GPU
    gg.cuda.empty_cache()
    assert gg.cuda.memory_allocated() == gg.cuda.max_memory_allocated() == gg.cuda.memory_reserved() == 0


# -- factories put their arrays on the requested device -------------------------------------------------------------
FACTORIES = {
    "tensor": lambda d: gg.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: gg.as_tensor([1.0, 2.0], device=d),
    "zeros": lambda d: gg.zeros(2, 3, device=d), "ones": lambda d: gg.ones((2,), device=d),
    "empty": lambda d: gg.empty(2, device=d), "full": lambda d: gg.full((2,), 7.0, device=d),
    "arange": lambda d: gg.arange(5, device=d), "linspace": lambda d: gg.linspace(0, 1, 5, device=d),
    "eye": lambda d: gg.eye(3, device=d), "rand": lambda d: gg.rand(4, device=d),
    "randn": lambda d: gg.randn(4, dtype=gg.float16, device=d), "randint": lambda d: gg.randint(0, 9, (4,), device=d),
    "randperm": lambda d: gg.randperm(6, device=d),
    "zeros_like": lambda d: gg.zeros_like(gg.ones(2, device=d)),
    "full_like": lambda d: gg.full_like(gg.ones(2, device=d), 3.0),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories_create_on_the_requested_device_index(name):
    t = FACTORIES[name]("strict:1")
    assert t.device == "strict:1" and t._data.device is strict.StrictDevice(1)
    with strict.StrictDevice(1):                     # the "current device" does not override device=
        assert FACTORIES[name]("strict:0")._data.device is strict.StrictDevice(0)


def test_set_default_device():
    try:
        gg.set_default_device("strict:1")
        assert gg.zeros(2).device == "strict:1" and gg.tensor([1.0]).device == "strict:1"
        assert gg.randn(2).device == "strict:1"
    finally:
        gg.set_default_device("cpu")
    assert gg.zeros(2).device == "cpu" and gg.default_device() == "cpu"


# -- moves ------------------------------------------------------------------------------------------------------------
def test_moves_between_devices_keep_values_and_gradients():
    x = gg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.to("strict:1")
    z = y.to(gg.device("strict:0"))
    assert y.device == "strict:1" and z.device == "strict:0" and not y.is_cuda
    assert z.to("strict:0") is z                                     # no copy when already there
    out = (z * z).cpu()
    assert out.device == "cpu" and out.tolist() == [1.0, 4.0, 9.0]
    out.sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, -4.0, 6.0]
    y._data[0] = 100.0                                                # a move copies: x is untouched
    assert x.tolist() == [1.0, -2.0, 3.0]


def test_op_on_two_devices_names_both():
    a = gg.ones(2, 3)
    for b, other in ((gg.ones(2, 3, device="strict"), "strict:0"), (gg.ones(3, device="strict:1"), "strict:1")):
        x = a if other == "strict:0" else a.to("strict:0")
        with pytest.raises(RuntimeError, match=rf"expected all tensors on the same device, got .*{x.device}.*"
                                               rf"and {other}"):
            x + b
    with pytest.raises(RuntimeError, match="same device"):
        gg.matmul(gg.ones(2, 2, device="strict:0"), gg.ones(2, 2, device="strict:1"))



def test_inplace_constant_writes_allocate_on_the_tensors_device():
    """fill_/zero_/copy_ of a constant into a recorded tensor on strict:1 build the constant there, not on the
    current device (strict:0), which then met strict:1 in the write."""
    x = gg.ones(3, device="strict:1", requires_grad=True)
    for write in (lambda y: y.fill_(5.0), lambda y: y.zero_(), lambda y: y.copy_(4.0)):
        y = x * 2
        write(y)
        assert y.device == "strict:1" and y._data.device is strict.StrictDevice(1)
        y.sum().backward()
        assert x.grad.device == "strict:1" and x.grad.tolist() == [0.0, 0.0, 0.0]
        x.grad = None
    with gg.no_grad():
        z = gg.ones(2, device="strict:1")
        z.copy_(3.0)
    assert z._data.device is strict.StrictDevice(1) and z.tolist() == [3.0, 3.0]

# -- random numbers ------------------------------------------------------------------------------------------------
def test_manual_seed_drives_every_device_generator():
    gg.manual_seed(123)
    a = [gg.rand(5, device="strict:1").tolist(), gg.randn(3, device="strict:1").tolist(),
         gg.randperm(7, device="strict:1").tolist()]
    gg.manual_seed(123)
    b = [gg.rand(5, device="strict:1").tolist(), gg.randn(3, device="strict:1").tolist(),
         gg.randperm(7, device="strict:1").tolist()]
    assert a == b
    gg.manual_seed(123)                          # each device has its own stream, seeded alike:
    cpu = gg.rand(5).tolist()                    # the strict device draws as the CPU does (NumPy underneath)
    assert gg.rand(5, device="strict:0").tolist() == cpu == a[0]


def test_dropout_draws_on_its_input_device():
    x = gg.ones(200, device="strict:1", requires_grad=True)
    gg.manual_seed(5)
    y = gg.nn.functional.dropout(x, 0.5)
    assert y.device == "strict:1"
    gg.manual_seed(5)
    assert gg.nn.functional.dropout(x, 0.5).tolist() == y.tolist()


# -- zero-copy interop on the CPU -------------------------------------------------------------------------------------
def test_numpy_interop_shares_memory():
    a = np.arange(4.0)
    t = gg.from_numpy(a)
    assert np.asarray(t) is a or np.shares_memory(np.asarray(t), a)
    b = np.from_dlpack(t)                                       # DLPack out, no copy
    b[0] = 42.0
    assert t.tolist()[0] == 42.0
    u = gg.from_dlpack(a)                                       # DLPack in, no copy
    a[1] = -1.0
    assert u.tolist()[1] == -1.0 and u.device == "cpu"
    assert t.__dlpack_device__()[0] == 1                         # kDLCPU
    assert not hasattr(t, "__cuda_array_interface__")            # a CPU tensor has no CUDA interface
    with pytest.raises(RuntimeError, match="requires grad"):
        gg.tensor([1.0], requires_grad=True).__dlpack__()


def test_torch_dlpack_round_trip_shares_memory():
    torch = pytest.importorskip("torch")
    t = gg.arange(6, dtype=gg.float32).reshape(2, 3)
    tt = torch.from_dlpack(t)
    tt[0, 0] = 9.0
    assert t.tolist()[0][0] == 9.0 and tuple(tt.shape) == (2, 3)
    back = gg.from_dlpack(tt)
    tt[1, 2] = -5.0
    assert back.tolist()[1][2] == -5.0 and back.dtype == gg.float32


# -- the TF32 switch -----------------------------------------------------------------------------------------------
def test_tf32_switch_is_off_by_default_and_settable():
    import os
    m = gg.backends.cuda.matmul
    assert m.allow_tf32 is (int(os.environ.get("CUPY_TF32", "0") or 0) > 0)
    prev = m.allow_tf32
    try:
        m.allow_tf32 = True
        assert m.allow_tf32 and gg.backends.get_float32_matmul_precision() == "high"
        gg.backends.set_float32_matmul_precision("highest")
        assert not m.allow_tf32
        with pytest.raises(TypeError, match="expected a bool"):
            m.allow_tf32 = 1
        with pytest.raises(ValueError, match="'highest', 'high' or 'medium'"):
            gg.backends.set_float32_matmul_precision("low")
    finally:
        m.allow_tf32 = prev


def test_cuda_api_names_an_out_of_range_device(monkeypatch):
    """An ordinal beyond the machine's GPUs gets an error naming the call and the devices there are (checked
    here with a stand-in CuPy reporting two devices and answering like CuPy to a bad ordinal)."""
    from types import SimpleNamespace

    def properties(i):
        if i > 1:
            raise RuntimeError("cudaErrorInvalidDevice: invalid device ordinal")
        return {"name": b"Stand-in"}
    rt = SimpleNamespace(getDeviceCount=lambda: 2, getDevice=lambda: 0, getDeviceProperties=properties)
    monkeypatch.setattr(gg.cuda, "cupy_or_none", lambda: SimpleNamespace(cuda=SimpleNamespace(runtime=rt)))
    assert gg.cuda.get_device_name(1) == "Stand-in" and gg.cuda.get_device_name("cuda:0") == "Stand-in"
    for bad in (2, "cuda:5", -1):
        with pytest.raises(ValueError, match=r"gpugrad.cuda.get_device_name: no CUDA device -?\d; this machine has 2"):
            gg.cuda.get_device_name(bad)
    with pytest.raises(ValueError, match="gpugrad.cuda.device: no CUDA device 3"):
        gg.cuda.device(3)


# -- scatter-add on CuPy's terms -------------------------------------------------------------------------------------
class _AtomicAddOnly:
    """NumPy standing in for CuPy in backend.scatter_add: ``add.at`` refuses what CUDA's atomicAdd cannot add
    (CuPy raises TypeError for int64, int8/16, uint8/16 and bool targets)."""

    class add:
        @staticmethod
        def at(target, index, values):
            if target.dtype.kind in "biu" and target.dtype.char not in "iIQL":
                raise TypeError(f"scatter_add does not support {target.dtype}")
            np.add.at(target, index, values)

    asarray = staticmethod(np.asarray)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8, np.bool_, np.float32, np.float64])
def test_scatter_add_covers_dtypes_that_cupy_cannot_add_atomically(dtype):
    from gpugrad.backend import scatter_add
    idx = np.array([0, 2, 2, 0, 3, 2])
    vals = (np.array([5, -7, 2 ** 40, 9, 1, 3]) if dtype == np.int64 else np.array([5, -7, 100, 9, 1, 3]))
    vals = vals.astype(dtype) if dtype != np.bool_ else np.array([1, 0, 1, 0, 0, 1], bool)
    base = np.array([1, 2, 3, 4], dtype) if dtype != np.bool_ else np.array([0, 1, 0, 0], bool)
    want = base.copy()
    with np.errstate(over="ignore"):
        np.add.at(want, idx, vals)                                    # NumPy's wrap-around for small ints
        got = scatter_add(_AtomicAddOnly, base.copy(), idx, vals)
    assert got.dtype == dtype and got.tolist() == want.tolist()
    dev = strict.StrictDevice(0)                  # the strict device refuses what CuPy refuses, and gets the same
    with pytest.raises(strict.StrictNumpyError, match="xp.add.at: CuPy adds with CUDA atomics"):
        strict.namespace.add.at(strict.wrap(np.zeros(3, np.int64), dev), strict.wrap(np.array([0]), dev), 1)
    got = scatter_add(strict.namespace, strict.wrap(base.copy(), dev), strict.wrap(idx, dev), strict.wrap(vals, dev))
    assert got.dtype == dtype and got.tolist() == want.tolist()


# =====================================================================================================================
# On a GPU (scripts/gpu_check.sh runs these; here they skip)
# =====================================================================================================================
@gpu
@needs_gpu
def test_cuda_runtime_api():
    n = gg.cuda.device_count()
    assert n >= 1 and 0 <= gg.cuda.current_device() < n
    assert isinstance(gg.cuda.get_device_name(), str) and gg.cuda.get_device_name(0)
    major, minor = gg.cuda.get_device_capability()
    assert major >= 3 and minor >= 0
    gg.cuda.synchronize()
    assert gg.device("cuda") == f"cuda:{gg.cuda.current_device()}"


@gpu
@needs_gpu
@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories_on_every_gpu(name):
    for i in range(gg.cuda.device_count()):
        t = FACTORIES[name](f"cuda:{i}")
        assert t.device == f"cuda:{i}" and t._data.device.id == i and t.is_cuda


@gpu
@needs_gpu
def test_cuda_moves_interfaces_and_gradients():
    import cupy
    x = gg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert y.device == "cuda:0" and isinstance(y._data, cupy.ndarray)
    assert y.__cuda_array_interface__["data"][0] == y._data.data.ptr      # zero copy out
    assert cupy.from_dlpack(y.detach()).data.ptr == y._data.data.ptr
    assert gg.from_dlpack(y.detach()._data)._data.data.ptr == y._data.data.ptr
    assert gg.as_tensor(y._data)._data.data.ptr == y._data.data.ptr
    (y * y).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, -4.0, 6.0]
    assert y.cpu().tolist() == [1.0, -2.0, 3.0] and np.asarray(y.detach()).tolist() == [1.0, -2.0, 3.0]


@gpu
@needs_gpu
def test_cuda_random_numbers_are_seeded_per_device():
    for i in range(gg.cuda.device_count()):
        d = f"cuda:{i}"
        gg.manual_seed(11)
        a = (gg.rand(64, device=d).tolist(), gg.randn(8, device=d).tolist(), gg.randint(0, 5, (8,), device=d).tolist(),
             gg.randperm(9, device=d).tolist())
        gg.manual_seed(11)
        b = (gg.rand(64, device=d).tolist(), gg.randn(8, device=d).tolist(), gg.randint(0, 5, (8,), device=d).tolist(),
             gg.randperm(9, device=d).tolist())
        assert a == b and sorted(a[3]) == list(range(9)) and all(0 <= v < 1 for v in a[0])
        x = gg.ones(100, device=d)
        gg.manual_seed(2)
        m1 = gg.nn.functional.dropout(x, 0.5).tolist()
        gg.manual_seed(2)
        assert gg.nn.functional.dropout(x, 0.5).tolist() == m1


@gpu
@needs_gpu
def test_training_step_never_synchronizes():
    """Linear + ReLU + cross_entropy + Adam: forward, backward, step, zero_grad without one host sync (CuPy raises
    inside allow_synchronize(False) on any device-to-host copy)."""
    import cupyx
    from gpugrad import nn, optim
    from gpugrad.nn import functional as F
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10)).cuda()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = gg.randn(128, 32, device="cuda")
    y = gg.randint(0, 10, (128,), device="cuda")
    losses = []
    for _ in range(5):
        with cupyx.allow_synchronize(False):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


# Float32 GPU-vs-CPU tolerances (TF32 off). Both sides round every float32 operation correctly or nearly so
# (CUDA's expf/logf/tanhf are within 2 ulp, NumPy's within 4 ulp), but reductions and GEMMs sum in a different
# order, so their results differ by rounding that grows with the length of the sum:
#   elementwise ops:           |gpu - cpu| <= 1e-6 + 1e-5 |cpu|
#   sums / means over n terms: |gpu - cpu| <= n * 2^-23 * sum|terms|              (the worst-case bound)
#   matmul, inner size K:      |gpu - cpu| <= 2 K 2^-23 (|A| @ |B|)               (gamma_K, both sides)
#   with TF32 allowed:         |gpu - cpu| <= (2 * 2^-11 + 2 K 2^-23) (|A| @ |B|)  (inputs rounded to 10 bits)
EPS32, EPS_TF32 = 2.0 ** -23, 2.0 ** -11


def _both(fn, *arrays):
    cpu = fn(*[gg.tensor(a) for a in arrays])
    gpu_ = fn(*[gg.tensor(a, device="cuda") for a in arrays])
    return gpu_.cpu().numpy().astype(np.float64), cpu.numpy().astype(np.float64)


@gpu
@needs_gpu
@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "erf", "sqrt", "relu", "gelu", "softmax"])
def test_float32_elementwise_matches_cpu(name):
    a = np.random.default_rng(0).uniform(0.1, 3.0, (64, 33)).astype(np.float32)
    F = gg.nn.functional
    fn = {"relu": F.relu, "gelu": F.gelu, "softmax": lambda t: F.softmax(t, -1)}.get(name) or getattr(gg, name)
    g, c = _both(fn, a)
    np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6)


@gpu
@needs_gpu
def test_float32_reductions_match_cpu():
    a = np.random.default_rng(1).standard_normal((100, 1000)).astype(np.float32)
    g, c = _both(lambda t: t.sum(1), a)
    assert np.all(np.abs(g - c) <= 1000 * EPS32 * np.abs(a).sum(1))
    g, c = _both(lambda t: t.mean(), a)
    assert abs(g - c) <= a.size * EPS32 * np.abs(a).mean()


@gpu
@needs_gpu
@pytest.mark.parametrize("tf32", [False, True])
def test_float32_matmul_matches_cpu(tf32):
    rng = np.random.default_rng(2)
    k = 512
    a = rng.standard_normal((256, k)).astype(np.float32)
    b = rng.standard_normal((k, 128)).astype(np.float32)
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    prev = gg.backends.cuda.matmul.allow_tf32
    try:
        gg.backends.cuda.matmul.allow_tf32 = tf32
        g, c = _both(lambda x, y: x @ y, a, b)
    finally:
        gg.backends.cuda.matmul.allow_tf32 = prev
    bound = (2 * EPS_TF32 if tf32 else 0) + 2 * k * EPS32
    assert np.all(np.abs(g - c) <= bound * scale)
    tf32_capable = gg.cuda.get_device_capability()[0] >= 8
    if tf32 and tf32_capable:        # the switch reaches cuBLAS: TF32 rounding is far above float32's
        assert np.max(np.abs(g - exact) / scale) > 16 * EPS32
        import cupy._core._routines_linalg as lin
        gg.backends.cuda.matmul.allow_tf32 = True
        try:
            assert lin.get_compute_type(np.float32) == lin.COMPUTE_TYPE_TF32
        finally:
            gg.backends.cuda.matmul.allow_tf32 = prev
    if not tf32:
        assert np.max(np.abs(g - exact) / scale) <= 2 * k * EPS32


@gpu
@needs_gpu
def test_memory_statistics():
    import cupy
    gg.cuda.empty_cache()
    gg.cuda.reset_peak_memory_stats()
    base = gg.cuda.memory_allocated()
    x = gg.empty(16 * 2 ** 20, dtype=gg.float32, device="cuda")         # 64 MiB
    assert gg.cuda.memory_allocated() >= base + 64 * 2 ** 20
    del x
    assert gg.cuda.memory_allocated() < base + 64 * 2 ** 20
    peak = gg.cuda.max_memory_allocated()
    assert peak >= base + 64 * 2 ** 20                                    # the high-water mark remembers it
    assert gg.cuda.memory_reserved() >= peak - base
    gg.cuda.reset_peak_memory_stats()
    assert gg.cuda.max_memory_allocated() < peak
    gg.cuda.empty_cache()
    assert cupy.get_default_memory_pool().n_free_blocks() == 0


@gpu
@needs_two_gpus
def test_two_gpus_ops_stay_on_their_device_and_refuse_to_mix():
    a = gg.ones(4, 4, device="cuda:1", requires_grad=True)
    with gg.cuda.device(0):                               # the current device does not move the op
        y = gg.nn.functional.relu(a @ a).sum()
    assert y.device == "cuda:1"
    y.backward()
    assert a.grad.device == "cuda:1" and a.grad.tolist()[0][0] == 8.0
    b = a.detach().to("cuda:0")                           # peer copy
    assert b.device == "cuda:0" and b.tolist() == a.detach().tolist()
    with pytest.raises(RuntimeError, match="cuda:1.*and cuda:0|cuda:0.*and cuda:1"):
        a + b


def test_device_as_context_manager_sets_the_default_inside_its_block():
    torch = pytest.importorskip("torch")
    with torch.device("cpu"), gg.device("cpu"):
        assert gg.ones(1).device == "cpu" and torch.ones(1).device.type == "cpu"
    with gg.device("strict:1"):
        assert gg.get_default_device() == "strict:1"
        assert gg.nn.Linear(2, 2).weight.device == "strict:1" and gg.zeros(2).device == "strict:1"
        with gg.device("cpu"):
            assert gg.ones(1).device == "cpu"
        assert gg.arange(3).device == "strict:1"
    assert gg.get_default_device() == "cpu"
    with pytest.raises(KeyError), gg.device("strict:1"):
        raise KeyError("inside")
    assert gg.get_default_device() == "cpu" and gg.ones(1).device == "cpu"
