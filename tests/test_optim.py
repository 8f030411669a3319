"""gpugrad.optim: trajectories against PyTorch for every optimizer and option, on the flat (one-launch) and
the reference paths; a torch-free check against textbook formulas; state_dict round trips; the flat layout."""
import copy
import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import optim
from gpugrad.optim import optimizer as optimizer_mod

SHAPES = [(3, 4), (5,), (), (2, 3, 2)]
STEPS = 20

CASES = {
    "SGD": [dict(lr=0.05), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
            dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.05, momentum=0.9, weight_decay=0.1),
            dict(lr=0.05, weight_decay=0.1, maximize=True),
            dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.05, maximize=True)],
    "Adam": [dict(lr=0.05), dict(lr=0.05, amsgrad=True), dict(lr=0.05, weight_decay=0.1),
             dict(lr=0.05, maximize=True), dict(lr=0.05, amsgrad=True, weight_decay=0.1, maximize=True),
             dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1),
             dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)],
    "AdamW": [dict(lr=0.05), dict(lr=0.05, amsgrad=True), dict(lr=0.05, weight_decay=0.3),
              dict(lr=0.05, maximize=True, amsgrad=True)],
    "RMSprop": [dict(lr=0.01), dict(lr=0.01, centered=True), dict(lr=0.01, momentum=0.9),
                dict(lr=0.01, centered=True, momentum=0.5), dict(lr=0.01, weight_decay=0.1),
                dict(lr=0.01, maximize=True),
                dict(lr=0.01, centered=True, momentum=0.3, weight_decay=0.1, maximize=True),
                dict(lr=0.01, alpha=0.9, eps=1e-6)],
    "Adagrad": [dict(lr=0.1), dict(lr=0.1, lr_decay=0.1), dict(lr=0.1, initial_accumulator_value=0.5),
                dict(lr=0.1, weight_decay=0.1), dict(lr=0.1, maximize=True),
                dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, maximize=True, initial_accumulator_value=0.1),
                dict(lr=0.1, eps=1e-6)],
}
ALL = [pytest.param(name, kw, id=f"{name}-{i}") for name, kws in CASES.items() for i, kw in enumerate(kws)]


def _problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    targets = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    return init, targets


def _unused(t, i, skip):
    """With ``skip``, parameter 1 sits out every third step and parameter 3 the steps 5..8 (no .grad):
    the flat path must skip them there (one call per run of the others), as PyTorch does."""
    return skip and ((i == 1 and t % 3 == 2) or (i == 3 and 5 <= t <= 8))


def _loss(params, targets_t, t, skip, lib):
    """sum_i <c_i, p_i> + 0.1 * |p_i|^2: the gradient c_i + 0.2 p_i depends on the trajectory."""
    total = None
    for i, (p, c) in enumerate(zip(params, targets_t)):
        if _unused(t, i, skip):
            continue
        term = (p * c).sum() + 0.1 * (p * p).sum()
        total = term if total is None else total + term
    return total


def _train_step(lib, params, opt, targets_t, t, skip=False, device=None):
    """zero_grad, backward of the loss of step ``t``, step: with gpugrad or torch as ``lib``."""
    opt.zero_grad()
    _loss(params, [lib.tensor(c) if device is None else lib.tensor(c, device=device) for c in targets_t], t, skip,
          lib).backward()
    opt.step()


def _run_gg(name, kw, init, targets, device, fused, skip=False, steps=STEPS, set_to_none=True):
    params = [gg.tensor(a, device=device, requires_grad=True) for a in init]
    opt = getattr(optim, name)(params, fused=fused, **kw)
    for t in range(steps):
        opt.zero_grad(set_to_none=set_to_none)
        tg = [gg.tensor(c, device=device) for c in targets[t]]
        _loss(params, tg, t, skip, gg).backward()
        opt.step()
    return params, opt


def _run_torch(name, kw, init, targets, skip=False, steps=STEPS):
    torch = pytest.importorskip("torch")
    params = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(params, foreach=False, **kw)
    for t in range(steps):
        opt.zero_grad(set_to_none=True)
        tg = [torch.tensor(c) for c in targets[t]]
        _loss(params, tg, t, skip, torch).backward()
        opt.step()
    return params, opt


