"""F.affine_grid and F.grid_sample against torch (float64): values and gradients w.r.t. input, grid and theta,
every mode / padding / align_corners in 2-D and 3-D, points on pixel centres and borders, size-1 and empty
shapes, warnings and errors."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import gpugrad as gg

TF, GF = torch.nn.functional, gg.nn.functional


def _np(t):
    return t.detach().cpu().numpy()


def _check(xs, gs, device="cpu", rtol=1e-11, atol=1e-12, **kw):
    tx, tg = torch.tensor(xs, requires_grad=True), torch.tensor(gs, requires_grad=True)
    gx = gg.tensor(xs, requires_grad=True, device=device)
    gd = gg.tensor(gs, requires_grad=True, device=device)
    to, go = TF.grid_sample(tx, tg, **kw), GF.grid_sample(gx, gd, **kw)
    assert tuple(go.shape) == tuple(to.shape)
    np.testing.assert_allclose(_np(go), _np(to), rtol=rtol, atol=atol)
    w = np.random.default_rng(7).standard_normal(tuple(to.shape))
    (to * torch.tensor(w)).sum().backward()
    (go * gg.tensor(w, device=device)).sum().backward()
    np.testing.assert_allclose(_np(gx.grad), _np(tx.grad), rtol=rtol, atol=atol, err_msg="input grad")
    np.testing.assert_allclose(_np(gd.grad), _np(tg.grad), rtol=rtol, atol=10 * atol, err_msg="grid grad")


CASES = [(d, m, p, a) for d in (2, 3) for m in ("bilinear", "nearest", "bicubic")
         for p in ("zeros", "border", "reflection") for a in (True, False) if not (d == 3 and m == "bicubic")]


@pytest.mark.parametrize("dims,mode,padding,align", CASES)
def test_grid_sample_random_points_match_torch(dims, mode, padding, align):
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((2, 3) + (4, 5, 3)[:dims][::-1])
    gs = rng.uniform(-1.7, 1.7, (2,) + (3, 4, 2)[:dims] + (dims,))
    _check(xs, gs, mode=mode, padding_mode=padding, align_corners=align)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_points_on_centres_borders_and_reflection_edges(mode, padding, device):
    """Where PyTorch's gradient conventions decide (a clipped border counts as outside, reflections flip)."""
    vals = np.array([-3.0, -1.5, -1.25, -1.0, -0.75, -0.5, 0.0, 1 / 3, 0.5, 0.75, 1.0, 1.25, 2.0])
    gs = np.stack(np.meshgrid(vals, vals[::-1], indexing="xy"), -1)[None]        # (1, 13, 13, 2)
    xs = np.random.default_rng(1).standard_normal((1, 2, 3, 4))
    for align in (True, False):
        _check(xs, gs, device, mode=mode, padding_mode=padding, align_corners=align)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_3d_on_the_lattice_and_size_one_dims(mode, device):
    vals = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5])
    gs = np.stack(np.meshgrid(vals, vals, vals[:3], indexing="ij"), -1)[None]    # (1, 7, 7, 3, 3)
    xs = np.random.default_rng(2).standard_normal((1, 2, 3, 1, 2))              # D=3, H=1, W=2
    for padding, align in itertools.product(("zeros", "border", "reflection"), (True, False)):
        _check(xs, gs, device, mode=mode, padding_mode=padding, align_corners=align)


