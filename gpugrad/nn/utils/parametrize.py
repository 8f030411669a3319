"""``torch.nn.utils.parametrize``: a module's parameter or buffer replaced by a function of other tensors.

``register_parametrization(m, "weight", P)`` moves ``m.weight`` into ``m.parametrizations.weight.original``
(or ``original0``, ``original1``... when ``P.right_inverse`` returns several tensors) and makes ``m.weight``
a property that returns ``P(original)`` on every read, so gradients flow to ``original``. As in PyTorch, the
property lives on a subclass generated for that one module (``ParametrizedLinear``), so other instances of
the class are untouched, and the state dict keys are PyTorch's (``parametrizations.weight.original``).
Reached as ``gpugrad.nn.utils.parametrize``.
"""
from __future__ import annotations

import collections.abc
from contextlib import contextmanager
from copy import deepcopy

from ...autograd import no_grad
from ...tensor import Tensor
from ..module import Module
from ..modules.containers import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations", "transfer_parametrizations_and_params"]

_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached():
    """Within this context, each parametrized tensor is computed once, on its first read, and reused (for a
    weight read at every step of a recurrent loop); the values are dropped on exit.

    Returns:
        a context manager.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> class Double(gg.nn.Module):
    ...     def forward(self, x):
    ...         return 2 * x
    >>> fc = P.register_parametrization(gg.nn.Linear(2, 2), "weight", Double())
    >>> with P.cached():
    ...     fc.weight is fc.weight
    True
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module, name, x):
    if isinstance(x, Parameter):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _maybe_set(dest, src):
    """PyTorch's ``dest.set_(src)``: ``dest`` (the same object, so optimizers keep it) takes ``src``'s value.
    The value is copied into ``dest``'s own array when the shapes agree (a parameter may be a view into an
    optimizer's flat buffer, which must stay linked); else ``dest`` takes ``src``'s array."""
    if tuple(dest.shape) == tuple(src.shape) and dest.dtype == src.dtype and dest.device == src.device:
        dest._data[...] = src._data
    else:
        dest._data = src._data
    dest._vc[0] += 1


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the unparametrized tensor(s) they start from
    (``original``, or ``original0``, ``original1``... when ``right_inverse`` returns a sequence). Built by
    :func:`register_parametrization`; found at ``module.parametrizations[tensor_name]``.

    Args:
        modules: the parametrizations (at least one).
        original: the tensor being parametrized (a Parameter or a buffer).
        unsafe: skip the checks that the parametrization keeps the dtype and shape.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> class Double(gg.nn.Module):
    ...     def forward(self, x):
    ...         return 2 * x
    >>> fc = P.register_parametrization(gg.nn.Linear(2, 2), "weight", Double())
    >>> type(fc.parametrizations.weight).__name__
    'ParametrizationList'
    """

    def __init__(self, modules, original, unsafe: bool = False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = tuple(original.shape), original.dtype
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, collections.abc.Sequence)):
            raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}")
            if original.device != new.device:
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the device.\n"
                                 f"original.device: {original.device}\n"
                                 f"right_inverse(original).device: {new.device}")
            if new is not original:
                with no_grad():
                    _maybe_set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, orig_i in enumerate(new):
                if not isinstance(orig_i, Tensor):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, "
                                     f"tuple...). Got element {i} of the sequence with type {type(orig_i).__name__}.")
                if isinstance(original, Parameter):
                    orig_i = Parameter(orig_i, original.requires_grad)
                orig_i.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", orig_i)
        if not self.unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(z).__name__}.")
            if z.dtype != dtype:
                raise ValueError(f"Registering a parametrization may not change the dtype of the tensor, unless "
                                 f"`unsafe` flag is enabled.\nunparametrized dtype: {dtype}\n"
                                 f"parametrized dtype: {z.dtype}")
            if tuple(z.shape) != shape:
                raise ValueError(f"Registering a parametrization may not change the shape of the tensor, unless "
                                 f"`unsafe` flag is enabled.\nunparametrized shape: {_size(shape)}\n"
                                 f"parametrized shape: {_size(z.shape)}")

    def right_inverse(self, value) -> None:
        """Set the original tensor(s) so that the parametrized tensor becomes ``value``: ``value`` is passed
        through each parametrization's ``right_inverse``, last first (what ``module.weight = value`` calls).

        Args:
            value: the tensor the parametrized tensor should equal.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import parametrize as P
        >>> class Double(gg.nn.Module):
        ...     def forward(self, x):
        ...         return 2 * x
        ...     def right_inverse(self, y):
        ...         return y / 2
        >>> fc = P.register_parametrization(gg.nn.Linear(1, 1), "weight", Double())
        >>> fc.weight = gg.tensor([[4.0]])
        >>> fc.parametrizations.weight.original.tolist(), fc.weight.tolist()
        ([[2.0]], [[4.0]])
        """
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} while "
                                     f"`original` has dtype {self.original.dtype}")
                _maybe_set(self.original, value)
            else:
                if not isinstance(value, collections.abc.Sequence):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got "
                                     f"{type(value).__name__}.")
                if len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of tensors of length "
                                     f"{self.ntensors}. Got a sequence of length {len(value)}.")
                for i, t in enumerate(value):
                    orig_i = getattr(self, f"original{i}")
                    if not isinstance(t, Tensor):
                        raise ValueError(f"'right_inverse' must return a sequence of tensors or reference-type "
                                         f"opaques. Got element {i} of type {type(t).__name__}.")
                    if orig_i.dtype != t.dtype:
                        raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype {t.dtype} while "
                                         f"`original{i}` has dtype {orig_i.dtype}")
                    _maybe_set(orig_i, t)

    def forward(self):
        """The parametrized tensor: the first parametrization applied to the original(s), then the others in
        order.

        Returns:
            a Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.nn.utils import parametrize as P
        >>> class Double(gg.nn.Module):
        ...     def forward(self, x):
        ...         return 2 * x
        >>> fc = P.register_parametrization(gg.nn.Linear(2, 2), "weight", Double())
        >>> bool((fc.parametrizations.weight() == fc.weight).all())
        True
        """
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in mods[1:]:
            x = m(x)
        return x


