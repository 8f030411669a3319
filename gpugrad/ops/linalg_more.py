"""``torch.linalg``'s norms and matrix helpers (served as :mod:`gpugrad.linalg`): vector_norm, matrix_norm,
norm, cond, matrix_power, multi_dot, cross, vecdot, diagonal, vander. Compositions of the op library and of
:mod:`.linalg_api`: each gradient is that of the ops it is made of, as PyTorch's (amax/amin split ties
evenly, the 2-norms and the nuclear norm go through the SVD)."""
from __future__ import annotations

import math

import numpy as _np

from .. import _dtype
from ..tensor import Tensor
from . import shape as S, arithmetic as Ar, reduction as R
from ._util import write_out, shape_str, promote_pair
from .linalg_core import _const
from .linalg_api import check_matrix, svdvals, inv


def _dims(op, ndim, dim):
    d = (dim,) if isinstance(dim, int) else tuple(dim)
    for a in d:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                             f"{max(ndim, 1) - 1}], but got {a})")
    return tuple(a % max(ndim, 1) for a in d)


def _floating(op, x, dtype):
    if dtype is not None:
        dt = _dtype.as_dtype(dtype)
        if not _dtype.is_float(dt):
            raise RuntimeError(f"{op}: dtype should be floating point or complex, but got {dt}")
        x = x.to(dt)
    if not _dtype.is_float(x.dtype):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {x.dtype}")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The vector ``ord``-norm over ``dim`` (all elements by default), as ``torch.linalg.vector_norm``:
    (sum |x|^ord)^(1/ord); inf / -inf the largest / smallest |x|; 0 the number of nonzeros.

    Args:
        x: a floating tensor.
        ord: the order, any real number or +-inf.
        dim: a dim or a tuple of dims (None: all).
        keepdim: keep the reduced dims with size 1.
        dtype: compute in this floating dtype.
        out: an optional tensor the result is written into.

    Returns:
        A tensor (0-d without dim).

    >>> import gpugrad as gg
    >>> gg.linalg.vector_norm(gg.tensor([3.0, -4.0]))
    tensor(5.)
    >>> gg.linalg.vector_norm(gg.tensor([3.0, -4.0]), ord=float("inf"))
    tensor(4.)
    """
    x = _floating("linalg.vector_norm", x, dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    dims = None if dim is None else _dims("linalg.vector_norm", x.ndim, dim)
    if dims is None and keepdim:
        dims = tuple(range(x.ndim))
    ord = float(ord)
    if x.numel() == 0 and (ord < 0 or ord == math.inf):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           f"operation does not have an identity")
    a = Ar.abs(x)
    if ord == math.inf:
        res = R.amax(a, dims if dims is not None else tuple(range(x.ndim)), keepdim)
    elif ord == -math.inf:
        res = R.amin(a, dims if dims is not None else tuple(range(x.ndim)), keepdim)
    elif ord == 0:
        nonzero = _const((x._data != 0).astype(x.dtype))      # the count, with a zero gradient (PyTorch's)
        res = R.sum(Ar.where(_const(x.xp.zeros((), bool)), x, nonzero), dims, keepdim)
    elif ord > 0:
        res = R.norm(x, ord, dims, keepdim)
    else:
        res = R.sum(a ** ord, dims, keepdim) ** (1.0 / ord)
    return write_out(res, out, "linalg.vector_norm")


def _move_to_end(a, d0, d1):
    order = [i for i in range(a.ndim) if i not in (d0, d1)] + [d0, d1]
    return S.permute(a, tuple(order))


def _keep_dims(res, d0, d1, keepdim):
    if keepdim:
        for d in sorted((d0, d1)):
            res = S.unsqueeze(res, d)
    return res


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """The matrix norm of each matrix (over the two dims ``dim``), as ``torch.linalg.matrix_norm``: 'fro'
    (Frobenius), 'nuc' (sum of singular values), inf / -inf (max / min row sum of |A|), 1 / -1 (max / min
    column sum), 2 / -2 (largest / smallest singular value).

    Args:
        A: a floating tensor of at least 2 dims.
        ord: 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2.
        dim: the two dims holding the matrices.
        keepdim: keep the reduced dims with size 1.
        dtype: compute in this floating dtype.
        out: an optional tensor the result is written into.

    Returns:
        A tensor of the remaining dims.

    >>> import gpugrad as gg
    >>> gg.linalg.matrix_norm(gg.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    A = _floating("linalg.matrix_norm", A, dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = _dims("linalg.matrix_norm", A.ndim, dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return write_out(vector_norm(A, 2, (d0, d1), keepdim), out, "linalg.matrix_norm")
    if ord in ("nuc", 2, -2, 2.0, -2.0):
        s = svdvals(_move_to_end(A, d0, d1))
        res = s.sum(-1) if ord == "nuc" else R.amax(s, -1) if ord > 0 else R.amin(s, -1)
        return write_out(_keep_dims(res, d0, d1, keepdim), out, "linalg.matrix_norm")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if A.numel() == 0 and ord in (1, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: cannot compute the {ord} norm on an empty tensor")
    sum_dim, max_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = R.sum(Ar.abs(A), sum_dim, keepdim=True)
    res = (R.amax if ord > 0 else R.amin)(sums, max_dim, keepdim=True)
    if not keepdim:
        res = S.squeeze(res, (d0, d1))
    return write_out(res, out, "linalg.matrix_norm")


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector or a matrix norm, as ``torch.linalg.norm``: a matrix norm when ``dim`` has two dims (or, without
    dim, when ``ord`` is given and A is 2-D), else the vector norm (the 2-norm of all elements by default).

    Args:
        A: a floating tensor.
        ord: the order (see :func:`vector_norm` and :func:`matrix_norm`).
        dim: a dim or two dims.
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into.
        dtype: compute in this floating dtype.

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.norm(gg.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    >>> gg.linalg.norm(gg.tensor([[3.0, 0.0], [0.0, 4.0]]), ord="nuc")
    tensor(7.)
    """
    if dim is not None:
        d = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(d) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, d, keepdim, dtype=dtype, out=out)
        if len(d) != 1:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(d)}")
        return vector_norm(A, 2 if ord is None else ord, d, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    if A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """The condition number of each matrix in the ``p`` norm, as ``torch.linalg.cond``: s_max / s_min for
    p None or 2 (s_min / s_max for -2), else ||A||_p ||A^{-1}||_p (square A).

    Args:
        A: a (*, m, n) floating tensor.
        p: None, 2, -2, 'fro', 'nuc', inf, -inf, 1 or -1.
        out: an optional tensor the result is written into.

    Returns:
        A (*) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.cond(gg.tensor([[4.0, 0.0], [0.0, 2.0]]))
    tensor(2.)
    """
    check_matrix("linalg.cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        res = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    else:
        res = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return write_out(res, out, "linalg.cond")


def matrix_power(A, n, *, out=None):
    """A^n for each square matrix by repeated squaring, as ``torch.linalg.matrix_power``: n = 0 gives the
    identity (with a zero gradient for A, as PyTorch), n < 0 the power of the inverse.

    Args:
        A: a (*, m, m) tensor.
        n: the integer exponent.
        out: an optional tensor the result is written into.

    Returns:
        A (*, m, m) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.matrix_power(gg.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    if not isinstance(A, Tensor) or A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, got shape "
                           f"{shape_str(A.shape) if isinstance(A, Tensor) else type(A).__name__}")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:     # PyTorch's A.clone().copy_(I): the identity, recorded, and a zero gradient (not None) for A
        eye = _const(A.xp.broadcast_to(A.xp.eye(A.shape[-1], dtype=A.dtype), A.shape))
        return write_out(A.clone().copy_(eye), out, "linalg.matrix_power")
    if n < 0:
        A, n = inv(A), -n
    result, z = None, A
    while True:                    # binary powering: result *= z for each set bit of n, z squared each step
        if n & 1:
            result = z if result is None else result @ z
        n >>= 1
        if not n:
            break
        z = z @ z
    return write_out(result if result is not A else A * 1, out, "linalg.matrix_power")


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices, as ``torch.linalg.multi_dot``: the first may be a 1-D row
    vector and the last a 1-D column vector (their dims then dropped from the result).

    Args:
        tensors: a sequence of two or more tensors.
        out: an optional tensor the result is written into.

    Returns:
        The product.

    >>> import gpugrad as gg
    >>> gg.linalg.multi_dot([gg.ones(2), gg.ones(2, 3), gg.ones(3)])
    tensor(6.)
    """
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    if first:
        ts[0] = S.unsqueeze(ts[0], 0)
    if last:
        ts[-1] = S.unsqueeze(ts[-1], -1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    res = ts[0]
    for t in ts[1:]:
        res = Ar.matmul(res, t)
    if first:
        res = S.squeeze(res, 0)
    if last:
        res = S.squeeze(res, -1)
    return write_out(res, out, "multi_dot")


def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim``, as ``torch.linalg.cross`` (the other dims broadcast).

    Args:
        input: a tensor with size 3 at dim.
        other: a tensor with size 3 at dim.
        dim: the dim holding the vectors.
        out: an optional tensor the result is written into.

    Returns:
        The broadcast tensor of cross products.

    >>> import gpugrad as gg
    >>> gg.linalg.cross(gg.tensor([1.0, 0.0, 0.0]), gg.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = _np.broadcast_shapes(input.shape, other.shape)
    (d,) = _dims("linalg.cross", len(shape), dim)
    sizes = [t.shape[d] for t in (input, other)]
    if sizes != [3, 3]:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sizes[0]} and "
                           f"{sizes[1]}")
    if input.dtype != other.dtype:
        input, other = promote_pair(input, other)
    input, other = (t if t.shape == shape else S.expand(t, shape) for t in (input, other))
    a, b = ([x[(slice(None),) * d + (i,)] for i in range(3)] for x in (input, other))
    res = S.stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], d)
    return write_out(res, out, "linalg.cross")


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim`` (the other dims broadcast), as ``torch.linalg.vecdot``.

    Args:
        x: a tensor.
        y: a tensor broadcastable with x.
        dim: the dim holding the vectors.
        out: an optional tensor the result is written into.

    Returns:
        The broadcast tensor without dim.

    >>> import gpugrad as gg
    >>> gg.linalg.vecdot(gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{x.dtype} and y of type {y.dtype} instead.")
    return write_out(R.sum(x * y, dim), out, "linalg.vecdot")


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal (``offset`` above the main one; below when negative) of the matrices in dims ``dim1``,
    ``dim2``, as ``torch.linalg.diagonal``: those dims removed, the diagonal appended as the last dim.

    Args:
        A: a tensor of at least 2 dims.
        offset: which diagonal.
        dim1: the rows' dim.
        dim2: the columns' dim.

    Returns:
        A tensor (a differentiable copy: gradients flow back to the diagonal).

    >>> import gpugrad as gg
    >>> gg.linalg.diagonal(gg.tensor([[1.0, 2.0], [3.0, 4.0]]), offset=1)
    tensor([2.])
    """
    d1, d2 = _dims("linalg.diagonal", A.ndim, (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = _move_to_end(A, d1, d2)
    n, m = x.shape[-2:]
    rows = _np.arange(max(0, min(n + min(offset, 0), m - max(offset, 0))))
    xp = A.xp
    r = _const(xp.asarray(rows - min(offset, 0)))
    c = _const(xp.asarray(rows + max(offset, 0)))
    return x[..., r, c]


def vander(x, N=None):
    """The Vandermonde matrix of each vector, as ``torch.linalg.vander``: columns x^0, x^1, ..., x^(N-1)
    (increasing powers), built by repeated products.

    Args:
        x: a (*, n) tensor.
        N: the number of columns (default n; more than 1).

    Returns:
        A (*, n, N) tensor.

    >>> import gpugrad as gg
    >>> gg.linalg.vander(gg.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [1, 2, 4],
            [1, 3, 9]])
    """
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x.dtype == _np.bool_:
        x = x.to(_np.int64)
    cols = [_const(x.xp.ones(x.shape, x.dtype)), x]
    while len(cols) < N:
        cols.append(cols[-1] * x)
    return S.stack(cols, -1)
