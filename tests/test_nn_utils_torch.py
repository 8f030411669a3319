"""torch.nn.utils beyond clipping and vectorizing: get_total_norm & co, parametrize, parametrizations, the old
hook-based weight_norm / spectral_norm, against PyTorch (float64 values, gradients, state_dict names)."""
import math
import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn

torch = pytest.importorskip("torch")


def t2g(t):
    return gg.tensor(t.detach().numpy())


def close(a, b, **kw):
    np.testing.assert_allclose(a.detach().numpy() if hasattr(a, "detach") else a, b.detach().numpy(),
                               rtol=kw.get("rtol", 1e-10), atol=kw.get("atol", 1e-12))


def pair_linear(i=3, o=2, bias=True):
    """A torch Linear and a gpugrad Linear with the same float64 values."""
    tm = torch.nn.Linear(i, o, bias=bias).double()
    gm = nn.Linear(i, o, bias=bias).double()
    gm.load_state_dict({k: t2g(v) for k, v in tm.state_dict().items()})
    return tm, gm


def load(gm, tm):
    sd = tm.state_dict()
    assert list(gm.state_dict()) == list(sd)
    gm.load_state_dict({k: t2g(v) for k, v in sd.items()})


def same_step(tm, gm, x=None, name="weight"):
    """Forward, backward; compare the outputs and every parameter's gradient."""
    x = torch.randn(4, tm.in_features if hasattr(tm, "in_features") else 3, dtype=torch.float64) if x is None else x
    yt, yg = tm(x), gm(t2g(x))
    close(yg, yt)
    (yt ** 2).sum().backward()
    (yg ** 2).sum().backward()
    gp, tp = dict(gm.named_parameters()), dict(tm.named_parameters())
    assert list(gp) == list(tp)
    for k in tp:
        close(gp[k].grad, tp[k].grad)


# -- get_total_norm, clip_grads_with_norm_, clip_grad_norm, skip_init, fusion, stateless ------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.0, math.inf, 3.5])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    ts = [torch.tensor([3.0, 0.0, -1.5], dtype=torch.float64), torch.tensor([[0.0, 4.0]], dtype=torch.float64)]
    gs = [t2g(t) for t in ts]
    close(nn.utils.get_total_norm(gs, norm_type), torch.nn.utils.get_total_norm(ts, norm_type))
    tp = [torch.zeros_like(t, requires_grad=True) for t in ts]
    gp = [gg.zeros_like(g, requires_grad=True) for g in gs]
    for a, b, t, g in zip(tp, gp, ts, gs):
        a.grad, b.grad = t.clone(), g.clone()
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp], norm_type)
    gn = nn.utils.get_total_norm([p.grad for p in gp], norm_type)
    torch.nn.utils.clip_grads_with_norm_(tp, 1.5, tn)
    assert nn.utils.clip_grads_with_norm_(gp, 1.5, gn) is None
    for a, b in zip(tp, gp):
        close(b.grad, a.grad)


