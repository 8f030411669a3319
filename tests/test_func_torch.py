"""gpugrad.func (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call) against
torch.func: values of every transform and of their compositions (float64), the per-sample-gradient recipe of
torch's tutorial, and the exception classes of bad calls."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
from torch_oracle import same_outcome

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(3)
A = _rng.standard_normal(3)
B = _rng.standard_normal(3)
M = _rng.standard_normal((4, 3))


def _t(lib, a, device="cpu", **kw):
    if lib is torch:
        return torch.tensor(a, dtype=torch.float64, **kw)
    return gg.tensor(a, dtype=gg.float64, device=device, **kw)


def _np(tree):
    if isinstance(tree, (tuple, list)):
        return [_np(t) for t in tree]
    if isinstance(tree, dict):
        return {k: _np(v) for k, v in tree.items()}
    if hasattr(tree, "detach"):
        return tree.detach().cpu().numpy() if hasattr(tree, "cpu") else tree.detach().numpy()
    return tree


def _close(got, want):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
    elif isinstance(want, dict):
        assert set(got) == set(want)
        for k in want:
            _close(got[k], want[k])
    elif isinstance(want, np.ndarray):
        assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    else:
        assert got == want


def _f(lib, x, y):
    return (x.sin() * y).sum() + (x * x * y).sum()


def _vec(lib, x, y):
    return x.exp() * y[0] + y.cos()


CASES = [
    ("grad", lambda lib, fn, x, y: fn.grad(lambda a: _f(lib, a, y))(x)),
    ("grad_argnums", lambda lib, fn, x, y: fn.grad(lambda a, b: _f(lib, a, b), argnums=(0, 1))(x, y)),
    ("grad_argnum_neg", lambda lib, fn, x, y: fn.grad(lambda a, b: _f(lib, a, b), argnums=-1)(x, y)),
    ("grad_dict", lambda lib, fn, x, y: fn.grad(lambda p: _f(lib, p["a"], p["b"][0]))({"a": x, "b": [y]})),
    ("grad_aux", lambda lib, fn, x, y: fn.grad(lambda a: (_f(lib, a, y), a * 2), has_aux=True)(x)),
    ("grad_and_value", lambda lib, fn, x, y: fn.grad_and_value(lambda a: _f(lib, a, y))(x)),
    ("grad_and_value_aux", lambda lib, fn, x, y: fn.grad_and_value(lambda a: (_f(lib, a, y), {"k": a}),
                                                                   has_aux=True)(x)),
    ("grad_grad", lambda lib, fn, x, y: fn.grad(lambda a: fn.grad(lambda b: _f(lib, b, y))(a).sum())(x)),
    ("grad_unused", lambda lib, fn, x, y: fn.grad(lambda a, b: (b * 2).sum(), argnums=(0, 1))(x, y)),
    ("vjp", lambda lib, fn, x, y: fn.vjp(lambda a, b: _vec(lib, a, b), x, y)[1](x * 0 + 1)),
    ("vjp_out", lambda lib, fn, x, y: fn.vjp(lambda a: (a.sin(), a.sum()), x)[0]),
    ("vjp_tuple_out", lambda lib, fn, x, y: fn.vjp(lambda a: (a.sin(), a.sum()), x)[1]((y, y.sum()))),
    ("vjp_aux", lambda lib, fn, x, y: fn.vjp(lambda a: (a.sin(), a.cos()), x, has_aux=True)[2]),
    ("jvp", lambda lib, fn, x, y: fn.jvp(lambda a, b: _vec(lib, a, b), (x, y), (y, x))),
    ("jvp_aux", lambda lib, fn, x, y: fn.jvp(lambda a: (a.exp(), a * 3), (x,), (y,), has_aux=True)),
    ("jvp_const", lambda lib, fn, x, y: fn.jvp(lambda a: y * 1, (x,), (y,))),
    ("jvp_strict", lambda lib, fn, x, y: fn.jvp(lambda a: a.tanh(), (x,), (y,), strict=True)),
    ("linearize", lambda lib, fn, x, y: fn.linearize(lambda a, b: _vec(lib, a, b), x, y)[1](y, x)),
    ("linearize_out", lambda lib, fn, x, y: fn.linearize(lambda a: (a.sin(), a.sum()), x)[0]),
    ("linearize_twice", lambda lib, fn, x, y: [fn.linearize(lambda a: (a.sin(), a * y), x)[1](v) for v in (x, y)]),
    ("vmap_linearize", lambda lib, fn, x, y: fn.vmap(fn.linearize(lambda a: a.exp() * a.sum(), x)[1])(
        x.outer(y))),
    ("jacrev", lambda lib, fn, x, y: fn.jacrev(lambda a: _vec(lib, a, y))(x)),
    ("jacrev_argnums", lambda lib, fn, x, y: fn.jacrev(lambda a, b: _vec(lib, a, b), argnums=(0, 1))(x, y)),
    ("jacrev_tuple_out", lambda lib, fn, x, y: fn.jacrev(lambda a: (a.sum(), a.outer(a)))(x)),
    ("jacrev_aux", lambda lib, fn, x, y: fn.jacrev(lambda a: (a.sin(), a.sum()), has_aux=True)(x)),
    ("jacfwd", lambda lib, fn, x, y: fn.jacfwd(lambda a: _vec(lib, a, y))(x)),
    ("jacfwd_argnums", lambda lib, fn, x, y: fn.jacfwd(lambda a, b: a.outer(b), argnums=1)(x, y)),
    ("hessian", lambda lib, fn, x, y: fn.hessian(lambda a: _f(lib, a, y))(x)),
    ("hessian_argnums", lambda lib, fn, x, y: fn.hessian(lambda a, b: _f(lib, a, b), argnums=(0, 1))(x, y)),
    ("jacrev_jacrev", lambda lib, fn, x, y: fn.jacrev(fn.jacrev(lambda a: _vec(lib, a, y)))(x)),
    ("vmap", lambda lib, fn, x, y: fn.vmap(lambda a, b: a.dot(b))(x.outer(y), y.outer(x))),
    ("vmap_in_dims", lambda lib, fn, x, y: fn.vmap(lambda a, b: a * b, in_dims=(1, None))(x.outer(y), y)),
    ("vmap_out_dims", lambda lib, fn, x, y: fn.vmap(lambda a: (a * 2, a.sum()), out_dims=(1, 0))(x.outer(y))),
    ("vmap_nested", lambda lib, fn, x, y: fn.vmap(fn.vmap(lambda a, b: a * b, in_dims=(0, None)),
                                                  in_dims=(None, 0))(x, y.outer(x))),
    ("vmap_dict", lambda lib, fn, x, y: fn.vmap(lambda d: d["u"] + d["v"].sum(), in_dims=({"u": 0, "v": None},))(
        {"u": x.outer(y), "v": y})),
    ("vmap_kwargs", lambda lib, fn, x, y: fn.vmap(lambda a, scale=1.0: a * scale)(x, scale=3.0)),
    ("vmap_out_none", lambda lib, fn, x, y: fn.vmap(lambda a: (a * 2, y), out_dims=(0, None))(x)),
    ("vmap_grad", lambda lib, fn, x, y: fn.vmap(fn.grad(lambda a, b: _f(lib, a, b)))(x.outer(y), y.outer(y))),
    ("vmap_jacrev", lambda lib, fn, x, y: fn.vmap(fn.jacrev(lambda a: a.sin() * a.sum()))(x.outer(y))),
    ("vmap_empty", lambda lib, fn, x, y: fn.vmap(lambda a: (a * 2 + 1, a.exp()), out_dims=(0, 1))(x.outer(y)[:0])),
    ("vmap_chunk", lambda lib, fn, x, y: fn.vmap(lambda a: a.cumsum(0), chunk_size=2)(x.outer(y))),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_transform_matches_torch(name, fn, device):
    got = _np(fn(gg, gg.func, _t(gg, A, device), _t(gg, B, device)))
    want = _np(fn(torch, torch.func, _t(torch, A), _t(torch, B)))
    _close(got, want)


def test_results_are_detached_at_top_level():
    g = gg.func.grad(lambda a: (a ** 3).sum())(gg.tensor(A))
    assert not g.requires_grad and g.grad_fn is None
    out, jv = gg.func.jvp(lambda a: a.sin(), (gg.tensor(A),), (gg.tensor(B),))
    assert not out.requires_grad and not jv.requires_grad


def test_outer_no_grad():
    """Under an outer no_grad the transforms still differentiate (torch.func ignores it) but return results off
    the tape, as torch's."""
    for L in (gg, torch):
        x = _t(L, A, requires_grad=True)
        with L.no_grad():
            g = L.func.grad(lambda a: (a ** 3).sum())(x)
            h = L.func.hessian(lambda a: (a ** 3).sum())(x)
        assert not g.requires_grad and not h.requires_grad
        np.testing.assert_allclose(h.numpy(), np.diag(6 * A), rtol=1e-12)


