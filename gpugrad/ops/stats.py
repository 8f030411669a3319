"""Covariance and correlation of variables observed together (``cov``, ``corrcoef``), compositions of recorded
ops following ATen's Correlation.cpp step for step, so values and gradients are PyTorch's."""
from __future__ import annotations

import warnings

from .. import _dtype
from ..tensor import Tensor
from . import arithmetic as A, reduction as R, shape as S
from .einsum import einsum
from .elementwise import sqrt


def _check_weights(name, w, n, integral):
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with {w.ndim} "
                           f"dimensions")
    kind = w._data.dtype.kind
    if integral and kind not in "iu":
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with {w.dtype} dtype")
    if not integral and kind != "f":
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with {w.dtype} "
                           f"dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w.numel()} != {n}")
    if n and bool((w._data < 0).any()):                    # a sync, as in PyTorch
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns), with
    optional frequency and observation weights, as ``numpy.cov``.

    Args:
        input: a 0-d, 1-d (one variable) or 2-d tensor.
        correction: the divisor is (sum of weights) - correction (1: Bessel's correction).
        fweights: an optional 1-d integer tensor of how often each observation is repeated.
        aweights: an optional 1-d floating tensor of observation weights.

    Returns:
        A (variables, variables) tensor, or 0-d for one variable.

    >>> import gpugrad as gg
    >>> gg.cov(gg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    x = input
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                           f"dimensions")
    if x.dtype == "bool":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    if x.ndim < 2:
        x = S.reshape(x, (1, -1))
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, n, True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, n, False)
        w = aweights if w is None else A.mul(w, aweights)
    if w is None:
        w_sum = Tensor._make(x.xp.asarray(n, "int64"), None, False)
    else:
        w_sum = R.sum(w)
        if not bool(w_sum._data != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = A.div(R.sum(x if w is None else A.mul(x, w), 1), w_sum)
    if w is not None and aweights is not None and correction != 0:
        norm = A.sub(w_sum, A.div(A.mul(R.sum(A.mul(w, aweights)), correction), w_sum))
    else:
        norm = A.sub(w_sum, correction)
    if bool(norm._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = A.mul(norm, 0)
    xm = A.sub(x, S.unsqueeze(avg, 1))
    c = A.matmul(xm, S.transpose(xm if w is None else A.mul(xm, w), 0, 1))
    return S.squeeze(A.div(c, norm))


def corrcoef(input):
    """The Pearson correlation coefficients of the variables in the rows of ``input`` (observations in the
    columns), clipped to [-1, 1] as ``numpy.corrcoef``.

    Args:
        input: a 0-d, 1-d (one variable) or 2-d tensor.

    Returns:
        A (variables, variables) tensor, or 0-d for one variable.

    >>> import gpugrad as gg
    >>> gg.corrcoef(gg.tensor([[0.0, 1.0, 2.0], [2.0, 1.5, 0.0]]))
    tensor([[ 1.0000, -0.9608],
            [-0.9608,  1.0000]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:                    # one variable: 1, or NaN when the variance is 0, inf or NaN
        return A.div(c, c)
    std = sqrt(einsum("ii->i", c))
    c = A.div(A.div(c, S.unsqueeze(std, 1)), S.unsqueeze(std, 0))
    return A.clamp(c, -1, 1) if _dtype.is_float(c.dtype) else c
