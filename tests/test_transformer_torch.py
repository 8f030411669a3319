"""The Transformer layers against PyTorch: PyTorch's state_dict loaded into ours (keys must match exactly), then
outputs and the gradients of the inputs and every parameter compared, float64 with dropout 0 for each option
(masks, padding, causal, batch_first, norm_first, activations, bias=False, unbatched), float32 in eval against
PyTorch's fused inference path; the causal mask, warnings and errors."""
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

D, H, FF, S, T, N = 8, 2, 16, 4, 3, 2


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _t(a, device, grad=False):
    return gg.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")


def _tt(a, grad=False):
    return torch.tensor(a, requires_grad=grad and a.dtype.kind == "f")


def _compare(gm, tm, inputs, masks, device, tol=1e-11):
    """Load tm's state into gm, run both on the float ``inputs`` (arrays, needing grad) and ``masks`` (keyword
    arrays), backprop sum(out * r) and compare the output and every gradient."""
    sd = tm.state_dict()
    gm.load_state_dict({k: gg.tensor(_np(v)) for k, v in sd.items()})
    assert list(gm.state_dict()) == list(sd)
    gm.to(device)
    xs, ts = [_t(a, device, True) for a in inputs], [_tt(a, True) for a in inputs]
    y = gm(*xs, **{k: _t(v, device) if isinstance(v, np.ndarray) else v for k, v in masks.items()})
    yt = tm(*ts, **{k: _tt(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()})
    np.testing.assert_allclose(_np(y), _np(yt), rtol=tol, atol=tol)
    r = np.random.default_rng(3).standard_normal(tuple(yt.shape)).astype(_np(yt).dtype)
    (y * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        np.testing.assert_allclose(_np(x.grad), _np(t.grad), rtol=tol, atol=tol, err_msg=f"input {i}")
    theirs = dict(tm.named_parameters())
    assert [n for n, _ in gm.named_parameters()] == list(theirs)
    for n, p in gm.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(theirs[n].grad), rtol=tol, atol=tol, err_msg=n)


def _seq(rng, length, batch_first=False, unbatched=False, dtype=np.float64):
    shape = (length, D) if unbatched else ((N, length, D) if batch_first else (length, N, D))
    return rng.standard_normal(shape).astype(dtype)


CAUSAL_T = np.triu(np.full((T, T), -np.inf), 1)
KPM_S = np.array([[False, False, True, False], [False, True, False, False]])

LAYER_CASES = {                          # name: (constructor kwargs, masks, layout)
    "post_ln_relu": ({}, {}, {}),
    "pre_ln_gelu": ({"norm_first": True, "activation": "gelu"}, {}, {}),
    "batch_first_no_bias": ({"batch_first": True, "bias": False}, {}, {"batch_first": True}),
    "masks": ({"activation": torch.nn.functional.gelu}, "masks", {}),
    "unbatched": ({"layer_norm_eps": 1e-3}, {}, {"unbatched": True}),
}


def _activation_for_us(ctor):
    ctor = dict(ctor)
    if ctor.get("activation") is torch.nn.functional.gelu:
        ctor["activation"] = gg.nn.functional.gelu
    return ctor


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_encoder_layer_matches_torch(case, device):
    ctor, masks, layout = LAYER_CASES[case]
    rng = np.random.default_rng(1)
    if masks == "masks":
        masks = {"src_mask": rng.random((S, S)) > 0.7, "src_key_padding_mask": KPM_S}
    tm = torch.nn.TransformerEncoderLayer(D, H, FF, 0.0, **ctor).double()
    gm = gg.nn.TransformerEncoderLayer(D, H, FF, 0.0, **_activation_for_us(ctor), dtype=gg.float64)
    _compare(gm, tm, [_seq(rng, S, **layout)], masks, device)


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_decoder_layer_matches_torch(case, device):
    ctor, masks, layout = LAYER_CASES[case]
    rng = np.random.default_rng(2)
    if masks == "masks":
        masks = {"tgt_mask": CAUSAL_T, "tgt_is_causal": True, "memory_mask": rng.standard_normal((T, S)),
                 "memory_key_padding_mask": KPM_S, "tgt_key_padding_mask": np.zeros((N, T), bool)}
    tm = torch.nn.TransformerDecoderLayer(D, H, FF, 0.0, **ctor).double()
    gm = gg.nn.TransformerDecoderLayer(D, H, FF, 0.0, **_activation_for_us(ctor), dtype=gg.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # bool and float masks mixed: PyTorch's deprecation warning
        _compare(gm, tm, [_seq(rng, T, **layout), _seq(rng, S, **layout)], masks, device)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first, device):
    rng = np.random.default_rng(4)
    kw = {"batch_first": batch_first}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # the enable_nested_tensor warning (checked below)
        tm = torch.nn.Transformer(D, H, 2, 2, FF, 0.0, **kw).double()
        gm = gg.nn.Transformer(D, H, 2, 2, FF, 0.0, **kw, dtype=gg.float64)
    masks = {"tgt_mask": _np(gg.nn.Transformer.generate_square_subsequent_mask(T, dtype=gg.float64)),
             "src_key_padding_mask": KPM_S, "memory_key_padding_mask": KPM_S}
    _compare(gm, tm, [_seq(rng, S, batch_first), _seq(rng, T, batch_first)], masks, device)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_encoder_stack_causal_detection_and_eval_float32():
    """TransformerEncoder with a final norm, in eval under no_grad (PyTorch takes its fused path there)."""
    rng = np.random.default_rng(5)
    layer_t = torch.nn.TransformerEncoderLayer(D, H, FF, batch_first=True)
    enc_t = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(D)).eval()
    enc = gg.nn.TransformerEncoder(gg.nn.TransformerEncoderLayer(D, H, FF, batch_first=True), 2,
                                   norm=gg.nn.LayerNorm(D)).eval()
    enc.load_state_dict({k: gg.tensor(_np(v)) for k, v in enc_t.state_dict().items()})
    x = _seq(rng, S, batch_first=True, dtype=np.float32)
    mask = np.triu(np.full((S, S), -np.inf, np.float32), 1)
    with torch.no_grad(), gg.no_grad():
        for kw in ({}, {"mask": mask}, {"src_key_padding_mask": np.array([[False] * S, [False] * (S - 1) + [True]])}):
            y = enc(gg.tensor(x), **{k: gg.tensor(v) for k, v in kw.items()})
            yt = enc_t(torch.tensor(x), **{k: torch.tensor(v) for k, v in kw.items()})
            assert y.dtype == gg.float32
            np.testing.assert_allclose(_np(y), _np(yt), rtol=1e-4, atol=1e-5)


