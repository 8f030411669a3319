"""``torch.nn.utils.prune``: masking parameters to zero, with PyTorch's names, mechanism and state dict keys.

Pruning parameter ``name`` of a module moves the Parameter itself to ``<name>_orig`` (the same object, so an
optimizer built before or after keeps training it, through its flat buffer), adds the buffer ``<name>_mask``
and makes ``module.<name>`` a plain attribute, ``<name>_orig * <name>_mask``, that a forward pre-hook (the
pruning method itself) recomputes before each call: the loss then reaches ``<name>_orig`` through the mask,
so pruned entries get zero gradient. Pruning the same parameter again combines the masks through a
:class:`PruningContainer`: the new method acts only on what the mask still keeps (unpruned entries,
or unpruned channels). :func:`remove` makes the pruning permanent (``<name>`` is a Parameter again, holding
the masked values).
"""
from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

from ...factories import ones_like, zeros_like
from ...ops.order_stats import kthvalue
from ...ops.reduction import norm
from ...ops.torch_more import rand_like, topk
from ...random_factories import rand
from .norm_hooks import _pre_hooks

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
           "RandomStructured", "LnStructured", "CustomFromMask", "identity", "random_unstructured",
           "l1_unstructured", "random_structured", "ln_structured", "global_unstructured", "custom_from_mask",
           "remove", "is_pruned"]


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


class Identity(BasePruningMethod):
    """A method that prunes nothing: it only sets up ``<name>_orig`` and a mask of ones.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> sorted(prune.identity(gg.nn.Linear(2, 1), "weight").state_dict())
    ['bias', 'weight_mask', 'weight_orig']
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


def _check_amount(amount) -> None:
    """An int >= 0 (a count) or a float in [0, 1] (a fraction)."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (amount < 0) if isinstance(amount, numbers.Integral) else not 0.0 <= float(amount) <= 1.0:
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _count(amount, size) -> int:
    """How many of ``size`` units ``amount`` prunes (a fraction is rounded half to even, as Python's round)."""
    n = amount if isinstance(amount, numbers.Integral) else round(amount * size)
    if isinstance(n, numbers.Integral) and n > size:
        raise ValueError(f"amount={n} should be smaller than the number of parameters to prune={size}")
    return n


def _channels_to_prune(t, dim, amount):
    """(channels along ``dim``, how many to prune), after checking that ``t`` has channels there."""
    if len(t.shape) <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. Found tensor of "
                         f"shape {t.shape} with {len(t.shape)} dims")
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")
    size = t.shape[dim]
    return size, _count(amount, size)


