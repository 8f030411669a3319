"""Higher-order reverse mode: create_graph on every op of tests/op_table.py (gradgradcheck, float64), Hessians
against finite differences of the gradient, the lecture example's closed-form second derivative, the functional
API (vjp, jvp, jacobian, hessian, vhp, hvp), and no memory growth from repeated double-backward steps."""
from __future__ import annotations

import gc
import math
from pathlib import Path

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import grad, gradgradcheck, GradcheckError
from gpugrad.autograd.op import Op
from gpugrad.autograd import functional as F

from op_table import signatures
from test_ops_gradcheck import gg_namespace, make_inputs

PARAMS = [pytest.param(c, s, id=i) for c, s, i in signatures()]


def _np(t):
    return t.detach().cpu().numpy()


# -- every op, to second order ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case,sig", PARAMS)
def test_gradgradcheck(case, sig, device):
    ns = gg_namespace(device)
    inputs = make_inputs(case, sig, device)
    assert gradgradcheck(lambda *ts: case.fn(ns, *ts, **case.kwargs), inputs, atol=case.atol, rtol=case.rtol)


def test_gradgradcheck_catches_an_unrecorded_backward():
    """A backward that computes on raw arrays has no graph: its second derivative reads as zero."""
    class RawSin(Op):
        def forward(self, x):
            self.save_for_backward(x)
            return self.xp.sin(x)

        def backward(self, g):
            (x,) = self.saved
            return g * gg.tensor(np.cos(x._data if isinstance(x, gg.Tensor) else x))

    x = gg.tensor([0.3, -1.2, 2.0], dtype=gg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(lambda t: RawSin.apply(t), (x,))


# -- closed forms -----------------------------------------------------------------------------------------------------
def test_lecture_example_second_derivative(device):
    """f(x) = (x^2 + sin(x^2)) x^2 = x^4 + x^2 sin(x^2);
    f''(x) = 12 x^2 + 2 sin(x^2) + 10 x^2 cos(x^2) - 4 x^4 sin(x^2)."""
    x = gg.tensor(2.0, dtype=gg.float64, device=device, requires_grad=True)
    y = (x ** 2 + (x ** 2).sin()) * x ** 2
    (g,) = grad(y, x, create_graph=True)
    (h,) = grad(g, x, retain_graph=True)
    a = 2.0
    d1 = 4 * a ** 3 + 2 * a * math.sin(a * a) + 2 * a ** 3 * math.cos(a * a)
    d2 = 12 * a * a + 2 * math.sin(a * a) + 10 * a * a * math.cos(a * a) - 4 * a ** 4 * math.sin(a * a)
    assert g.item() == pytest.approx(d1, rel=1e-12)
    assert h.item() == pytest.approx(d2, rel=1e-12)
    assert round(d2, 2) == 68.78
    # the same through backward(create_graph=True) and .grad, then a third derivative of sin
    x.grad = None
    y.backward(create_graph=True)
    assert x.grad.requires_grad
    (h2,) = grad(x.grad, x)
    assert h2.item() == pytest.approx(d2, rel=1e-12)
    z = gg.tensor(0.7, dtype=gg.float64, device=device, requires_grad=True)
    (d1,) = grad(z.sin(), z, create_graph=True)
    (d2,) = grad(d1, z, create_graph=True)
    (d3,) = grad(d2, z)
    assert d3.item() == pytest.approx(-math.cos(0.7), rel=1e-12)


def _fd_hessian(f, x, eps=1e-5):
    """Central differences of the (reverse-mode) gradient: column j is (g(x + eps e_j) - g(x - eps e_j)) / 2eps."""
    x0 = _np(x).ravel().copy()
    cols = []
    for j in range(x0.size):
        gs = []
        for s in (1, -1):
            xs = x0.copy()
            xs[j] += s * eps
            t = gg.tensor(xs.reshape(x.shape), dtype=gg.float64, device=x.device, requires_grad=True)
            (g,) = grad(f(t), t)
            gs.append(_np(g).ravel())
        cols.append((gs[0] - gs[1]) / (2 * eps))
    return np.stack(cols, axis=1)


SMALL_FUNCTIONS = {
    "rosenbrock": lambda x: ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum(),
    "logsumexp_quadratic": lambda x: gg.logsumexp(x * x[::-1], 0),
    "softmax_entropy": lambda x: -(gg.ops.nn_ops.softmax(x, 0) * gg.ops.nn_ops.log_softmax(x, 0)).sum(),
    "norm_times_tanh": lambda x: gg.norm(x) * x.tanh().prod(),
    "mlp": lambda x: gg.ops.nn_ops.gelu(x.reshape(2, 2) @ x.reshape(2, 2).T).sum() + (x.sigmoid() ** 3).mean(),
}


@pytest.mark.parametrize("name", list(SMALL_FUNCTIONS))
def test_hessian_matches_finite_differences_of_the_gradient(name, device):
    f = SMALL_FUNCTIONS[name]
    x = gg.tensor([0.3, -0.8, 1.1, 0.5], dtype=gg.float64, device=device)
    h = F.hessian(f, x)
    assert tuple(h.shape) == (4, 4) and not h.requires_grad
    np.testing.assert_allclose(_np(h), _fd_hessian(f, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(h), _np(h).T, rtol=1e-10, atol=1e-12)


# -- the functional API -----------------------------------------------------------------------------------------------
def _f2(x, y):
    return (x.sin() * y).sum(), x * y.exp()


def test_jacobian_shapes_and_nesting(device):
    x = gg.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], dtype=gg.float64, device=device)
    y = gg.tensor([1.0, -1.0, 0.5], dtype=gg.float64, device=device)
    j = F.jacobian(lambda a: a.exp(), x)
    assert tuple(j.shape) == (2, 3, 2, 3)
    np.testing.assert_allclose(_np(j).reshape(6, 6), np.diag(np.exp(_np(x)).ravel()), rtol=1e-12)
    (js, jv) = F.jacobian(_f2, (x, y))                   # tuple outputs and tuple inputs
    assert tuple(js[0].shape) == (2, 3) and tuple(js[1].shape) == (3,)
    assert tuple(jv[0].shape) == (2, 3, 2, 3) and tuple(jv[1].shape) == (2, 3, 3)
    np.testing.assert_allclose(_np(js[0]), np.cos(_np(x)) * _np(y), rtol=1e-12)
    fwd = F.jacobian(_f2, (x, y), strategy="forward-mode")
    for a, b in zip(js + jv, fwd[0] + fwd[1]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12, atol=1e-14)


