"""gpugrad.nn.utils.prune against torch.nn.utils.prune: masks, state dict keys, values and gradients (float64),
iterative pruning, remove, errors, and training a pruned model with the flat-buffer optimizers."""
import numpy as np
import pytest
import torch

import gpugrad as gg
from gpugrad.nn.utils import prune as gprune
from torch.nn.utils import prune as tprune


def _pair(kind="linear", device="cpu"):
    """The same float64 layer in torch and in gpugrad (distinct weights: no ties in the rankings)."""
    torch.manual_seed(0)
    t = (torch.nn.Linear(5, 4) if kind == "linear" else torch.nn.Conv2d(3, 4, 2)).double()
    g = (gg.nn.Linear(5, 4) if kind == "linear" else gg.nn.Conv2d(3, 4, 2)).double().to(device)
    g.load_state_dict({k: gg.tensor(v.detach().numpy(), device=device) for k, v in t.state_dict().items()})
    return t, g


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x.detach().cpu().numpy()


def _same_state(t, g):
    ts, gs = t.state_dict(), g.state_dict()
    assert list(ts) == list(gs)
    for k in ts:
        np.testing.assert_allclose(_np(gs[k]), _np(ts[k]), rtol=0, atol=0, err_msg=k)
    assert [n for n, _ in t.named_parameters()] == [n for n, _ in g.named_parameters()]
    assert [n for n, _ in t.named_buffers()] == [n for n, _ in g.named_buffers()]


