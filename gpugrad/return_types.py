"""The named tuples that PyTorch's multi-output functions return (``torch.return_types``): each prints as
``median(values=..., indices=...)`` and unpacks as a plain tuple."""
from __future__ import annotations

from collections import namedtuple

_DOC = """The result of :func:`gpugrad.{name}`: a named pair that unpacks as a tuple.

    Attributes:
        {a}: {a_doc}
        {b}: {b_doc}

    >>> import gpugrad as gg
    >>> {example}
    """


def _pair(name, a, a_doc, b, b_doc, example):
    cls = namedtuple(name, [a, b])
    cls.__doc__ = _DOC.format(name=name, a=a, a_doc=a_doc, b=b, b_doc=b_doc, example=example)
    return cls


_VALUES, _INDICES = "the values.", "their int64 indices along the reduced dim."
aminmax = _pair("aminmax", "min", "the smallest values.", "max", "the largest values.",
                "gg.aminmax(gg.tensor([2.0, 1.0, 3.0])).max\n    tensor(3.)")
median = _pair("median", "values", _VALUES, "indices", _INDICES,
               "gg.median(gg.tensor([[2.0, 1.0, 3.0]]), 1).indices\n    tensor([0])")
nanmedian = _pair("nanmedian", "values", _VALUES, "indices", _INDICES,
                  "gg.nanmedian(gg.tensor([[2.0, float('nan'), 3.0]]), 1).values\n    tensor([2.])")
kthvalue = _pair("kthvalue", "values", _VALUES, "indices", _INDICES,
                 "values, indices = gg.kthvalue(gg.tensor([2.0, 1.0, 3.0]), 3)\n    >>> indices\n    tensor(2)")
mode = _pair("mode", "values", _VALUES, "indices", _INDICES,
             "gg.mode(gg.tensor([2.0, 1.0, 2.0])).values\n    tensor(2.)")
cummax = _pair("cummax", "values", "the running maxima.", "indices", "where each was reached.",
               "gg.cummax(gg.tensor([1.0, 3.0, 2.0]), 0).indices\n    tensor([0, 1, 1])")
cummin = _pair("cummin", "values", "the running minima.", "indices", "where each was reached.",
               "gg.cummin(gg.tensor([3.0, 1.0, 2.0]), 0).values\n    tensor([3., 1., 1.])")
histogram = _pair("histogram", "hist", "the counts (or weights, or densities) per bin.", "bin_edges",
                  "the edges of the bins, one more than the bins.",
                  "gg.histogram(gg.tensor([1.0, 2.0]), 2).hist\n    tensor([1., 1.])")
