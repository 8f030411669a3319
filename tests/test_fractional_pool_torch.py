"""F.fractional_max_pool2d/3d (and _with_indices) and nn.FractionalMaxPool2d/3d against PyTorch: the same
``_random_samples`` give the same windows, values, indices and gradients (float64, and float32 where the window
positions are computed in single precision)."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _both(n, shape, kernel, out=None, ratio=None, dtype=np.float64, device="cpu", ties=False):
    x = np.random.randn(*shape).astype(dtype)
    if ties:
        x = np.round(x)
    batch = shape[0] if len(shape) == n + 2 else 1
    chans = shape[-n - 1]
    rs = np.random.rand(batch, chans, n).astype(dtype)
    gx = gg.tensor(x, device=device, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    gf, tf = getattr(F, f"fractional_max_pool{n}d"), getattr(TF, f"fractional_max_pool{n}d")
    gy, gi = gf(gx, kernel, output_size=out, output_ratio=ratio, return_indices=True,
                _random_samples=gg.tensor(rs, device=device))
    ty, ti = tf(tx, kernel, output_size=out, output_ratio=ratio, return_indices=True,
                _random_samples=torch.tensor(rs))
    assert gy.shape == ty.shape and gi.shape == ti.shape and gi.dtype == gg.int64
    assert gi.tolist() == ti.tolist()
    np.testing.assert_array_equal(gy.detach().cpu().numpy(), ty.detach().numpy())
    w = np.random.randn(*ty.shape).astype(dtype)
    (gy * gg.tensor(w, device=device)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(gx.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-6 if dtype == np.float32 else 1e-12)
    return gy


@pytest.mark.parametrize("shape, kernel, out, ratio", [
    ((2, 3, 7, 9), 2, (4, 5), None),
    ((2, 3, 7, 9), (3, 2), 4, None),
    ((3, 10, 10), 3, None, (0.5, 0.5)),           # unbatched, output_ratio
    ((1, 2, 8, 11), 2, None, (0.7, 0.4)),
    ((2, 1, 5, 5), 1, (5, 5), None),              # kernel 1, output = input
    ((1, 2, 6, 6), (6, 6), 1, None),              # one window: the whole plane
    ((2, 2, 9, 4), 2, (8, 3), None),              # dense overlapping windows
])
def test_2d_against_torch(shape, kernel, out, ratio, device):
    _both(2, shape, kernel, out, ratio, device=device)


@pytest.mark.parametrize("shape, kernel, out, ratio", [
    ((2, 2, 5, 6, 7), 2, (3, 3, 4), None),
    ((2, 5, 6, 7), (2, 3, 2), 2, None),           # unbatched
    ((1, 3, 8, 8, 9), 2, None, 0.5),
])
def test_3d_against_torch(shape, kernel, out, ratio, device):
    _both(3, shape, kernel, out, ratio, device=device)


def test_float32_ties_and_with_indices():
    _both(2, (2, 3, 13, 17), 3, (7, 11), dtype=np.float32)
    _both(3, (1, 2, 9, 10, 11), 2, (5, 6, 7), dtype=np.float32)
    _both(2, (2, 2, 8, 8), 3, (5, 5), ties=True)                   # the first maximum of a window
    x = gg.tensor(np.random.randn(1, 2, 6, 6))
    rs = gg.rand(1, 2, 2, dtype=gg.float64)
    y, i = F.fractional_max_pool2d_with_indices(x, 2, 3, _random_samples=rs)
    assert y.tolist() == F.fractional_max_pool2d(x, 2, 3, _random_samples=rs).tolist()
    assert i.tolist() == F.fractional_max_pool2d(x, 2, 3, None, True, rs)[1].tolist()
    y3, i3 = F.fractional_max_pool3d_with_indices(gg.ones(1, 4, 4, 4), 2, 2)
    assert y3.shape == i3.shape == (1, 2, 2, 2)


def test_drawn_samples_give_window_maxima():
    x = gg.tensor(np.random.randn(3, 2, 9, 9))
    y, i = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)
    assert y.shape == (3, 2, 4, 4)
    flat = x.numpy().reshape(3, 2, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, i.numpy().reshape(3, 2, -1), -1).reshape(y.shape),
                                  y.numpy())


def test_modules_against_torch():
    x = np.random.randn(2, 3, 8, 10)
    rs = np.random.rand(2, 3, 2)
    g = gg.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True, _random_samples=gg.tensor(rs))
    t = torch.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True, _random_samples=torch.tensor(rs))
    for a in ("kernel_size", "output_size", "output_ratio", "return_indices"):
        assert getattr(g, a) == getattr(t, a), a
    assert list(g.state_dict()) == list(t.state_dict()) == ["_random_samples"]
    (gy, gi), (ty, ti) = g(gg.tensor(x)), t(torch.tensor(x))
    np.testing.assert_array_equal(gy.numpy(), ty.numpy())
    assert gi.tolist() == ti.tolist()
    x3, rs3 = np.random.randn(1, 2, 6, 7, 8), np.random.rand(1, 2, 3)
    g3 = gg.nn.FractionalMaxPool3d((2, 3, 2), output_size=(3, 3, 4), _random_samples=gg.tensor(rs3))
    t3 = torch.nn.FractionalMaxPool3d((2, 3, 2), output_size=(3, 3, 4), _random_samples=torch.tensor(rs3))
    assert g3.kernel_size == t3.kernel_size and g3.output_size == t3.output_size
    np.testing.assert_array_equal(g3(gg.tensor(x3)).numpy(), t3(torch.tensor(x3)).numpy())
    assert gg.nn.FractionalMaxPool2d(2, output_size=3)._random_samples is None


@pytest.mark.parametrize("cls, kw", [
    ("FractionalMaxPool2d", {}), ("FractionalMaxPool3d", {}),
    ("FractionalMaxPool2d", {"output_size": 3, "output_ratio": 0.5}),
    ("FractionalMaxPool2d", {"output_ratio": 1.5}), ("FractionalMaxPool3d", {"output_ratio": (0.5, 1.0, 0.5)}),
    ("FractionalMaxPool2d", {"output_ratio": 0.0}),
])
def test_module_errors(cls, kw):
    with pytest.raises(ValueError) as te:
        getattr(torch.nn, cls)(2, **kw)
    with pytest.raises(ValueError) as ge:
        getattr(gg.nn, cls)(2, **kw)
    assert str(ge.value) == str(te.value)
    with pytest.raises(ValueError, match="kernel_size must be greater than 0"):
        gg.nn.FractionalMaxPool3d((2, 0, 2), output_size=2)


_X = np.random.RandomState(0).randn(2, 3, 7, 9)
_X3 = np.random.RandomState(0).randn(1, 1, 3, 4, 5)


@pytest.mark.parametrize("n, args, kw", [
    (2, (2,), {}),
    (2, (2,), {"output_ratio": (0.5, 0.5, 0.5)}),
    (2, (3,), {"output_size": (6, 4)}),
    (2, (3,), {"output_size": (4, 8)}),
    (2, ((2, 2, 2),), {"output_size": (4, 4)}),
    (2, (2,), {"output_size": (4, 4, 4)}),
    (2, (2,), {"output_size": 4, "_random_samples": np.random.rand(2, 3, 3)}),
    (2, (2,), {"output_size": 4, "_random_samples": np.random.rand(1, 3, 2)}),
    (2, (2,), {"output_size": 4, "_random_samples": np.random.rand(2, 2, 2)}),
    (2, (2,), {"output_size": 4, "_random_samples": np.random.rand(6, 2)}),
    (2, (2,), {"output_size": 4, "_random_samples": np.random.rand(2, 3, 2).astype(np.float32)}),
    (3, (2,), {}),
    (3, (3,), {"output_size": (2, 6, 2)}),       # the 4D input is one (C, T, H, W) sample
    (3, (2,), {"output_size": (1, 3, 3)}),       # (on a (1, 1, 3, 4, 5) input)
    (3, (2,), {"output_size": (1, 2, 4)}),
    (3, (2,), {"output_size": (2, 2, 3)}),
])
def test_functional_errors_as_torch(n, args, kw):
    x = _X3 if n == 3 and kw.get("output_size", (0,))[0] in (1, 2) and kw["output_size"][1] < 6 else _X
    gkw = {k: gg.tensor(v) if k == "_random_samples" else v for k, v in kw.items()}
    tkw = {k: torch.tensor(v) if k == "_random_samples" else v for k, v in kw.items()}
    with pytest.raises(Exception) as te:
        getattr(TF, f"fractional_max_pool{n}d")(torch.tensor(x), *args, **tkw)
    with pytest.raises(type(te.value)) as ge:
        getattr(F, f"fractional_max_pool{n}d")(gg.tensor(x), *args, **gkw)
    assert str(ge.value) == str(te.value)


def test_more_errors():
    x, rs = gg.tensor(_X), gg.ones(2, 3, 2, dtype=gg.float64) / 3
    # a single number as output_ratio (PyTorch's functional form fails on it: len() of a float)
    assert F.fractional_max_pool2d(x, 2, output_ratio=0.5, _random_samples=rs).tolist() == \
        F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5), _random_samples=rs).tolist()
    with pytest.raises(RuntimeError, match=r"Expected input to have non-zero size for non-batch dimensions, "
                                           r"but got\[2, 0, 7, 9\] with dimension 1 being empty"):
        F.fractional_max_pool2d(gg.zeros(2, 0, 7, 9), 2, 4)
    assert F.fractional_max_pool2d(gg.zeros(0, 3, 7, 9), 2, 4).shape == (0, 3, 4, 4)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D tensor"):
        F.fractional_max_pool2d(gg.zeros(7, 9), 2, 4)
    with pytest.raises(NotImplementedError):
        F.fractional_max_pool2d(gg.ones(1, 1, 4, 4, dtype=gg.int64), 2, 2)
