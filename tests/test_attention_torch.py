"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention against PyTorch: outputs,
attention weights and the gradients of the inputs and of every parameter (PyTorch's state_dict copied in), in
float64 and float32, for each option; parameter names, shapes and init; and the errors PyTorch raises."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _pair(a, device, grad=True):
    """The same array as a gpugrad tensor on ``device`` and a torch tensor (leaves needing grad if float)."""
    grad = grad and a.dtype.kind == "f"
    return gg.tensor(a, device=device, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def _close(a, b, tol, what=""):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol, err_msg=what)


def _backprop(y, yt, device, seed=7):
    r = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(_np(yt).dtype)
    (y * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()


# -- scaled_dot_product_attention --------------------------------------------------------------------------------

def _bool_mask(rng, shape, dead_row=False):
    m = rng.random(shape) > 0.4
    m[..., 0] = True                      # every query keeps a key ...
    if dead_row:
        m[..., 1, :] = False              # ... except row 1: PyTorch's safe softmax gives it zeros
    return m


SDPA_CASES = {
    "plain": lambda rng: ({}, None),
    "causal": lambda rng: ({"is_causal": True}, None),
    "scale": lambda rng: ({"scale": 0.3}, None),
    "bool_mask": lambda rng: ({}, _bool_mask(rng, (3, 5))),
    "dead_row": lambda rng: ({}, _bool_mask(rng, (2, 1, 3, 5), dead_row=True)),
    "float_mask": lambda rng: ({}, rng.standard_normal((2, 1, 3, 5))),
    "gqa": lambda rng: ({"enable_gqa": True}, None),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case, device):
    rng = np.random.default_rng(1)
    kw, mask = SDPA_CASES[case](rng)
    hk = 1 if case == "gqa" else 2
    arrays = [rng.standard_normal(s) for s in ((2, 2, 3, 4), (2, hk, 5, 4), (2, hk, 5, 6))]
    if case == "causal":
        arrays[1], arrays[2] = arrays[1][:, :, :3], arrays[2][:, :, :3]
    ours, theirs = zip(*(_pair(a, device) for a in arrays))
    mg, mt = (None, None) if mask is None else _pair(mask, device)
    y, yt = F.scaled_dot_product_attention(*ours, mg, **kw), TF.scaled_dot_product_attention(*theirs, mt, **kw)
    _close(y, yt, 1e-12)
    _backprop(y, yt, device)
    for a, b, name in zip(ours, theirs, "qkv"):
        _close(a.grad, b.grad, 1e-12, name)


def test_sdpa_float32_broadcast_batch_and_unbatched():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 4), (1, 5, 4), (5, 6))]
    ours, theirs = zip(*(_pair(a, "cpu") for a in arrays))
    y, yt = F.scaled_dot_product_attention(*ours), TF.scaled_dot_product_attention(*theirs)
    assert y.dtype == gg.float32 and y.shape == tuple(yt.shape)
    _close(y, yt, 1e-5)
    _backprop(y, yt, "cpu")
    for a, b in zip(ours, theirs):
        _close(a.grad, b.grad, 1e-5)
    q2 = gg.tensor(arrays[0][0]), gg.tensor(arrays[1][0]), gg.tensor(arrays[2])
    _close(F.scaled_dot_product_attention(*q2), TF.scaled_dot_product_attention(
        *(torch.tensor(_np(t)) for t in q2)), 1e-5)


def test_sdpa_dropout_one_zeroes_and_train_only_by_p():
    q = gg.randn(1, 2, 3)
    assert F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).abs().sum().item() == 0
    torch.manual_seed(0)
    y = F.scaled_dot_product_attention(gg.ones(1, 200, 2), gg.ones(1, 200, 2), gg.ones(1, 200, 1), dropout_p=0.5)
    assert 0.6 < y.mean().item() < 1.4          # dropout keeps the expectation (each weight 1/200 * 2 or 0)


def _raises_like(ours, theirs, match):
    with pytest.raises(Exception) as info:
        theirs()
    with pytest.raises(type(info.value), match=match):
        ours()


@pytest.mark.parametrize("bad", ["mask_shape", "mask_and_causal", "mask_dtype", "qkv_dtype", "1d", "ek", "gqa",
                                 "dropout", "mask_list"])
