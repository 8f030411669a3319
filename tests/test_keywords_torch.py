"""PyTorch calls made with PyTorch's keywords (``input=``, ``other=``, ``dim=``, ``out=``...) give PyTorch's
values and gradients; ``out=`` is not differentiable, as in PyTorch; ``Tensor.view(dtype)`` reinterprets
bits as PyTorch does. The oracle is PyTorch, run on the same inputs in each test."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_rng = np.random.default_rng(10)
A = _rng.standard_normal((3, 4))
B = _rng.standard_normal((3, 4))
P = _rng.uniform(0.1, 0.9, (3, 4))
IDX = np.array([[0, 2], [1, 1], [3, 0]])


def _lib(mod):
    """The same call in both libraries: ``lib.X`` is gpugrad or torch, ``F`` their functional module."""
    return mod, (F if mod is gg else TF)


def _leaf(lib, a, grad=True):
    return lib.tensor(np.array(a), dtype=lib.float64, requires_grad=grad)


# each case: (name, fn(lib, F, x, y) -> tensor) with x, y float64 leaves requiring grad
CASES = [
    ("add_alpha", lambda L, F, x, y: L.add(input=x, other=y, alpha=2.5)),
    ("sub_alpha", lambda L, F, x, y: L.sub(x, other=y, alpha=0.5)),
    ("mul", lambda L, F, x, y: L.mul(input=x, other=y)),
    ("div_floor", lambda L, F, x, y: L.div(input=x, other=y, rounding_mode="floor") + x + y),
    ("pow", lambda L, F, x, y: L.pow(input=x.abs(), exponent=1.5)),
    ("maximum", lambda L, F, x, y: L.maximum(input=x, other=y)),
    ("where", lambda L, F, x, y: L.where(x > 0, input=x, other=y)),
    ("clamp", lambda L, F, x, y: L.clamp(input=x, min=-0.5, max=0.5)),
    ("abs", lambda L, F, x, y: L.abs(input=x)),
    ("neg", lambda L, F, x, y: L.neg(input=x)),
    ("sum_dtype", lambda L, F, x, y: L.sum(input=x, dim=1, keepdim=True, dtype=L.float32).double()),
    ("mean_dim", lambda L, F, x, y: L.mean(input=x, dim=(0, 1), keepdim=True)),
    ("mean_dtype", lambda L, F, x, y: x.float().mean(dim=0, dtype=L.float64)),
    ("var", lambda L, F, x, y: L.var(input=x, dim=1, correction=0, keepdim=True)),
    ("std", lambda L, F, x, y: L.std(input=x, dim=0, unbiased=False)),
    ("amax", lambda L, F, x, y: L.amax(input=x, dim=1, keepdim=True)),
    ("max_dim", lambda L, F, x, y: L.max(input=x, dim=1, keepdim=False).values),
    ("max_other", lambda L, F, x, y: L.max(x, y)),
    ("logsumexp", lambda L, F, x, y: L.logsumexp(input=x, dim=1, keepdim=True)),
    ("prod_dtype", lambda L, F, x, y: L.prod(input=x, dim=0, keepdim=True, dtype=L.float64)),
    ("norm", lambda L, F, x, y: L.norm(input=x, p=2, dim=1, keepdim=True)),
    ("norm_fro_dtype", lambda L, F, x, y: L.norm(x.float(), dtype=L.float64)),
    ("reshape", lambda L, F, x, y: L.reshape(input=x, shape=(4, 3))),
    ("method_reshape", lambda L, F, x, y: x.reshape(shape=(2, 6))),
    ("view_size", lambda L, F, x, y: x.view(size=(6, 2))),
    ("expand", lambda L, F, x, y: x[:1].expand(size=(2, 3, 4))),
    ("permute", lambda L, F, x, y: L.permute(input=x, dims=(1, 0)) * x.permute(dims=(1, 0))),
    ("transpose_kw", lambda L, F, x, y: x.transpose(dim0=0, dim1=1)),
    ("swapdims", lambda L, F, x, y: L.swapdims(input=x, dim0=0, dim1=1)),
    ("flip", lambda L, F, x, y: x.flip(dims=(0,))),
    ("broadcast_to", lambda L, F, x, y: L.broadcast_to(input=x[0], size=(2, 4))),
    ("squeeze_unsqueeze", lambda L, F, x, y: L.squeeze(input=L.unsqueeze(input=x, dim=0), dim=0)),
    ("split", lambda L, F, x, y: L.split(tensor=x, split_size_or_sections=[1, 3], dim=1)[1]),
    ("method_split", lambda L, F, x, y: x.split(split_size=2, dim=1)[0]),
    ("chunk", lambda L, F, x, y: L.chunk(input=x, chunks=2, dim=1)[1]),
    ("cat", lambda L, F, x, y: L.cat(tensors=[x, y], dim=1)),
    ("stack", lambda L, F, x, y: L.stack(tensors=[x, y], dim=2)),
    ("gather", lambda L, F, x, y: L.gather(input=x, dim=1, index=L.tensor(IDX))),
    ("index_select", lambda L, F, x, y: L.index_select(input=x, dim=1, index=L.tensor([3, 0]))),
    ("matmul", lambda L, F, x, y: L.matmul(input=x, other=y.T)),
    ("mm", lambda L, F, x, y: L.mm(input=x, mat2=y.T)),
    ("dot_outer", lambda L, F, x, y: x[0].dot(tensor=y[0]) * x[1].outer(vec2=y[2])),
    ("clone", lambda L, F, x, y: L.clone(input=x, memory_format=L.preserve_format)),
    ("softmax", lambda L, F, x, y: L.softmax(input=x, dim=1)),
    ("F_softmax", lambda L, F, x, y: F.log_softmax(input=x, dim=0, dtype=L.float64)),
    ("F_sigmoid_tanh", lambda L, F, x, y: F.sigmoid(input=x) + F.tanh(input=y)),
    ("F_relu", lambda L, F, x, y: F.relu(input=x)),
    ("F_gelu", lambda L, F, x, y: F.gelu(input=x, approximate="tanh")),
    ("F_linear", lambda L, F, x, y: F.linear(input=x, weight=y, bias=None)),
    ("F_pad", lambda L, F, x, y: F.pad(input=x, pad=(1, 2), mode="constant", value=0.5)),
    ("F_mse_weight", lambda L, F, x, y: F.mse_loss(input=x, target=y, weight=L.tensor(P))),
    ("F_l1_weight_sum", lambda L, F, x, y: F.l1_loss(x, y, reduction="sum", weight=L.tensor(P))),
    ("F_huber_weight", lambda L, F, x, y: F.huber_loss(input=x, target=y, delta=0.5, weight=L.tensor(P))),
    ("F_smooth_l1", lambda L, F, x, y: F.smooth_l1_loss(input=x, target=y, beta=0.5)),
    ("F_bce", lambda L, F, x, y: F.binary_cross_entropy(input=L.sigmoid(x), target=L.tensor(P), weight=None)),
    ("F_cross_entropy", lambda L, F, x, y: F.cross_entropy(input=x, target=L.tensor([0, 3, 1]),
                                                          label_smoothing=0.1)),
    ("F_nll", lambda L, F, x, y: F.nll_loss(input=F.log_softmax(x, dim=1), target=L.tensor([2, 1, 0]))),
]


def _run(fn, mod):
    L, Fm = _lib(mod)
    x, y = _leaf(L, A), _leaf(L, B)
    out = fn(L, Fm, x, y)
    out.sum().backward() if out.requires_grad else None
    grads = [None if t.grad is None else t.grad.numpy() for t in (x, y)]
    return out.detach().numpy(), grads


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_keyword_call_matches_torch(name, fn):
    got, ggrads = _run(fn, gg)
    want, tgrads = _run(fn, torch)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    for g, t in zip(ggrads, tgrads):
        assert (g is None) == (t is None)
        if g is not None:
            np.testing.assert_allclose(g, t, rtol=1e-6, atol=1e-9)


# -- out= ---------------------------------------------------------------------------------------------------------
OUT_CASES = [
    ("add", lambda L, x, y, out: L.add(x, y, alpha=2, out=out), (3, 4), "float64"),
    ("abs", lambda L, x, y, out: L.abs(x, out=out), (3, 4), "float64"),
    ("exp", lambda L, x, y, out: L.exp(input=x, out=out), (3, 4), "float64"),
    ("clamp", lambda L, x, y, out: L.clamp(x, min=0, out=out), (3, 4), "float64"),
    ("floor", lambda L, x, y, out: L.floor(x, out=out), (3, 4), "float64"),
    ("round_decimals", lambda L, x, y, out: L.round(x, decimals=2, out=out), (3, 4), "float64"),
    ("eq", lambda L, x, y, out: L.eq(x, other=y, out=out), (3, 4), "bool"),
    ("gt_into_float", lambda L, x, y, out: L.gt(x, y, out=out), (3, 4), "float64"),
    ("logical_not", lambda L, x, y, out: L.logical_not(x > 0, out=out), (3, 4), "bool"),
    ("sum", lambda L, x, y, out: L.sum(x, dim=1, out=out), (3,), "float64"),
    ("mean_resized", lambda L, x, y, out: L.mean(x, dim=0, out=out), (0,), "float64"),
    ("std", lambda L, x, y, out: L.std(x, dim=1, keepdim=True, out=out), (3, 1), "float64"),
    ("amax", lambda L, x, y, out: L.amax(x, dim=0, out=out), (4,), "float64"),
    ("argmax", lambda L, x, y, out: L.argmax(x, dim=1, out=out), (3,), "int64"),
    ("prod", lambda L, x, y, out: L.prod(x, dim=1, out=out), (3,), "float64"),
    ("norm", lambda L, x, y, out: L.norm(x, 2, 1, False, out), (3,), "float64"),
    ("logsumexp", lambda L, x, y, out: L.logsumexp(x, 1, out=out), (3,), "float64"),
    ("max_all", lambda L, x, y, out: L.max(x, out=out), (), "float64"),
    ("cat", lambda L, x, y, out: L.cat([x, y], out=out), (6, 4), "float64"),
    ("stack", lambda L, x, y, out: L.stack([x, y], dim=1, out=out), (3, 2, 4), "float64"),
    ("where", lambda L, x, y, out: L.where(x > 0, x, y, out=out), (3, 4), "float64"),
    ("matmul", lambda L, x, y, out: L.matmul(x, y.T, out=out), (3, 3), "float64"),
    ("floor_divide", lambda L, x, y, out: L.floor_divide(x, 0.3, out=out), (3, 4), "float64"),
]


@pytest.mark.parametrize("name,fn,shape,dtype", OUT_CASES, ids=[c[0] for c in OUT_CASES])
def test_out_matches_torch_and_is_returned(name, fn, shape, dtype):
    res = {}
    for L in (gg, torch):
        x, y = _leaf(L, A, grad=False), _leaf(L, B, grad=False)
        out = L.zeros(shape, dtype=getattr(L, dtype if dtype != "bool" else "bool"))
        r = fn(L, x, y, out)
        assert r is out
        res[L.__name__] = out.numpy()
    assert res["gpugrad"].dtype == res["torch"].dtype
    np.testing.assert_allclose(res["gpugrad"], res["torch"], rtol=1e-7)


def test_max_with_dim_writes_the_values_and_indices_pair():
    res = {}
    for L in (gg, torch):
        x = _leaf(L, A, grad=False)
        v, i = L.zeros(3, dtype=L.float64), L.zeros(3, dtype=L.int64)
        r = L.max(x, dim=1, out=(v, i))
        assert r[0] is v and r[1] is i
        res[L.__name__] = (v.numpy(), i.numpy())
    np.testing.assert_array_equal(res["gpugrad"][0], res["torch"][0])
    np.testing.assert_array_equal(res["gpugrad"][1], res["torch"][1])


@pytest.mark.parametrize("call", [
    lambda L, x, out: L.abs(x, out=out),
    lambda L, x, out: L.add(x, 1.0, out=out),
    lambda L, x, out: L.sum(x, dim=0, out=out[0]),
    lambda L, x, out: L.matmul(x, x, out=out),
    lambda L, x, out: L.cat([x, x], out=L.empty(0, dtype=L.float64)),
], ids=["abs", "add", "sum", "matmul", "cat"])
def test_out_with_inputs_requiring_grad_raises_as_in_torch(call):
    msg = "functions with out=... arguments don't support automatic differentiation"
    for L in (torch, gg):
        x = L.ones(2, 2, dtype=L.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match=msg.replace(".", r"\.")):
            call(L, x, L.zeros(2, 2, dtype=L.float64))
        with L.no_grad():                      # no graph: allowed, as in PyTorch
            call(L, x, L.zeros(2, 2, dtype=L.float64))


def test_out_that_requires_grad_raises_as_in_torch():
    for L in (torch, gg):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.abs(L.ones(2), out=L.zeros(2, requires_grad=True))


def test_out_refuses_a_float_result_into_an_integer_tensor_as_torch_does():
    for L in (torch, gg):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            L.add(L.ones(2), 1.5, out=L.zeros(2, dtype=L.int64))


# -- Tensor.view(dtype) -----------------------------------------------------------------------------------------
VIEW_OK = [
    ("same_size", lambda t: t, "int32"),
    ("narrower", lambda t: t, "float16"),
    ("wider", lambda t: t.reshape(3, 4), "int64"),
    ("wider_2d", lambda t: t.reshape(4, 3)[::2], "int16"),
    ("transposed_same_size", lambda t: t.reshape(3, 4).t(), "int32"),
    ("sliced_narrower", lambda t: t.reshape(3, 4)[:, 1:], "int16"),
    ("0d_same_size", lambda t: t[5], "int32"),
    ("to_uint8", lambda t: t, "uint8"),
]


@pytest.mark.parametrize("name,prep,dtype", VIEW_OK, ids=[c[0] for c in VIEW_OK])
def test_view_dtype_matches_torch_and_shares_storage(name, prep, dtype):
    base = np.arange(12, dtype=np.float32) * 1.5 - 3
    g = prep(gg.tensor(base)).view(getattr(gg, dtype))
    t = prep(torch.tensor(base)).view(getattr(torch, dtype))
    assert g.shape == tuple(t.shape) and str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    src = prep(gg.tensor(base))
    v = src.view(getattr(gg, dtype))
    v.zero_()                                          # shares storage: the source sees the write
    assert float(src.abs().sum()) == 0.0


VIEW_ERR = [
    ("size", lambda t: t.reshape(4, 3), "int64"),
    ("stride", lambda t: t.reshape(2, 6).t(), "int64"),
    ("stride_narrower", lambda t: t.reshape(4, 3).t(), "int16"),
    ("0d", lambda t: t[0], "int16"),
    ("offset", lambda t: t.reshape(2, 6)[:, 1:3], "int64"),
    ("step", lambda t: t.reshape(2, 6)[:, ::2], "int64"),
]


@pytest.mark.parametrize("name,prep,dtype", VIEW_ERR, ids=[c[0] for c in VIEW_ERR])
def test_view_dtype_errors_say_what_torch_says(name, prep, dtype):
    base = np.arange(12, dtype=np.float32)
    with pytest.raises(RuntimeError) as te:
        prep(torch.tensor(base)).view(getattr(torch, dtype))
    with pytest.raises(RuntimeError) as ge:
        prep(gg.tensor(base)).view(getattr(gg, dtype))
    assert str(te.value) in str(ge.value)


def test_view_dtype_is_not_differentiable_as_in_torch():
    for L in (torch, gg):
        x = L.ones(2, 4, requires_grad=True)
        for dt in (L.float32, L.int32, L.float64):
            v = x.view(dt)
            assert not v.requires_grad and v.grad_fn is None


# -- other keyword behaviour --------------------------------------------------------------------------------------
def test_legacy_loss_flags_set_the_reduction_with_torch_warning():
    for size_average, reduce in [(False, None), (None, False), (True, True), (False, True)]:
        res = []
        for L, Fm in ((torch, TF), (gg, F)):
            with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
                r = Fm.mse_loss(L.tensor(A), L.tensor(B), size_average=size_average, reduce=reduce)
            res.append(r.numpy())
        np.testing.assert_allclose(res[1], res[0], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(gg.tensor(A), gg.tensor(B), reduction="sum")     # no warning without the legacy flags


def test_where_with_the_condition_alone_is_nonzero_as_tuple():
    c = A > 0
    got = gg.where(gg.tensor(c))
    want = torch.where(torch.tensor(c))
    assert len(got) == len(want)
    for g, t in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_allclose_equal_nan_and_memory_formats():
    x = gg.tensor([1.0, float("nan")])
    assert gg.allclose(input=x, other=x, equal_nan=True) == torch.allclose(torch.tensor([1.0, float("nan")]),
                                                                            torch.tensor([1.0, float("nan")]),
                                                                            equal_nan=True)
    assert not gg.allclose(x, x)
    y = gg.ones(2, 3)
    assert y.contiguous(memory_format=gg.contiguous_format) is y
    assert y.float(memory_format=gg.preserve_format) is y
    assert gg.zeros_like(input=y, layout=gg.strided, memory_format=gg.preserve_format).shape == (2, 3)
    with pytest.raises(NotImplementedError, match="channels_last"):
        y.clone(memory_format=gg.channels_last)
    with pytest.raises(NotImplementedError, match="layout"):
        gg.ones_like(y, layout=gg.sparse_coo)


def test_div_inplace_rounding_mode_and_pow_exponent_keyword():
    for L in (torch, gg):
        x = L.tensor([7.0, -7.0])
        x.div_(other=2, rounding_mode="floor")
        x.pow_(exponent=2)
        assert x.tolist() == [9.0, 16.0]


def test_view_dtype_and_out_on_every_device(device):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = gg.tensor(base, device=device)
    v = x[:, 2:].view(gg.float64)
    assert v.device == x.device and v.shape == (3, 1)
    np.testing.assert_array_equal(v.cpu().numpy(), torch.tensor(base)[:, 2:].view(torch.float64).numpy())
    if device != "strict":                 # the strict stand-in has no device pointers to find an offset with
        with pytest.raises(RuntimeError, match="storage_offset"):
            x[:, 1:3].view(gg.float64)
    out = gg.zeros(3, device=device)
    assert gg.sum(x, dim=1, out=out) is out
    np.testing.assert_array_equal(out.cpu().numpy(), base.sum(1))


FACTORY_CASES = [
    ("zeros_size", lambda L: L.zeros(size=(2, 3), dtype=L.float64)),
    ("ones_args", lambda L: L.ones(2, 3, layout=L.strided)),
    ("empty_shape", lambda L: L.empty(size=(4,), memory_format=L.contiguous_format).shape),
    ("full", lambda L: L.full(size=(2,), fill_value=3.5)),
    ("full_int", lambda L: L.full((2, 2), 7)),
    ("arange_end", lambda L: L.arange(end=5)),
    ("arange_all", lambda L: L.arange(start=1.0, end=2.0, step=0.25, dtype=L.float64)),
    ("linspace", lambda L: L.linspace(start=-1, end=1, steps=5, dtype=L.float64)),
    ("eye", lambda L: L.eye(n=2, m=3)),
    ("randint_kw", lambda L: L.randint(low=0, high=5, size=(3, 2)).shape),
    ("randperm_kw", lambda L: np.sort(L.randperm(n=6).numpy())),
    ("randn_size", lambda L: L.randn(size=(2, 5)).shape),
    ("rand_dtype", lambda L: L.rand(3, dtype=L.float64).dtype),
]


@pytest.mark.parametrize("name,fn", FACTORY_CASES, ids=[c[0] for c in FACTORY_CASES])
def test_factory_keywords_match_torch(name, fn):
    got, want = fn(gg), fn(torch)
    if isinstance(got, gg.Tensor):
        assert str(got.dtype) == str(want.dtype).replace("torch.", "gpugrad.")
        np.testing.assert_allclose(got.numpy(), want.numpy())
    elif name.endswith("dtype"):
        assert str(got) == str(want).replace("torch.", "gpugrad.")
    else:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_factories_write_into_out_as_torch_does():
    for L in (torch, gg):
        out = L.empty(0)
        assert L.zeros(2, 3, out=out) is out and tuple(out.shape) == (2, 3)
        assert L.arange(4, out=L.empty(4)).tolist() == [0.0, 1.0, 2.0, 3.0]   # cast into out's dtype
        assert L.full((2,), 1.5, out=L.empty(0)).tolist() == [1.5, 1.5]
    with pytest.raises(RuntimeError, match="out has shape"):    # PyTorch resizes it, with a deprecation warning
        gg.full((2,), 1.5, out=gg.empty(2, 3))


def test_random_factories_take_a_numpy_generator():
    a = gg.rand(4, generator=np.random.default_rng(3))
    b = gg.rand(4, generator=np.random.default_rng(3))
    assert a.tolist() == b.tolist() and a.tolist() != gg.rand(4, generator=np.random.default_rng(4)).tolist()
    assert sorted(gg.randperm(5, generator=np.random.default_rng(0)).tolist()) == [0, 1, 2, 3, 4]
    assert gg.randint(0, 3, (6,), generator=np.random.default_rng(0)).max().item() < 3
