"""PyTorch's top-level linear algebra (``torch.det``, ``torch.svd``, ``torch.addmv``, ``torch.kron``...) and the
Tensor methods of the same names: products (addmv, addr, addbmm, baddbmm and their in-place forms, kron,
tensordot, chain_matmul) and the older spellings of :mod:`gpugrad.linalg` (inverse, pinverse, cholesky_solve,
triangular_solve, svd with V...). Compositions: each gradient is that of the ops it is made of."""
from __future__ import annotations

import warnings

import numpy as _np

from ..tensor import Tensor
from . import shape as S, arithmetic as Ar
from ._util import write_out, shape_str
from .linalg_core import SolveTriangular, Solve, mT, tri, broadcast_batch, _const
from . import linalg_api as LA, linalg_more as M
from .. import return_types

SvdOldResult = return_types.svd
QrOldResult = return_types.qr
SlogdetOldResult = return_types.slogdet
TriangularSolveResult = return_types.triangular_solve


# -- products ------------------------------------------------------------------------------------------------------
def _scaled_sum(op, input, prod, beta, alpha):
    """beta * input + alpha * prod (input ignored, even NaN in it, when beta == 0, as PyTorch)."""
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:       # input ignored, NaN included; its gradient is zeros (as PyTorch's beta * g)
        return Ar.where(_const(prod.xp.zeros((), bool)), input, prod) if input.requires_grad else prod
    try:
        return Ar.add(input * beta if beta != 1 else input, prod)
    except RuntimeError:
        raise RuntimeError(f"{op}: the added tensor of shape {shape_str(input.shape)} does not broadcast to the "
                           f"product's shape {shape_str(prod.shape)}") from None


