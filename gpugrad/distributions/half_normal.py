"""PyTorch's module name ``torch.distributions.half_normal``: :class:`HalfNormal` lives in :mod:`gpugrad.distributions.half`.

>>> from gpugrad.distributions.half_normal import HalfNormal
>>> HalfNormal.__name__
'HalfNormal'
"""
from .half import HalfNormal

__all__ = ["HalfNormal"]
