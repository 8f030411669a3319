"""``gpugrad.utils.checkpoint``: activation checkpointing, as ``torch.utils.checkpoint``.

``checkpoint(fn, *args)`` runs ``fn`` without keeping its intermediate values for backward; backward runs
``fn`` again on the same inputs (with the random-number state and autocast state of the first run) and
differentiates that. Memory for the activations inside ``fn`` is traded for a second forward.

Both of PyTorch's variants give PyTorch's values and gradients:

* ``use_reentrant=True`` (PyTorch's default when the flag is not given, with its warning): the forward runs
  with recording off; gradients reach the tensor arguments that require grad, and, through a nested
  ``backward`` during the recomputation, the parameters ``fn`` uses (into their ``.grad``: as in PyTorch this
  variant does not work with ``autograd.grad`` or ``backward(inputs=...)`` for those parameters, and no
  gradient flows if no tensor argument requires grad). Keyword arguments for ``fn`` are refused.
* ``use_reentrant=False``: the forward runs once with recording on, only to find the leaves (parameters) that
  ``fn`` reads, and then drops that graph; the checkpoint node takes those leaves as inputs, so
  ``autograd.grad`` and ``backward(inputs=...)`` see them, gradients flow when only parameters require grad,
  and ``fn`` gets keyword arguments. (PyTorch builds this variant on saved-tensor hooks, so its outputs show the
  last op of ``fn`` as ``grad_fn``; here both variants show ``CheckpointFunctionBackward``.)

>>> import gpugrad as gg
>>> from gpugrad.utils.checkpoint import checkpoint
>>> lin = gg.nn.Linear(3, 3)
>>> x = gg.ones(2, 3, requires_grad=True)
>>> y = checkpoint(lambda v: lin(v).relu(), x, use_reentrant=False)
>>> y.sum().backward()
>>> x.grad.shape, lin.weight.grad.shape
(gpugrad.Size([2, 3]), gpugrad.Size([3, 3]))
"""
from __future__ import annotations

import contextlib
import warnings

from ..tensor import Tensor
from ..autograd import grad_mode, op as _function
from ..autograd.function import Function
from ..autograd.op import _wref

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn", "CheckpointError"]


class CheckpointError(RuntimeError):
    """Raised when the recomputation in backward does not match the first run (as PyTorch's)."""


def noop_context_fn():
    """The default ``context_fn``: two context managers that do nothing (one for the first run, one for the
    recomputation).

    Returns:
        A pair of context managers.

    >>> first, again = noop_context_fn()
    >>> with first, again:
    ...     pass
    """
    return contextlib.nullcontext(), contextlib.nullcontext()


# -- outputs as a flat list of tensors and a way back ------------------------------------------------------------
def _flatten(obj, out):
    if isinstance(obj, Tensor):
        out.append(obj)
        return len(out) - 1
    if isinstance(obj, (tuple, list)):
        return type(obj), [_flatten(o, out) for o in obj]
    if isinstance(obj, dict):
        return dict, {k: _flatten(v, out) for k, v in obj.items()}
    return "const", obj


def _unflatten(spec, tensors):
    if isinstance(spec, int):
        return tensors[spec]
    kind, body = spec
    if kind == "const":
        return body
    if kind is dict:
        return {k: _unflatten(v, tensors) for k, v in body.items()}
    items = [_unflatten(v, tensors) for v in body]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)


