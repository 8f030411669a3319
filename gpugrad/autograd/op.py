"""Op: one recorded op, with its forward and its backward side by side (gpugrad's internal op base; the
public ``gpugrad.autograd.Function`` is PyTorch's API on Tensors, in function.py, and records through this).

A subclass writes ``forward(self, *arrays, **options)`` on raw arrays of one array module (``self.xp``) and
``backward(self, grad)`` returning one gradient per positional argument (``None`` where there is none). The
instance is also the tape's node: ``apply`` links it to the nodes of its inputs (``next``) and keeps only
what ``save_for_backward`` named. Backward formulas are written against ``self.xp`` and the saved values so
that the same code runs on NumPy arrays, CuPy arrays, or (for higher-order derivatives) on Tensors.

Example::

    class Exp(Op):
        def forward(self, x):
            y = self.xp.exp(x)
            self.save_for_backward(y)
            return y

        def backward(self, g):
            (y,) = self.saved
            return g * y            # d/dx e^x = e^x
"""
from __future__ import annotations

import weakref

from . import grad_mode
from .forward_views import tangent_of
from ..backend import xp_of, device_of

_state = grad_mode._state
_OUTPUT = object()  # marks "the op's own output" among the saved sources
_wref = weakref.ref


class Op:
    """One recorded op: subclass it with ``forward`` (on raw arrays of ``self.xp``, NumPy or CuPy, saving what
    backward needs with ``save_for_backward``) and ``backward`` (one gradient per positional input, or None),
    then call ``MyOp.apply(*tensors)``. The instance is the tape's node (``grad_fn``). See the module
    :mod:`gpugrad.autograd.op` for the details (and :class:`gpugrad.autograd.Function` for PyTorch's API on
    Tensors).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.op import Op
    >>> class Cube(Op, register=False):
    ...     def forward(self, x):
    ...         self.save_for_backward(x)
    ...         return x ** 3
    ...     def backward(self, g):
    ...         (x,) = self.saved
    ...         return 3 * x ** 2 * g
    >>> x = gg.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    tensor(12.)
    """

    __slots__ = ("xp", "next", "saved", "needs_input_grad", "_sources", "_versions", "_freed", "_retained",
                 "_hooks", "_to_save", "__dict__", "__weakref__")

    #: every op class, for the test that each one is covered by the gradient-check table
    registry: list[type] = []
    #: the op's autocast policy per device type, set by gpugrad.amp's op lists: {"cuda": "lower" or "float32",
    #: "cpu": ...}; None, or a device type missing, runs the op on its inputs as they are
    _amp = None
    #: positions of inputs whose gradient this op can write into an array the engine offers (a leaf's flat
    #: optimizer buffer, see engine._destinations): the engine then sets ``_grad_out`` (one array or None per
    #: input) before calling backward. None: the op never does.
    _grad_into = None
    _grad_out = None

    def __init_subclass__(cls, register=True, **kwargs):
        super().__init_subclass__(**kwargs)
        if register:      # (autograd's own nodes for user Functions are not ops: register=False)
            Op.registry.append(cls)

    # -- what subclasses write ------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} is not differentiable")

    def jvp(self, *tangents):
        """Forward mode: the output's tangent from the inputs' tangents (raw arrays, ``None`` where an
        input carries none), with ``self.saved`` holding what ``forward`` saved.

        Ops override this with their own formula. This default derives it from ``backward``: the
        vector-Jacobian product u -> J^T u is linear in u, so J t = d<J^T u, t>/du, one graph-mode backward
        plus one reverse pass (correct for every op whose backward supports ``create_graph``, but slower)."""
        return _jvp_by_double_backward(self, tangents)

    def save_for_backward(self, *values):
        self._to_save = values

    @property
    def name(self) -> str:
        """"AddBackward": in messages as a string; called, ``name()`` is PyTorch's "AddBackward0"."""
        return _NodeName((self._node_name or type(self).__name__) + "Backward", self._overload)

    @property
    def next_functions(self):
        """PyTorch's view of the graph: ``((node, 0), ...)`` per input, an :class:`AccumulateGrad` for a leaf
        that requires grad and ``(None, 0)`` for an input that takes no gradient."""
        return tuple((None if e is None else AccumulateGrad(e()) if e.__class__ is _wref else e, 0)
                     for e in self.next)

    # -- recording ------------------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on Tensors (and constants) and, if grad mode is on and an input requires grad,
        record it; inside a forward-AD ``dual_level`` also compute the output's tangent. Returns a Tensor."""
        low = None
        if _autocast is not None and cls._amp is not None:     # one global read when autocast is off
            args, low = _autocast_args(cls._amp, args)
        node = cls.__new__(cls)
        node._to_save = None
        arrays = []
        requires = False
        views = False
        first = None
        for a in args:
            if type(a) is Tensor or isinstance(a, Tensor):
                if first is None:
                    first = a._data
                elif type(a._data) is not type(first) or (type(first) is not _ndarray and
                                                          a._data.device != first.device):
                    return cls.apply(*_cpu_scalars_moved(cls, args), **kwargs)
                arrays.append(a._data)
                requires = requires or a.requires_grad
                if a._view is not None:
                    views = True
            else:
                arrays.append(a)
        node.xp = _np if type(first) is _ndarray else xp_of(first)
        if type(first) is _ndarray:
            out = node.forward(*arrays, **kwargs)
            tangent = _slow_path(node, args, out) if _slow else None   # one global read when off
        else:
            with first.device:      # a GPU op runs on its inputs' GPU, whichever device is current
                out = node.forward(*arrays, **kwargs)
                tangent = _slow_path(node, args, out) if _slow else None
        if low is not None and out.dtype != low:     # bfloat16 matmuls in NumPy return float32; PyTorch's don't
            out = out.astype(low)
        if not (requires and _state.enabled):
            result = Tensor._make(out, None)
            if tangent is not None:
                _attach_tangent(result, tangent)
            return result
        if views:
            for a in args:
                if isinstance(a, Tensor) and a._view is not None:
                    _check_view(a)
        # Leaves are held weakly: a parameter's .grad built with create_graph=True records a graph that
        # reaches the parameter again, and a strong reference would close a cycle param -> grad -> param.
        node.next = nxt = tuple([(a.grad_fn or _wref(a)) if isinstance(a, Tensor) and a.requires_grad else None
                                 for a in args])     # (a list comprehension is cheaper than a generator)
        node.needs_input_grad = tuple([e is not None for e in nxt])
        node._freed = False
        node._retained = None
        node._hooks = None
        result = Tensor._make(out, node)
        to_save = node._to_save
        if to_save:
            # where each saved value comes from, so that a graph-mode backward (create_graph=True) can
            # put the recorded Tensor in its place: the op's output, input i, or None for a constant
            sources = []
            versions = []
            for s in to_save:
                src = None
                if s is out:
                    src = _OUTPUT
                    versions.append((result._vc, 0, "its output"))
                else:
                    for i, a in enumerate(arrays):
                        if s is a and isinstance(args[i], Tensor):
                            src = i
                            versions.append((args[i]._vc, args[i]._vc[0], i))   # i: "input i"
                            break
                sources.append(src)
            node.saved = to_save
            node._sources = tuple(sources)
            node._versions = versions
        else:
            node.saved = ()
            node._sources = ()
            node._versions = None
        node._to_save = None
        if tangent is not None:
            _attach_tangent(result, tangent)
        return result

    #: PyTorch's built-in node classes carry an overload number (AddBackward0); user Functions' do not. An op
    #: sets its own (per class or per node) where PyTorch's differs for the call (SumBackward1 with a dim)
    _overload = "0"
    #: the stem of the node's name where PyTorch's differs from the class name (Log1P for Log1p), else None
    _node_name = None

    def __repr__(self):
        return f"<{self.name}{self._overload} object at {id(self):#x}>"