def _np(t):
    """A gpugrad or torch tensor as a NumPy array."""
    return t.detach().numpy()


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
@pytest.mark.parametrize("name,kw", ALL)
def test_trajectory_matches_torch(name, kw, fused, device):
    """20 steps from the same start and loss: every parameter and every state tensor as in PyTorch."""
    init, targets = _problem()
    ours, opt = _run_gg(name, kw, init, targets, device, fused)
    theirs, topt = _run_torch(name, kw, init, targets)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i, st in tsd["state"].items():
        assert set(sd["state"][i]) == set(st), (name, i)
        for k, v in st.items():
            np.testing.assert_allclose(_np(sd["state"][i][k]), _np(v), rtol=1e-9, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
@pytest.mark.parametrize("name,kw", [pytest.param(n, k[-1], id=n) for n, k in CASES.items()] +
                         [pytest.param("SGD", CASES["SGD"][1], id="SGD-momentum"),
                          pytest.param("Adam", CASES["Adam"][1], id="Adam-amsgrad")])
def test_unused_parameters_are_skipped_like_torch(name, kw, fused, device):
    """Parameters left out of some losses have no .grad on those steps: no update, no state change."""
    init, targets = _problem(1)
    ours, opt = _run_gg(name, kw, init, targets, device, fused, skip=True)
    theirs, topt = _run_torch(name, kw, init, targets, skip=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)
    tsd = topt.state_dict()["state"]
    for i, st in opt.state_dict()["state"].items():
        if "step" in st:
            assert st["step"].item() == tsd[i]["step"].item()


@pytest.mark.parametrize("name", list(CASES))
def test_float32_matches_torch(name, device):
    init, targets = _problem(2, np.float32)
    kw = CASES[name][1]
    ours, _ = _run_gg(name, kw, init, targets, device, None)
    theirs, _ = _run_torch(name, kw, init, targets)
    for a, b in zip(ours, theirs):
        assert _np(a).dtype == np.float32
        np.testing.assert_allclose(_np(a), _np(b), rtol=2e-5, atol=2e-5)


# ---------------------------------------------------------------------------------------------------------
# torch-free: textbook formulas, written independently of gpugrad.optim.functional
# ---------------------------------------------------------------------------------------------------------
def _textbook(name, p, grads, kw):
    """Run the update rules as the papers write them (bias-corrected moments for Adam) on float64."""
    p = p.copy()
    lr = kw["lr"]
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        if name == "SGD":       # momentum 0.9, nesterov
            m = g if t == 1 else 0.9 * m + g
            p = p - lr * (g + 0.9 * m)
        elif name in ("Adam", "AdamW"):
            if name == "AdamW":
                p = p * (1 - lr * 0.01)
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        elif name == "RMSprop":  # centered
            v = 0.99 * v + 0.01 * g * g
            m = 0.99 * m + 0.01 * g
            p = p - lr * g / (np.sqrt(v - m * m) + 1e-8)
        elif name == "Adagrad":  # lr_decay 0.1
            v = v + g * g
            p = p - lr / (1 + (t - 1) * 0.1) * g / (np.sqrt(v) + 1e-10)
    return p


TEXTBOOK = {"SGD": dict(lr=0.1, momentum=0.9, nesterov=True), "Adam": dict(lr=0.1), "AdamW": dict(lr=0.1),
            "RMSprop": dict(lr=0.01, centered=True), "Adagrad": dict(lr=0.1, lr_decay=0.1)}


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
@pytest.mark.parametrize("name", list(TEXTBOOK))
def test_matches_textbook_formula(name, fused, device):
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal(7)
    grads = [rng.standard_normal(7) for _ in range(STEPS)]
    w = gg.tensor(p0, device=device, requires_grad=True)
    opt = getattr(optim, name)([w], fused=fused, **TEXTBOOK[name])
    for g in grads:
        w.grad = gg.tensor(g, device=device)       # a gradient assigned by hand (copied into the flat buffer)
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), _textbook(name, p0, grads, TEXTBOOK[name]), rtol=1e-10,
                               atol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# one launch per (group, device, dtype)
