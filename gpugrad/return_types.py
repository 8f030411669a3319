"""The named tuples that PyTorch's multi-output functions return (``torch.return_types``): each prints as
``median(values=..., indices=...)`` and unpacks as a plain tuple."""
from __future__ import annotations

from collections import namedtuple

aminmax = namedtuple("aminmax", ["min", "max"])
median = namedtuple("median", ["values", "indices"])
nanmedian = namedtuple("nanmedian", ["values", "indices"])
kthvalue = namedtuple("kthvalue", ["values", "indices"])
mode = namedtuple("mode", ["values", "indices"])
cummax = namedtuple("cummax", ["values", "indices"])
cummin = namedtuple("cummin", ["values", "indices"])
histogram = namedtuple("histogram", ["hist", "bin_edges"])