def _same_forward_backward(t, g, shape, device="cpu"):
    x = np.random.default_rng(1).standard_normal(shape)
    yt = t(torch.tensor(x))
    yg = g(gg.tensor(x, device=device))
    np.testing.assert_allclose(_np(yg), _np(yt), rtol=1e-12, atol=1e-12)
    (yt ** 2).sum().backward()
    (yg ** 2).sum().backward()
    tp, gp = dict(t.named_parameters()), dict(g.named_parameters())
    for k in tp:
        np.testing.assert_allclose(_np(gp[k].grad), _np(tp[k].grad), rtol=1e-10, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("kind,shape", [("linear", (3, 5)), ("conv", (2, 3, 4, 4))])
def test_deterministic_methods_match_torch(kind, shape, device):
    for prune_it in (lambda p, m: p.l1_unstructured(m, "weight", amount=0.3),
                     lambda p, m: p.l1_unstructured(m, "bias", amount=2),
                     lambda p, m: p.ln_structured(m, "weight", amount=0.5, n=2, dim=0),
                     lambda p, m: p.ln_structured(m, "weight", amount=1, n=1, dim=-1),
                     lambda p, m: p.ln_structured(m, "weight", amount=1, n=float("inf"), dim=1),
                     lambda p, m: p.identity(m, "weight")):
        t, g = _pair(kind, device)
        assert prune_it(tprune, t) is t and prune_it(gprune, g) is g
        _same_state(t, g)
        np.testing.assert_array_equal(_np(g.weight), _np(t.weight))
        assert gprune.is_pruned(g) and tprune.is_pruned(t)
        _same_forward_backward(t, g, shape, device)


def test_custom_mask_and_importance_scores():
    t, g = _pair()
    mask = (np.arange(20).reshape(4, 5) % 3 != 0).astype(np.int64)
    tprune.custom_from_mask(t, "weight", torch.tensor(mask))
    gprune.custom_from_mask(g, "weight", gg.tensor(mask))
    _same_state(t, g)
    assert g.weight_mask.dtype == gg.float64
    scores = np.random.default_rng(3).permutation(4).astype(np.float64)
    tprune.l1_unstructured(t, "bias", amount=2, importance_scores=torch.tensor(scores))
    gprune.l1_unstructured(g, "bias", amount=2, importance_scores=gg.tensor(scores))
    _same_state(t, g)
    rows = np.random.default_rng(4).standard_normal((4, 5))
    tprune.ln_structured(t, "weight", amount=1, n=2, dim=0, importance_scores=torch.tensor(rows))
    gprune.ln_structured(g, "weight", amount=1, n=2, dim=0, importance_scores=gg.tensor(rows))
    _same_state(t, g)
    _same_forward_backward(t, g, (2, 5))


def test_iterative_pruning_combines_masks_like_torch():
    t, g = _pair("conv")
    for p, m in ((tprune, t), (gprune, g)):
        p.l1_unstructured(m, "weight", amount=10)
        p.ln_structured(m, "weight", amount=1, n=2, dim=0)
        p.l1_unstructured(m, "weight", amount=0.25)     # of the entries still kept
        p.ln_structured(m, "weight", amount=2, n=1, dim=1)
        p.custom_from_mask(m, "weight", mask=torch.ones(4, 3, 2, 2) if p is tprune else gg.ones(4, 3, 2, 2))
    _same_state(t, g)
    (hook,) = gprune._pre_hooks(g).values()
    assert isinstance(hook, gprune.PruningContainer) and len(hook) == 5
    assert [type(m).__name__ for m in hook] == ["L1Unstructured", "LnStructured", "L1Unstructured",
                                               "LnStructured", "CustomFromMask"]
    assert hook[1].dim == 0 and hook._tensor_name == "weight"
    _same_forward_backward(t, g, (2, 3, 3, 3))


def test_global_unstructured_matches_torch():
    torch.manual_seed(1)
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)).double()
    gnet = gg.nn.Sequential(gg.nn.Linear(4, 6), gg.nn.ReLU(), gg.nn.Linear(6, 3)).double()
    gnet.load_state_dict({k: gg.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    tprune.l1_unstructured(tnet[0], "weight", amount=5)
    gprune.l1_unstructured(gnet[0], "weight", amount=5)
    for p, net in ((tprune, tnet), (gprune, gnet)):
        params = ((net[0], "weight"), (net[2], "weight"), (net[2], "bias"))
        p.global_unstructured(params, pruning_method=p.L1Unstructured, amount=0.4)
    _same_state(tnet, gnet)
    _same_forward_backward(tnet, gnet, (5, 4))
    fc = gg.nn.Linear(2, 3)
    scores = {(fc, "bias"): gg.tensor([5.0, -1.0, 0.5])}
    gprune.global_unstructured([(fc, "bias"), (fc, "weight")], gprune.L1Unstructured, importance_scores=scores,
                               amount=1)
    assert fc.bias_mask.tolist() == [1.0, 1.0, 1.0] or int((fc.weight_mask == 0).sum()) == 0


def test_random_methods_respect_amount_and_earlier_masks(device):
    g = gg.nn.Conv2d(3, 6, 2).double().to(device)
    gprune.random_unstructured(g, "weight", amount=0.25)            # 72 entries: 18 pruned
    assert int((g.weight_mask == 0).sum()) == 18
    first = g.weight_mask.clone()
    gprune.random_unstructured(g, "weight", amount=9)
    assert int((g.weight_mask == 0).sum()) == 27 and bool((g.weight_mask <= first).all())
    gprune.random_structured(g, "weight", amount=2, dim=0)
    per_channel = g.weight_mask.sum(dim=(1, 2, 3))
    assert int((per_channel == 0).sum()) >= 2
    rs = gprune.RandomStructured(amount=0.5, dim=1)
    m = rs.compute_mask(gg.ones(4, 6), gg.ones(4, 6))
    assert m.sum(0).tolist().count(0.0) == 3 and set(m.sum(0).tolist()) == {0.0, 4.0}
    assert rs.compute_mask(gg.ones(4, 6), gg.ones(4, 6)).dtype == gg.float32
    x = gg.randn(1, 3, 3, 3, dtype=gg.float64, device=device)
    y = g(x)
    np.testing.assert_allclose(_np(y), _np(gg.nn.functional.conv2d(x, g.weight_orig * g.weight_mask, g.bias)))


def test_remove_makes_pruning_permanent():
    t, g = _pair()
    for p, m in ((tprune, t), (gprune, g)):
        p.l1_unstructured(m, "weight", amount=6)
        p.ln_structured(m, "weight", amount=1, n=2, dim=1)
        p.random_unstructured(m, "bias", amount=0)
    orig = g.weight_orig
    assert tprune.remove(t, "weight") is t and gprune.remove(g, "weight") is g
    assert g.weight is orig and isinstance(g.weight, gg.nn.Parameter)
    _same_state(t, g)
    assert gprune.is_pruned(g)                      # bias still is
    gprune.remove(g, "bias")
    tprune.remove(t, "bias")
    assert not gprune.is_pruned(g) and "_forward_hooks" not in g.__dict__
    _same_state(t, g)
    with pytest.raises(ValueError, match="Parameter 'weight' of module .* has to be pruned before pruning can be "
                                         "removed"):
        gprune.remove(g, "weight")


def test_errors_match_torch():
    t, g = _pair()
    cases = [(lambda p, m: p.l1_unstructured(m, "weight", amount="a"), TypeError),
             (lambda p, m: p.l1_unstructured(m, "weight", amount=-1), ValueError),
             (lambda p, m: p.l1_unstructured(m, "weight", amount=1.5), ValueError),
             (lambda p, m: p.l1_unstructured(m, "weight", amount=21), ValueError),
             (lambda p, m: p.ln_structured(m, "bias", amount=1, n=2, dim=0), ValueError),
             (lambda p, m: p.ln_structured(m, "weight", amount=1, n=2, dim=2), IndexError),
             (lambda p, m: p.random_structured(m, "weight", amount=5, dim=0), ValueError)]
    for case, err in cases:
        with pytest.raises(err) as te:
            case(tprune, t)
        with pytest.raises(err) as ge:
            case(gprune, g)
        assert str(ge.value) == str(te.value).replace("torch.Size", "gpugrad.Size")
        _same_state(t, g)                        # rolled back: nothing changed
        assert not gprune.is_pruned(g)
    with pytest.raises(AssertionError, match="importance_scores should have the same shape as parameter weight"):
        gprune.l1_unstructured(g, "weight", amount=1, importance_scores=gg.ones(3))
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
        gprune.global_unstructured([(g, "weight")], gprune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="parameters is not an Iterable"):
        gprune.global_unstructured(3, gprune.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="importance_scores must be of type dict"):
        gprune.global_unstructured([(g, "weight")], gprune.L1Unstructured, importance_scores=[], amount=1)
    first = gprune.Identity()
    first._tensor_name = "w"
    c = gprune.PruningContainer(first)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        c.add_pruning_method(3)
    m = gprune.Identity()
    m._tensor_name = "v"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter named 'w'"):
        c.add_pruning_method(m)
    with pytest.raises(TypeError):
        gprune.BasePruningMethod()


def test_prune_method_and_state_dict_round_trip():
    x = np.array([[1.0, -5.0, 2.0], [0.5, 3.0, -4.0]])
    for kw in ({}, {"importance_scores": np.array([[9.0, 1.0, 1.0], [1.0, 1.0, 9.0]])}):
        tk = {k: torch.tensor(v) for k, v in kw.items()}
        gk = {k: gg.tensor(v) for k, v in kw.items()}
        np.testing.assert_array_equal(_np(gprune.L1Unstructured(amount=3).prune(gg.tensor(x), **gk)),
                                      _np(tprune.L1Unstructured(amount=3).prune(torch.tensor(x), **tk)))
    t, g = _pair()
    tprune.l1_unstructured(t, "weight", amount=7)
    fresh_t, fresh_g = _pair()
    tprune.identity(fresh_t, "weight")
    gprune.identity(fresh_g, "weight")
    fresh_t.load_state_dict(t.state_dict())
    fresh_g.load_state_dict({k: gg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    _same_forward_backward(fresh_t, fresh_g, (2, 5))


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("when", ["before", "after"])
def test_training_a_pruned_model_matches_torch(opt, when, device):
    torch.manual_seed(2)
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    gnet = gg.nn.Sequential(gg.nn.Linear(4, 8), gg.nn.Tanh(), gg.nn.Linear(8, 2)).double().to(device)
    gnet.load_state_dict({k: gg.tensor(v.numpy(), device=device) for k, v in tnet.state_dict().items()})

    def prune_both():
        for p, net in ((tprune, tnet), (gprune, gnet)):
            p.l1_unstructured(net[0], "weight", amount=0.5)
            p.ln_structured(net[2], "weight", amount=3, n=2, dim=1)

    make = {"sgd": lambda m, o: m.optim.SGD(o, lr=0.1, momentum=0.9, weight_decay=0.01),
            "adam": lambda m, o: m.optim.Adam(o, lr=0.05)}[opt]
    if when == "before":
        prune_both()
    topt, gopt = make(torch, tnet.parameters()), make(gg, gnet.parameters())
    if when == "after":
        prune_both()
    rng = np.random.default_rng(5)
    for _ in range(3):
        x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
        for net, o, lib in ((tnet, topt, torch), (gnet, gopt, gg)):
            o.zero_grad()
            ((net(lib.tensor(x, device=device) if lib is gg else lib.tensor(x)) -
              (lib.tensor(y, device=device) if lib is gg else lib.tensor(y))) ** 2).mean().backward()
            o.step()
    for k, v in tnet.state_dict().items():
        np.testing.assert_allclose(_np(gnet.state_dict()[k]), v.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(_np(gnet(gg.tensor(x, device=device))), _np(tnet(torch.tensor(x))), rtol=1e-10)
    assert float((gnet[0].weight == 0).sum()) == 16            # pruned entries stay 0 in the forward weight
    tprune.remove(tnet[0], "weight")
    gprune.remove(gnet[0], "weight")
    for net, o, lib in ((tnet, topt, torch), (gnet, gopt, gg)):    # one more step after remove
        o.zero_grad()
        net(lib.tensor(x, device=device) if lib is gg else lib.tensor(x)).sum().backward()
        o.step()
    for k, v in tnet.state_dict().items():
        np.testing.assert_allclose(_np(gnet.state_dict()[k]), v.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
