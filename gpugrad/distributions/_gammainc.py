"""The regularized lower incomplete gamma function P(a, x) for Gamma.cdf: the recorded op of
:mod:`gpugrad.ops.igamma` (``gpugrad.igamma``), on float inputs."""
from __future__ import annotations

from ..ops.igamma import Igamma
from ..ops.umath_unary import _as_float


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x) (recorded; differentiable in x only)."""
    return Igamma.apply(_as_float(a), _as_float(x), False)