# ---------------------------------------------------------------------------------------------------------
def _count_calls(monkeypatch):
    calls = []
    real = optimizer_mod.step_function

    def counting(name, fused):
        fn = real(name, fused)

        def wrapped(*a, **k):
            calls.append(name)
            return fn(*a, **k)
        return wrapped

    monkeypatch.setattr(optimizer_mod, "step_function", counting)
    return calls


@pytest.mark.parametrize("n_params", [3, 12])
@pytest.mark.parametrize("name", list(CASES))
def test_flat_step_is_one_call_per_group_device_dtype(name, n_params, monkeypatch, device):
    """Two groups, one of them mixing float32 and float64: three fused calls a step whatever the number of
    parameters; the reference path makes one call per parameter."""
    calls = _count_calls(monkeypatch)
    mk = lambda dt: [gg.randn(4, 3, dtype=dt, device=device, requires_grad=True) for _ in range(n_params)]
    a, b32, b64 = mk(gg.float32), mk(gg.float32), mk(gg.float64)
    kw = CASES[name][1]
    for fused, expected in [(None, 3), (False, 3 * n_params)]:
        opt = getattr(optim, name)([{"params": a}, {"params": b32 + b64, "lr": 0.001}], fused=fused, **kw)
        for _ in range(2):
            opt.zero_grad()
            sum(((p * p).sum() for p in a + b32), gg.tensor(0.0, device=device)).backward()
            sum(((p * p).sum() for p in b64), gg.tensor(0.0, dtype=gg.float64, device=device)).backward()
            del calls[:]
            opt.step()
            assert len(calls) == expected


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adagrad"])
def test_an_unused_parameter_costs_a_few_calls_not_one_per_parameter(name, monkeypatch, device):
    """Parameter 5 of 12 is unused on the first step: that step makes one call per run of parameters with
    a gradient (2), and every later step one per run of equal step counts (3 for Adam/Adagrad), whatever
    the number of parameters; the updates still match PyTorch's."""
    torch = pytest.importorskip("torch")
    calls = _count_calls(monkeypatch)
    init = [np.random.default_rng(i).standard_normal(6) for i in range(12)]
    kw = CASES[name][1]
    ours = [gg.tensor(a, device=device, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(ours, **kw)
    topt = getattr(torch.optim, name)(theirs, **kw)
    per_step = []
    for t in range(4):
        for ps, o in ((ours, opt), (theirs, topt)):
            o.zero_grad()
            sum((p * p * (i + 1)).sum() for i, p in enumerate(ps) if t > 0 or i != 5).backward()
        del calls[:]
        opt.step()
        topt.step()
        per_step.append(len(calls))
    expected_later = 1 if name == "SGD" and kw.get("momentum", 0) == 0 else 3
    assert per_step == [2] + [expected_later] * 3
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9)


def test_params_become_views_of_one_buffer_and_keep_identity():
    ws = [gg.randn(3, 2, requires_grad=True), gg.randn(4, requires_grad=True)]
    before = [w.detach().numpy().copy() for w in ws]
    ids = [id(w) for w in ws]
    opt = optim.Adam(ws, lr=0.1)
    flat = opt._flats[0][0]
    assert [id(w) for w in opt.param_groups[0]["params"]] == ids
    for w, b in zip(ws, before):
        assert np.shares_memory(w._data, flat.param)
        np.testing.assert_array_equal(w._data, b)
    (ws[0].sum() + (ws[1] * ws[1]).sum()).backward()
    for w in ws:
        assert np.shares_memory(w.grad._data, flat.grad)      # the engine wrote into the flat grad buffer
    opt.step()
    assert np.shares_memory(opt.state[ws[1]]["exp_avg"]._data, flat.buffers["exp_avg"])


@pytest.mark.parametrize("zero", ["optimizer", "module"])
def test_a_kept_gradient_keeps_its_values_after_zero_grad(zero, device):
    """The engine writes each new gradient into the flat buffer; a .grad the user kept from an earlier step
    (grads.append(p.grad), as PyTorch allows) must not change under them."""
    fc = gg.nn.Linear(2, 1, device=device)
    opt = optim.SGD(fc.parameters(), lr=0.1)
    kept = []
    for scale in (1.0, 3.0):
        (opt if zero == "optimizer" else fc).zero_grad()
        (fc(gg.ones(1, 2, device=device)) * scale).sum().backward()
        kept.append(fc.bias.grad)
        opt.step()
    assert kept[0].tolist() == [1.0] and kept[1].tolist() == [3.0]
    assert fc.bias.grad._data is fc.bias._grad_buffer           # the live gradient still is the buffer


def test_zero_grad_keeps_buffers_and_accumulates(device):
    """set_to_none=False: one fill; the next backward accumulates into the (zeroed) flat buffer."""
    init, targets = _problem(4)
    ours, _ = _run_gg("SGD", CASES["SGD"][1], init, targets, device, None, set_to_none=False)
    theirs, _ = _run_torch("SGD", CASES["SGD"][1], init, targets)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9)
    w = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    (w * w).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 8.0])
    opt.zero_grad()
    assert w.grad is None


