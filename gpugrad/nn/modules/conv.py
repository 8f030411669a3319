"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, as PyTorch's (attributes, init, repr, errors).

PyTorch's default init: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
fan_in = weight.shape[1] * prod(kernel_size), and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); drawn from gpugrad's
generator, so ``gpugrad.manual_seed`` makes them reproducible. A ``padding_mode`` other than ``'zeros'`` pads the
input with ``F.pad`` in that mode and convolves without padding, as PyTorch does.
"""
from __future__ import annotations

import math

from ...autograd import no_grad
from ...factories import empty
from ...ops.conv import ntuple
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter, UninitializedParameter, is_lazy

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: checks, parameters, init and repr (``_nd`` spatial dims)."""

    _nd = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups (in_channels={in_channels}, "
                             f"groups={groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups (out_channels={out_channels}, "
                             f"groups={groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(name, "kernel_size", kernel_size, nd)
        self.stride = ntuple(name, "stride", stride, nd)
        self.dilation = ntuple(name, "dilation", dilation, nd)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride={self.stride})")
            self.padding = padding
            twice = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1) if padding == "same" else 0
                twice += [total // 2, total - total // 2]
        else:
            self.padding = ntuple(name, "padding", padding, nd)
            twice = [p for p in reversed(self.padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = twice
        self.transposed = transposed
        self.output_padding = ntuple(name, "output_padding", output_padding, nd)
        self.groups, self.padding_mode = groups, padding_mode
        shape = ((in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups))
        self.weight = Parameter(empty(shape + self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new initial values as PyTorch does: weight by ``kaiming_uniform_(a=sqrt(5))``, bias from
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> conv = gg.nn.Conv1d(2, 3, 4)
        >>> conv.reset_parameters()
        >>> bool(conv.bias.abs().max() <= 1 / 8 ** 0.5)      # fan_in = 2 * 4
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}")
        nd = self._nd
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            x = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class _ConvTranspose(_ConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__} '
                             f"(got padding_mode={padding_mode!r})")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that gives ``output_size`` (PyTorch's rule: within stride - 1 of the smallest)."""
        if output_size is None:
            return self.output_padding
        nd, name = self._nd, type(self).__name__
        lead = 2 if input.ndim == nd + 2 else 1
        output_size = [int(s) for s in output_size]
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(f"{name}: for {input.ndim}D input, output_size must have {nd} or {lead + nd} "
                             f"elements (got {len(output_size)})")
        lo = [(input.shape[d + lead] - 1) * self.stride[d] - 2 * self.padding[d]
              + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(nd)]
        hi = [m + s - 1 for m, s in zip(lo, self.stride)]
        for size, a, b in zip(output_size, lo, hi):
            if size < a or size > b:
                raise ValueError(f"{name}: requested an output size of {output_size}, but valid sizes range from "
                                 f"{lo} to {hi} (for an input of {list(input.shape[lead:])})")
        return tuple(s - a for s, a in zip(output_size, lo))

    def forward(self, input, output_size=None):
        out_pad = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, out_pad, self.groups,
                              self.dilation)


_CONV_DOC = """Applies a {nd}-d convolution over an input ``(N, C_in, {sp})`` or ``(C_in, {sp})``: see
:func:`gpugrad.nn.functional.conv{nd}d`. The weight is ``(out_channels, in_channels / groups, {ks})``.

Args:
    in_channels: channels of the input.
    out_channels: channels of the output.
    kernel_size: the window's size (an int or {nd} ints).
    stride: the step between windows.
    padding: padding on both sides (an int or {nd} ints), or ``'valid'`` or ``'same'``.
    dilation: the spacing between kernel elements.
    groups: split the channels into this many groups (dividing both channel counts).
    bias: learn an additive bias ``(out_channels,)``.
    padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
    device: where to create the parameters.
    dtype: their dtype.

Returns:
    Called on an input, the tensor ``(N, out_channels, {out})``.

>>> import gpugrad as gg
>>> conv = gg.nn.{name}(2, 4, 3, padding=1, padding_mode="reflect")
>>> conv(gg.ones({ex})).shape
{ex_out}
"""

_CONVT_DOC = """Applies a {nd}-d transposed convolution over an input ``(N, C_in, {sp})`` or ``(C_in, {sp})``: see
:func:`gpugrad.nn.functional.conv_transpose{nd}d`. The weight is ``(in_channels, out_channels / groups, {ks})``.
``forward(input, output_size=None)``: ``output_size`` picks the output_padding that gives that size.

Args:
    in_channels: channels of the input.
    out_channels: channels of the output.
    kernel_size: the window's size (an int or {nd} ints).
    stride: the corresponding convolution's stride.
    padding: the corresponding convolution's padding.
    output_padding: extra size added to one side of each output dim.
    groups: split the channels into this many groups.
    bias: learn an additive bias ``(out_channels,)``.
    dilation: the spacing between kernel elements.
    padding_mode: only ``'zeros'``.
    device: where to create the parameters.
    dtype: their dtype.

Returns:
    Called on an input, the tensor ``(N, out_channels, {out})``.

>>> import gpugrad as gg
>>> up = gg.nn.{name}(2, 4, 3, stride=2, padding=1)
>>> up(gg.ones({ex}), output_size={ex_size}).shape
{ex_out}
"""

_SP = {1: "L", 2: "H, W", 3: "D, H, W"}
_KS = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}
_OUT = {1: "L_out", 2: "H_out, W_out", 3: "D_out, H_out, W_out"}


def _conv_class(nd, fn, doc_ex):
    name = f"Conv{nd}d"
    ex, ex_out = doc_ex
    return type(name, (_Conv,), {"_nd": nd, "_fn": staticmethod(fn), "__module__": __name__, "__qualname__": name,
                                 "__doc__": _CONV_DOC.format(nd=nd, sp=_SP[nd], ks=_KS[nd], out=_OUT[nd], name=name,
                                                             ex=ex, ex_out=ex_out)})


def _convt_class(nd, fn, doc_ex):
    name = f"ConvTranspose{nd}d"
    ex, ex_size, ex_out = doc_ex
    return type(name, (_ConvTranspose,), {
        "_nd": nd, "_fn": staticmethod(fn), "__module__": __name__, "__qualname__": name,
        "__doc__": _CONVT_DOC.format(nd=nd, sp=_SP[nd], ks=_KS[nd], out=_OUT[nd], name=name, ex=ex, ex_size=ex_size,
                                     ex_out=ex_out)})


Conv1d = _conv_class(1, F.conv1d, ("1, 2, 5", "gpugrad.Size([1, 4, 5])"))
Conv2d = _conv_class(2, F.conv2d, ("1, 2, 5, 5", "gpugrad.Size([1, 4, 5, 5])"))
Conv3d = _conv_class(3, F.conv3d, ("2, 3, 3, 3", "gpugrad.Size([4, 3, 3, 3])"))
ConvTranspose1d = _convt_class(1, F.conv_transpose1d, ("1, 2, 5", "[10]", "gpugrad.Size([1, 4, 10])"))
ConvTranspose2d = _convt_class(2, F.conv_transpose2d, ("1, 2, 3, 3", "[6, 5]", "gpugrad.Size([1, 4, 6, 5])"))
ConvTranspose3d = _convt_class(3, F.conv_transpose3d, ("2, 2, 2, 2", "[3, 4, 3]", "gpugrad.Size([4, 3, 4, 3])"))



# -- the lazy variants: in_channels from the first input -------------------------------------------------------------
class _LazyConv:
    """A convolution layer whose ``in_channels`` the first call infers (``input.shape[1]``, or ``shape[0]`` for an
    input without batch dim): until then weight and bias are :class:`UninitializedParameter`; the first call
    materializes and initializes them and the layer becomes the plain class (``cls_to_become``)."""

    cls_to_become = None

    def _lazy_init(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter is still uninitialized (the layer was neither called nor loaded).

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.nn.LazyConv2d(4, 3).has_uninitialized_params()
        True
        """
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def reset_parameters(self) -> None:
        """As the plain layer's, once the shapes are known (before, nothing to do).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gg.nn.LazyConv1d(4, 3).reset_parameters()
        """
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        """Infer ``in_channels`` from ``input`` and materialize and initialize the parameters (what the first
        call does before computing).

        Args:
            input: a tensor ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> conv = gg.nn.LazyConv1d(4, 3)
        >>> conv.initialize_parameters(gg.ones(2, 5, 7)); conv.weight.shape
        gpugrad.Size([4, 5, 3])
        """
        if not self.has_uninitialized_params():
            return
        nd, name = self._nd, type(self).__name__
        if input.ndim not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
                               f"input of size: {list(input.shape)}")
        self.in_channels = int(input.shape[1] if input.ndim == nd + 2 else input.shape[0])
        if self.in_channels % self.groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups (in_channels={self.in_channels} "
                             f"inferred from input of size {list(input.shape)}, groups={self.groups})")
        g, cin, cout = self.groups, self.in_channels, self.out_channels
        shape = (cin, cout // g) if self.transposed else (cout, cin // g)
        with no_grad():
            self.weight.materialize(shape + self.kernel_size)
            if self.bias is not None:
                self.bias.materialize((cout,))
            self.reset_parameters()

    def forward(self, input, *args, **kwargs):
        """Initialize the parameters from ``input`` (see :meth:`initialize_parameters`), turn into the plain layer
        and run it.

        Args:
            input: the input tensor.
            *args: the plain layer's other arguments (``output_size`` for a transposed convolution).
            **kwargs: the same, by keyword.

        Returns:
            What the plain layer returns.

        >>> import gpugrad as gg
        >>> gg.nn.LazyConv1d(2, 1)(gg.ones(3, 4)).shape
        gpugrad.Size([2, 4])
        """
        self.initialize_parameters(input)
        self.__class__ = self.cls_to_become      # from now on the plain layer, as in PyTorch
        return self.forward(input, *args, **kwargs)


def _lazy_conv_init(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                    bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
    _Conv.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
    self._lazy_init(out_channels, bias, device, dtype)


def _lazy_convt_init(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                     bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
    _ConvTranspose.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                            padding_mode, device, dtype)
    self._lazy_init(out_channels, bias, device, dtype)


_LAZY_DOC = """A :class:`{base}` whose ``in_channels`` is inferred from the first input (``input.shape[1]``, or
``shape[0]`` without batch dim). Until that call weight and bias are :class:`UninitializedParameter`; the call
materializes and initializes them as {base} does and the layer becomes a plain {base}. Build the optimizer after
the first call.

Args:
    out_channels: channels of the output.
    kernel_size: the window's size.
    stride: the step between windows (of the corresponding convolution, for a transposed one).
    padding: the padding, as {base}'s.
{extra}    groups: split the channels into this many groups.
    bias: learn an additive bias ``(out_channels,)``.
    dilation: the spacing between kernel elements.
    padding_mode: as {base}'s.
    device: where to create the parameters.
    dtype: their dtype.

Returns:
    Called on an input, what {base} returns.

>>> import gpugrad as gg
>>> conv = gg.nn.Lazy{base}(4, 3)
>>> conv(gg.ones({ex})).shape, type(conv).__name__
({out}, '{base}')
"""


def _lazy_class(base, init, ex, out):
    name = "Lazy" + base.__name__
    return type(name, (_LazyConv, base), {
        "__init__": init, "cls_to_become": base, "__module__": __name__, "__qualname__": name,
        "__doc__": _LAZY_DOC.format(base=base.__name__, ex=ex, out=out, extra="    output_padding: extra size on one "
                                    "side of each output dim.\n" if base._nd and issubclass(base, _ConvTranspose)
                                    else "")})


LazyConv1d = _lazy_class(Conv1d, _lazy_conv_init, "2, 5, 7", "gpugrad.Size([2, 4, 5])")
LazyConv2d = _lazy_class(Conv2d, _lazy_conv_init, "2, 5, 4, 4", "gpugrad.Size([2, 4, 2, 2])")
LazyConv3d = _lazy_class(Conv3d, _lazy_conv_init, "5, 3, 3, 3", "gpugrad.Size([4, 1, 1, 1])")
LazyConvTranspose1d = _lazy_class(ConvTranspose1d, _lazy_convt_init, "2, 5, 7", "gpugrad.Size([2, 4, 9])")
LazyConvTranspose2d = _lazy_class(ConvTranspose2d, _lazy_convt_init, "2, 5, 2, 2", "gpugrad.Size([2, 4, 4, 4])")
LazyConvTranspose3d = _lazy_class(ConvTranspose3d, _lazy_convt_init, "5, 1, 1, 1", "gpugrad.Size([4, 3, 3, 3])")

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConv1d",
           "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d"]