def test_functional_matches_torch(device):
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    rng = np.random.default_rng(3)
    xv, yv, v = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)

    def f(ns_exp, x, y):
        return ns_exp(x * y).sum() + (x * x * y).sum() ** 2

    x, y = (gg.tensor(a, dtype=gg.float64, device=device) for a in (xv, yv))
    gv = gg.tensor(v, dtype=gg.float64, device=device)
    tx, ty, tv = (torch.tensor(a) for a in (xv, yv, v))
    ours = lambda a, b: f(gg.exp, a, b)                   # noqa: E731
    theirs = lambda a, b: f(torch.exp, a, b)              # noqa: E731
    pairs = [
        (F.vjp(ours, (x, y))[1], TF.vjp(theirs, (tx, ty))[1]),
        (F.jvp(ours, (x, y), (gv, gv))[1], TF.jvp(theirs, (tx, ty), (tv, tv))[1]),
        (F.jvp(ours, (x, y), (gv, gv), create_graph=True)[1], TF.jvp(theirs, (tx, ty), (tv, tv))[1]),
        (F.vhp(ours, (x, y), (gv, gv))[1], TF.vhp(theirs, (tx, ty), (tv, tv))[1]),
        (F.hvp(ours, (x, y), (gv, gv))[1], TF.hvp(theirs, (tx, ty), (tv, tv))[1]),
        (F.hessian(ours, (x, y)), TF.hessian(theirs, (tx, ty))),
        (F.jacobian(lambda a: a.exp() * a.sum(), x), TF.jacobian(lambda a: a.exp() * a.sum(), tx)),
    ]
    for got, want in pairs:
        got = got if isinstance(got, tuple) else (got,)
        want = want if isinstance(want, tuple) else (want,)
        flat_g = [t for g in got for t in (g if isinstance(g, tuple) else (g,))]
        flat_w = [t for w in want for t in (w if isinstance(w, tuple) else (w,))]
        assert len(flat_g) == len(flat_w)
        for a, b in zip(flat_g, flat_w):
            np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_functional_create_graph_and_strict(device):
    x = gg.tensor([0.5, -0.3], dtype=gg.float64, device=device, requires_grad=True)
    _, g = F.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)     # 3 x^2, recorded
    assert g.requires_grad
    (gg2,) = grad(g.sum(), x)
    np.testing.assert_allclose(_np(gg2), 6 * _np(x), rtol=1e-12)      # d/dx sum(3 x^2) = 6 x
    _, h = F.hvp(lambda a: (a ** 3).sum(), x, gg.ones(2, dtype=gg.float64, device=device), create_graph=True)
    (d3,) = grad(h.sum(), x)                                          # H 1 = 6 x; its gradient is 6
    np.testing.assert_allclose(_np(d3), [6.0, 6.0], rtol=1e-12)
    y = gg.tensor([1.0, 2.0], dtype=gg.float64, device=device)
    out, gs = F.vjp(lambda a, b: (a * 2).sum(), (x, y))
    np.testing.assert_array_equal(_np(gs[1]), [0.0, 0.0])             # independent input: zeros
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.vjp(lambda a, b: (a * 2).sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="single-element"):
        F.hessian(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        F.jvp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match=r"shape \(3,\), expected the input's shape \(2,\)"):
        F.jvp(lambda a: a * 2, x, gg.ones(3, dtype=gg.float64, device=device))