def test_generate_square_subsequent_mask_and_init_as_torch():
    for sz, dtype in ((1, None), (4, gg.float64)):
        m = gg.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype)
        mt = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=torch.float64 if dtype else None)
        assert m.dtype == (dtype or gg.float32)
        np.testing.assert_array_equal(_np(m), _np(mt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = gg.nn.Transformer(D, H, 1, 1, FF)
        keys_t = list(torch.nn.Transformer(D, H, 1, 1, FF).state_dict())
    assert list(model.state_dict()) == keys_t
    w = _np(model.encoder.layers[0].linear1.weight)
    bound = (6 / (D + FF)) ** 0.5            # xavier_uniform_ re-draws every matrix, as PyTorch
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not _np(model.encoder.layers[0].self_attn.in_proj_bias).any()


def test_encoder_nested_tensor_warning_as_torch():
    for batch_first in (False, True):
        records = []
        for lib in (torch, gg):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first), 1)
            records.append([str(x.message) for x in w if "nested" in str(x.message)])
        assert records[0] == records[1]


def test_errors_as_torch():
    def both(make):
        with pytest.raises(Exception) as theirs:
            make(torch)
        with pytest.raises(type(theirs.value)):
            make(gg)
    both(lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF, activation="tanh"))
    both(lambda lib: lib.nn.TransformerDecoderLayer(D, 3, FF))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {lib: lib.nn.Transformer(D, H, 1, 1, FF) for lib in (torch, gg)}
    for src, tgt, match in (((S, N, D), (T, N + 1, D), "batch number"), ((S, N, D), (T, N, D + 1), "d_model")):
        with pytest.raises(RuntimeError):
            models[torch](torch.zeros(src), torch.zeros(tgt))
        with pytest.raises(RuntimeError, match=match):
            models[gg](gg.zeros(src), gg.zeros(tgt))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_reprs_as_torch():
    makers = (lambda lib: lib.nn.MultiheadAttention(D, H, kdim=4, bias=False),
              lambda lib: lib.nn.Transformer(D, H, 1, 1, FF, bias=False, batch_first=True),
              lambda lib: lib.nn.LayerNorm(D, elementwise_affine=False))
    for make in makers:
        assert repr(make(gg)) == repr(make(torch))


def test_layers_in_training_with_dropout_one_as_torch():
    """dropout=1 in training: every dropout zeroes its input, so training mode compares without random numbers."""
    rng = np.random.default_rng(6)
    for cls, n_in in (("TransformerEncoderLayer", 1), ("TransformerDecoderLayer", 2)):
        tm = getattr(torch.nn, cls)(D, H, FF, dropout=1.0, norm_first=True).double()
        gm = getattr(gg.nn, cls)(D, H, FF, dropout=1.0, norm_first=True, dtype=gg.float64)
        _compare(gm, tm, [_seq(rng, S) for _ in range(n_in)], {}, "cpu")
