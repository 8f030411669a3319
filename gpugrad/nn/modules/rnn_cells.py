"""RNNCell, LSTMCell and GRUCell (PyTorch's ``torch.nn.RNNCell``...), and the one-step updates that they and
the multi-layer RNN, LSTM and GRU of ``rnn.py`` share.

Each step takes ``gi``, the input's projection x W_ih^T + b_ih already computed (the layers compute it for all
time steps in one matmul), and composes recorded ops only (linear, sigmoid, tanh, slicing), so autograd and
both devices need nothing of their own. Gate orders are PyTorch's: LSTM (i, f, g, o), GRU (r, z, n)."""
from __future__ import annotations

import math

from ... import ops
from ...factories import empty, zeros
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


# -- the one-step updates ----------------------------------------------------------------------------------------

def rnn_step(gi, h, w_hh, b_hh, relu):
    """h' = act(gi + h W_hh^T + b_hh), act tanh or relu."""
    pre = gi + F.linear(h, w_hh, b_hh)
    return ops.relu(pre) if relu else ops.tanh(pre)


def lstm_step(gi, h, c, w_hh, b_hh, w_hr=None):
    """(h', c'): gates = gi + h W_hh^T + b_hh split (i, f, g, o); c' = s(f) c + s(i) tanh(g);
    h' = s(o) tanh(c'), then h' W_hr^T when there is a projection."""
    gates = gi + F.linear(h, w_hh, b_hh)
    n = c.shape[-1]
    s = ops.sigmoid(gates)                       # (one kernel for i, f, o; the g quarter is not used)
    i, f, o = s[:, :n], s[:, n:2 * n], s[:, 3 * n:]
    c2 = f * c + i * ops.tanh(gates[:, 2 * n:3 * n])
    h2 = o * ops.tanh(c2)
    return (h2 if w_hr is None else F.linear(h2, w_hr)), c2


def gru_step(gi, h, w_hh, b_hh):
    """h' = (1 - z) n + z h with r = s(i_r + h_r), z = s(i_z + h_z), n = tanh(i_n + r h_n) and
    (h_r, h_z, h_n) = h W_hh^T + b_hh (PyTorch's placement of b_hn, inside r's product)."""
    gh = F.linear(h, w_hh, b_hh)
    n = h.shape[-1]
    rz = ops.sigmoid(gi[:, :2 * n] + gh[:, :2 * n])
    r, z = rz[:, :n], rz[:, n:]
    new = ops.tanh(gi[:, 2 * n:] + r * gh[:, 2 * n:])
    return new + z * (h - new)


def uniform_reset(module):
    """PyTorch's init of every recurrent parameter: U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), drawn in
    parameter order from gpugrad's generator."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


# -- the cells ---------------------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """What the cells share (PyTorch's RNNCellBase): ``weight_ih`` ``(num_chunks*hidden_size, input_size)``,
    ``weight_hh`` ``(num_chunks*hidden_size, hidden_size)``, ``bias_ih``/``bias_hh``
    ``(num_chunks*hidden_size,)``, all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``.
        num_chunks: the number of gates (RNN 1, LSTM 4, GRU 3).
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        A module (subclasses define ``forward``).

    >>> import gpugrad as gg
    >>> gg.nn.RNNCellBase(3, 4, True, num_chunks=2).weight_ih.shape
    gpugrad.Size([8, 3])
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> cell = gg.nn.GRUCell(3, 4)
        >>> cell.reset_parameters()
        >>> bool(cell.weight_hh.abs().max() <= 0.5)
        True
        """
        uniform_reset(self)

    def _prepare(self, cls, input, states, names=("hidden",)):
        """Checks the dims and sizes as PyTorch's cells; returns (batched input, batched states, is_batched).
        ``states`` is a list of hidden tensors or None (zeros), ``names`` what the dim errors call them."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{cls}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for hx, what in zip(states, names):
            if hx is not None and hx.dim() not in (1, 2):
                raise ValueError(f"{cls}: Expected {what} to be 1D or 2D, got {hx.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = ops.unsqueeze(input, 0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"{cls}: input has inconsistent input_size: got {input.shape[1]} expected "
                               f"{self.input_size} (input shape {tuple(input.shape)})")
        out = []
        for k, hx in enumerate(states):
            if hx is None:
                hx = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            elif not batched:
                hx = ops.unsqueeze(hx, 0)
            if hx.shape[0] != input.shape[0]:
                raise RuntimeError(f"{cls}: Input batch size {input.shape[0]} doesn't match hidden{k} batch size "
                                   f"{hx.shape[0]} (input {tuple(input.shape)}, hidden{k} {tuple(hx.shape)})")
            if hx.shape[1] != self.hidden_size:
                raise RuntimeError(f"{cls}: hidden{k} has inconsistent hidden_size: got {hx.shape[1]}, expected "
                                   f"{self.hidden_size}")
            out.append(hx)
        return input, out, batched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu.

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``"tanh"`` or ``"relu"`` (another name raises RuntimeError when called, as PyTorch).
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``input`` ``(N, input_size)`` or ``(input_size,)`` and optional ``hx`` ``(N, hidden_size)``
        or ``(hidden_size,)`` (default zeros), h' of ``hx``'s shape.

    >>> import gpugrad as gg
    >>> cell = gg.nn.RNNCell(3, 4)
    >>> cell(gg.ones(2, 3)).shape
    gpugrad.Size([2, 4])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare("RNNCell", input, [hx])
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"RNNCell: Unknown nonlinearity: {self.nonlinearity} (expected 'tanh' or 'relu')")
        out = rnn_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh,
                       self.nonlinearity == "relu")
        return out if batched else ops.squeeze(out, 0)


class LSTMCell(RNNCellBase):
    """One step of an LSTM: gates (i, f, g, o) = x W_ih^T + b_ih + h W_hh^T + b_hh; c' = s(f) c + s(i) tanh(g);
    h' = s(o) tanh(c').

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden and cell states.
        bias: learn ``bias_ih`` and ``bias_hh``.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``input`` ``(N, input_size)`` or ``(input_size,)`` and optional ``hx`` = ``(h, c)`` (default
        zeros), the tuple ``(h', c')``.

    >>> import gpugrad as gg
    >>> h, c = gg.nn.LSTMCell(3, 4)(gg.ones(3))
    >>> h.shape, c.shape
    (gpugrad.Size([4]), gpugrad.Size([4]))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare("LSTMCell", input, [None, None] if hx is None else list(hx),
                                           ("hx[0]", "hx[1]"))
        h, c = lstm_step(F.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (ops.squeeze(h, 0), ops.squeeze(c, 0))


class GRUCell(RNNCellBase):
    """One step of a GRU: r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``input`` ``(N, input_size)`` or ``(input_size,)`` and optional ``hx`` (default zeros), h'.

    >>> import gpugrad as gg
    >>> gg.nn.GRUCell(3, 4)(gg.ones(2, 3), gg.zeros(2, 4)).shape
    gpugrad.Size([2, 4])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare("GRUCell", input, [hx])
        out = gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else ops.squeeze(out, 0)
