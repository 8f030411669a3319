"""Sequential, ModuleList and ModuleDict."""
from __future__ import annotations

import operator
from collections import OrderedDict

from ..module import Module
from ..module_hooks import has_forward_hooks


class _Indexed(Module):
    """What Sequential and ModuleList share: integer indexing, len, iteration, append/extend/insert."""

    def _key(self, idx):
        n = len(self._modules)
        i = operator.index(idx)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__}: index {i} is out of range for {n} modules")
        return list(self._modules)[i % n]

    def _renumber(self, mods):
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)._from_items(list(self._modules.items())[idx])
        return self._modules[self._key(idx)]

    def __setitem__(self, idx, module):
        self.add_module(self._key(idx), module)

    def __delitem__(self, idx):
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key(idx)]
        for k in keys:
            del self._modules[k]
        if all(k.isdigit() for k in self._modules):    # keep numeric names contiguous, as PyTorch
            self._renumber(list(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module: Module):
        """Add a module at the end (named by its index).

        Args:
            module: the module to add.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> net = gg.nn.Sequential(gg.nn.Linear(2, 3)).append(gg.nn.ReLU())
        >>> [type(m).__name__ for m in net]
        ['Linear', 'ReLU']
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Add several modules at the end, in order (also ``container += modules``).

        Args:
            modules: an iterable of modules (another Sequential or ModuleList, a list).

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> layers = gg.nn.ModuleList([gg.nn.Linear(2, 2)]).extend([gg.nn.Linear(2, 2), gg.nn.Tanh()])
        >>> len(layers)
        3
        """
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module):
        """Insert a module before position ``index``; the modules are renumbered 0, 1, ...

        Args:
            index: the position (negative counts from the end, as ``list.insert``).
            module: the module to insert.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> net = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.Linear(3, 1)).insert(1, gg.nn.ReLU())
        >>> [name + ":" + type(m).__name__ for name, m in net.named_children()]
        ['0:Linear', '1:ReLU', '2:Linear']
        """
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)
        return self


class Sequential(_Indexed):
    """Calls its modules in order, each on the previous one's output.

    >>> import gpugrad as gg
    >>> net = gg.nn.Sequential(gg.nn.Linear(2, 4), gg.nn.ReLU(), gg.nn.Linear(4, 1))
    >>> len(net), type(net[1]).__name__, net(gg.ones(3, 2)).shape
    (3, 'ReLU', gpugrad.Size([3, 1]))
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    @staticmethod
    def _from_items(items):
        return Sequential(OrderedDict(items))

    def forward(self, input):
        mods = tuple(self._modules.values())
        n = len(mods)
        i = 0
        while i < n:
            m = mods[i]
            if i + 1 < n and type(m) is Linear and getattr(input, "dtype", None) == m.weight.dtype:
                fused = _fused_activation(m, mods[i + 1])
                if fused is not None:         # Linear + activation: the bias add runs inside the activation
                    name, params = fused
                    input = linear_act(input, m.weight, m.bias, name, **params)
                    i += 2
                    continue
            input = m(input)
            i += 1
        return input


def _fused_activation(linear, act):
    """(name, params) when ``act`` can be fused with ``linear``: a known activation and no hooks on either
    module (a hook must see the Linear's own output)."""
    spec = _FUSABLE.get(type(act))
    if spec is None or has_forward_hooks(linear) or has_forward_hooks(act):
        return None
    name, attrs = spec
    return name, {k: getattr(act, a) for k, a in attrs.items()}


from .linear import Linear  # noqa: E402
from .activation import ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid, Softplus  # noqa: E402
from ...ops.nn_ops import linear_act  # noqa: E402

_FUSABLE = {
    ReLU: ("relu", {}), LeakyReLU: ("leaky_relu", {"negative_slope": "negative_slope"}),
    ELU: ("elu", {"alpha": "alpha"}), GELU: ("gelu", {"approximate": "approximate"}), SiLU: ("silu", {}),
    Tanh: ("tanh", {}), Sigmoid: ("sigmoid", {}), Softplus: ("softplus", {"beta": "beta", "threshold": "threshold"}),
}


class ModuleList(_Indexed):
    """A list of modules whose parameters the parent sees (a plain list would hide them).

    Args:
        modules: an iterable of modules (optional).

    >>> import gpugrad as gg
    >>> layers = gg.nn.ModuleList([gg.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @staticmethod
    def _from_items(items):
        return ModuleList([m for _, m in items])

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call its modules")


class ModuleDict(Module):
    """A dict of modules (insertion-ordered) whose parameters the parent sees.

    Args:
        modules: a mapping (or iterable of pairs) name -> module (optional).

    >>> import gpugrad as gg
    >>> heads = gg.nn.ModuleDict({"a": gg.nn.Linear(2, 1), "b": gg.nn.Linear(2, 3)})
    >>> list(heads.keys()), heads["b"](gg.ones(1, 2)).shape
    (['a', 'b'], gpugrad.Size([1, 3]))
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        """The names, in insertion order.

        Returns:
            a view of the keys, as ``dict.keys()``.

        >>> import gpugrad as gg
        >>> list(gg.nn.ModuleDict({"enc": gg.nn.Linear(2, 2), "act": gg.nn.ReLU()}).keys())
        ['enc', 'act']
        """
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order.

        Returns:
            a view of the values, as ``dict.values()``.

        >>> import gpugrad as gg
        >>> [type(m).__name__ for m in gg.nn.ModuleDict({"enc": gg.nn.Linear(2, 2), "act": gg.nn.ReLU()}).values()]
        ['Linear', 'ReLU']
        """
        return self._modules.values()

    def items(self):
        """The ``(name, module)`` pairs, in insertion order.

        Returns:
            a view of the items, as ``dict.items()``.

        >>> import gpugrad as gg
        >>> [(k, type(m).__name__) for k, m in gg.nn.ModuleDict({"act": gg.nn.ReLU()}).items()]
        [('act', 'ReLU')]
        """
        return self._modules.items()

    def pop(self, key):
        """Remove a module (its parameters leave the parent's ``parameters()``) and return it.

        Args:
            key: its name; a missing name raises KeyError.

        Returns:
            the removed module.

        >>> import gpugrad as gg
        >>> d = gg.nn.ModuleDict({"a": gg.nn.ReLU(), "b": gg.nn.Tanh()})
        >>> type(d.pop("a")).__name__, list(d.keys())
        ('ReLU', ['b'])
        """
        return self._modules.pop(key)

    def clear(self):
        """Remove every module.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> d = gg.nn.ModuleDict({"a": gg.nn.Linear(2, 2)})
        >>> d.clear(); len(d), len(list(d.parameters()))
        (0, 0)
        """
        self._modules.clear()

    def update(self, modules):
        """Add (or replace) modules by name, as ``dict.update``.

        Args:
            modules: a mapping name -> module, or an iterable of ``(name, module)`` pairs.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> d = gg.nn.ModuleDict({"a": gg.nn.ReLU()})
        >>> d.update([("a", gg.nn.Tanh()), ("b", gg.nn.ReLU())])
        >>> [(k, type(m).__name__) for k, m in d.items()]
        [('a', 'Tanh'), ('b', 'ReLU')]
        """
        for k, m in (modules.items() if hasattr(modules, "items") else modules):
            self.add_module(k, m)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); index it and call its modules")