def test_sdpa_errors_as_torch(bad):
    q, k, v = (np.zeros(s, np.float32) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    args, kw, match = [q, k, v], {}, "scaled_dot_product_attention"
    if bad == "mask_shape":
        args.append(np.ones((3, 4), bool))
        match = r"attn_mask of shape \(3, 4\)"
    elif bad == "mask_and_causal":
        args.append(np.ones((3, 5), bool))
        kw["is_causal"] = True
    elif bad == "mask_dtype":
        args.append(np.ones((3, 5), np.int64))
    elif bad == "qkv_dtype":
        args[0] = q.astype(np.float64)
    elif bad == "1d":
        args = [a[0, 0] for a in args]
    elif bad == "ek":
        args[1] = np.zeros((2, 5, 3), np.float32)
        match = r"key \(2, 5, 3\)"
    elif bad == "gqa":
        args = [np.zeros((1, h, 3, 4), np.float32) for h in (4, 3, 3)]
        kw["enable_gqa"] = True
    elif bad == "dropout":
        kw["dropout_p"] = 1.5
    ours = [gg.tensor(a) for a in args]
    theirs = [torch.tensor(a) for a in args]
    if bad == "mask_list":
        ours.append([[1.0]])
        theirs.append([[1.0]])
    _raises_like(lambda: F.scaled_dot_product_attention(*ours, **kw),
                 lambda: TF.scaled_dot_product_attention(*theirs, **kw), match)


# -- MultiheadAttention ------------------------------------------------------------------------------------------

E, H, L, S, N = 8, 2, 3, 4, 2
KPM = np.array([[False, False, True, False], [False, True, False, False]])

MHA_CASES = {                              # name: (constructor kwargs, forward kwargs, query/key/value shapes)
    "plain": ({}, {}, None),
    "batch_first": ({"batch_first": True}, {}, "batch_first"),
    "unbatched": ({}, {"key_padding_mask": KPM[0]}, "unbatched"),
    "kdim_vdim": ({"kdim": 5, "vdim": 6}, {}, None),
    "bias_kv_zero_attn": ({"add_bias_kv": True, "add_zero_attn": True},
                          {"attn_mask": np.random.default_rng(3).random((L, S)) > 0.7, "key_padding_mask": KPM},
                          None),
    "no_bias_no_weights": ({"bias": False}, {"need_weights": False}, None),
    "float_masks_per_head": ({}, {"attn_mask": np.random.default_rng(4).standard_normal((N * H, L, S)),
                                  "key_padding_mask": np.where(KPM, -1.5, 0.0), "average_attn_weights": False},
                             None),
    "bool_masks_sdpa_path": ({}, {"attn_mask": np.random.default_rng(5).random((L, S)) > 0.7,
                                  "key_padding_mask": KPM, "need_weights": False}, None),
    "causal": ({}, {"attn_mask": np.triu(np.full((L, L), -np.inf), 1), "is_causal": True,
                    "need_weights": False}, "self"),
}


def _mha_inputs(layout, ctor, rng, dtype):
    kd, vd = ctor.get("kdim", E), ctor.get("vdim", E)
    src = L if layout == "self" else S
    shapes = [(L, N, E), (src, N, kd), (src, N, vd)]
    if layout == "batch_first":
        shapes = [(s[1], s[0], s[2]) for s in shapes]
    elif layout == "unbatched":
        shapes = [(s[0], s[2]) for s in shapes]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _mha_both(ctor, fwd, layout, device, dtype=np.float64, self_attn=False):
    tm = torch.nn.MultiheadAttention(E, H, **ctor).to(torch.float64 if dtype == np.float64 else torch.float32)
    gm = gg.nn.MultiheadAttention(E, H, **ctor, dtype=gg.float64 if dtype == np.float64 else gg.float32)
    gm.load_state_dict({k: gg.tensor(_np(v)) for k, v in tm.state_dict().items()})
    gm.to(device)
    arrays = _mha_inputs(layout, ctor, np.random.default_rng(6), dtype)
    ours, theirs = zip(*(_pair(a, device) for a in arrays))
    if self_attn:
        ours, theirs = (ours[0],) * 3, (theirs[0],) * 3
    fg = {k: gg.tensor(v.astype(dtype) if v.dtype.kind == "f" else v, device=device) if isinstance(v, np.ndarray)
          else v for k, v in fwd.items()}
    ft = {k: torch.tensor(v.astype(dtype) if v.dtype.kind == "f" else v) if isinstance(v, np.ndarray) else v
          for k, v in fwd.items()}
    return gm, tm, ours, theirs, gm(*ours, **fg), tm(*theirs, **ft)


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_mha_matches_torch(case, device):
    ctor, fwd, layout = MHA_CASES[case]
    gm, tm, ours, theirs, (y, w), (yt, wt) = _mha_both(ctor, fwd, layout, device)
    _close(y, yt, 1e-12, "output")
    assert (w is None) == (wt is None)
    if wt is not None:
        assert w.shape == tuple(wt.shape)
        _close(w, wt, 1e-12, "weights")
    _backprop(y, yt, device)
    for a, b, name in zip(ours, theirs, "qkv"):
        _close(a.grad, b.grad, 1e-12, name)
    theirs_p = dict(tm.named_parameters())
    assert [n for n, _ in gm.named_parameters()] == list(theirs_p)
    for n, p in gm.named_parameters():
        _close(p.grad, theirs_p[n].grad, 1e-12, n)


def test_mha_float32_self_attention_batch_first():
    gm, tm, ours, theirs, (y, w), (yt, wt) = _mha_both({"batch_first": True}, {}, "batch_first", "cpu",
                                                       np.float32, self_attn=True)
    assert y.dtype == gg.float32
    _close(y, yt, 1e-5)
    _close(w, wt, 1e-5)
    _backprop(y, yt, "cpu")
    _close(ours[0].grad, theirs[0].grad, 1e-4)
    for (n, p), (_, pt) in zip(gm.named_parameters(), tm.named_parameters()):
        _close(p.grad, pt.grad, 1e-4, n)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_mha_fully_masked_row_nan_with_weights_zero_without():
    kpm = np.ones((N, S), bool)
    kpm[1] = False                          # batch 0 has every key padded
    for need in (True, False):
        gm, tm, _, _, (y, _), (yt, _) = _mha_both({}, {"key_padding_mask": kpm, "need_weights": need}, None, "cpu")
        np.testing.assert_allclose(_np(y), _np(yt), rtol=1e-12, atol=1e-12, equal_nan=True)
        assert np.isnan(_np(y)).any() == need


def test_mha_parameters_init_and_state_dict_as_torch():
    for ctor in ({}, {"kdim": 5, "vdim": 6, "add_bias_kv": True}, {"bias": False}):
        gm, tm = gg.nn.MultiheadAttention(E, H, **ctor), torch.nn.MultiheadAttention(E, H, **ctor)
        assert {k: tuple(v.shape) for k, v in gm.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in tm.state_dict().items()}
        assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
        assert isinstance(gm.out_proj, gg.nn.Linear)
        assert type(gm.out_proj).__name__ == type(tm.out_proj).__name__
        for n, p in gm.named_parameters():
            if n.endswith("bias") and p.ndim == 1:
                assert not _np(p).any(), n             # in_proj_bias and out_proj.bias start at zero
        for name in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first",
                     "_qkv_same_embed_dim", "add_zero_attn"):
            assert getattr(gm, name) == getattr(tm, name), name
    w = gg.nn.MultiheadAttention(64, 4).in_proj_weight
    bound = (6 / (64 + 192)) ** 0.5                     # xavier_uniform_ on (3E, E)
    assert _np(w).max() <= bound and _np(w).max() > 0.9 * bound


