"""Flattening nested arguments (tuples, lists, dicts) into a list of leaves and back, as ``torch.utils._pytree``
does for ``torch.func``: the transforms differentiate or batch the Tensor leaves of whatever structure the
function takes and returns."""
from __future__ import annotations

from collections import OrderedDict


class Spec:
    """How to rebuild a structure from its leaves: ``kind`` is "leaf", "tuple", "list", "dict", "odict" or
    "namedtuple"; ``keys`` the dict keys (or the namedtuple type); ``children`` one Spec per item."""

    __slots__ = ("kind", "keys", "children", "n")

    def __init__(self, kind, keys=None, children=()):
        self.kind, self.keys, self.children = kind, keys, tuple(children)
        self.n = 1 if kind == "leaf" else sum(c.n for c in self.children)

    def __eq__(self, other):
        return (isinstance(other, Spec) and self.kind == other.kind and self.keys == other.keys
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, self.n))

    def __repr__(self):
        return "*" if self.kind == "leaf" else f"{self.kind}({', '.join(map(repr, self.children))})"


def flatten(tree):
    """``(leaves, spec)`` of a nested structure (tuples, lists, dicts; anything else is a leaf)."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(x, leaves):
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return Spec("namedtuple", type(x), [_flatten(v, leaves) for v in x])
    if isinstance(x, (tuple, list)):           # (a Size is a tuple)
        return Spec("tuple" if isinstance(x, tuple) else "list", None, [_flatten(v, leaves) for v in x])
    if isinstance(x, dict):
        keys = tuple(x.keys())
        return Spec("odict" if isinstance(x, OrderedDict) else "dict", keys, [_flatten(x[k], leaves) for k in keys])
    leaves.append(x)
    return Spec("leaf")


def unflatten(leaves, spec):
    """The structure ``spec`` describes, with ``leaves`` (in flatten's order) at its leaves."""
    it = iter(leaves)
    return _build(spec, it)


def _build(spec, it):
    if spec.kind == "leaf":
        return next(it)
    items = [_build(c, it) for c in spec.children]
    if spec.kind == "tuple":
        return tuple(items)
    if spec.kind == "list":
        return items
    if spec.kind == "namedtuple":
        return spec.keys(*items)
    return (OrderedDict if spec.kind == "odict" else dict)(zip(spec.keys, items))


def broadcast_prefix(prefix, tree, what):
    """One entry of ``prefix`` per leaf of ``tree``: ``prefix`` matches ``tree``'s structure down to some depth,
    and a leaf of ``prefix`` (an int, None) applies to the whole subtree under it (vmap's in_dims). Raises
    ValueError when the structures disagree."""
    out = []
    _broadcast(prefix, tree, out, what)
    return out


def _broadcast(p, t, out, what):
    if not isinstance(p, (tuple, list, dict)):
        out.extend([p] * flatten(t)[1].n)
        return
    if isinstance(p, dict) != isinstance(t, dict) or not isinstance(t, (tuple, list, dict)) or len(p) != len(t):
        raise ValueError(what)
    if isinstance(p, dict):
        if set(p) != set(t):
            raise ValueError(what)
        for k in t:
            _broadcast(p[k], t[k], out, what)
    else:
        for a, b in zip(p, t):
            _broadcast(a, b, out, what)