def test_outer_backward_through_grad():
    """grad(f)(x) for an x that requires grad stays differentiable by the caller's backward, as in torch."""
    got = {}
    for L2, fn2 in ((gg, gg.func), (torch, torch.func)):
        x = _t(L2, A, requires_grad=True)
        w = _t(L2, B, requires_grad=True)
        g = fn2.grad(lambda a: (a ** 3 * w).sum())(x)
        (g * g).sum().backward()
        got[L2.__name__] = (x.grad.numpy(), w.grad.numpy())
    np.testing.assert_allclose(got["gpugrad"][0], got["torch"][0], rtol=1e-10)
    np.testing.assert_allclose(got["gpugrad"][1], got["torch"][1], rtol=1e-10)


def test_vmap_of_model_keeps_gradients():
    outs = []
    for L in (gg, torch):
        L.manual_seed(0)
        lin = L.nn.Linear(3, 2).double()
        with L.no_grad():
            lin.weight.copy_(L.tensor(M[:2], dtype=L.float64))
            lin.bias.copy_(L.tensor(A[:2], dtype=L.float64))
        y = L.func.vmap(lin)(L.tensor(M, dtype=L.float64))
        y.pow(2).sum().backward()
        outs.append((y.detach().numpy(), lin.weight.grad.numpy(), lin.bias.grad.numpy()))
    for g, w in zip(*outs):
        np.testing.assert_allclose(g, w, rtol=1e-10)