class _Unstructured(BasePruningMethod):
    """The unstructured methods: zero the ``amount`` entries of the smallest ``_scores(t)`` in a copy of the
    earlier mask."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        k = _count(self.amount, t.nelement())
        mask = default_mask.clone()
        if k != 0:
            mask.view(-1)[topk(self._scores(t).reshape(-1), k=k, largest=False).indices] = 0
        return mask


def _channel_mask(t, dim, keep, default_mask):
    """``default_mask`` times ones in the channels ``keep`` (an index or boolean tensor) along ``dim``, zeros
    elsewhere."""
    mask = zeros_like(t)
    mask[tuple(keep if d == dim else slice(None) for d in range(t.dim()))] = 1
    mask *= default_mask.to(dtype=mask.dtype)
    return mask


class RandomUnstructured(_Unstructured):
    """Prune ``amount`` entries (of those not pruned yet) chosen at random.

    Args:
        amount: an int, the number of entries, or a float in [0, 1], their fraction (rounded).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> int((prune.RandomUnstructured(amount=0.25).prune(gg.ones(8)) == 0).sum())
    2
    """

    def _scores(self, t):
        return rand_like(t)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prune the ``amount`` entries (of those not pruned yet) of the smallest absolute value.

    Args:
        amount: an int, the number of entries, or a float in [0, 1], their fraction (rounded).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> prune.L1Unstructured(amount=2).prune(gg.tensor([0.5, -3.0, 0.1, 2.0])).tolist()
    [0.0, -3.0, 0.0, 2.0]
    """

    def _scores(self, t):
        return t.abs()

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prune ``amount`` whole channels along ``dim`` (of those not pruned yet), chosen at random.

    Args:
        amount: an int, the number of channels, or a float in [0, 1], their fraction (rounded).
        dim: the dim whose slices are the channels.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> out = prune.RandomStructured(amount=1, dim=0).prune(gg.ones(3, 2))
    >>> sorted(out.sum(1).tolist())
    [0.0, 2.0, 2.0]
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        size, k = _channels_to_prune(t, self.dim, self.amount)
        if k == 0:
            return default_mask
        prob = rand(size, device=t.device)
        return _channel_mask(t, self.dim, prob > kthvalue(prob, k=k).values, default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prune the ``amount`` channels along ``dim`` (of those not pruned yet) of the smallest L``n`` norm.

    Args:
        amount: an int, the number of channels, or a float in [0, 1], their fraction (rounded).
        n: the norm's order, as :func:`gpugrad.norm`'s ``p`` (1, 2, ``float("inf")``, "fro"...).
        dim: the dim whose slices are the channels.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> prune.LnStructured(amount=1, n=2, dim=0).prune(gg.tensor([[3.0, 4.0], [1.0, 1.0]])).tolist()
    [[3.0, 4.0], [0.0, 0.0]]
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        size, k = _channels_to_prune(t, self.dim, self.amount)
        dims = list(range(t.dim()))
        if self.dim < 0:
            self.dim = dims[self.dim]            # (PyTorch stores the dim made non-negative)
        dims.remove(self.dim)
        keep = topk(norm(t, p=self.n, dim=dims), k=size - k, largest=True).indices
        if k == 0:
            return default_mask
        return _channel_mask(t, self.dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prune with a given mask (zeros where to prune), on top of the earlier mask.

    Args:
        mask: a tensor of the parameter's shape.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> prune.CustomFromMask(gg.tensor([1, 0, 1])).prune(gg.tensor([5.0, 6.0, 7.0])).tolist()
    [5.0, 0.0, 7.0]
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise AssertionError(f"default_mask shape {default_mask.shape} must match self.mask shape "
                                 f"{self.mask.shape}")
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


def identity(module, name):
    """Set up pruning of ``module.<name>`` without pruning anything (a mask of ones).

    Args:
        module: the module that holds the parameter.
        name: the parameter's name.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> prune.identity(gg.nn.Linear(2, 3), "bias").bias_mask.tolist()
    [1.0, 1.0, 1.0]
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune ``amount`` entries of ``module.<name>`` chosen at random (:class:`RandomUnstructured`).

    Args:
        module: the module that holds the parameter.
        name: the parameter's name.
        amount: an int, the number of entries, or a float in [0, 1], their fraction.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> int(prune.random_unstructured(gg.nn.Linear(5, 4), "weight", amount=0.5).weight_mask.sum())
    10
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the ``amount`` entries of ``module.<name>`` of the smallest absolute value (or importance score).

    Args:
        module: the module that holds the parameter.
        name: the parameter's name.
        amount: an int, the number of entries, or a float in [0, 1], their fraction.
        importance_scores: a tensor of the parameter's shape ranking its entries in its place (None: the
            parameter).

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> fc = gg.nn.Linear(2, 3)
    >>> fc.bias.data = gg.tensor([0.1, -2.0, 0.5])
    >>> prune.l1_unstructured(fc, "bias", amount=1).bias.tolist()
    [0.0, -2.0, 0.5]
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune ``amount`` channels along ``dim`` of ``module.<name>``, chosen at random.

    Args:
        module: the module that holds the parameter.
        name: the parameter's name.
        amount: an int, the number of channels, or a float in [0, 1], their fraction.
        dim: the dim whose slices are the channels.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> fc = prune.random_structured(gg.nn.Linear(3, 4), "weight", amount=2, dim=0)
    >>> int((fc.weight_mask.sum(1) == 0).sum())
    2
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the ``amount`` channels along ``dim`` of ``module.<name>`` of the smallest L``n`` norm.

    Args:
        module: the module that holds the parameter.
        name: the parameter's name.
        amount: an int, the number of channels, or a float in [0, 1], their fraction.
        n: the norm's order (1, 2, ``float("inf")``, "fro"...).
        dim: the dim whose slices are the channels.
        importance_scores: a tensor of the parameter's shape ranked in its place (None: the parameter).

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> fc = gg.nn.Linear(2, 2)
    >>> fc.weight.data = gg.tensor([[1.0, 1.0], [3.0, 0.0]])
    >>> prune.ln_structured(fc, "weight", amount=1, n=1, dim=0).weight.tolist()
    [[0.0, 0.0], [3.0, 0.0]]
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the parameters ``(module, name)`` together: one unstructured method ranks all their entries at
    once (the smallest ``amount`` of them all, for :class:`L1Unstructured`), and each parameter gets its part of
    the mask through :func:`custom_from_mask`.

    Args:
        parameters: an iterable of ``(module, name)`` pairs.
        pruning_method: an unstructured method class (:class:`L1Unstructured`, :class:`RandomUnstructured`).
        importance_scores: a dict ``(module, name) -> scores`` (missing pairs rank by the parameter).
        **kwargs: the method's arguments (``amount``).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> a, b = gg.nn.Linear(2, 2), gg.nn.Linear(2, 2)
    >>> prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=3)
    >>> int((a.weight == 0).sum() + (b.weight == 0).sum())
    3
    """
    from . import parameters_to_vector
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    parameters = list(parameters)          # (walked three times: a generator would be spent)
    scores = parameters_to_vector([importance_scores.get((m, n), getattr(m, n)) for m, n in parameters])
    default_mask = parameters_to_vector([getattr(m, n + "_mask") if hasattr(m, n + "_mask")
                                         else ones_like(getattr(m, n)) for m, n in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final_mask = container.compute_mask(scores, default_mask)
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        n = param.numel()
        custom_from_mask(module, name, mask=final_mask[pointer:pointer + n].view_as(param))
        pointer += n


def custom_from_mask(module, name, mask):
    """Prune ``module.<name>`` with the given mask (zeros where to prune).

    Args:
        module: the module that holds the parameter.
        name: the parameter's name.
        mask: a tensor of the parameter's shape.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> prune.custom_from_mask(gg.nn.Linear(5, 3), name="bias", mask=gg.tensor([0, 1, 0])).bias_mask
    tensor([0., 1., 0.])
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name):
    """Make the pruning of ``module.<name>`` permanent: the parameter ``<name>`` holds the masked values (the
    same Parameter object as ``<name>_orig`` was), ``<name>_orig``, ``<name>_mask`` and the hook go.

    Args:
        module: the pruned module.
        name: the parameter's name.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> fc = prune.random_unstructured(gg.nn.Linear(5, 7), name="weight", amount=0.2)
    >>> [n for n, _ in prune.remove(fc, name="weight").named_parameters()]
    ['bias', 'weight']
    """
    for key, hook in list(_pre_hooks(module).items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            _drop_hook(module, key)
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module) -> bool:
    """Whether ``module`` or any module inside it has a pruning hook.

    Args:
        module: the module.

    Returns:
        bool.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import prune
    >>> net = gg.nn.Sequential(gg.nn.Linear(2, 2), gg.nn.ReLU())
    >>> prune.is_pruned(net), prune.is_pruned(prune.identity(net[0], "bias"))
    (False, True)
    """
    return any(isinstance(hook, BasePruningMethod)
               for _, sub in module.named_modules() for hook in _pre_hooks(sub).values())
