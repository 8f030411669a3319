"""PyTorch's top-level utilities against PyTorch (the oracle): finfo/iinfo, promote_types, result_type,
can_cast, is_complex/is_nonzero, typename, is_storage, get_default_device, the thread settings, the
deterministic-algorithm flags and compile."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import gpugrad as gg
from torch_oracle import same_outcome

torch = pytest.importorskip("torch")

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
ALL = ["bool"] + INTS + FLOATS


def _dt(lib, name):
    return getattr(lib, name)


def _same_dtype(g, t):
    assert str(g).replace("gpugrad.", "") == str(t).replace("torch.", ""), (g, t)



# -- finfo / iinfo -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    g, t = gg.finfo(_dt(gg, name)), torch.finfo(_dt(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(g, attr) == getattr(t, attr), attr
    assert repr(g) == repr(t)


def test_finfo_default_python_float_and_equality():
    assert gg.finfo().dtype == torch.finfo().dtype == "float32"
    gg.set_default_dtype(gg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert gg.finfo().dtype == torch.finfo().dtype == "float64"
    finally:
        gg.set_default_dtype(gg.float32)
        torch.set_default_dtype(torch.float32)
    assert gg.finfo(float).dtype == torch.finfo(float).dtype
    assert (gg.finfo(gg.float32) == gg.finfo(gg.float32)) and gg.finfo(gg.float32) != gg.finfo(gg.float64)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    g, t = gg.iinfo(_dt(gg, name)), torch.iinfo(_dt(torch, name))
    assert (g.bits, g.max, g.min, g.dtype) == (t.bits, t.max, t.min, t.dtype)
    assert type(g.max) is type(t.max) is int
    assert repr(g) == repr(t)


@pytest.mark.parametrize("call", [
    lambda L: L.finfo(L.int32), lambda L: L.finfo(L.bool), lambda L: L.iinfo(L.float32), lambda L: L.iinfo(L.bool),
    lambda L: L.finfo("float32"), lambda L: L.iinfo(), lambda L: L.iinfo("int32")])
def test_info_errors_match_torch(call):
    same_outcome(call)


# -- promotion -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(ALL, 2)))
def test_promote_types_matches_torch(a, b):
    g, t = same_outcome(lambda L: L.promote_types(_dt(L, a), _dt(L, b)))
    _same_dtype(g, t)
    g, t = same_outcome(lambda L: L.promote_types(_dt(L, b), _dt(L, a)))
    _same_dtype(g, t)


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)))
def test_can_cast_matches_torch(a, b):
    assert gg.can_cast(_dt(gg, a), _dt(gg, b)) == torch.can_cast(_dt(torch, a), _dt(torch, b))


def _operands(L, spec):
    """('dim'|'zero', dtype name) -> a tensor; a Python number as is."""
    if isinstance(spec, tuple):
        kind, name = spec
        return L.ones((2,) if kind == "dim" else (), dtype=_dt(L, name))
    return spec


_RESULT = [(("dim", a), ("dim", b)) for a, b in itertools.product(["bool", "uint8", "int8", "int32", "float16",
                                                                    "float32", "float64"], repeat=2)]
_RESULT += [(("dim", a), ("zero", b)) for a, b in itertools.product(["bool", "uint8", "int32", "float16"],
                                                                    ["bool", "int64", "float64", "int8"])]
_RESULT += [(x, n) for x in [("dim", "bool"), ("dim", "uint8"), ("zero", "uint8"), ("dim", "int32"),
                             ("zero", "float16"), ("dim", "float64")] for n in [True, 2, -1, 2.5]]
_RESULT += [(2, 3), (True, 3), (2, 3.0), (True, False), (1.5, 2.5), (("zero", "int8"), ("zero", "uint8"))]


@pytest.mark.parametrize("a,b", _RESULT, ids=str)
def test_result_type_matches_torch(a, b):
    for x, y in ((a, b), (b, a)):
        g, t = same_outcome(lambda L: L.result_type(_operands(L, x), _operands(L, y)))
        _same_dtype(g, t)


def test_result_type_follows_default_dtype_and_complex():
    gg.set_default_dtype(gg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        _same_dtype(gg.result_type(gg.tensor([1]), 2.5), torch.result_type(torch.tensor([1]), 2.5))
    finally:
        gg.set_default_dtype(gg.float32)
        torch.set_default_dtype(torch.float32)
    _same_dtype(gg.result_type(gg.ones(2), 1j), torch.result_type(torch.ones(2), 1j))
    _same_dtype(gg.result_type(gg.ones(2, dtype=gg.float64), 1j),
                torch.result_type(torch.ones(2, dtype=torch.float64), 1j))
    with pytest.raises(TypeError):
        gg.result_type(gg.ones(2), "a")


# -- predicates and names ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L: L.is_complex(L.ones(2)), lambda L: L.is_complex(1.0), lambda L: L.is_nonzero(L.tensor([1.5])),
    lambda L: L.is_nonzero(L.tensor(0)), lambda L: L.is_nonzero(L.tensor([[False]])),
    lambda L: L.is_nonzero(L.tensor([1, 2])), lambda L: L.is_nonzero(L.tensor([])), lambda L: L.is_nonzero(1),
    lambda L: L.ones(2).is_complex(), lambda L: L.tensor([3]).is_nonzero(),
    lambda L: L.is_storage(L.ones(2)), lambda L: L.is_storage(3)])
def test_predicates_match_torch(call):
    g, t = same_outcome(call)
    assert g == t


def test_complex_tensor_is_complex():
    z = gg.from_numpy(np.array([1 + 2j]))
    assert gg.is_complex(z) and z.is_complex() and torch.is_complex(torch.tensor([1 + 2j]))


@pytest.mark.parametrize("make", [lambda L: L.ones(2), lambda L: L.tensor([1]), lambda L: L.tensor([True]),
                                  lambda L: L.ones(1, dtype=L.float16), lambda L: L.ones(1, dtype=L.uint8),
                                  lambda L: 1, lambda L: "s", lambda L: [1], lambda L: None])
def test_typename_matches_torch(make):
    assert gg.typename(make(gg)) == torch.typename(make(torch))


def test_typename_of_gpugrad_classes():
    assert gg.typename(gg.nn.Linear(1, 1)) == f"{gg.nn.Linear.__module__}.Linear"


def test_get_default_device_matches_torch():
    assert str(gg.get_default_device()) == str(torch.get_default_device())
    assert gg.get_default_device() == gg.default_device()


# -- threads -----------------------------------------------------------------------------------------------------
@pytest.fixture
def thread_state():
    """Restore the BLAS policy, Numba's threads and the interop record after a test that changes them."""
    import numba
    from gpugrad import _runtime
    from gpugrad.kernels import _blas
    _blas.fixed_threads()
    saved, nthreads, interop = dict(_blas._state), numba.get_num_threads(), _runtime._interop[0]
    torch_threads = torch.get_num_threads()
    yield
    if saved["ctl"] and saved["current"]:
        saved["ctl"].set_num_threads(saved["current"])
    _blas._state.update(saved)
    numba.set_num_threads(nthreads)
    _runtime._interop[0] = interop
    torch.set_num_threads(torch_threads)


