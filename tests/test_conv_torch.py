"""Convolutions against PyTorch: F.conv*/conv_transpose* values and gradients (float32 and float64) over the geometry
knobs, batch-less inputs, the non-constant pad modes, the Conv/ConvTranspose/Lazy modules (repr, init, output_size)
and the errors (PyTorch's exception class for the same bad call). Gradients against finite differences, double
backward, forward AD and the strict device are covered by the entries in tests/op_table.py."""
from __future__ import annotations

import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def _pair(rng, shape, dtype, device):
    a = rng.standard_normal(shape).astype(dtype)
    return (gg.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True))


def _check(name, shapes, dtype, device, **kw):
    """Forward values and the gradient of every input for a random cotangent equal PyTorch's."""
    rng = np.random.default_rng(abs(hash((name, shapes))) % 2 ** 32)
    pairs = [_pair(rng, s, dtype, device) if s is not None else (None, None) for s in shapes]
    y = getattr(F, name)(*[p[0] for p in pairs], **kw)
    ty = getattr(TF, name)(*[p[1] for p in pairs], **kw)
    assert tuple(y.shape) == tuple(ty.shape) and y.dtype == gg.tensor(np.zeros(0, dtype)).dtype
    tol = _TOL[dtype]
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), **tol)
    c = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    (y * gg.tensor(c, device=device)).sum().backward()
    (ty * torch.tensor(c)).sum().backward()
    for g, t in pairs:
        if g is not None:
            np.testing.assert_allclose(g.grad.cpu().numpy(), t.grad.numpy(), **tol)


CONV = [
    ("conv1d", ((2, 4, 7), (6, 2, 3), (6,)), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv1d", ((4, 7), (6, 4, 4), None), dict(padding="same")),
    ("conv1d", ((1, 1, 1), (1, 1, 1), (1,)), dict()),
    ("conv1d", ((2, 3, 5), (3, 3, 5), None), dict(padding="valid")),
    ("conv2d", ((2, 4, 6, 5), (8, 1, 3, 2), (8,)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=4)),
    ("conv2d", ((2, 5, 4), (3, 2, 2, 3), None), dict(padding="same", dilation=(2, 1))),
    ("conv3d", ((1, 2, 4, 3, 3), (2, 1, 2, 3, 2), (2,)), dict(stride=(1, 2, 1), padding=1, groups=2)),
    ("conv_transpose1d", ((2, 4, 5), (4, 3, 3), (6,)), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("conv_transpose1d", ((4, 5), (4, 3, 3), None), dict(output_padding=1, dilation=2)),
    ("conv_transpose2d", ((2, 4, 3, 4), (4, 1, 3, 2), (2,)),
     dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2)),
    ("conv_transpose3d", ((1, 2, 2, 3, 2), (2, 2, 2, 2, 3), (2,)), dict(stride=2, dilation=(1, 2, 1))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shapes,kw", CONV, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV)])
def test_functional_matches_torch(name, shapes, kw, dtype, device):
    _check(name, shapes, dtype, device, **kw)


def test_top_level_names_and_positional_arguments():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2, 5)), rng.standard_normal((2, 3, 3))
    got = gg.conv_transpose1d(gg.tensor(x), gg.tensor(w), None, 2, 1, 1, 1, 2).numpy()
    np.testing.assert_allclose(got, torch.conv_transpose1d(torch.tensor(x), torch.tensor(w), None, 2, 1, 1, 1, 2))
    w2 = rng.standard_normal((3, 2, 2))
    np.testing.assert_allclose(gg.conv1d(gg.tensor(x), gg.tensor(w2), stride=[2]).numpy(),
                               torch.conv1d(torch.tensor(x), torch.tensor(w2), stride=[2]))
    for name in ("conv2d", "conv3d", "conv_transpose2d", "conv_transpose3d"):
        assert getattr(gg, name) is getattr(F, name)


def test_integer_and_half_inputs_as_torch():
    x = np.arange(30).reshape(1, 3, 10) % 7 - 3
    w = np.arange(18).reshape(2, 3, 3) % 5 - 2
    got = F.conv1d(gg.tensor(x), gg.tensor(w), stride=2)
    want = TF.conv1d(torch.tensor(x), torch.tensor(w), stride=2)
    assert got.dtype == gg.int64 and got.numpy().tolist() == want.tolist()
    h = F.conv2d(gg.ones(1, 2, 3, 3, dtype=gg.float16), gg.ones(1, 2, 2, 2, dtype=gg.float16))
    assert h.dtype == gg.float16 and h.numpy().tolist() == [[[[8.0, 8.0], [8.0, 8.0]]]]


def test_empty_batch():
    # (torch 2.13 gives zero input channels a (N, 0, L) result whatever the weight: not copied)
    for xs, ws in (((0, 2, 5), (3, 2, 3)),):
        y = F.conv1d(gg.zeros(*xs, requires_grad=True), gg.ones(*ws, requires_grad=True), gg.ones(3))
        ty = TF.conv1d(torch.zeros(*xs), torch.ones(*ws), torch.ones(3))
        assert tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_array_equal(y.detach().numpy(), ty.numpy())


# -- pad modes -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_match_torch(mode, device):
    rng = np.random.default_rng(1)
    for shape, pad in (((2, 3), (1, 2)), ((1, 2, 3, 4), (2, 1, 0, 2)), ((1, 1, 2, 3, 2), (1, 1, 1, 0, 1, 1))):
        a = rng.standard_normal(shape)
        x, tx = gg.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = F.pad(x, pad, mode=mode), TF.pad(tx, pad, mode=mode)
        np.testing.assert_array_equal(y.detach().cpu().numpy(), ty.detach().numpy())
        c = rng.standard_normal(tuple(ty.shape))
        (y * gg.tensor(c, device=device)).sum().backward()
        (ty * torch.tensor(c)).sum().backward()
        np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("mode,shape,pad", [("reflect", (1, 2, 3), (3, 0)), ("circular", (1, 2, 3), (0, 4)),
                                            ("reflect", (3,), (1, 1)), ("replicate", (1, 2, 3), (1,))])
def test_pad_mode_errors_match_torch(mode, shape, pad):
    with pytest.raises(Exception) as want:
        TF.pad(torch.zeros(shape), pad, mode=mode)
    with pytest.raises(want.type):
        F.pad(gg.zeros(*shape), pad, mode=mode)


# -- modules -------------------------------------------------------------------------------------------------------
def _copy_params(m, tm):
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(m.weight.detach().cpu().numpy()))
        if m.bias is not None:
            tm.bias.copy_(torch.tensor(m.bias.detach().cpu().numpy()))


