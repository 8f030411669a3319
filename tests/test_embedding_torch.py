"""F.embedding, F.embedding_bag, nn.Embedding and nn.EmbeddingBag against PyTorch (the oracle): values, the
gradients of the table and of per_sample_weights, max_norm's in-place change of the table, error conditions,
and float64 finite-difference gradient checks (the plain cases are also in tests/op_table.py)."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_rng = np.random.default_rng(11)
W = _rng.standard_normal((6, 4))                       # a (num_embeddings, embedding_dim) table
W[2] *= 3.0                                            # rows above and below the max_norm of the cases
PSW = _rng.uniform(0.5, 2.0, 8)


def _run(L, device, fn, psw=False, dtype="float64"):
    """fn(L, F, w[, p]) on a fresh table (and per-sample weights); returns the output, the table's gradient
    (for a random cotangent), the per-sample weights' gradient and the table after the call (max_norm)."""
    Fm = F if L is gg else TF
    kw = {"device": device} if L is gg else {}
    w = L.tensor(W.copy(), dtype=getattr(L, dtype), requires_grad=True, **kw)
    args = [w]
    if psw:
        args.append(L.tensor(PSW.copy(), dtype=getattr(L, dtype), requires_grad=True, **kw))
    out = fn(L, Fm, *args, device=device if L is gg else None)
    cot = np.random.default_rng(3).standard_normal(tuple(out.shape))
    (out * L.tensor(cot, dtype=out.dtype, **kw)).sum().backward()

    def host(t):
        return None if t is None else (t.detach().cpu().numpy() if L is gg else t.detach().numpy())
    return host(out), host(w.grad), host(args[1].grad) if psw else None, host(w)


def _idx(L, a, device, dtype="int64"):
    return L.tensor(np.array(a), dtype=getattr(L, dtype), **({"device": device} if L is gg else {}))


EMBEDDING = [
    ("1d", lambda L, F, w, device: F.embedding(_idx(L, [0, 2, 5, 2], device), w)),
    ("2d", lambda L, F, w, device: F.embedding(_idx(L, [[0, 2], [5, 2], [1, 1]], device), w)),
    ("0d", lambda L, F, w, device: F.embedding(_idx(L, 3, device), w)),
    ("size0", lambda L, F, w, device: F.embedding(_idx(L, np.zeros(0, np.int64), device), w)),
    ("size0_2d", lambda L, F, w, device: F.embedding(_idx(L, np.zeros((2, 0), np.int64), device), w)),
    ("size1", lambda L, F, w, device: F.embedding(_idx(L, [[4]], device), w)),
    ("int32", lambda L, F, w, device: F.embedding(_idx(L, [[1, 0], [5, 1]], device, "int32"), w)),
    ("padding", lambda L, F, w, device: F.embedding(_idx(L, [0, 2, 2, 1], device), w, padding_idx=2)),
    ("padding_negative", lambda L, F, w, device: F.embedding(_idx(L, [[5, 2], [1, 5]], device), w, padding_idx=-1)),
    ("padding_0d", lambda L, F, w, device: F.embedding(_idx(L, 0, device), w, padding_idx=0)),
    ("freq", lambda L, F, w, device: F.embedding(_idx(L, [[1, 1, 2], [4, 1, 4]], device), w,
                                                 scale_grad_by_freq=True)),
    ("freq_padding", lambda L, F, w, device: F.embedding(_idx(L, [[1, 1, 2], [4, 1, 4]], device), w, padding_idx=4,
                                                         scale_grad_by_freq=True)),
    ("max_norm", lambda L, F, w, device: F.embedding(_idx(L, [[2, 0], [2, 5]], device), w, max_norm=1.5)),
    ("max_norm_p1", lambda L, F, w, device: F.embedding(_idx(L, [2, 0, 3], device), w, max_norm=2.0,
                                                        norm_type=1.0)),
    ("max_norm_inf", lambda L, F, w, device: F.embedding(_idx(L, [2, 1], device), w, max_norm=1.0,
                                                         norm_type=float("inf"))),
    ("max_norm_p3_padding_freq", lambda L, F, w, device: F.embedding(_idx(L, [[2, 1], [1, 1]], device), w,
                                                                     max_norm=1.2, norm_type=3,
                                                                     padding_idx=1, scale_grad_by_freq=True)),
    ("max_norm_0d", lambda L, F, w, device: F.embedding(_idx(L, 2, device), w, max_norm=0.5)),
]


