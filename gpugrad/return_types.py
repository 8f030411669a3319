"""The named tuples that PyTorch's multi-output functions return (``torch.return_types``): each unpacks as a
plain tuple, has the field names of PyTorch's, and prints in PyTorch's layout, one field per line::

    gpugrad.return_types.max(
    values=tensor([2., 4.]),
    indices=tensor([1, 1]))
"""
from __future__ import annotations

from collections import namedtuple

_DOC = """The result of :func:`gpugrad.{name}`: a named pair that unpacks as a tuple.

    Attributes:
        {a}: {a_doc}
        {b}: {b_doc}

    >>> import gpugrad as gg
    >>> {example}
    """

_DOC_MORE = """The result of ``gpugrad.{call}``: a named tuple ({fields}) that unpacks as a tuple.

    >>> import gpugrad as gg
    >>> gg.return_types.{name}._fields
    {fields_repr}
    """


def _repr(self):
    body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
    return f"gpugrad.return_types.{type(self).__name__}(\n{body})"


def _seq(name, fields, doc=None):
    cls = namedtuple(name, fields, module=__name__)
    cls.__repr__ = _repr
    call = name.replace("linalg_", "linalg.", 1)
    cls.__doc__ = doc or _DOC_MORE.format(call=call, name=name, fields=", ".join(fields),
                                          fields_repr=repr(tuple(fields)))
    return cls


def _pair(name, a, a_doc, b, b_doc, example):
    return _seq(name, [a, b], _DOC.format(name=name, a=a, a_doc=a_doc, b=b, b_doc=b_doc, example=example))

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

max = _seq("max", ["values", "indices"])  # noqa: A001  (PyTorch's names)
min = _seq("min", ["values", "indices"])  # noqa: A001
sort = _seq("sort", ["values", "indices"])
topk = _seq("topk", ["values", "indices"])
frexp = _seq("frexp", ["mantissa", "exponent"])
svd = _seq("svd", ["U", "S", "V"])
qr = _seq("qr", ["Q", "R"])
slogdet = _seq("slogdet", ["sign", "logabsdet"])
triangular_solve = _seq("triangular_solve", ["solution", "cloned_coefficient"])
lu_unpack = _seq("lu_unpack", ["P", "L", "U"])
linalg_slogdet = _seq("linalg_slogdet", ["sign", "logabsdet"])
linalg_eigh = _seq("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_svd = _seq("linalg_svd", ["U", "S", "Vh"])
linalg_qr = _seq("linalg_qr", ["Q", "R"])
linalg_inv_ex = _seq("linalg_inv_ex", ["inverse", "info"])
linalg_solve_ex = _seq("linalg_solve_ex", ["result", "info"])
linalg_cholesky_ex = _seq("linalg_cholesky_ex", ["L", "info"])
linalg_lstsq = _seq("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
linalg_lu_factor = _seq("linalg_lu_factor", ["LU", "pivots"])
linalg_lu_factor_ex = _seq("linalg_lu_factor_ex", ["LU", "pivots", "info"])
linalg_lu = _seq("linalg_lu", ["P", "L", "U"])