# -- no reference cycle between a parameter and its gradient -----------------------------------------------------------
def _live_tensors():
    """Live Tensors and tape nodes (type() and not isinstance: other modules' dead weak proxies raise)."""
    return sum(1 for o in gc.get_objects() if type(o) is gg.Tensor or isinstance(type(o), type) and
               issubclass(type(o), Op))


def _assert_steps_leave_nothing_behind(step, n):
    """With the cycle collector off, n more steps leave exactly as many live Tensors and nodes as one did,
    and no cyclic garbage either: everything is freed by reference counting."""
    gc.collect()
    gc.disable()
    try:
        step()
        before = _live_tensors()
        for _ in range(n):
            step()
        after = _live_tensors()
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert after == before


def test_create_graph_makes_no_cycle_between_parameter_and_grad():
    """backward(create_graph=True) stores a .grad whose graph reaches the parameter again; the tape holds
    leaves weakly, so dropping the parameter frees everything by reference counting alone (gc disabled)."""
    def step():
        w = gg.randn(64, dtype=gg.float64, requires_grad=True)
        loss = (w.sin() * w * w).sum()
        loss.backward(create_graph=True)        # w.grad = cos(w) w^2 + 2 w sin(w), recorded
        assert w.grad.requires_grad
        (w.grad.sum()).backward()               # accumulates the second derivative into w.grad

    _assert_steps_leave_nothing_behind(step, 30)


def test_repeated_double_backward_steps_do_not_grow_memory():
    """A gradient-penalty training loop: loss + |dloss/dw|^2, stepped 40 times with the same parameters."""
    gg.manual_seed(0)
    w = gg.randn(8, 4, dtype=gg.float64, requires_grad=True)
    x = gg.randn(16, 8, dtype=gg.float64)

    def step():
        loss = (x @ w).tanh().pow(2).mean()
        (g,) = grad(loss, w, create_graph=True)
        (loss + (g * g).sum()).backward()
        with gg.no_grad():
            w.sub_(0.1 * w.grad)
        w.grad = None

    _assert_steps_leave_nothing_behind(step, 40)


