"""Module tree: walking a module's descendants, parameters and buffers (``named_modules``,
``parameters``, ...), finding one by its dotted name, and ``apply``, as a base class of
:class:`gpugrad.nn.Module`."""
from __future__ import annotations


class _ModuleTree:
    """The tree walk of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

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

    def modules(self, remove_duplicate: bool = True):
        """Iterate over this module and every descendant, depth first.

        Args:
            remove_duplicate: yield a module reachable by several paths once (default), or once per path.

        Returns:
            an iterator of modules, ``self`` first.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU())
        >>> [type(mod).__name__ for mod in m.modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        for _, m in self.named_modules(remove_duplicate=remove_duplicate):
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
            if m._modules.get(part) is None:
                raise AttributeError(f"get_submodule: {type(m).__name__} has no submodule {part!r} "
                                     f"(looking up {target!r})")
            m = m._modules[part]
        return m

    def set_submodule(self, target: str, module, strict: bool = False) -> None:
        """Put ``module`` at a dotted path: replace the descendant there, or add it as a new child of the
        module the path's head names (model surgery: swapping a layer).

        Args:
            target: the path (``"encoder.0"``), not empty.
            module: the new :class:`gpugrad.nn.Module`.
            strict: only replace an existing child; a new name raises AttributeError.

        Returns:
            None. A missing parent, or a name that holds something other than a module, raises AttributeError.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU())
        >>> m.set_submodule("1", gg.nn.Tanh()); m
        Sequential(
          (0): Linear(in_features=2, out_features=3, bias=True)
          (1): Tanh()
        )
        """
        if target == "":
            raise ValueError("set_submodule: cannot set the submodule without a target name")
        if not isinstance(module, _ModuleTree):          # (every Module is one)
            raise ValueError(f"set_submodule: `module` is not an nn.Module, found {type(module)}")
        head, _, name = target.rpartition(".")
        parent = self.get_submodule(head)
        if hasattr(parent, name):
            if not isinstance(getattr(parent, name), _ModuleTree):
                raise AttributeError(f"set_submodule: `{name}` of {parent._get_name()} is not an nn.Module")
        elif strict:
            raise AttributeError(f"set_submodule: {parent._get_name()} has no attribute `{name}` (strict=True "
                                 f"only replaces an existing submodule)")
        setattr(parent, name, module)

    def get_parameter(self, target: str):
        """The parameter at a dotted path, as :meth:`named_parameters` names it.

        Args:
            target: the path (``"0.weight"``).

        Returns:
            the :class:`gpugrad.nn.Parameter`; a missing module or a name that is not a parameter raises
            AttributeError.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3))
        >>> m.get_parameter("0.bias") is m[0].bias
        True
        """
        head, _, name = target.rpartition(".")
        mod = self.get_submodule(head)
        if not hasattr(mod, name):
            raise AttributeError(f"get_parameter: {mod._get_name()} has no attribute `{name}`")
        if mod._parameters.get(name) is None:
            raise AttributeError(f"get_parameter: `{name}` is not an nn.Parameter")
        return mod._parameters[name]

    def get_buffer(self, target: str):
        """The buffer at a dotted path, as :meth:`named_buffers` names it.

        Args:
            target: the path (``"1.running_mean"``).

        Returns:
            the Tensor (None for a buffer slot registered as None); a missing module or a name that is not a
            buffer raises AttributeError.

        >>> import gpugrad as gg
        >>> m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.BatchNorm1d(3))
        >>> m.get_buffer("1.running_var")
        tensor([1., 1., 1.])
        """
        head, _, name = target.rpartition(".")
        mod = self.get_submodule(head)
        if not hasattr(mod, name):
            raise AttributeError(f"get_buffer: {mod._get_name()} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"get_buffer: `{name}` is not a buffer")
        return mod._buffers[name]

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