def test_rebound_data_is_reattached_and_moving_is_an_error():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5, momentum=0.5)
    w.data = gg.tensor([10.0, 20.0])                     # e.g. a checkpoint loaded by assignment
    w.grad = gg.tensor([1.0, 1.0])
    opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), [9.5, 19.5])
    assert np.shares_memory(w._data, opt._flats[0][0].param)
    w.data = w.data.double()                             # what model.to(float64) does, after state exists
    with pytest.raises(RuntimeError, match=r"SGD\.step: parameter 0 .*float64.*build the optimizer after"):
        opt.step()


def _move(t, device=None, dtype=None):
    """What nn.Module.to does to a parameter: new storage, same object, the flat grad buffer dropped."""
    t._data = gg.tensor(t._data, device=device, dtype=dtype)._data
    t._grad_buffer = None


@pytest.mark.parametrize("name", list(CASES))
def test_moving_parameters_before_the_first_step_is_fine(name):
    """As with PyTorch's lazily created state, ``model.to(...)`` between building the optimizer and its first
    step works: the moved parameters are flattened again where they now are (Adagrad's state exists from
    the start, so there it is an error, as in PyTorch)."""
    torch = pytest.importorskip("torch")
    init, _ = _problem(12, np.float32)
    kw = CASES[name][1]
    ours = [gg.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(ours, **kw)
    for p in ours[:2]:
        _move(p, device="strict", dtype=gg.float64)
    for p in ours[2:]:
        _move(p, device="strict")
    if name == "Adagrad":
        sum((p * p).sum() for p in ours).backward()
        with pytest.raises(RuntimeError, match="build the optimizer after"):
            opt.step()
        return
    theirs = [torch.tensor(a.astype(np.float64) if i < 2 else a, requires_grad=True) for i, a in enumerate(init)]
    topt = getattr(torch.optim, name)(theirs, **kw)
    for t in range(5):
        opt.zero_grad()
        topt.zero_grad()
        sum(((p * p).sum() * (i + 1) for i, p in enumerate(ours))).backward()
        sum(((p * p).sum() * (i + 1) for i, p in enumerate(theirs))).backward()
        opt.step()
        topt.step()
    assert sorted(str(f.dtype) for f in opt._flats[0]) == ["float32", "float64"]
    for a, b in zip(ours, theirs):
        assert type(a._data).__name__ == "StrictArray" and a.dtype == b.detach().numpy().dtype
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# state_dict
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("resume_fused", [True, False], ids=["into-flat", "into-reference"])
@pytest.mark.parametrize("fused", [True, False], ids=["from-flat", "from-reference"])
@pytest.mark.parametrize("name", list(CASES))
def test_resume_reproduces_the_trajectory(name, fused, resume_fused, device):
    """Stop after 8 steps, save, rebuild everything from the checkpoint, go on: the same parameters as a run
    that never stopped (bit for bit on the same path)."""
    kw = CASES[name][2]
    init, targets = _problem(5)
    straight, _ = _run_gg(name, kw, init, targets, device, fused, skip=True)
    first, opt = _run_gg(name, kw, init, targets, device, fused, skip=True, steps=8)
    sd = opt.state_dict()
    snapshot = [p.detach().numpy().copy() for p in first]
    for p in first:                        # the checkpoint is a copy: training on does not change it
        p._data[...] = 0
    for st in opt.state.values():
        for v in st.values():
            v._data[...] = 0
    params = [gg.tensor(a, device=device, requires_grad=True) for a in snapshot]
    opt2 = getattr(optim, name)(params, fused=resume_fused, **kw)
    opt2.load_state_dict(copy.deepcopy(sd))
    for t in range(8, STEPS):
        _train_step(gg, params, opt2, targets[t], t, skip=True, device=device)
    for a, b in zip(params, straight):
        if fused == resume_fused:
            np.testing.assert_array_equal(_np(a), _np(b))
        else:
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)


