"""Adamax, NAdam, RAdam, Adadelta, ASGD, Rprop, LBFGS and swa_utils against PyTorch: the same problem from the
same start in both libraries, parameter trajectories and state compared step by step (float64 tightly,
float32 too), for each option that changes the update; torch's argument errors, state_dict layout both ways,
parameter groups; swa_utils' averaging, SWALR's schedule and update_bn's statistics."""
import inspect
import re

import numpy as np
import pytest

import gpugrad as gg
from test_optim import _problem, _loss, _np

torch = pytest.importorskip("torch")

STEPS = 20
CASES = {
    "Adamax": [dict(), dict(lr=0.05), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-4), dict(lr=0.05, weight_decay=0.1),
               dict(lr=0.05, maximize=True), dict(lr=0.05, weight_decay=0.1, maximize=True)],
    "NAdam": [dict(), dict(lr=0.05), dict(lr=0.05, momentum_decay=0.05), dict(lr=0.05, weight_decay=0.1),
              dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True), dict(lr=0.05, maximize=True),
              dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, maximize=True)],
    # beta2 = 0.9 crosses the rectification threshold rho_t > 5 at step 6 (0.999 only at step 6 too, but
    # with a far smaller rectification term): both cases run steps on each side of it
    "RAdam": [dict(), dict(lr=0.05), dict(lr=0.05, betas=(0.9, 0.9)), dict(lr=0.05, weight_decay=0.1),
              dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True), dict(lr=0.05, maximize=True),
              dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05, maximize=True)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.8), dict(eps=1e-4), dict(weight_decay=0.1), dict(maximize=True),
                 dict(lr=2.0, rho=0.95, eps=1e-5, weight_decay=0.05, maximize=True)],
    "ASGD": [dict(lr=0.05), dict(lr=0.05, t0=5), dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3),
             dict(lr=0.05, weight_decay=0.1, t0=0), dict(lr=0.05, maximize=True, t0=2)],
    "Rprop": [dict(), dict(lr=0.05), dict(lr=0.05, etas=(0.3, 1.5)), dict(lr=0.05, step_sizes=(1e-3, 0.08)),
              dict(lr=0.05, maximize=True), dict(lr=0.05, etas=(0.6, 1.1), step_sizes=(0.01, 0.2), maximize=True)],
}
ALL = [pytest.param(name, kw, id=f"{name}-{i}") for name, kws in CASES.items() for i, kw in enumerate(kws)]
# the lr of each optimizer's PyTorch default is small for 20 steps; the cases above set it where it matters


def _run(lib, name, kw, init, targets, device=None, skip=False, steps=STEPS, opt=None, params=None, start=0):
    """Train the parameters ``init`` on the losses of test_optim (steps ``start``..``start+steps-1``)."""
    dev = {} if device is None else {"device": device}
    if params is None:
        params = [lib.tensor(a, requires_grad=True, **dev) for a in init]
    if opt is None:
        opt = getattr(lib.optim, name)(params, **kw)
    for t in range(start, start + steps):
        opt.zero_grad()
        _loss(params, [lib.tensor(c, **dev) for c in targets[t]], t, skip, lib).backward()
        opt.step()
    return params, opt


def _assert_same_state(opt, topt, rtol, atol):
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i, st in tsd["state"].items():
        assert list(sd["state"][i]) == list(st), (i, list(sd["state"][i]), list(st))   # torch's keys, in order
        for k, v in st.items():
            ours = sd["state"][i][k]
            assert ours.shape == v.shape, k
            np.testing.assert_allclose(_np(ours), _np(v), rtol=rtol, atol=atol, err_msg=k)
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g.keys() == tg.keys(), set(g) ^ set(tg)
        assert {k: v for k, v in g.items() if k not in ("params", "foreach")} == \
            {k: v for k, v in tg.items() if k not in ("params", "foreach")}