class _NodeName(str):
    """A node's name, usable both as a string and as PyTorch's method ``grad_fn.name()``."""

    def __new__(cls, name, overload):
        s = super().__new__(cls, name)
        s._full = name + overload
        return s

    def __call__(self):
        return self._full


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: ``.variable`` is the leaf tensor (as in PyTorch)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


# -- the modes Op.apply looks at: forward AD and anomaly detection -----------------------------------------------
# Module globals, because apply reads them on every op: ``_slow`` (either mode on) is the one read when off.
_slow = 0
_anomaly = 0             # anomaly_mode.set_anomaly_enabled
_profile_hook = None     # gpugrad.profiler's recorder while a profile records: the engine times each backward
_anomaly_check_nan = True


def _update_slow():
    global _slow
    _slow = 1 if (_fw_level or _anomaly) else 0


def _set_anomaly(enabled, check_nan):
    global _anomaly, _anomaly_check_nan
    _anomaly, _anomaly_check_nan = (1 if enabled else 0), check_nan
    _update_slow()


def _slow_path(node, args, out):
    """Anomaly detection's record and check, then the output's tangent (None without forward AD)."""
    if _anomaly:
        from . import anomaly_mode
        anomaly_mode.record(node)
        if _anomaly_check_nan:
            anomaly_mode.check_forward(node, args, out)
    return _forward_tangent(node, args, out) if _fw_level else None


# -- forward mode --------------------------------------------------------------------------------------------
# 1 inside forward_ad.dual_level (one level at a time, process-wide, as PyTorch's levels are). A module
# global because apply reads it on every op: the cheapest check there is.
_fw_level = 0