MODULES = [
    ("Conv1d", (2, 4, 3), dict(padding=2, padding_mode="reflect"), (2, 2, 5)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="replicate", bias=False), (2, 6)),
    ("Conv2d", (2, 4, (3, 2)), dict(padding="same", padding_mode="circular", dilation=(1, 2)), (2, 2, 5, 4)),
    ("Conv2d", (4, 2, 3), dict(padding=1, padding_mode="replicate", groups=2, stride=2), (4, 5, 5)),
    ("Conv3d", (2, 2, 2), dict(padding=(1, 0, 1), padding_mode="zeros"), (1, 2, 3, 3, 2)),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=2, groups=2, dilation=2), (1, 4, 3)),
    ("ConvTranspose2d", (2, 4, 3), dict(stride=2, padding=1, output_padding=1), (2, 2, 3, 3)),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=(1, 2, 1), bias=False), (2, 2, 2, 2)),
]


@pytest.mark.parametrize("cls,args,kw,shape", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_modules_match_torch(cls, args, kw, shape, device):
    m = getattr(gg.nn, cls)(*args, **kw, dtype=gg.float64).to(device)
    tm = getattr(torch.nn, cls)(*args, **kw, dtype=torch.float64)
    assert repr(m) == repr(tm)
    assert tuple(m.weight.shape) == tuple(tm.weight.shape)
    assert m.padding == tm.padding and m._reversed_padding_repeated_twice == list(tm._reversed_padding_repeated_twice)
    _copy_params(m, tm)
    a = np.random.default_rng(2).standard_normal(shape)
    x, tx = gg.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = m(x), tm(tx)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.weight.grad.cpu().numpy(), tm.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_default_init_bounds_and_seed():
    gg.manual_seed(5)
    a = gg.nn.Conv2d(3, 8, (2, 5))
    gg.manual_seed(5)
    b = gg.nn.Conv2d(3, 8, (2, 5))
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())
    bound = 1 / math.sqrt(3 * 2 * 5)          # kaiming_uniform_(a=sqrt(5)): gain sqrt(1/3), sqrt(3) gain / sqrt(fan)
    for p in (a.weight, a.bias):
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.5 * bound
    t = gg.nn.ConvTranspose1d(4, 6, 3, groups=2)       # fan_in = weight.shape[1] * k = 3 * 3, as PyTorch's
    assert tuple(t.weight.shape) == (4, 3, 3) and np.abs(t.bias.detach().numpy()).max() <= 1 / 3