def test_multi_head_attention_forward_functional():
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal(s) for s in ((L, N, E), (S, N, E), (S, N, E), (3 * E, E), (3 * E,), (E, E))]
    ours, theirs = zip(*(_pair(a, "cpu") for a in arrays))
    args = lambda t: (t[0], t[1], t[2], E, H, t[3], t[4], None, None, False, 0.0, t[5], None)  # noqa: E731
    (y, w), (yt, wt) = F.multi_head_attention_forward(*args(ours)), TF.multi_head_attention_forward(*args(theirs))
    _close(y, yt, 1e-12)
    _close(w, wt, 1e-12)
    _backprop(y, yt, "cpu")
    for a, b in zip(ours, theirs):
        _close(a.grad, b.grad, 1e-12)


MHA_ERRORS = {                             # name: (constructor kwargs, forward kwargs, the message we give)
    "not_divisible": ({"embed_dim": 6, "num_heads": 4}, None, "divisible"),
    "zero_heads": ({"num_heads": 0}, None, "greater than 0"),
    "mask_2d_shape": ({}, {"attn_mask": np.zeros((L, S + 1), bool)}, r"2D attn_mask is \(3, 5\)"),
    "mask_3d_shape": ({}, {"attn_mask": np.zeros((H, L, S), bool)}, r"3D attn_mask is \(2, 3, 4\)"),
    "mask_4d": ({}, {"attn_mask": np.zeros((1, 1, L, S), bool)}, "2-D or 3-D"),
    "kpm_shape": ({}, {"key_padding_mask": np.zeros((N, S + 1), bool)}, r"key_padding_mask of shape \(2, 4\)"),
    "kpm_dim": ({}, {"key_padding_mask": np.zeros(S, bool)}, "1-D tensor instead"),
    "int_mask": ({}, {"attn_mask": np.zeros((L, S), np.int64)}, "only bool and floating"),
    "causal_no_mask": ({}, {"is_causal": True}, "need attn_mask"),
}


