"""F.ctc_loss and nn.CTCLoss against torch (float64): values and gradients w.r.t. log_probs (PyTorch's form),
and through log_softmax to logits; padded and concatenated targets, lengths as tensors or tuples, repeats,
impossible alignments, zero_infinity, blank, unbatched input, size-1 and empty cases, errors."""
import numpy as np
import pytest
import torch

import gpugrad as gg

TF, GF = torch.nn.functional, gg.nn.functional


def _np(t):
    return t.detach().cpu().numpy()


def _run(x, targets, il, tl, device="cpu", through_softmax=True, rtol=1e-10, atol=1e-12, module=False, **kw):
    """Loss and gradients in torch and gpugrad; ``il``/``tl`` are tuples, or ("t", values) for tensors."""
    def lens(v, lib, dev):
        if isinstance(v, tuple) and v and v[0] == "t":
            return lib.tensor(np.asarray(v[1], dtype=np.int64), **dev)
        return v

    outs = []
    for lib, F, dev in ((torch, TF, {}), (gg, GF, {"device": device})):
        xt = lib.tensor(x, requires_grad=True, **dev)
        lp = xt.log_softmax(-1) if through_softmax else xt
        if through_softmax:
            lp.retain_grad()
        fn = (torch.nn.CTCLoss if lib is torch else gg.nn.CTCLoss)(**kw) if module else \
            (lambda *a: F.ctc_loss(*a, **kw))
        out = fn(lp, lib.tensor(targets, **dev), lens(il, lib, dev), lens(tl, lib, dev))
        w = np.random.default_rng(9).standard_normal(tuple(out.shape))
        (out * lib.tensor(w, **dev)).sum().backward()
        outs.append((out, lp.grad, xt.grad))
    (to, tlp, tx), (go, glp, gx) = outs
    assert tuple(go.shape) == tuple(to.shape) and go.dtype == {torch.float64: gg.float64,
                                                               torch.float32: gg.float32}[to.dtype]
    np.testing.assert_allclose(_np(go), _np(to), rtol=rtol, atol=atol)
    np.testing.assert_allclose(_np(gx), _np(tx), rtol=rtol, atol=atol, err_msg="grad")
    if through_softmax:
        np.testing.assert_allclose(_np(glp), _np(tlp), rtol=rtol, atol=atol, err_msg="log_probs grad")
    return to, go


def _batch(seed=0, T=12, N=4, C=6, S=5):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, C))
    tg = rng.integers(1, C, (N, S))
    tg[1, :4] = [2, 2, 3, 3][:S]              # repeats need a blank between them
    return x, tg, (T, T - 2, 7, 4)[:N], (5, 4, 0, 3)[:N]


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_padded_targets_match_torch(reduction, zero_infinity, device):
    x, tg, il, tl = _batch()
    _run(x, tg, il, tl, device, reduction=reduction, zero_infinity=zero_infinity)


def test_concatenated_targets_and_tensor_lengths(device):
    x, tg, il, tl = _batch(1)
    flat = np.concatenate([tg[b, :n] for b, n in enumerate(tl)])
    a, _ = _run(x, flat, il, tl, device, reduction="none")
    b, _ = _run(x, tg, ("t", il), ("t", tl), device, reduction="none")
    np.testing.assert_allclose(_np(a), _np(b))
    _run(x, flat, ("t", il), ("t", tl), device, reduction="mean")


def test_gradient_wrt_log_probs_is_torchs_form():
    """Directly on log_probs (also unnormalized ones): PyTorch's kernel formula, exp(lp) - posterior terms."""
    x, tg, il, tl = _batch(2)
    _run(np.log(np.random.default_rng(3).dirichlet(np.ones(6), (12, 4))), tg, il, tl, through_softmax=False,
         reduction="sum")
    _run(x, tg, il, tl, through_softmax=False, reduction="none")


def test_impossible_alignments_and_zero_infinity():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3, 3))
    tg = np.array([[1, 1, 1], [1, 2, 1], [2, 2, 0]])
    il, tl = (4, 3, 4), (3, 3, 2)             # 1,1,1 needs 5 steps; 1,2,1 fits 3; 2,2 needs 3
    for reduction in ("none", "sum", "mean"):
        to, go = _run(x, tg, il, tl, reduction=reduction, zero_infinity=True)
    with np.errstate(invalid="ignore"):
        to = TF.ctc_loss(torch.tensor(x).log_softmax(2), torch.tensor(tg), il, tl, reduction="none")
        go = GF.ctc_loss(gg.tensor(x).log_softmax(2), gg.tensor(tg), il, tl, reduction="none")
    np.testing.assert_array_equal(np.isinf(_np(go)), np.isinf(_np(to)))
    np.testing.assert_allclose(_np(go), _np(to), rtol=1e-12)


