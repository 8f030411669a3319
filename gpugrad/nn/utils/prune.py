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
from collections.abc import Iterable

from ...factories import ones_like, zeros_like
from ...ops.order_stats import kthvalue
from ...ops.reduction import norm
from ...ops.torch_more import rand_like, topk
from ...random_factories import rand
from ._prune_base import BasePruningMethod, PruningContainer, _drop_hook
from .norm_hooks import _pre_hooks

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
           "RandomStructured", "LnStructured", "CustomFromMask", "identity", "random_unstructured",
           "l1_unstructured", "random_structured", "ln_structured", "global_unstructured", "custom_from_mask",
           "remove", "is_pruned"]


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
