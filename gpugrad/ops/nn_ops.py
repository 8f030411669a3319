"""Neural-network ops: activations, softmax, linear, dropout and losses (exported by gpugrad.nn.functional).

Activations save what their derivative needs in one array (the output, or the input where the derivative
needs it); the fused kernels of ``gpugrad.kernels`` implement the same pairs in one pass over memory.
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np

from ..autograd import op as _function
from ..autograd.op import Op
from .. import _dtype
from ..tensor import Tensor
from ..random_factories import _generator
from ..backend import special
from ._util import broadcast_error, shape_str, FloatOnlyError
from ..kernels._blas import matmul as _matmul, prepare as _blas_prepare
from . import arithmetic as A, elementwise as E, reduction as R, shape as S

_fused_kernels = []


def _kernels():
    """gpugrad.kernels' activation and softmax_ce families, imported on first use (Numba's import is too slow
    for ``import gpugrad``). They dispatch raw arrays to the fused CUDA / Numba kernels or to their reference;
    the Tensor (double-backward) path of each op below stays written in recorded ops."""
    if not _fused_kernels:
        from ..kernels import activation, softmax_ce
        _fused_kernels.extend((activation, softmax_ce))
    return _fused_kernels


# -- activations ---------------------------------------------------------------------------------------------
class ReLU(Op):
    def forward(self, x):
        y, _ = _kernels()[0].act_forward(x, "relu")
        self.save_for_backward(y)
        return y

    def backward(self, g):                       # relu'(x) = [x > 0] = [y > 0], selected (NaN g stays out)
        (y,) = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, y, "relu")
        return self.xp.where(y <= 0, g.dtype.type(0), g)

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class LeakyReLU(Op):
    def forward(self, x, slope):
        self.slope = slope
        self.save_for_backward(x)
        return _kernels()[0].act_forward(x, "leaky_relu", slope)[0]

    def backward(self, g):                       # 1 for x > 0, slope otherwise
        (x,) = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, x, "leaky_relu", self.slope)
        return self.xp.where(x > 0, g, g * self.slope)

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class ELU(Op):
    def forward(self, x, alpha):
        self.alpha = alpha
        self.save_for_backward(x)
        return _kernels()[0].act_forward(x, "elu", alpha)[0]

    def backward(self, g):                       # 1 for x > 0, alpha e^x otherwise
        (x,) = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, x, "elu", self.alpha)
        xp = self.xp
        return xp.where(x > 0, g, g * self.alpha * xp.exp(xp.minimum(x, 0)))

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_K = math.sqrt(2 / math.pi)


class GELU(Op):
    """exact: x Phi(x), d = Phi(x) + x phi(x);  tanh: 0.5 x (1 + tanh(k (x + 0.044715 x^3)))."""

    def forward(self, x, approximate):
        self.approximate = approximate
        self.save_for_backward(x)
        return _kernels()[0].act_forward(x, "gelu_tanh" if approximate == "tanh" else "gelu")[0]

    def backward(self, g):
        (x,) = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, x, "gelu_tanh" if self.approximate == "tanh" else "gelu")
        xp = self.xp
        if self.approximate == "tanh":
            u = _K * (x + 0.044715 * x * x * x)
            t = xp.tanh(u)
            du = _K * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        cdf = 0.5 * (1 + special.erf(xp, x * _SQRT1_2)) if not isinstance(x, Tensor) else \
            0.5 * (1 + E.erf(x * _SQRT1_2))
        return g * (cdf + x * _INV_SQRT_2PI * xp.exp(-0.5 * x * x))

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class SiLU(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return _kernels()[0].act_forward(x, "silu")[0]

    def backward(self, g):                       # silu' = s (1 + x (1 - s))
        (x,) = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, x, "silu")
        s = E.sigmoid(x) if isinstance(x, Tensor) else special.sigmoid(self.xp, x)
        return g * s * (1 + x * (1 - s))

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class Softplus(Op):
    """log(1 + e^(beta x)) / beta, linear above ``threshold``; derivative sigmoid(beta x)."""

    def forward(self, x, beta, threshold):
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(x)
        return _kernels()[0].act_forward(x, "softplus", beta, threshold)[0]

    def backward(self, g):
        (x,) = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, x, "softplus", self.beta, self.threshold)
        xp = self.xp
        bx = x * self.beta
        s = E.sigmoid(bx) if isinstance(x, Tensor) else special.sigmoid(xp, bx)
        return xp.where(bx > self.threshold, g, g * s)

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class Softmax(Op):
    def forward(self, x, axis):
        xp = self.xp
        self.axis = axis
        if x.size == 0:                          # (2, 0): nothing to normalize (max() has no identity)
            y = x.copy()
            self.save_for_backward(y)
            return y
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        y = e / e.sum(axis=axis, keepdims=True)
        self.save_for_backward(y)
        return y

    def backward(self, g):                       # dx = y (g - sum(g y))
        (y,) = self.saved
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))

    def jvp(self, t, *args):        # J = diag(y) - y y^T is symmetric: J t = backward(t) = y (t - sum(t y))
        return self.backward(t)


class LogSoftmax(Op):
    def forward(self, x, axis):
        xp = self.xp
        self.axis = axis
        if x.size == 0:
            y = x.copy()
            self.save_for_backward(y)
            return y
        z = x - x.max(axis=axis, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        self.save_for_backward(y)
        return y

    def backward(self, g):                       # dx = g - softmax(x) sum(g)
        (y,) = self.saved
        return g - self.xp.exp(y) * g.sum(axis=self.axis, keepdims=True)

    def jvp(self, t, *args):        # dy = dx - sum(softmax(x) dx)
        (y,) = self.saved
        return t - (self.xp.exp(y) * t).sum(axis=self.axis, keepdims=True)


class Linear(Op):
    """y = x W^T + b in one node: dx = g W, dW = g^T x, db = sum of g over the batch. dW (and db) are written
    straight into the weight's flat optimizer buffer when the engine offers it (``_grad_into``)."""

    _grad_into = (1, 2)

    def forward(self, x, w, b):
        self.save_for_backward(x, w)
        if self.xp is np:                        # BLAS threads for this size (gpugrad.kernels._blas)
            _blas_prepare(x.size // max(x.shape[-1], 1), w.shape[1], w.shape[0])
        y = _matmul(self.xp, x, w.T)
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x, w = self.saved
        n = self.needs_input_grad
        xp = self.xp
        if xp is np:
            _blas_prepare(x.size // max(x.shape[-1], 1), w.shape[1], w.shape[0])
        gx = _matmul(xp, g, w) if n[0] else None
        gw = gb = None
        out = self._grad_out
        if n[1]:
            into = None if out is None else out[1]
            if into is not None and into.dtype == g.dtype == x.dtype and into.shape == w.shape:
                gw = _matmul(xp, _rows(g).T, _rows(x), out=into)
            else:
                gw = _matmul(xp, _rows(g).T, _rows(x))
        if len(n) > 2 and n[2]:
            into = None if out is None else out[2]
            if into is not None and into.dtype == g.dtype and into.shape == g.shape[-1:]:
                gb = _rows(g).sum(axis=0, out=into)
            else:
                gb = _rows(g).sum(axis=0)
        return gx, gw, gb

    def jvp(self, tx, tw, tb):      # d(x W^T + b) = dx W^T + x dW^T + db
        x, w = self.saved
        y = None if tx is None else tx @ w.T
        if tw is not None:
            y = x @ tw.T if y is None else y + x @ tw.T
        if tb is not None:
            y = tb if y is None else y + tb
        return y


def _rows(a):
    """(..., C) as a matrix (N, C); explicit sizes, since -1 is ambiguous when C = 0 (in_features=0)."""
    return a.reshape((math.prod(a.shape[:-1]), a.shape[-1]))


class BiasAct(Op):
    """y = f(h + b): a Linear layer's bias add fused into the activation kernel that follows it (see
    :func:`linear_act`); h is the matmul output (..., C), b the bias (C,). Saves y where f' is a function of
    y (relu, tanh, sigmoid), else h and b: backward's kernel recomputes h + b instead of storing it."""

    def forward(self, h, b, kind, p0, p1):
        self.kind, self.p0, self.p1 = kind, p0, p1
        y, saved = _kernels()[0].act_forward(h, kind, p0, p1, bias=b)
        if saved is y:
            self.save_for_backward(y)
        else:
            self.save_for_backward(h, b)
        return y

    def _dz(self, g):                            # g f'(h + b), elementwise
        saved = self.saved
        if g.__class__ is not Tensor:
            return _kernels()[0].act_backward(g, saved[0], self.kind, self.p0, self.p1,
                                              bias=saved[1] if len(saved) == 2 else None)
        # graph mode: the activation op's own (recorded) derivative at z = h + b
        cls, attrs = _ACT_NODES[self.kind]
        node = cls.__new__(cls)
        node.xp = self.xp
        node.saved = (saved[0] + saved[1],) if len(saved) == 2 else saved
        for k, v in zip(attrs, (self.p0, self.p1)):
            setattr(node, k, v)
        if cls is GELU:
            node.approximate = "tanh" if self.kind == "gelu_tanh" else "none"
        return node.backward(g)

    def backward(self, g):                       # dh = g f'(h + b), db = dh summed over all rows
        n = self.needs_input_grad
        if n[1] and g.__class__ is not Tensor:   # the kernel sums db in the pass that writes dh
            saved = self.saved
            dz, db = _kernels()[0].act_backward(g, saved[0], self.kind, self.p0, self.p1,
                                                bias=saved[1] if len(saved) == 2 else None, bias_grad=True)
            return (dz if n[0] else None), db
        dz = self._dz(g)
        db = dz.reshape((-1, dz.shape[-1])).sum(axis=0) if n[1] else None
        return (dz if n[0] else None), db

    def jvp(self, th, tb, *args):                # d f(h + b) = f'(h + b) (dh + db), elementwise
        shape = self.saved[0].shape
        t = th if tb is None else self.xp.broadcast_to(tb, shape) if th is None else th + tb
        return self._dz(t)


class Dropout(Op):
    def forward(self, x, p):
        xp = self.xp
        keep = _generator(xp, x).random(x.shape, dtype=x.dtype if x.dtype.kind == "f" and x.dtype.itemsize >= 4
                                     else "float32") >= p
        self.mask = keep.astype(x.dtype) * (1.0 / (1.0 - p))
        return x * self.mask

    def backward(self, g):
        return g * self.mask

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class CrossEntropy(Op):
    """Softmax + cross-entropy from class indices in one node (the reference of the fused kernel).

    loss_i = -sum_c q_ic log p_ic with q = (1 - eps) onehot(y_i) + eps / C; dlogits = (p - q) * g_i.
    Rows whose target is ``ignore_index`` contribute nothing."""

    def forward(self, logits, target, ignore_index, label_smoothing):
        # fused: one pass writes the loss and keeps the row max and log-sum-exp (2 N values, not N x C)
        loss, row_max, row_ls = _kernels()[1].ce_forward(logits, target, ignore_index, label_smoothing)
        self.target, self.ignore_index, self.eps, self.axp = target, ignore_index, label_smoothing, self.xp
        self.stats = (row_max, row_ls)
        self.save_for_backward(logits)
        return loss

    def backward(self, g):
        (x,) = self.saved
        if isinstance(g, Tensor):    # double backward: the softmax is recomputed through recorded ops
            axp = self.axp
            n, c = x.shape
            valid = self.target != self.ignore_index
            q = axp.full((n, c), self.eps / c, dtype=self.stats[0].dtype)
            q[axp.arange(n), axp.where(valid, self.target, 0)] += 1 - self.eps
            p = softmax(x, 1)
            return (p - Tensor._make(q, None)) * (g * Tensor._make(valid.astype(q.dtype), None))[:, None]
        return _kernels()[1].ce_backward(x, self.target, *self.stats, g, self.ignore_index, self.eps)

    def jvp(self, tlogits, *args):
        # loss_i depends on row i only, with gradient row (p_i - q_i) valid_i = backward(1)_i: J t = sum_c of
        # backward(1) * t
        rows = self.backward(self.axp.ones(self.target.shape[0], self.stats[0].dtype))
        return (rows * tlogits).sum(axis=1)



class CrossEntropyMean(CrossEntropy):
    """:class:`CrossEntropy` with ``reduction="mean"`` in the same node: the sum of the row losses over the
    number of rows not ignored, NaN when there is none (as PyTorch), with zero gradients then. One recorded
    op instead of four (loss, sum, scale, select) on every training step."""

    def forward(self, logits, target, ignore_index, label_smoothing):
        loss = CrossEntropy.forward(self, logits, target, ignore_index, label_smoothing)
        xp = self.xp
        if xp is np:                             # on the host: Python scalars, cheaper than 0-d array ops
            total = int(np.count_nonzero(target != ignore_index))
            self.inv = loss.dtype.type(1 / total if total else 0)
            return np.asarray(loss.sum(dtype=loss.dtype) * self.inv if total else np.nan, dtype=loss.dtype)
        nz, self.inv = _inverse_count(xp, (target != ignore_index).sum(), loss.dtype)
        return xp.where(nz, loss.sum(dtype=loss.dtype) * self.inv, xp.nan).astype(loss.dtype)

    def _rows(self, g):
        """The upstream gradient of the mean, per row: g / total."""
        n = self.target.shape[0]
        if isinstance(g, Tensor):
            return g * Tensor._make(self.axp.full(n, self.inv, dtype=self.inv.dtype), None)
        rows = self.axp.empty(n, dtype=self.inv.dtype)
        rows[...] = g * self.inv                 # (on a GPU a device-side fill: no host read of g)
        return rows

    def backward(self, g):
        return CrossEntropy.backward(self, self._rows(g))

    def jvp(self, tlogits, *args):                # the mean of the row losses' tangents (CrossEntropy.jvp)
        rows = CrossEntropy.backward(self, self.axp.ones(self.target.shape[0], self.stats[0].dtype))
        return (rows * tlogits).sum() * self.inv


# -- functional API -------------------------------------------------------------------------------------------
def _need_float(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if not _dtype.is_float(x.dtype):
        raise FloatOnlyError(f"{op}: expected a floating point tensor, got dtype {x.dtype}")


def _on_integers(x, inplace, array_fn):
    """relu, relu6, hardtanh and threshold on an integer tensor, as PyTorch computes them: ``array_fn`` of the
    array in its own dtype (PyTorch truncates float bounds toward zero), not recorded: integers carry no
    gradient. None when ``x`` is not an integer tensor."""
    if not isinstance(x, Tensor) or x.dtype.kind not in "iu":
        return None
    res = Tensor._make(array_fn(x._data).astype(x.dtype, copy=False), None, False)
    return x.copy_(res) if inplace else res


def _in_place(x, fn, *args):
    """``inplace=True``: fn's result written into x (gpugrad.ops._inplace: version bump, graph rebased)."""
    from . import _inplace
    return _inplace(x, fn, *args)


def relu(input, inplace=False):
    """max(0, x), elementwise (a fused kernel on large inputs).

        Args:
            input: the input tensor (floating point).
            inplace: write the result into ``x`` and return it.

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> gg.nn.functional.relu(gg.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    x = input
    if x.__class__ is not Tensor or x._data.dtype.kind != "f":     # (the float path pays one check)
        res = _on_integers(x, inplace, lambda a: x.xp.maximum(a, 0))
        if res is not None:
            return res
        _need_float("relu", x)
    if inplace:
        return _in_place(x, relu)
    return ReLU.apply(x)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x >= 0, ``negative_slope`` x elsewhere.

        Args:
            input: the input tensor (floating point).
            negative_slope: the slope for negative inputs.
            inplace: write the result into ``x`` and return it.

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> gg.nn.functional.leaky_relu(gg.tensor([-1.0, 2.0]), 0.5)
        tensor([-0.5000,  2.0000])
    """
    x = input
    _need_float("leaky_relu", x)
    if inplace:
        return _in_place(x, leaky_relu, negative_slope)
    return LeakyReLU.apply(x, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, ``alpha`` (e^x - 1) elsewhere.

        Args:
            input: the input tensor (floating point).
            alpha: the negative saturation value is ``-alpha``.
            inplace: write the result into ``x`` and return it.

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> gg.nn.functional.elu(gg.tensor([0.0, 2.0])).tolist()
        [0.0, 2.0]
    """
    x = input
    _need_float("elu", x)
    if inplace:
        return _in_place(x, elu, alpha)
    return ELU.apply(x, alpha)


def gelu(input, approximate="none"):
    """x Phi(x), Phi the standard normal CDF.

        Args:
            input: the input tensor (floating point).
            approximate: ``"none"`` (exact, with erf) or ``"tanh"`` (the tanh approximation).

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> round(gg.nn.functional.gelu(gg.tensor(1.0)).item(), 4)
        0.8413
    """
    x = input
    _need_float("gelu", x)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate)


def silu(input, inplace=False):
    """x sigmoid(x) (swish).

        Args:
            input: the input tensor (floating point).
            inplace: write the result into ``x`` and return it.

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> round(gg.nn.functional.silu(gg.tensor(1.0)).item(), 4)
        0.7311
    """
    x = input
    _need_float("silu", x)
    if inplace:
        return _in_place(x, silu)
    return SiLU.apply(x)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold.

        Args:
            input: the input tensor (floating point).
            beta: the sharpness.
            threshold: above it (in beta x) the result is linear.

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> round(gg.nn.functional.softplus(gg.tensor(0.0)).item(), 4)
        0.6931
    """
    x = input
    _need_float("softplus", x)
    return Softplus.apply(x, beta, threshold)


def sigmoid(input):
    """1 / (1 + e^-x), stable for any x.

        Args:
            input: the input tensor (floating point).

        Returns:
            A tensor of ``x``'s shape, in (0, 1).

        >>> import gpugrad as gg
        >>> gg.nn.functional.sigmoid(gg.tensor([0.0])).tolist()
        [0.5]
    """
    return E.sigmoid(input)


def tanh(input):
    """The hyperbolic tangent.

        Args:
            input: the input tensor (floating point).

        Returns:
            A tensor of ``x``'s shape, in (-1, 1).

        >>> import gpugrad as gg
        >>> gg.nn.functional.tanh(gg.tensor([0.0])).tolist()
        [0.0]
    """
    return E.tanh(input)


def _axis(op, x, dim):
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1   # PyTorch's legacy implicit choice
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
        raise IndexError(f"{op}: dim {dim} out of range for shape {shape_str(x.shape)}")
    return dim % max(x.ndim, 1)


def softmax(input, dim=None, dtype=None, *, axis=None):
    """e^x / sum(e^x) along ``dim`` (computed as e^(x - max)).

        Args:
            input: the input tensor (floating point).
            dim: the dimension to normalize over (``axis`` is NumPy's spelling).
            dtype: cast the input to this dtype first (PyTorch's keyword).
            axis: the same as ``dim``.

        Returns:
            A tensor of ``x``'s shape whose slices along ``dim`` sum to 1.

        >>> import gpugrad as gg
        >>> gg.nn.functional.softmax(gg.zeros(1, 2), dim=1).tolist()
        [[0.5, 0.5]]
    """
    x = input
    if dtype is not None:               # PyTorch casts the input first
        x = x.to(dtype)
    _need_float("softmax", x)
    return Softmax.apply(x, _axis("softmax", x, dim if axis is None else axis))


def log_softmax(input, dim=None, dtype=None, *, axis=None):
    """x - logsumexp(x) along ``dim``: the log of softmax, without its underflow.

        Args:
            input: the input tensor (floating point).
            dim: the dimension to normalize over (``axis`` is NumPy's spelling).
            dtype: cast the input to this dtype first (PyTorch's keyword).
            axis: the same as ``dim``.

        Returns:
            A tensor of ``x``'s shape.

        >>> import gpugrad as gg
        >>> gg.nn.functional.log_softmax(gg.zeros(2), dim=0).exp().tolist()
        [0.5, 0.5]
    """
    x = input
    if dtype is not None:               # PyTorch casts the input first
        x = x.to(dtype)
    _need_float("log_softmax", x)
    return LogSoftmax.apply(x, _axis("log_softmax", x, dim if axis is None else axis))


def linear(input, weight, bias=None):
    """y = x weight^T + bias, as ``torch.nn.functional.linear`` (one recorded node).

        Args:
            input: the input tensor (floating point).  Shape ``(..., in_features)``.
            weight: ``(out_features, in_features)``.
            bias: ``(out_features,)`` or None.

        Returns:
            A tensor of shape ``(..., out_features)``.

        >>> import gpugrad as gg
        >>> gg.nn.functional.linear(gg.ones(2, 3), gg.ones(4, 3), gg.zeros(4)).shape
        gpugrad.Size([2, 4])
    """
    x = input
    _need_float("linear", x)
    if x.shape[-1:] != weight.shape[-1:] or weight.ndim != 2:
        raise RuntimeError(f"linear: input {shape_str(x.shape)} does not match weight {shape_str(weight.shape)} "
                           f"(expected input (..., {weight.shape[-1] if weight.ndim else '?'}))")
    if x.dtype != weight.dtype and _function._autocast is None:     # autocast casts both to its dtype
        raise RuntimeError(f"linear: input dtype {x.dtype} does not match weight dtype {weight.dtype}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(f"linear: bias {shape_str(bias.shape)} does not match weight {shape_str(weight.shape)}")
    return Linear.apply(x, weight, bias)


#: BiasAct's graph-mode derivative borrows each activation op's backward: kind -> (class, its parameter names)
_ACT_NODES = {"relu": (ReLU, ()), "leaky_relu": (LeakyReLU, ("slope",)), "elu": (ELU, ("alpha",)),
              "gelu": (GELU, ()), "gelu_tanh": (GELU, ()), "silu": (SiLU, ()), "tanh": (E.Tanh, ()),
              "sigmoid": (E.Sigmoid, ()), "softplus": (Softplus, ("beta", "threshold"))}
#: linear_act's activations: name -> (keyword parameters with their defaults)
_LINEAR_ACTS = {"relu": {}, "leaky_relu": {"negative_slope": 0.01}, "elu": {"alpha": 1.0},
                "gelu": {"approximate": "none"}, "silu": {}, "tanh": {}, "sigmoid": {},
                "softplus": {"beta": 1.0, "threshold": 20.0}}


def linear_act(x, weight, bias=None, activation="relu", **params):
    """``activation(linear(x, weight, bias))`` with the bias add fused into the activation's kernel: one pass
    over the matmul output instead of two, on the GPU (CUDA ``act_fwd``/``act_bwd`` with a bias) and wherever
    the activation runs fused. Same values and gradients as the unfused pair.

    ``activation``: relu, leaky_relu (negative_slope), elu (alpha), gelu (approximate), silu, tanh, sigmoid,
    softplus (beta, threshold).

    >>> import gpugrad as gg
    >>> from gpugrad.ops.nn_ops import linear_act
    >>> x, w, b = gg.ones(2, 3), gg.ones(4, 3), gg.tensor([-5.0, 0.0, 1.0, 2.0])
    >>> linear_act(x, w, b, "relu").tolist()[0]
    [0.0, 3.0, 4.0, 5.0]
    """
    if activation not in _LINEAR_ACTS:
        raise ValueError(f"linear_act: unknown activation {activation!r}; expected one of "
                         f"{', '.join(_LINEAR_ACTS)}")
    opts = dict(_LINEAR_ACTS[activation])
    unknown = set(params) - set(opts)
    if unknown:
        raise TypeError(f"linear_act: {activation} takes no parameter(s) {', '.join(sorted(unknown))}"
                        + (f"; it takes {', '.join(opts)}" if opts else ""))
    opts.update(params)
    if bias is None:
        return globals()[activation](linear(x, weight), **opts)
    if bias.shape != (weight.shape[0],):
        raise RuntimeError(f"linear_act: bias {shape_str(bias.shape)} does not match weight "
                           f"{shape_str(weight.shape)} (expected ({weight.shape[0]},))")
    if bias.dtype != x.dtype and _function._autocast is None:
        raise RuntimeError(f"linear_act: bias dtype {bias.dtype} does not match input dtype {x.dtype}")
    h = linear(x, weight)
    kind, p0, p1 = activation, 0.0, 0.0
    if activation == "gelu":
        if opts["approximate"] not in ("none", "tanh"):
            raise ValueError(f"linear_act: gelu's approximate must be 'none' or 'tanh', got {opts['approximate']!r}")
        kind = "gelu_tanh" if opts["approximate"] == "tanh" else "gelu"
    elif opts:
        vals = list(opts.values())
        p0, p1 = vals[0], (vals[1] if len(vals) > 1 else 0.0)
    return BiasAct.apply(h, bias, kind, float(p0), float(p1))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability ``p`` and scales the others by 1 / (1 - p), when ``training``.

        Args:
            input: the input tensor (floating point).
            p: the probability of zeroing an element.
            training: apply dropout (False: return ``x`` unchanged).
            inplace: write the result into ``x``.

        Returns:
            A tensor of ``x``'s shape; its expectation equals ``x``.

        >>> import gpugrad as gg
        >>> gg.nn.functional.dropout(gg.ones(3), p=0.5, training=False).tolist()
        [1.0, 1.0, 1.0]
    """
    x = input
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability has to be between 0 and 1, got {p}")
    if not training or p == 0:
        return x
    if inplace:
        return _in_place(x, dropout, p, training)
    if p == 1:
        return x * 0
    return Dropout.apply(x, p)


def _legacy_reduction(size_average, reduce):
    """PyTorch's deprecated ``size_average``/``reduce`` pair as a ``reduction`` (with PyTorch's warning)."""
    import warnings
    reduce = reduce is None or reduce
    r = "mean" if (size_average is None or size_average) and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{r}' instead.",
                  UserWarning, stacklevel=_user_stacklevel())
    return r


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_stacklevel():
    """``warnings.warn``'s stacklevel, for a warning raised by this function's caller, that points at the first
    frame outside gpugrad (the user's line, however deep inside gpugrad the warning is raised)."""
    frame, level = sys._getframe(2), 2          # 1: the function that warns; 2: its caller
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def _weighted(op, loss, weight, reduction, by_weight):
    """The elementwise ``loss`` times ``weight`` (of the input's shape), reduced; a weighted mean divides by
    the weights' sum (``by_weight``: mse_loss, l1_loss) or by the count (huber_loss), as PyTorch does."""
    if weight is None:
        return _reduce(op, loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError(f"{op}: weight {shape_str(weight.shape)} must have the input's shape "
                         f"{shape_str(loss.shape)}")
    loss = loss * weight
    if reduction == "mean" and by_weight:
        return R.sum(loss) / R.sum(weight)
    return _reduce(op, loss, reduction)


def _reduce(op, loss, reduction):
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(op, input, target):
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}: target must be a Tensor, got {type(target).__name__}")
    if input.shape != target.shape:
        raise ValueError(f"{op}: input shape {shape_str(input.shape)} and target shape "
                         f"{shape_str(target.shape)} differ; reshape one of them")


def _broadcast_target(op, input, target):
    """mse/l1/huber: as PyTorch, a target of another shape is broadcast against the input, with PyTorch's
    warning (it is usually a (N,) target for an (N, 1) output, silently averaging an (N, N) table)."""
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}: target must be a Tensor, got {type(target).__name__}")
    if input.shape != target.shape:
        err = broadcast_error(op, input, target)
        if err is not None:
            raise err
        import warnings
        warnings.warn(f"Using a target size ({shape_str(target.shape)}) that is different to the input size "
                      f"({shape_str(input.shape)}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=_user_stacklevel())


def _float32_under_autocast(*tensors):
    """Losses run in float32 inside an autocast region (PyTorch's autocast lists name them)."""
    if _function._autocast is None:
        return tensors
    return tuple(t.float() if isinstance(t, Tensor) and t.device.type in _function._autocast
                 and _dtype.is_float(t.dtype) else t for t in tensors)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean((input - target)^2).

        Args:
            input: the input tensor (floating point).
            target: a tensor of the same shape (another shape is broadcast, with PyTorch's warning).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            weight: optional per-element weights of the input's shape (the mean divides by their sum).

        Returns:
            A 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.functional.mse_loss(gg.tensor([1.0, 3.0]), gg.zeros(2))
        tensor(5.)
    """
    _broadcast_target("mse_loss", input, target)
    input, target = _float32_under_autocast(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    d = input - target
    return _weighted("mse_loss", d * d, weight, reduction, by_weight=True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean(|input - target|).

        Args:
            input: the input tensor (floating point).
            target: a tensor of the same shape (another shape is broadcast, with PyTorch's warning).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            weight: optional per-element weights of the input's shape (the mean divides by their sum).

        Returns:
            A 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.functional.l1_loss(gg.tensor([1.0, -3.0]), gg.zeros(2))
        tensor(2.)
    """
    _broadcast_target("l1_loss", input, target)
    input, target = _float32_under_autocast(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return _weighted("l1_loss", A.abs(input - target), weight, reduction, by_weight=True)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target.

        Args:
            input: the input tensor (floating point).
            target: a tensor of the same shape (another shape is broadcast, with PyTorch's warning).
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            delta: where the quadratic part ends.
            weight: optional per-element weights of the input's shape (the mean is over the elements, as in
                PyTorch).

        Returns:
            A 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.functional.huber_loss(gg.tensor([0.5, 3.0]), gg.zeros(2))
        tensor(1.3125)
    """
    _broadcast_target("huber_loss", input, target)
    input, target = _float32_under_autocast(input, target)
    d = input - target
    a = A.abs(d)
    loss = A.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _weighted("huber_loss", loss, weight, reduction, by_weight=False)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """The Huber loss divided by ``beta`` (the L1 loss when ``beta`` is 0).

        Args:
            input: the input tensor (floating point).
            target: a tensor of the same shape (another shape is broadcast, with PyTorch's warning).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            beta: where the quadratic part ends.

        Returns:
            A 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.functional.smooth_l1_loss(gg.tensor([0.5, 3.0]), gg.zeros(2), beta=1.0)
        tensor(1.3125)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return huber_loss(input, target, reduction=reduction, delta=beta) / beta if beta else \
        l1_loss(input, target, reduction=reduction)


def _class_last(op, input, target):
    """(N, C, d1, ...) -> (N*d1*..., C) and the targets alike; checks shapes and dtypes."""
    if input.ndim < 1:
        raise ValueError(f"{op}: input must have a class dimension, got shape {shape_str(input.shape)}")
    if input.ndim == 1:
        input = S.unsqueeze(input, 0)
        target = S.unsqueeze(target, 0)
    if input.ndim > 2:
        perm = (0,) + tuple(range(2, input.ndim)) + (1,)
        input = S.reshape(S.permute(input, perm), (-1, input.shape[1]))
        target = S.reshape(target, -1) if target.dtype.kind in "iu" else \
            S.reshape(S.permute(target, perm), (-1, target.shape[1]))
    return input, target


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy from logits, as ``torch.nn.functional.cross_entropy`` (one fused kernel
        writes the loss and its gradient).

        Args:
            input: logits ``(N, C)`` (or ``(N, C, d...)``).
            target: class indices ``(N,)`` (integer) or class probabilities of the input's shape.
            weight: optional per-class weights ``(C,)``.
            ignore_index: targets equal to it contribute nothing and do not count in the mean.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            label_smoothing: in [0, 1]: mixes the one-hot target with the uniform distribution.

        Returns:
            A 0-d tensor (or, with ``"none"``, one loss per sample).

        >>> import gpugrad as gg
        >>> round(gg.nn.functional.cross_entropy(gg.zeros(2, 4), gg.tensor([0, 3])).item(), 4)
        1.3863
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _need_float("cross_entropy", input)
    if not isinstance(target, Tensor):
        raise TypeError(f"cross_entropy: target must be a Tensor, got {type(target).__name__}")
    input, target = _float32_under_autocast(input, target)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if target.dtype.kind == "f":                 # class probabilities
        if target.shape != input.shape:         # PyTorch reads it as class indices of the wrong dtype
            raise RuntimeError(f"cross_entropy: probability targets {shape_str(target.shape)} must match the "
                               f"input {shape_str(input.shape)}; class-index targets must be integers, got "
                               f"dtype {target.dtype}")
        x, q = _class_last("cross_entropy", input, target)
        c = x.shape[1]
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / c
        logp = log_softmax(x, 1)
        if weight is not None:
            logp = logp * weight
        loss = -R.sum(q * logp, 1)
        if reduction == "none":
            return S.reshape(loss, (input.shape[0],) + tuple(input.shape[2:])) if input.ndim > 1 else loss[0]
        return _reduce("cross_entropy", loss, reduction)
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"cross_entropy: target must hold class indices (int64) or probabilities (float), "
                           f"got dtype {target.dtype}")
    expect = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim > 1 else ()
    if tuple(target.shape) != expect:
        raise ValueError(f"cross_entropy: expected target shape {shape_str(expect)} for input "
                         f"{shape_str(input.shape)}, got {shape_str(target.shape)}")
    x, t = _class_last("cross_entropy", input, target)
    c = x.shape[1]
    _check_classes("cross_entropy", t, c, ignore_index)
    if weight is not None:
        if label_smoothing:
            return _weighted_smoothed_ce(x, t, weight, ignore_index, reduction, label_smoothing, expect)
        return nll_loss(log_softmax(input, 1 if input.ndim > 1 else 0), target, weight, ignore_index=ignore_index,
                        reduction=reduction)
    if reduction == "mean":
        return CrossEntropyMean.apply(x, t._data, ignore_index, label_smoothing)
    loss = CrossEntropy.apply(x, t._data, ignore_index, label_smoothing)
    if reduction == "none":
        return S.reshape(loss, expect)
    return _reduce("cross_entropy", loss, reduction)


def _weighted_smoothed_ce(x, t, weight, ignore_index, reduction, eps, expect):
    """PyTorch's class-weighted label smoothing, from rows ``x`` (M, C) and targets ``t`` (M,):
    (1 - eps) nll_loss(logp, t, weight) + (eps / C) sum_i s_i, with s_i = -sum_c w_c logp_ic on the rows
    that are not ignored; 'mean' divides the smoothing term by sum_i w_{t_i} too, as nll_loss does."""
    xp, c = x.xp, x.shape[1]
    logp = log_softmax(x, 1)
    nll = nll_loss(logp, t, weight, ignore_index=ignore_index, reduction=reduction)
    valid = t._data != ignore_index
    w = (weight._data if isinstance(weight, Tensor) else xp.asarray(weight)).astype(x.dtype, copy=False)
    smooth = -R.sum(logp * Tensor._make(w, None), 1) * Tensor._make(valid.astype(x.dtype), None)
    if reduction == "mean":
        smooth = _mean_of(R.sum(smooth), (w[xp.where(valid, t._data, 0)] * valid).sum(), x)
    elif reduction == "none":
        nll, smooth = S.reshape(nll, expect), S.reshape(smooth, expect)
    else:
        smooth = _reduce("cross_entropy", smooth, reduction)
    return (1 - eps) * nll + (eps / c) * smooth


def _inverse_count(xp, total, dtype):
    """``(total != 0, 1 / total or 0)`` as device arrays of ``dtype``: no host read, no divide-by-zero warning."""
    nz = total != 0
    return nz, xp.where(nz, 1 / xp.where(nz, total, 1), 0).astype(dtype)


def _mean_of(summed, total, like):
    """summed / total as PyTorch's mean-reduced losses give it: NaN when total is 0 (every target ignored, or
    an empty batch), yet zero gradients then, even under a NaN upstream gradient (selected, not multiplied).
    Computed on the device, without reading total on the host and without NumPy's divide-by-zero warning."""
    xp = like.xp
    nz, inv = _inverse_count(xp, total, like.dtype)
    nan = xp.full((), xp.nan, like.dtype)
    return A.where(Tensor._make(xp.asarray(nz), None, False), summed * Tensor._make(inv, None),
                   Tensor._make(nan, None))


def _check_classes(op, t, c, ignore_index):
    """Class indices must lie in [0, C) (or equal ignore_index). Checked on the CPU only: on a GPU the check
    would make every loss wait for the device (a host sync per step), so it is skipped there."""
    d = t._data
    if d.size and d.__class__ is np.ndarray:
        bad = ((d < 0) | (d >= c)) & (d != ignore_index)
        if bool(bad.any()):
            v = int(d[bad][0])
            raise IndexError(f"{op}: target {v} is out of bounds for {c} classes (expected 0 <= target < {c})")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood: -input[n, target[n]], averaged (weighted) over the samples.

        Args:
            input: log-probabilities ``(N, C)``.
            target: class indices ``(N,)``.
            weight: optional per-class weights ``(C,)``.
            ignore_index: targets equal to it contribute nothing.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        Returns:
            A 0-d tensor (or one loss per sample).

        >>> import gpugrad as gg
        >>> gg.nn.functional.nll_loss(gg.tensor([[-1.0, -2.0], [-3.0, -0.5]]), gg.tensor([0, 1]))
        tensor(0.7500)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _need_float("nll_loss", input)
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"nll_loss: target must be an integer tensor of class indices, got dtype "
                           f"{target.dtype}")
    x, t = _class_last("nll_loss", input, target)
    c = x.shape[1]
    _check_classes("nll_loss", t, c, ignore_index)
    xp = x.xp
    valid = t._data != ignore_index
    safe = xp.where(valid, t._data, 0)
    # indices checked above (on the CPU): Gather directly, since gather()'s own bounds check syncs a GPU
    picked = S.Gather.apply(x, safe[:, None], 1)[:, 0]
    w = xp.asarray(valid, dtype=x.dtype)
    if weight is not None:
        w = w * weight._data[safe].astype(x.dtype, copy=False)
    wt = Tensor._make(w, None)
    loss = -picked * wt
    if reduction == "mean":
        return _mean_of(R.sum(loss), w.sum(), x)
    if reduction == "none":
        return S.reshape(loss, (input.shape[0],) + tuple(input.shape[2:])) if input.ndim > 1 else loss[0]
    return _reduce("nll_loss", loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)), logs clamped at -100 and the gradient's denominator p (1 - p) at
    float32(1e-12), as in PyTorch (finite loss and gradient at p = 0 or 1).

        Args:
            input: probabilities p in [0, 1].
            target: y, of the same shape.
            weight: optional weights, broadcast against the elementwise losses.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        Returns:
            A 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> round(gg.nn.functional.binary_cross_entropy(gg.tensor([0.5]), gg.tensor([1.0])).item(), 4)
        0.6931
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _same_shape("binary_cross_entropy", input, target)
    d = input._data
    if d.size and d.__class__ is np.ndarray:                  # no host sync on a GPU
        bad = (d < 0) | (d > 1) | (d != d)
        if bool(bad.any()):
            raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got "
                             f"{float(d[bad][0])!r} (at index {tuple(int(i) for i in np.argwhere(bad)[0])}); "
                             f"use binary_cross_entropy_with_logits for raw scores")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce("binary_cross_entropy", loss, reduction)


_BCE_EPS = float(np.float32(1e-12))     # PyTorch's EPSILON in binary_cross_entropy_backward is a float


class BinaryCrossEntropy(Op):
    """l = -(y max(log p, -100) + (1 - y) max(log(1 - p), -100));
    dl/dp = (p - y) / max(p (1 - p), eps) (PyTorch's formula, eps = float32(1e-12): finite at p = 0 and 1);
    dl/dy = log(1 - p) - log(p) (unclamped, as PyTorch's: infinite at p = 0 and 1)."""

    def forward(self, p, y):
        self.save_for_backward(p, y)
        xp = self.xp
        with np.errstate(divide="ignore"):                    # log(0) = -inf, then clamped
            return -(y * xp.maximum(xp.log(p), -100) + (1 - y) * xp.maximum(xp.log(1 - p), -100))

    def backward(self, g):
        p, y = self.saved
        xp = self.xp
        n = self.needs_input_grad
        gp = gy = None
        if n[0]:
            gp = g * (p - y) / xp.maximum(p * (1 - p), _BCE_EPS)
        if n[1]:
            with np.errstate(divide="ignore"):
                gy = g * (xp.log(1 - p) - xp.log(p))
        return gp, gy

    def jvp(self, tp, ty):          # dl = dl/dp dp + dl/dy dy, the same derivatives
        p, y = self.saved
        xp = self.xp
        t = None if tp is None else tp * (p - y) / xp.maximum(p * (1 - p), _BCE_EPS)
        if ty is not None:
            with np.errstate(divide="ignore"):
                u = ty * (xp.log(1 - p) - xp.log(p))
            t = u if t is None else t + u
        return t


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy from logits, in the stable form
        max(x, 0) - x y + log(1 + e^-|x|).

        Args:
            input: logits x.
            target: y, of the same shape.
            weight: optional weights, broadcast against the elementwise losses.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            pos_weight: optional weight of the positive term, per class (the last dim).

        Returns:
            A 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> round(gg.nn.functional.binary_cross_entropy_with_logits(gg.tensor([0.0]), gg.tensor([1.0])).item(), 4)
        0.6931
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    # log(1 + e^-x) as one Softplus node: the same stable value, and its derivative -sigmoid(-x) is exact at
    # x = 0 too (through abs and relu it would read sign(0) = 0 and relu'(0) = 0 there: a wrong gradient at
    # zero logits, e.g. at a zero initialization); threshold=inf keeps the exact form for large -x
    softplus_neg = softplus(-input, 1.0, float("inf"))
    if pos_weight is None:
        loss = (1 - target) * input + softplus_neg
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce("binary_cross_entropy_with_logits", loss, reduction)
