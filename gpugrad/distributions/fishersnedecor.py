"""PyTorch's module name ``torch.distributions.fishersnedecor``: :class:`FisherSnedecor` lives in :mod:`gpugrad.distributions.fisher_snedecor`.

>>> from gpugrad.distributions.fishersnedecor import FisherSnedecor
>>> FisherSnedecor.__name__
'FisherSnedecor'
"""
from .fisher_snedecor import FisherSnedecor

__all__ = ["FisherSnedecor"]
