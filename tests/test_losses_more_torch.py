"""The distances and the losses of gpugrad.ops.distance / losses_more / losses_margin against PyTorch: the module
forms with every reduction (and the legacy size_average/reduce pair), float32 values and gradients, PyTorch's
gradients at kinks, ties and zero norms, stability at extreme inputs, the error conditions and the warnings.
(Values and gradients in float64 on many shapes are in tests/op_table.py.)"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(7)
X = rng.standard_normal((5, 4))
Y = rng.standard_normal((5, 4))
P = rng.uniform(0.1, 1.0, (5, 4))
SIGN = np.where(rng.uniform(size=(5, 4)) > 0.5, 1.0, -1.0)
CLASSES = np.array([0, 3, 1, 2, 3])
LABELS = np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 0, 0], [2, -1, 3, 3], [0, 1, 2, 3]])


def _pair(a, dtype, grad):
    g = gg.tensor(a, dtype=getattr(gg, dtype))
    t = torch.tensor(a, dtype=getattr(torch, dtype))
    if grad:
        g.requires_grad_()
        t.requires_grad_()
    return g, t


def _check(gout, tout, gins, tins, dtype):
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert tuple(gout.shape) == tuple(tout.shape)
    assert gout.dtype.name == dtype
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), **tol)
    w = rng.standard_normal(tout.shape)
    if tout.requires_grad:
        (tout * torch.tensor(w, dtype=tout.dtype)).sum().backward()
        (gout * gg.tensor(w, dtype=gout.dtype)).sum().backward()
    for g, t in zip(gins, tins):
        if t.requires_grad:
            exp = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            got = np.zeros(t.shape) if g.grad is None else g.grad.numpy()
            np.testing.assert_allclose(got, exp, **tol)


# (module name, constructor kwargs, differentiable inputs, constant inputs (targets))
MODULES = [
    ("KLDivLoss", dict(log_target=False), [X, P], []),
    ("KLDivLoss", dict(log_target=True), [X, np.log(P)], []),
    ("GaussianNLLLoss", dict(full=True, eps=1e-3), [X, Y, P], []),
    ("PoissonNLLLoss", dict(log_input=False, full=True), [P, P * 3], []),
    ("PoissonNLLLoss", dict(), [X, P * 3], []),
    ("MarginRankingLoss", dict(margin=0.2), [X[:, 0], Y[:, 0]], [SIGN[:, 0]]),
    ("HingeEmbeddingLoss", dict(margin=0.7), [X], [SIGN]),
    ("CosineEmbeddingLoss", dict(margin=0.1), [X, Y], [SIGN[:, 0]]),
    ("SoftMarginLoss", dict(), [X], [SIGN]),
    ("MultiLabelSoftMarginLoss", dict(), [X], [(SIGN > 0) * 1.0]),
    ("MultiLabelMarginLoss", dict(), [X], [LABELS]),
    ("MultiMarginLoss", dict(p=2, margin=0.6), [X], [CLASSES]),
    ("TripletMarginLoss", dict(margin=0.5, p=1.5, swap=True), [X, Y, P], []),
    ("TripletMarginWithDistanceLoss", dict(swap=True, margin=2.0), [X, Y, P], []),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kwargs,inputs,consts", MODULES, ids=[f"{m[0]}{i}" for i, m in enumerate(MODULES)])
def test_module_matches_torch(name, kwargs, inputs, consts, reduction, dtype):
    pairs = [_pair(a, dtype, True) for a in inputs]
    cpairs = [(gg.tensor(c), torch.tensor(c)) if c.dtype.kind == "i" else _pair(c, dtype, False) for c in consts]
    gm = getattr(gg.nn, name)(reduction=reduction, **kwargs)
    tm = getattr(torch.nn, name)(reduction=reduction, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # KLDivLoss's 'mean' warning: tested below
        gout = gm(*[p[0] for p in pairs], *[c[0] for c in cpairs])
        tout = tm(*[p[1] for p in pairs], *[c[1] for c in cpairs])
    _check(gout, tout, [p[0] for p in pairs], [p[1] for p in pairs], dtype)
    assert repr(gm).startswith(name)


def test_weighted_modules_match_torch():
    w = rng.uniform(0.5, 2.0, 4)
    for name, target in (("MultiLabelSoftMarginLoss", (SIGN > 0) * 1.0), ("MultiMarginLoss", CLASSES)):
        gx, tx = _pair(X, "float64", True)
        gm = getattr(gg.nn, name)(weight=gg.tensor(w))
        tm = getattr(torch.nn, name)(weight=torch.tensor(w))
        _check(gm(gx, gg.tensor(target)), tm(tx, torch.tensor(target)), [gx], [tx], "float64")
        assert "weight" in dict(gm.named_buffers())


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True), (False, True)])
def test_legacy_size_average_and_reduce(size_average, reduce):
    for g, t, args in ((F.kl_div, TF.kl_div, (X, P)), (F.poisson_nll_loss, TF.poisson_nll_loss, (X, P)),
                       (F.soft_margin_loss, TF.soft_margin_loss, (X, SIGN)),
                       (F.hinge_embedding_loss, TF.hinge_embedding_loss, (X, SIGN)),
                       (F.multilabel_soft_margin_loss, TF.multilabel_soft_margin_loss, (X, SIGN > 0)),
                       (F.multi_margin_loss, TF.multi_margin_loss, (X, CLASSES)),
                       (F.multilabel_margin_loss, TF.multilabel_margin_loss, (X, LABELS)),
                       (F.triplet_margin_loss, TF.triplet_margin_loss, (X, Y, P)),
                       (F.margin_ranking_loss, TF.margin_ranking_loss, (X, Y, SIGN)),
                       (F.cosine_embedding_loss, TF.cosine_embedding_loss, (X, Y, SIGN[:, 0]))):
        gargs = [gg.tensor(a * 1.0 if a.dtype.kind == "b" else a) for a in args]
        targs = [torch.tensor(a * 1.0 if a.dtype.kind == "b" else a) for a in args]
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated") as rec:
            got = g(*gargs, size_average=size_average, reduce=reduce)
        assert rec[0].filename == __file__                  # points at the caller's line
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exp = t(*targs, size_average=size_average, reduce=reduce)
        np.testing.assert_allclose(got.numpy(), exp.numpy(), rtol=1e-10, err_msg=g.__name__)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        m = gg.nn.SoftMarginLoss(size_average=False)
    assert m.reduction == "sum"


def test_kl_div_mean_warns_and_batchmean_divides_by_the_batch():
    gx, gy = gg.tensor(X), gg.tensor(P)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size") as rec:
        got = F.kl_div(gx, gy)
    assert rec[0].filename == __file__
    with pytest.warns(UserWarning, match="batchmean"):
        exp = TF.kl_div(torch.tensor(X), torch.tensor(P))
    np.testing.assert_allclose(got.numpy(), exp.numpy(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # batchmean, sum, none: no warning
        b = F.kl_div(gx, gy, reduction="batchmean")
        gg.nn.KLDivLoss(reduction="batchmean")(gx, gy)
    np.testing.assert_allclose(b.numpy(), TF.kl_div(torch.tensor(X), torch.tensor(P), reduction="batchmean"),
                               rtol=1e-12)
    with pytest.warns(UserWarning, match="batchmean"):
        gg.nn.KLDivLoss()(gx, gy)


def test_distance_modules_and_top_level_forms():
    gx, tx = _pair(X, "float64", True)
    gy, ty = _pair(Y[:1], "float64", True)
    for gm, tm in ((gg.nn.CosineSimilarity(dim=0, eps=1e-4), torch.nn.CosineSimilarity(dim=0, eps=1e-4)),
                   (gg.nn.PairwiseDistance(p=3.0, keepdim=True), torch.nn.PairwiseDistance(p=3.0, keepdim=True))):
        _check(gm(gx, gy), tm(tx, ty), [gx, gy], [tx, ty], "float64")
        assert repr(gm).split("(")[0] == repr(tm).split("(")[0]
    for name in ("cosine_similarity", "pairwise_distance"):
        np.testing.assert_allclose(getattr(gg, name)(gx, gy).detach().numpy(),
                                   getattr(torch, name)(tx, ty).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gg.pdist(gx).detach().numpy(), torch.pdist(tx).detach().numpy(), rtol=1e-12)
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                 "donot_use_mm_for_euclid_dist"):
        np.testing.assert_allclose(gg.cdist(gx, gy, compute_mode=mode).detach().numpy(),
                                   torch.cdist(tx, ty, compute_mode=mode).detach().numpy(), rtol=1e-12)


def test_normalize_out_and_float32():
    gx, tx = _pair(X, "float32", True)
    _check(F.normalize(gx, p=3, dim=0), TF.normalize(tx, p=3, dim=0), [gx], [tx], "float32")
    out = gg.empty(5, 4, dtype=gg.float32)
    res = F.normalize(gg.tensor(X, dtype=gg.float32), out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), TF.normalize(torch.tensor(X, dtype=torch.float32)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradients_at_zero_norms_ties_and_kinks(dtype):
    """PyTorch's subgradients where the functions are not differentiable."""
    zero = np.zeros((2, 3))
    ties = np.array([[1.0, -1.0, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    cases = [
        (lambda ns, a, b: ns.cosine_similarity(a, b), [zero, Y[:2, :3]]),
        (lambda ns, a, b: ns.normalize(a) * b, [zero, Y[:2, :3]]),
        (lambda ns, a, b: ns.cosine_similarity(a * 1e-9, b), [X[:2, :3], Y[:2, :3]]),      # norm below eps
        (lambda ns, a: ns.pdist(a, float("inf")), [ties]),                                # ties: each gets all
        (lambda ns, a: ns.cdist(a, a * 0, float("inf")), [ties]),
        (lambda ns, a: ns.pairwise_distance(a, a * 0, float("inf"), 0.0), [ties]),       # ties: split
        (lambda ns, a: ns.pairwise_distance(a, a * 0, 0.5, 0.0), [ties]),                # p < 1 at zeros
        (lambda ns, a: ns.cdist(a, a * 0, 0.5), [ties]),
        (lambda ns, a: ns.pdist(a, 2), [ties]),
        (lambda ns, a: ns.cdist(a, a, compute_mode="use_mm_for_euclid_dist"), [ties[:1]]),
        (lambda ns, a: ns.margin_ranking_loss(a, a * 0, a * 0 + 1, margin=0.5), [np.array([0.5, 1.5])]),
        (lambda ns, a: ns.hinge_embedding_loss(a, a * 0 - 1, margin=0.5), [np.array([0.5, 1.5])]),
        (lambda ns, a: ns.multi_margin_loss(a, ns.tensor(np.array([1]))), [np.array([[0.5, 1.5, 0.5]])]),
        (lambda ns, a: ns.multilabel_margin_loss(a, ns.tensor(np.array([[1, 1, -1]]))), [np.array([[0.5, 1.5, 0.5]])]),
        (lambda ns, a, b: ns.triplet_margin_loss(a, b * 0, a * 1, swap=True), [np.array([[3.0, 1.0]]), zero[:1, :2]]),
        (lambda ns, a, b: ns.gaussian_nll_loss(a, a * 0 + 1, b), [np.zeros(3), np.array([0.0, 1e-7, 1.0])]),
    ]

    class NS:
        pass
    gns, tns = NS(), NS()
    for name in ("cosine_similarity", "normalize", "pdist", "pairwise_distance", "margin_ranking_loss",
                 "hinge_embedding_loss", "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_loss",
                 "gaussian_nll_loss"):
        setattr(gns, name, getattr(F, name))
        setattr(tns, name, getattr(TF, name))
    gns.cdist, tns.cdist = gg.cdist, torch.cdist
    gns.tensor, tns.tensor = gg.tensor, torch.tensor
    for i, (fn, arrays) in enumerate(cases):
        pairs = [_pair(a, dtype, True) for a in arrays]
        gout = fn(gns, *[p[0] for p in pairs])
        tout = fn(tns, *[p[1] for p in pairs])
        _check(gout, tout, [p[0] for p in pairs], [p[1] for p in pairs], dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logistic_losses_stay_finite_at_extreme_inputs(dtype):
    """softplus form: finite where PyTorch's soft_margin_loss (log1p(exp(-y x))) overflows to inf and NaN."""
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4])
    gx = gg.tensor(x, dtype=getattr(gg, dtype), requires_grad=True)
    loss = F.soft_margin_loss(gx, gg.ones(5, dtype=getattr(gg, dtype)), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), np.logaddexp(0, -x), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(gx.grad.numpy(), -1 / (1 + np.exp(np.clip(x, -700, 700))), rtol=1e-6, atol=1e-30)
    # where PyTorch is finite, the same values and gradients
    small = np.array([-30.0, 0.0, 30.0])
    gs, ts = _pair(small, dtype, True)
    one = np.ones(3)
    _check(F.soft_margin_loss(gs, gg.tensor(one, dtype=getattr(gg, dtype))),
           TF.soft_margin_loss(ts, torch.tensor(one, dtype=getattr(torch, dtype))), [gs], [ts], dtype)
    gx2, tx2 = _pair(x[None], dtype, True)
    t = np.array([[1.0, 0.0, 1.0, 0.0, 1.0]])
    _check(F.multilabel_soft_margin_loss(gx2, gg.tensor(t, dtype=getattr(gg, dtype))),
           TF.multilabel_soft_margin_loss(tx2, torch.tensor(t, dtype=getattr(torch, dtype))), [gx2], [tx2], dtype)


def _raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


def test_errors_name_the_call_and_what_was_expected():
    x, y = gg.tensor(X), gg.tensor(Y)
    t = gg.tensor(CLASSES)
    _raises(RuntimeError, r"cosine_similarity: shapes do not broadcast: x1 \(5, 4\), x2 \(2, 4\)",
            F.cosine_similarity, x, y[:2])
    _raises(IndexError, "cosine_similarity: dim 2 is out of range", F.cosine_similarity, x, y, dim=2)
    _raises(RuntimeError, "pairwise_distance: shapes do not broadcast", F.pairwise_distance, x, y[:2])
    _raises(RuntimeError, r"pdist: expected a 2-d input \(N, M\), got shape \(4,\)", F.pdist, x[0])
    _raises(RuntimeError, "pdist: p must be non-negative, got -1", F.pdist, x, -1)
    _raises(RuntimeError, "cdist: x1 must be at least 2-d", gg.cdist, x[0], y)
    _raises(RuntimeError, "cdist: .* same number of columns", gg.cdist, x, y[:, :3])
    _raises(ValueError, "cdist: 'fast' is not a valid compute_mode", gg.cdist, x, y, compute_mode="fast")
    _raises(ValueError, "cdist: None is not a valid compute_mode", gg.cdist, x, y, compute_mode=None)
    _raises(RuntimeError, "cdist: shapes do not broadcast", gg.cdist, gg.zeros(2, 3, 4), gg.zeros(5, 2, 4))
    _raises(RuntimeError, "normalize: input must be a floating point tensor", F.normalize, gg.tensor([1, 2]))
    _raises(ValueError, r"kl_div: reduction must be one of 'mean', 'sum', 'none', 'batchmean', got 'avg'",
            F.kl_div, x, y, reduction="avg")
    for fn, args in ((F.soft_margin_loss, (x, y)), (F.poisson_nll_loss, (x, y)), (F.gaussian_nll_loss, (x, y, y * y)),
                     (F.margin_ranking_loss, (x, y, y)), (F.hinge_embedding_loss, (x, y)),
                     (F.multilabel_soft_margin_loss, (x, y)), (F.multi_margin_loss, (x, t)),
                     (F.triplet_margin_loss, (x, y, y)), (F.triplet_margin_with_distance_loss, (x, y, y))):
        _raises(ValueError, f"{fn.__name__}: reduction must be one of 'mean', 'sum', 'none', got 'bad'", fn, *args,
                reduction="bad")
    _raises(ValueError, r"gaussian_nll_loss: var \(4,\) does not fit input \(5, 4\)", F.gaussian_nll_loss, x, y,
            gg.ones(4))
    _raises(ValueError, "gaussian_nll_loss: var must be non-negative, got -1.0", F.gaussian_nll_loss, x, y, -1.0)
    _raises(ValueError, "gaussian_nll_loss: var must be non-negative", F.gaussian_nll_loss, x, y, -gg.ones(5, 4))
    _raises(RuntimeError, r"margin_ranking_loss: input1 \(5, 4\), input2 \(5, 1, 4\) and target \(5, 4\) must have "
            "the same number of dims", F.margin_ranking_loss, x, y[:, None], y)
    _raises(RuntimeError, "margin_ranking_loss: shapes do not broadcast", F.margin_ranking_loss, x, y[:2], y)
    _raises(RuntimeError, "hinge_embedding_loss: shapes do not broadcast", F.hinge_embedding_loss, x, y[:2])
    _raises(RuntimeError, r"soft_margin_loss: target \(2, 1, 4\) must broadcast to the input.s shape",
            F.soft_margin_loss, x, gg.ones(2, 1, 4))
    _raises(RuntimeError, "cosine_embedding_loss: a 1-d target expects 2-d inputs", F.cosine_embedding_loss,
            x[0], y[0], gg.ones(4))
    _raises(RuntimeError, "cosine_embedding_loss: target must be 0-d or 1-d", F.cosine_embedding_loss, x, y, x)
    _raises(RuntimeError, "cosine_embedding_loss: shapes do not broadcast", F.cosine_embedding_loss, x, y[:, :3],
            gg.ones(5))
    _raises(IndexError, r"multi_margin_loss: target value 4 is out of range for 4 classes \(expected 0 <= target "
            r"< 4\)", F.multi_margin_loss, x, gg.tensor([0, 4, 1, 1, 1]))
    _raises(IndexError, "multi_margin_loss: target value -1 is out of range", F.multi_margin_loss, x,
            gg.tensor([0, -1, 1, 1, 1]))
    _raises(RuntimeError, r"multi_margin_loss: target must be 1-d .* expected shape \(5,\)", F.multi_margin_loss, x,
            t[:2])
    _raises(ValueError, "multi_margin_loss: p must be 1 or 2, got 3", F.multi_margin_loss, x, t, p=3)
    _raises(RuntimeError, r"multi_margin_loss: weight must be 1-d .* expected shape \(4,\), got \(3,\)",
            F.multi_margin_loss, x, t, weight=gg.ones(3))
    _raises(RuntimeError, r"multi_margin_loss: expected a non-empty vector .* got input \(2, 0\)",
            F.multi_margin_loss, gg.zeros(2, 0), gg.tensor([0, 0]))
    _raises(RuntimeError, "multi_margin_loss: target must hold class indices", F.multi_margin_loss, x, y[:, 0])
    _raises(IndexError, r"multilabel_margin_loss: target value 5 is out of range for 4 classes \(expected -1 <= "
            r"target < 4; -1 ends", F.multilabel_margin_loss, x, gg.tensor(np.where(LABELS == 3, 5, LABELS)))
    _raises(IndexError, "multilabel_margin_loss: target value -2", F.multilabel_margin_loss, x,
            gg.tensor(np.where(LABELS == 3, -2, LABELS)))
    _raises(RuntimeError, r"multilabel_margin_loss: target \(2, 4\) must have the input's shape \(5, 4\)",
            F.multilabel_margin_loss, x, gg.tensor(LABELS[:2]))
    _raises(ValueError, "triplet_margin_loss: margin must be greater than 0, got 0", F.triplet_margin_loss, x, y, y,
            margin=0)
    _raises(RuntimeError, r"triplet_margin_loss: anchor \(5, 4\), positive \(5, 4\) and negative \(4,\) must have the "
            "same number of dims", F.triplet_margin_loss, x, y, y[0])
    _raises(RuntimeError, "triplet_margin_with_distance_loss: anchor", F.triplet_margin_with_distance_loss, x, y,
            y[0])
    _raises(ValueError, "triplet_margin_with_distance_loss: margin must be greater than 0",
            F.triplet_margin_with_distance_loss, x, y, y, margin=-1.0)
    _raises(ValueError, "MultiMarginLoss: p must be 1 or 2", gg.nn.MultiMarginLoss, p=0)
    _raises(ValueError, "TripletMarginLoss: margin must be greater than 0", gg.nn.TripletMarginLoss, margin=0.0)
    _raises(ValueError, "KLDivLoss: reduction must be one of", gg.nn.KLDivLoss, reduction="avg")


def test_torch_raises_for_the_same_calls():
    """The error conditions above are PyTorch's (its messages differ)."""
    x, y = torch.tensor(X), torch.tensor(Y)
    t = torch.tensor(CLASSES)
    for fn, args, kw in ((TF.cosine_similarity, (x, y[:2]), {}), (TF.pdist, (x[0],), {}), (TF.pdist, (x, -1), {}),
                         (torch.cdist, (x[0], y), {}), (torch.cdist, (x, y[:, :3]), {}),
                         (torch.cdist, (x, y), dict(compute_mode="fast")), (TF.kl_div, (x, y), dict(reduction="avg")),
                         (TF.gaussian_nll_loss, (x, y, torch.ones(4)), {}),
                         (TF.gaussian_nll_loss, (x, y, -torch.ones(5, 4)), {}),
                         (TF.margin_ranking_loss, (x, y[:, None], y), {}),
                         (TF.cosine_embedding_loss, (x[0], y[0], torch.ones(4)), {}),
                         (TF.multi_margin_loss, (x, torch.tensor([0, 4, 1, 1, 1])), {}),
                         (TF.multi_margin_loss, (x, t[:2]), {}), (TF.multi_margin_loss, (x, t), dict(p=3)),
                         (TF.multi_margin_loss, (x, t), dict(weight=torch.ones(3))),
                         (TF.multilabel_margin_loss, (x, torch.tensor(np.where(LABELS == 3, 5, LABELS))), {}),
                         (TF.multilabel_margin_loss, (x, torch.tensor(LABELS[:2])), {}),
                         (TF.triplet_margin_loss, (x, y, y), dict(margin=0)),
                         (TF.triplet_margin_loss, (x, y, y[0]), {})):
        with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)):
            fn(*args, **kw)