def test_conv_transpose_output_size():
    m, tm = gg.nn.ConvTranspose1d(2, 3, 3, stride=3), torch.nn.ConvTranspose1d(2, 3, 3, stride=3)
    for size in ([12], [14], [2, 3, 13]):
        got, want = m(gg.ones(2, 2, 4), output_size=size), tm(torch.ones(2, 2, 4), output_size=size)
        assert tuple(got.shape) == tuple(want.shape)
    for size in ([15], [11], [1, 1]):
        with pytest.raises(ValueError):
            tm(torch.ones(2, 2, 4), output_size=size)
        with pytest.raises(ValueError):
            m(gg.ones(2, 2, 4), output_size=size)


@pytest.mark.parametrize("cls,shape", [("LazyConv1d", (2, 6, 7)), ("LazyConv2d", (6, 4, 4)),
                                       ("LazyConvTranspose2d", (2, 6, 2, 2)), ("LazyConvTranspose3d", (6, 1, 2, 1))])
def test_lazy_modules_match_torch(cls, shape):
    m, tm = getattr(gg.nn, cls)(4, 3, groups=2), getattr(torch.nn, cls)(4, 3, groups=2)
    assert repr(m) == repr(tm) and m.has_uninitialized_params()
    y, ty = m(gg.ones(*shape)), tm(torch.ones(*shape))
    assert tuple(y.shape) == tuple(ty.shape) and repr(m) == repr(tm) and type(m).__name__ == type(tm).__name__
    assert tuple(m.weight.shape) == tuple(tm.weight.shape)


# -- errors: PyTorch's exception class for the same bad call --------------------------------------------------------
_X = (2, 4, 5)
ERRORS = [
    ("conv1d", (_X, (6, 3, 3)), {}),                      # channels do not match
    ("conv1d", (_X, (6, 2, 3)), dict(groups=3)),          # channels vs groups
    ("conv1d", (_X, (4, 2, 3)), dict(groups=3)),          # weight not divisible by groups
    ("conv1d", (_X, (6, 4, 7)), {}),                      # kernel bigger than the input
    ("conv1d", (_X, (0, 4, 3)), {}),                      # no output channels
    ("conv1d", (_X, (6, 4, 3)), dict(padding="same", stride=2)),
    ("conv1d", (_X, (6, 4, 3)), dict(padding="foo")),
    ("conv1d", (_X, (6, 4, 3)), dict(padding=-1)),
    ("conv1d", (_X, (6, 4, 3)), dict(stride=0)),
    ("conv1d", (_X, (6, 4, 3)), dict(dilation=0)),
    ("conv1d", (_X, (6, 4, 3)), dict(groups=0)),
    ("conv1d", (_X, (6, 4, 3)), dict(stride=(1, 1))),
    ("conv1d", ((5,), (6, 4, 3)), {}),                    # input of the wrong rank
    ("conv2d", (_X, (6, 4, 3, 3)), {}),
    ("conv1d", (_X, (6, 4, 3), (5,)), {}),                # bias of the wrong size
    ("conv_transpose1d", (_X, (4, 3, 3)), dict(output_padding=2)),
    ("conv_transpose1d", (_X, (3, 3, 3)), {}),
    ("conv_transpose1d", (_X, (4, 3, 3)), dict(groups=3)),
    ("conv_transpose1d", (_X, (4, 3, 3)), dict(padding="same")),
]


