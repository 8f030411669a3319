"""ParameterList and ParameterDict: containers whose Tensors are registered as the owner's parameters.

As in PyTorch, each entry is an attribute of the container named by its index (``"0"``, ``"1"``...) or its
key, so ``parameters()``, ``state_dict()`` and ``to()`` see the Parameters among them; a plain Tensor put in
is wrapped into a :class:`Parameter` (sharing its storage), and other objects are kept as they are.
"""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter


def _as_parameter(value):
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


def _entry_repr(key, value, type_name):
    """One line of the containers' repr, PyTorch's text: ``(0): Parameter containing: [gpugrad.float32 of size
    2x3]`` (with `` (cuda:0)`` for a GPU tensor), or ``(0): Object of type: str``. (As everywhere in gpugrad, a
    dtype prints as its gpugrad name; ParameterDict prints ``Tensor.type()``, as PyTorch's does.)"""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    size = "x".join(str(n) for n in value._data.shape)
    dev = f" ({value.device})" if value.device.type != "cpu" else ""
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    return f"  ({key}): {kind} containing: [{type_name(value)} of size {size}{dev}]"


class _MissingKey(KeyError, AttributeError):
    """A missing ParameterDict key: PyTorch raises AttributeError (its entries are attributes), a dict KeyError;
    either ``except`` catches this."""