@pytest.mark.filterwarnings("ignore:Mean of empty slice", "ignore:invalid value encountered")
def test_empty_batches():
    """Size-0 batches: sums are 0 and means NaN, as in PyTorch (whose multi-class margin losses return an
    uninitialized value for the mean and the sum of no samples: their sum is compared with PyTorch's sum of no
    losses)."""
    e = np.zeros((0, 4))
    for g, t, args in ((F.soft_margin_loss, TF.soft_margin_loss, (e, e)),
                       (F.multilabel_soft_margin_loss, TF.multilabel_soft_margin_loss, (e, e)),
                       (F.poisson_nll_loss, TF.poisson_nll_loss, (e, e))):
        for red in ("mean", "sum"):
            np.testing.assert_array_equal(g(*map(gg.tensor, args), reduction=red).numpy(),
                                          t(*map(torch.tensor, args), reduction=red).numpy())
    for g, t, target in ((F.multi_margin_loss, TF.multi_margin_loss, np.zeros(0, np.int64)),
                         (F.multilabel_margin_loss, TF.multilabel_margin_loss, np.zeros((0, 4), np.int64))):
        np.testing.assert_array_equal(g(gg.tensor(e), gg.tensor(target), reduction="sum").numpy(),
                                      torch.zeros(0, dtype=torch.float64).sum().numpy())
        assert g(gg.tensor(e), gg.tensor(target), reduction="none").shape == (0,)