@pytest.mark.parametrize("name,shapes,kw", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_match_torch(name, shapes, kw):
    with pytest.raises(Exception) as want:
        getattr(TF, name)(*[torch.zeros(s) for s in shapes], **kw)
    with pytest.raises(want.type) as got:
        getattr(F, name)(*[gg.zeros(*s) for s in shapes], **kw)
    assert name in str(got.value) or "input" in str(got.value)


def test_dtype_mismatch_errors():
    with pytest.raises(RuntimeError, match="float64.*float32|should be the same"):
        F.conv1d(gg.zeros(1, 2, 3, dtype=gg.float64), gg.zeros(1, 2, 2))
    with pytest.raises(RuntimeError):
        TF.conv1d(torch.zeros(1, 2, 3, dtype=torch.float64), torch.zeros(1, 2, 2))


@pytest.mark.parametrize("call", [
    lambda nn: nn.Conv1d(3, 2, 3, groups=2), lambda nn: nn.Conv1d(2, 3, 3, groups=2),
    lambda nn: nn.Conv1d(2, 2, 3, groups=0), lambda nn: nn.Conv2d(2, 2, 3, padding="foo"),
    lambda nn: nn.Conv2d(2, 2, 3, padding="same", stride=2), lambda nn: nn.Conv1d(2, 2, 3, padding_mode="foo"),
    lambda nn: nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect"),
], ids=["in_groups", "out_groups", "groups0", "padding_string", "same_strided", "padding_mode", "transpose_mode"])
def test_module_errors_match_torch(call):
    with pytest.raises(Exception) as want:
        call(torch.nn)
    with pytest.raises(want.type):
        call(gg.nn)


# -- unfold / fold ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unfold_fold_match_torch(dtype, device):
    _check("unfold", ((2, 3, 5, 4),), dtype, device, kernel_size=(2, 3), dilation=(2, 1), padding=(0, 1), stride=2)
    _check("unfold", ((3, 5, 4),), dtype, device, kernel_size=2)
    _check("fold", ((2, 8, 12),), dtype, device, output_size=(4, 5), kernel_size=2, padding=(1, 0), stride=(2, 1))
    _check("fold", ((8, 6),), dtype, device, output_size=3, kernel_size=(2, 1), dilation=(1, 2))


def test_unfold_fold_modules_match_torch():
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 5))
    for m, tm in ((gg.nn.Unfold(3, padding=1, stride=2), torch.nn.Unfold(3, padding=1, stride=2)),
                  (gg.nn.Unfold((2, 3), dilation=2), torch.nn.Unfold((2, 3), dilation=2))):
        assert repr(m) == repr(tm)
        cols, tcols = m(gg.tensor(x)), tm(torch.tensor(x))
        np.testing.assert_allclose(cols.numpy(), tcols.numpy())
        f = gg.nn.Fold((5, 5), m.kernel_size, m.dilation, m.padding, m.stride)
        tf = torch.nn.Fold((5, 5), tm.kernel_size, tm.dilation, tm.padding, tm.stride)
        assert repr(f) == repr(tf)
        np.testing.assert_allclose(f(cols).numpy(), tf(tcols).numpy(), rtol=1e-12)


FOLD_ERRORS = [
    ("unfold", (2, 3, 5, 5), dict(kernel_size=6)), ("unfold", (2, 3, 5, 5), dict(kernel_size=0)),
    ("unfold", (2, 3, 5, 5), dict(kernel_size=2, stride=0)), ("unfold", (2, 3, 5, 5), dict(kernel_size=2, padding=-1)),
    ("unfold", (2, 3, 5, 5), dict(kernel_size=(2, 2, 2))), ("unfold", (3, 5), dict(kernel_size=2)),
    ("fold", (2, 13, 16), dict(output_size=(5, 5), kernel_size=2)),
    ("fold", (2, 12, 15), dict(output_size=(5, 5), kernel_size=2)),
    ("fold", (2, 3, 12, 16), dict(output_size=5, kernel_size=2)),
]


@pytest.mark.parametrize("name,shape,kw", FOLD_ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(FOLD_ERRORS)])
def test_unfold_fold_errors_match_torch(name, shape, kw):
    with pytest.raises(Exception) as want:
        getattr(TF, name)(torch.zeros(shape), **kw)
    with pytest.raises(want.type):
        getattr(F, name)(gg.zeros(*shape), **kw)


def test_autocast_runs_convolutions_in_lower_precision():
    conv, tconv = gg.nn.Conv1d(2, 3, 2), torch.nn.Conv1d(2, 3, 2)
    x = np.random.default_rng(4).standard_normal((2, 2, 5)).astype(np.float16)
    with gg.autocast("cpu", dtype=gg.float16):
        y = conv(gg.tensor(x))                    # a float16 input meets float32 parameters: both cast
    with torch.autocast("cpu", dtype=torch.float16):
        ty = tconv(torch.tensor(x))
    assert y.dtype == gg.float16 and ty.dtype == torch.float16
    y.float().sum().backward()
    assert conv.weight.grad.dtype == gg.float32


def test_bfloat16_stays_bfloat16():
    """NumPy's matmul of bfloat16 (ml_dtypes) returns float32: the result and the gradients are cast back."""
    pytest.importorskip("ml_dtypes")
    x = gg.randn(2, 2, 5, 5).to(gg.bfloat16).requires_grad_()
    w = gg.randn(3, 2, 3, 3).to(gg.bfloat16).requires_grad_()
    y = F.conv2d(x, w, padding=1)
    y.float().sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == gg.bfloat16
    assert F.conv_transpose2d(x, w.transpose(0, 1), stride=2).dtype == gg.bfloat16