FLAT = ("Adamax", "RAdam", "Adadelta", "Rprop")     # the others' state has per-parameter scalars


@pytest.mark.parametrize("foreach", [None, False], ids=["flat", "loop"])
@pytest.mark.parametrize("name,kw", ALL)
def test_trajectory_and_state_match_torch(name, kw, foreach, device):
    """20 steps (float64): every parameter after every step, and the final state, as PyTorch's single-tensor
    path; gpugrad's update over flat buffers (the default where there is one) and its per-parameter loop."""
    init, targets = _problem()
    params = [gg.tensor(a, device=device, requires_grad=True) for a in init]
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    opt, topt = getattr(gg.optim, name)(params, foreach=foreach, **kw), \
        getattr(torch.optim, name)(tparams, foreach=False, **kw)
    assert bool(opt._flats[0]) == (foreach is None and name in FLAT)
    for t in range(STEPS):
        _run(gg, name, kw, init, targets, device, steps=1, opt=opt, params=params, start=t)
        _run(torch, name, kw, init, targets, steps=1, opt=topt, params=tparams, start=t)
        for a, b in zip(params, tparams):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12, err_msg=f"step {t}")
    _assert_same_state(opt, topt, 1e-10, 1e-12)


@pytest.mark.parametrize("foreach", [None, False], ids=["flat", "loop"])
@pytest.mark.parametrize("name", list(CASES))
def test_unused_parameters_are_skipped_like_torch(name, foreach, device):
    init, targets = _problem(1)
    kw = CASES[name][-1]
    ours, opt = _run(gg, name, dict(kw, foreach=foreach), init, targets, device, skip=True)
    theirs, topt = _run(torch, name, kw, init, targets, skip=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)
    _assert_same_state(opt, topt, 1e-10, 1e-12)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("foreach", [None, True])
def test_float32_matches_torch_single_and_multi_tensor(name, foreach, device):
    """float32 against both of PyTorch's paths (foreach=True rounds a little differently)."""
    init, targets = _problem(2, np.float32)
    kw = dict(CASES[name][1], foreach=foreach)
    ours, opt = _run(gg, name, kw, init, targets, device)
    theirs, _ = _run(torch, name, kw, init, targets)
    for a, b in zip(ours, theirs):
        assert _np(a).dtype == np.float32
        np.testing.assert_allclose(_np(a), _np(b), rtol=2e-5, atol=2e-5)
    assert opt.param_groups[0]["foreach"] is foreach


def test_radam_rectification_threshold_as_torch():
    """The step at which rho_t first exceeds 5 switches to the adaptive update: a single parameter with a
    constant gradient moves by exactly lr * m_hat before it, as PyTorch's, and differently after."""
    for beta2 in (0.9, 0.99, 0.999):
        moves = []
        for lib in (gg, torch):
            w = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
            opt = lib.optim.RAdam([w], lr=0.1, betas=(0.9, beta2))
            prev, out = 1.0, []
            for _ in range(8):
                w.grad = lib.tensor([0.5], dtype=lib.float64)
                opt.step()
                out.append(prev - w.item())
                prev = w.item()
            moves.append(out)
        np.testing.assert_allclose(moves[0], moves[1], rtol=1e-12)
        plain = [abs(m - 0.05) < 1e-12 for m in moves[1]]      # lr * m_hat with m_hat = g = 0.5
        assert plain[0] and not all(plain), (beta2, moves[1])   # the threshold falls inside these 8 steps