def _ndims(op, **named):
    for name, (t, want) in named.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be a Tensor, not {type(t).__name__}")
        if t.ndim != want:
            raise RuntimeError(f"{op}: {name} must be a {want}-D tensor, got shape {shape_str(t.shape)}")


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``, as ``torch.addmv``.

    Args:
        input: a tensor broadcastable to (n,).
        mat: an (n, m) matrix.
        vec: an (m,) vector.
        beta: the scale of input (0: input ignored).
        alpha: the scale of the product.
        out: an optional tensor the result is written into.

    Returns:
        An (n,) tensor.

    >>> import gpugrad as gg
    >>> gg.addmv(gg.ones(2), gg.ones(2, 3), gg.ones(3), alpha=2)
    tensor([7., 7.])
    """
    _ndims("addmv", mat=(mat, 2), vec=(vec, 1))
    return write_out(_scaled_sum("addmv", input, Ar.matmul(mat, vec), beta, alpha), out, "addmv")


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``, as ``torch.addr``.

    Args:
        input: a tensor broadcastable to (n, m).
        vec1: an (n,) vector.
        vec2: an (m,) vector.
        beta: the scale of input (0: input ignored).
        alpha: the scale of the outer product.
        out: an optional tensor the result is written into.

    Returns:
        An (n, m) tensor.

    >>> import gpugrad as gg
    >>> gg.addr(gg.zeros(2, 2), gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    _ndims("addr", vec1=(vec1, 1), vec2=(vec2, 1))
    return write_out(_scaled_sum("addr", input, S.unsqueeze(vec1, -1) * S.unsqueeze(vec2, 0), beta, alpha), out,
                     "addr")


def _batches(op, b1, b2):
    _ndims(op, batch1=(b1, 3), batch2=(b2, 3))
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"{op}: expected batch1 (b, n, m) and batch2 (b, m, p), got {shape_str(b1.shape)} and "
                           f"{shape_str(b2.shape)}")
    return Ar.matmul(b1, b2)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``, as ``torch.addbmm``.

    Args:
        input: a tensor broadcastable to (n, p).
        batch1: a (b, n, m) tensor.
        batch2: a (b, m, p) tensor.
        beta: the scale of input (0: input ignored).
        alpha: the scale of the summed products.
        out: an optional tensor the result is written into.

    Returns:
        An (n, p) tensor.

    >>> import gpugrad as gg
    >>> gg.addbmm(gg.zeros(2, 2), gg.ones(3, 2, 4), gg.ones(3, 4, 2))
    tensor([[12., 12.],
            [12., 12.]])
    """
    return write_out(_scaled_sum("addbmm", input, _batches("addbmm", batch1, batch2).sum(0), beta, alpha), out,
                     "addbmm")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (batch1 @ batch2)``, batch by batch, as ``torch.baddbmm``.

    Args:
        input: a tensor broadcastable to (b, n, p).
        batch1: a (b, n, m) tensor.
        batch2: a (b, m, p) tensor.
        beta: the scale of input (0: input ignored).
        alpha: the scale of the products.
        out: an optional tensor the result is written into.

    Returns:
        A (b, n, p) tensor.

    >>> import gpugrad as gg
    >>> gg.baddbmm(gg.ones(1, 2), gg.ones(3, 2, 4), gg.ones(3, 4, 2), beta=0.5).shape
    gpugrad.Size([3, 2, 2])
    """
    return write_out(_scaled_sum("baddbmm", input, _batches("baddbmm", batch1, batch2), beta, alpha), out,
                     "baddbmm")


def chain_matmul(*matrices, out=None):
    """The product of a chain of 2-D matrices, as the deprecated ``torch.chain_matmul`` (which warns, as here):
    use :func:`gpugrad.linalg.multi_dot`.

    Args:
        *matrices: two-dimensional tensors.
        out: an optional tensor the result is written into.

    Returns:
        The product.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.chain_matmul(gg.ones(2, 3), gg.ones(3, 1)).shape
    gpugrad.Size([2, 1])
    """
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Expected all tensors to be 2D, but tensor {i} is {m.ndim}D")
    if len(matrices) == 1:
        return write_out(matrices[0].clone(), out, "chain_matmul")
    return M.multi_dot(matrices, out=out)


def kron(input, other, *, out=None):
    """The Kronecker product, as ``torch.kron``: over every dim (the shorter shape padded with leading ones),
    result[..., i*p+k, ...] = input[..., i, ...] * other[..., k, ...].

    Args:
        input: a tensor.
        other: a tensor.
        out: an optional tensor the result is written into.

    Returns:
        A tensor whose sizes are the products of the (padded) sizes.

    >>> import gpugrad as gg
    >>> gg.kron(gg.eye(2), gg.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 0., 0.],
            [0., 0., 1., 2.]])
    """
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = S.reshape(input, tuple(x for n in sa for x in (n, 1)))
    b = S.reshape(other, tuple(x for n in sb for x in (1, n)))
    return write_out(S.reshape(a * b, tuple(p * q for p, q in zip(sa, sb))), out, "kron")


def tensordot(a, b, dims=2, out=None):
    """The contraction of ``a`` and ``b`` over several dims, as ``torch.tensordot``: ``dims`` an int (a's last
    dims with b's first) or a pair of lists of dims.

    Args:
        a: a tensor.
        b: a tensor.
        dims: the number of dims to contract, or ``([dims of a], [dims of b])``.
        out: an optional tensor the result is written into.

    Returns:
        A tensor of a's free dims then b's.

    >>> import gpugrad as gg
    >>> gg.tensordot(gg.ones(2, 3, 4), gg.ones(3, 4, 5)).shape
    gpugrad.Size([2, 5])
    >>> gg.tensordot(gg.ones(2, 3), gg.ones(3, 2), dims=([0], [1])).shape
    gpugrad.Size([3, 3])
    """
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError(f"tensordot expects dims to be an int or a pair of lists, got {dims!r}")
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
        da = [d % max(a.ndim, 1) for d in da]
        db = [d % max(b.ndim, 1) for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = int(_np.prod([a.shape[d] for d in da]))
    a2 = S.reshape(S.permute(a, tuple(fa + da)), (-1, k) if k else (int(_np.prod([a.shape[d] for d in fa])), 0))
    b2 = S.reshape(S.permute(b, tuple(db + fb)), (k, -1) if k else (0, int(_np.prod([b.shape[d] for d in fb]))))
    res = S.reshape(Ar.matmul(a2, b2), tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb))
    return write_out(res, out, "tensordot")


# -- the older spellings ----------------------------------------------------------------------------------------------
def det(input):
    """The determinant of each square matrix, as ``torch.det`` (see :func:`gpugrad.linalg.det`).

    Args:
        input: a (*, n, n) floating tensor.

    Returns:
        A (*) tensor.

    >>> import gpugrad as gg
    >>> gg.det(gg.tensor([[2.0, 1.0], [0.0, 3.0]]))
    tensor(6.)
    """
    return LA.det(input)


def inverse(input, *, out=None):
    """The inverse of each square matrix, as ``torch.inverse`` (see :func:`gpugrad.linalg.inv`).

    Args:
        input: a (*, n, n) floating tensor.
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, n) tensor.

    >>> import gpugrad as gg
    >>> gg.inverse(gg.tensor([[4.0]]))
    tensor([[0.2500]])
    """
    return LA.inv(input, out=out)


def matrix_power(input, n, *, out=None):
    """A^n, as ``torch.matrix_power`` (see :func:`gpugrad.linalg.matrix_power`).

    Args:
        input: a (*, m, m) tensor.
        n: the integer exponent.
        out: an optional tensor the result is written into.

    Returns:
        A (*, m, m) tensor.

    >>> import gpugrad as gg
    >>> gg.matrix_power(gg.tensor([[2.0]]), -1)
    tensor([[0.5000]])
    """
    return M.matrix_power(input, n, out=out)


def matrix_exp(input):
    """exp(A) of each square matrix, as ``torch.matrix_exp`` (see :func:`gpugrad.linalg.matrix_exp`).

    Args:
        input: a (*, n, n) floating tensor.

    Returns:
        A (*, n, n) tensor.

    >>> import gpugrad as gg
    >>> gg.matrix_exp(gg.zeros(1, 1))
    tensor([[1.]])
    """
    return LA.matrix_exp(input)


def logdet(input):
    """log(det(A)) of each square matrix, as ``torch.logdet``: NaN for a negative determinant, -inf for a zero one.

    Args:
        input: a (*, n, n) floating tensor.

    Returns:
        A (*) tensor.

    >>> import gpugrad as gg
    >>> gg.logdet(gg.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor(0.)
    """
    sign, logabs = LA.slogdet(input)
    return logabs + _const(input.xp.where(sign._data < 0, input.xp.nan, 0).astype(logabs.dtype))


def slogdet(input):
    """``(sign, logabsdet)`` of each square matrix, as ``torch.slogdet`` (see :func:`gpugrad.linalg.slogdet`).

    Args:
        input: a (*, n, n) floating tensor.

    Returns:
        A named tuple ``(sign, logabsdet)``.

    >>> import gpugrad as gg
    >>> gg.slogdet(gg.tensor([[-1.0, 0.0], [0.0, 1.0]])).sign
    tensor(-1.)
    """
    return SlogdetOldResult(*LA.slogdet(input))


def pinverse(input, rcond=1e-15):
    """The pseudo-inverse, as ``torch.pinverse``: :func:`gpugrad.linalg.pinv` with ``rtol=rcond``.

    Args:
        input: a (*, m, n) floating tensor.
        rcond: the relative threshold of the singular values.

    Returns:
        A (*, n, m) tensor.

    >>> import gpugrad as gg
    >>> gg.pinverse(gg.tensor([[2.0]]))
    tensor([[0.5000]])
    """
    return LA.pinv(input, rtol=rcond)


def cholesky(input, upper=False, *, out=None):
    """The Cholesky factor, as ``torch.cholesky`` (see :func:`gpugrad.linalg.cholesky`).

    Args:
        input: a (*, n, n) symmetric positive-definite tensor.
        upper: return U (A = U^T U) instead of L.
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, n) triangular tensor.

    >>> import gpugrad as gg
    >>> gg.cholesky(gg.tensor([[4.0]]))
    tensor([[2.]])
    """
    return LA.cholesky(input, upper=upper, out=out)


def _triangle_as_read(f, upper):
    """The triangle PyTorch reads of a Cholesky factor, with the gradient of the whole matrix passed through
    (PyTorch's cholesky_solve/cholesky_inverse gradients are full matrices)."""
    rest = tri(f, lower=upper, k=-1 if upper else 1)          # the triangle not read
    return f - rest.detach()


def cholesky_solve(input, input2, upper=False, *, out=None):
    """The solution X of A X = B given A's Cholesky factor (A = L L^T, or U^T U with ``upper``), as
    ``torch.cholesky_solve`` (batch dims broadcast).

    Args:
        input: B, a (*, n, k) tensor.
        input2: L, a (*, n, n) triangular tensor (only its triangle read).
        upper: L is the upper factor.
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, k) tensor.

    >>> import gpugrad as gg
    >>> gg.cholesky_solve(gg.tensor([[4.0]]), gg.tensor([[2.0]]))
    tensor([[1.]])
    """
    B, L = input, input2
    LA.check_matrix("cholesky_solve", L)
    f = _triangle_as_read(L, upper)
    low = mT(f) if upper else f
    a, b = broadcast_batch(low, B)
    y = Solve.apply(a, b, "cholesky_solve", "singular")
    return write_out(Solve.apply(mT(a), y, "cholesky_solve", "singular"), out, "cholesky_solve")


def cholesky_inverse(input, upper=False, *, out=None):
    """The inverse of A from its Cholesky factor (A = L L^T, or U^T U with ``upper``), as
    ``torch.cholesky_inverse``.

    Args:
        input: L, a (*, n, n) triangular tensor (only its triangle read).
        upper: L is the upper factor.
        out: an optional tensor the result is written into.

    Returns:
        A (*, n, n) tensor.

    >>> import gpugrad as gg
    >>> gg.cholesky_inverse(gg.tensor([[2.0]]))
    tensor([[0.2500]])
    """
    eye = S.expand(_const(input.xp.eye(input.shape[-1], dtype=input.dtype)), input.shape)
    return cholesky_solve(eye, input, upper, out=out)


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """The solution of A X = b (A^T X = b with ``transpose``) for a triangular A, and a copy of A, as the
    deprecated ``torch.triangular_solve`` (see :func:`gpugrad.linalg.solve_triangular`).

    Args:
        input: b, a (*, n, k) tensor.
        A: a (*, n, n) triangular tensor.
        upper: A is upper triangular.
        transpose: solve with A^T.
        unitriangular: take A's diagonal as ones.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(solution, cloned_coefficient)``.

    >>> import gpugrad as gg
    >>> gg.triangular_solve(gg.tensor([[2.0]]), gg.tensor([[4.0]])).solution
    tensor([[0.5000]])
    """
    LA.check_matrix("triangular_solve", A)
    a = mT(A) if transpose else A
    a, bb = broadcast_batch(a, input)
    x = SolveTriangular.apply(a, bb, upper != transpose, unitriangular)
    return write_out(TriangularSolveResult(x, A.clone()), out, "triangular_solve")


def svd(input, some=True, compute_uv=True, *, out=None):
    """The SVD as the older ``torch.svd``: ``(U, S, V)`` with A = U diag(S) V^T (V, not Vh); ``some`` the
    reduced form; without ``compute_uv`` U and V are zero (m, m) and (n, n) matrices.

    Args:
        input: a (*, m, n) floating tensor.
        some: reduced (True) or full U and V.
        compute_uv: compute U and V.
        out: an optional triple of tensors the results are written into.

    Returns:
        A named tuple ``(U, S, V)``.

    >>> import gpugrad as gg
    >>> gg.svd(gg.tensor([[0.0, 3.0], [1.0, 0.0]])).S
    tensor([3., 1.])
    """
    if not compute_uv:
        xp, (m, n) = input.xp, input.shape[-2:]
        res = SvdOldResult(_const(xp.zeros(input.shape[:-2] + (m, m), input.dtype)), LA.svdvals(input),
                           _const(xp.zeros(input.shape[:-2] + (n, n), input.dtype)))
    else:
        u, s, vh = LA.svd(input, full_matrices=not some)
        res = SvdOldResult(u, s, mT(vh))
    return write_out(res, out, "svd")


def qr(input, some=True, *, out=None):
    """The QR decomposition as the older ``torch.qr``: reduced (``some``) or complete.

    Args:
        input: a (*, m, n) floating tensor.
        some: the reduced form (True) or the complete one.
        out: an optional pair of tensors the results are written into.

    Returns:
        A named tuple ``(Q, R)``.

    >>> import gpugrad as gg
    >>> gg.qr(gg.eye(2)).R
    tensor([[1., 0.],
            [0., 1.]])
    """
    return write_out(QrOldResult(*LA.qr(input, "reduced" if some else "complete")), out, "qr")


def cross(input, other, dim=None, *, out=None):
    """The cross product of 3-vectors, as ``torch.cross``: along ``dim``, or (deprecated, with PyTorch's
    warning) along the first dim of size 3.

    Args:
        input: a tensor.
        other: a tensor of the same number of dims.
        dim: the dim holding the vectors.
        out: an optional tensor the result is written into.

    Returns:
        The cross products.

    >>> import gpugrad as gg
    >>> gg.cross(gg.tensor([[0.0, 1.0, 0.0]]), gg.tensor([[0.0, 0.0, 1.0]]), dim=1)
    tensor([[1., 0., 0.]])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change "
                      "to agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = _np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input")
    return M.cross(input, other, dim=dim, out=out)
