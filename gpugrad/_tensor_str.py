"""How a tensor prints: the text of ``repr(t)``/``str(t)``, character for character PyTorch's, and the print
options that shape it (``set_printoptions``).

PyTorch's rules, as its output shows them:

* One format for every element of a tensor, so columns line up: each element is right-aligned to the widest
  of the nonzero finite values (never narrower than 1).
* Floating tensors print in one of three notations, chosen from the nonzero finite values only:
  integers (all of them integral: ``1.``, ``-3.``), scientific (``1.0000e-05``) when the largest magnitude
  exceeds 1e8, or is more than 1000 times the smallest, or the smallest is below 1e-4 (integers only by the
  first two tests), else fixed point with ``precision`` (4) decimals. ``sci_mode`` forces or forbids
  scientific notation. nan and inf print as such, padded to the common width.
* Integer and bool tensors print their values (``True``/``False``) padded to the widest.
* A tensor of more than ``threshold`` (1000) elements is summarized: along each dimension longer than
  ``2 * edgeitems`` only the first and last ``edgeitems`` (3) entries print, with ``...`` between; the
  notation and width are chosen from the entries that print.
* Rows of a vector wrap at ``linewidth`` (80) characters; nested dimensions open one column further right
  and are separated by ``dim - 1`` line breaks.
* Suffixes follow the values: ``device=`` (when not the default device), ``size=`` (empty tensors of other
  than one dimension, and any tensor when ``edgeitems`` is 0), ``dtype=`` (when not the default float,
  int64 or bool; for an empty tensor whenever not the default float), ``grad_fn=<...>`` or
  ``requires_grad=True``, and ``tangent=`` inside a forward-AD level; a suffix that would pass
  ``linewidth`` goes on a new line.

One deliberate difference: dtypes print as ``gpugrad.float64`` (PyTorch: ``torch.float64``), the name that
evaluates to that dtype here (the layouts print ``gpugrad.strided`` likewise).

The values come to the host once (a GPU tensor is first cut down to the entries that print, on its device).
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from . import _dtype
from .backend import cpu, default_device, device as _parse_device, to_device, xp_of

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


class _Options:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision, self.threshold, self.edgeitems, self.linewidth = _PROFILES["default"]
        self.sci_mode = None


# profile: (precision, threshold, edgeitems, linewidth), PyTorch's three
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}
_OPTS = _Options()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``: a ``profile`` first, then each option given.

    ``sci_mode`` is always set (None: chosen per tensor), as in PyTorch; the other options keep their value
    when not given. An unknown profile name is ignored, as PyTorch ignores it.

    Args:
        precision: digits after the point of floating values (default 4).
        threshold: tensors of more elements than this print summarized (default 1000).
        edgeitems: entries printed at each end of a summarized dimension (default 3).
        linewidth: characters per line before a vector wraps (default 80).
        profile: ``'default'``, ``'short'`` (precision 2, edgeitems 2) or ``'full'`` (never summarize).
        sci_mode: True or False forces or forbids scientific notation; None chooses it from the values.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.set_printoptions(precision=2)
    >>> gg.tensor([1.12345])
    tensor([1.12])
    >>> gg.set_printoptions(threshold=5)
    >>> gg.arange(10)
    tensor([0, 1, 2,  ..., 7, 8, 9])
    >>> gg.set_printoptions(profile="default")
    >>> gg.tensor([1.12345])
    tensor([1.1235])
    """
    if profile in _PROFILES:
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keywords :func:`set_printoptions` takes (``torch._tensor_str`` has the
    same; PyTorch exports neither this nor :func:`printoptions` at top level).

    Returns:
        A dict with ``precision``, ``threshold``, ``edgeitems``, ``linewidth`` and ``sci_mode``.

    >>> from gpugrad._tensor_str import get_printoptions
    >>> get_printoptions()["precision"]
    4
    """
    return {name: getattr(_OPTS, name) for name in _Options.__slots__}


@contextlib.contextmanager
def printoptions(**options):
    """Change the print options inside a ``with`` block only.

    Args:
        **options: keywords of :func:`set_printoptions`.

    Returns:
        A context manager.

    >>> import gpugrad as gg
    >>> from gpugrad._tensor_str import printoptions
    >>> with printoptions(precision=1):
    ...     print(gg.tensor([0.25, 1.0]))
    tensor([0.2, 1.0])
    """
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


# -- one element -------------------------------------------------------------------------------------------
class _Cell:
    """The format every element of one tensor shares: notation and width, chosen from ``flat`` (the host
    values that will print; floats as float64, which holds every narrower float exactly)."""

    __slots__ = ("floating", "int_mode", "sci", "width", "precision")

    def __init__(self, flat, floating):
        self.floating, self.int_mode, self.sci, self.width = floating, True, False, 1
        self.precision = p = _OPTS.precision
        if not floating:
            self.width = max([1] + [len(str(v)) for v in np.unique(flat).tolist()])
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:              # nothing but zeros, nan and inf: integer notation, width 1
            return
        vals = np.unique(vals)          # the widths depend on the distinct values only
        mags = np.abs(vals)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool((vals == np.ceil(vals)).all())
        sci = _OPTS.sci_mode
        self.sci = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) if sci is None else sci
        if self.sci:
            spec, extra = f".{p}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1      # the point that follows an integral float (``3.``)
        else:
            spec, extra = f".{p}f", 0
        self.width = max([1] + [len(format(v, spec)) + extra for v in vals.tolist()])

    def __call__(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci:
            s = format(v, f"{self.width}.{self.precision}e")
        elif self.int_mode:
            s = format(v, ".0f") + ("." if math.isfinite(v) else "")
        else:
            s = format(v, f".{self.precision}f")
        return s.rjust(self.width)


class _ComplexCell:
    """PyTorch's complex format: the real parts and the imaginary parts each get a :class:`_Cell` of their own;
    an element is ``real`` then the imaginary part with its sign and ``j`` (``1.+2.j``, ``0.5000-1.2500j``)."""

    __slots__ = ("re", "im", "width")

    def __init__(self, flat):
        self.re, self.im = _Cell(flat.real.copy(), True), _Cell(flat.imag.copy(), True)
        self.width = self.re.width + self.im.width + 1      # (the "j"; what PyTorch counts for the line length)

    def __call__(self, v):
        imag = (self.im(v.imag) + "j").lstrip()
        return self.re(v.real) + (imag if imag[0] in "+-" else "+" + imag)


# -- the values ----------------------------------------------------------------------------------------------
def _edges(arr, e):
    """Only the entries a summary prints: the first and last ``e`` along each axis longer than ``2 e``
    (on the array's own device, so that a large GPU tensor is not copied whole to the host)."""
    xp = xp_of(arr)
    for ax, n in enumerate(arr.shape):
        if n > 2 * e:
            lead = (slice(None),) * ax
            arr = xp.concatenate((arr[lead + (slice(0, e),)], arr[lead + (slice(n - e, n),)]), axis=ax)
    return arr


def _nest(host, shape, cell, indent, cut):
    """The bracketed text of ``host``; ``shape`` is the unsummarized shape, ``cut`` the edge count of a summary
    (None: no summary). A dimension of ``shape`` longer than ``2 cut`` gets ``...`` after its first ``cut``."""
    if host.ndim == 0:
        return cell(host.item())
    summarized = cut is not None and shape[0] > 2 * cut
    if host.ndim == 1:
        per_line = max(1, math.floor((_OPTS.linewidth - indent) / (cell.width + 2)))
        items = [cell(v) for v in host.tolist()]
        if summarized:
            items[cut:cut] = [" ..."]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_nest(host[i], shape[1:], cell, indent + 1, cut) for i in range(host.shape[0])]
    if summarized:
        rows[cut:cut] = ["..."]
    return "[" + ("," + "\n" * (host.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _values(arr, indent):
    """The values of a non-empty array, as text that starts ``indent`` columns to the right."""
    summarize = arr.size > _OPTS.threshold
    e = _OPTS.edgeitems
    if summarize and not e and arr.ndim:
        return "[...]"
    shape = arr.shape
    floating = _dtype.is_float(arr.dtype)
    host = to_device(_edges(arr, e) if summarize and arr.ndim else arr, cpu)   # the one device-to-host copy
    if host.dtype.kind == "c":
        host = host.astype(np.complex128)
        return _nest(host, shape, _ComplexCell(host.reshape(-1)), indent, e if summarize else None)
    if floating:
        host = host.astype(np.float64)
    return _nest(host, shape, _Cell(host.reshape(-1), floating), indent, e if summarize else None)


# -- the whole text ------------------------------------------------------------------------------------------
def _default_complex(default_float):
    """The complex dtype PyTorch prints without a suffix: complex128 under a float64 default, else complex64."""
    return _dtype.complex128 if default_float == _dtype.float64 else _dtype.complex64


def _dtype_name(dt):
    return f"gpugrad.{dt.name}"


def _with_suffixes(text, suffixes, indent):
    """``text`` followed by ``, suffix`` for each suffix (on a new line, ``indent`` in, where it would pass the
    line width) and the closing parenthesis. The line-length count is PyTorch's (two more than the last line's
    length before the first suffix)."""
    out = [text]
    used = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if used + len(s) + 2 > _OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            used = indent + len(s)
        else:
            out.append(", " + s)
            used += len(s) + 2
    out.append(")")
    return "".join(out)


def _class_names(cls):
    return [(c.__module__, c.__name__) for c in cls.__mro__]


_TENSOR, _PARAMETER = ("gpugrad.tensor", "Tensor"), ("gpugrad.nn.parameter", "Parameter")


def tensor_repr(t) -> str:
    """The text PyTorch prints for a tensor like ``t`` (without the ``Parameter containing:`` line, which
    Parameter's own repr adds).

    Args:
        t: a Tensor.

    Returns:
        A str.

    >>> import gpugrad as gg
    >>> tensor_repr(gg.tensor([[1.0, 2.5], [float("nan"), -3.0]], requires_grad=True))
    'tensor([[ 1.0000,  2.5000],\\n        [    nan, -3.0000]], requires_grad=True)'
    """
    names = _class_names(type(t))        # nn (Parameter) sits above this layer: known by name, not imported
    plain = names[0] in (_TENSOR, _PARAMETER)
    prefix = "tensor(" if plain else f"{type(t).__name__}("
    indent = len(prefix)
    arr = t._data
    suffixes = []
    dev = t.device
    if dev.type != default_device().type or (dev.type == "cuda" and dev.index != _parse_device("cuda").index):
        suffixes.append(f"device='{dev}'")
    dt, default_float = arr.dtype, _dtype.get_default_dtype()
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt not in (default_float, _default_complex(default_float)):
            suffixes.append(f"dtype={_dtype_name(dt)}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt not in (default_float, _default_complex(default_float), _dtype.int64, _dtype.bool_):
            suffixes.append(f"dtype={_dtype_name(dt)}")
        body = _values(arr, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name}{t.grad_fn._overload}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if t._fw_tangent is not None or t._view is not None or getattr(t, "_fw_view", None) is not None:
        from .autograd.forward_views import tangent_of
        tangent = tangent_of(t)          # a view's: the same view of its base's tangent
        if tangent is not None:
            suffixes.append(f"tangent={tensor_repr(t._make(tangent, None, False))}")
    text = _with_suffixes(prefix + body, suffixes, indent)
    if not plain and _PARAMETER in names:
        text = f"Parameter({text})"
    return text