def test_get_total_norm_edge_cases():
    close(nn.utils.get_total_norm([]), torch.nn.utils.get_total_norm([]))
    close(nn.utils.get_total_norm(gg.tensor([3.0, 4.0])), torch.nn.utils.get_total_norm(torch.tensor([3.0, 4.0])))
    bad = [gg.tensor([math.inf, 1.0])]
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.get_total_norm(bad, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.get_total_norm([torch.tensor([math.inf, 1.0])], error_if_nonfinite=True)
    assert math.isinf(nn.utils.get_total_norm(bad).item())


def test_clip_grad_norm_is_deprecated_alias():
    w, tw = gg.tensor([3.0, 4.0], requires_grad=True), torch.tensor([3.0, 4.0], requires_grad=True)
    w.grad, tw.grad = gg.tensor([3.0, 4.0]), torch.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        gt = nn.utils.clip_grad_norm([w], 1.0)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        tt = torch.nn.utils.clip_grad_norm([tw], 1.0)
    assert gt.item() == pytest.approx(tt.item())
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_warns_on_an_empty_generator():
    with pytest.warns(UserWarning, match="empty generator"):
        torch.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(UserWarning, match="empty generator"):
        assert nn.utils.clip_grad_norm_((p for p in []), 1.0).item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.utils.clip_grad_norm_([], 1.0)


def test_skip_init():
    m = nn.utils.skip_init(nn.Linear, 3, 2, bias=False, dtype=gg.float64)
    t = torch.nn.Linear(3, 2, bias=False, dtype=torch.float64)     # (torch's skip_init: 3 s to load meta tensors)
    assert list(m.state_dict()) == list(t.state_dict()) and m.weight.shape == tuple(t.weight.shape)
    assert m.weight.dtype == gg.float64
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        torch.nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="device"):
        nn.utils.skip_init(nn.ReLU)
    with pytest.raises(RuntimeError, match="device"):
        torch.nn.utils.skip_init(torch.nn.ReLU)


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_linear_bn_eval(bias):
    tl, gl = pair_linear(3, 2, bias)
    tb = torch.nn.BatchNorm1d(2).double()
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1), tb.running_var.uniform_(0.5, 2), tb.weight.uniform_(), tb.bias.uniform_()
    gb = nn.BatchNorm1d(2).double()
    load(gb, tb)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_linear_bn_eval(gl, gb)
    tf = torch.nn.utils.fuse_linear_bn_eval(tl.eval(), tb.eval())
    gf = nn.utils.fuse_linear_bn_eval(gl.eval(), gb.eval())
    assert gf is not gl and isinstance(gf.weight, nn.Parameter) and isinstance(gf.bias, nn.Parameter)
    close(gf.weight, tf.weight)
    close(gf.bias, tf.bias)
    with pytest.raises(AssertionError, match="out_features"):
        nn.utils.fuse_linear_bn_eval(gl, nn.BatchNorm1d(3).eval())


def test_stateless_and_convert_parameters_submodules():
    import gpugrad.nn.utils.convert_parameters as gcp
    import gpugrad.nn.utils.stateless as gst
    tl, gl = pair_linear()
    x = torch.randn(2, 3, dtype=torch.float64)
    w = torch.randn(2, 3, dtype=torch.float64)
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        yt = torch.nn.utils.stateless.functional_call(tl, {"weight": w}, (x,))
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        yg = gst.functional_call(gl, {"weight": t2g(w)}, (t2g(x),))
    close(yg, yt)
    assert gcp.parameters_to_vector is nn.utils.parameters_to_vector
    assert gcp.vector_to_parameters is nn.utils.vector_to_parameters


def test_load_state_dict_result_prints_as_torch():
    tl, gl = pair_linear()
    assert repr(gl.load_state_dict(gl.state_dict())) == repr(tl.load_state_dict(tl.state_dict()))
    res = gl.load_state_dict({}, strict=False)
    assert res.missing_keys == ["weight", "bias"] and "missing_keys=['weight', 'bias']" in repr(res)
    assert res == nn.IncompatibleKeys(["weight", "bias"], [])


# -- parametrize ---------------------------------------------------------------------------------------------------
def makers(lib):
    """The same parametrizations written for torch (lib=torch) and gpugrad (lib=gg)."""
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()

    class Scale(lib.nn.Module):                 # no right_inverse
        def forward(self, x):
            return 3 * x

    class Split(lib.nn.Module):                 # two originals: original0, original1
        def forward(self, a, b):
            return a + b

        def right_inverse(self, w):
            return (w / 4, 3 * w / 4)

    class Grow(lib.nn.Module):                  # changes the shape: only with unsafe=True
        def forward(self, x):
            return lib.cat([x, x])

    return Symmetric, Scale, Split, Grow


TP, GP = makers(torch), makers(gg)


def both(build):
    """Build the same parametrized Linear with torch and gpugrad (register calls in ``build(P, makers, m)``)
    and load torch's state into gpugrad's (keys must agree)."""
    tm, gm = pair_linear(3, 3)
    build(torch.nn.utils.parametrize, TP, tm)
    build(nn.utils.parametrize, GP, gm)
    load(gm, tm)
    return tm, gm


