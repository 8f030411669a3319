"""Forward-mode tangents of views, as PyTorch's: a view's tangent is the same view of its base's tangent.

Inside a dual level, every view op links its output to the tensor it was taken from (``Tensor._view`` for a
view recorded for reverse mode, ``Tensor._fw_view`` otherwise). Following the links up gives the root: the
tensor whose memory the whole family views. The root holds the family's tangent; any member's tangent is
read from it (:func:`tangent_of`), so a view taken before its base received a tangent, or a sibling view,
sees the change; an in-place op on a view writes the view's new tangent into the root's, in the view's
region (:func:`write_through`), the rest of the root's tangent being kept (zeros if it had none).

The region is found from memory layouts, not from the chain of view ops: the view's first element and
strides, in bytes inside the root's memory, are written in the root's own strides (an index and a step per
dim), then replayed on the root's tangent with ``as_strided``. This serves every view op (slices, reshape,
transpose, diagonal, unfold, unsqueeze) alike. A layout that does not decompose (a dtype-reinterpreting
view, negative strides) keeps the view's own tangent.

Views taken outside a dual level are not linked (view ops pay nothing for forward AD there), unless recorded
for reverse mode: a write inside the level through an older unrecorded view reaches the view's tangent only.
A link holds its base, as PyTorch's ``_base`` does, for as long as the view lives.

>>> import gpugrad as gg
>>> import gpugrad.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     base = gg.zeros(4)
...     _ = base[:2].copy_(fwAD.make_dual(gg.ones(2), gg.tensor([3.0, 4.0])))
...     fwAD.unpack_dual(base).tangent
tensor([3., 4., 0., 0.])
"""
from __future__ import annotations

import numpy as np

__all__ = ["tangent_of", "write_through", "link_view"]


def link_view(out, base):
    """Inside a dual level, remember that ``out`` (a view op's result, not recorded for reverse mode) views
    ``base``'s memory, so that tangents follow in-place writes between them.

    Args:
        out: the view (a Tensor).
        base: the tensor it was taken from.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> link_view(gg.zeros(2), gg.zeros(2))
    """
    out._fw_view = base


def _base_of(t):
    """The tensor ``t`` views for forward AD, or None (``_fw_view`` False: a view that starts a new family,
    as make_dual's result)."""
    fv = getattr(t, "_fw_view", None)       # a slot left unset unless a dual level linked the view
    if fv is not None:
        return None if fv is False else fv
    link = t._view
    return link[0] if link is not None else None


def _root(t):
    base = _base_of(t)
    while base is not None:
        t, base = base, _base_of(base)
    return t


def _address(a):
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0]
    ptr = getattr(getattr(a, "data", None), "ptr", None)       # cupy: a MemoryPointer
    return ptr if ptr is not None else a.ctypes.data            # the strict test device (NumPy inside)


def _decompose(nbytes, strides, shape, bounded=True):
    """Coefficients c with sum(c_k * strides_k) == nbytes, largest stride first (within ``shape`` when
    ``bounded``: an element's index), or None when there is none such. Dims of size 1 take no part: their
    stride is arbitrary (NumPy gives one the stride of a neighbour), and the tangent's may differ."""
    c = [0] * len(strides)
    rest = nbytes
    for k in sorted(range(len(strides)), key=lambda k: -strides[k]):
        s = strides[k]
        if s <= 0 or rest < s or shape[k] == 1:
            continue
        n = rest // s
        if bounded:
            n = min(n, shape[k] - 1)
        c[k] = n
        rest -= n * s
    return c if rest == 0 else None


def _region(rt, root, view):
    """The part of ``rt`` (an array of ``root``'s shape: its tangent, any layout) at the places ``view``'s
    memory takes in ``root``'s, as an ``as_strided`` view of rt; None when the layouts do not decompose."""
    if view.dtype.itemsize != root.dtype.itemsize or any(s < 0 for s in root.strides):
        return None
    start = _decompose(_address(view) - _address(root), root.strides, root.shape)
    steps = [_decompose(s, root.strides, root.shape, bounded=False) for s, n in zip(view.strides, view.shape)
             if n > 1]
    if start is None or any(c is None for c in steps):
        return None
    steps = iter(steps)
    steps = [next(steps) if n > 1 else [0] * root.ndim for n in view.shape]
    # the view's last element, in root indices, must lie inside the root: else the layouts do not match
    last = [i + sum(c[k] * (n - 1) for c, n in zip(steps, view.shape)) for k, i in enumerate(start)]
    if any(j >= n for j, n in zip(last, root.shape)):
        return None
    first = rt[tuple(slice(i, None) for i in start)]
    strides = tuple(sum(ck * rs for ck, rs in zip(c, rt.strides)) for c in steps)
    from ..backend import xp_of
    return xp_of(rt).lib.stride_tricks.as_strided(first, view.shape, strides)


def tangent_of(t):
    """``t``'s tangent as PyTorch defines it: for a view inside a dual level, the same view of the tangent
    of the tensor whose memory it views; otherwise its own (None without one).

    Args:
        t: a Tensor.

    Returns:
        A raw array (read-only use: it may view another tensor's tangent) or None.

    >>> import gpugrad as gg
    >>> tangent_of(gg.zeros(2)) is None
    True
    """
    if t._view is None and getattr(t, "_fw_view", None) is None:
        return t._fw_tangent
    root = _root(t)
    rt = root._fw_tangent
    if rt is None or root is t:
        return t._fw_tangent
    region = _region(rt, root._data, t._data)
    return t._fw_tangent if region is None else region


def write_through(t, vt):
    """After an in-place op on the view ``t`` changed its tangent to ``vt`` (None: zero), give the tensor
    whose memory it views (the root of its views) the new tangent in ``t``'s region, the rest kept (zeros if
    it had none).

    Args:
        t: the view just written in place.
        vt: its new tangent (a raw array) or None.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> write_through(gg.zeros(2), None)
    """
    root = _root(t)
    if root is t:
        return
    rt = root._fw_tangent
    if rt is None and vt is None:
        return
    from ..backend import xp_of
    xp = xp_of(root._data)
    new = xp.zeros(root._data.shape, root._data.dtype)
    if rt is not None:
        new[...] = rt
    region = _region(new, root._data, t._data)
    if region is None:
        return
    region[...] = 0 if vt is None else vt
    from .op import _attach_tangent
    _attach_tangent(root, new)
