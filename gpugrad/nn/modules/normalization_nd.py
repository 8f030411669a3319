"""The 2-D and 3-D normalization layers (BatchNorm2d/3d, InstanceNorm2d/3d), their lazy twins
(LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d: ``num_features`` read from the first input),
LocalResponseNorm and the deprecated ``nn.Container``, over the functional forms of
:mod:`gpugrad.nn.functional`."""
from __future__ import annotations

import warnings

from ...autograd.grad_mode import no_grad
from ...tensor import tensor, Tensor
from ..module import Module
from ..parameter import UninitializedParameter, is_lazy
from .. import functional as F
from .normalization import BatchNorm1d, _NormBase
from .normalization_more import InstanceNorm1d


class BatchNorm2d(BatchNorm1d):
    """Batch normalization of ``(N, C, H, W)`` input: each channel normalized by its statistics over N, H and
    W in training (running averages in eval), then scaled and shifted, as :class:`BatchNorm1d`.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance before the square root.
        momentum: the running averages' update factor (None: cumulative average).
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages (False: batch statistics in eval too).
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too.

    Returns:
        Called on ``(N, C, H, W)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> gg.nn.BatchNorm2d(3)(gg.randn(2, 3, 4, 4)).shape
    gpugrad.Size([2, 3, 4, 4])
    """

    _ndims = (4,)

    def forward(self, input):
        if input.ndim not in self._ndims:
            want = " or ".join(f"{n}D" for n in self._ndims)
            raise ValueError(f"{type(self).__name__}: expected {want} input (got {input.ndim}D input of shape "
                             f"{tuple(input.shape)})")
        return self._batch_norm(input)


class BatchNorm3d(BatchNorm2d):
    """Batch normalization of ``(N, C, D, H, W)`` input (see :class:`BatchNorm2d`).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance before the square root.
        momentum: the running averages' update factor (None: cumulative average).
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages (False: batch statistics in eval too).
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too.

    Returns:
        Called on ``(N, C, D, H, W)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> gg.nn.BatchNorm3d(2)(gg.randn(2, 2, 1, 2, 2)).shape
    gpugrad.Size([2, 2, 1, 2, 2])
    """

    _ndims = (5,)


class InstanceNorm2d(InstanceNorm1d):
    """Instance normalization of ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input: each channel of each
    sample normalized over its H x W values (see :class:`InstanceNorm1d`; ``affine`` and
    ``track_running_stats`` default to False).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance before the square root.
        momentum: the running averages' update factor.
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages and use them in eval.
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too.

    Returns:
        Called on ``(N, C, H, W)`` or ``(C, H, W)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> gg.nn.InstanceNorm2d(3)(gg.randn(2, 3, 4, 4)).shape
    gpugrad.Size([2, 3, 4, 4])
    """

    _spatial = 2


class InstanceNorm3d(InstanceNorm2d):
    """Instance normalization of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input (see
    :class:`InstanceNorm2d`).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance before the square root.
        momentum: the running averages' update factor.
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages and use them in eval.
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too.

    Returns:
        Called on ``(N, C, D, H, W)`` or ``(C, D, H, W)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> gg.nn.InstanceNorm3d(2)(gg.randn(1, 2, 2, 2, 2)).shape
    gpugrad.Size([1, 2, 2, 2, 2])
    """

    _spatial = 3


class UninitializedBuffer(UninitializedParameter):
    """A buffer whose shape is not known yet (a lazy layer's running statistics until its first call);
    :meth:`materialize` makes it, in place, a plain Tensor of a given shape.

    Args:
        requires_grad: whether the materialized buffer requires grad (default False).
        device: where to create it once materialized.
        dtype: its dtype (default: the default float dtype).

    >>> import gpugrad as gg
    >>> b = gg.nn.UninitializedBuffer()
    >>> b.materialize((2,)); type(b).__name__, b.shape
    ('Tensor', gpugrad.Size([2]))
    """

    __slots__ = ()

    def __init__(self, requires_grad=False, device=None, dtype=None):
        super().__init__(requires_grad, device, dtype)

    cls_to_become = Tensor

    def __reduce_ex__(self, protocol):
        return (UninitializedBuffer, (self.requires_grad, str(self.device), str(self._data.dtype)))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = UninitializedBuffer(self.requires_grad, self.device, self._data.dtype)
        return memo[id(self)]