def _size(shape):
    return f"torch.Size([{', '.join(str(int(s)) for s in shape)}])"


def _inject_new_class(module):
    """Give ``module`` a class of its own (a subclass named ``Parametrized<Class>``) to hold the properties."""
    cls = module.__class__

    def default_deepcopy(self, memo):
        obj = memo.get(id(self), None)
        if obj is not None:
            return obj
        replica = self.__new__(self.__class__)
        memo[id(self)] = replica
        Module.__setstate__(replica, deepcopy(self.__dict__, memo))
        return replica

    def getstate(self):
        raise RuntimeError("Serialization of parametrized modules is only supported through state_dict(). See:\n"
                           "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
                           "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training")

    dct = {"__getstate__": getstate}
    if not hasattr(cls, "__deepcopy__"):
        dct["__deepcopy__"] = default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), dct)


def _inject_property(module, tensor_name):
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(module), tensor_name)
        t = _cache.get(key)
        if t is None:
            t = _cache[key] = parametrization()
        return t

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(module, tensor_name: str, parametrization, *, unsafe: bool = False):
    """Replace the parameter or buffer ``module.<tensor_name>`` by ``parametrization(original)``, recomputed on
    every read (gradients reach ``original``), as ``torch.nn.utils.parametrize.register_parametrization``.

    The tensor moves to ``module.parametrizations[tensor_name].original``; when ``parametrization`` has a
    ``right_inverse``, ``original`` is initialised to ``right_inverse(tensor)`` (several tensors,
    ``original0``, ``original1``..., when it returns a sequence), and assigning ``module.<tensor_name> = value``
    sets the originals through it. Registering again on the same name chains the parametrizations.

    Args:
        module: the module owning the tensor.
        tensor_name: the name of a parameter or buffer (or of an already parametrized tensor).
        parametrization: a Module mapping the original tensor(s) to a tensor of the same shape and dtype.
        unsafe: skip the shape and dtype checks.

    Returns:
        ``module`` (now of a generated subclass, ``Parametrized<Class>``).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> class Symmetric(gg.nn.Module):
    ...     def forward(self, x):
    ...         return x.triu() + x.triu(1).transpose(-1, -2)
    >>> fc = P.register_parametrization(gg.nn.Linear(3, 3), "weight", Symmetric())
    >>> bool((fc.weight == fc.weight.T).all()), list(fc.state_dict())
    (True, ['bias', 'parametrizations.weight.original'])
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
            if x.dtype != y.dtype:
                raise ValueError(f"Registering a parametrization may not change the dtype of the tensor, unless "
                                 f"the `unsafe` flag is enabled.\nmodule.{tensor_name}.dtype: {y.dtype}\n"
                                 f"parametrization(module.{tensor_name}).dtype: {x.dtype}")
            if tuple(x.shape) != tuple(y.shape):
                raise ValueError(f"Registering a parametrization may not change the shape of the tensor, unless "
                                 f"the `unsafe` flag is enabled.\nmodule.{tensor_name}.shape: {_size(y.shape)}\n"
                                 f"parametrization(module.{tensor_name}).shape: {_size(x.shape)}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, Tensor):
                        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: "
                                         f"{type(z).__name__}")
                    if z.dtype != y.dtype:
                        raise ValueError(f"The tensor returned by parametrization.right_inverse must have the same "
                                         f"dtype as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                                         f"module.{tensor_name}.dtype: {y.dtype}\nreturned dtype: {z.dtype}")
                    if tuple(z.shape) != tuple(y.shape):
                        raise ValueError(f"The tensor returned by parametrization.right_inverse must have the same "
                                         f"shape as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                                         f"module.{tensor_name}.shape: {_size(y.shape)}\n"
                                         f"returned shape: {_size(z.shape)}")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, or on any tensor when it is None).

    Args:
        module: the module.
        tensor_name: the name of a tensor, or None.

    Returns:
        bool.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> fc = gg.nn.Linear(2, 2)
    >>> P.is_parametrized(fc), P.is_parametrized(gg.nn.utils.parametrizations.weight_norm(fc), "weight")
    (False, True)
    """
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module, tensor_name: str, leave_parametrized: bool = True):
    """Undo :func:`register_parametrization` on ``tensor_name``: it becomes a parameter (or buffer) again,
    holding the current parametrized value (``leave_parametrized=True``) or the original one; the module gets
    its class back once no parametrization is left.

    Args:
        module: the module.
        tensor_name: the name of the parametrized tensor.
        leave_parametrized: keep the parametrized value (else the original, only when it is one tensor).

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> fc = gg.nn.utils.parametrizations.weight_norm(gg.nn.Linear(2, 2))
    >>> type(P.remove_parametrizations(fc, "weight")).__name__, list(fc.state_dict())
    ('Linear', ['bias', 'weight'])
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
                _maybe_set(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
        t = getattr(module, tensor_name)
        original = Parameter(t) if t.requires_grad else t
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module) -> type:
    """The class ``module`` had before :func:`register_parametrization` gave it a generated subclass.

    Args:
        module: the module.

    Returns:
        its original class (``type(module)`` when it is not parametrized).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> fc = gg.nn.utils.parametrizations.weight_norm(gg.nn.Linear(2, 2))
    >>> type(fc).__name__, P.type_before_parametrizations(fc).__name__
    ('ParametrizedLinear', 'Linear')
    """
    return module.__class__.__bases__[0] if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name: str | None = None):
    """Register on ``to_module`` the parametrizations of ``from_module`` (all, or those of ``tensor_name``) and
    make it share their original tensors.

    Args:
        from_module: the parametrized module.
        to_module: the module that receives them (a missing tensor is created as a Parameter).
        tensor_name: one parametrized tensor's name, or None for all.

    Returns:
        ``to_module``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.utils import parametrize as P
    >>> a = gg.nn.utils.parametrizations.weight_norm(gg.nn.Linear(2, 2))
    >>> b = P.transfer_parametrizations_and_params(a, gg.nn.Linear(2, 2))
    >>> b.parametrizations.weight.original0 is a.parametrizations.weight.original0
    True
    """
    if is_parametrized(from_module):
        names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
        for name in names:
            if not hasattr(to_module, name):
                setattr(to_module, name, Parameter(getattr(from_module, name)))
            for p in from_module.parametrizations[name]:
                register_parametrization(to_module, name, p)
            src = from_module.parametrizations[name]
            if hasattr(src, "original"):
                to_module.parametrizations[name].original = src.original
            else:
                i = 0
                while hasattr(src, f"original{i}"):
                    setattr(to_module.parametrizations[name], f"original{i}", getattr(src, f"original{i}"))
                    i += 1
    return to_module
