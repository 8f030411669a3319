"""gpugrad.testing (assert_close, assert_allclose, make_tensor) against torch.testing: the same outcome (pass,
or the same exception class) and the same message, up to the library's name in dtypes and the repr of shapes."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

NAN = float("nan")

CLOSE = [
    ("equal", lambda L: L.testing.assert_close(L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0]))),
    ("within_default", lambda L: L.testing.assert_close(L.ones(2), L.ones(2) + 1e-6)),
    ("not_close", lambda L: L.testing.assert_close(L.tensor([1.0, 2.0, 3.0]), L.tensor([1.0, 2.5, 3.1]))),
    ("not_close_2d", lambda L: L.testing.assert_close(L.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                                      L.tensor([[1.0, 2.0], [3.5, 0.0]]))),
    ("float64", lambda L: L.testing.assert_close(L.tensor([1.0], dtype=L.float64),
                                                 L.tensor([1.0 + 1e-6], dtype=L.float64))),
    ("float16", lambda L: L.testing.assert_close(L.tensor([1.0], dtype=L.float16),
                                                 L.tensor([1.002], dtype=L.float16))),
    ("ints", lambda L: L.testing.assert_close(L.tensor([1, 2]), L.tensor([1, 3]))),
    ("bools", lambda L: L.testing.assert_close(L.tensor([True, False]), L.tensor([True, True]))),
    ("uint8_wrap", lambda L: L.testing.assert_close(L.tensor([0, 200], dtype=L.uint8),
                                                    L.tensor([255, 100], dtype=L.uint8))),
    ("zero_d", lambda L: L.testing.assert_close(L.tensor(1.0), L.tensor(1.5))),
    ("nan", lambda L: L.testing.assert_close(L.tensor([NAN, 1.0]), L.tensor([NAN, 1.0]))),
    ("nan_equal", lambda L: L.testing.assert_close(L.tensor([NAN, 1.0]), L.tensor([NAN, 1.0]), equal_nan=True)),
    ("inf", lambda L: L.testing.assert_close(L.tensor([float("inf")]), L.tensor([float("inf")]))),
    ("expected_zero", lambda L: L.testing.assert_close(L.ones(2), L.zeros(2))),
    ("dtype", lambda L: L.testing.assert_close(L.ones(2), L.ones(2, dtype=L.float64))),
    ("dtype_unchecked", lambda L: L.testing.assert_close(L.ones(2), L.ones(2, dtype=L.float64) + 1e-6,
                                                         check_dtype=False)),
    ("dtype_unchecked_int", lambda L: L.testing.assert_close(L.tensor([1, 2]), L.tensor([1.0, 2.5]),
                                                             check_dtype=False)),
    ("shape", lambda L: L.testing.assert_close(L.ones(2), L.ones(3))),
    ("stride", lambda L: L.testing.assert_close(L.ones(2, 3), L.ones(3, 2).t(), check_stride=True)),
    ("stride_unchecked", lambda L: L.testing.assert_close(L.ones(2, 3), L.ones(3, 2).t())),
    ("tols", lambda L: L.testing.assert_close(L.ones(2), L.ones(2) * 1.1, rtol=0.2, atol=0.0)),
    ("tols_fail", lambda L: L.testing.assert_close(L.ones(2), L.ones(2) * 1.1, rtol=0.01, atol=0.01)),
    ("rtol_only", lambda L: L.testing.assert_close(L.ones(2), L.ones(2), rtol=1e-3)),
    ("atol_only", lambda L: L.testing.assert_close(L.ones(2), L.ones(2), atol=1e-3)),
    ("msg", lambda L: L.testing.assert_close(L.ones(2), L.zeros(2), msg="custom")),
    ("msg_callable", lambda L: L.testing.assert_close(L.ones(2), L.zeros(2), msg=lambda m: m + " [more]")),
    ("msg_nested", lambda L: L.testing.assert_close([L.ones(1), {"a": L.ones(2)}], [L.ones(1), {"a": L.zeros(2)}],
                                                    msg=lambda m: m.upper())),
    ("list", lambda L: L.testing.assert_close([L.ones(2)], [L.zeros(2)])),
    ("tuple_ok", lambda L: L.testing.assert_close((L.ones(2), 1, None), (L.ones(2), 1, None))),
    ("list_len", lambda L: L.testing.assert_close([1, 2], [1, 2, 3])),
    ("dict", lambda L: L.testing.assert_close({"a": L.ones(2)}, {"a": L.zeros(2)})),
    ("dict_keys", lambda L: L.testing.assert_close({"a": 1, "b": 2}, {"a": 1, "c": 2})),
    ("nested", lambda L: L.testing.assert_close({"x": [L.ones(1), (2.0, L.ones(2))]},
                                                {"x": [L.ones(1), (2.0, L.ones(2) * 2)]})),
    ("ints_py", lambda L: L.testing.assert_close(1, 1)),
    ("ints_py_fail", lambda L: L.testing.assert_close(1, 2)),
    ("int_float", lambda L: L.testing.assert_close(1, 1.0)),
    ("int_float_unchecked", lambda L: L.testing.assert_close(1, 1.0, check_dtype=False)),
    ("floats_py", lambda L: L.testing.assert_close(1.0, 1.5)),
    ("floats_py_nan", lambda L: L.testing.assert_close(NAN, NAN, equal_nan=True)),
    ("floats_py_nan_fail", lambda L: L.testing.assert_close(NAN, NAN)),
    ("numpy_scalars", lambda L: L.testing.assert_close(np.float32(1.0), 1.0)),
    ("numpy_arrays", lambda L: L.testing.assert_close(np.ones(2), np.ones(2))),
    ("numpy_arrays_fail", lambda L: L.testing.assert_close(np.ones(2), np.zeros(2))),
    ("numpy_and_tensor", lambda L: L.testing.assert_close(np.ones(2), L.ones(2))),
    ("tensor_and_list", lambda L: L.testing.assert_close(L.ones(2), [1.0, 1.0])),
    ("tensor_and_float", lambda L: L.testing.assert_close(L.tensor(1.0), 1.0)),
    ("bool_py", lambda L: L.testing.assert_close(True, False)),
    ("bool_py_ok", lambda L: L.testing.assert_close(np.bool_(True), True)),
    ("none", lambda L: L.testing.assert_close(None, None)),
    ("none_fail", lambda L: L.testing.assert_close(None, 1)),
    ("strings", lambda L: L.testing.assert_close("a", "b")),
    ("parameter", lambda L: L.testing.assert_close(L.nn.Parameter(L.ones(2)), L.ones(2))),
    ("parameter_strict", lambda L: L.testing.assert_close(L.nn.Parameter(L.ones(2)), L.ones(2),
                                                          allow_subclasses=False)),
    ("requires_grad", lambda L: L.testing.assert_close(L.ones(2, requires_grad=True) * 2, L.ones(2) * 2)),
    ("empty", lambda L: L.testing.assert_close(L.ones(0, 3), L.ones(0, 3))),
    ("allclose", lambda L: L.testing.assert_allclose(L.ones(2), [1.0, 1.00001])),
    ("allclose_fail", lambda L: L.testing.assert_allclose(L.ones(2), [1.0, 1.1])),
    ("allclose_nan", lambda L: L.testing.assert_allclose(L.tensor([NAN]), [NAN])),
    ("allclose_dtype", lambda L: L.testing.assert_allclose(L.ones(2, dtype=L.float64), L.ones(2), msg="m")),
]


def _outcome(fn, L):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            fn(L)
        except Exception as e:       # noqa: BLE001  (the class and the message are compared)
            return type(e), str(e)
    return None, None


def _normal(msg):
    msg = msg.replace("torch.Size(", "gpugrad.Size(")
    msg = msg.replace("<class 'torch.Tensor'>", "<class 'gpugrad.tensor.Tensor'>")
    msg = msg.replace("<class 'torch.nn.parameter.Parameter'>", "<class 'gpugrad.nn.parameter.Parameter'>")
    return re.sub(r"torch\.(float|int|uint|bool)", r"gpugrad.\1", msg)


@pytest.mark.parametrize("name,fn", CLOSE, ids=[c[0] for c in CLOSE])
def test_assert_close_matches_torch(name, fn):
    g_cls, g_msg = _outcome(fn, gg)
    t_cls, t_msg = _outcome(fn, torch)
    assert g_cls is t_cls, (g_cls, g_msg, t_cls, t_msg)
    if t_msg is not None:
        assert g_msg == _normal(t_msg)


def test_assert_close_device(device):
    a = gg.ones(2, device=device)
    if device == "cpu":
        gg.testing.assert_close(a, gg.ones(2))
        return
    with pytest.raises(AssertionError, match="attribute 'device' do not match"):
        gg.testing.assert_close(a, gg.ones(2))
    gg.testing.assert_close(a, gg.ones(2), check_device=False)
    with pytest.raises(AssertionError, match="Mismatched elements: 2 / 2"):
        gg.testing.assert_close(a, gg.zeros(2), check_device=False)


def test_assert_allclose_warns():
    for L in (gg, torch):
        with pytest.warns(FutureWarning, match="assert_allclose"):
            L.testing.assert_allclose(L.ones(1), L.ones(1))


DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_make_tensor_ranges(dtype, device):
    torch.manual_seed(0)
    t = gg.testing.make_tensor(200, dtype=getattr(gg, dtype), device=device)
    ref = torch.testing.make_tensor(200, dtype=getattr(torch, dtype), device="cpu")
    assert t.dtype == getattr(gg, dtype) and tuple(t.shape) == tuple(ref.shape)
    v, r = t.cpu().numpy().astype(np.float64), ref.numpy().astype(np.float64)
    # the same value range as torch's default: both span the interval (200 draws) and stay inside it
    assert v.min() >= min(r.min(), -9) and v.max() <= max(r.max(), 9 if dtype.startswith("float") else 9)
    assert v.max() - v.min() >= (0.5 * (r.max() - r.min()))


@pytest.mark.parametrize("kw", [
    dict(low=2, high=5), dict(low=-1.5, high=0.5), dict(low=0, high=3, exclude_zero=True),
    dict(noncontiguous=True), dict(noncontiguous=True, exclude_zero=True), dict(requires_grad=True),
    dict(low=-1000, high=1000),
], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "uint8", "bool"])
def test_make_tensor_options(kw, dtype):
    torch.manual_seed(0)
    def call(L):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return L.testing.make_tensor((3, 40), dtype=getattr(L, dtype), device="cpu", **kw)
    outcome = []
    for L in (gg, torch):
        try:
            outcome.append(call(L))
        except Exception as e:       # noqa: BLE001
            outcome.append(type(e))
    g, t = outcome
    if isinstance(t, type):
        assert g is t, (g, t)
        return
    assert g.dtype == getattr(gg, dtype) and tuple(g.shape) == tuple(t.shape)
    assert g.is_contiguous() == t.is_contiguous() and g.requires_grad == t.requires_grad
    gv, tv = g.detach().numpy().astype(np.float64), t.detach().numpy().astype(np.float64)
    lo, hi = tv.min(), tv.max()      # 120 draws each: the same interval, up to a tenth of its width
    slack = 0.1 * (hi - lo) + (1 if dtype in ("int32", "uint8", "bool") else 0)
    assert lo - slack <= gv.min() and gv.max() <= hi + slack and gv.max() - gv.min() >= 0.5 * (hi - lo)
    if kw.get("exclude_zero"):
        assert (gv != 0).all()


MAKE_ERRORS = [
    ("low_ge_high", dict(low=3, high=2)),
    ("nan", dict(low=float("nan"))),
    ("outside", dict(low=300, high=400, dtype="uint8")),
    ("grad_int", dict(requires_grad=True, dtype="int64")),
    ("noncontig_format", dict(noncontiguous=True, memory_format="contiguous_format")),
]


@pytest.mark.parametrize("name,kw", MAKE_ERRORS, ids=[c[0] for c in MAKE_ERRORS])
def test_make_tensor_errors(name, kw):
    classes = []
    for L in (gg, torch):
        kw2 = dict(kw)
        dt = getattr(L, kw2.pop("dtype", "float32"))
        if "memory_format" in kw2:
            kw2["memory_format"] = getattr(L, kw2["memory_format"])
        with pytest.raises(Exception) as info:
            L.testing.make_tensor(2, 3, dtype=dt, device="cpu", **kw2)
        classes.append(info.type)
    assert classes[0] is classes[1]
