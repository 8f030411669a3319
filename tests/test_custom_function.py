"""gpugrad.autograd.Function, PyTorch's extension API: each Function is written once for a module ``m``
(gpugrad or torch) and run on both, comparing outputs and gradients (float64)."""
import numpy as np
import pytest
import torch

import gpugrad as gg
from gpugrad.autograd.function import once_differentiable as gg_once
from torch.autograd.function import once_differentiable as torch_once


def make(m, once):
    """The same user Functions for module ``m`` (``once`` is its once_differentiable)."""

    class Cube(m.autograd.Function):             # ctx style, saved input, differentiable backward
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class ExpOut(m.autograd.Function):           # saves its output
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class Scale(m.autograd.Function):            # setup_context style, a non-Tensor argument, a keyword
        @staticmethod
        def forward(x, k, shift=0.0):
            return x * k + shift

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, None

    class MulAdd(m.autograd.Function):           # two Tensor inputs, needs_input_grad
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b + a

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * (b + 1) if ctx.needs_input_grad[0] else None
            gb = g * a if ctx.needs_input_grad[1] else None
            return ga, gb

    class SinCos(m.autograd.Function):           # two outputs, one saved
        @staticmethod
        def forward(ctx, x):
            s, c = x.sin(), x.cos()
            ctx.save_for_backward(x, s)
            return s, c

        @staticmethod
        def backward(ctx, gs, gc):
            x, s = ctx.saved_tensors
            return gs * x.cos() - gc * s

    class MaxIdx(m.autograd.Function):           # a non-differentiable output
        @staticmethod
        def forward(ctx, x):
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(x, i)
            return x.max(), i

        @staticmethod
        def backward(ctx, g, gi):
            x, i = ctx.saved_tensors
            out = m.zeros_like(x)
            out[i] = g
            return out

    class Double_(m.autograd.Function):          # in place: mark_dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    class OnceSquare(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class NoMaterialize(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            NoMaterialize.last = ctx.seen
            total = 0
            if g1 is not None:
                total = total + 2 * g1
            if g2 is not None:
                total = total + 3 * g2
            return total

    return dict(Cube=Cube, ExpOut=ExpOut, Scale=Scale, MulAdd=MulAdd, SinCos=SinCos, MaxIdx=MaxIdx,
                Double_=Double_, OnceSquare=OnceSquare, NoMaterialize=NoMaterialize)


GG, TH = make(gg, gg_once), make(torch, torch_once)


def _pair(*shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(g, t):
    np.testing.assert_allclose(np.asarray(g.detach().numpy()), t.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["Cube", "ExpOut"])
def test_single_input_value_grad_and_double_backward(name):
    xg, xt = _pair(2, 3)
    yg, yt = GG[name].apply(xg), TH[name].apply(xt)
    _close(yg, yt)
    (gg1,) = gg.autograd.grad(yg.sum(), xg, create_graph=True)
    (gt1,) = torch.autograd.grad(yt.sum(), xt, create_graph=True)
    _close(gg1, gt1)
    (gg2,) = gg.autograd.grad((gg1 * gg1).sum(), xg)     # second derivative through the user's backward
    (gt2,) = torch.autograd.grad((gt1 * gt1).sum(), xt)
    _close(gg2, gt2)


def test_gradcheck_and_gradgradcheck_through_a_function():
    xg, _ = _pair(3)
    assert gg.autograd.gradcheck(GG["Cube"].apply, (xg,))
    assert gg.autograd.gradgradcheck(GG["Cube"].apply, (xg,))


def test_setup_context_non_tensor_argument_and_keyword():
    xg, xt = _pair(4)
    yg, yt = GG["Scale"].apply(xg, 2.5, shift=1.0), TH["Scale"].apply(xt, 2.5, shift=1.0)
    _close(yg, yt)
    yg.sum().backward()
    yt.sum().backward()
    _close(xg.grad, xt.grad)


@pytest.mark.parametrize("which", [(True, True), (True, False), (False, True)])
def test_two_inputs_and_needs_input_grad(which):
    (ag, at), (bg, bt) = _pair(3, seed=1), _pair(3, seed=2)
    for g, t, req in ((ag, at, which[0]), (bg, bt, which[1])):
        g.requires_grad_(req)
        t.requires_grad_(req)
    GG["MulAdd"].apply(ag, bg).sum().backward()
    TH["MulAdd"].apply(at, bt).sum().backward()
    for g, t in ((ag, at), (bg, bt)):
        assert (g.grad is None) == (t.grad is None)
        if g.grad is not None:
            _close(g.grad, t.grad)


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_several_outputs(use):
    xg, xt = _pair(5)
    (sg, cg), (st, ct) = GG["SinCos"].apply(xg), TH["SinCos"].apply(xt)
    _close(sg, st)
    _close(cg, ct)
    pick = {"both": lambda s, c: (s * c).sum(), "first": lambda s, c: s.sum(), "second": lambda s, c: c.sum()}
    pick[use](sg, cg).backward()
    pick[use](st, ct).backward()
    _close(xg.grad, xt.grad)


def test_several_outputs_double_backward():
    xg, xt = _pair(4)
    res = []
    for m, x, F in ((gg, xg, GG["SinCos"]), (torch, xt, TH["SinCos"])):
        s, c = F.apply(x)
        (g1,) = m.autograd.grad((s * s + c).sum(), x, create_graph=True)
        (g2,) = m.autograd.grad(g1.sum(), x)
        res.append((g1, g2))
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])


def test_non_differentiable_output():
    xg, xt = _pair(6)
    (mg, ig), (mt, it) = GG["MaxIdx"].apply(xg), TH["MaxIdx"].apply(xt)
    assert ig.requires_grad is it.requires_grad is False
    assert mg.requires_grad and int(ig) == int(it)
    mg.backward()
    mt.backward()
    _close(xg.grad, xt.grad)


