"""PyTorch's module name ``torch.distributions.half_cauchy``: :class:`HalfCauchy` lives in :mod:`gpugrad.distributions.half`.

>>> from gpugrad.distributions.half_cauchy import HalfCauchy
>>> HalfCauchy.__name__
'HalfCauchy'
"""
from .half import HalfCauchy

__all__ = ["HalfCauchy"]