@pytest.mark.parametrize("fused", [None, False], ids=["into-flat", "into-reference"])
@pytest.mark.parametrize("name", list(CASES))
def test_loads_a_torch_state_dict(name, fused):
    """The state of a PyTorch optimizer (tensors converted by NumPy) resumes in gpugrad."""
    torch = pytest.importorskip("torch")
    kw = CASES[name][1]
    init, targets = _problem(6)
    tparams, topt = _run_torch(name, kw, init, targets, steps=10)
    params = [gg.tensor(p.detach().numpy(), requires_grad=True) for p in tparams]
    opt = getattr(optim, name)(params, fused=fused, **kw)
    opt.load_state_dict(topt.state_dict())
    for t in range(10, STEPS):
        for ps, lib, o in ((params, gg, opt), (tparams, torch, topt)):
            _train_step(lib, ps, o, targets[t], t)
    for a, b in zip(params, tparams):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9)


def test_state_dict_layout_and_validation():
    a, b = gg.randn(2, requires_grad=True), gg.randn(3, requires_grad=True)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = gg.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert list(sd["state"]) == [0]                   # b had no gradient: no state, as in PyTorch
    assert sd["state"][0]["step"].item() == 1.0 and sd["state"][0]["exp_avg"].shape == (2,)
    other = optim.Adam([a, b])
    with pytest.raises(ValueError, match="2 parameter groups"):
        other.load_state_dict(sd)
    sd["param_groups"][1]["params"] = [1, 2]
    with pytest.raises(ValueError, match="group 1 has 2 parameters"):
        opt.load_state_dict(sd)
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: expected an optimizer state_dict.*'weight'"):
        opt.load_state_dict(gg.nn.Linear(2, 1).state_dict())     # the model's, by mistake


# ---------------------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------------------
def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    w = gg.tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with gg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert w.item() == pytest.approx(2.4)


def test_param_groups_and_add_param_group():
    a, b = gg.tensor([1.0], requires_grad=True), gg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.5
    a.grad, b.grad = gg.ones(1), gg.ones(1)
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.99)
    opt.param_groups[0]["lr"] = 1.0                  # what schedulers do
    opt.step()
    assert a.item() == pytest.approx(0.9 - 1.5)
    text = repr(opt)
    assert text.startswith("SGD (") and "Parameter Group 1" in text and "lr: 0.01" in text


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=-1), "invalid lr"),
    (lambda p: optim.SGD(p, momentum=-0.1), "invalid momentum"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "beta parameter at index 0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "invalid eps"),
    (lambda p: optim.AdamW(p, weight_decay=-1), "invalid weight_decay"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "invalid alpha"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "invalid lr_decay"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "invalid initial_accumulator_value"),
    (lambda p: optim.Adam([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD([{"params": p}, {"params": p}]), "more than one parameter group"),
    (lambda p: optim.SGD(p + p), "same parameter twice"),
    (lambda p: optim.SGD(p[0]), "iterable of Tensors"),
    (lambda p: optim.SGD(set(p)), "ordered collections"),
    (lambda p: optim.SGD([p[0] * 2]), "non-leaf"),
    (lambda p: optim.SGD([gg.tensor([1, 2])]), "only floating point"),
    (lambda p: optim.Adam(p, fused=True, foreach=True), "cannot be `True` together"),
])
def test_constructor_validation(make, match):
    p = [gg.tensor([1.0], requires_grad=True)]
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match):
        make(p)


