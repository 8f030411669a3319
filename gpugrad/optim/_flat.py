"""Flat buffers: the parameters of one (param group, device, dtype) live in one contiguous array.

Layout, for parameters p_0..p_{n-1} with ``numel`` n_i and offsets o_i = n_0 + ... + n_{i-1}::

    param  [ p_0 | p_1 | ... | p_{n-1} ]     each p_i._data is a view  param[o_i:o_i+n_i].reshape(shape_i)
    grad   [ g_0 | g_1 | ... | g_{n-1} ]     each p_i._grad_buffer is the same view of the grad buffer, so
                                             the autograd engine writes fresh gradients straight into it
    exp_avg, exp_avg_sq, ... (one flat array per optimizer state key, created on first use)

Every buffer starts on a 64-byte boundary and every offset o_i is rounded up to one (o_i = pad(o_{i-1} +
n_{i-1})), as PyTorch's CPU allocator places each tensor: the gaps hold zeros (parameter, gradient and state
alike stay 0 under every update rule), and BLAS then reads and writes each parameter and gradient from
whole cache lines (BENCHMARKS.md, "Alignment").

So an optimizer step over the whole group is one call of the fused update on the flat arrays (one kernel
launch on a GPU), and ``zero_grad(set_to_none=False)`` is one fill. Parameters keep their identity; only
their ``.data`` is rebound to the view. Step counts live in one host array (``counts``): the ``'step'`` that
``optimizer.state[p]`` shows is a 0-d view of it, so bumping every count is one host operation.

If the user rebinds ``p._data`` to a new array of the same shape, dtype and device (as loading a checkpoint
may), :meth:`FlatGroup.prepare` copies it into the buffer and rebinds the view. A parameter moved to another
device or dtype raises :class:`ParamsMoved`: before the optimizer has any state for the group it is simply
flattened again where it now lives (PyTorch's lazily created state allows ``model.to`` there too); after,
it is an error, as in PyTorch.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..tensor import Tensor
from ..backend import xp_of, device_of
from ..kernels import _aligned


def _alloc(xp, like, n, dtype, fill=None):
    """A 1-D array of ``n`` elements on the device of ``like``, starting on a 64-byte boundary (CuPy's
    allocator already gives 512-byte ones)."""
    if xp is np:
        return _aligned.empty(n, dtype) if fill is None else _aligned.full(n, fill, dtype)
    with like.device:
        return xp.empty(n, dtype) if fill is None else xp.full(n, fill, dtype)


#: id of the array that owns a flat grad buffer's memory -> (byte offset of the buffer in it (None: it is the
#: buffer), elements, dtype, parameters); the entry goes when the owner does (see :func:`whole_grad`)
_BY_OWNER: dict = {}


def _owner(arr):
    return arr if arr.base is None else arr.base


def whole_grad(owner, count):
    """The flat gradient array whose memory ``owner`` holds (the ``.base`` of the engine-written gradient
    views), when ``count`` distinct parameters' gradients in it stand for all of its parameters; else None.
    The array then holds exactly those gradients plus zero gaps, so a norm or a scale of it is one reduction
    (``nn.utils.clip_grad_norm_``)."""
    info = _BY_OWNER.get(id(owner))
    if info is None or count != info[3]:
        return None
    offset, n, dtype, _ = info
    return owner if offset is None else owner[offset:offset + n * dtype.itemsize].view(dtype)


def _register_grad(grad, n_params):
    owner = _owner(grad)
    key = id(owner)
    offset = None if owner is grad else grad.ctypes.data - owner.ctypes.data
    _BY_OWNER[key] = (offset, grad.size, grad.dtype, n_params)
    weakref.finalize(owner, _BY_OWNER.pop, key, None)


class ParamsMoved(RuntimeError):
    """A parameter of a flat group was moved to another device, cast or reshaped after the group was built."""


def flatten(params) -> list:
    """One :class:`FlatGroup` per (device, dtype) among ``params``, in order of first appearance."""
    by_key: dict = {}
    for p in params:
        by_key.setdefault((device_of(p._data), p._data.dtype), []).append(p)
    return [FlatGroup(ps) for ps in by_key.values()]


class FlatGroup:
    """The flat storage of the parameters of one (group, device, dtype); see the module docstring."""

    __slots__ = ("params", "shapes", "slices", "device", "dtype", "xp", "param", "grad", "data_views",
                 "grad_views", "buffers", "buffer_views", "counts", "step_views", "uniform", "keys_shown")

    def __init__(self, params):
        first = params[0]._data
        self.params = list(params)
        self.xp = xp = xp_of(first)
        self.device, self.dtype = device_of(first), first.dtype
        self.shapes = [tuple(p._data.shape) for p in params]
        item, start, self.slices = self.dtype.itemsize, 0, []
        for p in params:
            self.slices.append(slice(start, start + p._data.size))
            start = _aligned.pad_to(start + p._data.size, item)
        total = self.slices[-1].stop
        self.param = _alloc(xp, first, total, self.dtype, 0)      # zeros: the gaps between views stay 0
        self.grad = _alloc(xp, first, total, self.dtype, 0)
        _register_grad(self.grad, len(params))
        self.data_views = [self.param[s].reshape(sh) for s, sh in zip(self.slices, self.shapes)]
        self.grad_views = [self.grad[s].reshape(sh) for s, sh in zip(self.slices, self.shapes)]
        for p, s, dv, gv in zip(params, self.slices, self.data_views, self.grad_views):
            self.param[s] = p._data.reshape(-1)
            p._data = dv
            p._grad_buffer = gv
            if p.grad is not None:          # a gradient computed before the optimizer was built
                gv[...] = p.grad._data
                p.grad = Tensor._make(gv, None)
        self.buffers = {}
        self.buffer_views = {}
        self.counts = np.zeros(len(params), np.float32)   # updates applied per parameter (host)
        self.step_views = [Tensor._make(self.counts[i:i + 1].reshape(()), None) for i in range(len(params))]
        self.uniform = True          # all counts equal, so one fused call can serve every parameter
        self.keys_shown = None       # the state keys optimizer.state[p] shows (None: not shown yet)

    def buffer(self, key, fill):
        """The flat state array ``key`` (created filled with ``fill`` on first use)."""
        buf = self.buffers.get(key)
        if buf is None:
            buf = self.buffers[key] = _alloc(self.xp, self.param, self.param.size, self.dtype, fill)
            self.buffer_views[key] = [buf[s] for s in self.slices]
        return buf

    def state_view(self, key, i):
        """Parameter ``i``'s part of the state array ``key``, shaped like the parameter, as a Tensor."""
        return Tensor._make(self.buffer_views[key][i].reshape(self.shapes[i]), None)

    def prepare(self, opname):
        """Before a step: re-attach parameters whose ``.data`` was rebound, copy gradients that the user
        assigned (not written by the engine) into the grad buffer, bump version counters. Returns the
        indices of the parameters without a gradient."""
        missing = []
        for i, p in enumerate(self.params):
            if p._data is not self.data_views[i]:
                self._reattach(i, p, opname)
            g = p.grad
            if g is None:
                missing.append(i)
                continue
            if g._data is not self.grad_views[i]:
                if tuple(g._data.shape) != self.shapes[i]:
                    raise RuntimeError(f"{opname}.step: parameter {i} of shape {self.shapes[i]} has a .grad of "
                                       f"shape {tuple(g._data.shape)}")
                self.grad_views[i][...] = g._data
            p._vc[0] += 1
        return missing

    def runs(self, missing):
        """``(first, stop, flat slice)`` for each run of neighbouring parameters that have a gradient (are
        not in ``missing``) and the same update count: each run is one call of the fused update."""
        skip = set(missing)
        counts, n, out = self.counts, len(self.params), []
        i = 0
        while i < n:
            if i in skip:
                i += 1
                continue
            j = i + 1
            while j < n and j not in skip and counts[j] == counts[i]:
                j += 1
            out.append((i, j, slice(self.slices[i].start, self.slices[j - 1].stop)))
            i = j
        return out

    def _reattach(self, i, p, opname):
        arr = p._data
        if device_of(arr) != self.device or arr.dtype != self.dtype or tuple(arr.shape) != self.shapes[i]:
            raise ParamsMoved(
                f"{opname}.step: parameter {i} is now {tuple(arr.shape)} {arr.dtype} on {device_of(arr)}, but the "
                f"optimizer's state is {self.shapes[i]} {self.dtype} on {self.device}. Moving or casting a model "
                "after its optimizer has stepped is not supported (as in PyTorch): build the optimizer after "
                "model.to(...).")
        self.data_views[i][...] = arr
        p._data = self.data_views[i]
        p._grad_buffer = self.grad_views[i]     # another optimizer may have taken the parameter over

    def zero_grad(self):
        """One fill of the grad buffer; gradients the user assigned from elsewhere are zeroed one by one."""
        self.grad.fill(0)
        for p, gv in zip(self.params, self.grad_views):
            g = p.grad
            if g is not None and g._data is not gv:
                _zero_grad_tensor(p)

    def check_uniform(self):
        self.uniform = bool((self.counts == self.counts[0]).all()) if len(self.counts) else True


def _zero_grad_tensor(p):
    """Zero ``p.grad`` in place (``set_to_none=False``), cutting it from any graph first, as PyTorch does."""
    g = p.grad
    if g.grad_fn is not None or g.requires_grad:
        p.grad = Tensor._make(g.xp.zeros_like(g._data), None)
    else:
        g._data[...] = 0
        g._vc[0] += 1
