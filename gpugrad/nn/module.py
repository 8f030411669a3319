"""Module: the base class of layers and models, with PyTorch's registration, traversal and state API.

Assigning a :class:`Parameter`, a :class:`Module` or (after ``register_buffer``) a buffer Tensor to an
attribute registers it; ``parameters()``, ``state_dict()``, ``to()`` and friends then walk the tree.

This file holds the registration (attributes, ``register_*``), the call, the modes and printing; the rest of
Module's methods come from private bases, one concept each: the tree walk (:mod:`.module_tree`), the hooks
(:mod:`.module_hooks`), the state dict (:mod:`.module_state`) and moving the storage (:mod:`.module_move`).
``gpugrad.nn.Module`` is the one public class.
"""
from __future__ import annotations

import sys
from collections import OrderedDict

from .._runtime import compile as _compile
from ..tensor import DeviceDtypeShorthands, Tensor
from .module_hooks import RemovableHandle, _ModuleHooks
from .module_move import _ModuleMove
from .module_state import IncompatibleKeys, _ModuleState
from .module_tree import _ModuleTree
from .parameter import Buffer, Parameter

__all__ = ["Module", "IncompatibleKeys", "RemovableHandle"]


class _Registry(OrderedDict):
    """A module's parameters, buffers or children, mirrored into the instance ``__dict__`` so that
    ``self.weight`` is a plain attribute hit (about 30 ns) instead of a failed lookup that falls through to
    ``__getattr__`` (over 1 us): Linear.forward reads two of them per call."""

    def __init__(self, owner_dict):
        super().__init__()
        self._owner = owner_dict

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._owner[key] = value

    def __delitem__(self, key):
        super().__delitem__(key)
        self._owner.pop(key, None)

    def pop(self, key, *default):
        if key in self:
            self._owner.pop(key, None)
        return super().pop(key, *default)

    def popitem(self, last=True):
        key, value = super().popitem(last)
        self._owner.pop(key, None)
        return key, value

    def clear(self):
        for key in self:
            self._owner.pop(key, None)
        super().clear()

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __reduce__(self):       # deepcopy / pickle: rebuild through __setitem__ once the owner is restored
        return (_rebuild_registry, (self._owner, list(self.items())))


def _rebuild_registry(owner, items):
    r = _Registry(owner)
    for k, v in items:
        OrderedDict.__setitem__(r, k, v)
    return r


