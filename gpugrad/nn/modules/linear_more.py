"""Bilinear, LazyLinear (a Linear whose in_features the first call infers) and Unflatten."""
from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...factories import empty
from ...ops._util import shape_str
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter, UninitializedParameter, is_lazy
from .linear import Linear


class Bilinear(Module):
    """y = x1^T A x2 + b: ``y[..., o] = sum_ij x1[..., i] A[o, i, j] x2[..., j] + b[o]``.

    PyTorch's init: A and b ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)).

    Args:
        in1_features: size of each first input sample (its last dim).
        in2_features: size of each second input sample.
        out_features: size of each output sample.
        bias: learn an additive bias of shape ``(out_features,)``.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``(*, in1_features)`` and ``(*, in2_features)``, a tensor ``(*, out_features)``.

    >>> import gpugrad as gg
    >>> m = gg.nn.Bilinear(3, 2, 4)
    >>> m
    Bilinear(in1_features=3, in2_features=2, out_features=4, bias=True)
    >>> m(gg.ones(5, 3), gg.ones(5, 2)).shape, m.weight.shape
    (gpugrad.Size([5, 4]), gpugrad.Size([4, 3, 2]))
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new initial values, as PyTorch's Bilinear: weight and bias ~ U(-1/sqrt(in1_features),
        1/sqrt(in1_features)).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.Bilinear(4, 2, 1)
        >>> m.reset_parameters(); bool(m.weight.abs().max() <= 0.5)
        True
        """
        if self.in1_features <= 0:
            raise ValueError(f"Bilinear: in1_features must be > 0, but got (in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A :class:`Linear` whose ``in_features`` is inferred from the last dim of the first input: until then
    ``weight`` and ``bias`` are :class:`UninitializedParameter` (``parameters()`` yields them and
    ``state_dict()`` holds them as they are); the first call materializes and initializes them as Linear does
    and the module becomes a plain Linear. Loading a state dict of a called layer materializes them too. Move or
    cast the layer (``to``) before the first call: the parameters are created on its device and dtype. Build
    the optimizer after the first call (its flat buffers need the shapes; it refuses uninitialized parameters).

    Args:
        out_features: size of each output sample.
        bias: learn an additive bias.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``(..., in_features)``, a tensor ``(..., out_features)``.

    >>> import gpugrad as gg
    >>> fc = gg.nn.LazyLinear(2)
    >>> fc
    LazyLinear(in_features=0, out_features=2, bias=True)
    >>> fc(gg.ones(4, 3)).shape, fc
    (gpugrad.Size([4, 2]), Linear(in_features=3, out_features=2, bias=True))
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)                  # (Linear's would create parameters of a known shape)
        self.in_features, self.out_features = 0, out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still uninitialized (the layer was neither called nor loaded).

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.nn.LazyLinear(2).has_uninitialized_params()
        True
        """
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def reset_parameters(self) -> None:
        """Draw new initial values as :meth:`Linear.reset_parameters` does, once the shapes are known (before,
        nothing to do).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gg.nn.LazyLinear(2).reset_parameters()
        """
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        """Infer ``in_features`` from ``input.shape[-1]`` and materialize and initialize the parameters (what
        the first call does before computing).

        Args:
            input: a tensor ``(..., in_features)``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> fc = gg.nn.LazyLinear(2)
        >>> fc.initialize_parameters(gg.ones(1, 5)); fc.weight.shape
        gpugrad.Size([2, 5])
        """
        if input.ndim == 0:
            raise RuntimeError(f"LazyLinear: cannot infer in_features from a 0-d input of shape "
                               f"{shape_str(input.shape)}")
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = int(input.shape[-1])
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        self.in_features = int(self.weight.shape[-1])

    def forward(self, input):
        self.initialize_parameters(input)
        self.__class__ = self.cls_to_become     # from now on a plain Linear, as in PyTorch
        return self.forward(input)


class Unflatten(Module):
    """Expands dim ``dim`` into ``unflattened_size`` (the inverse of :class:`Flatten`); one size may be -1.

    Args:
        dim: the dim to expand.
        unflattened_size: the shape it becomes (a tuple or list of ints whose product is its size).

    Returns:
        Called on a tensor, a view with that dim expanded.

    >>> import gpugrad as gg
    >>> gg.nn.Unflatten(1, (2, 3))(gg.zeros(4, 6)).shape
    gpugrad.Size([4, 2, 3])
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for i, n in enumerate(unflattened_size):
            if not isinstance(n, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                                f"{type(n).__name__} at pos {i}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        d, sizes, shape = self.dim, tuple(self.unflattened_size), tuple(input.shape)
        if not -len(shape) <= d < len(shape):
            raise IndexError(f"Unflatten: dim {d} is out of range for input of shape {shape_str(shape)}")
        d %= len(shape)
        known = math.prod(n for n in sizes if n != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[d]) or \
                (-1 in sizes and (known == 0 or shape[d] % known)):
            raise RuntimeError(f"Unflatten: sizes {list(sizes)} don't multiply up to the size of dim {d} "
                               f"({shape[d]}) of input {shape_str(shape)}")
        return input.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