@pytest.mark.parametrize("which", ["sym", "chain", "split"])
def test_register_parametrization_values_grads_and_names(which):
    def build(P, mk, m):
        sym, scale, split, _ = mk
        if which == "split":
            P.register_parametrization(m, "weight", split())
        else:
            P.register_parametrization(m, "weight", sym())
        if which == "chain":
            P.register_parametrization(m, "weight", scale())
            P.register_parametrization(m, "bias", scale())
    tm, gm = both(build)
    assert type(gm).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert repr(gm) == repr(tm)
    assert nn.utils.parametrize.type_before_parametrizations(gm) is nn.Linear
    assert nn.utils.parametrize.is_parametrized(gm) and nn.utils.parametrize.is_parametrized(gm, "weight")
    assert nn.utils.parametrize.is_parametrized(gm, "bias") == (which == "chain")
    assert not nn.utils.parametrize.is_parametrized(nn.Linear(2, 2))
    assert type(nn.Linear(2, 2)) is nn.Linear                      # the other instances keep their class
    same_step(tm, gm)


def test_assignment_goes_through_right_inverse():
    tm, gm = both(lambda P, mk, m: P.register_parametrization(m, "weight", mk[0]()))
    w = torch.randn(3, 3, dtype=torch.float64)
    orig = gm.parametrizations.weight.original
    tm.weight = w
    gm.weight = t2g(w)
    assert gm.parametrizations.weight.original is orig                # the same Parameter, updated in place
    close(gm.parametrizations.weight.original, tm.parametrizations.weight.original)
    close(gm.weight, tm.weight)
    tm, gm = both(lambda P, mk, m: P.register_parametrization(m, "weight", mk[2]()))
    tm.weight, gm.weight = w, t2g(w)
    close(gm.parametrizations.weight.original1, tm.parametrizations.weight.original1)
    tm, gm = both(lambda P, mk, m: P.register_parametrization(m, "weight", mk[1]()))
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        tm.weight = w
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        gm.weight = t2g(w)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def build(P, mk, m):
        P.register_parametrization(m, "weight", mk[0]())
        P.register_parametrization(m, "bias", mk[1]())
    tm, gm = both(build)
    for P, m in ((torch.nn.utils.parametrize, tm), (nn.utils.parametrize, gm)):
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
    assert type(gm).__name__ == "ParametrizedLinear" and list(gm.state_dict()) == list(tm.state_dict())
    for P, m in ((torch.nn.utils.parametrize, tm), (nn.utils.parametrize, gm)):
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
    assert type(gm) is nn.Linear and not hasattr(gm, "parametrizations")
    assert list(gm.state_dict()) == list(tm.state_dict()) and isinstance(gm.weight, nn.Parameter)
    same_step(tm, gm)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        nn.utils.parametrize.remove_parametrizations(gm, "weight")
    tm, gm = both(lambda P, mk, m: P.register_parametrization(m, "weight", mk[2]()))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        nn.utils.parametrize.remove_parametrizations(gm, "weight", leave_parametrized=False)
    nn.utils.parametrize.remove_parametrizations(gm, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    close(gm.weight, tm.weight)


def test_parametrize_errors_cache_and_copies():
    P, grow = nn.utils.parametrize, GP[3]
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        P.register_parametrization(nn.Linear(2, 2), "nope", GP[1]())
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(nn.Linear(2, 2), "weight", grow())
    m = P.register_parametrization(nn.Linear(2, 2), "weight", grow(), unsafe=True)
    assert m.weight.shape == (4, 2)
    m = P.register_parametrization(nn.Linear(2, 2), "weight", GP[1]())
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(m, "weight", grow())
    with P.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    import copy
    import pickle
    c = copy.deepcopy(m)
    assert type(c) is type(m) and c.parametrizations.weight.original is not m.parametrizations.weight.original
    np.testing.assert_array_equal(c.weight.detach().numpy(), m.weight.detach().numpy())
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)
    a = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    b = P.transfer_parametrizations_and_params(a, nn.Linear(2, 2))
    assert b.parametrizations.weight.original0 is a.parametrizations.weight.original0