def test_mark_dirty_returns_the_input_with_new_history():
    xg, xt = _pair(3)
    res = []
    for x, F in ((xg, GG["Double_"]), (xt, TH["Double_"])):
        y = x * 1.0
        z = F.apply(y)
        assert z is y and z.grad_fn is not None
        (z * z).sum().backward()
        res.append(x.grad)
    _close(*res)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        GG["Double_"].apply(xg)


def test_once_differentiable_gives_constant_gradients_under_create_graph():
    xg, xt = _pair(3)
    for m, x, F in ((gg, xg, GG["OnceSquare"]), (torch, xt, TH["OnceSquare"])):
        (g,) = m.autograd.grad(F.apply(x).sum(), x, create_graph=True)
        assert not g.requires_grad
    (g,) = gg.autograd.grad(GG["OnceSquare"].apply(xg).sum(), xg)
    _close(g, 2 * xt)


@pytest.mark.parametrize("use", [0, 1])
def test_materialize_grads(use):
    for m, F in ((gg, GG["NoMaterialize"]), (torch, TH["NoMaterialize"])):
        x = m.ones(2, requires_grad=True)
        F.apply(x)[use].sum().backward()
        assert F.last == ((use != 0), (use != 1))
        assert x.grad.tolist() == [[2.0, 2.0], [3.0, 3.0]][use]


def test_output_that_is_an_input_is_a_new_tensor_and_no_grad_records_nothing():
    class Ident(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = gg.ones(2, requires_grad=True)
    y = Ident.apply(x)
    assert y is not x and y.grad_fn is not None and x.grad_fn is None
    with gg.no_grad():
        assert GG["Cube"].apply(x).grad_fn is None


def _bad(backward):
    class Bad(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

    Bad.backward = staticmethod(backward)
    return Bad


@pytest.mark.parametrize("backward, match", [
    (lambda ctx, g: g, r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"),
    (lambda ctx, g: (g[:2], None), r"Function BadBackward returned an invalid gradient at index 0 - got \[2\] "
                                   r"but expected shape compatible with \[3\]"),
    (lambda ctx, g: (g, g), "returned a gradient different than None at position 2, but the corresponding "
                            "forward input was not a Tensor"),
    (lambda ctx, g: (3, None), "BadBackward returned a int as the gradient at position 1"),
])
def test_wrong_gradients_are_clear_errors_naming_the_function(backward, match):
    x = gg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=match):
        _bad(backward).apply(x, 2.0).sum().backward()


def test_broadcast_gradient_is_summed_and_extra_nones_are_accepted():
    B = _bad(lambda ctx, g: (g.expand(2, 3), None, None))
    x = gg.ones(3, requires_grad=True)
    B.apply(x, 2.0).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_ctx_errors_and_instantiation():
    with pytest.raises(TypeError, match="argument 1 is of type int"):
        gg.autograd.function.FunctionCtx().save_for_backward(gg.ones(1), 3)
    with pytest.raises(RuntimeError, match=r"call Cube.apply\(...\)"):
        GG["Cube"]()


def test_non_static_methods_are_refused_at_definition():
    with pytest.raises(TypeError, match=r"Legacy.forward: an autograd.Function's forward must be a @staticmethod"):
        class Legacy(gg.autograd.Function):
            def forward(self, x):
                return x


def test_saved_tensors_are_freed_after_backward():
    x = gg.ones(2, requires_grad=True)
    y = GG["Cube"].apply(x)
    assert y.grad_fn.saved_tensors[0].tolist() == [1.0, 1.0]
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn.saved_tensors
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_in_place_change_of_a_saved_input_is_detected():
    x = gg.ones(2, requires_grad=True)
    h = x * 1.0
    y = GG["Cube"].apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_grad_fn_repr_like_pytorch():
    x = gg.ones(2, requires_grad=True)
    assert repr((x + 1).grad_fn).startswith("<AddBackward0 object at 0x")
    assert (x * 2).grad_fn.name() == "MulBackward0"
    y = GG["Cube"].apply(x)
    assert repr(y.grad_fn).startswith("<gpugrad.autograd.function.CubeBackward object at 0x")
    assert repr(y) == "tensor([1., 1.], grad_fn=<CubeBackward>)"
    (fn, _), = (x * 2).grad_fn.next_functions[:1]
    assert fn.variable is x and fn.name() == "AccumulateGrad"


def test_forward_mode_uses_jvp():
    import gpugrad.autograd.forward_ad as fwAD

    class Square(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x)
            return x * x

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return 2 * x * t

    with fwAD.dual_level():
        y = Square.apply(fwAD.make_dual(gg.tensor([1.0, 3.0]), gg.tensor([1.0, 1.0])))
        assert fwAD.unpack_dual(y).tangent.tolist() == [2.0, 6.0]
    with fwAD.dual_level(), pytest.raises(NotImplementedError, match="jvp"):
        GG["Cube"].apply(fwAD.make_dual(gg.tensor([1.0]), gg.tensor([1.0])))


def test_on_every_device_with_materialized_zeros_and_double_backward(device):
    x = gg.tensor(np.linspace(-1.0, 1.0, 5), device=device, requires_grad=True)
    s, c = GG["SinCos"].apply(x)
    assert s.device == x.device
    (g1,) = gg.autograd.grad(s.sum(), x, create_graph=True)      # c's gradient: zeros made on x's device
    (g2,) = gg.autograd.grad(g1.sum(), x)
    xs = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(g1.detach().cpu().numpy(), np.cos(xs), rtol=1e-12)
    np.testing.assert_allclose(g2.cpu().numpy(), -np.sin(xs), rtol=1e-12)