def test_adagrad_state_exists_from_construction():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    for fused in (True, False):
        opt = optim.Adagrad([w], initial_accumulator_value=0.25, fused=fused)
        assert opt.state[w]["step"].item() == 0.0
        np.testing.assert_array_equal(opt.state[w]["sum"].numpy(), [0.25, 0.25])


def test_amsgrad_loaded_from_a_checkpoint_creates_its_buffer():
    """A checkpoint saved with amsgrad=True switches it on; the missing buffer appears as PyTorch's does."""
    w = gg.tensor([1.0, -1.0], requires_grad=True)
    src = optim.Adam([gg.tensor([1.0, -1.0], requires_grad=True)], amsgrad=True, lr=0.1)
    src.param_groups[0]["params"][0].grad = gg.ones(2)
    src.step()
    opt = optim.Adam([w], lr=0.1)
    opt.load_state_dict(src.state_dict())
    assert opt.param_groups[0]["amsgrad"] is True and "max_exp_avg_sq" in opt.state[w]
    w.grad = gg.ones(2)
    opt.step()
    assert math.isfinite(w.sum().item())


LARGE = [(64, 40), (100,)]


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-9), (np.float32, 2e-5)], ids=["float64", "float32"])
@pytest.mark.parametrize("name,kw", [pytest.param(n, k[-1], id=n) for n, k in CASES.items()] +
                         [pytest.param("SGD", CASES["SGD"][2], id="SGD-dampening"),
                          pytest.param("RMSprop", CASES["RMSprop"][3], id="RMSprop-centered-momentum"),
                          pytest.param("Adagrad", CASES["Adagrad"][2], id="Adagrad-initial")])