class ParameterList(Module):
    """A list of parameters that the owning module registers (a plain Python list would hide them from
    ``parameters()`` and the optimizer). Tensors added (by the constructor, ``append``, ``extend`` or
    ``list[i] = t``) become :class:`Parameter`; other objects are stored as they are.

    Args:
        values: an iterable of initial entries (optional).

    >>> import gpugrad as gg
    >>> ps = gg.nn.ParameterList([gg.nn.Parameter(gg.ones(2)), gg.zeros(3)])
    >>> ps.append(gg.ones(1, 4))
    ParameterList(
        (0): Parameter containing: [gpugrad.float32 of size 2]
        (1): Parameter containing: [gpugrad.float32 of size 3]
        (2): Parameter containing: [gpugrad.float32 of size 1x4]
    )
    >>> [n for n, _ in ps.named_parameters()], type(ps[1]).__name__
    (['0', '1', '2'], 'Parameter')
    """

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _abs_key(self, idx):
        i = operator.index(idx)
        if not -len(self) <= i < len(self):
            raise IndexError(f"ParameterList: index {i} is out of range for {len(self)} entries")
        return str(i % len(self))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            out = type(self)()
            for i in range(*idx.indices(len(self))):
                out.append(self[i])
            return out
        return getattr(self, self._abs_key(idx))

    def __setitem__(self, idx, param):
        # every way of adding an entry ends here: the one place where a Tensor becomes a Parameter
        setattr(self, self._abs_key(idx), _as_parameter(param))

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter([self[i] for i in range(len(self))])

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, value):
        """Add an entry at the end (a Tensor becomes a :class:`Parameter`).

        Args:
            value: a Parameter, a Tensor or any object.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> len(gg.nn.ParameterList().append(gg.ones(2)).append(gg.ones(3)))
        2
        """
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        """Add several entries at the end, in order (also ``plist += values``).

        Args:
            values: an iterable of entries (a Tensor is not split into its rows: it is refused).

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> ps = gg.nn.ParameterList([gg.ones(1)]).extend([gg.ones(2), gg.ones(3)])
        >>> [tuple(p.shape) for p in ps]
        [(1,), (2,), (3,)]
        """
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(_entry_repr(i, p, lambda t: f"gpugrad.{t.dtype.name}") for i, p in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of parameters that the owning module registers under their keys. Tensors added (by the
    constructor, ``update`` or ``pdict[key] = t``) become :class:`Parameter`; other objects are stored as they
    are. As in PyTorch, a plain ``dict`` given to the constructor or ``update`` is added in sorted key order
    (an ``OrderedDict``, a ParameterDict or a sequence of pairs keeps its order).

    Args:
        parameters: a mapping key -> entry, or an iterable of ``(key, entry)`` pairs (optional).

    >>> import gpugrad as gg
    >>> pd = gg.nn.ParameterDict({"scale": gg.ones(3), "shift": gg.nn.Parameter(gg.zeros(3))})
    >>> pd
    ParameterDict(
        (scale): Parameter containing: [torch.FloatTensor of size 3]
        (shift): Parameter containing: [torch.FloatTensor of size 3]
    )
    >>> list(pd.state_dict()), "scale" in pd
    (['scale', 'shift'], True)
    """

    def __init__(self, parameters=None) -> None:
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _attr(key):
        if not isinstance(key, str):
            raise TypeError(f"Index given to ParameterDict cannot be used as a key as it is not a string (type "
                            f"is '{type(key).__name__}')")
        return key

    def __getitem__(self, key):
        attr = self._attr(key)
        if key not in self._keys:
            raise _MissingKey(f"ParameterDict has no key {key!r}")
        return getattr(self, attr)

    def __setitem__(self, key, value):
        # every way of adding an entry ends here: the one place where a Tensor becomes a Parameter
        attr = self._attr(key)
        self._keys[key] = None
        setattr(self, attr, _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, self._attr(key))

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def copy(self):
        """A new ParameterDict holding the same entries (the same Parameter objects).

        Returns:
            a ParameterDict.

        >>> import gpugrad as gg
        >>> pd = gg.nn.ParameterDict({"w": gg.ones(2)})
        >>> pd.copy()["w"] is pd["w"]
        True
        """
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key, default=None):
        """The entry under ``key``; if there is none, ``default`` is added under it first.

        Args:
            key: the key (a str).
            default: the entry to add when ``key`` is missing (a Tensor becomes a Parameter).

        Returns:
            the entry.

        >>> import gpugrad as gg
        >>> pd = gg.nn.ParameterDict()
        >>> pd.setdefault("w", gg.ones(2)).shape, len(pd)
        (gpugrad.Size([2]), 1)
        """
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every entry.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> pd = gg.nn.ParameterDict({"w": gg.ones(2)})
        >>> pd.clear(); len(pd), len(list(pd.parameters()))
        (0, 0)
        """
        for k in list(self._keys):
            del self[k]

    def pop(self, key):
        """Remove an entry and return it.

        Args:
            key: its key; a missing key raises KeyError.

        Returns:
            the removed entry.

        >>> import gpugrad as gg
        >>> pd = gg.nn.ParameterDict({"a": gg.ones(1), "b": gg.ones(2)})
        >>> pd.pop("a").shape, list(pd.keys())
        (gpugrad.Size([1]), ['b'])
        """
        v = self[key]
        del self[key]
        return v

    def popitem(self):
        """Remove the most recently added entry and return it with its key.

        Returns:
            ``(key, entry)``; an empty ParameterDict raises KeyError.

        >>> import gpugrad as gg
        >>> pd = gg.nn.ParameterDict([("a", gg.ones(1)), ("b", gg.ones(2))])
        >>> pd.popitem()[0], list(pd.keys())
        ('b', ['a'])
        """
        k = next(reversed(list(self._keys))) if self._keys else None
        if k is None:
            raise KeyError("popitem(): ParameterDict is empty")
        return k, self.pop(k)

    def get(self, key, default=None):
        """The entry under ``key``, or ``default`` when there is none.

        Args:
            key: the key.
            default: what to return for a missing key.

        Returns:
            the entry or ``default``.

        >>> import gpugrad as gg
        >>> gg.nn.ParameterDict().get("missing", 0)
        0
        """
        return self[key] if key in self else default

    def fromkeys(self, keys, default=None):
        """A new ParameterDict with each of ``keys`` mapped to ``default`` (called on an instance, as in
        PyTorch).

        Args:
            keys: an iterable of keys.
            default: the entry for every key (a Tensor becomes one shared Parameter).

        Returns:
            a ParameterDict.

        >>> import gpugrad as gg
        >>> list(gg.nn.ParameterDict().fromkeys(["a", "b"], gg.ones(1)).keys())
        ['a', 'b']
        """
        return ParameterDict((k, default) for k in keys)

    def keys(self):
        """The keys, in order.

        Returns:
            a view of the keys, as ``dict.keys()``.

        >>> import gpugrad as gg
        >>> list(gg.nn.ParameterDict([("b", gg.ones(1)), ("a", gg.ones(1))]).keys())
        ['b', 'a']
        """
        return self._keys.keys()

    def items(self):
        """The ``(key, entry)`` pairs, in order.

        Returns:
            an iterator of pairs.

        >>> import gpugrad as gg
        >>> [(k, v.shape) for k, v in gg.nn.ParameterDict({"w": gg.ones(2)}).items()]
        [('w', gpugrad.Size([2]))]
        """
        return ((k, self[k]) for k in self._keys)

    def values(self):
        """The entries, in order.

        Returns:
            an iterator of entries.

        >>> import gpugrad as gg
        >>> [v.shape for v in gg.nn.ParameterDict({"w": gg.ones(2)}).values()]
        [gpugrad.Size([2])]
        """
        return (self[k] for k in self._keys)

    def update(self, parameters) -> None:
        """Add (or replace) entries: from a mapping (a plain ``dict`` in sorted key order; an ``OrderedDict`` or
        ParameterDict in its order) or an iterable of ``(key, entry)`` pairs.

        Args:
            parameters: the entries to add.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> pd = gg.nn.ParameterDict()
        >>> pd.update({"b": gg.ones(1), "a": gg.ones(2)}); list(pd.keys())
        ['a', 'b']
        """
        if not isinstance(parameters, Iterable):
            raise TypeError(f"ParametersDict.update should be called with an iterable of key/value pairs, but got "
                            f"{type(parameters).__name__}")
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = []
            for j, p in enumerate(parameters):
                if not isinstance(p, Iterable):
                    raise TypeError(f"ParameterDict update sequence element #{j} should be Iterable; is "
                                    f"{type(p).__name__}")
                p = tuple(p)
                if len(p) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} has length {len(p)}; 2 is "
                                     f"required")
                pairs.append(p)
        for k, v in pairs:
            self[k] = v

    def extra_repr(self):
        return "\n".join(_entry_repr(k, p, lambda t: t.type()) for k, p in self.items())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other):
        self.update(other)
        return self
