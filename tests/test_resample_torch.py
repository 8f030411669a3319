"""interpolate (every mode, size or scale_factor, align_corners, recompute_scale_factor), its deprecated forms,
pixel_shuffle / pixel_unshuffle / channel_shuffle and their layers against PyTorch: shapes, values, gradients,
reprs and errors. Gradients against finite differences are in tests/op_table.py."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SHAPES = {"nearest": [(1, 2, 5), (1, 2, 4, 5), (1, 1, 3, 4, 5)], "nearest-exact": [(1, 2, 4, 5), (2, 1, 5)],
          "linear": [(2, 2, 5)], "bilinear": [(1, 2, 4, 5)], "trilinear": [(1, 1, 3, 4, 5)],
          "bicubic": [(1, 2, 4, 5)], "area": [(1, 2, 7, 5), (1, 1, 5)]}
CALLS = [dict(size=7), dict(size=3), dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=0.6),
         dict(scale_factor=1.7, recompute_scale_factor=True), dict(scale_factor=1.2)]


@pytest.mark.parametrize("mode", sorted(SHAPES))
def test_interpolate_matches_torch(mode):
    rng = np.random.default_rng(0)
    for shape in SHAPES[mode]:
        for kwargs in CALLS + [dict(size=shape[2:])]:
            for ac in [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]:
                x = rng.standard_normal(shape)
                g, t = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
                y = F.interpolate(g, mode=mode, align_corners=ac, **kwargs)
                ty = TF.interpolate(t, mode=mode, align_corners=ac, **kwargs)
                what = f"{mode} {shape} {kwargs} align_corners={ac}"
                assert y.shape == tuple(ty.shape), what
                np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-13, atol=1e-14,
                                           err_msg=what)
                if mode == "nearest" and len(shape) != 4 and any(a == b for a, b in zip(y.shape[2:], shape[2:])):
                    # PyTorch's 1-D and 3-D nearest kernels: the forward reads floor(i / scale) but the backward
                    # takes the out == in shortcut (the identity) in such a dim: its gradient is not that of its own forward
                    continue
                w = rng.standard_normal(tuple(ty.shape))
                (y * gg.tensor(w)).sum().backward()
                (ty * torch.tensor(w)).sum().backward()
                np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-13, err_msg=what)


def test_interpolate_float32_and_uint8():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 5)).astype(np.float32)
    for mode in ("bilinear", "bicubic", "nearest"):
        y = F.interpolate(gg.tensor(x), scale_factor=1.7, mode=mode)
        assert y.dtype == gg.float32
        np.testing.assert_allclose(y.numpy(), TF.interpolate(torch.tensor(x), scale_factor=1.7, mode=mode).numpy(),
                                   rtol=1e-5, atol=1e-5)
    u = (np.arange(20) * 7 % 256).astype(np.uint8).reshape(1, 1, 4, 5)
    np.testing.assert_array_equal(F.interpolate(gg.tensor(u), size=(5, 7)).numpy(),
                                  TF.interpolate(torch.tensor(u), size=(5, 7)).numpy())
    with pytest.raises(NotImplementedError, match="interpolate"):
        F.interpolate(gg.tensor(u), size=(5, 7), mode="bilinear")


def test_interpolate_errors_match_torch():
    x = np.zeros((1, 2, 4, 5))
    for args, kwargs in [((), {}), ((3,), dict(scale_factor=2)), (((3, 4, 5),), {}), ((), dict(scale_factor=(2,))),
                         ((3,), dict(mode="linear")), ((3,), dict(mode="nearest", align_corners=True)),
                         ((3,), dict(mode="foo")), ((3,), dict(recompute_scale_factor=True)),
                         ((3,), dict(mode="trilinear"))]:
        with pytest.raises(Exception) as te:
            TF.interpolate(torch.tensor(x), *args, **kwargs)
        with pytest.raises(te.type, match="interpolate"):
            F.interpolate(gg.tensor(x), *args, **kwargs)


def test_deprecated_upsample_functions_warn_and_match_torch():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    for name, kwargs in [("upsample", dict(scale_factor=2, mode="bilinear")), ("upsample_nearest", dict(size=5)),
                         ("upsample_bilinear", dict(size=(4, 6)))]:
        with pytest.warns(UserWarning, match="deprecated"):
            y = getattr(F, name)(gg.tensor(x), **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ty = getattr(TF, name)(torch.tensor(x), **kwargs)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-13)


def test_shuffles_match_torch():
    rng = np.random.default_rng(0)
    for r in (2, 3):
        for x in (rng.standard_normal((2, 2 * r * r, 3, 4)), rng.standard_normal((2 * r * r, 2, 3))):
            np.testing.assert_array_equal(F.pixel_shuffle(gg.tensor(x), r).numpy(),
                                          TF.pixel_shuffle(torch.tensor(x), r).numpy())
            np.testing.assert_array_equal(gg.pixel_unshuffle(gg.tensor(x), 1).numpy(), x)
        x = rng.standard_normal((2, 3, 2 * r, 3 * r))
        np.testing.assert_array_equal(F.pixel_unshuffle(gg.tensor(x), r).numpy(),
                                      TF.pixel_unshuffle(torch.tensor(x), r).numpy())
        x = rng.standard_normal((2, 6, 2, 3))
        np.testing.assert_array_equal(gg.channel_shuffle(gg.tensor(x), r).numpy(),
                                      torch.channel_shuffle(torch.tensor(x), r).numpy())
    for fn, args in [("pixel_shuffle", ((1, 3, 2, 2), 2)), ("pixel_shuffle", ((3, 2), 1)),
                     ("pixel_shuffle", ((1, 4, 2, 2), 0)), ("pixel_unshuffle", ((1, 1, 3, 2), 2)),
                     ("channel_shuffle", ((1, 3, 2), 2)), ("channel_shuffle", ((1, 4, 2), 0)),
                     ("channel_shuffle", ((1, 4), 2))]:
        with pytest.raises(Exception) as te:
            getattr(TF, fn)(torch.zeros(args[0]), args[1])
        with pytest.raises(te.type, match=fn):
            getattr(F, fn)(gg.zeros(args[0]), args[1])


LAYERS = ["Upsample(scale_factor=2)", "Upsample(size=(3, 7), mode='bilinear', align_corners=True)",
          "Upsample(scale_factor=(1.5, 2), mode='bicubic')", "UpsamplingNearest2d(scale_factor=2)",
          "UpsamplingBilinear2d(size=5)", "PixelShuffle(2)", "PixelUnshuffle(2)", "ChannelShuffle(2)"]


@pytest.mark.parametrize("expr", LAYERS)
def test_resample_layers_match_torch(expr):
    m, tm = eval("gg.nn." + expr), eval("torch.nn." + expr)
    assert repr(m) == repr(tm)
    x = np.random.default_rng(0).standard_normal((1, 4, 4, 6))
    np.testing.assert_allclose(m(gg.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-13)