# -- argument checks, flags, groups ------------------------------------------------------------------------------
BAD = {
    "Adamax": [dict(lr=-1.0), dict(eps=-1e-8), dict(betas=(1.0, 0.9)), dict(betas=(0.9, -0.1)),
               dict(weight_decay=-1.0)],
    "NAdam": [dict(lr=-1.0), dict(eps=-1.0), dict(betas=(-0.1, 0.9)), dict(betas=(0.9, 1.0)),
              dict(weight_decay=-0.5), dict(momentum_decay=-1.0)],
    "RAdam": [dict(lr=-1.0), dict(eps=-1.0), dict(betas=(1.5, 0.9)), dict(betas=(0.9, 1.0)),
              dict(weight_decay=-0.5)],
    "Adadelta": [dict(lr=-1.0), dict(rho=1.5), dict(rho=-0.1), dict(eps=-1.0), dict(weight_decay=-1.0)],
    "ASGD": [dict(lr=-1.0), dict(weight_decay=-1.0)],
    "Rprop": [dict(lr=-1.0), dict(etas=(1.0, 1.2)), dict(etas=(0.5, 1.0)), dict(etas=(0.0, 1.2))],
    "LBFGS": [dict(lr=-1.0)],
}


@pytest.mark.parametrize("name,kw", [pytest.param(n, k, id=f"{n}-{i}") for n, ks in BAD.items()
                                     for i, k in enumerate(ks)])
def test_invalid_arguments_raise_torchs_message(name, kw):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=re.escape(f"{name}: {expected.value}")):
        getattr(gg.optim, name)([gg.zeros(2, requires_grad=True)], **kw)


@pytest.mark.parametrize("name", list(CASES) + ["LBFGS"])
def test_defaults_are_torchs(name):
    for lib in (gg, torch):
        opt = getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)])
        if lib is gg:
            ours = dict(opt.defaults)
        else:
            assert ours == opt.defaults, (ours, opt.defaults)


@pytest.mark.parametrize("name", list(CASES))
def test_true_flags_raise_and_fused_is_not_accepted(name):
    params = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert "fused" not in params and "fused" not in inspect.signature(getattr(gg.optim, name).__init__).parameters
    for flag in ("differentiable", "capturable"):
        with pytest.raises(NotImplementedError, match=f"{name}: {flag}=True"):
            getattr(gg.optim, name)([gg.zeros(2, requires_grad=True)], **{flag: True})


@pytest.mark.parametrize("name", list(CASES))
def test_param_groups_and_zero_grad_as_torch(name):
    init, targets = _problem(3)
    kw = CASES[name][1]
    res = []
    for lib in (gg, torch):
        ps = [lib.tensor(a, requires_grad=True) for a in init]
        opt = getattr(lib.optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.02}], **kw)
        opt.add_param_group({"params": [lib.tensor([1.0, -1.0], dtype=lib.float64, requires_grad=True)],
                             "lr": 0.3})
        for t in range(8):
            opt.zero_grad(set_to_none=(t % 2 == 0))
            loss = _loss(ps, [lib.tensor(c) for c in targets[t]], t, False, lib)
            (loss + (opt.param_groups[2]["params"][0] ** 3).sum()).backward()
            opt.step()
        opt.zero_grad(set_to_none=False)
        res.append(([_np(p) for g in opt.param_groups for p in g["params"]],
                    [_np(p.grad) for g in opt.param_groups for p in g["params"]]))
    for ours, theirs in zip(*res):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_loads_both_ways_by_value(name, device):
    """10 steps in one library, its state_dict (through NumPy) loaded into the other, 10 more steps in both
    from there: the same trajectory."""
    init, targets = _problem(4)
    kw = CASES[name][-1]
    for src, dst in ((torch, gg), (gg, torch)):
        sdev = device if src is gg else None
        sparams, sopt = _run(src, name, kw, init, targets, sdev, steps=10)
        sd = sopt.state_dict()
        to = (lambda v: torch.tensor(_np(v))) if dst is torch else (lambda v: gg.tensor(_np(v), device=device))
        moved = {"state": {i: {k: to(v) for k, v in st.items()} for i, st in sd["state"].items()},
                 "param_groups": sd["param_groups"]}
        dev = device if dst is gg else None
        mid = [_np(p) for p in sparams]
        dparams, dopt = _run(dst, name, kw, mid, targets, dev, steps=0)
        dopt.load_state_dict(moved)
        for k, v in sd["state"][0].items():   # loaded scalar state takes the parameter's dtype, 'step' float32
            if v.ndim == 0:
                want = np.float32 if k == "step" else np.float64
                assert _np(dopt.state[dparams[0]][k]).dtype == want, (k, dst.__name__)
        _run(src, name, kw, None, targets, sdev, steps=10, opt=sopt, params=sparams, start=10)
        _run(dst, name, kw, None, targets, dev, steps=10, opt=dopt, params=dparams, start=10)
        for a, b in zip(sparams, dparams):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", FLAT)
