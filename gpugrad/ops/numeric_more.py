"""Top-level numeric helpers of PyTorch: ``isin`` (membership), ``gradient`` (finite-difference derivatives
of sampled values), ``vander`` (Vandermonde matrices, decreasing powers by default) and ``adjoint``."""
from __future__ import annotations

from .. import _dtype
from ..tensor import Tensor, tensor

__all__ = ["isin", "gradient", "vander", "adjoint"]


def isin(elements=None, test_elements=None, *, assume_unique=False, invert=False, element=None, test_element=None):
    """Whether each of ``elements`` occurs in ``test_elements``, as ``torch.isin`` (NaN occurs nowhere).

    Args:
        elements: a Tensor or a scalar.
        test_elements: a Tensor or a scalar (one of the two must be a Tensor).
        assume_unique: accepted for compatibility (both inputs hold no repeats; the result is the same).
        invert: return "does not occur" instead.
        element: torch's keyword for a scalar ``elements``.
        test_element: torch's keyword for a scalar ``test_elements``.

    Returns:
        A bool Tensor shaped like ``elements`` (0-d for a scalar).

    >>> import gpugrad as gg
    >>> gg.isin(gg.tensor([[1, 2], [3, 4]]), gg.tensor([2, 3]))
    tensor([[False,  True],
            [ True, False]])
    """
    elements = element if elements is None else elements
    test_elements = test_element if test_elements is None else test_elements
    if elements is None or test_elements is None:
        raise TypeError("isin() missing required argument 'elements' or 'test_elements'")
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
                        f"{type(test_elements).__name__}), but expected at least one Tensor")
    like = elements if isinstance(elements, Tensor) else test_elements
    e = elements if isinstance(elements, Tensor) else tensor(elements, device=like.device)
    t = test_elements if isinstance(test_elements, Tensor) else tensor(test_elements, device=like.device)
    for x in (e, t):
        if x.dtype == _dtype.bool_:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    if e.device != t.device:
        raise RuntimeError(f"isin: expected elements and test_elements on the same device, got {e.device} and "
                           f"{t.device}")
    xp = e.xp
    out = xp.isin(e._data, t._data.reshape(-1), assume_unique=bool(assume_unique), invert=bool(invert))
    return Tensor._make(xp.asarray(out), None, False)


def _edge_check(x, dims, edge_order):
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in dims:
        if x.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")


def _spacings(spacing, x, dims):
    """One entry per dim: a float step or a 1-D Tensor of coordinates."""
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                               f"equal to 'self.dim() = {x.dim()}', since dim argument was not given, but got a list "
                               f"of length {len(spacing)}" if len(dims) == x.dim() else
                               f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        kinds = [isinstance(s, Tensor) for s in spacing]
        if any(kinds) and not all(kinds):
            i = kinds.index(False)
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(spacing[i]).__name__}")
        out = []
        for s, d in zip(spacing, dims):
            if isinstance(s, Tensor) and s.dim() != 1:
                raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but got "
                                   f"an element with {s.dim()} dimensions!")
            if isinstance(s, Tensor) and s.shape[0] != x.shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and of the same "
                                   f"size as the input along dim {d}, got {s.shape[0]} and {x.shape[d]}")
            out.append(s)
        return out
    if isinstance(spacing, Tensor):
        spacing = spacing.item()
    return [spacing] * len(dims)


def _along(t, d, ndim):
    """A 1-D tensor shaped to broadcast along dim ``d`` of an ``ndim``-dimensional tensor."""
    shape = [1] * ndim
    shape[d] = -1
    return t.reshape(shape)


