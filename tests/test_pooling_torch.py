"""Pooling against PyTorch: values, indices and gradients (ties, NaN, -inf windows, ceil mode, batchless input,
integer dtypes) and the errors of bad calls. Gradients against finite differences are in tests/op_table.py."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _input(shape, seed=0, ties=True):
    x = np.random.default_rng(seed).standard_normal(shape)
    if ties:                                       # repeated values: PyTorch's first maximum must win
        x[..., 1::3] = x[..., ::3][..., :x[..., 1::3].shape[-1]]
    return x


def check(name, x, *args, dtype=None, grad=True, **kwargs):
    """The call's outputs (and indices) equal PyTorch's, and so does the gradient for a random cotangent."""
    g = gg.tensor(x, requires_grad=grad)
    t = torch.tensor(x, requires_grad=grad)
    y, ty = getattr(F, name)(g, *args, **kwargs), getattr(TF, name)(t, *args, **kwargs)
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy(), err_msg=f"{name} indices")
        assert y[1].dtype == gg.int64
        y, ty = y[0], ty[0]
    assert y.shape == tuple(ty.shape), (name, y.shape, ty.shape)
    assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
    if grad:
        w = np.random.default_rng(1).standard_normal(tuple(ty.shape))
        (y * gg.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_values_indices_and_gradients(ceil_mode):
    check("max_pool1d", _input((2, 3, 7)), 3, 2, 1, ceil_mode=ceil_mode, return_indices=True)
    check("max_pool1d", _input((3, 6)), 2, ceil_mode=ceil_mode, return_indices=True)          # batchless
    check("max_pool2d", _input((2, 2, 5, 6)), 3, 2, 1, dilation=(1, 2), ceil_mode=ceil_mode, return_indices=True)
    check("max_pool2d", _input((2, 5, 6)), (2, 3), (1, 2), (1, 0), ceil_mode=ceil_mode, return_indices=True)
    check("max_pool3d", _input((1, 2, 4, 5, 5)), 2, (1, 2, 2), 1, ceil_mode=ceil_mode, return_indices=True)
    check("max_pool2d_with_indices", _input((1, 2, 5, 5)), 2, ceil_mode=ceil_mode)


def test_max_pool_nan_and_infinite_windows_follow_torch():
    x = np.array([[[1.0, np.nan, 3.0, np.nan, 2.0], [-np.inf] * 5, [2.0, 2.0, -np.inf, 2.0, 2.0]]])
    for args in ((4,), (3, 1, 1), (2, 2, 1, 1, True)):
        check("max_pool1d", x, *args, return_indices=True, grad=False)
        check("max_pool1d", x[:, 2:], *args, return_indices=True)


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_values_and_gradients(count_include_pad):
    for ceil_mode in (False, True):
        kw = dict(ceil_mode=ceil_mode, count_include_pad=count_include_pad)
        check("avg_pool1d", _input((2, 3, 7)), 3, 2, 1, **kw)
        check("avg_pool1d", _input((3, 7)), 2, **kw)
        check("avg_pool2d", _input((2, 2, 5, 6)), 3, 2, 1, **kw)
        check("avg_pool2d", _input((2, 5, 6)), (2, 3), (1, 2), (1, 0), divisor_override=3, **kw)
        check("avg_pool3d", _input((1, 2, 4, 5, 6)), 2, (1, 2, 2), 1, **kw)


def test_lp_pool_values_and_gradients():
    x = np.abs(_input((2, 2, 5, 6), ties=False)) + 0.1
    check("lp_pool1d", x[0], 2, 3, 2)
    check("lp_pool2d", x, 3, (2, 3), ceil_mode=True)
    check("lp_pool2d", x, float("inf"), 2)
    check("lp_pool3d", x[None], 1.5, 2, 1)


@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "bool"])
def test_pooling_other_dtypes(dtype):
    """Values for the dtypes PyTorch's CPU kernels take; its NotImplementedError for the others."""
    x = np.random.default_rng(0).integers(-9, 9, (1, 2, 5, 5)).astype(dtype)
    for name, args, kwargs in [("max_pool2d", (3, 2, 1), dict(return_indices=True)), ("max_pool1d", (2,), {}),
                               ("avg_pool2d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
                               ("avg_pool1d", (2,), {}), ("avg_pool2d", (2,), dict(divisor_override=3))]:
        try:
            getattr(TF, name)(torch.tensor(x[0] if name.endswith("1d") else x), *args, **kwargs)
        except NotImplementedError:
            with pytest.raises(NotImplementedError, match=name):
                getattr(F, name)(gg.tensor(x[0] if name.endswith("1d") else x), *args, **kwargs)
            continue
        check(name, x[0] if name.endswith("1d") else x, *args, grad=False, **kwargs)


def _raises_as_torch(fn, *args, **kwargs):
    tx = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    with pytest.raises(Exception) as te:
        getattr(TF, fn)(*tx, **kwargs)
    gx = [gg.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    with pytest.raises(te.type) as ge:
        getattr(F, fn)(*gx, **kwargs)
    assert fn in str(ge.value)
    return str(ge.value)


def test_pooling_errors_match_torch():
    x = np.zeros((1, 2, 5, 5))
    assert "pad=(2, 2)" in _raises_as_torch("max_pool2d", x, 3, padding=2)
    assert "too small" in _raises_as_torch("max_pool2d", np.zeros((1, 2, 2, 2)), 3)
    assert "4D" in _raises_as_torch("max_pool2d", np.zeros((2, 2)), 2)
    _raises_as_torch("avg_pool2d", x, 3, padding=2)
    _raises_as_torch("avg_pool1d", np.zeros((1, 2, 5)), 3, padding=2)
    _raises_as_torch("avg_pool2d", np.zeros((1, 2, 2, 2)), 3)
    _raises_as_torch("max_pool1d", np.zeros((2, 2, 5)), 0)
    _raises_as_torch("max_pool1d", np.zeros((2, 2, 5)), 3, stride=0)
    _raises_as_torch("max_pool2d", x, 2, dilation=0)
    _raises_as_torch("max_pool2d", x, (2, 2, 2))
    _raises_as_torch("avg_pool2d", x, 2, divisor_override=0)


def test_adaptive_pooling_values_indices_and_gradients():
    check("adaptive_avg_pool1d", _input((2, 3, 7)), 3)
    check("adaptive_avg_pool1d", _input((3, 7)), 5)
    check("adaptive_avg_pool2d", _input((2, 3, 7, 5)), (3, None))
    check("adaptive_avg_pool2d", _input((3, 7, 5)), 4)
    check("adaptive_avg_pool3d", _input((1, 2, 5, 4, 7)), (2, 3, 4))
    check("adaptive_max_pool1d", _input((2, 3, 7)), 3, return_indices=True)
    check("adaptive_max_pool2d", _input((3, 7, 5)), (4, 3), return_indices=True)
    check("adaptive_max_pool3d", _input((1, 2, 5, 4, 7)), (2, 3, 4), return_indices=True)
    check("adaptive_max_pool2d_with_indices", _input((1, 2, 5, 5)), 2)
    check("adaptive_max_pool2d", _input((1, 2, 3, 3)), (0, 2), return_indices=True, grad=False)   # empty output


@pytest.mark.parametrize("n,shape,kernel", [(1, (2, 6), 3), (2, (2, 2, 6, 4), 2), (3, (1, 2, 4, 4, 6), 2)])
def test_max_unpool_inverts_max_pool_as_torch(n, shape, kernel):
    x = _input(shape, ties=False)
    y, i = getattr(F, f"max_pool{n}d")(gg.tensor(x), kernel, return_indices=True)
    ty, ti = getattr(TF, f"max_pool{n}d")(torch.tensor(x), kernel, return_indices=True)
    for size in (None, [s + 1 for s in shape[-n:]]):
        g, t = gg.tensor(y.numpy(), requires_grad=True), torch.tensor(ty.numpy(), requires_grad=True)
        u = getattr(F, f"max_unpool{n}d")(g, i, kernel, output_size=size)
        tu = getattr(TF, f"max_unpool{n}d")(t, ti, kernel, output_size=size)
        np.testing.assert_array_equal(u.detach().numpy(), tu.detach().numpy())
        w = np.random.default_rng(1).standard_normal(tuple(tu.shape))
        (u * gg.tensor(w)).sum().backward()
        (tu * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())
    with pytest.raises(ValueError, match="output_size"):
        getattr(F, f"max_unpool{n}d")(y, i, kernel, output_size=[s + 5 for s in shape[-n:]])


def test_adaptive_and_unpool_errors_match_torch():
    _raises_as_torch("adaptive_avg_pool2d", np.zeros((2, 2)), (2, 2))
    _raises_as_torch("adaptive_max_pool2d", np.zeros((2, 2)), (2, 2))
    _raises_as_torch("adaptive_avg_pool2d", np.zeros((1, 2, 3, 3)), (-1, 2))
    _raises_as_torch("adaptive_avg_pool1d", np.zeros((3,)), 2)
    idx = np.full((1, 2, 2, 2), 25)
    _raises_as_torch("max_unpool2d", np.zeros((1, 2, 2, 2)), idx, 2)
    _raises_as_torch("max_unpool2d", np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 2, 1), np.int64), 2)
    _raises_as_torch("max_unpool2d", np.zeros((1, 2, 2, 2)), idx * 0, 2, output_size=[1, 2, 3])


