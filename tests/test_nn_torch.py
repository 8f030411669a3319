"""Modules against PyTorch: the same weights copied in, then forward values and gradients compared."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn

torch = pytest.importorskip("torch")


def to_torch(t, requires_grad=False):
    return torch.tensor(np.array(t.detach().numpy()), requires_grad=requires_grad)


def copy_weights(ours, theirs):
    """Copy our parameters and buffers into a torch module with the same structure."""
    sd = {k: torch.tensor(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def run_both(ours, theirs, x, device, target=None, loss=True):
    """Forward both on x; backprop sum(out * r) with a fixed random r; return (ours, theirs) outputs and
    (ours, theirs) input grads."""
    ours.to(device)
    xg = gg.tensor(x, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yg = ours(xg)
    yt = theirs(xt)
    r = np.random.default_rng(1).standard_normal(yt.shape).astype(x.dtype)
    (yg * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    return yg.detach().cpu().numpy(), yt.detach().numpy(), xg.grad.cpu().numpy(), xt.grad.numpy()


def assert_params_grads_match(ours, theirs, rtol=1e-4, atol=1e-5):
    theirs_p = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), theirs_p[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


def test_linear_matches_torch(device):
    ours = nn.Linear(5, 3)
    theirs = torch.nn.Linear(5, 3)
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((4, 2, 5)).astype(np.float32)
    yg, yt, gg_x, gt_x = run_both(ours, theirs, x, device)
    np.testing.assert_allclose(yg, yt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gg_x, gt_x, rtol=1e-5, atol=1e-6)
    assert_params_grads_match(ours, theirs)


def test_linear_default_init_distribution_matches_torch():
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight, as for the bias
    ours = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w, b = ours.weight.detach().numpy(), ours.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.02)           # U(-a, a): std a/sqrt(3)
    theirs = torch.nn.Linear(400, 300)
    np.testing.assert_allclose(w.std(), theirs.weight.detach().numpy().std(), rtol=0.02)


@pytest.mark.parametrize("shape", [(16, 4), (8, 4, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_matches_torch_train_and_eval(device, shape, momentum):
    ours = nn.BatchNorm1d(4, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(4, momentum=momentum)
    with gg.no_grad():
        ours.weight.data[...] = np.linspace(0.5, 2, 4, dtype=np.float32)
        ours.bias.data[...] = np.linspace(-1, 1, 4, dtype=np.float32)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    for step in range(3):                       # several batches: the running stats accumulate
        x = (rng.standard_normal(shape) * 3 + 1.5).astype(np.float32)
        for m in ours.parameters():
            m.grad = None
        theirs.zero_grad()
        yg, yt, gx, gt = run_both(ours, theirs, x, device)
        np.testing.assert_allclose(yg, yt, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(gx, gt, rtol=1e-4, atol=1e-5)
        assert_params_grads_match(ours, theirs)
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(ours, name).cpu().numpy(), getattr(theirs, name).numpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=name)
        assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == step + 1
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    ours.zero_grad(), theirs.zero_grad()
    yg, yt, gx, gt = run_both(ours, theirs, x, device)
    np.testing.assert_allclose(yg, yt, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gx, gt, rtol=1e-4, atol=1e-5)
    assert_params_grads_match(ours, theirs)


def test_batchnorm1d_without_affine_or_running_stats(device):
    for kw in (dict(affine=False), dict(track_running_stats=False)):
        ours, theirs = nn.BatchNorm1d(3, **kw), torch.nn.BatchNorm1d(3, **kw)
        x = np.random.default_rng(2).standard_normal((6, 3)).astype(np.float32)
        for mode in ("train", "eval"):
            getattr(ours, mode)(), getattr(theirs, mode)()
            yg, yt, gx, gt = run_both(ours, theirs, x, device)
            np.testing.assert_allclose(yg, yt, rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(gx, gt, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("normalized", [(6,), (3, 6)])
def test_layernorm_matches_torch(device, normalized):
    ours, theirs = nn.LayerNorm(normalized), torch.nn.LayerNorm(normalized)
    with gg.no_grad():
        ours.weight.data[...] = np.random.default_rng(3).uniform(0.5, 1.5, normalized).astype(np.float32)
        ours.bias.data[...] = np.random.default_rng(4).uniform(-1, 1, normalized).astype(np.float32)
    copy_weights(ours, theirs)
    x = (np.random.default_rng(5).standard_normal((4, 3, 6)) * 2 + 1).astype(np.float32)
    yg, yt, gx, gt = run_both(ours, theirs, x, device)
    np.testing.assert_allclose(yg, yt, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gx, gt, rtol=1e-4, atol=1e-5)
    assert_params_grads_match(ours, theirs)


def _loss_cases():
    rng = np.random.default_rng(7)
    f = lambda *s: rng.standard_normal(s).astype(np.float32)        # noqa: E731
    p = lambda *s: rng.uniform(0.05, 0.95, s).astype(np.float32)    # noqa: E731
    labels = rng.integers(0, 5, 6)
    labels_ignored = labels.copy()
    labels_ignored[2] = -100
    logp = np.log(np.exp(f(6, 5)) / np.exp(f(6, 5)).sum(1, keepdims=True)).astype(np.float32)
    w = rng.uniform(0.5, 2, 5).astype(np.float32)
    cases = []
    for red in ("mean", "sum", "none"):
        cases += [
            ("MSELoss", dict(reduction=red), f(4, 3), f(4, 3)),
            ("L1Loss", dict(reduction=red), f(4, 3), f(4, 3)),
            ("HuberLoss", dict(reduction=red, delta=0.7), 2 * f(4, 3), f(4, 3)),
            ("SmoothL1Loss", dict(reduction=red, beta=0.5), 2 * f(4, 3), f(4, 3)),
            ("CrossEntropyLoss", dict(reduction=red), f(6, 5), labels),
            ("NLLLoss", dict(reduction=red), logp, labels),
            ("BCELoss", dict(reduction=red), p(4, 3), p(4, 3)),
            ("BCEWithLogitsLoss", dict(reduction=red), f(4, 3), p(4, 3)),
        ]
    cases += [
        ("CrossEntropyLoss", dict(label_smoothing=0.1), f(6, 5), labels),
        ("CrossEntropyLoss", dict(ignore_index=-100), f(6, 5), labels_ignored),
        ("CrossEntropyLoss", dict(weight=w), f(6, 5), labels),
        ("CrossEntropyLoss", {}, f(6, 5, 3), rng.integers(0, 5, (6, 3))),
        ("CrossEntropyLoss", {}, f(6, 5), p(6, 5)),
        ("NLLLoss", dict(weight=w), logp, labels),
        ("BCELoss", dict(weight=p(3)), p(4, 3), p(4, 3)),
        ("BCEWithLogitsLoss", dict(pos_weight=p(3) * 3), f(4, 3), p(4, 3)),
    ]
    return cases


@pytest.mark.parametrize("name,kwargs,x,target", _loss_cases(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_loss_modules_match_torch(device, name, kwargs, x, target):
    def conv(v, lib):
        if isinstance(v, np.ndarray):
            return gg.tensor(v, device=device) if lib == "gg" else torch.tensor(v)
        return v

    ours = getattr(nn, name)(**{k: conv(v, "gg") for k, v in kwargs.items()})
    theirs = getattr(torch.nn, name)(**{k: conv(v, "torch") for k, v in kwargs.items()})
    xg = gg.tensor(x, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    lg = ours(xg, gg.tensor(target, device=device))
    lt = theirs(xt, torch.tensor(target))
    np.testing.assert_allclose(lg.detach().cpu().numpy(), lt.detach().numpy(), rtol=1e-5, atol=1e-6)
    r = np.random.default_rng(0).standard_normal(lt.shape).astype(np.float32)
    (lg * gg.tensor(r, device=device)).sum().backward()
    (lt * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(xg.grad.cpu().numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_mlp_matches_torch(device, norm, activation):
    sizes = [5, 16, 8, 3]
    ours = nn.MLP(sizes, activation=activation, norm=norm)
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "gelu": torch.nn.GELU}
    norms = {"batch": torch.nn.BatchNorm1d, "layer": torch.nn.LayerNorm}
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            if norm:
                layers.append(norms[norm](b))
            layers.append(acts[activation]())
    theirs = torch.nn.Sequential(*layers)
    copy_weights(ours, theirs)
    x = np.random.default_rng(9).standard_normal((7, 5)).astype(np.float32)
    yg, yt, gx, gt = run_both(ours, theirs, x, device)
    np.testing.assert_allclose(yg, yt, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gx, gt, rtol=1e-4, atol=1e-5)
    assert_params_grads_match(ours, theirs)


def test_clip_grad_norm_matches_torch(device):
    rng = np.random.default_rng(11)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [rng.standard_normal(s).astype(np.float32) * 5 for s in shapes]
    for norm_type in (2.0, 1.0, 3.0, float("inf")):
        ours = [gg.zeros(s, device=device, requires_grad=True) for s in shapes]
        theirs = [torch.zeros(s, requires_grad=True) for s in shapes]
        for p, q, g in zip(ours, theirs, grads):
            p.grad = gg.tensor(g, device=device)
            q.grad = torch.tensor(g)
        tg = gg.nn.utils.clip_grad_norm_(ours, 1.5, norm_type=norm_type)
        tt = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type=norm_type)
        assert isinstance(tg, gg.Tensor) and tg.device == device
        np.testing.assert_allclose(tg.item(), tt.item(), rtol=1e-5)
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_0_norm_matches_torch(device):
    """norm_type=0: PyTorch's total is the 0-norm of the per-gradient 0-norms, the number of gradients with a
    non-zero element (it divided by zero)."""
    grads = [np.array([0.0, 2.0, 0.0, -3.0], np.float32), np.array([0.0, 0.0], np.float32),
             np.array([5.0], np.float32)]
    for max_norm in (1.5, 10.0):
        ours = [gg.zeros(g.shape, device=device, requires_grad=True) for g in grads]
        theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for p, q, g in zip(ours, theirs, grads):
            p.grad = gg.tensor(g, device=device)
            q.grad = torch.tensor(g)
        tg = gg.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=0)
        tt = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=0)
        assert tg.device == device and tg.item() == tt.item() == 2.0
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_broadcast_target_with_warning_as_torch(device, name, reduction):
    """An (N, 1) output with an (N,) target: PyTorch warns and broadcasts to (N, N); so do we (same values and
    gradient); shapes that don't broadcast are a RuntimeError."""
    import warnings
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 1)), rng.standard_normal(4)
    xg = gg.tensor(x, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    with pytest.warns(UserWarning, match=r"Using a target size .* different to the input size") as got:
        yg = getattr(gg.nn.functional, name)(xg, gg.tensor(t, device=device), reduction=reduction)
    assert got[0].filename == __file__                      # points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt = getattr(torch.nn.functional, name)(xt, torch.tensor(t), reduction=reduction)
    np.testing.assert_allclose(yg.detach().cpu().numpy(), yt.detach().numpy(), rtol=1e-12)
    yg.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xg.grad.cpu().numpy(), xt.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match=rf"{name if name != 'smooth_l1_loss' else 'huber_loss'}: shapes "
                                           r"\(2, 3\) and \(3, 2\) cannot be broadcast"):
        getattr(gg.nn.functional, name)(gg.ones(2, 3, device=device), gg.ones(3, 2, device=device))