class _LazyNormMixin:
    """PyTorch's _LazyNormBase: ``num_features`` 0 and uninitialized parameters and buffers until the first
    input, whose dim 1 gives ``num_features``; then the module becomes ``cls_to_become``."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        _NormBase.__init__(self, 0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.register_buffer("running_mean", UninitializedBuffer(device=device, dtype=dtype))
            self.register_buffer("running_var", UninitializedBuffer(device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, device=device))

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still uninitialized (the layer was neither called nor loaded).

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.nn.LazyBatchNorm1d().has_uninitialized_params()
        True
        """
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def reset_parameters(self) -> None:
        """Reset statistics and affine parameters once the shapes are known (before, nothing to do).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gg.nn.LazyBatchNorm1d().reset_parameters()
        """
        if not self.has_uninitialized_params() and self.num_features != 0:
            _NormBase.reset_parameters(self)

    def initialize_parameters(self, input) -> None:
        """Read ``num_features`` from ``input.shape[1]`` and materialize and reset the parameters and buffers.

        Args:
            input: a tensor ``(N, C, ...)``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> bn = gg.nn.LazyBatchNorm1d()
        >>> bn.initialize_parameters(gg.ones(2, 5)); bn.weight.shape
        gpugrad.Size([5])
        """
        if self.has_uninitialized_params():
            with no_grad():
                self.num_features = int(input.shape[1])
                for t in (self.weight, self.bias, self.running_mean, self.running_var):
                    if t is not None:
                        t.materialize((self.num_features,))
                self.reset_parameters()

    def forward(self, input):
        """Materialize the parameters from ``input`` (:meth:`initialize_parameters`), become the plain layer
        and normalize.

        Args:
            input: a tensor ``(N, C, ...)``.

        Returns:
            The normalized tensor.

        >>> import gpugrad as gg
        >>> gg.nn.LazyBatchNorm1d()(gg.ones(2, 3)).shape
        gpugrad.Size([2, 3])
        """
        self.initialize_parameters(input)
        if self.num_features == 0:            # materialized by load_state_dict: the loaded shapes say it
            self.num_features = int(input.shape[1])
        self.__class__ = self.cls_to_become
        return self.forward(input)


def _lazy(name, base, example_shape):
    doc = f"""A :class:`{base.__name__}` whose ``num_features`` is read from dim 1 of the first input (until then
    its parameters and running statistics are uninitialized); then it becomes a plain {base.__name__}.
    ``affine`` and ``track_running_stats`` default to True (as in PyTorch).

    Args:
        eps: added to the variance before the square root.
        momentum: the running averages' update factor.
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages.
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too.

    Returns:
        Called on a tensor, the normalized tensor of its shape.

    >>> import gpugrad as gg
    >>> m = gg.nn.{name}()
    >>> m(gg.randn{example_shape}).shape, type(m).__name__
    (gpugrad.Size([{example_shape[1:-1]}]), '{base.__name__}')
    """
    return type(name, (_LazyNormMixin, base), dict(__doc__=doc, cls_to_become=base, __module__=__name__))


LazyBatchNorm1d = _lazy("LazyBatchNorm1d", BatchNorm1d, "(2, 3)")
LazyBatchNorm2d = _lazy("LazyBatchNorm2d", BatchNorm2d, "(2, 3, 2, 2)")
LazyBatchNorm3d = _lazy("LazyBatchNorm3d", BatchNorm3d, "(2, 3, 1, 2, 2)")
LazyInstanceNorm1d = _lazy("LazyInstanceNorm1d", InstanceNorm1d, "(2, 3, 4)")
LazyInstanceNorm2d = _lazy("LazyInstanceNorm2d", InstanceNorm2d, "(2, 3, 2, 2)")
LazyInstanceNorm3d = _lazy("LazyInstanceNorm3d", InstanceNorm3d, "(2, 3, 1, 2, 2)")


class LocalResponseNorm(Module):
    """Local response normalization across channels (:func:`gpugrad.nn.functional.local_response_norm`):
    each value divided by (k + alpha / n * sum of squares over n neighbouring channels) ** beta.

    Args:
        size: n, the number of neighbouring channels summed over.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.

    Returns:
        Called on ``(N, C, *)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> gg.nn.LocalResponseNorm(2)
    LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Container(Module):
    """PyTorch's deprecated ``nn.Container``: a Module holding the keyword arguments as submodules (warns).

    Args:
        **kwargs: name=module pairs.

    Returns:
        A Module.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     c = gg.nn.Container(fc=gg.nn.Linear(1, 1))
    >>> [n for n, _ in c.named_children()]
    ['fc']
    """

    def __init__(self, **kwargs) -> None:
        super().__init__()
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        for key, value in kwargs.items():
            self.add_module(key, value)
