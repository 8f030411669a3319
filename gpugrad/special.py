"""``gpugrad.special``, PyTorch's ``torch.special``: the special functions under SciPy's names, the same ops as
the top-level ones (``special.gammaln`` is :func:`gpugrad.lgamma`, ``special.expit`` is
:func:`gpugrad.sigmoid`...) plus the ones PyTorch keeps here only (i0e, i1, i1e, erfcx, ndtr, ndtri, log_ndtr,
xlog1py, entr)."""
from __future__ import annotations

from .ops import (sigmoid as expit, logit, erf, erfc, erfinv, log1p, expm1, exp2, lgamma as gammaln, digamma,
                  polygamma, mvlgamma as multigammaln, i0, i0e, i1, i1e, erfcx, sinc, xlogy, xlog1py, entr,
                  logsumexp, ndtr, ndtri, log_ndtr, round)
from .ops import nn_ops as _nn
from .ops.igamma import igamma as gammainc, igammac as gammaincc

psi = digamma

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "erfcx", "log1p", "expm1", "exp2", "gammaln", "digamma",
           "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "sinc", "xlogy", "xlog1py", "entr",
           "logsumexp", "softmax", "log_softmax", "ndtr", "ndtri", "log_ndtr", "round", "gammainc", "gammaincc"]


def softmax(input, dim, *, dtype=None):
    """The softmax over ``dim``: e^x / sum(e^x), computed stably (:func:`gpugrad.softmax`).

    Args:
        input: the input tensor.
        dim: the dim normalized over.
        dtype: cast the input to this dtype first (None: as it is).

    Returns:
        A tensor of ``input``'s shape whose slices along ``dim`` sum to 1.

    >>> import gpugrad as gg
    >>> gg.special.softmax(gg.tensor([0.0, 0.6931472]), 0)
    tensor([0.3333, 0.6667])
    """
    return _nn.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    """The log of the softmax over ``dim``, computed stably (:func:`gpugrad.log_softmax`).

    Args:
        input: the input tensor.
        dim: the dim normalized over.
        dtype: cast the input to this dtype first (None: as it is).

    Returns:
        A tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.special.log_softmax(gg.tensor([0.0, 0.0]), 0)
    tensor([-0.6931, -0.6931])
    """
    return _nn.log_softmax(input, dim, dtype)
