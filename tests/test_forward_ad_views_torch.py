"""Forward-mode AD through in-place ops on views, case by case against torch.autograd.forward_ad: a view's
tangent is the same view of its base's tangent, whether or not anything requires grad, whichever of the
two is written, and for views taken before the base had a tangent."""
import numpy as np
import pytest
import torch

import gpugrad as gg


def _cases(m, device):
    """{name: function(forward_ad) -> tensors whose tangents to compare}; each runs inside a dual level."""
    dev = {} if m is torch else {"device": device}
    T = lambda v: m.tensor(v, dtype=m.float64, **dev)                                 # noqa: E731
    Z = lambda *s: m.zeros(*s, dtype=m.float64, **dev)                                 # noqa: E731
    dual = lambda fw, v, t: fw.make_dual(T(v), T(t))                                   # noqa: E731

    def mul_into_view_of_zeros(fw):
        base = Z(4)
        v = base[:2]
        v.mul_(dual(fw, [1.0, 2.0], [1.0, 1.0]))
        return base, v

    def mul_into_view_of_ones(fw):
        base = m.ones(4, dtype=m.float64, **dev)
        base[:2].mul_(dual(fw, [1.0, 2.0], [1.0, 1.0]))
        return (base,)

    def copy_into_view(fw):
        base = Z(4)
        base[:2].copy_(dual(fw, [1.0, 2.0], [3.0, 4.0]))
        return (base,)

    def setitem(fw):
        base = Z(4)
        base[1:3] = dual(fw, [1.0, 2.0], [3.0, 4.0])
        return (base,)

    def view_taken_before_the_base_changed(fw):
        base = Z(4)
        v = base[1:3]
        base.add_(dual(fw, [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]))
        return v, base

    def view_of_a_reshape(fw):
        base = Z(4)
        v = base.view(2, 2)
        v[0:1].add_(dual(fw, [[1.0, 2.0]], [[5.0, 6.0]]))
        return base, v

    def constant_write_into_a_view_of_a_dual(fw):
        b = dual(fw, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
        v = b[:2]
        v.mul_(2.0)
        return b, v

    def zero_a_view_of_a_dual(fw):
        b = dual(fw, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
        b[1:].zero_()
        return (b,)

    def fill_a_view_of_a_dual(fw):
        b = dual(fw, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
        b[:1].fill_(5.0)
        return (b,)

    def setitem_a_constant_after_the_base_got_a_tangent(fw):
        base = Z(4)
        v = base[1:3]
        base.add_(dual(fw, [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]))
        v[0] = 9.0
        return base, v

    def transposed_view(fw):
        base = Z(2, 2)
        base.t()[0].copy_(dual(fw, [1.0, 2.0], [1.0, 2.0]))
        return (base,)

    def column_then_row_of_the_transpose(fw):
        base = Z(3, 3)
        base[:, 1].add_(dual(fw, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]))
        return base, base.t()[1]

    def view_of_a_view_then_an_op_on_the_base(fw):
        base = Z(4)
        v = base[1:]
        v[1:2].add_(dual(fw, [1.0], [7.0]))
        return base, v, (base * 2).sum()

    def diagonal(fw):
        base = Z(2, 2)
        base.diagonal().copy_(dual(fw, [1.0, 2.0], [1.0, 2.0]))
        return (base,)

    def unfold(fw):
        base = Z(5)
        u = base.unfold(0, 2, 2)
        u[1].copy_(dual(fw, [1.0, 2.0], [3.0, 4.0]))
        return base, u

    def unsqueeze(fw):
        base = Z(2)
        base.unsqueeze(0).copy_(dual(fw, [[1.0, 2.0]], [[1.0, 1.0]]))
        return (base,)

    def sibling_views(fw):
        base = Z(4)
        a, b = base[:2], base[1:3]
        a.copy_(dual(fw, [1.0, 2.0], [1.0, 1.0]))
        return base, b

    def ops_on_a_view_read_the_bases_tangent(fw):
        base = m.ones(3, dtype=m.float64, **dev)
        v = base[1:]
        base.mul_(dual(fw, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0]))
        return ((v * v).sum(),)

    def row_times_a_dual_scalar(fw):
        base = m.ones(2, 2, dtype=m.float64, **dev)
        base[0].mul_(fw.make_dual(T(2.0), T(1.0)))
        return (base,)

    def view_of_a_dual_itself(fw):
        d = dual(fw, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
        d[0:2].mul_(3.0)
        return (d,)

    def leaf_requiring_grad_under_no_grad(fw):
        base = m.zeros(4, dtype=m.float64, requires_grad=True, **dev)
        with m.no_grad():
            base[:2].copy_(dual(fw, [1.0, 2.0], [1.0, 1.0]))
        return (base,)

    def recorded_view_of_a_computed_tensor(fw):
        base = m.zeros(4, dtype=m.float64, requires_grad=True, **dev) * 1
        base[:2].mul_(dual(fw, [1.0, 2.0], [1.0, 1.0]))
        return (base,)

    def detached_alias_has_no_tangent(fw):
        base = Z(2)
        d = base.detach()
        base.copy_(dual(fw, [1.0, 2.0], [1.0, 1.0]))
        return base, d

    return {k: v for k, v in locals().items() if callable(v) and k not in ("T", "Z", "dual")}


CASES = sorted(_cases(torch, "cpu"))


def _tangents(m, device, name):
    fw = m.autograd.forward_ad
    with fw.dual_level():
        outs = _cases(m, device)[name](fw)
        res = []
        for o in outs:
            t = fw.unpack_dual(o).tangent
            res.append(None if t is None else (t.detach().cpu().numpy() if m is gg else t.detach().numpy()))
        return res


@pytest.mark.parametrize("name", CASES)
def test_tangents_through_inplace_writes_on_views_match_torch(name, device):
    got, want = _tangents(gg, device, name), _tangents(torch, "cpu", name)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert (g is None) == (w is None), f"{name}[{i}]: {g} vs torch's {w}"
        if w is not None:
            np.testing.assert_array_equal(g, w, err_msg=f"{name}[{i}]")


def test_view_links_are_made_only_inside_a_dual_level():
    """Outside a dual level views stay unlinked (nothing to pay per view op); after one, the tangents are
    gone and the links lead to no tangent."""
    base = gg.zeros(3)
    assert getattr(base[:2], "_fw_view", None) is None
    fw = gg.autograd.forward_ad
    with fw.dual_level():
        v = base[:2]
        v.copy_(fw.make_dual(gg.ones(2), gg.ones(2)))
        assert fw.unpack_dual(base).tangent is not None
    assert fw.unpack_dual(base).tangent is None and fw.unpack_dual(v).tangent is None


def test_view_of_a_reduction_with_a_size_one_dim_reads_the_right_tangent():
    """A keepdim reduction of a transposed primal gives an output whose size-1 dim has an arbitrary stride;
    its view's tangent must not be read with that stride from the (differently laid out) tangent."""
    import itertools
    import gpugrad.autograd.forward_ad as fwAD
    import torch.autograd.forward_ad as tfw
    a, t = np.arange(12.0).reshape(3, 4), np.arange(1.0, 13.0).reshape(3, 4)

    def run(T, fw, pt, tt, dim, shape):
        def mk(v, tr):
            return T.tensor(v.T.copy()).T if tr else T.tensor(v)
        with fw.dual_level():
            x = fw.make_dual(mk(a, pt), mk(t, tt))
            y = T.sum(x, (dim,), keepdim=True).reshape(shape)
            return fw.unpack_dual(y).tangent.numpy()

    for pt, tt, (dim, shape) in itertools.product([0, 1], [0, 1], [(0, (4,)), (0, (2, 2)), (1, (3, 1)), (1, (3,))]):
        np.testing.assert_array_equal(run(gg, fwAD, pt, tt, dim, shape), run(torch, tfw, pt, tt, dim, shape))