def test_size_one_images_batches_and_empty_shapes():
    rng = np.random.default_rng(3)
    for mode, padding, align in itertools.product(("bilinear", "nearest", "bicubic"),
                                                  ("zeros", "border", "reflection"), (True, False)):
        kw = dict(mode=mode, padding_mode=padding, align_corners=align)
        _check(rng.standard_normal((1, 1, 1, 1)), rng.uniform(-2, 2, (1, 2, 3, 2)), **kw)
        _check(rng.standard_normal((3, 1, 2, 1)), rng.uniform(-2, 2, (3, 1, 1, 2)), **kw)
    for xs, gs in (((0, 2, 3, 3), (0, 2, 2, 2)), ((2, 0, 3, 3), (2, 2, 2, 2)), ((2, 3, 3, 3), (2, 0, 4, 2)),
                   ((1, 2, 2, 2, 2), (1, 0, 1, 1, 3))):
        to = TF.grid_sample(torch.zeros(xs, dtype=torch.float64), torch.zeros(gs, dtype=torch.float64),
                            align_corners=False)
        go = GF.grid_sample(gg.zeros(xs, dtype=gg.float64), gg.zeros(gs, dtype=gg.float64), align_corners=False)
        assert tuple(go.shape) == tuple(to.shape)


def test_gradient_only_where_asked_and_float32():
    x = gg.randn(1, 2, 3, 3)
    g = gg.rand(1, 2, 2, 2, requires_grad=True) * 2 - 1
    g.retain_grad()
    GF.grid_sample(x, g, align_corners=True).sum().backward()
    assert x.grad is None and g.grad is not None and g.grad.dtype == gg.float32
    x.requires_grad_()
    out = GF.grid_sample(x, gg.zeros(1, 1, 1, 2), mode="bicubic", align_corners=False)
    assert out.dtype == gg.float32
    out.sum().backward()
    assert x.grad is not None
    xs = np.random.default_rng(4).standard_normal((2, 3, 5, 4)).astype(np.float32)
    gs = np.random.default_rng(5).uniform(-1.2, 1.2, (2, 3, 3, 2)).astype(np.float32)
    _check(xs, gs, rtol=2e-5, atol=2e-5, mode="bilinear", padding_mode="reflection", align_corners=False)


@pytest.mark.parametrize("align", [True, False])
def test_affine_grid_matches_torch(align, device):
    rng = np.random.default_rng(6)
    for size, shape in (([2, 3, 4, 5], (2, 2, 3)), ([1, 1, 1, 3], (1, 2, 3)), ([2, 2, 3, 1, 4], (2, 3, 4)),
                        ([1, 1, 2, 2, 2], (1, 3, 4))):
        th = rng.standard_normal(shape)
        tt, gt = torch.tensor(th, requires_grad=True), gg.tensor(th, requires_grad=True, device=device)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to, go = TF.affine_grid(tt, size, align_corners=align), GF.affine_grid(gt, size, align_corners=align)
        np.testing.assert_allclose(_np(go), _np(to), rtol=1e-13, atol=1e-14)
        w = rng.standard_normal(tuple(to.shape))
        (to * torch.tensor(w)).sum().backward()
        (go * gg.tensor(w, device=device)).sum().backward()
        np.testing.assert_allclose(_np(gt.grad), _np(tt.grad), rtol=1e-12, atol=1e-12)


