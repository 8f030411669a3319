"""Mixed precision: autocast's op lists (dtypes of outputs, float32 parameters and gradients), and a
GradScaler whose scales and skipped steps equal torch.amp.GradScaler's for the same gradients."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn, optim
from gpugrad.amp import GradScaler, autocast


def _sensitive_ops(h, y):
    return {"softmax": h.softmax(-1), "log_softmax": F.log_softmax(h, -1), "exp": h.exp(),
            "sum": h.sum(), "logsumexp": gg.logsumexp(h, -1), "cross_entropy": F.cross_entropy(h, y),
            "mse_loss": F.mse_loss(h, gg.zeros(6, 3)), "norm": gg.norm(h), "layer_norm": F.layer_norm(h, (3,))}


def test_autocast_runs_matmul_low_and_losses_in_float32_on_the_cpu():
    gg.manual_seed(0)
    x = gg.randn(6, 4)
    lin = nn.Linear(4, 3)
    y = gg.randint(0, 3, (6,))
    with gg.autocast("cpu", dtype=gg.float16):
        assert gg.amp.is_autocast_enabled("cpu") and not gg.amp.is_autocast_enabled("cuda")
        h = lin(x)
        assert h.dtype == gg.float16 and (x @ x.T).dtype == gg.float16
        assert F.relu(h).dtype == gg.float16                          # not on a list: runs as given
        dtypes = {k: v.dtype.name for k, v in _sensitive_ops(h, y).items()}
        loss = F.cross_entropy(h, y)
    assert dtypes == {"softmax": "float16", "log_softmax": "float16", "exp": "float16", "sum": "float16",
                      "logsumexp": "float16", "cross_entropy": "float32", "mse_loss": "float32",
                      "norm": "float16", "layer_norm": "float16"}            # PyTorch's CPU lists
    assert gg.amp.get_autocast_dtype("cpu") is None
    loss.backward()
    assert lin.weight.dtype == gg.float32 and lin.weight.grad.dtype == gg.float32
    ref = F.cross_entropy(lin(x), y)
    assert loss.item() == pytest.approx(ref.item(), rel=2e-3)


def test_autocast_cuda_lists(device):
    if device != "cuda":
        pytest.skip("the CUDA lists apply to CUDA tensors")
    gg.manual_seed(0)
    lin = nn.Linear(4, 3).to("cuda")
    x, y = gg.randn(6, 4, device="cuda"), gg.randint(0, 3, (6,), device="cuda")
    with gg.autocast("cuda"):
        h = lin(x)
        assert h.dtype == gg.float16
        assert {v.dtype.name for v in _sensitive_ops(h, y).values()} == {"float32"}
        loss = F.cross_entropy(h, y)
    loss.backward()
    assert lin.weight.grad.dtype == gg.float32


def test_autocast_disabled_nested_and_as_decorator():
    x = gg.randn(2, 2)
    with autocast("cpu", dtype=gg.float16):
        with autocast("cpu", enabled=False):
            assert (x @ x).dtype == gg.float32
        assert (x @ x).dtype == gg.float16

    @autocast("cpu", dtype=gg.float16)
    def f(a):
        return a @ a
    assert f(x).dtype == gg.float16 and (x @ x).dtype == gg.float32
    with autocast("cuda", dtype=gg.float16):                          # another device type: CPU ops untouched
        assert (x @ x).dtype == gg.float32
    with pytest.raises(ValueError, match="float16 or bfloat16"):
        autocast("cpu", dtype=gg.float64)


def test_autocast_bfloat16_on_the_cpu():
    pytest.importorskip("ml_dtypes")
    x, w = gg.randn(3, 4), gg.randn(2, 4, requires_grad=True)
    with autocast("cpu"):                                             # PyTorch's CPU default: bfloat16
        y = F.linear(x, w)
    assert y.dtype == gg.bfloat16
    y.float().sum().backward()
    assert w.grad.dtype == gg.float32


def test_autocast_matches_torch_output_dtypes():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    ours, theirs = gg.tensor(a), torch.tensor(a)
    with gg.autocast("cpu", dtype=gg.float16), torch.autocast("cpu", dtype=torch.float16):
        yo, yt = gg.tensor([0, 1, 2, 3]), torch.tensor([0, 1, 2, 3])
        pairs = [(ours @ ours, theirs @ theirs), (F.linear(ours, ours), torch.nn.functional.linear(theirs, theirs)),
                 ((ours @ ours).softmax(-1), (theirs @ theirs).softmax(-1)),
                 (F.log_softmax(ours @ ours, -1), torch.log_softmax(theirs @ theirs, -1)),
                 (F.cross_entropy(ours @ ours, yo), torch.nn.functional.cross_entropy(theirs @ theirs, yt)),
                 (F.mse_loss(ours @ ours, ours), torch.nn.functional.mse_loss(theirs @ theirs, theirs))]
        for o, t in pairs:
            assert str(o.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
            np.testing.assert_allclose(o.float().numpy(), t.float().numpy(), rtol=2e-3, atol=2e-3)


def _grad_sequence():
    """Gradient multipliers: finite ones, ones that overflow float32 once scaled, infs and NaNs."""
    rng = np.random.default_rng(0)
    seq = []
    for i in range(40):
        c = rng.standard_normal(5).astype(np.float32)
        if i in (3, 4, 17):
            c[1] = 1e35                     # x scale 2^16 overflows float32: the step is skipped
        if i == 9:
            c[0] = np.inf
        if i == 25:
            c[4] = np.nan
        seq.append(c)
    return seq


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_grad_scaler_equals_torch_scales_and_skipped_steps():
    torch = pytest.importorskip("torch")
    kw = dict(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=3)
    w0 = np.linspace(-1, 1, 5).astype(np.float32)
    wg = gg.tensor(w0, requires_grad=True)
    og = optim.SGD([wg], lr=0.01)
    sg = GradScaler("cpu", **kw)
    wt = torch.tensor(w0, requires_grad=True)
    ot = torch.optim.SGD([wt], lr=0.01)
    st = torch.amp.GradScaler("cpu", **kw)
    ours, theirs = [], []
    for c in _grad_sequence():
        og.zero_grad()
        sg.scale((wg * gg.tensor(c)).sum()).backward()
        before = wg.detach().numpy().copy()
        sg.step(og)
        sg.update()
        ours.append((sg.get_scale(), bool((wg.detach().numpy() == before).all())))
        ot.zero_grad()
        st.scale((wt * torch.tensor(c)).sum()).backward()
        before = wt.detach().numpy().copy()
        st.step(ot)
        st.update()
        theirs.append((st.get_scale(), bool((wt.detach().numpy() == before).all())))
    assert ours == theirs
    assert sum(s for _, s in ours) == 5 and len({sc for sc, _ in ours}) > 3     # skips, growth and backoff
    # the same steps were taken (SGD's own rounding differs by an ulp: PyTorch's CPU kernel fuses a*x+y)
    np.testing.assert_allclose(wg.detach().numpy(), wt.detach().numpy(), rtol=1e-6)
    assert sg.state_dict() == st.state_dict()


def test_grad_scaler_one_check_per_flat_buffer_and_usage_errors(monkeypatch):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters())
    scaler = GradScaler("cpu")
    scaler.scale(model(gg.randn(5, 3)).sum()).backward()
    import gpugrad.nn.utils as U
    seen = []
    real = U._grad_arrays
    monkeypatch.setattr(U, "_grad_arrays", lambda ps: (lambda r: seen.append(len(r[1])) or r)(real(ps)))
    scaler.unscale_(opt)
    assert seen == [1]                               # four gradients, one flat buffer, one check
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    scaler.update()
    with pytest.raises(AssertionError, match="No inf checks"):
        scaler.update()
    off = GradScaler("cpu", enabled=False)
    loss = model(gg.randn(5, 3)).sum()
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}


def test_grad_scaler_state_dict_round_trip_with_torch():
    torch = pytest.importorskip("torch")
    t = torch.amp.GradScaler("cpu", init_scale=512.0, growth_interval=7)
    ours = GradScaler("cpu")
    ours.load_state_dict(t.state_dict())
    assert ours.get_scale() == 512.0 and ours.get_growth_interval() == 7


def test_fit_with_autocast_and_scaler_keeps_float32_parameters_and_learns():
    from gpugrad.data import DataLoader, TensorDataset, xor
    from gpugrad.train import fit
    X, y = xor(256, seed=0)
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    scaler = GradScaler("cpu")
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
               DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0), 15, metrics=["accuracy"],
               progress=False, amp_dtype=gg.float16, scaler=scaler)
    assert hist.last("train_accuracy") > 0.9 and scaler.get_scale() > 0
    assert all(p.dtype == gg.float32 for p in model.parameters())


def test_train_amp_option(tmp_path, capsys):
    from gpugrad import cli
    rc = cli.main(["train", "--data", "xor", "--hidden", "8", "--epochs", "2", "--amp", "--quiet", "--device", "cpu",
                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "amp float16" in out.splitlines()[0]
    ck = gg.load(tmp_path / "checkpoint.safetensors")
    assert ck["scaler"]["scale"] > 0 and all(t.dtype == gg.float32 for t in ck["model"].values())


def _scaler_run(m, scaler, w0):
    """One scaled step with ``scaler`` of module ``m``: what every disabled/enabled method answers."""
    w = m.tensor(w0, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.5)
    loss = (w * w).sum()
    scaled = scaler.scale(loss)
    scaled.backward()
    grad_before = w.grad.clone()
    scaler.unscale_(opt)
    ret = scaler.step(opt)
    scaler.update()
    return dict(scale_is_input=scaled is loss, enabled=scaler.is_enabled(), get_scale=scaler.get_scale(),
                state_dict=scaler.state_dict(), step_returned=ret, grad=w.grad.tolist(),
                unscaled=w.grad.tolist() != grad_before.tolist(), w=w.detach().tolist())


@pytest.mark.skipif(gg.cuda.is_available(), reason="the CUDA device type is available here: nothing disables")
@pytest.mark.parametrize("legacy", [False, True], ids=["amp", "cuda_amp"])
def test_grad_scaler_for_cuda_without_cuda_warns_and_disables_like_torch(legacy):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("torch sees a GPU: it would not disable")
    w0 = [1.0, -2.0]
    made = {}
    for m in (gg, torch):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            made[m] = m.cuda.amp.GradScaler(init_scale=8.0) if legacy else m.amp.GradScaler(init_scale=8.0)
        user = [r for r in rec if r.category is UserWarning]
        assert [r.category for r in rec] == [FutureWarning] * legacy + [UserWarning]
        assert "CUDA is not available.  Disabling" in str(user[0].message)
        assert m is torch or user[0].filename == __file__          # gpugrad's names the caller's line
    assert _scaler_run(gg, made[gg], w0) == _scaler_run(torch, made[torch], w0)
    # a disabled scaler also takes a closure, loads nothing and skips the argument checks
    for m in (gg, torch):
        s = made[m]
        w = m.tensor(w0, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.5)
        calls = []
        s.step(opt, closure=lambda: calls.append(1) or m.tensor(0.0))
        s.load_state_dict({})
        with pytest.warns(UserWarning):
            m.amp.GradScaler("cuda", growth_factor=0.5, backoff_factor=2.0)
        assert calls == [1] and s.get_scale() == 1.0


@pytest.mark.filterwarnings("error::UserWarning")
def test_grad_scaler_on_the_cpu_and_named_devices_stay_enabled_like_torch():
    torch = pytest.importorskip("torch")
    for dev in ("cpu", "cuda:0"):        # PyTorch disables only the exact "cuda"
        assert GradScaler(dev).is_enabled() == torch.amp.GradScaler(dev).is_enabled()
    assert _scaler_run(gg, GradScaler("cpu", init_scale=8.0), [1.0, -2.0]) == \
        _scaler_run(torch, torch.amp.GradScaler("cpu", init_scale=8.0), [1.0, -2.0])
    off = dict(init_scale=8.0, enabled=False)
    assert _scaler_run(gg, GradScaler("cpu", **off), [3.0]) == _scaler_run(torch, torch.amp.GradScaler("cpu", **off),
                                                                           [3.0])


@pytest.mark.parametrize("kw", [dict(growth_factor=1.0), dict(backoff_factor=1.0), dict(backoff_factor=1.5)])
def test_grad_scaler_bad_factors_raise_assertion_error_like_torch(kw):
    torch = pytest.importorskip("torch")
    with pytest.raises(AssertionError):
        torch.amp.GradScaler("cpu", **kw)
    with pytest.raises(AssertionError, match="factor"):
        GradScaler("cpu", **kw)
    with pytest.raises(ValueError):
        GradScaler("cpu", **kw)
    GradScaler("cpu", enabled=False, **kw)
    torch.amp.GradScaler("cpu", enabled=False, **kw)