class Module(_ModuleTree, _ModuleHooks, _ModuleState, _ModuleMove, DeviceDtypeShorthands):
    """Base class of every layer: subclass it, assign sub-modules and Parameters in ``__init__`` (after
    ``super().__init__()``) and write ``forward``.

    >>> import gpugrad as gg
    >>> class Net(gg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = gg.nn.Linear(3, 2)
    ...     def forward(self, x):
    ...         return gg.nn.functional.relu(self.fc(x))
    >>> [name for name, _ in Net().named_parameters()]
    ['fc.weight', 'fc.bias']
    """

    training: bool

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = _Registry(d)
        d["_buffers"] = _Registry(d)
        d["_non_persistent_buffers"] = set()
        d["_modules"] = _Registry(d)

    def __setstate__(self, state):
        # deepcopy/unpickle: the registries must mirror into this instance's own __dict__
        self.__dict__.update(state)
        for store in ("_parameters", "_buffers", "_modules"):
            reg = self.__dict__.get(store)
            if isinstance(reg, _Registry):
                reg._owner = self.__dict__

    def forward(self, *args, **kwargs):
        """The computation of this module; every subclass defines it. Call the module (``module(x)``) rather
        than ``forward``: the call also runs the forward hooks.

        Args:
            *args: the inputs, as the subclass defines them (a Tensor for most layers).
            **kwargs: keyword inputs, likewise.

        Returns:
            the output, as the subclass defines it (a Tensor for most layers).

        >>> import gpugrad as gg
        >>> gg.nn.Linear(3, 2)(gg.ones(4, 3)).shape
        gpugrad.Size([4, 2])
        """
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...) in the "
                                  f"subclass")

    # (module(x) is _ModuleHooks.__call__: forward, and the hooks of modules that have any)

    def compile(self, *args, **kwargs) -> None:
        """PyTorch's in-place ``module.compile()``, which compiles nothing here: gpugrad runs eagerly (its speed
        comes from fused kernels, not graph capture), so the module is left as it is. The arguments are
        :func:`gpugrad.compile`'s (``torch.compile``'s), checked as it checks them.

        Args:
            *args: ``torch.compile``'s positional arguments after the model.
            **kwargs: its keyword arguments (``mode``, ``fullgraph``, ``backend``...).

        Returns:
            None (PyTorch's returns None too: the module compiles itself in place).

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1)
        >>> m.compile(mode="max-autotune"); m(gg.ones(1, 2)).shape
        gpugrad.Size([1, 1])
        """
        _compile(self, *args, **kwargs)

    # -- registration ------------------------------------------------------------------------------------
    def _check_init(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call: call super().__init__() "
                                 f"first in {type(self).__name__}.__init__")

    @staticmethod
    def _check_name(kind, name, owner):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"{kind} name can't contain '.' or be empty, got {name!r}")
        if hasattr(owner, name) and name not in owner._parameters and name not in owner._buffers \
                and name not in owner._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(owner).__name__}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter; the same as ``setattr(self, name, param)`` for a Parameter.

        Args:
            name: the attribute name (no ``.``).
            param: a :class:`Parameter`, or None: a slot that holds no parameter (``bias=False``), skipped by
                ``parameters()`` and ``state_dict()``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.Module()
        >>> m.register_parameter("scale", gg.nn.Parameter(gg.ones(1)))
        >>> [n for n, _ in m.named_parameters()]
        ['scale']
        """
        self._check_init("parameters")
        self._check_name("parameter", name, self)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(gpugrad.nn.Parameter or None required)")
        self._buffers.pop(name, None)
        self._modules.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a Tensor that is state but not a parameter (BatchNorm's running mean): ``to()`` moves it and
        ``state_dict()`` saves it, the optimizer never sees it.

        Args:
            name: the attribute name (no ``.``).
            tensor: the buffer, or None (a slot left out of ``buffers()`` and ``state_dict()``).
            persistent: False leaves it out of ``state_dict()`` (derived values that need not be saved).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.Module()
        >>> m.register_buffer("count", gg.zeros(1))
        >>> list(m.state_dict()), len(list(m.parameters()))
        (['count'], 0)
        """
        self._check_init("buffers")
        self._check_name("buffer", name, self)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(gpugrad.Tensor or None required)")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module; the same as ``setattr(self, name, module)``, for names that are not
        identifiers. ``register_module`` is another name for it.

        Args:
            name: the child's name (no ``.``); its parameters are named ``name.<parameter>``.
            module: the child, or None (an empty slot).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.Module()
        >>> m.add_module("fc", gg.nn.Linear(2, 1))
        >>> list(m.state_dict())
        ['fc.weight', 'fc.bias']
        """
        self._check_init("child modules")
        self._check_name("module", name, self)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._check_init("parameters")
            d.pop(name, None)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(gpugrad.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._check_init("child modules")
            d.pop(name, None)
            self._parameters.pop(name, None)      # (no add_module: a class attribute may share the name)
            self._buffers.pop(name, None)
            self._modules[name] = value
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(gpugrad.nn.Module or None expected)")
            d["_modules"][name] = None
        elif isinstance(value, Buffer):            # nn.Buffer(t, persistent=...): registers itself
            self.register_buffer(name, value, value.persistent)
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(gpugrad.Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only called when normal lookup fails: parameters, buffers and children live in their dicts
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    # -- modes ------------------------------------------------------------------------------------------
    def train(self, mode: bool = True):
        """Set training mode on this module and every descendant: Dropout drops and BatchNorm uses and
        updates batch statistics; ``train(False)`` is :meth:`eval`.

        Args:
            mode: True for training, False for evaluation.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Dropout(0.5))
        >>> m.train().training, m[0].training
        (True, True)
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``): Dropout passes its input through and BatchNorm uses its
        running statistics. It does not turn off gradient recording: use :class:`gpugrad.no_grad` for that.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Dropout(0.5).eval()
        >>> m.training, m(gg.ones(3))
        (False, tensor([1., 1., 1.]))
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        """Switch gradient recording of every parameter on or off (freezing layers for fine-tuning).

        Args:
            requires_grad: whether the parameters require grad.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1).requires_grad_(False)
        >>> [p.requires_grad for p in m.parameters()]
        [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter before the next backward pass (which accumulates).

        Args:
            set_to_none: drop each ``.grad`` (the default: cheaper, and an optimizer skips a parameter whose
                ``.grad`` is None), or fill it with zeros in place.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1)
        >>> m(gg.ones(1, 2)).sum().backward()
        >>> m.zero_grad(); m.weight.grad is None
        True
        """
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if set_to_none:
                p.grad = None
                # a flat optimizer buffer that the next backward overwrites: a gradient someone still
                # holds (more references than g and getrefcount's argument) gets its own copy, as in PyTorch
                if g._data is p._grad_buffer and sys.getrefcount(g) > 2:
                    g._data = g._data.copy()
            else:
                if p.grad.grad_fn is not None:
                    p.grad = p.grad.detach()
                p.grad._data.fill(0)

    # -- printing -------------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its ``repr``; layers override it to show their
        settings.

        Returns:
            str (empty for a module without settings).

        >>> import gpugrad as gg
        >>> gg.nn.Linear(2, 3).extra_repr()
        'in_features=2, out_features=3, bias=True'
        """
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        lines += [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if len(lines) <= 1 and not self._modules:
            return f"{self._get_name()}({extra})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"
