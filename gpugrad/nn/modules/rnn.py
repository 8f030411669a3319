"""RNN, LSTM and GRU (PyTorch's ``torch.nn.RNN``...): stacked, optionally bidirectional recurrent layers over
padded ``(L, N, H_in)`` (or batch-first, or unbatched) input or a :class:`~gpugrad.nn.utils.rnn.PackedSequence`.

Per layer and direction, the input's projection x W_ih^T + b_ih is one matmul over all time steps; the
recurrence then runs one step per time step (``rnn_cells.py``), composed from recorded ops. A packed sequence
runs on its own rows: at step t only the first ``batch_sizes[t]`` sequences are live, so the forward direction
drops the rows of sequences that ended (their final state) and the reverse one takes in the rows of sequences
that start."""
from __future__ import annotations

import numbers
import warnings

from ... import ops
from ...factories import empty, zeros
from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .rnn_cells import gru_step, lstm_step, rnn_step, uniform_reset
from .rnn_cells import RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401  (PyTorch's torch.nn.modules.rnn path)

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _step_inputs(gi, steps):
    """The per-step slices of ``gi``, by halving it recursively: the backward of a slice writes its gradient
    into zeros of its parent's size, so slicing each of L steps from the whole would cost O(L^2) there; the
    halves cost O(L log L). ``steps`` lists (first row, rows) per step; for padded ``gi`` (L, N, G) it is
    None and each step is ``gi[t]``."""
    padded = steps is None
    if padded:
        steps = [(t, 1) for t in range(gi.shape[0])]
    out = []

    def walk(x, lo, hi):                              # x holds the rows of steps[lo:hi]
        if hi - lo == 1:
            out.append(x[0] if padded else x)
            return
        mid = (lo + hi) // 2
        cut = steps[mid][0] - steps[lo][0]
        walk(x[:cut], lo, mid)
        walk(x[cut:], mid, hi)

    if steps:
        walk(gi, 0, len(steps))
    return out


def _run_direction(mode, gi, h0, c0, w, steps, reverse):
    """One layer, one direction. ``gi`` is the input projection: ``(L, N, G)`` (padded) or ``(S, G)`` (packed
    rows); ``steps`` the ``(start, batch)`` row ranges of each time step for packed data, None for padded.
    Returns (outputs in time order, final h, final c)."""
    w_hh, b_hh, w_hr = w["hh"], w["b_hh"], w["hr"]
    xs = _step_inputs(gi, steps)
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    h, c = h0, c0
    if steps is not None and reverse:                 # reverse starts with the sequences live at the end
        h, c = h0[:steps[-1][1]], (None if c0 is None else c0[:steps[-1][1]])
    outs, done_h, done_c = [], [], []
    for t in order:
        x = xs[t]
        if steps is not None:
            bs, live = steps[t][1], h.shape[0]
            if bs < live:                             # sequences that ended: their state is final
                done_h.append(h[bs:])
                h = h[:bs]
                if c is not None:
                    done_c.append(c[bs:])
                    c = c[:bs]
            elif bs > live:                           # (reverse) sequences that start here
                h = ops.cat([h, h0[live:bs]])
                if c is not None:
                    c = ops.cat([c, c0[live:bs]])
        if mode == "LSTM":
            h, c = lstm_step(x, h, c, w_hh, b_hh, w_hr)
        elif mode == "GRU":
            h = gru_step(x, h, w_hh, b_hh)
        else:
            h = rnn_step(x, h, w_hh, b_hh, mode == "RNN_RELU")
        outs.append(h)
    if reverse:
        outs.reverse()
    if done_h:                                        # rows dropped last are the lowest: put them back in order
        h = ops.cat([h] + done_h[::-1])
        c = None if c is None else ops.cat([c] + done_c[::-1])
    return outs, h, c


def recurrent(mode, x, h0, c0, weights, num_layers, bidirectional, dropout, training, batch_sizes=None):
    """The whole stack: ``x`` is ``(L, N, H_in)`` or, with ``batch_sizes`` (a list of ints), packed rows
    ``(S, H_in)``; ``h0`` ``(num_layers*D, N, H_out)``, ``c0`` (LSTM) ``(num_layers*D, N, hidden)``;
    ``weights`` one dict per (layer, direction). Returns (output, h_n, c_n or None)."""
    steps = None
    if batch_sizes is not None:
        steps, start = [], 0
        for bs in batch_sizes:
            steps.append((start, bs))
            start += bs
    dirs = 2 if bidirectional else 1
    hs, cs = [], []
    for layer in range(num_layers):
        if layer > 0 and dropout > 0 and training:
            x = F.dropout(x, dropout, True)
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = weights[k]
            gi = F.linear(x, w["ih"], w["b_ih"])
            o, h, c = _run_direction(mode, gi, h0[k], None if c0 is None else c0[k], w, steps, d == 1)
            outs.append(ops.stack(o) if steps is None else ops.cat(o))
            hs.append(h)
            cs.append(c)
        x = outs[0] if dirs == 1 else ops.cat(outs, dim=-1)
    return x, ops.stack(hs), (ops.stack(cs) if c0 is not None else None)


class RNNBase(Module):
    """What RNN, LSTM and GRU share (PyTorch's RNNBase): the parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (and ``weight_hr_l{k}`` with ``proj_size``), ``_reverse`` for the second
    direction, all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); the argument and shape checks.

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        num_layers: the number of stacked layers.
        bias: learn the biases.
        batch_first: input and output are ``(N, L, H)`` instead of ``(L, N, H)`` (not the hidden states).
        dropout: the probability of dropout on each layer's output but the last, in training.
        bidirectional: run a second direction from the end of the sequence; outputs concatenate both.
        proj_size: (LSTM) project the hidden state to this size with ``weight_hr_l{k}``; 0: no projection.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        A module; ``RNN``, ``LSTM`` and ``GRU`` are the ones to call.

    >>> import gpugrad as gg
    >>> [n for n, _ in gg.nn.RNNBase("GRU", 3, 4, bidirectional=True).named_parameters()][:5]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        cls = type(self).__name__
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{cls}: dropout should be a number in range [0, 1] representing the probability of "
                             f"an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        for name, v, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(v, kind):
                raise TypeError(f"{cls}: {name} should be of type {kind.__name__}, got: {type(v).__name__}")
        if input_size <= 0:
            raise ValueError(f"{cls}: input_size must be greater than zero, got {input_size}")
        if hidden_size <= 0:
            raise ValueError(f"{cls}: hidden_size must be greater than zero, got {hidden_size}")
        if num_layers <= 0:
            raise ValueError(f"{cls}: num_layers must be greater than zero, got {num_layers}")
        if proj_size < 0:
            raise ValueError(f"{cls}: proj_size should be a positive integer or zero to disable projections, "
                             f"got {proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{cls}: proj_size has to be smaller than hidden_size, got proj_size={proj_size} "
                             f"and hidden_size={hidden_size}")
        if mode not in _GATES:
            raise ValueError(f"{cls}: Unrecognized RNN mode: {mode}")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate = _GATES[mode] * hidden_size
        real = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                n_in = input_size if layer == 0 else real * (2 if bidirectional else 1)
                shapes = [("weight_ih", (gate, n_in)), ("weight_hh", (gate, real))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{'_reverse' if direction == 1 else ''}"
                    setattr(self, name, Parameter(empty(*shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, one list per (layer, direction), in PyTorch's order.

        Returns:
            A list of lists of Parameters.

        >>> import gpugrad as gg
        >>> [len(ws) for ws in gg.nn.LSTM(3, 4, num_layers=2).all_weights]
        [4, 4]
        """
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Does nothing (PyTorch packs the weights for cuDNN here; gpugrad's layers need no packing).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gg.nn.GRU(3, 4).flatten_parameters()
        """

    def reset_parameters(self):
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in PyTorch's order, from
        gpugrad's generator.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> rnn = gg.nn.RNN(3, 4)
        >>> rnn.reset_parameters()
        >>> bool(rnn.weight_ih_l0.abs().max() <= 0.5)
        True
        """
        uniform_reset(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward ---------------------------------------------------------------------------------------------

    def _weights(self):
        out = []
        for names in self._all_weights:
            ws = [getattr(self, n) for n in names]
            b = self.bias
            out.append({"ih": ws[0], "hh": ws[1], "b_ih": ws[2] if b else None, "b_hh": ws[3] if b else None,
                        "hr": ws[-1] if self.proj_size > 0 else None})
        return out

    def _check_input(self, input, packed):
        from ...amp import is_autocast_enabled     # (amp sits above nn: imported when needed)
        w = self._flat_weights[0]
        if input.dtype != w.dtype and not (is_autocast_enabled("cuda") or is_autocast_enabled("cpu")):
            raise ValueError(f"{type(self).__name__}: RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert model: "
                             f"model.to({input.dtype})")
        want = 2 if packed else 3
        if input.dim() != want:
            raise RuntimeError(f"{type(self).__name__}: input must have {want} dimensions, got {input.dim()}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]} (input shape {tuple(input.shape)})")

    def _expected(self, batch, size):
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _check_hidden(self, hx, expected, what="hidden"):
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} size {expected}, got {list(hx.shape)}")

    def _forward(self, input, hx):
        """The shared forward: unpack, check, run, repack. ``hx`` is None, a tensor or (LSTM) a pair."""
        cls, lstm = type(self).__name__, self.mode == "LSTM"
        real = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        batched = True
        if packed:
            x, batch_sizes = input.data, input.batch_sizes.tolist()
            batch = batch_sizes[0]
        else:
            batch_sizes = None
            if input.dim() not in (2, 3):
                raise ValueError(f"{cls}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead "
                                 f"(shape {tuple(input.shape)})")
            batched = input.dim() == 3
            x = input if batched else ops.unsqueeze(input, 1 if not self.batch_first else 0)
            if self.batch_first:
                x = ops.transpose(x, 0, 1)
            batch = x.shape[1]
            if hx is not None:
                states = hx if lstm else (hx,)
                dims = tuple(s.dim() for s in states)
                want = 3 if batched else 2
                if any(d != want for d in dims):
                    got = f"({dims[0]}-D, {dims[1]}-D) tensors" if lstm else f"{dims[0]}-D tensor"
                    raise RuntimeError(f"{cls}: For {'batched 3-D' if batched else 'unbatched 2-D'} input, "
                                       f"hx{' and cx' if lstm else ''} should also be {want}-D but got {got}")
                if not batched:
                    hx = tuple(ops.unsqueeze(s, 1) for s in states) if lstm else ops.unsqueeze(hx, 1)
        self._check_input(x, packed)
        if not packed and x.shape[0] == 0:
            raise RuntimeError(f"{cls}: Expected sequence length to be larger than 0 in RNN, got input of shape "
                               f"{tuple(input.shape)} (batch_first={self.batch_first})")
        if hx is None:
            h0 = zeros(*self._expected(batch, real), dtype=x.dtype, device=x.device)
            c0 = zeros(*self._expected(batch, self.hidden_size), dtype=x.dtype, device=x.device) if lstm else None
        else:
            h0, c0 = hx if lstm else (hx, None)
            self._check_hidden(h0, self._expected(batch, real), "hidden[0]" if lstm else "hidden")
            if lstm:
                self._check_hidden(c0, self._expected(batch, self.hidden_size), "hidden[1]")
            if packed and input.sorted_indices is not None:
                h0 = ops.index_select(h0, 1, input.sorted_indices)
                c0 = None if c0 is None else ops.index_select(c0, 1, input.sorted_indices)
        out, hn, cn = recurrent(self.mode, x, h0, c0, self._weights(), self.num_layers, self.bidirectional,
                                self.dropout, self.training, batch_sizes)
        if packed:
            if input.unsorted_indices is not None:
                hn = ops.index_select(hn, 1, input.unsorted_indices)
                cn = None if cn is None else ops.index_select(cn, 1, input.unsorted_indices)
            out = PackedSequence(out, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        else:
            if self.batch_first:
                out = ops.transpose(out, 0, 1)
            if not batched:
                out = ops.squeeze(out, 0 if self.batch_first else 1)
                hn = ops.squeeze(hn, 1)
                cn = None if cn is None else ops.squeeze(cn, 1)
        return out, ((hn, cn) if lstm else hn)


def _no_proj(cls, kwargs):
    if "proj_size" in kwargs:
        raise ValueError(f"{cls}: proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"{cls}.__init__() got an unexpected keyword argument {next(iter(kwargs))!r}")


class RNN(RNNBase):
    """A stacked Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh), act tanh or relu.

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        num_layers: the number of stacked layers.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        bias: learn ``bias_ih_l{k}`` and ``bias_hh_l{k}``.
        batch_first: input and output are ``(N, L, H)`` instead of ``(L, N, H)`` (not the hidden states).
        dropout: the probability of dropout on each layer's output but the last, in training.
        bidirectional: add a direction that runs from the end; the outputs concatenate both.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``input`` ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``,
        ``(L, input_size)`` unbatched, or a PackedSequence) and optional ``hx``
        ``(num_layers*D, N, hidden_size)`` (default zeros), the pair ``(output, h_n)``: ``output``
        ``(L, N, D*hidden_size)`` (the last layer's h_t; a PackedSequence for packed input) and ``h_n`` the
        final state of every layer and direction.

    >>> import gpugrad as gg
    >>> out, h = gg.nn.RNN(3, 4, num_layers=2)(gg.ones(5, 2, 3))
    >>> out.shape, h.shape
    (gpugrad.Size([5, 2, 4]), gpugrad.Size([2, 2, 4]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        _no_proj("RNN", kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)

    def forward(self, input, hx=None):
        return self._forward(input, hx)


class LSTM(RNNBase):
    """A stacked LSTM: gates (i, f, g, o) = x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh;
    c_t = s(f) c_(t-1) + s(i) tanh(g); h_t = s(o) tanh(c_t) (times W_hr^T with ``proj_size``).

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        num_layers: the number of stacked layers.
        bias: learn ``bias_ih_l{k}`` and ``bias_hh_l{k}``.
        batch_first: input and output are ``(N, L, H)`` instead of ``(L, N, H)`` (not the hidden states).
        dropout: the probability of dropout on each layer's output but the last, in training.
        bidirectional: add a direction that runs from the end; the outputs concatenate both.
        proj_size: project h_t to this size with ``weight_hr_l{k}`` (0: no projection).
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``input`` ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``,
        ``(L, input_size)`` unbatched, or a PackedSequence) and optional ``(h_0, c_0)`` (default zeros), the
        pair ``(output, (h_n, c_n))``; ``output`` is ``(L, N, D*H_out)``, H_out = proj_size or hidden_size.

    >>> import gpugrad as gg
    >>> out, (h, c) = gg.nn.LSTM(3, 4, proj_size=2, bidirectional=True)(gg.ones(5, 3))
    >>> out.shape, h.shape, c.shape
    (gpugrad.Size([5, 4]), gpugrad.Size([2, 2]), gpugrad.Size([2, 4]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def forward(self, input, hx=None):
        return self._forward(input, hx)


class GRU(RNNBase):
    """A stacked GRU: r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_(t-1).

    Args:
        input_size: the features of the input.
        hidden_size: the features of the hidden state.
        num_layers: the number of stacked layers.
        bias: learn ``bias_ih_l{k}`` and ``bias_hh_l{k}``.
        batch_first: input and output are ``(N, L, H)`` instead of ``(L, N, H)`` (not the hidden states).
        dropout: the probability of dropout on each layer's output but the last, in training.
        bidirectional: add a direction that runs from the end; the outputs concatenate both.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``input`` ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``,
        ``(L, input_size)`` unbatched, or a PackedSequence) and optional ``hx`` (default zeros), the pair
        ``(output, h_n)`` as :class:`RNN`'s.

    >>> import gpugrad as gg
    >>> out, h = gg.nn.GRU(3, 4, batch_first=True)(gg.ones(2, 5, 3))
    >>> out.shape, h.shape
    (gpugrad.Size([2, 5, 4]), gpugrad.Size([1, 2, 4]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, **kwargs):
        _no_proj("GRU", kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)

    def forward(self, input, hx=None):
        return self._forward(input, hx)