def _per_sample_grads(L):
    """torch's per-sample-gradients tutorial, verbatim but for the library."""
    nn, F = L.nn, L.nn.functional

    class SimpleCNN(nn.Module):          # the tutorial's model, with a Linear stack in place of the convolutions
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(12, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = x.flatten(1)
            x = F.relu(self.fc1(x))
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    def loss_fn(predictions, targets):
        return F.nll_loss(predictions, targets)

    rng = np.random.default_rng(11)
    model = SimpleCNN().double()
    with L.no_grad():
        for p in model.parameters():
            p.copy_(L.tensor(rng.standard_normal(tuple(p.shape)) * 0.3, dtype=L.float64))
    data = L.tensor(rng.standard_normal((8, 3, 4)), dtype=L.float64)
    targets = L.tensor(rng.integers(0, 10, 8))

    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = L.func.functional_call(model, (params, buffers), (batch,))
        return loss_fn(predictions, targets)

    ft_compute_grad = L.func.grad(compute_loss)
    ft_compute_sample_grad = L.func.vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    ft = ft_compute_sample_grad(params, buffers, data, targets)
    # the tutorial's check: the same as one backward per sample
    manual = []
    for i in range(8):
        model.zero_grad()
        loss_fn(model(data[i].unsqueeze(0)), targets[i].unsqueeze(0)).backward()
        manual.append({k: p.grad.clone() for k, p in model.named_parameters()})
    return ({k: v.numpy() for k, v in ft.items()},
            {k: np.stack([m[k].numpy() for m in manual]) for k in ft})


def test_per_sample_gradients_tutorial():
    g_ft, g_manual = _per_sample_grads(gg)
    t_ft, _ = _per_sample_grads(torch)
    for k in t_ft:
        assert g_ft[k].shape == t_ft[k].shape == (8,) + t_ft[k].shape[1:]
        np.testing.assert_allclose(g_ft[k], t_ft[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g_ft[k], g_manual[k], rtol=1e-10, atol=1e-12)


def _ensemble(L):
    """torch's model-ensembling tutorial: stack_module_state, then vmap over functional_call."""
    rng = np.random.default_rng(5)

    class MLP(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = L.nn.Linear(6, 8)
            self.fc2 = L.nn.Linear(8, 3)

        def forward(self, x):
            return self.fc2(L.nn.functional.relu(self.fc1(x)))

    models = [MLP().double() for _ in range(4)]
    with L.no_grad():
        for m in models:
            for p in m.parameters():
                p.copy_(L.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=L.float64))
    minibatches = L.tensor(rng.standard_normal((4, 5, 6)), dtype=L.float64)
    params, buffers = L.func.stack_module_state(models)
    base = models[0]

    def fmodel(params, buffers, x):
        return L.func.functional_call(base, (params, buffers), (x,))

    same = L.func.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatches[0])
    different = L.func.vmap(fmodel)(params, buffers, minibatches)
    different.square().sum().backward()
    loop = L.stack([m(minibatches[i]) for i, m in enumerate(models)])
    return (same.detach().numpy(), different.detach().numpy(), loop.detach().numpy(),
            {k: v.grad.numpy() for k, v in params.items()}, params["fc1.weight"].requires_grad)


def test_model_ensembling_tutorial():
    g, t = _ensemble(gg), _ensemble(torch)
    for a, b in zip(g[:3], t[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    np.testing.assert_allclose(g[1], g[2], rtol=1e-12)
    for k in t[3]:
        np.testing.assert_allclose(g[3][k], t[3][k], rtol=1e-10)
    assert g[4] is t[4] is True


def _tied(L):
    class Tied(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = L.nn.Linear(2, 2, bias=False)
            self.b = L.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight
            self.register_buffer("scale", L.ones(2))

        def forward(self, x, shift=0.0):
            return self.b(self.a(x)) * self.scale + shift
    return Tied()


FCALLS = [
    ("tied", lambda L, m, x: L.func.functional_call(m, {"a.weight": x.outer(x)}, (x,))),
    ("untied", lambda L, m, x: L.func.functional_call(m, {"a.weight": x.outer(x)}, (x,), tie_weights=False)),
    ("buffer_kwargs", lambda L, m, x: L.func.functional_call(m, {"scale": x}, x, {"shift": 2.0})),
    ("two_dicts", lambda L, m, x: L.func.functional_call(m, ({"a.weight": x.outer(x)}, {"scale": x}), (x,))),
    ("repeated_key", lambda L, m, x: L.func.functional_call(m, ({"scale": x}, {"scale": x}), (x,))),
    ("tied_conflict", lambda L, m, x: L.func.functional_call(m, {"a.weight": x.outer(x), "b.weight": x.outer(x)},
                                                             (x,))),
    ("strict_missing", lambda L, m, x: L.func.functional_call(m, {"scale": x}, (x,), strict=True)),
    ("strict_ok", lambda L, m, x: L.func.functional_call(m, {"a.weight": x.outer(x), "scale": x}, (x,),
                                                         strict=True)),
    ("strict_unexpected", lambda L, m, x: L.func.functional_call(m, {"a.weight": x.outer(x), "scale": x,
                                                                     "zz": x}, (x,), strict=True)),
    ("unexpected_loose", lambda L, m, x: L.func.functional_call(m, {"zz": x}, (x,))),
    ("bad_container", lambda L, m, x: L.func.functional_call(m, 3, (x,))),
]


@pytest.mark.parametrize("name,fn", FCALLS, ids=[c[0] for c in FCALLS])
def test_functional_call_matches_torch(name, fn):
    def call(L):
        m = _tied(L).double()
        with L.no_grad():
            m.a.weight.copy_(L.tensor(M[:2, :2], dtype=L.float64))
        x = L.tensor(A[:2], dtype=L.float64)
        out = fn(L, m, x).detach().numpy()
        # the module is left as it was
        return out, m.a.weight.detach().numpy(), m.scale.numpy(), hasattr(m, "zz")
    g, t = same_outcome(call)
    if isinstance(g, tuple):
        for a, b in zip(g, t):
            np.testing.assert_allclose(a, b, rtol=1e-12)


ERRORS = [
    ("grad_vector_out", lambda L: L.func.grad(lambda a: a * 2)(L.ones(2))),
    ("grad_int_input", lambda L: L.func.grad(lambda a: a.sum())(L.ones(2, dtype=L.int64))),
    ("grad_argnum_range", lambda L: L.func.grad(lambda a: a.sum(), argnums=1)(L.ones(2))),
    ("grad_non_tensor_out", lambda L: L.func.grad(lambda a: 1.0)(L.ones(2))),
    ("grad_aux_not_pair", lambda L: L.func.grad(lambda a: a.sum(), has_aux=True)(L.ones(2))),
    ("vjp_bad_cotangent", lambda L: L.func.vjp(lambda a: a * 2, L.ones(2))[1](L.ones(3))),
    ("vjp_bad_structure", lambda L: L.func.vjp(lambda a: a * 2, L.ones(2))[1]((L.ones(2), L.ones(2)))),
    ("jvp_not_tuple", lambda L: L.func.jvp(lambda a: a * 2, L.ones(2), L.ones(2))),
    ("jacrev_chunk", lambda L: L.func.jacrev(lambda a: a * 2, chunk_size=0)(L.ones(2))),
    ("jacfwd_randomness", lambda L: L.func.jacfwd(lambda a: a * 2, randomness="x")(L.ones(2))),
    ("vmap_in_dims_len", lambda L: L.func.vmap(lambda a: a, in_dims=(0, 0))(L.ones(2))),
    ("vmap_sizes", lambda L: L.func.vmap(lambda a, b: a + b)(L.ones(2), L.ones(3))),
    ("vmap_scalar_in", lambda L: L.func.vmap(lambda a: a)(1.0)),
    ("vmap_dim_range", lambda L: L.func.vmap(lambda a: a, in_dims=2)(L.ones(2))),
    ("vmap_0d", lambda L: L.func.vmap(lambda a: a)(L.ones(()))),
    ("vmap_all_none", lambda L: L.func.vmap(lambda a: a, in_dims=None)(L.ones(2))),
    ("vmap_random", lambda L: L.func.vmap(lambda a: L.rand(2))(L.ones(2))),
    ("vmap_randn_like", lambda L: L.func.vmap(lambda a: L.randn_like(a))(L.ones(2, 3))),
    ("vmap_dropout", lambda L: L.func.vmap(lambda a: L.nn.functional.dropout(a, 0.5))(L.ones(2, 3))),
    ("vmap_returns_float", lambda L: L.func.vmap(lambda a: 1.0)(L.ones(2))),
    ("vmap_randomness_bad", lambda L: L.func.vmap(lambda a: a, randomness="foo")(L.ones(2))),
    ("vmap_chunk_bad", lambda L: L.func.vmap(lambda a: a, chunk_size=0)(L.ones(2))),
    ("vmap_list_in_dims", lambda L: L.func.vmap(lambda a: a, in_dims=[0])(L.ones(2))),
    ("vmap_out_dims_range", lambda L: L.func.vmap(lambda a: a, out_dims=3)(L.ones(2, 2))),
    ("stack_empty", lambda L: L.func.stack_module_state([])),
    ("stack_modes", lambda L: L.func.stack_module_state([L.nn.Linear(2, 2), L.nn.Linear(2, 2).eval()])),
    ("stack_classes", lambda L: L.func.stack_module_state([L.nn.Linear(2, 2), L.nn.Identity()])),
    ("stack_grad_mix", lambda L: L.func.stack_module_state([L.nn.Linear(2, 2),
                                                             L.nn.Linear(2, 2).requires_grad_(False)])),
    ("linearize_bad_tangent", lambda L: L.func.linearize(lambda a: a * 2, L.ones(2))[1](L.ones(3))),
    ("vmap_no_inputs", lambda L: L.func.vmap(lambda: L.ones(2))()),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(name, fn):
    g, t = same_outcome(fn)
    assert isinstance(g, type) and issubclass(g, Exception), (g, t)


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_vmap_randomness(randomness):
    gg.manual_seed(0)
    out = gg.func.vmap(lambda a: gg.rand(3) + a, randomness=randomness)(gg.zeros(4))
    rows_equal = all(np.array_equal(out[0].numpy(), out[i].numpy()) for i in range(4))
    t = torch.func.vmap(lambda a: torch.rand(3) + a, randomness=randomness)(torch.zeros(4))
    assert rows_equal == all(torch.equal(t[0], t[i]) for i in range(4))
