"""The backward engine: an iterative walk of the tape in reverse topological order.

No recursion (a chain of 100,000 ops works), gradients summed where a value fans out, each node's saved
arrays freed after use unless ``retain_graph``. With ``create_graph`` the gradients are themselves recorded
Tensors (see :func:`_call_backward_graph`), so they can be differentiated again.
"""
from __future__ import annotations

import sys

import numpy as _np
import weakref

from .op import Op, _OUTPUT, _check_view
from . import op as _op
from . import grad_mode
from ..tensor import Tensor

_getrefcount = sys.getrefcount
_ref = weakref.ref      # the tape holds leaf tensors through weak references (see Op.apply)


def _topological(roots):
    """Nodes reachable from ``roots``, each before all nodes it feeds gradient into (iterative DFS)."""
    order = []
    visited = set()
    stack = [(r, False) for r in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for e in node.next:
            if e is not None and e.__class__ is not _ref and e not in visited:   # leaves are weakrefs
                stack.append((e, False))
    order.reverse()
    return order


def _check_versions(node):
    for ver, expected, what in node._versions:
        if ver[0] != expected:
            what = f"input {what}" if what.__class__ is int else what
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: {what} of {node.name} is at version {ver[0]}; expected version {expected}. "
                f"Use an out-of-place op (or .clone()) before modifying it.")


def _accumulate(grads, key, g):
    prev = grads.get(key)
    grads[key] = g if prev is None else prev + g


def _run_hooks(hooks, g, create_graph):
    """Tensor hooks see the gradient as a Tensor; one that returns a tensor replaces the gradient."""
    for hook in hooks:
        r = hook(g if create_graph else Tensor._make(g, None))
        if r is not None:
            g = r if create_graph else r._data
    return g


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None, accumulate=True):
    """Backpropagate ``root_grads`` from ``roots`` (Tensors). With ``inputs``, return their gradients
    (``autograd.grad``); with ``accumulate``, add leaf gradients into ``.grad``."""
    grads = {}
    nodes = []
    for t, g in zip(roots, root_grads):
        if t._view is not None:
            _check_view(t)
        key = t.grad_fn if t.grad_fn is not None else _ref(t)
        _accumulate(grads, key, g)
        if t.grad_fn is not None:
            nodes.append(t.grad_fn)
    capture = None
    if inputs is not None:
        capture = {}
        wanted = {}
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                wanted.setdefault(t.grad_fn, []).append(i)     # (an input may be listed twice)
    order = _topological(nodes)
    anomaly = _op._anomaly or _op._profile_hook is not None     # (both take the watched path per node)
    hinted = set()      # leaves whose flat gradient buffer an op has been offered this pass (_destinations)
    with grad_mode.set_grad_enabled(create_graph):
        for node in order:
            g = grads.pop(node, None)
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node._hooks, g, create_graph)
            if node._retained is not None:
                t = node._retained()
                if t is not None:
                    _store_grad(t, g, create_graph)
            if capture is not None and node in wanted:
                for i in wanted[node]:
                    capture[i] = g
            if node._freed:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time (through {node.name}), but its saved "
                    "values have already been freed. Pass retain_graph=True to the first backward() or "
                    "autograd.grad() call if you need to backward twice.")
            if node._versions:
                _check_versions(node)
            if node._grad_into is not None:      # (cleared again after its backward)
                node._grad_out = _destinations(node, hinted) if accumulate and not create_graph else None
            if anomaly:
                res = _anomaly_backward(node, g, create_graph)
            elif create_graph:
                res = _call_backward_graph(node, g)
            elif node.xp is _np or isinstance(g, (_np.ndarray, _np.generic)):   # (a move's gradient is on the host)
                res = node.backward(g)
            else:
                with g.device:      # on the GPU that holds the gradient, whichever device is current
                    res = node.backward(g)
            if node._grad_out is not None:
                node._grad_out = None
            if res.__class__ is not tuple:
                res = (res,)
            for e, gi in zip(node.next, res):
                if e is not None and gi is not None:
                    try:
                        _accumulate(grads, e, gi)
                    except TypeError:   # a leaf that no longer exists: nobody can read its gradient
                        if e.__class__ is not _ref or e() is not None:
                            raise
            if not retain_graph and node.saved:
                node.saved = None
                node._freed = True
        # what is left are leaf tensors
        res = gi = None  # drop the last node's gradients: a leaf can then take its array without a copy
        while grads:     # popitem, not items(): the items iterator's cached tuple would hold a reference
            ref, g = grads.popitem()
            leaf = ref() if ref.__class__ is _ref else None
            if leaf is None:
                continue
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g, create_graph)
            if capture is not None:
                for i, t in enumerate(inputs):
                    if t is leaf:
                        capture[i] = g
            if accumulate:
                # g can become .grad without a copy when nothing else holds it (the name g and the
                # getrefcount argument are the 2 references; counted before g is pushed as an argument)
                steal = _getrefcount(g) <= 2
                _store_grad(leaf, g, create_graph, steal)
                post = getattr(leaf, "_post_hooks", None)       # (an unset slot: no hook registered)
                if post:
                    for hook in tuple(post):
                        hook(leaf)
    return capture


def _destinations(node, hinted):
    """Where ``node`` may write the gradients of the inputs its class lists in ``Op._grad_into``: a leaf's
    flat optimizer gradient buffer (``_grad_buffer``, the array ``_store_grad`` would copy the gradient into),
    when the leaf has no ``.grad`` to add to and no hooks that could keep the array. Each buffer is offered to
    one node per backward pass: a second contribution to the same leaf is then summed into a new array by
    ``_accumulate`` (buffer + other) and copied in at the end, so sharing a weight between layers stays right.
    Returns a tuple with one array or None per input, or None."""
    outs = None
    for i in node._grad_into:
        e = node.next[i]
        if e.__class__ is not _ref:
            continue
        leaf = e()
        if (leaf is None or leaf._grad_buffer is None or leaf.grad is not None or leaf._hooks
                or getattr(leaf, "_post_hooks", None) or id(leaf) in hinted):
            continue
        hinted.add(id(leaf))
        if outs is None:
            outs = [None] * len(node.next)
        outs[i] = leaf._grad_buffer
    return None if outs is None else tuple(outs)


def _anomaly_backward(node, g, create_graph):
    """A node's backward while anomaly detection or a profiler is on: with anomaly detection, its forward
    traceback attached to any error and NaN (or inf) in the gradients it returns checked (see anomaly_mode);
    with a profiler (``_op._profile_hook``), the backward timed as one event."""
    from . import anomaly_mode
    hook = _op._profile_hook
    start = hook.now() if hook is not None else 0.0
    try:
        if create_graph:
            res = _call_backward_graph(node, g)
        elif node.xp is _np or isinstance(g, (_np.ndarray, _np.generic)):
            res = node.backward(g)
        else:
            with g.device:
                res = node.backward(g)
    except Exception as e:
        if _op._anomaly:
            anomaly_mode.annotate(e, node)
        raise
    if hook is not None:
        hook.backward_event(node, start)
    if _op._anomaly and _op._anomaly_check_nan:
        anomaly_mode.check_backward(node, g, res if res.__class__ is tuple else (res,))
    return res


def _store_grad(t, g, create_graph, steal=False):
    """``t.grad += g`` with PyTorch's semantics: a fresh ``.grad`` on first use, else accumulate."""
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
        return
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
        steal = True
    cur = t.grad
    if cur is None:
        buf = t._grad_buffer
        if buf is not None:           # a flat optimizer buffer owns the storage (one-launch steps)
            if g is not buf:          # (an op may have written it there already: _destinations)
                buf[...] = g
            t.grad = Tensor._make(buf, None)
        else:
            if g.shape != t._data.shape:
                g = t.xp.broadcast_to(g, t._data.shape)
                steal = False
            t.grad = Tensor._make(g if steal and g.base is None else g.copy(), None)
    elif cur.requires_grad:
        t.grad = cur + Tensor._make(g, None)
    else:
        cur._data += g
        cur._vc[0] += 1


def _graph_saved(node, saved, constants=False):
    """``node``'s saved values as Tensors for a graph-mode backward: the op's own output as a Tensor whose
    grad_fn is the node, each input as the recorded input (its grad_fn, or the leaf itself), anything else
    as a constant. Python scalars and None stay as they are. With ``constants`` all are constants."""
    wrapped = []
    for arr, src in zip(saved, node._sources if not constants else (None,) * len(saved)):
        if arr is None or not hasattr(arr, "shape"):
            wrapped.append(arr)
        elif src is _OUTPUT:
            wrapped.append(Tensor._make(arr, node))
        elif src is None:
            wrapped.append(Tensor._make(arr, None))
        else:
            e = node.next[src]
            if e is None:
                wrapped.append(Tensor._make(arr, None))
            elif e.__class__ is _ref:
                leaf = e()
                wrapped.append(leaf if leaf is not None else Tensor._make(arr, None))
            else:
                wrapped.append(Tensor._make(arr, e))
    return tuple(wrapped)


def _call_backward_graph(node, g):
    """Run ``node.backward`` on Tensors so that the gradient is itself recorded (double backward): the
    saved values become recorded Tensors (:func:`_graph_saved`) and ``node.xp`` becomes
    ``gpugrad.ops.tensor_namespace``, so the same backward formula records each op it uses."""
    from ..ops import tensor_namespace_for
    saved_arrays, xp = node.saved, node.xp
    node.saved, node.xp = _graph_saved(node, saved_arrays), tensor_namespace_for(xp)
    try:
        return node.backward(g)
    finally:
        node.saved, node.xp = saved_arrays, xp