def test_flat_step_is_one_update_per_group(name, monkeypatch, device):
    """On the flat path the reference update runs once per (group, device, dtype) and step, over the whole
    flat buffer, whatever the number of parameters."""
    calls = []
    real = getattr(gg.optim, name)._reference
    monkeypatch.setattr(getattr(gg.optim, name), "_reference",
                        staticmethod(lambda *a, **k: (calls.append(a[0].shape), real(*a, **k))[1]))
    ps = [gg.randn(4, 3, device=device, requires_grad=True) for _ in range(6)]
    opt = getattr(gg.optim, name)(ps, **CASES[name][1])
    for _ in range(3):
        opt.zero_grad()
        sum(((p * p).sum() for p in ps), gg.tensor(0.0, device=device)).backward()
        opt.step()
    assert len(calls) == 3 and all(len(shape) == 1 and shape[0] >= 72 for shape in calls)


@pytest.mark.parametrize("name", list(CASES))
def test_deepcopy_and_pickle_keep_the_trajectory(name):
    import copy
    import pickle
    init, targets = _problem(5)
    kw = CASES[name][-1]
    params, opt = _run(gg, name, kw, init, targets, steps=5)
    theirs, topt = _run(torch, name, kw, init, targets, steps=5)
    for clone in (copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))):
        ps, o = clone((params, opt))
        assert [v.dtype for v in o.state[ps[0]].values()] == [v.dtype for v in opt.state[params[0]].values()]
        _run(gg, name, kw, None, targets, steps=5, opt=o, params=ps, start=5)
        tp, to = copy.deepcopy((theirs, topt))
        _run(torch, name, kw, None, targets, steps=5, opt=to, params=tp, start=5)
        for a, b in zip(ps, tp):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)


