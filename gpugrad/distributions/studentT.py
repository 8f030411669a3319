"""PyTorch's module name ``torch.distributions.studentT``: :class:`StudentT` lives in :mod:`gpugrad.distributions.student_t`.

>>> from gpugrad.distributions.studentT import StudentT
>>> StudentT.__name__
'StudentT'
"""
from .student_t import StudentT

__all__ = ["StudentT"]