def _compare(got, want, rtol=1e-12, atol=1e-12):
    for g, t in zip(got, want):
        assert (g is None) == (t is None)
        if t is not None:
            assert g.shape == t.shape and g.dtype == t.dtype, (g.shape, t.shape, g.dtype, t.dtype)
            np.testing.assert_allclose(g, t, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,fn", EMBEDDING, ids=[c[0] for c in EMBEDDING])
def test_embedding_matches_torch(name, fn, device):
    """Values, the table's gradient and (max_norm) the table renormalized in place."""
    _compare(_run(gg, device, fn), _run(torch, None, fn))


def test_embedding_float32_and_max_norm_is_an_in_place_change():
    fn = EMBEDDING[12][1]
    _compare(_run(gg, "cpu", fn, dtype="float32"), _run(torch, None, fn, dtype="float32"), rtol=1e-6, atol=1e-6)
    errors = []
    for L in (gg, torch):         # a product that saved the table can't be differentiated after the renorm
        w = L.tensor(W.copy(), requires_grad=True)
        y = (w * w).sum()
        (F if L is gg else TF).embedding(L.tensor([2]), w, max_norm=1.0)
        with pytest.raises(RuntimeError) as e:
            y.backward()
        errors.append(str(e.value))
    assert all("modified by an inplace operation" in e for e in errors), errors


BAGS = [
    ("2d_mean", lambda L, F, w, device: F.embedding_bag(_idx(L, [[0, 2, 5], [2, 2, 1]], device), w)),
    ("2d_sum", lambda L, F, w, device: F.embedding_bag(_idx(L, [[0, 2, 5], [2, 2, 1]], device), w, mode="sum")),
    ("2d_max", lambda L, F, w, device: F.embedding_bag(_idx(L, [[0, 2, 5], [2, 2, 1]], device), w, mode="max")),
    ("offsets_mean_empty_bags", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 2, 2, 5, 8], device))),
    ("offsets_sum", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 2, 2, 5], device), mode="sum")),
    ("offsets_max_empty_bags", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 0, 3, 3], device), mode="max")),
    ("include_last_offset", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 2, 5], device), mode="sum",
        include_last_offset=True)),
    ("include_last_offset_mean_all", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 3, 3, 8], device), include_last_offset=True)),
    ("int32", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5], device, "int32"), w, _idx(L, [0, 3], device, "int32"), mode="max")),
    ("int32_int64", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5], device, "int32"), w, _idx(L, [0, 1], device), mode="sum")),
    ("padding_mean", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 4, 2, 0], device), w, _idx(L, [0, 2, 4, 6], device), padding_idx=4)),
    ("padding_negative_max", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [[5, 2, 4], [5, 5, 5]], device), w, mode="max", padding_idx=-1)),
    ("padding_sum", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [[5, 2, 4], [0, 5, 1]], device), w, mode="sum", padding_idx=5)),
    ("max_norm_sum", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [[2, 0], [2, 5]], device), w, max_norm=1.5, mode="sum")),
    ("max_norm_p1_max", lambda L, F, w, device: F.embedding_bag(
        _idx(L, [2, 0, 3, 1], device), w, _idx(L, [0, 1], device), max_norm=2.0, norm_type=1, mode="max")),
    ("size0_1d", lambda L, F, w, device: F.embedding_bag(
        _idx(L, np.zeros(0, np.int64), device), w, _idx(L, [0, 0], device))),
    ("size0_1d_max", lambda L, F, w, device: F.embedding_bag(
        _idx(L, np.zeros(0, np.int64), device), w, _idx(L, [0], device), mode="max")),
    ("size0_bags", lambda L, F, w, device: F.embedding_bag(_idx(L, np.zeros((0, 2), np.int64), device), w)),
    ("size1", lambda L, F, w, device: F.embedding_bag(_idx(L, [[3]], device), w, mode="max")),
]
WEIGHTED = [
    ("psw_2d", lambda L, F, w, p, device: F.embedding_bag(
        _idx(L, [[0, 2, 5, 2], [2, 2, 1, 0]], device), w, mode="sum", per_sample_weights=p.reshape(2, 4))),
    ("psw_offsets_padding", lambda L, F, w, p, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 2, 2, 5], device), mode="sum",
        per_sample_weights=p, padding_idx=4)),
    ("psw_include_last_offset", lambda L, F, w, p, device: F.embedding_bag(
        _idx(L, [1, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 2, 6], device), mode="sum",
        per_sample_weights=p, include_last_offset=True)),
    ("psw_max_norm", lambda L, F, w, p, device: F.embedding_bag(
        _idx(L, [2, 2, 4, 5, 4, 3, 2, 0], device), w, _idx(L, [0, 4], device), mode="sum",
        per_sample_weights=p, max_norm=1.0)),
]