# -- LBFGS ------------------------------------------------------------------------------------------------------
def _rosenbrock(lib, x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


def _least_squares(lib, w, A, b):
    r = lib.matmul(A, w[0]) + w[1] - b
    return (r * r).sum() / len(b)


def _logistic(lib, w, A, y):
    z = lib.matmul(A, w[0]) + w[1]
    # log(1 + exp(z)) - y z, written with the ops both libraries share
    return (lib.log(1 + lib.exp(z)) - y * z).mean() + 0.01 * (w[0] * w[0]).sum()


def _lbfgs_problem(kind, dtype, rng):
    if kind == "rosenbrock":
        return [np.array([-1.2, 1.0, -0.5, 0.8], dtype)], lambda lib, ps, data: _rosenbrock(lib, ps[0]), []
    A = rng.standard_normal((30, 4)).astype(dtype)
    if kind == "least_squares":
        b = (A @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.7 + 0.1 * rng.standard_normal(30)).astype(dtype)
        return ([rng.standard_normal((4, 1)).astype(dtype)[:, 0], np.zeros((), dtype)],
                lambda lib, ps, data: _least_squares(lib, ps, *data), [A, b])
    y = (A @ np.array([1.0, -1.0, 2.0, 0.0]) + 0.3 * rng.standard_normal(30) > 0).astype(dtype)
    return ([np.zeros(4, dtype), np.zeros((), dtype)], lambda lib, ps, data: _logistic(lib, ps, *data), [A, y])


LBFGS_CASES = [dict(), dict(line_search_fn="strong_wolfe"), dict(max_iter=5, history_size=3),
               dict(max_iter=7, max_eval=9, line_search_fn="strong_wolfe", history_size=2),
               dict(lr=0.5, tolerance_grad=1e-4, tolerance_change=1e-6), dict(lr=0.1, max_iter=3)]


def _run_lbfgs(lib, kind, kw, dtype, steps, device=None):
    init, loss_fn, data = _lbfgs_problem(kind, dtype, np.random.default_rng(5))
    dev = {} if device is None or lib is torch else {"device": device}
    ps = [lib.tensor(a, requires_grad=True, **dev) for a in init]
    data = [lib.tensor(d, **dev) for d in data]
    opt = lib.optim.LBFGS(ps, **kw)
    calls = []

    def closure():
        opt.zero_grad()
        loss = loss_fn(lib, ps, data)
        loss.backward()
        calls.append(1)
        return loss

    trail = []
    for _ in range(steps):
        loss = opt.step(closure)
        trail.append((float(loss.detach()), [_np(p).copy() for p in ps], len(calls)))
    return trail, opt


@pytest.mark.parametrize("kind", ["rosenbrock", "least_squares", "logistic"])
@pytest.mark.parametrize("kw", [pytest.param(k, id=str(i)) for i, k in enumerate(LBFGS_CASES)])
def test_lbfgs_trajectory_matches_torch(kind, kw, device):
    """Several step(closure) calls: the returned loss, the parameters, the number of closure calls and the
    state (func_evals, n_iter, d, t, history, ...) as PyTorch's."""
    ours, opt = _run_lbfgs(gg, kind, kw, np.float64, 4, device)
    theirs, topt = _run_lbfgs(torch, kind, kw, np.float64, 4)
    # fixed unit steps on the Rosenbrock valley amplify the last-bit differences of the two autograds' gradients
    rtol = 1e-6 if kind == "rosenbrock" else 1e-9
    for (l1, p1, c1), (l2, p2, c2) in zip(ours, theirs):
        assert c1 == c2
        np.testing.assert_allclose(l1, l2, rtol=rtol, atol=1e-12)
        for a, b in zip(p1, p2):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10)
    st, tst = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert set(st) == set(tst)
    for k in ("func_evals", "n_iter"):
        assert st[k] == tst[k], k
    rtol = 1e-5 if kind == "rosenbrock" else 1e-7
    for k in ("d", "prev_flat_grad", "H_diag", "t"):
        np.testing.assert_allclose(_np(st[k]) if hasattr(st[k], "shape") else st[k],
                                   _np(tst[k]) if hasattr(tst[k], "shape") else tst[k], rtol=rtol, atol=1e-9)
    assert len(st["old_dirs"]) == len(tst["old_dirs"]) <= opt.param_groups[0]["history_size"]
    for a, b in zip(st["old_stps"], tst["old_stps"]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=1e-9)


@pytest.mark.parametrize("kind", ["rosenbrock", "logistic"])
@pytest.mark.parametrize("kw", [pytest.param(dict(max_iter=6), id="fixed"),
                                pytest.param(dict(max_iter=6, line_search_fn="strong_wolfe"), id="wolfe")])
def test_lbfgs_float32_matches_torch(kind, kw, device):
    """float32 (the scalars ys, H_diag, gtd, t stay float32 as PyTorch's 0-d tensors); few iterations, as
    rounding differences grow along a run."""
    ours, _ = _run_lbfgs(gg, kind, kw, np.float32, 2, device)
    theirs, _ = _run_lbfgs(torch, kind, kw, np.float32, 2)
    for (l1, p1, _), (l2, p2, _) in zip(ours, theirs):
        np.testing.assert_allclose(l1, l2, rtol=1e-4, atol=1e-5)
        for a, b in zip(p1, p2):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_lbfgs_checks_as_torch():
    for lib in (gg, torch):
        w = lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [w]}, {"params": [lib.zeros(1, requires_grad=True)]}])
        opt = lib.optim.LBFGS([w], line_search_fn="armijo")
        w.grad = lib.ones(2)
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(lambda: (w * w).sum())
        assert lib.optim.LBFGS([w], max_iter=8).defaults["max_eval"] == 10