def test_set_num_threads_round_trips_like_torch_and_sets_blas_and_numba(thread_state):
    import numba
    for n in (1, 2):
        gg.set_num_threads(n)
        torch.set_num_threads(n)
        assert gg.get_num_threads() == torch.get_num_threads() == n
        assert numba.get_num_threads() == min(n, numba.config.NUMBA_NUM_THREADS)
        threadpoolctl = pytest.importorskip("threadpoolctl")
        blas = threadpoolctl.threadpool_info()
        blas = [b for b in blas if b["user_api"] == "blas"]
        if blas:
            assert blas[0]["num_threads"] == n
    from gpugrad.kernels import _blas
    assert _blas.fixed_threads() == 2      # as GPUGRAD_BLAS_THREADS=2: the per-matmul choice is off
    _blas.prepare(4, 4, 4)                 # a small matmul keeps the fixed count
    assert _blas._state["current"] in (2, None)


def test_blas_threads_env_zero_is_overridden_by_set_num_threads(thread_state):
    from gpugrad.kernels import _blas
    _blas._state["fixed"] = 0              # GPUGRAD_BLAS_THREADS=0: leave the BLAS alone ...
    assert gg.get_num_threads() >= 1
    gg.set_num_threads(1)                  # ... until the script asks for a count
    assert _blas.fixed_threads() == 1 and gg.get_num_threads() == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_errors_match_torch(bad, thread_state):
    if bad is True:                        # PyTorch takes a bool as an int; gpugrad refuses it
        with pytest.raises(RuntimeError):
            gg.set_num_threads(bad)
        return
    same_outcome(lambda L: L.set_num_threads(bad))
    same_outcome(lambda L: L.set_num_interop_threads(bad))