def test_blank_not_zero_and_lengths_zero_or_one():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 4, 4))
    tg = np.array([[0, 1, 2], [2, 2, 1], [0, 0, 0], [1, 0, 0]])    # blank=3: labels 0..2
    _run(x, tg, (5, 5, 3, 1), (3, 2, 0, 1), blank=3, reduction="none")
    _run(x, tg, (0, 5, 0, 1), (0, 1, 0, 1), blank=3, reduction="none")   # input length 0
    _run(x[:1], tg[:, :1], (1, 1, 1, 1), (1, 0, 1, 0), blank=3, reduction="mean")   # T=1
    _run(x[:, :1], tg[:1], (5,), (3,), blank=3, reduction="sum")                  # N=1


def test_unbatched_float32_and_module():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((7, 5))
    _run(x, np.array([1, 3, 3]), ("t", 7), ("t", 3), reduction="none")
    _run(x, np.array([1, 3, 3]), (7,), (3,), reduction="mean")
    xb, tg, il, tl = _batch(7)
    _run(xb.astype(np.float32), tg, il, tl, rtol=2e-5, atol=2e-6, reduction="mean")
    for kw in ({}, {"blank": 0, "reduction": "sum", "zero_infinity": True}, {"reduction": "none"}):
        _run(xb, tg, il, tl, module=True, **kw)
    m = gg.nn.CTCLoss(blank=2, zero_infinity=True)
    assert (m.blank, m.reduction, m.zero_infinity) == (2, "mean", True)
    assert list(m.state_dict()) == []


def test_no_grad_and_jvp_agree_with_backward():
    x, tg, _, _ = _batch(8, T=6, N=2, C=4, S=2)
    il, tl = (6, 5), (2, 1)
    lp = gg.tensor(x).log_softmax(2).detach().requires_grad_()
    with gg.no_grad():
        v = GF.ctc_loss(lp, gg.tensor(tg), il, tl, reduction="sum")
    assert v.grad_fn is None
    GF.ctc_loss(lp, gg.tensor(tg), il, tl, reduction="sum").backward()
    tangent = np.random.default_rng(1).standard_normal(x.shape)
    import gpugrad.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        dual = fwAD.make_dual(lp.detach(), gg.tensor(tangent))
        jv = fwAD.unpack_dual(GF.ctc_loss(dual, gg.tensor(tg), il, tl, reduction="sum")).tangent
    np.testing.assert_allclose(jv.item(), float((lp.grad.numpy() * tangent).sum()), rtol=1e-10)


def test_errors_match_torch():
    x, tg, _, _ = _batch(9, T=6, N=2, C=4, S=3)
    il, tl = (6, 6), (3, 3)
    lp_t, lp_g = torch.tensor(x).log_softmax(2), gg.tensor(x).log_softmax(2)
    cases = [(dict(blank=4), ("blank must be in label range",)),
             (dict(blank=-1), ("blank must be in label range",)),
             (dict(il=(7, 6)), ("Expected input_lengths to have value at most 6, but got value 7",)),
             (dict(il=(-1, 6)), ("Expected input_lengths to have value at least 0, but got value -1",)),
             (dict(tl=(4, 3)), ("Expected tensor to have size at least 4 at dimension 1, but got size 3 for "
                                "argument #2 'targets'",)),
             (dict(tl=(-1, 3)), ("Expected target_lengths to have value at least 0, but got value -1",)),
             (dict(il=(6,)), ("input_lengths must be of size batch_size",)),
             (dict(tl=(3,)), ("target_lengths must be of size batch_size",)),
             (dict(tg=tg.reshape(-1)[:4]), ("Expected tensor to have size 6 at dimension 0, but got size 4",)),
             (dict(tg=tg[None]), ("Expected 1 to 2 dimensions, but got 3-dimensional tensor",))]
    for change, (msg,) in cases:
        args = dict(tg=tg, il=il, tl=tl, blank=0)
        args.update(change)
        for lib, F, lp in ((torch, TF, lp_t), (gg, GF, lp_g)):
            with pytest.raises(RuntimeError, match=msg.replace("(", r"\(").replace(")", r"\)")):
                F.ctc_loss(lp, lib.tensor(args["tg"]), args["il"], args["tl"], blank=args["blank"])
    for lib, F, lp in ((torch, TF, lp_t), (gg, GF, lp_g)):
        with pytest.raises(ValueError, match="x is not a valid value for reduction"):
            F.ctc_loss(lp, lib.tensor(tg), il, tl, reduction="x")
        with pytest.raises(RuntimeError, match="input_lengths must be integral"):
            F.ctc_loss(lp, lib.tensor(tg), lib.tensor([6.0, 6.0]), lib.tensor([3, 3]))
        with pytest.raises(NotImplementedError):
            F.ctc_loss(lp.long(), lib.tensor(tg), il, tl)
    with pytest.raises(RuntimeError, match="target labels must be in"):
        GF.ctc_loss(lp_g, gg.tensor(tg + 10), il, tl)
    with pytest.raises(ValueError, match="reduction must be one of"):
        gg.nn.CTCLoss(reduction="batchmean")
