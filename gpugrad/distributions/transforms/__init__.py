"""Invertible transforms with log-Jacobians, as ``torch.distributions.transforms``: the building blocks of
:class:`~gpugrad.distributions.TransformedDistribution` (``y = t(x)``, ``x = t.inv(y)``,
``t.log_abs_det_jacobian(x, y) = log |dy/dx|``). They are written with recorded ops, so values, inverses and
log-Jacobians are differentiable.

>>> import gpugrad as gg
>>> from gpugrad.distributions.transforms import AffineTransform, ExpTransform, ComposeTransform
>>> t = ComposeTransform([AffineTransform(1.0, 2.0), ExpTransform()])
>>> x = gg.tensor([0.0, 0.5])
>>> t(x), t.log_abs_det_jacobian(x, t(x)), t.inv(gg.tensor([1.0]))
(tensor([2.7183, 7.3891]), tensor([1.6931, 2.6931]), tensor([-0.5000]))
"""
from __future__ import annotations

from .base import ComposeTransform, IndependentTransform, Transform, identity_transform
from .elementwise import (AbsTransform, AffineTransform, ExpTransform, PowerTransform, SigmoidTransform,
                          SoftmaxTransform, SoftplusTransform, StickBreakingTransform, TanhTransform)
from .cdf import CumulativeDistributionTransform
from .joined import CatTransform, StackTransform
from .matrix import CorrCholeskyTransform, LowerCholeskyTransform, PositiveDefiniteTransform
from .reshape import ReshapeTransform

__all__ = ["AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
           "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform", "LowerCholeskyTransform",
           "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
           "SoftplusTransform", "StackTransform", "StickBreakingTransform", "TanhTransform", "Transform",
           "identity_transform"]