def test_functional_call_on_a_parametrized_module():
    tm, gm = both(lambda P, mk, m: P.register_parametrization(m, "weight", mk[0]()))
    x, w = torch.randn(2, 3, dtype=torch.float64), torch.randn(3, 3, dtype=torch.float64)
    key = "parametrizations.weight.original"
    close(gg.func.functional_call(gm, {key: t2g(w)}, (t2g(x),)), torch.func.functional_call(tm, {key: w}, (x,)))


# -- parametrizations ------------------------------------------------------------------------------------------
def both_with(fn_name, *args, shape=(3, 2), **kwargs):
    tm, gm = pair_linear(*shape)
    getattr(torch.nn.utils.parametrizations, fn_name)(tm, *args, **kwargs)
    getattr(nn.utils.parametrizations, fn_name)(gm, *args, **kwargs)
    load(gm, tm)
    return tm, gm


@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm(dim):
    tm, gm = both_with("weight_norm", dim=dim)
    assert list(gm.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    same_step(tm, gm)
    tp = torch.nn.utils.parametrize
    tp.remove_parametrizations(tm, "weight")
    nn.utils.parametrize.remove_parametrizations(gm, "weight")
    close(gm.weight, tm.weight)


def test_weight_norm_loads_the_old_style_state_dict():
    with pytest.warns(FutureWarning):
        old = torch.nn.utils.weight_norm(torch.nn.Linear(3, 2).double())
    sd = old.state_dict()
    assert "weight_g" in sd
    tm, gm = both_with("weight_norm")
    tm.load_state_dict(sd)
    gm.load_state_dict({k: t2g(v) for k, v in sd.items()})
    close(gm.weight, tm.weight)
    close(gm.parametrizations.weight.original0, tm.parametrizations.weight.original0)


@pytest.mark.parametrize("dim,n_iter", [(None, 1), (1, 2)])
def test_spectral_norm_power_iteration_in_training_only(dim, n_iter):
    tm, gm = both_with("spectral_norm", n_power_iterations=n_iter, dim=dim, shape=(3, 4))
    assert list(gm.state_dict()) == ["bias", "parametrizations.weight.original", "parametrizations.weight.0._u",
                                     "parametrizations.weight.0._v"]
    u = gm.parametrizations.weight[0]._u
    for _ in range(2):                          # each forward in training mode refines u and v in place
        same_step(tm, gm)
        assert gm.parametrizations.weight[0]._u is u
        for k, v in tm.state_dict().items():
            close(gm.state_dict()[k], v)
    tm.eval(), gm.eval()
    before = u.numpy().copy()
    same_step(tm, gm)
    np.testing.assert_array_equal(u.numpy(), before)
    close(u, tm.parametrizations.weight[0]._u)


def test_spectral_norm_vector_and_errors():
    tb, gb = torch.nn.Linear(2, 3).double(), nn.Linear(2, 3).double()
    gb.load_state_dict({k: t2g(v) for k, v in tb.state_dict().items()})
    torch.nn.utils.parametrizations.spectral_norm(tb, "bias")
    nn.utils.parametrizations.spectral_norm(gb, "bias")
    assert list(gb.state_dict()) == list(tb.state_dict())
    close(gb.bias, tb.bias)
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), "nope")


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3), (3, 2)])
def test_orthogonal(omap, shape):
    tm, gm = both_with("orthogonal", orthogonal_map=omap, shape=shape)
    assert list(gm.state_dict()) == ["bias", "parametrizations.weight.original", "parametrizations.weight.0.base"]
    with torch.no_grad():                       # move away from the identity so every map's value matters
        tm.parametrizations.weight.original.add_(0.3 * torch.randn(tm.parametrizations.weight.original.shape,
                                                                    dtype=torch.float64))
    load(gm, tm)
    same_step(tm, gm)