def _bad_calls(L, FF):
    """(label, call) of bad inputs, written once for either library (L: the top level, FF: its functional)."""
    x, y, t = L.tensor(X), L.tensor(Y), L.tensor(CLASSES)
    return [
        ("cosine_similarity broadcast", lambda: FF.cosine_similarity(x, y[:2])),
        ("cosine_similarity dim", lambda: FF.cosine_similarity(x, y, dim=2)),
        ("pairwise_distance broadcast", lambda: FF.pairwise_distance(x, y[:2])),
        ("pdist 1-d", lambda: FF.pdist(x[0])),
        ("pdist p < 0", lambda: FF.pdist(x, -1)),
        ("cdist 1-d", lambda: L.cdist(x[0], y)),
        ("cdist columns", lambda: L.cdist(x, y[:, :3])),
        ("cdist compute_mode", lambda: L.cdist(x, y, compute_mode="fast")),
        ("cdist broadcast", lambda: L.cdist(L.zeros(2, 3, 4), L.zeros(5, 2, 4))),
        ("normalize int", lambda: FF.normalize(L.tensor([1, 2]))),
        ("kl_div reduction", lambda: FF.kl_div(x, y, reduction="avg")),
        ("gaussian_nll var shape", lambda: FF.gaussian_nll_loss(x, y, L.ones(4))),
        ("gaussian_nll var < 0", lambda: FF.gaussian_nll_loss(x, y, -L.ones(5, 4))),
        ("margin_ranking dims", lambda: FF.margin_ranking_loss(x, y[:, None], y)),
        ("margin_ranking broadcast", lambda: FF.margin_ranking_loss(x, y[:2], y)),
        ("hinge broadcast", lambda: FF.hinge_embedding_loss(x, y[:2])),
        ("soft_margin target", lambda: FF.soft_margin_loss(x, L.ones(2, 1, 4))),
        ("multilabel_soft 0-d", lambda: FF.multilabel_soft_margin_loss(x[0, 0], y[0, 0])),
        ("cosine_embedding 1-d", lambda: FF.cosine_embedding_loss(x[0], y[0], L.ones(4))),
        ("cosine_embedding 2-d target", lambda: FF.cosine_embedding_loss(x, y, x)),
        ("cosine_embedding broadcast", lambda: FF.cosine_embedding_loss(x, y[:, :3], L.ones(5))),
        ("multi_margin target range", lambda: FF.multi_margin_loss(x, L.tensor([0, 4, 1, 1, 1]))),
        ("multi_margin target shape", lambda: FF.multi_margin_loss(x, t[:2])),
        ("multi_margin p", lambda: FF.multi_margin_loss(x, t, p=3)),
        ("multi_margin weight", lambda: FF.multi_margin_loss(x, t, weight=L.ones(3))),
        ("multi_margin no classes", lambda: FF.multi_margin_loss(L.zeros(2, 0), L.tensor([0, 0]))),
        ("multi_margin float target", lambda: FF.multi_margin_loss(x, y[:, 0])),
        ("multilabel_margin range", lambda: FF.multilabel_margin_loss(x, L.tensor(np.where(LABELS == 3, 5, LABELS)))),
        ("multilabel_margin shape", lambda: FF.multilabel_margin_loss(x, L.tensor(LABELS[:2]))),
        ("triplet margin", lambda: FF.triplet_margin_loss(x, y, y, margin=0)),
        ("triplet dims", lambda: FF.triplet_margin_loss(x, y, y[0])),
        ("triplet_with_distance dims", lambda: FF.triplet_margin_with_distance_loss(x, y, y[0])),
    ]


def _raised(call):
    try:
        call()
    except Exception as e:      # noqa: BLE001 (the class is what is compared)
        return e
    return None


@pytest.mark.parametrize("i", range(len(_bad_calls(gg, F))))
def test_errors_are_instances_of_torchs_exception_class(i):
    """`except RuntimeError` (or whatever PyTorch raises) must catch gpugrad's error for the same bad call."""
    label, gcall = _bad_calls(gg, F)[i]
    _, tcall = _bad_calls(torch, TF)[i]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        te, ge = _raised(tcall), _raised(gcall)
    assert te is not None, f"{label}: PyTorch no longer raises"
    assert isinstance(ge, type(te)), f"{label}: PyTorch raises {type(te).__name__}, gpugrad {type(ge).__name__}: {ge}"