@pytest.mark.parametrize("name,fn", BAGS, ids=[c[0] for c in BAGS])
def test_embedding_bag_matches_torch(name, fn, device):
    _compare(_run(gg, device, fn), _run(torch, None, fn))


@pytest.mark.parametrize("name,fn", WEIGHTED, ids=[c[0] for c in WEIGHTED])
def test_embedding_bag_per_sample_weights_match_torch(name, fn, device):
    _compare(_run(gg, device, fn, psw=True), _run(torch, None, fn, psw=True))


def test_embedding_bag_max_ties_go_to_the_first_row_as_torch():
    w = np.array([[1.0, 2.0, -1.0], [1.0, 5.0, -1.0], [0.0, 2.0, 7.0]])
    fn = lambda L, F, t, device=None: F.embedding_bag(_idx(L, [[0, 1, 2], [2, 0, 0]], device), t,  # noqa: E731
                                                       mode="max")
    res = []
    for L in (gg, torch):
        t = L.tensor(w, requires_grad=True)
        out = fn(L, F if L is gg else TF, t, "cpu" if L is gg else None)
        out.sum().backward()
        res.append((out.detach().numpy(), t.grad.numpy()))
    _compare(res[0], res[1])


@pytest.mark.parametrize("padding_idx", [None, 5])
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_divides_by_each_index_count(mode, padding_idx):
    """The gradient of each row is divided by its index's count in the mini-batch, as F.embedding's. (PyTorch's
    own CPU embedding_bag kernel divides by the count of another index -- the k-th sorted index for the k-th
    distinct row -- so the oracle here is PyTorch's embedding followed by the bag reduction.)"""
    idx = [[1, 1, 2], [3, 1, 3], [0, 5, 5]]
    got = _run(gg, "cpu", lambda L, F, w, device: F.embedding_bag(_idx(L, idx, device), w, mode=mode,
                                                                   scale_grad_by_freq=True, padding_idx=padding_idx))

    def oracle(L, F, w, device=None):
        i = _idx(L, idx, None)
        keep = (i != (-1 if padding_idx is None else padding_idx)).to(w.dtype)[..., None]
        s = (F.embedding(i, w, scale_grad_by_freq=True) * keep).sum(1)
        return s if mode == "sum" else s / keep.sum(1).clamp(min=1)
    _compare(got, _run(torch, None, oracle))


# -- gradients by finite differences (float64) --------------------------------------------------------------------
GRADCHECKS = [
    ("embedding_2d", lambda w, p: F.embedding(gg.tensor([[0, 2], [5, 2]]), w)),
    ("embedding_0d", lambda w, p: F.embedding(gg.tensor(4), w)),
    ("embedding_size1", lambda w, p: F.embedding(gg.tensor([1]), w) * w[1]),
    ("bag_sum_psw", lambda w, p: F.embedding_bag(gg.tensor([1, 2, 4, 5, 4, 3, 2, 0]), w, gg.tensor([0, 2, 2, 5]),
                                                 mode="sum", per_sample_weights=p)),
    ("bag_sum_psw_2d_last_offset", lambda w, p: F.embedding_bag(
        gg.tensor([1, 2, 4, 5, 4, 3, 2, 0]), w, gg.tensor([0, 3, 7]), mode="sum", per_sample_weights=p,
        include_last_offset=True) ** 2),
    ("bag_mean", lambda w, p: F.embedding_bag(gg.tensor([[1, 2, 4], [5, 4, 4]]), w)),
    ("bag_max", lambda w, p: F.embedding_bag(gg.tensor([1, 2, 4, 5, 4, 3, 2, 0]), w, gg.tensor([0, 3, 3]),
                                             mode="max")),
]