def test_spatial_transformer_end_to_end(device):
    """affine_grid then grid_sample, gradients back to theta and the image."""
    rng = np.random.default_rng(8)
    th, xs = rng.standard_normal((2, 2, 3)) * 0.7, rng.standard_normal((2, 3, 6, 5))
    outs = []
    for lib, F in ((torch, TF), (gg, GF)):
        kw = {"device": device} if lib is gg else {}
        t, x = lib.tensor(th, requires_grad=True, **kw), lib.tensor(xs, requires_grad=True, **kw)
        y = F.grid_sample(x, F.affine_grid(t, [2, 3, 4, 4], align_corners=False), padding_mode="border",
                          align_corners=False)
        (y ** 2).sum().backward()
        outs.append((_np(y), _np(t.grad), _np(x.grad)))
    for a, b in zip(*outs):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_warnings_and_errors_match_torch():
    x, g = gg.zeros(2, 3, 4, 4, dtype=gg.float64), gg.zeros(2, 5, 5, 2, dtype=gg.float64)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        GF.grid_sample(x, g)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        GF.affine_grid(gg.zeros(1, 2, 3), [1, 1, 2, 2])
    with pytest.warns(UserWarning, match="for unit-size grids when align_corners=True"):
        GF.affine_grid(gg.zeros(1, 2, 3), [1, 1, 1, 2], align_corners=True)

    def both(fn_t, fn_g, err):
        with pytest.raises(err) as te:
            fn_t()
        with pytest.raises(err) as ge:
            fn_g()
        assert str(ge.value) == str(te.value).replace("torch.", "gpugrad."), (str(ge.value), str(te.value))

    tx, tg = torch.zeros(2, 3, 4, 4, dtype=torch.float64), torch.zeros(2, 5, 5, 2, dtype=torch.float64)
    both(lambda: TF.grid_sample(tx, tg, mode="area"), lambda: GF.grid_sample(x, g, mode="area"), ValueError)
    both(lambda: TF.grid_sample(tx, tg, padding_mode="circular"),
         lambda: GF.grid_sample(x, g, padding_mode="circular"), ValueError)
    for xs, gs in (((2, 3, 4, 4), (3, 5, 5, 2)), ((2, 3, 4, 4), (2, 5, 5, 3)), ((2, 3, 0, 4), (2, 5, 5, 2)),
                   ((2, 3, 4, 4), (2, 5, 5, 5, 2)), ((2, 3, 4), (2, 4, 1)), ((2, 3, 4, 4, 4), (2, 4, 4, 3))):
        both(lambda: torch.grid_sampler(torch.zeros(xs, dtype=torch.float64), torch.zeros(gs, dtype=torch.float64),
                                        0, 0, False),
             lambda: gg.nn.functional.grid_sample(gg.zeros(xs, dtype=gg.float64), gg.zeros(gs, dtype=gg.float64),
                                                  align_corners=False), RuntimeError)
    both(lambda: TF.grid_sample(torch.zeros(1, 1, 2, 2, 2, dtype=torch.float64),
                                torch.zeros(1, 1, 1, 1, 3, dtype=torch.float64), mode="bicubic", align_corners=True),
         lambda: GF.grid_sample(gg.zeros(1, 1, 2, 2, 2, dtype=gg.float64), gg.zeros(1, 1, 1, 1, 3, dtype=gg.float64),
                                mode="bicubic", align_corners=True), RuntimeError)
    with pytest.raises(RuntimeError, match="expected input and grid to have same dtype"):
        GF.grid_sample(x, g.float(), align_corners=False)
    th = torch.zeros(2, 2, 3, dtype=torch.float64)
    gth = gg.zeros(2, 2, 3, dtype=gg.float64)
    for size, t_th, g_th, err in (([2, 1, 3, 3], th.long(), gth.long(), ValueError),
                                  ([2, 1, 3, 3, 3], th, gth, ValueError),
                                  ([2, 1, 3, 3], th[:, :1], gth[:, :1], ValueError),
                                  ([2, 1, 3], th, gth, NotImplementedError),
                                  ([2, 1, 0, 3], th, gth, ValueError)):
        both(lambda: TF.affine_grid(t_th, size, align_corners=False),
             lambda: GF.affine_grid(g_th, size, align_corners=False), err)


def test_top_level_grid_sampler_and_affine_grid_generator_match_torch():
    th = np.array([[[0.9, 0.1, 0.0], [-0.2, 1.1, 0.1]]])
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 4))
    g = gg.affine_grid_generator(gg.tensor(th), [1, 2, 3, 4], False)
    t = torch.affine_grid_generator(torch.tensor(th), [1, 2, 3, 4], False)
    np.testing.assert_allclose(g.numpy(), t.numpy(), atol=1e-12)
    for mode, pad in ((0, 0), (1, 1), (2, 2)):
        np.testing.assert_allclose(gg.grid_sampler(gg.tensor(x), g, mode, pad, True).numpy(),
                                   torch.grid_sampler(torch.tensor(x), t, mode, pad, True).numpy(), atol=1e-12)
