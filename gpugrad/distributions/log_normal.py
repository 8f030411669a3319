"""PyTorch's module name ``torch.distributions.log_normal``: :class:`LogNormal` lives in :mod:`gpugrad.distributions.normal`.

>>> from gpugrad.distributions.log_normal import LogNormal
>>> LogNormal.__name__
'LogNormal'
"""
from .normal import LogNormal

__all__ = ["LogNormal"]
