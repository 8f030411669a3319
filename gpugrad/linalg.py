"""``gpugrad.linalg``: PyTorch's ``torch.linalg`` (real dtypes; gpugrad has no complex ones). The functions live
by family in :mod:`gpugrad.ops.linalg_core` (the primitives with their own derivatives), ``linalg_api`` (solvers
and decompositions), ``linalg_more`` (norms and matrix helpers) and ``linalg_lu`` (the LU family).

On a GPU every function runs through ``cupy.linalg``; where CuPy has no routine (a triangular solver, the
matrix exponential) it is built from ones it has, in plain ``xp`` (see those modules). NumPy's and CuPy's
LAPACK pick the signs of eigenvectors and singular vectors, which may differ from PyTorch's.
"""
from __future__ import annotations

from .ops.linalg_core import LinAlgError
from .ops.linalg_api import (det, slogdet, inv, inv_ex, solve, solve_ex, solve_triangular, cholesky, cholesky_ex,
                             qr, eigh, eigvalsh, svd, svdvals, pinv, matrix_rank, lstsq, matrix_exp)
from .ops.linalg_more import (vector_norm, matrix_norm, norm, cond, matrix_power, multi_dot, cross, vecdot,
                              diagonal, vander)
from .ops.linalg_lu import lu_factor, lu_factor_ex, lu, lu_solve

__all__ = ["LinAlgError", "det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "solve_triangular", "cholesky",
           "cholesky_ex", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_rank", "lstsq", "matrix_exp",
           "vector_norm", "matrix_norm", "norm", "cond", "matrix_power", "multi_dot", "cross", "vecdot", "diagonal",
           "vander", "lu_factor", "lu_factor_ex", "lu", "lu_solve"]
