"""The machinery of :mod:`gpugrad.nn.utils.prune`: :class:`BasePruningMethod` (a pruning method is the
forward pre-hook that recomputes ``<name> = <name>_orig * <name>_mask``) and :class:`PruningContainer` (the
methods applied in turn to one parameter). The concrete methods and the functional API are in ``prune``."""
from __future__ import annotations

from abc import ABC, abstractmethod

from ...factories import ones_like
from .norm_hooks import _pre_hooks

__all__ = ["BasePruningMethod", "PruningContainer"]


def _drop_hook(module, key) -> None:
    """Take the forward pre-hook ``key`` off ``module`` (and the hook table, once empty: the fast call path)."""
    d = module.__dict__
    hooks = d["_forward_hooks"]
    del hooks["pre"][key]
    for flags in hooks.values():
        if isinstance(flags, set):
            flags.discard(key)
    if not any(table for table in hooks.values() if isinstance(table, dict)):
        del d["_forward_hooks"]


class BasePruningMethod(ABC):
    """The base of the pruning methods: a subclass defines ``PRUNING_TYPE`` ("unstructured", "structured"
    with a ``dim`` attribute, or "global") and :meth:`compute_mask`; an instance applied to a module is that
    module's forward pre-hook, which sets ``module.<name>`` to ``<name>_orig * <name>_mask`` before each call.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> class Halve(prune.BasePruningMethod):
    ...     PRUNING_TYPE = "unstructured"
    ...     def compute_mask(self, t, default_mask):
    ...         return default_mask * (gg.arange(t.numel()).view_as(t) % 2 == 0)
    >>> Halve().prune(gg.ones(4)).tolist()
    [1.0, 0.0, 1.0, 0.0]
    """

    _tensor_name: str
    PRUNING_TYPE: str

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The new mask of ``t``: the method's own mask combined with ``default_mask`` (what earlier pruning
        kept; ones for a tensor not pruned yet), which it must respect. Each method overrides it.

        Args:
            t: the tensor to prune (or its importance scores).
            default_mask: the mask of earlier pruning, of ``t``'s shape.

        Returns:
            the mask, of ``t``'s shape.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import prune
        >>> prune.L1Unstructured(amount=1).compute_mask(gg.tensor([3.0, -1.0, 2.0]), gg.ones(3)).tolist()
        [1.0, 0.0, 1.0]
        """

    def apply_mask(self, module):
        """``<name>_orig`` times ``<name>_mask`` (cast to the parameter's dtype), recorded on the tape.

        Args:
            module: the pruned module.

        Returns:
            the pruned tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import prune
        >>> fc = gg.nn.Linear(2, 2)
        >>> method = prune.CustomFromMask.apply(fc, "bias", gg.tensor([0.0, 1.0]))
        >>> method.apply_mask(fc)[0].item() == 0
        True
        """
        if getattr(self, "_tensor_name", None) is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune ``module.<name>`` with a new ``cls(*args, **kwargs)``: the first time, the parameter moves to
        ``<name>_orig`` and the buffer ``<name>_mask`` is added; later, the method joins the parameter's
        :class:`PruningContainer`, acting on what the mask still keeps. The method becomes the module's
        forward pre-hook. On an error (an amount too large) the module is left as it was.

        Args:
            module: the module that holds the parameter.
            name: the parameter's name.
            *args: the method's arguments (``amount``...).
            importance_scores: a tensor of the parameter's shape that ranks its entries in its place (None:
                the parameter itself).
            **kwargs: the method's keyword arguments.

        Returns:
            the method (a :class:`PruningContainer` when pruned before).

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import prune
        >>> fc = gg.nn.Linear(3, 2)
        >>> type(prune.L1Unstructured.apply(fc, "weight", amount=2)).__name__, int((fc.weight == 0).sum())
        ('L1Unstructured', 2)
        """
        method = cls._composite(module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            if importance_scores.shape != orig.shape:
                raise AssertionError(f"importance_scores should have the same shape as parameter {name} of "
                                     f"{module}, got {importance_scores.shape} vs {orig.shape}")
        else:
            importance_scores = orig
        first = not isinstance(method, PruningContainer)
        if first:
            module.register_parameter(name + "_orig", orig)     # the same Parameter: optimizers keep it
            del module._parameters[name]
            default_mask = ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:                                            # undo the reparametrization
                module.__dict__.pop(name, None)
                module.register_parameter(name, getattr(module, name + "_orig"))
                del module._parameters[name + "_orig"]
            raise
        return method

    @classmethod
    def _composite(cls, module, name, *args, **kwargs):
        """A new ``cls`` method for ``name``, joined with the module's earlier pruning of it (whose hook is
        taken off: the caller registers the result)."""
        hooks = _pre_hooks(module)
        found = [(k, h) for k, h in hooks.items() if isinstance(h, BasePruningMethod) and h._tensor_name == name]
        if len(found) > 1:
            raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} of module "
                                 f"{module}. Use a PruningContainer.")
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if not found:
            return method
        key, old = found[0]
        _drop_hook(module, key)
        if not isinstance(old, PruningContainer):
            old = PruningContainer(old)
        old.add_pruning_method(method)
        return old

    def prune(self, t, default_mask=None, importance_scores=None):
        """``t`` times its mask (:meth:`compute_mask`), without touching any module.

        Args:
            t: the tensor to prune.
            default_mask: the mask of earlier pruning (None: ones).
            importance_scores: a tensor of ``t``'s shape that ranks its entries in its place (None: ``t``).

        Returns:
            the pruned tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import prune
        >>> prune.L1Unstructured(amount=0.5).prune(gg.tensor([1.0, -4.0, 0.5, 2.0])).tolist()
        [0.0, -4.0, 0.0, 2.0]
        """
        if importance_scores is not None:
            if importance_scores.shape != t.shape:
                raise AssertionError(f"importance_scores should have the same shape as tensor t, got "
                                     f"{importance_scores.shape} vs {t.shape}")
        else:
            importance_scores = t
        default_mask = default_mask if default_mask is not None else ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module) -> None:
        """Make the pruning permanent: ``<name>_orig`` (the same Parameter) takes the masked values, in place,
        and is ``<name>`` again; ``<name>_mask`` goes. The hook itself is taken off by :func:`remove`.

        Args:
            module: the pruned module.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import prune
        >>> fc = gg.nn.Linear(2, 2)
        >>> prune.CustomFromMask.apply(fc, "bias", gg.tensor([0.0, 1.0])).remove(fc)
        >>> sorted(fc.state_dict()), fc.bias[0].item() == 0
        (['bias', 'weight'], True)
        """
        if getattr(self, "_tensor_name", None) is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        name = self._tensor_name
        weight = self.apply_mask(module)
        module.__dict__.pop(name, None)
        orig = module._parameters[name + "_orig"]
        orig._data[...] = weight._data       # in place: an optimizer's flat buffer keeps viewing it
        orig._vc[0] += 1
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied in turn to one parameter (what :meth:`BasePruningMethod.apply` builds when
    a parameter is pruned again); its mask is the last method's, computed on what the earlier mask keeps.

    Args:
        *args: the methods (one method: the container takes its parameter name).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> fc = gg.nn.Linear(4, 2)
    >>> _ = prune.l1_unstructured(fc, "weight", amount=2)
    >>> _ = prune.random_unstructured(fc, "weight", amount=3)
    >>> hook, = gg.nn.utils.norm_hooks._pre_hooks(fc).values()
    >>> [type(m).__name__ for m in hook]
    ['L1Unstructured', 'RandomUnstructured']
    >>> int((fc.weight == 0).sum())
    5
    """

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method) -> None:
        """Append ``method`` (which must act on the container's parameter).

        Args:
            method: a :class:`BasePruningMethod` (None is appended as it is, as in PyTorch).

        Returns:
            None.

        >>> from gpugrad.nn.utils import prune
        >>> c = prune.PruningContainer()
        >>> c._tensor_name = "weight"
        >>> m = prune.Identity(); m._tensor_name = "weight"
        >>> c.add_pruning_method(m); len(c)
        1
        """
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' "
                             f"to PruningContainer {self}. Found '{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """The last method's mask, computed only where ``default_mask`` still keeps something: the kept entries
        (flattened) of an "unstructured" method, the kept channels along its ``dim`` of a "structured" one,
        everything for a "global" one; the rest of the mask stays ``default_mask``'s.

        Args:
            t: the tensor to prune (or its importance scores).
            default_mask: the mask so far (it is written into).

        Returns:
            the combined mask.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import prune
        >>> c = prune.PruningContainer(); c._tensor_name = "w"
        >>> m = prune.L1Unstructured(amount=1); m._tensor_name = "w"
        >>> c.add_pruning_method(m)
        >>> c.compute_mask(gg.tensor([1.0, 2.0, 3.0]), gg.tensor([0.0, 1.0, 1.0])).tolist()
        [0.0, 0.0, 1.0]
        """
        method = self._pruning_methods[-1]
        mask = default_mask.to(dtype=t.dtype)
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            slc = default_mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute '
                                     '`dim` defined.')
            n_dims = t.dim()
            dim = method.dim + n_dims if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            keep_channel = default_mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
            slc = tuple(keep_channel if d == dim else slice(None) for d in range(n_dims))
        elif kind == "global":
            slc = (slice(None),) * len(t.shape)
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        partial = method.compute_mask(t[slc], default_mask=default_mask[slc])
        mask[slc] = partial.to(dtype=mask.dtype)
        return mask
