"""nn.AdaptiveLogSoftmaxWithLoss and nn.NLLLoss2d against PyTorch (float64): values, gradients, parameter
names, predictions and errors; torch's initial weights are copied into gpugrad's module."""
import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _pair(in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device="cpu"):
    torch.manual_seed(0)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=div_value,
                                            head_bias=head_bias, dtype=torch.float64)
    g = gg.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=div_value,
                                         head_bias=head_bias, device=device, dtype=gg.float64)
    sd = t.state_dict()
    assert list(g.state_dict()) == list(sd)
    g.load_state_dict({k: gg.tensor(v.numpy(), device=device) for k, v in sd.items()})
    return g, t


def _close(a, b):
    np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cutoffs, div_value, head_bias, target", [
    ([4, 8], 4.0, False, [0, 5, 9, 3, 8, 1]),           # every cluster used
    ([3], 2.0, True, [0, 1, 2, 0, 1, 2]),               # only the shortlist
    ([2, 5, 9], 2.0, False, [9, 9, 9, 9, 9, 9]),        # one cluster only
    ([5], 4.0, False, [7]),                             # batch of one
])
def test_forward_values_and_gradients(cutoffs, div_value, head_bias, target, device):
    g, t = _pair(16, 12, cutoffs, div_value, head_bias, device)
    x = np.random.randn(len(target), 16)
    gx, tx = gg.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    go = g(gx, gg.tensor(target, device=device))
    to = t(tx, torch.tensor(target))
    assert type(go).__name__ == "_ASMoutput" and go._fields == ("output", "loss")
    _close(go.output, to.output)
    _close(go.loss, to.loss)
    (go.loss + (go.output ** 2).sum()).backward()
    (to.loss + (to.output ** 2).sum()).backward()
    _close(gx.grad, tx.grad)
    for (n, gp), (tn, tp) in zip(g.named_parameters(), t.named_parameters()):
        assert n == tn
        if tp.grad is None:
            assert gp.grad is None or not gp.grad.abs().sum().item()
        else:
            _close(gp.grad, tp.grad)


def test_unbatched_log_prob_and_predict(device):
    g, t = _pair(8, 10, [3, 6], 2.0, True, device)
    x = np.random.randn(8)
    go, to = g(gg.tensor(x, device=device), gg.tensor(7, device=device)), t(torch.tensor(x), torch.tensor(7))
    assert go.output.shape == to.output.shape == ()
    _close(go.output, to.output)
    _close(go.loss, to.loss)
    xs = np.random.randn(40, 8) * 3
    gx, tx = gg.tensor(xs, device=device, requires_grad=True), torch.tensor(xs, requires_grad=True)
    gl, tl = g.log_prob(gx), t.log_prob(tx)
    _close(gl, tl)
    (gl * gl).sum().backward()
    (tl * tl).sum().backward()
    _close(gx.grad, tx.grad)
    gp, tp = g.predict(gg.tensor(xs, device=device)), t.predict(torch.tensor(xs))
    assert gp.dtype == gg.int64 and gp.tolist() == tp.tolist()
    assert 0 < (tp >= 3).sum() < 40                    # rows in the shortlist and rows in clusters
    # all rows in the shortlist / none in it
    with torch.no_grad():
        t.head.bias.copy_(torch.tensor([50.0, 0, 0, 0, 0]))
    g.head.bias.data = gg.tensor(t.head.bias.detach().numpy(), device=device)
    assert g.predict(gg.tensor(xs, device=device)).tolist() == t.predict(torch.tensor(xs)).tolist()
    with torch.no_grad():
        t.head.bias.copy_(torch.tensor([0.0, 0, 0, 50, 0]))
    g.head.bias.data = gg.tensor(t.head.bias.detach().numpy(), device=device)
    assert g.predict(gg.tensor(xs, device=device)).tolist() == t.predict(torch.tensor(xs)).tolist()


def test_structure_and_repr_attributes():
    g, t = _pair(16, 20, [5, 10, 15], 2.0)
    for a in ("in_features", "n_classes", "cutoffs", "div_value", "head_bias", "shortlist_size", "n_clusters",
              "head_size"):
        assert getattr(g, a) == getattr(t, a), a
    assert [tuple(p.shape) for p in g.parameters()] == [tuple(p.shape) for p in t.parameters()]
    g.reset_parameters()


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 4], [4, 10], [4, 4], [2.5]])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError) as te:
        torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
    with pytest.raises(ValueError, match=str(te.value)[:30]):
        gg.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)


@pytest.mark.parametrize("shape, target", [((3, 8), [1, 2]), ((3, 8), 1), ((8,), [1]), ((2, 8), [[1, 2]]),
                                           ((2, 8), [1, 10]), ((2, 8), [-1, 2])])
def test_forward_errors(shape, target):
    g, t = _pair(8, 10, [4])
    x = np.zeros(shape)
    with pytest.raises(RuntimeError) as te:
        t(torch.tensor(x), torch.tensor(target))
    with pytest.raises(RuntimeError) as ge:
        g(gg.tensor(x), gg.tensor(target))
    assert str(ge.value) == str(te.value).replace("torch.Size", "gpugrad.Size")


def test_nllloss2d_is_nllloss():
    x = np.random.randn(2, 3, 4, 5)
    y = np.random.randint(0, 3, (2, 4, 5))
    w = np.array([0.5, 1.0, 2.0])
    for kw in ({}, {"reduction": "sum"}, {"reduction": "none", "ignore_index": 1}):
        y[0, 0, 0] = kw.get("ignore_index", -100)
        gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        with pytest.warns(FutureWarning, match="NLLLoss2d` has been deprecated"):
            gm = gg.nn.NLLLoss2d(gg.tensor(w), **kw)
        with pytest.warns(FutureWarning, match="NLLLoss2d` has been deprecated"):
            tm = torch.nn.NLLLoss2d(torch.tensor(w), **kw)
        assert isinstance(gm, gg.nn.NLLLoss) and gm.ignore_index == tm.ignore_index and gm.reduction == tm.reduction
        gl, tl = gm(gx.log_softmax(1), gg.tensor(y)), tm(tx.log_softmax(1), torch.tensor(y))
        _close(gl, tl)
        gl.sum().backward()
        tl.sum().backward()
        _close(gx.grad, tx.grad)
    with pytest.warns(FutureWarning):
        assert gg.nn.NLLLoss2d(size_average=False).reduction == torch.nn.NLLLoss2d(size_average=False).reduction
