"""``gpugrad.autograd.Function``: PyTorch's API for ops written by the user, on Tensors.

A subclass writes two static methods on Tensors, ``forward(ctx, *args, **kwargs)`` and
``backward(ctx, *grad_outputs)`` (one gradient per positional argument of ``forward``, ``None`` for
non-Tensor arguments and where no gradient is needed), and is called through ``apply``. Or, PyTorch's newer
style: ``forward(*args)`` without ctx plus ``setup_context(ctx, inputs, output)``.

>>> import gpugrad as torch
>>> class Square(torch.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return 2 * x * g
>>> x = torch.tensor([1.0, 3.0], requires_grad=True)
>>> Square.apply(x).sum().backward()
>>> x.grad
tensor([2., 6.])

How it sits on the tape: ``apply`` runs ``forward`` with recording off and gives the outputs one node, a
:class:`~gpugrad.autograd.op.Op` (``_FunctionNode``) whose backward calls the user's ``backward`` on
Tensors. The engine runs that backward with recording on when ``create_graph=True``, so a ``backward``
written with differentiable ops can be differentiated again. Several outputs each get a small selector node
that hands its gradient, at its position, to the shared node (the engine sums what reaches a node, so the
positions are gathered in a :class:`_Grads`).
"""
from __future__ import annotations

import functools
import inspect
import weakref

from . import grad_mode
from . import op as _op
from .forward_views import tangent_of
from .op import Op, _OUTPUT, _NodeName
from ..tensor import Tensor
from ..backend import device_context, module_for

__all__ = ["Function", "FunctionCtx", "once_differentiable", "InplaceFunction"]

_state = grad_mode._state


