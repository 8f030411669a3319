"""The tape and the backward engine: accumulation, hooks, grad mode, retain_graph, in-place safety,
deep graphs, autograd.grad and gradcheck's report."""
from __future__ import annotations

import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import GradcheckError, gradcheck
from gpugrad.autograd.op import Op


def test_lecture_example_matches_closed_form(device):
    """f(x) = (x^2 + sin(x^2)) x^2 = x^4 + x^2 sin(x^2);  f'(x) = 4x^3 + 2x sin(x^2) + 2x^3 cos(x^2)."""
    x = gg.tensor(2.0, dtype=gg.float64, device=device, requires_grad=True)
    y = (x ** 2 + (x ** 2).sin()) * x ** 2
    y.backward()
    a = 2.0
    f = a ** 4 + a ** 2 * math.sin(a ** 2)
    df = 4 * a ** 3 + 2 * a * math.sin(a ** 2) + 2 * a ** 3 * math.cos(a ** 2)
    assert y.item() == pytest.approx(f, rel=1e-12) and round(f, 2) == 12.97
    assert x.grad.item() == pytest.approx(df, rel=1e-12) and abs(df - 18.50) < 0.02   # 18.514


def test_fan_out_accumulates(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    a = x * 2
    y = a * a + a + x.exp() * a          # a is used three times, x twice
    y.sum().backward()
    xv = np.array([1.0, 2.0])
    expected = 8 * xv + 2 + np.exp(xv) * 2 * xv + np.exp(xv) * 2
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-6)


def test_same_tensor_twice_in_one_op(device):
    x = gg.tensor([3.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [6.0]


def test_leaves_accumulate_across_backward_calls(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_grad_of_broadcast_leaf_has_leaf_shape(device):
    b = gg.tensor([1.0], device=device, requires_grad=True)
    (gg.ones(3, 4, device=device) * b).sum().backward()
    assert b.grad.shape == (1,) and b.grad.tolist() == [12.0]
    s = gg.tensor(2.0, device=device, requires_grad=True)
    s.expand(3).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 3.0


def test_non_leaf_grad_only_with_retain_grad(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    h = x * 3
    k = x * 4
    h.retain_grad()
    assert h.retains_grad and not k.retains_grad
    (h * h + k).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]        # d(h^2)/dh = 2h
    assert k.grad is None
    assert x.grad.tolist() == [22.0, 40.0]       # 18x + 4


def test_retained_grad_after_an_inplace_op_is_the_new_values(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.add_(1.0)                               # y = 2x + 1
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 10.0]     # 2y, not also the gradient through the old value
    assert x.grad.tolist() == [12.0, 20.0]


def test_backward_with_gradient_for_non_scalar(device):
    x = gg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = x * x
    y.backward(gg.tensor([1.0, 0.5, -1.0], device=device))
    assert x.grad.tolist() == [2.0, 2.0, -6.0]


def test_backward_without_gradient_on_non_scalar_is_a_clear_error(device):
    y = gg.ones(2, 3, device=device, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2, 3\).*gradient="):
        y.backward()
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the output has shape \(2, 3\)"):
        y.backward(gg.ones(3, device=device))


def test_backward_on_tensor_without_graph(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        gg.ones(2, device=device).sum().backward()


# -- grad mode -----------------------------------------------------------------------------------------------------
def test_no_grad_records_nothing(device):
    x = gg.ones(3, device=device, requires_grad=True)
    with gg.no_grad():
        y = x * 2
        assert not gg.is_grad_enabled()
        with gg.enable_grad():
            z = x * 2
            assert gg.is_grad_enabled()
    assert gg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None and z.requires_grad


def test_grad_mode_decorators(device):
    x = gg.ones(3, device=device, requires_grad=True)

    @gg.no_grad()
    def f(t):
        return t * 2

    @gg.enable_grad()
    def g(t):
        return t * 2

    @gg.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert f(x).grad_fn is None and h(x).grad_fn is None
    assert gg.is_grad_enabled()                         # the decorator's constructor did not switch it off
    with gg.no_grad():
        assert g(x).grad_fn is not None
        assert not gg.is_grad_enabled()
    assert f.__name__ == "f"


def test_set_grad_enabled_as_call_and_context(device):
    x = gg.ones(3, device=device, requires_grad=True)
    with gg.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert gg.is_grad_enabled()
    gg.set_grad_enabled(False)
    try:
        assert not gg.is_grad_enabled() and (x * 2).grad_fn is None
    finally:
        gg.set_grad_enabled(True)
    assert (x * 2).grad_fn is not None


def test_no_grad_restores_on_exception():
    with pytest.raises(ValueError):
        with gg.no_grad():
            raise ValueError("boom")
    assert gg.is_grad_enabled()


# -- autograd.grad ---------------------------------------------------------------------------------------------------
def test_autograd_grad_returns_without_accumulating(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    w = gg.tensor([3.0, 4.0], device=device, requires_grad=True)
    y = (x * w).sum()
    gx, gw = gg.autograd.grad(y, [x, w])
    assert gx.tolist() == [3.0, 4.0] and gw.tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None


def test_autograd_grad_allow_unused(device):
    x = gg.tensor([1.0], device=device, requires_grad=True)
    unused = gg.tensor([1.0], device=device, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="input 1.*not used.*allow_unused"):
        gg.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = gg.autograd.grad(y, [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_autograd_grad_of_non_leaf(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    h = x * x
    y = (h * 3).sum()
    (gh,) = gg.autograd.grad(y, h)
    assert gh.tolist() == [3.0, 3.0]


def test_autograd_grad_with_an_input_listed_twice(device):
    x = gg.ones(2, device=device, requires_grad=True)
    h = x * 2
    gh1, gh2, gx1, gx2 = gg.autograd.grad((h * h).sum(), [h, h, x, x])
    assert gh1.tolist() == gh2.tolist() == [4.0, 4.0] and gx1.tolist() == gx2.tolist() == [8.0, 8.0]


def test_create_graph_second_derivative(device):
    x = gg.tensor([0.5, 1.5], dtype=gg.float64, device=device, requires_grad=True)
    y = (x ** 3).sum()
    (g,) = gg.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().cpu().numpy(), 3 * np.array([0.5, 1.5]) ** 2)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 6 * np.array([0.5, 1.5]))


# -- hooks -----------------------------------------------------------------------------------------------------------
def test_hook_on_leaf_sees_and_replaces_grad(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    h = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and x.grad.tolist() == [30.0, 30.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hook_on_non_leaf_replaces_grad_downstream(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    h = x * 2
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g * 0 + 1.0
    h.register_hook(hook)
    (h * h).sum().backward()
    assert seen == [[4.0, 8.0]]                 # d(h^2)/dh = 2h
    assert x.grad.tolist() == [2.0, 2.0]        # the replaced gradient (ones) times dh/dx = 2


def test_hook_needs_grad(device):
    with pytest.raises(RuntimeError, match="register_hook"):
        gg.ones(2, device=device).register_hook(lambda g: g)


# -- deep graphs, retain_graph, freed graphs ----------------------------------------------------------------------------
def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = gg.tensor(1.0, dtype=gg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y + y                                   # 100,001 nodes deep, no recursion limit hit
    y.backward()
    assert x.grad.item() == 2.0


def test_second_backward_through_freed_graph_is_a_clear_error(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.cpu().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * first, rtol=1e-6)


# -- the version counter ------------------------------------------------------------------------------------------------
def test_inplace_change_of_saved_input_is_detected(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    a = x * 1.0
    y = a.exp()                     # Exp saves its output
    z = a.sin()                     # Sin saves its input a
    a.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*SinBackward.*version 1; expected "
                                           "version 0"):
        (z.sum() + y.sum()).backward()


def test_inplace_change_of_saved_output_is_detected(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x.exp()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*its output of ExpBackward"):
        y.sum().backward()


def test_inplace_through_a_view_is_detected(device):
    x = gg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    with gg.no_grad():
        pass
    base = x * 1.0
    y = base.sin()
    v = base[1:]
    v.mul_(2.0)
    with pytest.raises(RuntimeError, match="SinBackward"):
        y.sum().backward()


def test_inplace_not_needed_by_backward_is_allowed(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 2.0              # needs only the constant 2 for its gradient
    y.mul_(3.0)              # so scaling y in place is fine, as in PyTorch
    y.add_(1.0)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


# -- gradcheck ---------------------------------------------------------------------------------------------------------------
class _WrongSquare(Op):
    """x^2 with a deliberately wrong derivative (3x instead of 2x) to test gradcheck's report."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, g):
        (x,) = self.saved
        return g * 3 * x


def test_gradcheck_passes_on_correct_function():
    x = gg.tensor([0.3, -1.2, 2.0], dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda t: (t * t.sin()).sum(), (x,))


def test_gradcheck_reports_the_worst_element():
    x = gg.tensor([0.1, -0.2, 3.0], dtype=gg.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda t: _WrongSquare.apply(t), (x,))
    msg = str(err.value)
    # the largest error |3x - 2x| = |x| sits at element 2 (x = 3): analytical 9, numerical 6
    assert "worst at output element 2, input element 2" in msg
    assert "analytical 9 vs numerical 6" in msg
    assert not gradcheck(lambda t: _WrongSquare.apply(t), (x,), raise_exception=False)


def test_gradcheck_wants_float64():
    x = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda t: t * 2, (x,))


def test_leaf_gradients_never_alias_each_other_or_the_callers_arrays(device):
    """The engine hands a gradient array to .grad without a copy only when nothing else holds it."""
    a = gg.ones(3, device=device, requires_grad=True)
    c = gg.ones(3, device=device, requires_grad=True)
    (a + c).sum().backward()                 # Add's backward returns one array for both inputs
    a.grad._data[0] = 5.0
    assert c.grad.tolist() == [1.0, 1.0, 1.0]
    u = gg.ones(3, device=device, requires_grad=True)
    g = gg.full((3,), 2.0, device=device)
    u.backward(g)                            # a leaf root: its gradient is the caller's array
    u.grad._data[0] = 7.0
    assert g.tolist() == [2.0, 2.0, 2.0]
    w = gg.ones(2, 3, device=device, requires_grad=True)
    x = gg.ones(4, 3, device=device)
    h = x @ w.T
    h.retain_grad()
    h.sum().backward()
    w.grad._data[...] = 0
    assert h.grad.tolist() == [[1.0, 1.0]] * 4


# -- in-place ops on views and on values their own op saved ---------------------------------------------------------
def test_inplace_on_view_of_leaf_is_refused(device):
    x = gg.ones(4, device=device, requires_grad=True)
    for view in (lambda: x[0:2], lambda: x.reshape(2, 2), lambda: x.reshape(2, 2).T):
        with pytest.raises(RuntimeError, match=r"mul_: a view of a leaf Variable that requires grad"):
            view().mul_(2.0)
    assert x.tolist() == [1.0, 1.0, 1.0, 1.0]
    with gg.no_grad():
        x[0:2].mul_(2.0)                      # allowed outside the graph
    assert x.tolist() == [2.0, 2.0, 1.0, 1.0]


def test_inplace_on_view_updates_the_base_gradient(device):
    x = gg.tensor([1.0, 2.0, 3.0, 4.0], dtype=gg.float64, device=device, requires_grad=True)
    y = x * 3
    v = y.reshape(2, 2)[1]                    # a view of a view of y
    v.add_(10.0)
    v.mul_(x[2:])                             # y = [3x0, 3x1, (3x2 + 10) x2, (3x3 + 10) x3]
    assert y.tolist() == [3.0, 6.0, 57.0, 88.0]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 28.0, 34.0]


def test_inplace_on_permuted_view_updates_the_base(device):
    x = gg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=gg.float64, device=device, requires_grad=True)
    y = x * 1.0
    y.T.mul_(gg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=gg.float64, device=device))   # y = x * [[1,3],[2,4]]
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * x.detach().cpu().numpy() * np.array([[1, 3], [2, 4]]) ** 2)


def test_fill_and_zero_on_a_view_update_the_base_gradient(device):
    x = gg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=gg.float64, device=device, requires_grad=True)
    y = x * 2
    y[0].fill_(1.0)                           # row 0 of y no longer depends on x
    y.T[1].zero_()                            # nor does column 1
    assert y.tolist() == [[1.0, 0.0], [6.0, 0.0]]
    (y * x).sum().backward()                  # d/dx of [[x00, 0], [2 x10^2, 0]]
    assert x.grad.tolist() == [[1.0, 0.0], [12.0, 0.0]]
    with pytest.raises(RuntimeError, match="fill_: a view of a leaf"):
        x[0].fill_(0.0)


def test_overwriting_a_recorded_tensor_with_a_constant_keeps_it_differentiable(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 2
    y.copy_(gg.tensor([5.0, 6.0], device=device))
    assert y.requires_grad                    # as in PyTorch: backward gives x a zero gradient
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_inplace_op_keeps_its_own_saved_value(device):
    x = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64, device=device, requires_grad=True)
    y = x * 1.0
    y.mul_(y)                                 # y' = y^2: Mul saved y, which the write overwrites
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    w = gg.tensor([2.0, 3.0, 4.0], dtype=gg.float64, device=device, requires_grad=True)
    z = x * 1.0
    z.mul_(w)                                 # dz/dw needs z's old value
    z.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0, 3.0]


def test_inplace_with_a_view_of_itself_as_operand_is_detected(device):
    x = gg.tensor([2.0, 2.0, 3.0], device=device, requires_grad=True)
    y = x * 1.0
    y.mul_(y[0:1])                            # the saved view y[0:1] is overwritten by the write
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_mlp_gradients_equal_the_hand_derived_ones():
    """The per-op overhead benchmark's MLP (784-512-512-10, ReLU, softmax cross-entropy): autograd's loss
    and every parameter gradient equal the hand-written NumPy backward the benchmark compares against."""
    from gpugrad.bench.overhead import _mlp
    (np_step, gg_step), = _mlp(8, with_torch=False).values()
    loss_np, grads_np = np_step()
    loss, grads = gg_step()
    assert loss.item() == pytest.approx(float(loss_np), rel=1e-5)
    for (gw, gb), (nw, nb) in zip(grads, grads_np):
        np.testing.assert_allclose(gw.numpy(), nw, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(gb.numpy(), nb, rtol=1e-4, atol=1e-6)


def test_view_whose_base_changed_in_place_refuses_to_backpropagate(device):
    """The view's graph cannot see a later in-place change of its base (made not through the view):
    backward through the view raises instead of returning a stale gradient."""
    x = gg.tensor([1.0, 2.0, 3.0, 4.0], device=device, requires_grad=True)
    y = x * 1.0
    v = y[0:2]
    w = y.reshape(2, 2)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="the tensor this view was taken from of GetItemBackward"):
        v.sum().backward()
    with pytest.raises(RuntimeError, match="the tensor this view was taken from of ReshapeBackward"):
        w.sum().backward()
    y.sum().backward()                        # the base itself is fine: its graph has the mul_
    assert x.grad.tolist() == [2.0, 2.0, 2.0, 2.0]


def test_writes_through_one_view_are_seen_by_the_others(device):
    x = gg.tensor([1.0, 2.0, 3.0, 4.0], device=device, requires_grad=True)
    y = x * 1.0
    a, b = y[0:2], y[1:3]                     # overlapping views
    a.mul_(3.0)                               # recorded in y's graph; a's own node accepts the write
    (a.sum() + y.sum()).backward()
    assert x.grad.tolist() == [6.0, 6.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()                    # b was taken before the write through a


def test_writes_through_two_views_in_turn_keep_the_base_differentiable(device):
    x = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64, device=device, requires_grad=True)
    y = x * 1.0
    y[0:1].add_(2.0)
    y[1:2].mul_(x[2:3])                       # y = [x0 + 2, x1 x2, x2]
    y.sum().backward()                        # the first view's node is in y's graph: no version error
    assert x.grad.tolist() == [1.0, 3.0, 3.0]


def test_a_view_used_before_its_base_changed_keeps_its_gradient(device):
    x = gg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = x * 1.0
    b = (y[0:2] * 2.0).sum()                  # computed before the change: its graph is right
    y.add_(1.0)
    b.backward()
    assert x.grad.tolist() == [2.0, 2.0, 0.0]
    v = y[0:2]
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="the tensor this view was taken from of GetItemBackward"):
        v.add_(1.0)                           # v's graph predates the mul_: refused, not a stale gradient


def test_view_of_a_parameter_survives_optimizer_updates(device):
    """A view of a leaf (say w.T kept by a module) maps gradients the same way after no_grad updates of w."""
    w = gg.tensor([[1.0, 2.0], [3.0, 4.0]], device=device, requires_grad=True)
    wt = w.T
    for _ in range(2):
        (wt * gg.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)).sum().backward(retain_graph=True)
        with gg.no_grad():
            w.sub_(0.1 * w.grad)
            w.grad = None
    (wt * 1.0).sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_forward_mode_tangents_follow_inplace_writes_through_views(device):
    from gpugrad.autograd.forward_ad import dual_level, make_dual, unpack_dual
    x = gg.tensor([1.0, 2.0, 3.0, 4.0], dtype=gg.float64, device=device, requires_grad=True)
    with dual_level():
        xd = make_dual(x, gg.ones(4, dtype=gg.float64, device=device))
        y = xd * 1.0
        y[0:2].mul_(3.0)
        assert unpack_dual(y).tangent.tolist() == [3.0, 3.0, 1.0, 1.0]
        z = xd * 1.0
        z.reshape(2, 2)[1].add_(xd[0:2] * 5)            # a view of a view
        assert unpack_dual(z).tangent.tolist() == [1.0, 1.0, 6.0, 6.0]