MODULES = ["MaxPool1d(3)", "MaxPool2d((2, 3), 1, 1, return_indices=True)", "MaxPool3d(2, ceil_mode=True)",
           "AvgPool1d(3)", "AvgPool2d(3, 2, 1, divisor_override=2)", "AvgPool3d((1, 2, 2), count_include_pad=False)",
           "AdaptiveAvgPool1d(3)", "AdaptiveAvgPool2d((3, None))", "AdaptiveAvgPool3d(2)",
           "AdaptiveMaxPool1d(3, True)", "AdaptiveMaxPool2d(2)", "AdaptiveMaxPool3d((1, 2, 2))",
           "LPPool1d(2, 3)", "LPPool2d(2, 3, 2)", "LPPool3d(1, 2, ceil_mode=True)"]


@pytest.mark.parametrize("expr", MODULES)
def test_pooling_modules_match_torch(expr):
    m, tm = eval("gg.nn." + expr), eval("torch.nn." + expr)
    assert repr(m) == repr(tm)
    n = int(expr.split("(")[0][-2])
    x = np.abs(_input((1, 2) + (4, 6, 5)[:n], ties=False)) + 0.1
    y, ty = m(gg.tensor(x)), tm(torch.tensor(x))
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)


def test_max_unpool_modules_match_torch():
    for n in (1, 2, 3):
        m, tm = getattr(gg.nn, f"MaxUnpool{n}d")(2, 1), getattr(torch.nn, f"MaxUnpool{n}d")(2, 1)
        assert repr(m) == repr(tm)
        x = _input((1, 2) + (4, 6, 5)[:n], ties=False)
        y, i = getattr(gg.nn, f"MaxPool{n}d")(2, 1, return_indices=True)(gg.tensor(x))
        ty, ti = getattr(torch.nn, f"MaxPool{n}d")(2, 1, return_indices=True)(torch.tensor(x))
        np.testing.assert_array_equal(m(y, i).numpy(), tm(ty, ti).numpy())
        np.testing.assert_array_equal(m(y, i, output_size=x.shape).numpy(), tm(ty, ti, output_size=x.shape).numpy())