def test_tensor_namespace_refuses_numpy_functions_that_would_drop_the_graph():
    from gpugrad.ops import tensor_namespace
    with pytest.raises(AttributeError, match="no differentiable version of numpy.cumprod"):
        tensor_namespace.cumprod
    assert tensor_namespace.float64 is np.float64 and tensor_namespace.newaxis is None
    z = tensor_namespace.zeros((2, 3), np.float64)
    assert isinstance(z, gg.Tensor) and not z.requires_grad and tuple(z.shape) == (2, 3)
    x = gg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=gg.float64, requires_grad=True)
    y = tensor_namespace.moveaxis(tensor_namespace.flip(x * x, 1), 0, 1)      # recorded ops
    (g,) = grad(y.sum(), x)
    np.testing.assert_array_equal(_np(g), 2 * _np(x))


# -- the examples ---------------------------------------------------------------------------------------------------
def _example(name):
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_newton_cg_example_reaches_the_logistic_regression_optimum():
    """Newton-CG with double-backward Hessian-vector products lands on scikit-learn's solution of the same
    problem: mean log-loss + lam/2 |w|^2 is sklearn's C sum log-loss + 1/2 |w|^2 with C = 1 / (N lam)."""
    sklearn = pytest.importorskip("sklearn.linear_model")
    ex = _example("newton_cg")
    x, y = ex.make_problem()
    w, history, hvps = ex.newton_cg(x, y)
    assert history[-1][2] < 1e-8 and len(history) < 20
    assert all(b[1] <= a[1] for a, b in zip(history, history[1:]))          # monotone (line search)
    ref = sklearn.LogisticRegression(C=1 / (ex.N * ex.LAM), fit_intercept=False, tol=1e-12, max_iter=10000)
    ref.fit(_np(x), _np(y))
    np.testing.assert_allclose(_np(w), ref.coef_[0], rtol=1e-5, atol=1e-7)


@pytest.mark.slow
def test_gauss_newton_adam_example_runs(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = _example("gauss_newton_adam").main(["--out", str(tmp_path)])
    assert png == tmp_path / "gauss_newton_adam.png" and png.stat().st_size > 10_000
    assert "empirical Fisher" in capsys.readouterr().out


def test_gauss_newton_adam_example_runs_from_examples_and_writes_only_to_its_out_folder(tmp_path):
    """Run as a user would, from inside examples/: --out is a folder (like the other examples) and nothing is
    written into the source tree."""
    pytest.importorskip("matplotlib")
    import os
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    before = sorted(p.name for p in (root / "examples").iterdir())
    env = dict(os.environ, PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, "gauss_newton_adam.py", "--steps", "50", "--out", str(tmp_path / "o")],
                       cwd=root / "examples", env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "gauss_newton_adam.png").stat().st_size > 10_000
    assert sorted(p.name for p in (root / "examples").iterdir() if p.name != "__pycache__") == \
        [n for n in before if n != "__pycache__"]


def test_create_graph_through_inplace_ops_hooks_and_indexing(device):
    x = gg.tensor([0.5, -1.0, 2.0], dtype=gg.float64, device=device, requires_grad=True)
    y = x * 1.0
    y.add_(x * x)                            # y = x + x^2, recorded in place
    y[1] = x[1] ** 3                         # y1 = x1^3
    seen = []
    y.register_hook(lambda g: seen.append(g.requires_grad))
    (g,) = grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(_np(g), [2.0, 3.0, 5.0])          # 1 + 2x, 3x^2, 1 + 2x
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(_np(h), [2.0, -6.0, 2.0])         # 2, 6x, 2
    assert seen == [False]     # the root gradient (ones) reaching y's hook is a constant Tensor


def test_double_backward_needs_the_first_graph(device):
    x = gg.tensor(1.5, dtype=gg.float64, device=device, requires_grad=True)
    y = x.exp() * x
    (g,) = grad(y, x, create_graph=True)
    (h,) = grad(g, x)                        # frees the shared nodes (retain_graph defaults to False)
    assert h.item() == pytest.approx(np.exp(1.5) * 3.5, rel=1e-12)   # (x + 2) e^x
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        grad(g, x)
    z = gg.tensor(2.0, dtype=gg.float64, device=device, requires_grad=True)
    (gz,) = grad(x * 3.0 + z * 0.0, [x], create_graph=True)        # constant gradient: no graph to x
    assert gz.item() == 3.0 and not gz.requires_grad                  # as in PyTorch
