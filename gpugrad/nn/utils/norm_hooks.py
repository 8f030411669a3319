"""``torch.nn.utils.weight_norm`` / ``spectral_norm`` of the hook-based kind (PyTorch's older API, kept for old
code and checkpoints): the parameter is split into new parameters and buffers (``weight_g`` / ``weight_v``;
``weight_orig`` / ``weight_u`` / ``weight_v``) and a forward pre-hook recomputes ``module.weight`` (a plain
attribute) before each call. :mod:`gpugrad.nn.utils.parametrizations` has the newer forms."""
from __future__ import annotations

import warnings

from ...autograd import no_grad
from ...ops import dot, mv
from ...ops.linalg_api import pinv
from ...ops.linalg_more import multi_dot
from ..functional import normalize
from .parametrizations import _default_dim, _norm_except_dim, _weight_norm
from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "SpectralNorm", "SpectralNormLoadStateDictPreHook",
           "SpectralNormStateDictHook", "spectral_norm", "remove_spectral_norm"]


def _pre_hooks(module):
    """The module's forward pre-hooks, id -> hook (gpugrad's store of ``register_forward_pre_hook``)."""
    return module.__dict__.get("_forward_hooks", {}).get("pre", {})


class WeightNorm:
    """The forward pre-hook of :func:`weight_norm`: sets ``module.<name>`` to g * v / ||v|| before each call.

    Args:
        name: the parameter's name.
        dim: the dim kept by the norm (None or -1: the whole tensor).

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fc = gg.nn.utils.weight_norm(gg.nn.Linear(2, 2))
    >>> [type(h).__name__ for h in gg.nn.utils.norm_hooks._pre_hooks(fc).values()]
    ['WeightNorm']
    """

    def __init__(self, name: str, dim: int):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        """g * v / ||v|| from the module's ``<name>_g`` and ``<name>_v``.

        Args:
            module: the module.

        Returns:
            the weight (a tensor recorded on the tape).

        >>> import gpugrad as gg, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     fc = gg.nn.utils.weight_norm(gg.nn.Linear(2, 2))
        >>> hook = next(iter(gg.nn.utils.norm_hooks._pre_hooks(fc).values()))
        >>> hook.compute_weight(fc).shape
        gpugrad.Size([2, 2])
        """
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module, name: str, dim: int):
        """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` and register the hook.

        Args:
            module: the module.
            name: the parameter's name.
            dim: the dim kept by the norm.

        Returns:
            the :class:`WeightNorm` hook.

        >>> import gpugrad as gg
        >>> fc = gg.nn.Linear(2, 2)
        >>> gg.nn.utils.norm_hooks.WeightNorm.apply(fc, "weight", 0).name
        'weight'
        """
        for hook in _pre_hooks(module).values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying weight normalization")
        del module._parameters[name]
        with no_grad():
            module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module) -> None:
        """Put back ``module.<name>`` as one Parameter with the current value.

        Args:
            module: the module.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> fc = gg.nn.Linear(2, 2)
        >>> gg.nn.utils.norm_hooks.WeightNorm.apply(fc, "weight", 0).remove(fc)
        >>> "weight" in fc._parameters
        True
        """
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name: str = "weight", dim: int = 0):
    """Weight normalization with a forward pre-hook (deprecated in PyTorch, which warns with FutureWarning, as
    here; use :func:`gpugrad.nn.utils.parametrizations.weight_norm`): ``module.<name>`` = g * v / ||v||,
    learned as the parameters ``<name>_g`` and ``<name>_v``.

    Args:
        module: the module.
        name: the parameter's name.
        dim: the dim kept by the norm (0: one norm per output row; None: the whole tensor).

    Returns:
        ``module``.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fc = gg.nn.utils.weight_norm(gg.nn.Linear(3, 2))
    >>> list(fc.state_dict())
    ['bias', 'weight_g', 'weight_v']
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo :func:`weight_norm`: ``module.<name>`` is one Parameter again (with the current value).

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        ``module``.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fc = gg.nn.utils.weight_norm(gg.nn.Linear(3, 2))
    >>> list(gg.nn.utils.remove_weight_norm(fc).state_dict())
    ['bias', 'weight']
    """
    hooks = _pre_hooks(module)
    for k, hook in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")