def test_lbfgs_runs_step_hooks_and_skips_parameters_without_grad():
    res = []
    for lib in (gg, torch):
        w, unused = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([5.0], requires_grad=True)
        opt = lib.optim.LBFGS([w, unused], max_iter=4)
        calls = []
        opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
        opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

        def closure():
            opt.zero_grad()
            loss = ((w - 3) ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)
        res.append((calls, _np(w), _np(unused), unused.grad))
    assert res[0][0] == res[1][0] == ["pre", "post"]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12)
    assert res[0][2].tolist() == res[1][2].tolist() == [5.0] and res[0][3] is None is res[1][3]


def test_lbfgs_state_dict_to_torch_continues_the_same():
    ours, opt = _run_lbfgs(gg, "logistic", dict(max_iter=4, line_search_fn="strong_wolfe"), np.float64, 2)
    theirs, topt = _run_lbfgs(torch, "logistic", dict(max_iter=4, line_search_fn="strong_wolfe"), np.float64, 0)
    for p, a in zip(topt.param_groups[0]["params"], ours[-1][1]):
        with torch.no_grad():
            p.copy_(torch.tensor(a))

    def to_torch(v):
        return [to_torch(e) for e in v] if isinstance(v, list) else torch.tensor(_np(v)) \
            if isinstance(v, gg.Tensor) else v
    sd = opt.state_dict()
    topt.load_state_dict({"state": {i: {k: to_torch(v) for k, v in st.items()} for i, st in sd["state"].items()},
                          "param_groups": sd["param_groups"]})
    _one_more_step_each("logistic", opt, topt)


def _one_more_step_each(kind, opt, topt):
    """One more step(closure) of the gpugrad and the torch LBFGS on problem ``kind``: the same parameters."""
    _, loss_fn, data = _lbfgs_problem(kind, np.float64, np.random.default_rng(5))
    for lib, o in ((gg, opt), (torch, topt)):
        ps, d = o.param_groups[0]["params"], [lib.tensor(x) for x in data]

        def closure(o=o, ps=ps, d=d, lib=lib):
            o.zero_grad()
            loss = loss_fn(lib, ps, d)
            loss.backward()
            return loss
        o.step(closure)
    for a, b in zip(opt.param_groups[0]["params"], topt.param_groups[0]["params"]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)


def test_lbfgs_state_dict_from_torch_continues_the_same():
    theirs, topt = _run_lbfgs(torch, "least_squares", dict(max_iter=3), np.float64, 2)
    ours, opt = _run_lbfgs(gg, "least_squares", dict(max_iter=3), np.float64, 0)
    for p, a in zip(opt.param_groups[0]["params"], theirs[-1][1]):
        p.data = gg.tensor(a)
    opt.load_state_dict(topt.state_dict())
    assert isinstance(opt.state[opt.param_groups[0]["params"][0]]["d"], gg.Tensor)
    _one_more_step_each("least_squares", opt, topt)


# -- swa_utils ------------------------------------------------------------------------------------------------
def test_swa_utils_signatures_are_torchs():
    import torch.optim.swa_utils as tswa
    for name in tswa.__all__:
        g, t = getattr(gg.optim.swa_utils, name), getattr(tswa, name)
        gs = inspect.signature(g.__init__ if isinstance(g, type) else g).parameters
        ts = inspect.signature(t.__init__ if isinstance(t, type) else t).parameters
        assert [(p.name, p.default) for p in gs.values()] == [(p.name, p.default) for p in ts.values()], name