@pytest.mark.parametrize("case", list(MHA_ERRORS))
def test_mha_errors_as_torch(case):
    ctor, fwd, match = MHA_ERRORS[case]
    if fwd is None:
        args = (ctor.get("embed_dim", E), ctor.get("num_heads", H))
        _raises_like(lambda: gg.nn.MultiheadAttention(*args), lambda: torch.nn.MultiheadAttention(*args), match)
        return
    gm, tm = gg.nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H)
    arrays = _mha_inputs(None, {}, np.random.default_rng(0), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like(lambda: gm(*(gg.tensor(a) for a in arrays), **{k: gg.tensor(v) for k, v in fwd.items()}),
                     lambda: tm(*(torch.tensor(a) for a in arrays), **{k: torch.tensor(v) for k, v in fwd.items()}),
                     match)


def test_mha_mismatched_mask_types_warn_as_torch():
    gm = gg.nn.MultiheadAttention(E, H)
    x = gg.randn(L, N, E)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        gm(x, x, x, key_padding_mask=gg.tensor(np.zeros((N, L), bool)), attn_mask=gg.zeros(L, L))


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_training_dropout_one_as_torch(need_weights):
    """dropout=1 in training zeroes every attention weight (output = out_proj's bias): the training path
    compared without depending on either library's random numbers."""
    tm = torch.nn.MultiheadAttention(E, H, dropout=1.0).double()
    gm = gg.nn.MultiheadAttention(E, H, dropout=1.0, dtype=gg.float64)
    gm.load_state_dict({k: gg.tensor(_np(v) + 0.5) for k, v in tm.state_dict().items()})
    tm.load_state_dict({k: v + 0.5 for k, v in tm.state_dict().items()})
    x = np.random.default_rng(9).standard_normal((L, N, E))
    y, w = gm(*(gg.tensor(x),) * 3, need_weights=need_weights)
    yt, wt = tm(*(torch.tensor(x),) * 3, need_weights=need_weights)
    _close(y, yt, 1e-12)
    if need_weights:
        _close(w, wt, 1e-12)
    gm.eval()
    tm.eval()
    _close(gm(*(gg.tensor(x),) * 3)[0], tm(*(torch.tensor(x),) * 3)[0], 1e-12)


def test_merge_masks_as_torch():
    rng = np.random.default_rng(10)
    gm, tm = gg.nn.MultiheadAttention(E, H, batch_first=True), torch.nn.MultiheadAttention(E, H, batch_first=True)
    q, kpm = np.zeros((N, L, E), np.float32), rng.standard_normal((N, L)).astype(np.float32)
    for am in (None, rng.standard_normal((L, L)).astype(np.float32),
               rng.standard_normal((N * H, L, L)).astype(np.float32)):
        for pm in (None, kpm):
            wrap = lambda lib, a: None if a is None else lib.tensor(a)  # noqa: E731
            m, kind = gm.merge_masks(wrap(gg, am), wrap(gg, pm), gg.tensor(q))
            mt, kind_t = tm.merge_masks(wrap(torch, am), wrap(torch, pm), torch.tensor(q))
            assert kind == kind_t and (m is None) == (mt is None)
            if mt is not None:
                _close(m, mt, 1e-6)