def test_orthogonal_defaults_assignment_and_errors():
    tm, gm = both_with("orthogonal", shape=(2, 3))          # not square: householder
    assert gm.parametrizations.weight[0].orthogonal_map.name == tm.parametrizations.weight[0].orthogonal_map.name
    q = torch.linalg.qr(torch.randn(3, 2, dtype=torch.float64))[0]
    tm.weight = q
    gm.weight = t2g(q)
    close(gm.weight, tm.weight)
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
        nn.utils.parametrizations.orthogonal(nn.Linear(2, 2), "bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        nn.utils.parametrizations.orthogonal(nn.Linear(2, 2), orthogonal_map="qr")
    m = nn.utils.parametrizations.orthogonal(nn.Linear(2, 2), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        m.weight = gg.eye(2)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2)])
def test_orthogonal_householder_without_trivialization(shape):
    tm, gm = pair_linear(*shape)
    torch.nn.utils.parametrizations.orthogonal(tm, use_trivialization=False)
    nn.utils.parametrizations.orthogonal(gm, use_trivialization=False)
    assert list(gm.state_dict()) == list(tm.state_dict())
    close(gm.parametrizations.weight.original, tm.parametrizations.weight.original)
    same_step(tm, gm)


# -- the old hook-based weight_norm / spectral_norm ----------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, None])
def test_old_weight_norm(dim):
    tm, gm = pair_linear()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        torch.nn.utils.weight_norm(tm, dim=dim)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        assert nn.utils.weight_norm(gm, dim=dim) is gm
    load(gm, tm)
    assert list(gm.state_dict()) == ["bias", "weight_g", "weight_v"]
    same_step(tm, gm)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"), pytest.warns(FutureWarning):
        nn.utils.weight_norm(gm, dim=dim)
    torch.nn.utils.remove_weight_norm(tm)
    nn.utils.remove_weight_norm(gm)
    assert list(gm.state_dict()) == list(tm.state_dict()) and isinstance(gm.weight, nn.Parameter)
    close(gm.weight, tm.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(gm)


def test_old_spectral_norm():
    tm, gm = pair_linear(4, 3)
    torch.nn.utils.spectral_norm(tm, n_power_iterations=2)
    nn.utils.spectral_norm(gm, n_power_iterations=2)
    load(gm, tm)
    assert list(gm.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    for _ in range(2):                          # training mode: u and v move, as torch's
        same_step(tm, gm)
        for k, v in tm.state_dict().items():
            close(gm.state_dict()[k], v)
    tm.eval(), gm.eval()
    before = gm.weight_u.numpy().copy()
    same_step(tm, gm)
    np.testing.assert_array_equal(gm.weight_u.numpy(), before)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(gm)
    sd = tm.state_dict()                        # a checkpoint of before v was saved: v solved from W / sigma
    old = {k: t2g(v) for k, v in sd.items() if k != "weight_v"}
    old["weight"] = t2g(tm.weight)
    gm.load_state_dict(old)
    close(gm.weight_v @ gm.weight_orig.T @ gm.weight_u, sd["weight_v"] @ sd["weight_orig"].T @ sd["weight_u"],
          rtol=1e-8)
    torch.nn.utils.remove_spectral_norm(tm)
    nn.utils.remove_spectral_norm(gm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    close(gm.weight, tm.weight, rtol=1e-8)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(gm)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


def test_spectral_norm_default_dim_of_transposed_convolutions():
    class ConvTranspose2d(nn.Module):           # gpugrad's own will be found by its name, as torch's by class
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(gg.randn(2, 3, 1, 1))
    for fns in ((torch.nn.utils.parametrizations.spectral_norm, nn.utils.parametrizations.spectral_norm),
                (torch.nn.utils.spectral_norm, nn.utils.spectral_norm)):
        tu = dict(fns[0](torch.nn.ConvTranspose2d(2, 3, 1)).named_buffers())
        gu = dict(fns[1](ConvTranspose2d()).named_buffers())
        assert {k: tuple(v.shape) for k, v in gu.items()} == {k: tuple(v.shape) for k, v in tu.items()}