@pytest.mark.parametrize("name,fn", GRADCHECKS, ids=[c[0] for c in GRADCHECKS])
def test_gradcheck(name, fn):
    w = gg.tensor(W.copy(), requires_grad=True)
    p = gg.tensor(PSW.copy(), requires_grad=True)
    assert gradcheck(fn, (w, p))
    assert gradcheck(fn, (w, p), check_forward_ad=True)


def test_gradgradcheck_of_weighted_bags():
    fn = GRADCHECKS[3][1]
    w = gg.tensor(W.copy(), requires_grad=True)
    p = gg.tensor(PSW.copy(), requires_grad=True)
    assert gradgradcheck(lambda w, p: fn(w, p) ** 2, (w, p))
    assert gradgradcheck(lambda w, p: F.embedding(gg.tensor([[1, 1], [0, 3]]), w, padding_idx=0) ** 2, (w, p))


# -- errors: PyTorch's conditions and exception types, with messages that name the call -----------------------------
def _w(L, shape=(6, 4), dtype="float64"):
    return L.zeros(*shape, dtype=getattr(L, dtype))


def _i(L, a, dtype="int64"):
    return L.tensor(np.array(a), dtype=getattr(L, dtype))


ERRORS = [
    ("float_indices", "embedding", lambda L, F: F.embedding(_i(L, [1.0], "float32"), _w(L))),
    ("int16_indices", "embedding", lambda L, F: F.embedding(_i(L, [1], "int16"), _w(L))),
    ("uint8_indices", "embedding", lambda L, F: F.embedding(_i(L, [1], "uint8"), _w(L))),
    ("bool_indices", "embedding", lambda L, F: F.embedding(_i(L, [True], "bool"), _w(L))),
    ("index_too_large", "embedding", lambda L, F: F.embedding(_i(L, [[1, 6], [0, 2]]), _w(L))),
    ("index_negative", "embedding", lambda L, F: F.embedding(_i(L, [-1, 2]), _w(L))),
    ("index_0d_too_large", "embedding", lambda L, F: F.embedding(_i(L, 9), _w(L))),
    ("weight_1d", "embedding", lambda L, F: F.embedding(_i(L, [1]), L.zeros(6))),
    ("weight_3d", "embedding", lambda L, F: F.embedding(_i(L, [1]), L.zeros(1, 6, 4))),
    ("padding_too_large", "embedding", lambda L, F: F.embedding(_i(L, [1]), _w(L), padding_idx=6)),
    ("padding_too_negative", "embedding", lambda L, F: F.embedding(_i(L, [1]), _w(L), padding_idx=-7)),
    ("bag_float_indices", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1.0]], "float64"), _w(L))),
    ("bag_int16_indices", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]], "int16"), _w(L))),
    ("bag_float_offsets", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [1, 2]), _w(L),
                                                                        _i(L, [0, 1], "float32"))),
    ("bag_index_too_large", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [1, 6]), _w(L), _i(L, [0]))),
    ("bag_index_negative", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[-2, 1]]), _w(L), mode="max")),
    ("bag_weight_1d", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), L.zeros(6))),
    ("bag_weight_int", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), L.zeros(6, 2, dtype=L.int64))),
    ("bag_2d_with_offsets", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L), _i(L, [0]))),
    ("bag_1d_without_offsets", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [1]), _w(L))),
    ("bag_2d_offsets", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [1]), _w(L), _i(L, [[0]]))),
    ("bag_3d_input", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[[1]]]), _w(L))),
    ("bag_0d_input", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, 1), _w(L))),
    ("bag_mode", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L), mode="min")),
    ("bag_max_freq", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L), mode="max",
                                                                   scale_grad_by_freq=True)),
    ("bag_psw_mean", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L),
                                                                   per_sample_weights=L.ones(1, 1, dtype=L.float64))),
    ("bag_psw_max", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L), mode="max",
                                                                  per_sample_weights=L.ones(1, 1, dtype=L.float64))),
    ("bag_psw_shape", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1, 2]]), _w(L), mode="sum",
                                                                    per_sample_weights=L.ones(2, dtype=L.float64))),
    ("bag_psw_dtype", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1, 2]]), _w(L), mode="sum",
                                                                    per_sample_weights=L.ones(1, 2))),
    ("bag_first_offset", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [1, 2, 3]), _w(L), _i(L, [1, 2]))),
    ("bag_last_offset", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [1, 2, 3]), _w(L), _i(L, [0, 4]))),
    ("bag_last_offset_included", "embedding_bag", lambda L, F: F.embedding_bag(
        _i(L, [1, 2, 3]), _w(L), _i(L, [0, 2, 4]), include_last_offset=True)),
    ("bag_padding_too_large", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L), padding_idx=6)),
    ("bag_padding_too_negative", "embedding_bag", lambda L, F: F.embedding_bag(_i(L, [[1]]), _w(L),
                                                                               padding_idx=-7)),
]


