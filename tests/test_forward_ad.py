"""Forward mode: every op of tests/op_table.py against finite differences and against reverse mode, J v from
jvp against the Jacobian, and the dual-level semantics (make_dual, unpack_dual, tangents dropped on exit,
in-place ops, no_grad, integer outputs, the default tangent rule)."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.autograd.forward_ad as fwAD
from gpugrad.autograd import gradcheck, GradcheckError
from gpugrad.autograd.op import Op
from gpugrad.autograd import functional as F
from gpugrad.autograd.gradcheck import forward_jacobian, analytical_jacobian

from op_table import signatures
from test_ops_gradcheck import gg_namespace, make_inputs

PARAMS = [pytest.param(c, s, id=i) for c, s, i in signatures()]


def _np(t):
    return t.detach().cpu().numpy()


# -- every op -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case,sig", PARAMS)
def test_forward_mode_matches_finite_differences(case, sig, device):
    ns = gg_namespace(device)
    inputs = make_inputs(case, sig, device)
    assert gradcheck(lambda *ts: case.fn(ns, *ts, **case.kwargs), inputs, atol=case.atol, rtol=case.rtol,
                     check_forward_ad=True, check_backward_ad=False)


@pytest.mark.parametrize("case,sig", PARAMS)
def test_forward_and_reverse_mode_agree(case, sig, device):
    """The Jacobian column by column (jvp rules) equals it row by row (backward rules), to rounding."""
    ns = gg_namespace(device)
    inputs = make_inputs(case, sig, device)
    fn = lambda *ts: case.fn(ns, *ts, **case.kwargs)       # noqa: E731
    for fk, rk in zip(forward_jacobian(fn, inputs), analytical_jacobian(fn, inputs)):
        for f, r in zip(fk, rk):
            np.testing.assert_allclose(f, r, rtol=1e-9, atol=1e-12, err_msg=case.name)


def test_every_op_class_has_its_own_tangent_rule():
    """Ops of the core library carry a direct jvp (the double-backward default is for extensions)."""
    import gpugrad.ops  # noqa: F401
    core = [c for c in Op.registry if c.__module__.startswith("gpugrad.ops.")
            and c.backward is not Op.backward]
    assert len(core) > 40
    missing = sorted(c.__qualname__ for c in core if c.jvp is Op.jvp)
    assert not missing, f"op classes without a jvp rule: {missing}"


def test_forward_check_catches_a_wrong_tangent_rule():
    class Sin(Op):
        def forward(self, x):
            self.save_for_backward(x)
            return self.xp.sin(x)

        def backward(self, g):
            (x,) = self.saved
            return g * self.xp.cos(x)

        def jvp(self, t):
            (x,) = self.saved
            return t * self.xp.cos(x) * 1.01

    x = gg.tensor([0.3, -1.2, 2.0], dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda t: Sin.apply(t), (x,))
    with pytest.raises(GradcheckError, match="forward mode"):
        gradcheck(lambda t: Sin.apply(t), (x,), check_forward_ad=True)


# -- jvp = J v --------------------------------------------------------------------------------------------------------
FUNCS = {
    "elementwise": lambda x: (x.sin() * x.exp()).tanh(),
    "reduce_and_broadcast": lambda x: x - gg.logsumexp(x, 0) + gg.norm(x) * x.reshape(2, 3).sum(1).sum(),
    "matmul": lambda x: x.reshape(2, 3) @ gg.ops.nn_ops.gelu(x.reshape(3, 2)),
    "softmax_ce": lambda x: gg.ops.nn_ops.cross_entropy(x.reshape(2, 3), gg.tensor([2, 0], device=x.device),
                                                        reduction="none"),
}


@pytest.mark.parametrize("name", list(FUNCS))
def test_jvp_equals_jacobian_times_vector(name, device):
    f = FUNCS[name]
    rng = np.random.default_rng(5)
    x = gg.tensor(rng.standard_normal(6), dtype=gg.float64, device=device)
    v = gg.tensor(rng.standard_normal(6), dtype=gg.float64, device=device)
    j = _np(F.jacobian(f, x))
    out, jv = F.jvp(f, x, v)
    expected = (j.reshape(-1, 6) @ _np(v)).reshape(j.shape[:-1])
    np.testing.assert_allclose(_np(jv), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(out), _np(f(x)), rtol=0, atol=0)
    _, jv2 = F.jvp(f, x, v, create_graph=True)              # the double-backward route agrees
    np.testing.assert_allclose(_np(jv2), expected, rtol=1e-10, atol=1e-12)


# -- dual-level semantics ---------------------------------------------------------------------------------------------
def test_make_dual_and_unpack_dual(device):
    x = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64, device=device)
    t = gg.tensor([1.0, 0.0, -1.0], dtype=gg.float64, device=device)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        y = (d * d).sum() + d.sin()[1]
        primal, tangent = fwAD.unpack_dual(y)
        assert primal.item() == pytest.approx(14 + np.sin(2.0))
        assert tangent.item() == pytest.approx(2 * 1 * 1 + 2 * 3 * -1 + 0)   # 2 x . t + cos(x1) t1
        assert fwAD.unpack_dual(primal).tangent is None
        assert fwAD.unpack_dual(x).tangent is None                   # make_dual does not touch its input
    assert fwAD.unpack_dual(y).tangent is None                       # dropped on exit
    assert fwAD.unpack_dual(y)._fields == ("primal", "tangent")


def test_dual_level_errors(device):
    x = gg.ones(3, dtype=gg.float64, device=device)
    with pytest.raises(RuntimeError, match="no dual level is active"):
        fwAD.make_dual(x, x)
    with fwAD.dual_level():
        with pytest.raises(ValueError, match=r"tangent shape \(2,\) must match the primal's \(3,\)"):
            fwAD.make_dual(x, gg.ones(2, dtype=gg.float64, device=device))
        with pytest.raises(ValueError, match="floating point"):
            fwAD.make_dual(x, gg.ones(3, dtype=gg.int64, device=device))
        with pytest.raises(RuntimeError, match="nested dual levels"):
            fwAD.enter_dual_level()
    with fwAD.dual_level():     # the failed nesting left the state clean
        assert fwAD.unpack_dual(fwAD.make_dual(x, x)).tangent is not None


def test_tangents_flow_under_no_grad_through_inplace_and_stop_at_integers(device):
    x = gg.tensor([0.5, -1.0, 2.0], dtype=gg.float64, device=device)
    with fwAD.dual_level(), gg.no_grad():
        d = fwAD.make_dual(x, gg.ones(3, dtype=gg.float64, device=device))
        y = d * 2.0                       # tangent 2
        y.mul_(d)                         # y = 2 x^2: tangent 4 x
        y[1] = 5.0                        # a constant: tangent 0 there
        np.testing.assert_allclose(_np(fwAD.unpack_dual(y).tangent), [2.0, 0.0, 8.0])
        assert fwAD.unpack_dual(d.argmax()).tangent is None
        assert fwAD.unpack_dual(d > 0).tangent is None
        y.zero_()
        assert fwAD.unpack_dual(y).tangent is None


def test_make_dual_keeps_reverse_mode(device):
    """Forward and reverse mode together: the dual view is still differentiable with respect to x."""
    x = gg.tensor([0.3, 0.7], dtype=gg.float64, device=device, requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, gg.tensor([1.0, 1.0], dtype=gg.float64, device=device))
        y = (d.exp() * d).sum()
        tangent = fwAD.unpack_dual(y).tangent
        y.backward()
    xv = np.array([0.3, 0.7])
    np.testing.assert_allclose(_np(x.grad), np.exp(xv) * (1 + xv), rtol=1e-12)
    assert tangent.item() == pytest.approx(float((np.exp(xv) * (1 + xv)).sum()), rel=1e-12)


def test_make_dual_of_a_leaf_requiring_grad_is_a_view_of_it(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, gg.ones(2, device=device))
        with pytest.raises(RuntimeError, match="mul_: a view of a leaf Variable that requires grad"):
            d.mul_(2.0)                       # would change x behind autograd's back
    assert x.tolist() == [1.0, 2.0]


def test_default_tangent_rule_derives_from_backward(device):
    """An op that only writes forward and backward still works in forward mode (double-backward default)."""
    class Cube(Op):
        def forward(self, x, scale):
            self.scale = scale
            self.save_for_backward(x)
            return scale * x * x * x

        def backward(self, g):
            (x,) = self.saved
            return g * 3 * self.scale * x * x, None

    x = gg.tensor([1.0, -2.0], dtype=gg.float64, device=device)
    with fwAD.dual_level():
        y = Cube.apply(fwAD.make_dual(x, gg.tensor([1.0, 0.5], dtype=gg.float64, device=device)), 2.0)
        np.testing.assert_allclose(_np(fwAD.unpack_dual(y).tangent), [6.0, 12.0])   # 6 x^2 t
    xr = gg.tensor([1.0, -2.0], dtype=gg.float64, device=device, requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t, 2.0), (xr,), check_forward_ad=True)
