"""The Tensor methods of PyTorch's top-level linear algebra (``x.det()``, ``x.addmv_(mat, vec)``...), merged into
Tensor by :mod:`gpugrad.ops.methods` (``LINALG_METHODS``): the in-place products and the methods whose
signature differs from the function's."""
from __future__ import annotations

from ..tensor import Tensor
from . import _inplace
from .linalg_torch import (addmv, addr, addbmm, baddbmm, kron, det, logdet, slogdet, inverse, pinverse,
                           matrix_power, matrix_exp, cholesky, cholesky_solve, cholesky_inverse, svd, qr,
                           triangular_solve, cross)


# -- Tensor methods --------------------------------------------------------------------------------------------------
def _inplace_product(self, fn, a, b, beta, alpha):
    """``self = fn(self, a, b, beta=beta, alpha=alpha)`` in place (version bump, PyTorch's leaf error)."""
    def op(t, a, b):
        return fn(t, a, b, beta=beta, alpha=alpha)
    op.__name__ = fn.__name__ + "_"
    return _inplace(self, op, a, b)


def _addmv_(self, mat, vec, *, beta=1, alpha=1):
    """In place: :func:`gpugrad.addmv` with this tensor as input; returns it.

    Args:
        mat: an (n, m) matrix.
        vec: an (m,) vector.
        beta: the scale of this tensor.
        alpha: the scale of the product.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(2).addmv_(gg.eye(2), gg.ones(2))
    tensor([1., 1.])
    """
    return _inplace_product(self, addmv, mat, vec, beta, alpha)


def _addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In place: :func:`gpugrad.addr` with this tensor as input; returns it.

    Args:
        vec1: an (n,) vector.
        vec2: an (m,) vector.
        beta: the scale of this tensor.
        alpha: the scale of the outer product.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(1, 2).addr_(gg.ones(1), gg.ones(2))
    tensor([[1., 1.]])
    """
    return _inplace_product(self, addr, vec1, vec2, beta, alpha)


def _addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    """In place: :func:`gpugrad.addbmm` with this tensor as input; returns it.

    Args:
        batch1: a (b, n, m) tensor.
        batch2: a (b, m, p) tensor.
        beta: the scale of this tensor.
        alpha: the scale of the summed products.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(1, 1).addbmm_(gg.ones(2, 1, 1), gg.ones(2, 1, 1))
    tensor([[2.]])
    """
    return _inplace_product(self, addbmm, batch1, batch2, beta, alpha)


def _baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    """In place: :func:`gpugrad.baddbmm` with this tensor as input; returns it.

    Args:
        batch1: a (b, n, m) tensor.
        batch2: a (b, m, p) tensor.
        beta: the scale of this tensor.
        alpha: the scale of the products.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 1, 1).baddbmm_(gg.ones(2, 1, 1), gg.ones(2, 1, 1)).shape
    gpugrad.Size([2, 1, 1])
    """
    return _inplace_product(self, baddbmm, batch1, batch2, beta, alpha)


def _addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    """In place: :func:`gpugrad.addmm` with this tensor as input; returns it.

    Args:
        mat1: an (n, m) matrix.
        mat2: an (m, p) matrix.
        beta: the scale of this tensor.
        alpha: the scale of the product.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 2).addmm_(gg.eye(2), gg.eye(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    from .torch_api import addmm
    return _inplace_product(self, addmm, mat1, mat2, beta, alpha)


def _method_cholesky_solve(self, input2, upper=False):
    """:func:`gpugrad.cholesky_solve` with this tensor as B.

    Args:
        input2: the Cholesky factor.
        upper: the factor is upper triangular.

    Returns:
        The solution.

    >>> import gpugrad as gg
    >>> gg.tensor([[4.0]]).cholesky_solve(gg.tensor([[2.0]]))
    tensor([[1.]])
    """
    return cholesky_solve(self, input2, upper)


def _method_triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
    """:func:`gpugrad.triangular_solve` with this tensor as b.

    Args:
        A: the triangular matrix.
        upper: A is upper triangular.
        transpose: solve with A^T.
        unitriangular: take A's diagonal as ones.

    Returns:
        A named tuple ``(solution, cloned_coefficient)``.

    >>> import gpugrad as gg
    >>> gg.tensor([[2.0]]).triangular_solve(gg.tensor([[4.0]])).solution
    tensor([[0.5000]])
    """
    return triangular_solve(self, A, upper, transpose, unitriangular)


def _method_cross(self, other, dim=None):
    """:func:`gpugrad.cross` with this tensor first.

    Args:
        other: the other tensor.
        dim: the dim holding the vectors.

    Returns:
        The cross products.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 0.0, 0.0]).cross(gg.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    return cross(self, other, dim)


def _methods():
    out = dict(addmv=addmv, addr=addr, addbmm=addbmm, baddbmm=baddbmm, kron=kron, det=det, logdet=logdet,
               slogdet=slogdet, inverse=inverse, pinverse=pinverse, matrix_power=matrix_power,
               matrix_exp=matrix_exp, cholesky=cholesky, cholesky_solve=_method_cholesky_solve,
               cholesky_inverse=cholesky_inverse, svd=svd, qr=qr, triangular_solve=_method_triangular_solve,
               cross=_method_cross)
    out.update(addmv_=_addmv_, addr_=_addr_, addbmm_=_addbmm_, baddbmm_=_baddbmm_)
    if not hasattr(Tensor, "addmm_"):
        out["addmm_"] = _addmm_
    return out


LINALG_METHODS = _methods()