@pytest.mark.parametrize("name,call,fn", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_as_torch_with_messages_that_name_the_call(name, call, fn):
    with pytest.raises(Exception) as want:
        fn(torch, TF)
    with pytest.raises(Exception) as got:
        fn(gg, F)
    assert isinstance(got.value, type(want.value)), (got.value, want.value)
    assert str(got.value).startswith(call + ":"), str(got.value)


def test_out_of_range_messages_give_the_value_and_the_shapes():
    with pytest.raises(IndexError, match=r"embedding: index 6 is out of range for weight of shape \(6, 4\) "
                                         r"\(indices of shape \(2, 2\); expected 0 <= index < 6\)"):
        F.embedding(gg.tensor([[1, 6], [0, 2]]), gg.zeros(6, 4))
    with pytest.raises(RuntimeError, match=r"embedding_bag: index -2 is out of range for weight of shape \(6, 4\) "
                                           r"\(indices of shape \(1, 2\)"):
        F.embedding_bag(gg.tensor([[-2, 1]]), gg.zeros(6, 4))
    with pytest.raises(RuntimeError, match=r"embedding_bag: offsets\[0\] has to be 0.*offsets\[0\] = 1"):
        F.embedding_bag(gg.tensor([1, 2]), gg.zeros(6, 4), gg.tensor([1]))
    with pytest.raises(RuntimeError, match=r"embedding_bag: offsets must be non-decreasing"):
        F.embedding_bag(gg.tensor([1, 2, 3]), gg.zeros(6, 4), gg.tensor([0, 2, 1]))


@pytest.mark.parametrize("call", ["F.embedding", "F.embedding_bag", "nn.Embedding", "nn.EmbeddingBag"])
def test_sparse_true_is_refused_with_the_way_out(call):
    run = {"F.embedding": lambda: F.embedding(gg.tensor([1]), gg.zeros(3, 2), sparse=True),
           "F.embedding_bag": lambda: F.embedding_bag(gg.tensor([[1]]), gg.zeros(3, 2), sparse=True),
           "nn.Embedding": lambda: gg.nn.Embedding(3, 2, sparse=True),
           "nn.EmbeddingBag": lambda: gg.nn.EmbeddingBag.from_pretrained(gg.zeros(3, 2), sparse=True)}[call]
    with pytest.raises(NotImplementedError, match=r"\(sparse=True\): gpugrad has no sparse tensors.*use sparse=False"):
        run()


# -- nn.Embedding and nn.EmbeddingBag --------------------------------------------------------------------------------
REPRS = [
    ("Embedding", (10, 3), {}),
    ("Embedding", (10, 3), dict(padding_idx=-2, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True)),
    ("Embedding", (4, 2), dict(norm_type=2)),
    ("EmbeddingBag", (10, 3), {}),
    ("EmbeddingBag", (10, 3), dict(max_norm=2, norm_type=3.0, scale_grad_by_freq=True, mode="sum", padding_idx=-1,
                                   include_last_offset=True)),
]


@pytest.mark.parametrize("cls,args,kwargs", REPRS)
def test_modules_print_as_torch(cls, args, kwargs):
    g, t = getattr(gg.nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(g) == repr(t)
    assert g.padding_idx == t.padding_idx and tuple(g.weight.shape) == tuple(t.weight.shape)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]


@pytest.mark.parametrize("cls", ["Embedding", "EmbeddingBag"])
def test_init_is_standard_normal_with_the_padding_row_zeroed(cls):
    torch.manual_seed(0)
    g = getattr(gg.nn, cls)(400, 50, padding_idx=3, dtype=gg.float64)
    t = getattr(torch.nn, cls)(400, 50, padding_idx=3, dtype=torch.float64)
    gw, tw = g.weight.detach().numpy(), t.weight.detach().numpy()
    np.testing.assert_array_equal(gw[3], tw[3])
    rest = np.delete(gw, 3, 0), np.delete(tw, 3, 0)
    # 19950 draws each: the means differ by about 0.01 and the standard deviations by about 0.007 (one sigma)
    assert abs(rest[0].mean() - rest[1].mean()) < 0.05 and abs(rest[0].std() - rest[1].std()) < 0.035
    assert g.weight.requires_grad and t.weight.requires_grad and g.weight.dtype == gg.float64


def test_embedding_module_forward_backward_and_weight_checks_match_torch():
    res = []
    for L in (gg, torch):
        m = L.nn.Embedding(6, 4, padding_idx=1, max_norm=2.0, scale_grad_by_freq=True, _weight=L.tensor(W.copy()))
        y = m(L.tensor([[1, 2, 2], [0, 5, 2]]))
        (y * L.tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
        res.append((y.detach().numpy(), m.weight.grad.numpy(), m.weight.detach().numpy()))
        with pytest.raises(AssertionError):
            L.nn.Embedding(5, 4, _weight=L.tensor(W.copy()))
        with pytest.raises(AssertionError):
            L.nn.Embedding(6, 4, padding_idx=6)
        assert not L.nn.Embedding(6, 4, _weight=L.tensor(W.copy()), _freeze=True).weight.requires_grad
    _compare(res[0], res[1])


@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained_shares_the_table_as_torch(freeze):
    res = []
    for L in (gg, torch):
        table = L.tensor(W.copy())
        m = L.nn.Embedding.from_pretrained(table, freeze=freeze, padding_idx=-1, max_norm=1.0)
        bag = L.nn.EmbeddingBag.from_pretrained(table, freeze=freeze, mode="max", padding_idx=0)
        assert m.weight.requires_grad == bag.weight.requires_grad == (not freeze)
        assert m.padding_idx == 5 and repr(m) == repr(torch.nn.Embedding(6, 4, padding_idx=5, max_norm=1.0))
        y = m(L.tensor([2, 5, 0]))              # renormalizes rows 2 and 0 of the shared table in place
        z = bag(L.tensor([[0, 2, 3], [4, 1, 1]]))
        res.append((y.detach().numpy(), z.detach().numpy(), table.numpy()))
        with pytest.raises(AssertionError):
            L.nn.Embedding.from_pretrained(L.zeros(3))
        with pytest.raises(AssertionError):
            L.nn.EmbeddingBag.from_pretrained(L.zeros(3))
    _compare(res[0], res[1])


def test_embedding_bag_module_forward_with_offsets_and_weights_matches_torch():
    res = []
    for L in (gg, torch):
        m = L.nn.EmbeddingBag(6, 4, mode="sum", include_last_offset=True, padding_idx=2, _weight=L.tensor(W.copy()),
                              dtype=L.float64)
        p = L.tensor(PSW.copy(), requires_grad=True)
        y = m(L.tensor([1, 2, 4, 5, 4, 3, 2, 0]), L.tensor([0, 2, 2, 8]), per_sample_weights=p)
        (y * L.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        res.append((y.detach().numpy(), m.weight.grad.numpy(), p.grad.numpy()))
        y2 = m(L.tensor([[1, 2], [4, 5]]))
        res.append((y2.detach().numpy(),))
    _compare(res[0], res[2])
    _compare(res[1], res[3])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_2d_empty_bags_give_what_the_same_bags_by_offsets_give_in_torch(mode):
    """A (3, 0) input: PyTorch fails ('step must be nonzero'), so its oracle is the same three empty bags given
    as a 1-D input with offsets."""
    got = _run(gg, "cpu", lambda L, F, w, device: F.embedding_bag(_idx(L, np.zeros((3, 0), np.int64), device), w,
                                                                   mode=mode))
    want = _run(torch, None, lambda L, F, w, device=None: F.embedding_bag(_idx(L, np.zeros(0, np.int64), None), w,
                                                                           _idx(L, [0, 0, 0], None), mode=mode))
    _compare(got, want)


def test_embedding_bag_takes_the_old_argument_order_with_torchs_warning():
    res = []
    for L in (gg, torch):
        with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag was changed") as rec:
            res.append((L.nn.functional.embedding_bag(L.tensor(W.copy()), L.tensor([[1, 2], [0, 0]])).numpy(),))
        assert rec[0].filename == __file__                 # the warning points at the caller's line
    _compare(res[0], res[1])
