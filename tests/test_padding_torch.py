"""F.pad's modes (constant, reflect, replicate, circular; negative pads crop) and the padding layers against
PyTorch: values, gradients (summed where an element is read several times), reprs and errors. Gradients
against finite differences are in tests/op_table.py."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CALLS = [((2, 5), (1, 2)), ((1, 2, 5), (2, -1)), ((1, 2, 4, 5), (1, 2, 3, 0)), ((2, 4, 5), (-1, 2, 1, 1)),
         ((1, 2, 3, 4, 5), (1, 1, 2, 2, 0, 1)), ((2, 3, 4, 5), (1, 2, 1, 1, 2, 2)), ((3, 4), (5, 1)),
         ((3, 4), (1, 1, 1, 1, 1, 1)), ((3,), (1, 1)), ((1, 0, 3), (1, 1))]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes_match_torch(mode):
    rng = np.random.default_rng(0)
    for shape, pad in CALLS:
        x = rng.standard_normal(shape)
        g, t = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        try:
            ty = TF.pad(t, pad, mode=mode)
        except Exception as e:          # the same exception class as PyTorch, and a message naming the call
            with pytest.raises(type(e), match="pad"):
                F.pad(g, pad, mode=mode)
            continue
        y = F.pad(g, pad, mode=mode)
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy(), err_msg=f"{mode} {shape} {pad}")
        w = rng.standard_normal(tuple(ty.shape))
        (y * gg.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, err_msg=f"{mode} {shape} {pad}")


def test_pad_errors_match_torch():
    x = np.zeros((1, 2, 5))
    for pad, kwargs in [((1,), {}), ((1,) * 8, {}), ((1, 1), dict(mode="reflect", value=1.0)),
                        ((1, 1), dict(mode="foo")), ((-6, 0), {})]:
        with pytest.raises(Exception) as te:
            TF.pad(torch.tensor(x), pad, **kwargs)
        with pytest.raises(te.type, match="pad"):
            F.pad(gg.tensor(x), pad, **kwargs)


LAYERS = ["ConstantPad1d(2, 3.5)", "ConstantPad2d((1, 2, 0, 1), -1.0)", "ConstantPad3d(1, 0.5)", "ZeroPad1d((1, 2))",
          "ZeroPad2d((1, 2, 0, 1))", "ZeroPad3d(1)", "ReflectionPad1d(2)", "ReflectionPad2d((1, 2, 0, 1))",
          "ReflectionPad3d(1)", "ReplicationPad1d((1, 2))", "ReplicationPad2d(2)", "ReplicationPad3d((1, 0, 1, 0, 0, 1))",
          "CircularPad1d(2)", "CircularPad2d((1, 2, 0, 1))", "CircularPad3d(1)"]


@pytest.mark.parametrize("expr", LAYERS)
def test_padding_layers_match_torch(expr):
    m, tm = eval("gg.nn." + expr), eval("torch.nn." + expr)
    assert repr(m) == repr(tm)
    assert m.padding == tm.padding
    n = int(expr.split("(")[0][-2])
    x = np.random.default_rng(0).standard_normal((2, 2) + (3, 4, 5)[:n])
    np.testing.assert_array_equal(m(gg.tensor(x)).numpy(), tm(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(m(gg.tensor(x[0])).numpy(), tm(torch.tensor(x[0])).numpy())


def test_circular_pad_layer_checks_dims_as_torch():
    with pytest.raises(ValueError, match="CircularPad1d"):
        gg.nn.CircularPad1d(1)(gg.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError):
        torch.nn.CircularPad1d(1)(torch.zeros(1, 2, 3, 4))
