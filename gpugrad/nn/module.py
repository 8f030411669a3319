"""Module: the base class of layers and models, with PyTorch's registration, traversal and state API.

Assigning a :class:`Parameter`, a :class:`Module` or (after ``register_buffer``) a buffer Tensor to an
attribute registers it; ``parameters()``, ``state_dict()``, ``to()`` and friends then walk the tree.
"""
from __future__ import annotations

import sys
from collections import OrderedDict, namedtuple

import numpy as np

from .. import _dtype
from ..backend import Device, device as _parse_device, device_array, is_device_array, to_device
from ..tensor import DeviceDtypeShorthands, Tensor
from .parameter import Buffer, Parameter, is_lazy

__all__ = ["Module", "IncompatibleKeys", "RemovableHandle"]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = """What ``Module.load_state_dict`` returns: the keys the state dict lacked (``missing_keys``) and those
the module does not have (``unexpected_keys``); with ``strict=True`` (the default) either is an error.

>>> import gpugrad as gg
>>> gg.nn.Linear(2, 1).load_state_dict({"weight": gg.zeros(1, 2)}, strict=False)
IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
"""


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


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``handle.remove()`` unregisters the hook."""

    _next_id = [0]

    def __init__(self, module, kind):
        self.module, self.kind = module, kind
        self.id = RemovableHandle._next_id[0]
        RemovableHandle._next_id[0] += 1

    def remove(self):
        d = self.module.__dict__
        hooks = d.get("_forward_hooks")
        if hooks is None:
            return
        hooks[self.kind].pop(self.id, None)
        if not any(hooks.values()):
            del d["_forward_hooks"]               # back to the hook-free fast path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module(DeviceDtypeShorthands):
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
        (4, 2)
        """
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...) in the "
                                  f"subclass")

    def __call__(self, *args, **kwargs):
        if "_forward_hooks" in self.__dict__:        # only modules that were given hooks pay for them
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # -- forward hooks ------------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook):
        """Run ``hook(module, args)`` before every ``forward`` call.

        Args:
            hook: called with the module and the tuple of positional inputs; may return new inputs (a tuple,
                or a single value), or None to keep them.

        Returns:
            a :class:`RemovableHandle`; its ``remove()`` (or leaving a ``with`` block) takes the hook off.

        >>> import gpugrad as gg
        >>> m = gg.nn.Identity()
        >>> h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        >>> m(gg.ones(2))
        tensor([2., 2.])
        >>> h.remove()
        """
        return self._add_hook("pre", hook)

    def register_forward_hook(self, hook):
        """Run ``hook(module, args, output)`` after every ``forward`` call (activation statistics, feature
        extraction).

        Args:
            hook: called with the module, the tuple of positional inputs and the output; may return a new
                output, or None to keep it.

        Returns:
            a :class:`RemovableHandle`; its ``remove()`` (or leaving a ``with`` block) takes the hook off.

        >>> import gpugrad as gg
        >>> m, shapes = gg.nn.Linear(3, 2), []
        >>> with m.register_forward_hook(lambda mod, args, out: shapes.append(out.shape)):
        ...     _ = m(gg.ones(4, 3))
        >>> shapes
        [(4, 2)]
        """
        return self._add_hook("post", hook)

    def register_full_backward_hook(self, hook):
        """Run ``hook(module, grad_input, grad_output)`` when the gradients with respect to the module's
        positional tensor inputs are computed (``grad_output``: those of its outputs); it may return new
        ``grad_input``. See :mod:`gpugrad.nn.backward_hooks`.

        Args:
            hook: the function.

        Returns:
            a :class:`RemovableHandle`.

        >>> import gpugrad as gg
        >>> m, seen = gg.nn.Linear(3, 2), []
        >>> h = m.register_full_backward_hook(lambda mod, gin, gout: seen.append(gout[0].shape))
        >>> m(gg.ones(4, 3, requires_grad=True)).sum().backward(); seen
        [(4, 2)]
        """
        return self._add_hook("backward", hook)

    def register_full_backward_pre_hook(self, hook):
        """Run ``hook(module, grad_output)`` when the gradients with respect to the module's outputs are known;
        it may return new ones.

        Args:
            hook: the function.

        Returns:
            a :class:`RemovableHandle`.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(3, 2)
        >>> h = m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 0,))
        >>> m(gg.ones(1, 3)).sum().backward(); m.bias.grad.tolist()
        [0.0, 0.0]
        """
        return self._add_hook("backward_pre", hook)

    def _add_hook(self, kind, hook):
        d = self.__dict__
        hooks = d.setdefault("_forward_hooks", {"pre": {}, "post": {}, "backward": {}, "backward_pre": {}})
        handle = RemovableHandle(self, kind)
        hooks[kind][handle.id] = hook
        return handle

    def _call_with_hooks(self, args, kwargs):
        hooks = self.__dict__["_forward_hooks"]
        for hook in list(hooks["pre"].values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        if hooks["backward"] or hooks["backward_pre"]:
            from .backward_hooks import call_with_backward_hooks
            out = call_with_backward_hooks(self, lambda *a: self.forward(*a, **kwargs), args, hooks["backward"],
                                           hooks["backward_pre"])
        else:
            out = self.forward(*args, **kwargs)
        for hook in list(hooks["post"].values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        return out

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

    # -- traversal ----------------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Iterate over this module and every descendant, depth first, with their dotted names.

        Args:
            memo: a set of ``id()`` of modules to skip (filled as the walk goes); internal, as in PyTorch.
            prefix: put before every name (``prefix.child``); this module's own name.
            remove_duplicate: yield a module reachable by several paths once (default), or once per path.

        Returns:
            an iterator of ``(name, module)``; this module comes first, named ``prefix`` (``""``).

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU())
        >>> [(name, type(mod).__name__) for name, mod in m.named_modules()]
        [('', 'Sequential'), ('0', 'Linear'), ('1', 'ReLU')]
        """
        if memo is None:
            memo = set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if id(m) in memo:
                    continue
                memo.add(id(m))
            yield name, m
            children = [(f"{name}.{k}" if name else k, c) for k, c in m._modules.items() if c is not None]
            stack.extend(reversed(children))

    def modules(self):
        """Iterate over this module and every descendant, depth first, each once.

        Returns:
            an iterator of modules, ``self`` first.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU())
        >>> [type(mod).__name__ for mod in m.modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """Iterate over the direct children (not their descendants), each once.

        Returns:
            an iterator of ``(name, module)``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU())
        >>> [name for name, _ in m.named_children()]
        ['0', '1']
        """
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        """Iterate over the direct children (not their descendants), each once.

        Returns:
            an iterator of modules.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU())
        >>> [type(c).__name__ for c in m.children()]
        ['Linear', 'ReLU']
        """
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_name, m in mods:
            for k, v in getattr(m, store).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_name}.{k}" if mod_name else k), v

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Iterate over the parameters with their dotted names (``layer.sub.weight``), in registration order.

        Args:
            prefix: put before every name.
            recurse: include the descendants' parameters (default), or only this module's own.
            remove_duplicate: yield a parameter shared by several layers (tied weights) once (default).

        Returns:
            an iterator of ``(name, Parameter)``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU(), gg.nn.Linear(3, 1))
        >>> [(name, tuple(p.shape)) for name, p in m.named_parameters()]
        [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (1, 3)), ('2.bias', (1,))]
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        """Iterate over the parameters (what an optimizer is given), each once.

        Args:
            recurse: include the descendants' parameters (default), or only this module's own.

        Returns:
            an iterator of :class:`Parameter`.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(3, 2)
        >>> sum(p.numel() for p in m.parameters())      # 3*2 weights + 2 biases
        8
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Iterate over the buffers (see :meth:`register_buffer`) with their dotted names.

        Args:
            prefix: put before every name.
            recurse: include the descendants' buffers (default), or only this module's own.
            remove_duplicate: yield a buffer shared by several modules once (default).

        Returns:
            an iterator of ``(name, Tensor)``.

        >>> import gpugrad as gg
        >>> [name for name, _ in gg.nn.BatchNorm1d(3).named_buffers()]
        ['running_mean', 'running_var', 'num_batches_tracked']
        """
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        """Iterate over the buffers (see :meth:`register_buffer`), each once.

        Args:
            recurse: include the descendants' buffers (default), or only this module's own.

        Returns:
            an iterator of Tensors.

        >>> import gpugrad as gg
        >>> [tuple(b.shape) for b in gg.nn.BatchNorm1d(3).buffers()]
        [(3,), (3,), ()]
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The descendant at a dotted path, as :meth:`named_modules` names it.

        Args:
            target: the path (``"encoder.0"``); ``""`` is this module.

        Returns:
            the module; a missing part raises AttributeError naming it.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Sequential(gg.nn.Linear(2, 3)))
        >>> m.get_submodule("0.0")
        Linear(in_features=2, out_features=3, bias=True)
        """
        m = self
        for part in target.split(".") if target else []:
            if part not in m._modules:
                raise AttributeError(f"get_submodule: {type(m).__name__} has no submodule {part!r} "
                                     f"(looking up {target!r})")
            m = m._modules[part]
        return m

    def apply(self, fn):
        """Call ``fn`` on every descendant, then on this module (PyTorch's order): custom initialization.

        Args:
            fn: called with each module; its return value is ignored.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> def init(m):
        ...     if isinstance(m, gg.nn.Linear):
        ...         gg.nn.init.zeros_(m.bias)
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU()).apply(init)
        >>> m[0].bias
        Parameter containing:
        tensor([0., 0., 0.], requires_grad=True)
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

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

    def share_memory(self):
        """Move every parameter and buffer into shared memory (:meth:`gpugrad.Tensor.share_memory_`), so that
        processes forked afterwards see the same storage.

        Returns:
            This module.

        >>> import gpugrad as gg
        >>> net = gg.nn.Linear(2, 1).share_memory()
        >>> net.weight.is_shared()
        True
        """
        for t in list(self.parameters()) + list(self.buffers()):
            t.share_memory_()
        return self

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

    # -- moving -----------------------------------------------------------------------------------------
    def to(self, *args, device=None, dtype=None):
        """Move and/or cast the parameters and buffers IN PLACE: the same Parameter objects (an optimizer
        built on them keeps working) get new storage. ``to(device)``, ``to(dtype)``, ``to(device, dtype)``
        or ``to(tensor)``; a dtype applies to floating point tensors only, as in PyTorch.

        Args:
            *args: a device (``"cuda"``, ``"cpu"``, an index, a :class:`gpugrad.Device`), a floating point
                dtype, or a tensor whose device and dtype to take.
            device: the device, by keyword.
            dtype: the dtype, by keyword.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1)
        >>> w = m.weight
        >>> m.to(gg.float64).weight is w, w.dtype
        (True, dtype('float64'))
        """
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, int, Device)) and not isinstance(a, bool) and _names_device(a):
                device = a
            else:
                dtype = a
        dev = _parse_device(device) if device is not None else None
        dt = _dtype.as_dtype(dtype) if dtype is not None else None
        if dt is not None and dt.kind != "f":
            raise TypeError(f"Module.to: only floating point dtypes are accepted, got {dt}")
        for t in list(self.parameters()) + list(self.buffers()):
            _move_in_place(t, dev, dt)
        return self

    # -- state --------------------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """The module's state to save: parameters and persistent buffers by dotted name. The tensors share
        storage with the module (a later training step changes them): save them with ``gpugrad.save``.

        Args:
            destination: a dict to add the entries to (default: a new OrderedDict).
            prefix: put before every name.
            keep_vars: the Parameters themselves, rather than detached tensors.

        Returns:
            an OrderedDict of name -> Tensor.

        >>> import gpugrad as gg
        >>> sd = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.BatchNorm1d(3)).state_dict()
        >>> list(sd)[:3], sd["0.weight"].shape
        (['0.weight', '0.bias', '1.weight'], (3, 2))
        """
        out = OrderedDict() if destination is None else destination
        for mod_name, m in self.named_modules(prefix=prefix.rstrip(".") if prefix else "",
                                              remove_duplicate=False):
            pre = f"{mod_name}." if mod_name else ""
            for k, p in m._parameters.items():
                if p is not None:              # (a lazy layer's UninitializedParameter is saved as itself)
                    out[pre + k] = p if keep_vars or is_lazy(p) else p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent_buffers:
                    out[pre + k] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy tensors from ``state_dict`` into this module's parameters and persistent buffers, in place
        (cast to each one's dtype, moved to its device). Nothing is written if any entry does not fit.

        Args:
            state_dict: name -> Tensor or array (NumPy, CuPy, a PyTorch tensor), as :meth:`state_dict` or
                ``gpugrad.load`` returns.
            strict: raise on missing and unexpected keys (mis-shaped entries always raise).

        Returns:
            :class:`IncompatibleKeys` ``(missing_keys, unexpected_keys)``.

        >>> import gpugrad as gg
        >>> a, b = gg.nn.Linear(2, 1), gg.nn.Linear(2, 1)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((a.weight == b.weight).all())
        True
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict of name -> Tensor, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, arrays = [], {}
        for k, dst in own.items():
            if k not in state_dict:
                continue
            if is_lazy(state_dict[k]):
                if not is_lazy(dst):
                    errors.append(f"for {k}: the checkpoint's value is an uninitialized parameter (a lazy layer "
                                  f"that was never called), the one in current model has shape {tuple(dst.shape)}")
                continue                        # uninitialized into uninitialized: nothing to copy
            arr, why = _checkpoint_array(state_dict[k])
            if arr is None:
                errors.append(f"for {k}: {why}")
                continue
            if is_lazy(dst):                    # a lazy layer takes the checkpoint's shape (materialized below)
                arrays[k] = arr
                continue
            if tuple(arr.shape) != tuple(dst.shape):
                errors.append(f"size mismatch for {k}: copying a param with shape {tuple(arr.shape)} from "
                              f"checkpoint, the shape in current model is {tuple(dst.shape)}.")
            arrays[k] = arr
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                              + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for k, arr in arrays.items():           # nothing is written unless everything fits
            dst = own[k]
            if is_lazy(dst):
                dst.materialize(arr.shape)
            dst._data[...] = to_device(arr, dst.device).astype(dst.dtype, copy=False)
            dst._vc[0] += 1
        return IncompatibleKeys(missing, unexpected)

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


def _checkpoint_array(src):
    """(array, None) for a state_dict entry: a Tensor, a NumPy or device array (CuPy, a CUDA tensor of
    PyTorch), or a host array of another library (a PyTorch CPU tensor); (None, why) for anything else."""
    if isinstance(src, Tensor):
        return src._data, None
    if isinstance(src, np.ndarray):
        return src, None
    kind = f"{type(src).__module__}.{type(src).__qualname__}"
    try:
        if is_device_array(src):
            return device_array(src), None
        if hasattr(src, "__array__") and hasattr(src, "shape"):
            return np.asarray(src), None
    except (TypeError, ValueError, RuntimeError) as e:
        return None, f"cannot read the {kind} as an array ({e})"
    return None, f"expected a Tensor or an array, got {kind}"


def _names_device(spec) -> bool:
    """Whether ``spec`` ('cpu', 'cuda:1', 0, a Device) names a device rather than a dtype ('float64')."""
    try:
        _parse_device(spec)
        return True
    except ValueError:
        return False


def _move_in_place(t: Tensor, dev, dt) -> None:
    """Replace t's storage by a copy on ``dev`` / in ``dt``, keeping the Tensor object (and its .grad's)."""
    arr = t._data
    changed = False
    if dt is not None and arr.dtype.kind == "f" and arr.dtype != dt:
        arr = arr.astype(dt)
        changed = True
    if dev is not None and t.device != dev:
        arr = to_device(arr, dev)
        changed = True
    if not changed:
        return
    t._data = arr
    t._grad_buffer = None            # a flat gradient buffer on the old device/dtype can't receive grads
    g = t.grad
    if g is not None:
        _move_in_place(g, dev, dt)