def test_interop_threads_are_recorded_once(thread_state):
    from gpugrad import _runtime
    _runtime._interop[0] = None
    assert gg.get_num_interop_threads() == torch.get_num_interop_threads() or gg.get_num_interop_threads() >= 1
    gg.set_num_interop_threads(3)
    assert gg.get_num_interop_threads() == 3
    with pytest.raises(RuntimeError):          # PyTorch: once per process
        gg.set_num_interop_threads(2)


# -- deterministic algorithms ------------------------------------------------------------------------------------
def test_deterministic_flags_match_torch():
    try:
        for mode, warn_only in ((True, False), (True, True), (False, False)):
            gg.use_deterministic_algorithms(mode, warn_only=warn_only)
            torch.use_deterministic_algorithms(mode, warn_only=warn_only)
            assert gg.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
            assert (gg.is_deterministic_algorithms_warn_only_enabled()
                    == torch.is_deterministic_algorithms_warn_only_enabled())
            assert gg.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
        for m in ("warn", 2, "default", 1, 0):
            gg.set_deterministic_debug_mode(m)
            torch.set_deterministic_debug_mode(m)
            assert gg.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
            assert gg.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
        same_outcome(lambda L: L.use_deterministic_algorithms("x"))
        same_outcome(lambda L: L.set_deterministic_debug_mode("bad"))
        same_outcome(lambda L: L.set_deterministic_debug_mode(5))
    finally:
        gg.use_deterministic_algorithms(False)
        torch.use_deterministic_algorithms(False)


# -- compile -----------------------------------------------------------------------------------------------------
def test_compile_returns_the_model_unchanged():
    net = gg.nn.Sequential(gg.nn.Linear(3, 2), gg.nn.ReLU())
    x = gg.randn(4, 3)
    compiled = gg.compile(net, fullgraph=True, dynamic=False, backend="eager", mode="reduce-overhead", name="n",
                          disable=False, recompile_limit=4)
    assert compiled is net and gg.equal(compiled(x), net(x))
    assert list(compiled.state_dict()) == list(net.state_dict())

    @gg.compile(options={"x": 1})
    def f(a, b=2):
        return a * b
    assert f(3) == 6 and f(3, b=4) == 12


@pytest.mark.parametrize("call", [
    lambda L: L.compile(lambda x: x, mode="bogus"),
    lambda L: L.compile(lambda x: x, mode="default", options={}),
    lambda L: L.compile(lambda x: x, foo=1), lambda L: L.compile(5),
    lambda L: L.compile(lambda x: x, mode="max-autotune-no-cudagraphs")(2)])
def test_compile_argument_errors_match_torch(call):
    same_outcome(call)


def test_compile_keywords_match_torch():
    import inspect
    g = inspect.signature(gg.compile).parameters
    t = inspect.signature(torch.compile).parameters
    assert list(g) == list(t)


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_python_float_as_dtype_is_float64_whatever_the_default(default):
    """``dtype=float`` means float64 in PyTorch (Python's float is a double), not the default dtype."""
    tprev, gprev = torch.get_default_dtype(), gg.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    gg.set_default_dtype(getattr(gg, default))
    try:
        for make in (lambda L: L.zeros(2, dtype=float), lambda L: L.ones(2).to(float),
                     lambda L: L.tensor([1, 2], dtype=float), lambda L: L.ones(2).new_zeros(1, dtype=float),
                     lambda L: L.arange(3, dtype=float), lambda L: L.tensor([1, 2], dtype=int),
                     lambda L: L.tensor([1, 0], dtype=bool)):
            assert str(make(gg).dtype) == str(make(torch).dtype).replace("torch.", "gpugrad.")
    finally:
        torch.set_default_dtype(tprev)
        gg.set_default_dtype(gprev)