def _models(seed=0):
    """The same small MLP with a BatchNorm1d in both libraries, float64."""
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                             torch.nn.Linear(4, 2)).double()
    gm = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.BatchNorm1d(4), gg.nn.ReLU(), gg.nn.Linear(4, 2)).double()
    gm.load_state_dict({k: gg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return gm, tm


AVG = {"swa": {}, "ema_avg_fn": {"avg_fn": ("get_ema_avg_fn", 0.9)},
       "ema_multi": {"multi_avg_fn": ("get_ema_multi_avg_fn", 0.8)},
       "swa_multi": {"multi_avg_fn": ("get_swa_multi_avg_fn",)},
       "swa_avg_fn": {"avg_fn": ("get_swa_avg_fn",)}}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("how", list(AVG))
def test_averaged_model_matches_torch(how, use_buffers):
    if how == "swa_multi" and use_buffers:
        pytest.skip("PyTorch fails here (test_swa_multi_avg_fn_on_integer_buffers)")
    rng = np.random.default_rng(6)
    xs = [rng.standard_normal((8, 3)) for _ in range(5)]
    out = []
    for lib, model in zip((gg, torch), _models()):
        swa_mod = gg.optim.swa_utils if lib is gg else torch.optim.swa_utils
        kw = {k: getattr(swa_mod, v[0])(*v[1:]) for k, v in AVG[how].items()}
        avg = swa_mod.AveragedModel(model, use_buffers=use_buffers, **kw)
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for x in xs:
            opt.zero_grad()
            (model(lib.tensor(x)) ** 2).sum().backward()
            opt.step()
            avg.update_parameters(model)
        avg.eval()
        out.append(({k: _np(v) for k, v in avg.state_dict().items()}, _np(avg(lib.tensor(xs[0])))))
    (sd, y), (tsd, ty) = out
    assert list(sd) == list(tsd)
    for k in tsd:
        assert sd[k].dtype == tsd[k].dtype, k
        np.testing.assert_allclose(sd[k], tsd[k], rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)


def test_swa_multi_avg_fn_on_integer_buffers():
    """PyTorch's get_swa_multi_avg_fn fails on integer buffers (use_buffers=True with a BatchNorm's
    num_batches_tracked: addcdiv refuses integer division); gpugrad averages them as get_swa_avg_fn does,
    truncated to the integer dtype, as PyTorch's default averaging (no avg_fn) does."""
    a, b = torch.tensor([3, 7]), torch.tensor([10, 10])
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        torch.optim.swa_utils.get_swa_multi_avg_fn()([a], [b], torch.tensor(2))
    expected = torch.optim.swa_utils.get_swa_avg_fn()(a, b, torch.tensor(2)).long()
    ours = gg.tensor([3, 7])
    gg.optim.swa_utils.get_swa_multi_avg_fn()([ours], [gg.tensor([10, 10])], gg.tensor(2))
    assert ours.tolist() == expected.tolist() and ours.dtype == gg.int64


def test_averaged_model_checks_and_device():
    m = gg.nn.Linear(2, 1)
    f = gg.optim.swa_utils.get_swa_avg_fn()
    with pytest.raises(ValueError, match="only one of avg_fn and multi_avg_fn"):
        gg.optim.swa_utils.AveragedModel(m, avg_fn=f, multi_avg_fn=gg.optim.swa_utils.get_swa_multi_avg_fn())
    for bad in (-0.1, 1.5):
        for fn in ("get_ema_avg_fn", "get_ema_multi_avg_fn"):
            with pytest.raises(ValueError) as expected:
                getattr(torch.optim.swa_utils, fn)(bad)
            with pytest.raises(ValueError, match=re.escape(str(expected.value))):
                getattr(gg.optim.swa_utils, fn)(bad)
    avg = gg.optim.swa_utils.AveragedModel(m, device="cpu")
    assert avg.module is not m and avg.n_averaged.item() == 0 and avg.n_averaged.dtype == gg.int64


def test_averaged_model_on_device(device):
    m = gg.nn.Linear(3, 2, device=device)
    avg = gg.optim.swa_utils.AveragedModel(m, multi_avg_fn=gg.optim.swa_utils.get_ema_multi_avg_fn(0.5))
    w0 = _np(m.weight).copy()
    avg.update_parameters(m)
    with gg.no_grad():
        m.weight.add_(2.0)
    avg.update_parameters(m)
    np.testing.assert_allclose(_np(avg.module.weight), w0 + 1.0, rtol=1e-6)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 4])
