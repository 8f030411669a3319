"""PyTorch's module name ``torch.distributions.beta``: :class:`Beta` lives in :mod:`gpugrad.distributions.dirichlet`.

>>> from gpugrad.distributions.beta import Beta
>>> Beta.__name__
'Beta'
"""
from .dirichlet import Beta

__all__ = ["Beta"]