# -- autocast ------------------------------------------------------------------------------------------------
# {device type: lower-precision dtype} inside gpugrad.amp.autocast regions, else None. A module global for the
# same reason as _slow: apply reads it on every op.
_autocast = None


def _autocast_args(policy, args):
    """``(args, out_dtype)``: the op's floating-point Tensor arguments cast (differentiably) to the autocast
    dtype of their device ("lower") or to float32 ("float32"), other arguments as they are; ``out_dtype`` is
    the dtype the output must have (the lower one), or None."""
    dev = next((a.device.type for a in args if isinstance(a, Tensor)), None)
    low = _autocast.get(dev)
    policy = policy.get(dev)
    if low is None or policy is None:
        return args, None
    target = low if policy == "lower" else _np.dtype(_np.float32)
    return tuple(a.to(target) if isinstance(a, Tensor) and _is_float(a.dtype) and a.dtype != target else a
                 for a in args), (low if policy == "lower" else None)


def _is_float(dt):
    return dt.kind == "f" or (dt.kind == "V" and dt.name == "bfloat16")    # ml_dtypes' bfloat16: kind "V"
_fw_duals = []         # weak references to every tensor given a tangent in this level, cleared on exit


def _attach_tangent(t, tangent):
    t._fw_tangent = tangent
    _fw_duals.append(_wref(t))


def _forward_tangent(node, args, out):
    """The output tangent of ``node`` (a raw array), or None when no input carries a tangent."""
    tangents = [tangent_of(a) if isinstance(a, Tensor) else None for a in args]
    for t in tangents:
        if t is not None:
            break
    else:
        return None
    if out.dtype.kind not in "fc":    # integer and bool outputs (argmax, comparisons) carry no tangent
        return None
    node.saved = node._to_save or ()
    node._out_meta = (out.shape, out.dtype)    # for the default rule, which needs the output's shape
    t = node.jvp(*tangents)
    if t is None:                    # the output does not depend on the inputs differentiably
        return None
    if t.shape != out.shape:         # e.g. a tangent on the smaller operand of a broadcast
        t = node.xp.broadcast_to(t, out.shape)
    if t.dtype != out.dtype:
        t = t.astype(out.dtype)
    return t


def _jvp_by_double_backward(node, tangents):
    from .engine import _graph_saved
    from . import grad
    from .grad_mode import enable_grad
    from ..ops import tensor_namespace_for
    out_shape, out_dtype = node._out_meta
    xp = node.xp
    u = Tensor._make(xp.zeros(out_shape, out_dtype), None, True)
    saved = node.saved
    node.needs_input_grad = tuple(t is not None for t in tangents)
    node.saved, node.xp = _graph_saved(node, saved, constants=True), tensor_namespace_for(xp)
    try:
        with enable_grad():
            res = node.backward(u)
    finally:
        node.saved, node.xp = saved, xp
    if res.__class__ is not tuple:
        res = (res,)
    outs, seeds = [], []
    for r, t in zip(res, tangents):
        if r is not None and t is not None and r.requires_grad:
            outs.append(r)
            seeds.append(Tensor._make(t, None))
    if not outs:
        return None
    (jt,) = grad(outs, [u], grad_outputs=seeds, allow_unused=True)
    return None if jt is None else jt._data


def _check_view(t):
    """Refuse a recorded view whose base was changed in place behind it (not through the view): its graph
    no longer describes its data. Writes through the view itself keep it current (ops._expect_own_write);
    a leaf base's graph never changes, so views of leaves are always current."""
    link = t._view
    while link is not None:
        base, node = link
        if base.grad_fn is None:
            return
        if base._vc[0] != node._base_version:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: the tensor this view was taken from of {node.name} is at version {base._vc[0]}; "
                f"expected version {node._base_version}. Take the view again after the in-place change "
                f"(or .clone() the view before it).")
        link = base._view


def _cpu_scalars_moved(cls, args):
    """``args`` with their 0-d CPU tensors moved (recorded, so gradients flow back) to the one device their other
    tensors are on: PyTorch lets a CPU scalar tensor meet CUDA tensors. Any other mix of devices is an error."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    devices = {str(a.device) for a in tensors if type(a._data) is not _ndarray}
    if len(devices) != 1 or any(type(a._data) is _ndarray and a.ndim for a in tensors):
        devs = [f"{device_of(a._data)} {tuple(a.shape)}" for a in tensors]
        raise RuntimeError(f"{cls.__name__.lower()}: expected all tensors on the same device, got "
                           + " and ".join(devs) + "; move them with .to(device) first (only 0-d CPU tensors "
                           "mix with tensors on another device)")
    (dev,) = devices
    return [a.to(dev) if isinstance(a, Tensor) and type(a._data) is _ndarray else a for a in args]


import numpy as _np  # noqa: E402

_ndarray = _np.ndarray
from ..tensor import Tensor  # noqa: E402  (tensor.py imports nothing from here at import time)
