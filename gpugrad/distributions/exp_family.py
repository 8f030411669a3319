"""PyTorch's module name ``torch.distributions.exp_family``: :class:`ExponentialFamily` lives in :mod:`gpugrad.distributions.distribution`.

>>> from gpugrad.distributions.exp_family import ExponentialFamily
>>> ExponentialFamily.__name__
'ExponentialFamily'
"""
from .distribution import ExponentialFamily

__all__ = ["ExponentialFamily"]
