"""Scans: the running sum along a dim (``cumsum``), with its derivative beside it."""
from __future__ import annotations

from ..autograd.op import Op
from ._util import dims, write_out


class Cumsum(Op):
    """y_i = sum_{j <= i} x_j along ``axis``: dL/dx_j = sum_{i >= j} g_i, the running sum of g taken from the
    end (a flipped cumsum of the flipped g)."""

    def forward(self, x, axis):
        self.axis = axis
        return self.xp.cumsum(x, axis=axis)

    def backward(self, g):
        xp, a = self.xp, self.axis
        return xp.flip(xp.cumsum(xp.flip(g, a), axis=a), a)

    def jvp(self, t, taxis):        # linear: the tangent's running sum
        return self.xp.cumsum(t, axis=self.axis)


def cumsum(input, dim, *, dtype=None, out=None):
    """The running sum along ``dim``: element i is the sum of elements 0..i.

    Args:
        input: the input tensor.
        dim: the dim to sum along.
        dtype: the result's dtype (the input is cast to it first; integers and bools default to int64).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape (differentiable).

    >>> import gpugrad as gg
    >>> gg.cumsum(gg.tensor([[1.0, 2.0, 3.0]]), dim=1)
    tensor([[1., 3., 6.]])
    """
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "iub":        # as in PyTorch, integers and bools sum in int64
        x = x.to("int64")
    if x.ndim == 0:
        dims("cumsum", 0, dim)               # dim 0 or -1 of a 0-d tensor: the value itself
        res = x.clone()
    else:
        res = Cumsum.apply(x, dims("cumsum", x.ndim, dim)[0])
    return res if out is None else write_out(res, out, "cumsum")