def _diff_one(x, d, h, edge_order):
    """The derivative of ``x`` along ``d``: central differences inside, one-sided ones of order ``edge_order``
    at the ends; the uneven-grid formulas (those of numpy.gradient) when ``h`` is a tensor of coordinates."""
    from . import cat
    n = x.shape[d]

    def sl(start, length):
        return x.narrow(d, start, length)

    if not isinstance(h, Tensor):
        inner = (sl(2, n - 2) - sl(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (sl(1, 1) - sl(0, 1)) / h, (sl(n - 1, 1) - sl(n - 2, 1)) / h
        else:
            first = (sl(0, 1) * -1.5 + sl(1, 1) * 2 - sl(2, 1) * 0.5) / h
            last = (sl(n - 3, 1) * 0.5 - sl(n - 2, 1) * 2 + sl(n - 1, 1) * 1.5) / h
        return cat([first, inner, last], d)
    h = h.to(x.dtype)
    dx = h[1:] - h[:-1]
    nd = x.dim()
    dx1, dx2 = _along(dx[:-1], d, nd), _along(dx[1:], d, nd)
    a = -dx2 / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    inner = a * sl(0, n - 2) + b * sl(1, n - 2) + c * sl(2, n - 2)
    if edge_order == 1:
        first = (sl(1, 1) - sl(0, 1)) / _along(dx[:1], d, nd)
        last = (sl(n - 1, 1) - sl(n - 2, 1)) / _along(dx[-1:], d, nd)
    else:
        p1, p2 = dx[0], dx[1]
        a0, b0, c0 = -(2 * p1 + p2) / (p1 * (p1 + p2)), (p1 + p2) / (p1 * p2), -p1 / (p2 * (p1 + p2))
        first = a0 * sl(0, 1) + b0 * sl(1, 1) + c0 * sl(2, 1)
        q1, q2 = dx[-2], dx[-1]
        a1, b1, c1 = q2 / (q1 * (q1 + q2)), -(q2 + q1) / (q1 * q2), (2 * q2 + q1) / (q2 * (q1 + q2))
        last = a1 * sl(n - 3, 1) + b1 * sl(n - 2, 1) + c1 * sl(n - 1, 1)
    return cat([first, inner, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimate the derivative of sampled values along each dimension, as ``torch.gradient``: second-order
    central differences inside, one-sided differences of order ``edge_order`` at the ends. Differentiable.

    Args:
        input: the samples (integer inputs give the default float dtype).
        spacing: the step between samples: a scalar (every dim), a list of scalars (one per dim), or a list of
            1-D tensors of sample coordinates (one per dim).
        dim: an int or a list of ints (default: every dim).
        edge_order: 1 or 2.

    Returns:
        A tuple with one tensor per dim, each shaped like ``input``.

    >>> import gpugrad as gg
    >>> gg.gradient(gg.tensor([1.0, 4.0, 9.0, 16.0]))
    (tensor([3., 4., 6., 7.]),)
    """
    x = input
    if x.dim() == 0:
        return ()
    if not (x.dtype.kind == "f" or _dtype.is_float(x.dtype)):
        x = x.to(_dtype.get_default_dtype())
    dims = list(range(x.dim())) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [d % x.dim() for d in dims]
    _edge_check(x, dims, edge_order)
    return tuple(_diff_one(x, d, h, edge_order) for d, h in zip(dims, _spacings(spacing, x, dims)))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a vector, as ``torch.vander``: columns x^(N-1), ..., x, 1 (or increasing).

    Args:
        x: a 1-D tensor.
        N: the number of columns (default ``len(x)``; 0 gives an empty matrix).
        increasing: powers grow from left to right.

    Returns:
        A (len(x), N) tensor (integer and bool inputs give int64).

    >>> import gpugrad as gg
    >>> gg.vander(gg.tensor([1, 2, 3]), N=3)
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    from .linalg_more import vander as linalg_vander
    from . import flip
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if x.dtype.kind in "biu":        # torch computes integer (and bool) powers in int64
        x = x.to(_dtype.int64)
    if N <= 1:
        return Tensor._make(x.xp.ones((x.shape[0], N), x.dtype), None, False)
    v = linalg_vander(x, N=N)
    return v if increasing else flip(v, (-1,))


def adjoint(input):
    """The conjugate transpose of the last two dims, as ``torch.adjoint`` (a transposed view for real tensors).

    Args:
        input: a tensor of at least 2 dims.

    Returns:
        The tensor with its last two dims swapped.

    >>> import gpugrad as gg
    >>> gg.adjoint(gg.tensor([[1.0, 2.0]]))
    tensor([[1.],
            [2.]])
    """
    if input.dim() < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.dim()}-D tensor.")
    return input.transpose(-2, -1)


#: Tensor methods, merged by ops.methods
NUMERIC_MORE_METHODS = {"adjoint": adjoint}