class SpectralNorm:
    """The forward pre-hook of :func:`spectral_norm`: sets ``module.<name>`` to W / sigma(W) before each call
    (with power iteration steps in training mode).

    Args:
        name: the parameter's name.
        n_power_iterations: power iteration steps per call in training mode.
        dim: the dim of the output channels.
        eps: added to norms when normalizing u and v.

    >>> import gpugrad as gg
    >>> fc = gg.nn.utils.spectral_norm(gg.nn.Linear(2, 2))
    >>> [type(h).__name__ for h in gg.nn.utils.norm_hooks._pre_hooks(fc).values()]
    ['SpectralNorm']
    """

    _version = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        """The weight as a matrix: ``dim`` first, the other dims flattened.

        Args:
            weight: the tensor.

        Returns:
            a 2-D tensor.

        >>> import gpugrad as gg
        >>> gg.nn.utils.norm_hooks.SpectralNorm(dim=1).reshape_weight_to_matrix(gg.ones(2, 3, 4)).shape
        gpugrad.Size([3, 8])
        """
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration: bool):
        """W / u^T W v from ``<name>_orig``, ``<name>_u`` and ``<name>_v`` (u and v first refined in place).

        Args:
            module: the module.
            do_power_iteration: run the power iteration steps (training mode).

        Returns:
            the normalized weight.

        >>> import gpugrad as gg
        >>> fc = gg.nn.utils.spectral_norm(gg.nn.Linear(2, 2))
        >>> hook = next(iter(gg.nn.utils.norm_hooks._pre_hooks(fc).values()))
        >>> hook.compute_weight(fc, do_power_iteration=False).shape
        gpugrad.Size([2, 2])
        """
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):     # in place, as PyTorch's out=
                    _set(v, normalize(mv(weight_mat.t(), u), dim=0, eps=self.eps))
                    _set(u, normalize(mv(weight_mat, v), dim=0, eps=self.eps))
                u, v = u.clone(), v.clone()
        sigma = dot(u, mv(weight_mat, v))
        return weight / sigma

    def remove(self, module) -> None:
        """Put back ``module.<name>`` as one Parameter (the current normalized weight).

        Args:
            module: the module.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> fc = gg.nn.utils.spectral_norm(gg.nn.Linear(2, 2))
        >>> hook = next(iter(gg.nn.utils.norm_hooks._pre_hooks(fc).values()))
        >>> hook.remove(fc); "weight" in fc._parameters
        True
        """
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def _solve_v_and_rescale(self, weight_mat, u, target_sigma):
        # v with u = W v / sigma (the old checkpoints that saved W / sigma instead of v)
        v = multi_dot([pinv(weight_mat.t().mm(weight_mat)), weight_mat.t(), u.unsqueeze(1)]).squeeze(1)
        return v.mul_(target_sigma / dot(u, mv(weight_mat, v)))

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float):
        """Split ``module.<name>`` into ``<name>_orig`` and the buffers ``<name>_u``, ``<name>_v`` (random unit
        vectors) and register the hooks.

        Args:
            module: the module.
            name: the parameter's name.
            n_power_iterations: power iteration steps per call in training mode.
            dim: the dim of the output channels.
            eps: added to norms when normalizing u and v.

        Returns:
            the :class:`SpectralNorm` hook.

        >>> import gpugrad as gg
        >>> fc = gg.nn.Linear(2, 2)
        >>> gg.nn.utils.norm_hooks.SpectralNorm.apply(fc, "weight", 1, 0, 1e-12).name
        'weight'
        """
        for hook in _pre_hooks(module).values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying spectral normalization")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        fn._state_handles = (module._register_state_dict_hook(SpectralNormStateDictHook(fn)),
                             module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn)))
        return fn


def _set(dst, src):
    dst._data[...] = src._data
    dst._vc[0] += 1


class SpectralNormLoadStateDictPreHook:
    """Loads a checkpoint saved before spectral norm kept ``<name>_v`` (it saved W / sigma as ``<name>``): v is
    solved from it. A current checkpoint passes through.

    Args:
        fn: the :class:`SpectralNorm` hook.

    >>> import gpugrad as gg
    >>> fc = gg.nn.utils.spectral_norm(gg.nn.Linear(2, 2))
    >>> fc.load_state_dict(fc.state_dict())
    <All keys matched successfully>
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version", None)
        if version is None or version < 1:
            weight_key = prefix + fn.name
            if version is None and all(weight_key + s in state_dict for s in ("_orig", "_u", "_v")) \
                    and weight_key not in state_dict:
                return
            has_missing_keys = False
            for suffix in ("_orig", "", "_u"):
                key = weight_key + suffix
                if key not in state_dict:
                    has_missing_keys = True
                    if strict:
                        missing_keys.append(key)
            if has_missing_keys:
                return
            with no_grad():
                weight_orig = state_dict[weight_key + "_orig"]
                weight = state_dict.pop(weight_key)
                sigma = (weight_orig / weight).mean()
                weight_mat = fn.reshape_weight_to_matrix(weight_orig)
                state_dict[weight_key + "_v"] = fn._solve_v_and_rescale(weight_mat, state_dict[weight_key + "_u"],
                                                                        sigma)


class SpectralNormStateDictHook:
    """Records the spectral norm format's version in the state dict's metadata, as PyTorch.

    Args:
        fn: the :class:`SpectralNorm` hook.

    >>> import gpugrad as gg
    >>> list(gg.nn.utils.spectral_norm(gg.nn.Linear(2, 2)).state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata) -> None:
        meta = local_metadata.setdefault("spectral_norm", {})
        key = self.fn.name + ".version"
        if key in meta:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        meta[key] = self.fn._version


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Spectral normalization with a forward pre-hook (PyTorch's older form of
    :func:`gpugrad.nn.utils.parametrizations.spectral_norm`): ``module.<name>`` = W / sigma(W), W learned as
    ``<name>_orig``, the power iteration vectors in the buffers ``<name>_u`` / ``<name>_v``, updated in training
    mode only.

    Args:
        module: the module.
        name: the parameter's name.
        n_power_iterations: power iteration steps per call in training mode.
        eps: added to norms when normalizing u and v.
        dim: the dim of the output channels (None: 0, or 1 for transposed convolutions).

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> fc = gg.nn.utils.spectral_norm(gg.nn.Linear(3, 2))
    >>> list(fc.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    if dim is None:
        dim = _default_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo :func:`spectral_norm`: ``module.<name>`` is one Parameter again (the current normalized weight).

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> fc = gg.nn.utils.spectral_norm(gg.nn.Linear(3, 2))
    >>> list(gg.nn.utils.remove_spectral_norm(fc).state_dict())
    ['bias', 'weight']
    """
    hooks = _pre_hooks(module)
    for k, hook in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            for handle in hook._state_handles:
                handle.remove()
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