def _leaves(tensors, exclude):
    """The leaf tensors that require grad reachable from ``tensors``' graph, except those in ``exclude``."""
    found, seen, stack = {}, set(), [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for e in node.next:
            if e is None:
                continue
            if e.__class__ is _wref:
                leaf = e()
                if leaf is not None and id(leaf) not in exclude:
                    found.setdefault(id(leaf), leaf)
            else:
                stack.append(e)
    return list(found.values())


# -- the state a recomputation must replay -----------------------------------------------------------------------
def _rng_devices(tensors):
    return sorted({t.device.index or 0 for t in tensors if t.device.type == "cuda"})


def _capture(tensors, preserve):
    from .. import random as _random, cuda as _cuda
    if not preserve:
        return None
    devices = _rng_devices(tensors)
    return devices, _random.get_rng_state(), [_cuda.get_rng_state(i) for i in devices]


@contextlib.contextmanager
def _replay(rng, autocast):
    from .. import random as _random, cuda as _cuda
    prev = _function._autocast
    _function._autocast = autocast
    try:
        if rng is None:
            yield
            return
        devices, cpu_state, dev_states = rng
        with _random.fork_rng(devices=devices):
            _random.set_rng_state(cpu_state)
            for i, s in zip(devices, dev_states):
                _cuda.set_rng_state(s, i)
            yield
    finally:
        _function._autocast = prev


class _Run:
    """What the checkpoint node keeps: the function and its non-tensor arguments, never the activations."""

    def __init__(self, fn, args, kwargs, positions, rng, autocast, context, leaves):
        self.fn, self.args, self.kwargs, self.positions = fn, args, kwargs, positions
        self.rng, self.autocast, self.context, self.leaves = rng, autocast, context, leaves
        self.outputs = None
        self.requires = [args[i].requires_grad for i in positions]

    def again(self, tensors):
        """Run the function again on detached copies of ``tensors`` (the tensor arguments; the tensors
        themselves when backward records a graph) with recording on; returns (the copies, the flat outputs)."""
        args = list(self.args)
        copies = []
        attach = grad_mode.is_grad_enabled()     # create_graph: the gradients must reach the inputs' graph
        for i, t, r in zip(self.positions, tensors, self.requires):
            if attach and t.requires_grad:
                c = t
            else:
                c = t.detach()
                c.requires_grad_(r)
            args[i] = c
            copies.append(c)
        with _replay(self.rng, self.autocast), self.context, grad_mode.enable_grad():
            out = self.fn(*args, **self.kwargs)
        flat = []
        _flatten(out, flat)
        if len(flat) != len(self.outputs):
            raise CheckpointError(f"torch.utils.checkpoint: the recomputation in backward returned {len(flat)} "
                                  f"tensors, the first run {len(self.outputs)}")
        return copies, flat


class CheckpointFunction(Function):
    """The checkpoint's node: its inputs are the tensor arguments (and, with ``use_reentrant=False``, the
    leaves ``fn`` reads); its outputs the first run's outputs; backward recomputes and differentiates."""

    @staticmethod
    def forward(ctx, run, n_args, *tensors):
        ctx.run, ctx.n_args = run, n_args
        ctx.save_for_backward(*tensors[:n_args])
        return tuple(run.outputs)

    @staticmethod
    def backward(ctx, *grads):
        from .. import autograd
        run, n_args = ctx.run, ctx.n_args
        copies, outs = run.again(ctx.saved_tensors)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        create = grad_mode.is_grad_enabled()
        targets = [c for c in copies if c.requires_grad]
        if run.leaves is None:                    # reentrant: parameters get theirs from a nested backward
            if pairs:
                autograd.backward([o for o, _ in pairs], [g for _, g in pairs], create_graph=create)
            got = {id(c): c.grad for c in targets}
            return (None, None) + tuple(got.get(id(c)) for c in copies)
        targets += run.leaves
        got = {}
        if pairs and targets:
            gs = autograd.grad([o for o, _ in pairs], targets, [g for _, g in pairs], create_graph=create,
                               allow_unused=True)
            got = {id(t): g for t, g in zip(targets, gs)}
        return (None, None) + tuple(got.get(id(c)) for c in copies) + tuple(got.get(id(t)) for t in run.leaves)


_REENTRANT_WARNING = ("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.")


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its activations; backward recomputes them.

    Args:
        function: what to run (a module or any callable on tensors).
        *args: its arguments; the tensors among them are the checkpoint's inputs.
        use_reentrant: True or False (see the module docstring); not given: True, with PyTorch's warning.
        context_fn: returns two context managers, entered around the first run and the recomputation
            (``use_reentrant=False`` only).
        determinism_check: "default" (the recomputation must give as many tensors) or "none".
        debug: accepted for PyTorch's signature (``use_reentrant=False`` only); no trace is kept.
        early_stop: accepted for PyTorch's signature; the recomputation always runs to the end.
        **kwargs: ``preserve_rng_state`` (default True: the recomputation draws the same random numbers), and
            keyword arguments for ``function`` (``use_reentrant=False`` only).

    Returns:
        What ``function`` returns.

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
    >>> checkpoint(gg.sin, x, use_reentrant=True).sum().backward()
    >>> x.grad
    tensor([ 0.5403, -0.4161])
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, stacklevel=2)
        use_reentrant = True
    if determinism_check not in ("default", "none"):
        raise ValueError(f"torch.utils.checkpoint.checkpoint: determinism_check should be one of "
                         f"['default', 'none'], but got {determinism_check!r}")
    if use_reentrant:
        if context_fn is not noop_context_fn or debug:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    tensors = [args[i] for i in positions]
    first, again = context_fn()
    run = _Run(function, args, kwargs, positions, _capture(tensors, preserve), _function._autocast, again,
               None if use_reentrant else [])
    if use_reentrant:
        if grad_mode.is_grad_enabled() and not any(t.requires_grad for t in tensors):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        with first, grad_mode.no_grad():
            out = function(*args)
    else:                      # record once, only to learn which leaves the function reads, then drop it
        with first, grad_mode.enable_grad():
            copies = [t.detach().requires_grad_(t.requires_grad) for t in tensors]
            a = list(args)
            for i, c in zip(positions, copies):
                a[i] = c
            out = function(*a, **kwargs)
        flat = []
        _flatten(out, flat)
        run.leaves = _leaves(flat, {id(c) for c in copies})
        out = _unflatten(_flatten(out, []), [t.detach() for t in flat]) if flat else out
    flat = []
    spec = _flatten(out, flat)
    if not flat or not grad_mode.is_grad_enabled():
        return out
    run.outputs = flat
    results = CheckpointFunction.apply(run, len(tensors), *tensors, *(run.leaves or ()))
    return _unflatten(spec, list(results) if isinstance(results, tuple) else [results])


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequence of modules with all but the last of ``segments`` chunks checkpointed.

    Args:
        functions: an ``nn.Sequential`` or a list of modules/functions, run in order.
        segments: how many chunks to split them into.
        input: the input tensor.
        use_reentrant: as :func:`checkpoint` (not given: True, with PyTorch's warning).
        **kwargs: ``preserve_rng_state``.

    Returns:
        The last function's output.

    >>> import gpugrad as gg
    >>> net = gg.nn.Sequential(gg.nn.Linear(2, 4), gg.nn.Tanh(), gg.nn.Linear(4, 1))
    >>> checkpoint_sequential(net, 2, gg.ones(3, 2), use_reentrant=False).shape
    gpugrad.Size([3, 1])
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, stacklevel=2)
        use_reentrant = True
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = len(fns) // segments

    def chunk(lo, hi):
        def run(x):
            for f in fns[lo:hi + 1]:
                x = f(x)
            return x
        return run

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(chunk(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return chunk(end + 1, len(fns) - 1)(input)