def test_swalr_schedule_matches_torch(strategy, anneal_epochs):
    res = []
    for lib in (gg, torch):
        w, v = lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.3}], lr=1.0)
        swa_mod = gg.optim.swa_utils if lib is gg else torch.optim.swa_utils
        first = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        lrs = []
        for _ in range(3):
            opt.step(); first.step()
        sched = swa_mod.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
        lrs.append(sched.get_last_lr())
        for _ in range(7):
            opt.step(); sched.step()
            lrs.append(sched.get_last_lr())
        sd = sched.state_dict()
        res.append((lrs, {k: v for k, v in sd.items() if not k.startswith("_") or k == "_anneal_strategy"}))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    assert res[0][1]["_anneal_strategy"] == res[1][1]["_anneal_strategy"] == strategy
    assert res[0][1]["anneal_epochs"] == res[1][1]["anneal_epochs"]


def test_swalr_checks_and_state_dict_round_trip():
    opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=1.0)
    for kw in (dict(anneal_strategy="exp"), dict(anneal_epochs=-1), dict(anneal_epochs=1.5)):
        with pytest.raises(ValueError) as expected:
            torch.optim.swa_utils.SWALR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0), 0.1, **kw)
        with pytest.raises(ValueError, match=re.escape(str(expected.value).split(",")[0])):
            gg.optim.swa_utils.SWALR(opt, 0.1, **kw)
    a = gg.optim.swa_utils.SWALR(opt, 0.1, anneal_epochs=3, anneal_strategy="linear")
    opt.step(); a.step()
    b = gg.optim.swa_utils.SWALR(opt, 0.1)
    b.load_state_dict(a.state_dict())
    assert b.anneal_func(0.5) == 0.5 and b.anneal_epochs == 3 and b.get_last_lr() == a.get_last_lr()


@pytest.mark.parametrize("as_tuples", [False, True])
def test_update_bn_matches_torch(as_tuples):
    """update_bn resets the BatchNorm statistics and recomputes them as the cumulative average over the
    loader (momentum None), leaving the model's mode and the layers' momentum as they were."""
    rng = np.random.default_rng(7)
    batches = [rng.standard_normal((6, 3)) * (i + 1) + i for i in range(4)]
    out = []
    for lib, model in zip((gg, torch), _models(1)):
        model[1].momentum = 0.3
        model.train()
        model(lib.tensor(batches[0] * 5))                    # statistics that update_bn must forget
        model.eval()
        loader = [(lib.tensor(b), lib.zeros(6)) if as_tuples else lib.tensor(b) for b in batches]
        swa_mod = gg.optim.swa_utils if lib is gg else torch.optim.swa_utils
        swa_mod.update_bn(loader, model)
        assert not model.training and model[1].momentum == 0.3
        bn = model[1]
        out.append([_np(bn.running_mean), _np(bn.running_var), int(bn.num_batches_tracked)])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_batchnorm_momentum_none_is_the_cumulative_average_as_torch():
    rng = np.random.default_rng(8)
    batches = [rng.standard_normal((5, 3)).astype(np.float32) * (i + 1) + i for i in range(4)]
    res = []
    for lib in (gg, torch):
        bn = lib.nn.BatchNorm1d(3, momentum=None)
        for b in batches:
            bn(lib.tensor(b))
        res.append((_np(bn.running_mean), _np(bn.running_var), int(bn.num_batches_tracked)))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6)