def test_large_flat_group_matches_torch(name, kw, dtype, rtol, device, monkeypatch):
    """A flat group on the compiled fused kernels (Numba on the CPU: their size threshold lowered to 0 so
    that a small group takes that path), 20 steps against PyTorch."""
    from gpugrad.kernels import optim as kernels_optim
    monkeypatch.setattr(kernels_optim, "NUMBA_MIN_SIZE", 0)
    global SHAPES
    saved, SHAPES = SHAPES, LARGE
    try:
        init, targets = _problem(7, dtype)
        ours, _ = _run_gg(name, kw, init, targets, device, True)
        theirs, _ = _run_torch(name, kw, init, targets)
    finally:
        SHAPES = saved
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
@pytest.mark.parametrize("name", list(CASES))
def test_step_never_waits_for_the_device(name, fused):
    """On the strict stand-in for a GPU, steps (incl. the per-parameter fallback for an unused parameter)
    and zero_grad make no host synchronisation and call no NumPy on device data; results match PyTorch."""
    from gpugrad.backend import strict
    kw = CASES[name][-1]
    init, targets = _problem(8)
    params = [gg.tensor(a, device="strict", requires_grad=True) for a in init]
    opt = getattr(optim, name)(params, fused=fused, **kw)
    for t in range(STEPS):
        opt.zero_grad()
        _loss(params, [gg.tensor(c, device="strict") for c in targets[t]], t, True, gg).backward()
        with strict.allow_synchronize(False):
            opt.step()
    theirs, _ = _run_torch(name, kw, init, targets, skip=True)
    for a, b in zip(params, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)
    with strict.allow_synchronize(False):
        opt.zero_grad(set_to_none=False)
    assert not any(_np(p.grad).any() for p in params if p.grad is not None)


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
def test_deepcopy_and_pickle_give_an_independent_working_optimizer(fused):
    import pickle
    init, targets = _problem(9)
    params, opt = _run_gg("Adam", CASES["Adam"][1], init, targets, "cpu", fused, steps=5)
    copies = [copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))]
    for twin in copies + [opt]:
        ps = twin.param_groups[0]["params"]
        for t in range(5, STEPS):
            _train_step(gg, ps, twin, targets[t], t)
        if fused:
            assert np.shares_memory(ps[0]._data, twin._flats[0][0].param)
    straight, _ = _run_gg("Adam", CASES["Adam"][1], init, targets, "cpu", fused)
    for twin in copies + [opt]:
        for a, b in zip(twin.param_groups[0]["params"], straight):
            np.testing.assert_array_equal(_np(a), _np(b))
        assert twin.state_dict()["state"][0]["step"].item() == STEPS


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
def test_training_an_mlp_with_a_scheduler_matches_torch(fused, device):
    """A tanh MLP (matmul gradients, a bias broadcast) trained 30 steps by AdamW under OneCycleLR, with two
    param groups: the same weights as PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((32, 4)), rng.standard_normal((32, 3))
    init = [rng.standard_normal(s) * 0.5 for s in [(4, 16), (16,), (16, 3), (3,)]]

    def train(lib, make_opt, sched_mod, dev=None):
        ps = [lib.tensor(a, requires_grad=True) if dev is None else lib.tensor(a, device=dev, requires_grad=True)
              for a in init]
        xt, yt = (lib.tensor(x), lib.tensor(y)) if dev is None else (lib.tensor(x, device=dev),
                                                                    lib.tensor(y, device=dev))
        opt = make_opt([{"params": ps[:2]}, {"params": ps[2:], "weight_decay": 0.0}])
        sched = sched_mod.OneCycleLR(opt, max_lr=[0.05, 0.02], total_steps=30)
        for _ in range(30):
            opt.zero_grad()
            w1, b1, w2, b2 = ps
            loss = ((((xt @ w1 + b1).tanh() @ w2 + b2) - yt) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step()
        return ps

    ours = train(gg, lambda g: optim.AdamW(g, weight_decay=0.05, fused=fused), optim.lr_scheduler, device)
    theirs = train(torch, lambda g: torch.optim.AdamW(g, weight_decay=0.05, foreach=False),
                   torch.optim.lr_scheduler)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-8, atol=1e-10)


def test_two_optimizers_on_the_same_parameters_both_work():
    """A second optimizer built on the same parameters takes them into its own flat buffer; the first one
    takes them back when it steps (parameters keep their values), so alternating steps match PyTorch."""
    torch = pytest.importorskip("torch")
    init, targets = _problem(11)
    ours = [gg.tensor(a, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    pairs = [(optim.Adam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)),
             (optim.SGD(ours, lr=0.05, momentum=0.9), torch.optim.SGD(theirs, lr=0.05, momentum=0.9))]
    for t in range(10):
        o, to = pairs[t % 2]
        for ps, opt, lib in ((ours, o, gg), (theirs, to, torch)):
            _train_step(lib, ps, opt, targets[t], t)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9)


def test_step_hooks_run_around_the_step_and_can_be_removed():
    w = gg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)
    seen = []
    pre = opt.register_step_pre_hook(lambda o, a, k: seen.append(("pre", w.item())))
    opt.register_step_post_hook(lambda o, a, k: seen.append(("post", w.item())))
    w.grad = gg.ones(1)
    opt.step()
    pre.remove()
    opt.step()
    assert seen == [("pre", 1.0), ("post", 0.5), ("post", 0.0)]


def test_a_user_subclass_with_its_own_step_works_like_in_torch():
    """The PyTorch way of writing an optimizer: defaults, param_groups, self.state, a step() of its own."""

    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    st["n"] = st.get("n", 0) + 1
                    p._data = p._data - group["lr"] * p.grad.xp.sign(p.grad._data)

    w = gg.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([w])
    (w * w).sum().backward()
    opt.step()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -0.8], rtol=1e-6)
    sd = opt.state_dict()
    assert sd["state"] == {0: {"n": 2}}
    opt2 = SignSGD([gg.tensor([0.0, 0.0], requires_grad=True)], lr=0.3)
    opt2.load_state_dict(sd)
    assert opt2.state[opt2.param_groups[0]["params"][0]] == {"n": 2} and opt2.param_groups[0]["lr"] == 0.1


@pytest.mark.parametrize("fused", [True, False], ids=["flat", "reference"])
def test_switching_amsgrad_on_mid_training_shows_its_state(fused):
    """Options changed in param_groups take effect on the next step; the new buffer appears in the state."""
    w = gg.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.1, fused=fused)
    w.grad = gg.ones(2)
    opt.step()
    opt.param_groups[0]["amsgrad"] = True
    opt.step()
    assert set(opt.state_dict()["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    np.testing.assert_allclose(opt.state[w]["max_exp_avg_sq"].numpy(), opt.state[w]["exp_avg_sq"].numpy())