class FunctionCtx:
    """The ``ctx`` a :class:`Function`'s methods receive: a namespace for what ``backward`` needs
    (``ctx.save_for_backward(*tensors)`` for Tensors, plain attributes for anything else) and the flags
    PyTorch's ctx has (``needs_input_grad``, ``mark_dirty``, ``mark_non_differentiable``,
    ``set_materialize_grads``).

    >>> ctx = FunctionCtx()
    >>> ctx.set_materialize_grads(False)
    """

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._dirty = ()
        self._non_differentiable = ()
        self._saved = None          # the saved Tensors while backward runs (see saved_tensors)
        self._node = None           # a weak reference to the tape node, once recorded

    def save_for_backward(self, *tensors):
        """Keep Tensors for ``backward``, which reads them as ``ctx.saved_tensors`` (call it once, in
        ``forward`` or ``setup_context``; keep non-Tensor values as plain attributes of ``ctx``).

        Args:
            *tensors: Tensors (or None) to save.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> class Square(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = gg.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).backward(); x.grad
        tensor([6.])
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save Tensors (or None), but argument {i} is of "
                                f"type {type(t).__name__}; keep other values as attributes of ctx")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        """Keep Tensors for ``jvp`` (forward mode), which reads them as ``ctx.saved_tensors``, as in PyTorch.

        Args:
            *tensors: Tensors (or None) to save.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> import gpugrad.autograd.forward_ad as fwAD
        >>> class Cube(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_forward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def jvp(ctx, t):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x ** 2 * t
        >>> with fwAD.dual_level():
        ...     y = Cube.apply(fwAD.make_dual(gg.tensor([2.0]), gg.tensor([1.0])))
        ...     fwAD.unpack_dual(y).tangent
        tensor([12.])
        """
        self.save_for_backward(*tensors)

    @property
    def saved_tensors(self):
        """The Tensors given to ``save_for_backward``, as a tuple (inside ``backward``: recorded when the
        engine runs with ``create_graph=True``, so the gradient can be differentiated again).

        >>> import gpugrad as gg
        >>> class Square(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = gg.tensor([3.0], requires_grad=True)
        >>> (g,) = gg.autograd.grad(Square.apply(x), x, create_graph=True)
        >>> g.backward(); x.grad                    # d2(x^2)/dx2
        tensor([2.])
        """
        if self._saved is not None:
            return self._saved
        node = self._node() if self._node is not None else None
        if node is not None:
            return node.saved_tensors
        return tuple(self.to_save)

    def mark_dirty(self, *tensors):
        """Declare the inputs that ``forward`` modified in place (and returns): they are the outputs
        themselves, their history now this Function (as PyTorch, a leaf that requires grad cannot be one).

        Args:
            *tensors: the modified input Tensors.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> class Double_(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         x.mul_(2)
        ...         ctx.mark_dirty(x)
        ...         return x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return 2 * g
        >>> a = gg.ones(2, requires_grad=True)
        >>> b = a * 1
        >>> Double_.apply(b) is b, b
        (True, tensor([2., 2.], grad_fn=<Double_Backward>))
        """
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that take no gradient (indices, masks): they do not require grad, and their
        gradient in ``backward`` is zeros (or None without materialized grads).

        Args:
            *tensors: output Tensors of ``forward``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> class MaxWithIndex(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         i = x.argmax()
        ...         ctx.mark_non_differentiable(i)
        ...         ctx.save_for_backward(x, i)
        ...         return x.max(), i
        ...     @staticmethod
        ...     def backward(ctx, g, g_index):
        ...         x, i = ctx.saved_tensors
        ...         return gg.zeros_like(x).index_fill(0, i.reshape(1), 1.0) * g
        >>> m, i = MaxWithIndex.apply(gg.tensor([1.0, 5.0, 2.0], requires_grad=True))
        >>> m.requires_grad, i.requires_grad
        (True, False)
        """
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool):
        """Choose what ``backward`` gets for an output whose gradient nobody computed: zeros (the default)
        or None (saves allocating zeros; ``backward`` must then handle None).

        Args:
            value: True for zeros, False for None.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> class Two(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.set_materialize_grads(False)
        ...         return x * 2, x * 3
        ...     @staticmethod
        ...     def backward(ctx, ga, gb):
        ...         print("gb is", gb)
        ...         return 2 * ga
        >>> a, b = Two.apply(gg.ones(1, requires_grad=True))
        >>> a.sum().backward()
        gb is None
        """
        self.materialize_grads = bool(value)


def _setup_context_defined(cls):
    return cls.setup_context is not Function.setup_context


class Function:
    """Base class of user-written differentiable functions, PyTorch's ``torch.autograd.Function``: write
    ``forward`` and ``backward`` as static methods, call ``MyFunction.apply(*args)``. Never instantiate it.

    >>> import gpugrad as torch
    >>> class Scale(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, k):            # k: not a Tensor, so its gradient is None
    ...         ctx.k = k
    ...         return x * k
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g * ctx.k, None
    >>> x = torch.ones(2, requires_grad=True)
    >>> Scale.apply(x, 3.0).sum().backward()
    >>> x.grad
    tensor([3., 3.])
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("forward", "backward", "setup_context", "jvp", "vjp"):
            m = cls.__dict__.get(name)
            if m is not None and inspect.isfunction(m):
                raise TypeError(f"{cls.__name__}.{name}: an autograd.Function's {name} must be a @staticmethod "
                                f"(PyTorch's API; the legacy non-static style is not supported). gpugrad's "
                                f"internal ops on raw arrays subclass gpugrad.autograd.op.Op instead")

    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: autograd.Function is used through its static methods: "
                           f"call {type(self).__name__}.apply(...), not {type(self).__name__}(...)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The function on Tensors; every subclass defines it as a static method. It runs with recording
        off: write it with any ops, then say in ``backward`` how gradients flow.

        Args:
            ctx: the :class:`FunctionCtx` to save what ``backward`` needs on (omitted from the signature in
                PyTorch's newer style, where ``setup_context`` receives it).
            *args: the inputs, Tensors or other values, as ``apply`` received them.
            **kwargs: keyword inputs (they take no gradient).

        Returns:
            a Tensor, or a tuple of outputs.

        >>> import gpugrad as gg
        >>> class Square(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> Square.apply(gg.tensor([3.0]))
        tensor([9.])
        """
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional, PyTorch's newer style: with a ``forward(*args)`` that takes no ctx, fill ``ctx`` here
        from the inputs and the output.

        Args:
            ctx: the :class:`FunctionCtx`.
            inputs: the tuple of positional inputs of ``forward`` (defaults filled in).
            output: what ``forward`` returned.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> class Square(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(x):
        ...         return x * x
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.save_for_backward(inputs[0])
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = gg.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).backward(); x.grad
        tensor([6.])
        """
        raise NotImplementedError("setup_context is not overridden.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The vector-Jacobian product: the gradients of the inputs, given those of the outputs; every
        subclass that is differentiated defines it as a static method (``vjp`` is another name for it).

        Args:
            ctx: the :class:`FunctionCtx` ``forward`` filled (``ctx.saved_tensors``, ``ctx.needs_input_grad``).
            *grad_outputs: one gradient per output of ``forward``.

        Returns:
            one gradient per positional argument of ``forward`` (a Tensor shaped like it, or None for a
            non-Tensor argument or where ``ctx.needs_input_grad`` is False); a single value for one argument.

        >>> import gpugrad as gg
        >>> class Square(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = gg.tensor([1.0, 3.0], requires_grad=True)
        >>> Square.apply(x).backward(gg.tensor([1.0, 10.0])); x.grad
        tensor([ 2., 60.])
        """
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode (optional): the Jacobian-vector product, used when an input is a dual tensor of
        :mod:`gpugrad.autograd.forward_ad`.

        Args:
            ctx: the :class:`FunctionCtx` ``forward`` filled (``save_for_forward`` keeps Tensors for it).
            *grad_inputs: one tangent per positional argument of ``forward`` (None where there is none).

        Returns:
            the outputs' tangents: one per output of ``forward`` (a single value for one output).

        >>> import gpugrad as gg
        >>> import gpugrad.autograd.forward_ad as fwAD
        >>> class Scale(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 5
        ...     @staticmethod
        ...     def jvp(ctx, t):
        ...         return t * 5
        >>> with fwAD.dual_level():
        ...     fwAD.unpack_dual(Scale.apply(fwAD.make_dual(gg.ones(2), gg.tensor([1.0, 2.0])))).tangent
        tensor([ 5., 10.])
        """
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Call the function: run ``forward`` on the arguments and, when grad mode is on and a Tensor argument
        requires grad, record one node on the tape whose backward is this class's ``backward``.

        Args:
            *args: the inputs of ``forward`` (without ctx).
            **kwargs: keyword inputs of ``forward``.

        Returns:
            what ``forward`` returns, its Tensors attached to the graph.

        >>> import gpugrad as gg
        >>> class Square(gg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> y = Square.apply(gg.tensor([3.0], requires_grad=True)); y
        tensor([9.], grad_fn=<SquareBackward>)
        """
        ctx = FunctionCtx()
        setup = _setup_context_defined(cls)
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        requires = _state.enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with grad_mode.no_grad():
            if setup:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        tangent_in = _op._fw_level and any(isinstance(a, Tensor) and tangent_of(a) is not None for a in args)
        if not requires:
            outs = tuple(_fresh_output(o, args, ctx) for o in outs)
        else:
            outs = _record(cls, ctx, args, outs)
        if tangent_in:
            _forward_mode(cls, ctx, args, outs)
        return outs[0] if single else outs


class InplaceFunction(Function):
    """PyTorch's base for Functions that may work in place; behaves as :class:`Function` (``inplace`` is the
    argument of PyTorch's legacy constructor, which is never called).

    >>> issubclass(InplaceFunction, Function)
    True
    """

    def __init__(self, inplace=False):
        super().__init__()


def _fresh_output(o, args, ctx):
    """An output that is an input, not marked dirty, is returned as a new Tensor on the same data (PyTorch
    returns a view): the caller's input keeps its identity and history."""
    if isinstance(o, Tensor) and any(o is a for a in args) and not any(o is d for d in ctx._dirty):
        return Tensor._make(o._data, None, False, o._vc)
    return o


def _record(cls, ctx, args, outs):
    node = _FunctionNode.__new__(_FunctionNode)
    node.fn = cls
    node.ctx = ctx
    node._to_save = None
    nxt = tuple([(a.grad_fn or weakref.ref(a)) if isinstance(a, Tensor) and a.requires_grad else None
                 for a in args])
    node.next = nxt
    node.needs_input_grad = ctx.needs_input_grad
    node._freed = False
    node._retained = None
    node._hooks = None
    first = next((a for a in args if isinstance(a, Tensor)), None)
    node.xp = first.xp if first is not None else _op._np
    node.in_meta = tuple((a.shape, a.dtype) if isinstance(a, Tensor) else None for a in args)
    ctx._node = weakref.ref(node)
    if _op._anomaly:
        from . import anomaly_mode
        anomaly_mode.record(node)

    for d in ctx._dirty:
        if not any(d is a for a in args):
            raise RuntimeError(f"{cls.__name__}: mark_dirty was given a tensor that is not an input of forward")
        if d.requires_grad and d.grad_fn is None:
            raise RuntimeError(f"{cls.__name__}: a leaf Variable that requires grad has been used in an in-place "
                               f"operation (mark_dirty on an input of shape {tuple(d.shape)})")
    node.out_meta = tuple((o.shape, o.dtype, o.device) if isinstance(o, Tensor) else None for o in outs)
    multi = len(outs) > 1
    result = []
    out_arrays = {}
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            continue
        differentiable = o.dtype.kind in "fc" and not any(o is n for n in ctx._non_differentiable)
        fn = (_Select.make(node, i, len(outs)) if multi else node) if differentiable else None
        if any(o is d for d in ctx._dirty):
            o.grad_fn = fn            # the input itself becomes the output, its history now this node
            o.requires_grad = fn is not None
            t = o
        elif any(o is a for a in args) or o.grad_fn is not None or o.requires_grad:
            t = Tensor._make(o._data, fn, fn is not None, o._vc)
        else:                         # made inside forward: keep the object (it may be saved by identity)
            o.grad_fn = fn
            o.requires_grad = fn is not None
            t = o
        out_arrays[id(o._data)] = i
        result.append(t)

    # what backward reads as saved_tensors, as Op keeps it: arrays plus where each came from, so the engine
    # frees them after use and, with create_graph=True, gives back the recorded input or output
    to_save = ctx.to_save
    saved, sources, versions, out_pos = [], [], [], {}
    for k, s in enumerate(to_save):
        if s is None:
            saved.append(None)
            sources.append(None)
            continue
        src = None
        for i, a in enumerate(args):
            if s is a:
                src = i
                break
        if src is None and id(s._data) in out_arrays:
            i = out_arrays[id(s._data)]
            if multi:
                out_pos[k] = i        # (the engine knows one output per node: this module wraps these)
            else:
                src = _OUTPUT
        saved.append(s._data)
        sources.append(src)
        if src is not None and src is not _OUTPUT:
            versions.append((args[src]._vc, args[src]._vc[0], src))
    node.saved = tuple(saved)
    node._sources = tuple(sources)
    node._versions = versions or None
    node.out_saved = out_pos
    ctx.to_save = ()                  # the node holds them now (and frees them after backward)
    return tuple(result)


class _Grads:
    """The gradients of a multi-output node's outputs, by position, as they arrive from the selectors
    (the engine adds what reaches one node: ``+`` merges positions)."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __add__(self, other):
        return _Grads([b if a is None else a if b is None else a + b for a, b in zip(self.items, other.items)])

    @property
    def device(self):
        return next(g for g in self.items if g is not None).device


class _Select(Op, register=False):
    """The grad_fn of output ``i`` of a multi-output Function: passes its gradient on to the shared node."""

    _overload = ""

    @staticmethod
    def make(node, i, n):
        s = _Select.__new__(_Select)
        s.next = (node,)
        s.needs_input_grad = (True,)
        s.saved = ()
        s._sources = ()
        s._versions = None
        s._freed = False
        s._retained = None
        s._hooks = None
        s._to_save = None
        s.xp = node.xp
        s.index, s.count = i, n
        return s

    def backward(self, g):
        items = [None] * self.count
        items[self.index] = g
        return _Grads(items)

    @property
    def name(self):
        return self.next[0].name

    def __repr__(self):
        return repr(self.next[0])


class _FunctionNode(Op, register=False):
    """The tape node of one call of a user's Function: its backward calls the user's, on Tensors."""

    _overload = ""

    @property
    def name(self):
        return _NodeName(self.fn.__name__ + "Backward", "")

    def __repr__(self):
        return f"<gpugrad.autograd.function.{self.name} object at {id(self):#x}>"

    @property
    def saved_tensors(self):
        """``y.grad_fn.saved_tensors``, as in PyTorch (an error once backward has freed them)."""
        if self._freed:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                               "tensors after they have already been freed); specify retain_graph=True in the "
                               "first backward() if you need saved tensors afterwards")
        return tuple(None if s is None else Tensor._make(s, None) for s in self.saved)

    def backward(self, g):
        cls, ctx = self.fn, self.ctx
        graph = _state.enabled              # the engine records the backward only with create_graph=True
        grads = g.items if g.__class__ is _Grads else [g]
        grads = [self._grad_tensor(gi, i) for i, gi in enumerate(grads)]
        saved = list(self.saved or ())
        for k, s in enumerate(saved):
            if s is None or isinstance(s, Tensor):
                continue
            saved[k] = Tensor._make(s, None)
        for k, i in self.out_saved.items():
            if graph:                       # the recorded output: gradients through it reach this node
                saved[k] = Tensor._make(saved[k]._data, _Select.make(self, i, len(self.out_meta)))
        ctx._saved = tuple(saved)
        backward = cls.backward
        if backward is Function.backward and cls.vjp is not Function.vjp:
            backward = cls.vjp
        try:
            res = backward(ctx, *grads)
        finally:
            ctx._saved = None
        return self._check(res, graph)

    def _grad_tensor(self, g, i):
        if g is not None:
            return g if isinstance(g, Tensor) else Tensor._make(g, None)
        if not self.ctx.materialize_grads or self.out_meta[i] is None:
            return None
        shape, dtype, device = self.out_meta[i]
        with device_context(device):
            return Tensor._make(module_for(device).zeros(shape, dtype), None)

    def _check(self, res, graph):
        """PyTorch's checks of what backward returned: one gradient per input (extra ones must be None), a
        Tensor or None for each Tensor input and None for the others, of a shape the input broadcasts to
        (summed down to it)."""
        name = self.name
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self.in_meta)
        if len(res) != n:
            if len(res) > n and all(r is None for r in res[n:]):
                res = res[:n]
            else:
                raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n}, "
                                   f"got {len(res)})")
        out = []
        for i, (r, meta) in enumerate(zip(res, self.in_meta)):
            if r is None:
                out.append(None)
                continue
            if meta is None:
                raise RuntimeError(f"function {name} returned a gradient different than None at position "
                                   f"{i + 1}, but the corresponding forward input was not a Tensor")
            if not isinstance(r, Tensor):
                raise RuntimeError(f"function {name} returned a {type(r).__name__} as the gradient at position "
                                   f"{i + 1}; expected a Tensor or None")
            shape, dtype = meta
            if r.shape != shape:
                if not _expandable(shape, r.shape):
                    raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                       f"{list(r.shape)} but expected shape compatible with {list(shape)}")
                from ..ops._util import unbroadcast
                r = unbroadcast(r, shape)
            if r.dtype != dtype:
                r = r.to(dtype)
            out.append(r if graph else r._data)
        return tuple(out)


def _expandable(shape, target):
    """Whether ``shape`` broadcasts to ``target``."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


def _forward_mode(cls, ctx, args, outs):
    """Forward AD through a Function: its ``jvp`` gives the outputs' tangents from the inputs'."""
    tangents = [tangent_of(a) if isinstance(a, Tensor) else None for a in args]
    tangents = [None if t is None else Tensor._make(t, None) for t in tangents]
    with grad_mode.no_grad():
        res = cls.jvp(ctx, *tangents)
    res = res if isinstance(res, tuple) else (res,)
    for o, t in zip(outs, res):
        if isinstance(o, Tensor) and t is not None:
            _op._attach_tangent(o, t._data if isinstance(t, Tensor) else t)


def once_differentiable(fn):
    """Decorate a Function's ``backward`` (``fn``) that is not itself differentiable: it runs with recording
    off, so with ``create_graph=True`` its gradients are constants (as in PyTorch, they do not require grad).

    >>> import gpugrad as torch
    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = torch.tensor([3.0], requires_grad=True)
    >>> torch.autograd.grad(Square.apply(x).sum(), x, create_graph=True)[0].requires_grad
    False
    """

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper
