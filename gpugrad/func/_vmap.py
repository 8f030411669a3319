"""``torch.func.vmap`` by a loop: the function runs once per batch element and the results are stacked.

Correct rather than fused: a batch of B costs B calls of the function (torch batches each op instead). It
composes with the differentiation transforms (``vmap(grad(f))`` gives per-sample gradients) and with itself.
"""
from __future__ import annotations

import functools

from ..tensor import Tensor
from ..backend import rng as _rng
from ..autograd.grad_mode import no_grad
from ._tree import flatten, unflatten, broadcast_prefix

__all__ = ["vmap"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


def _name(func):
    return getattr(func, "__name__", repr(func))


def _check_dims(dims):
    """Whether ``dims`` (in_dims or out_dims) is an int, None, or a (nested) tuple/list/dict of them."""
    leaves, _ = flatten(dims)
    return all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in leaves)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Map ``func`` over a dimension of its inputs, as ``torch.func.vmap``.

    gpugrad runs ``func`` once per batch element and stacks the results: correct, not fused (B calls for a
    batch of B). It nests, and composes with :func:`grad` and the other transforms.

    Args:
        func: a function of Tensors (or nested tuples/lists/dicts of them) returning Tensors likewise.
        in_dims: the mapped dimension of each input: an int (every input), None (not mapped), or a tuple with
            one entry per positional argument (each an int, None, or a structure matching that argument).
        out_dims: where the mapped dimension goes in each output (an int, or a structure matching the outputs).
        randomness: "error" (a random draw inside ``func`` raises RuntimeError), "different" (each element
            draws its own numbers) or "same" (every element draws the same numbers).
        chunk_size: accepted for compatibility (None or a positive int); elements run one at a time anyway.

    Returns:
        The batched function. Keyword arguments pass through unmapped.

    >>> import gpugrad as gg
    >>> gg.func.vmap(gg.dot)(gg.ones(3, 2), gg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    tensor([ 3.,  7., 11.])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    if not (isinstance(in_dims, (int, tuple)) or in_dims is None) or not _check_dims(in_dims):
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if not _check_dims(out_dims):
        raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                         f"python collection of ints representing where in the outputs the vmapped dimension "
                         f"should appear.")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = _name(func)
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             f"trying to vmap over a function with no inputs. The latter is unsupported.")
        leaves, spec = flatten(args)
        if isinstance(in_dims, tuple) and len(in_dims) != len(args):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`: {len(in_dims)} entries for {len(args)} inputs")
        dims = broadcast_prefix(in_dims, args,
                                f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with "
                                f"the structure of `inputs`")
        size = _batch_size(name, in_dims, leaves, dims)
        dims = [None if d is None else d % leaves[i].dim() for i, d in enumerate(dims)]
        if size == 0:
            return _empty_batch(func, name, leaves, dims, spec, kwargs, out_dims)
        results = []
        saved = _rng_snapshot() if randomness == "same" else None
        for i in range(size):
            if saved is not None:
                _rng_restore(saved)
            item = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
            prev = _rng.forbid[0]
            _rng.forbid[0] = _RANDOM_ERROR if randomness == "error" else None
            try:
                results.append(func(*unflatten(item, spec), **kwargs))
            finally:
                _rng.forbid[0] = prev
        return _stack(name, results, out_dims)
    return wrapper


def _batch_size(name, in_dims, leaves, dims):
    sizes = []
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(x, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the "
                             f"input is of type {type(x)}. We cannot vmap over non-Tensor arguments, please use "
                             f"None as the respective in_dim")
        if not -x.dim() <= d < x.dim() or x.dim() == 0:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but "
                             f"that input is a Tensor of dimensionality {x.dim()} so expected in_dim to satisfy "
                             f"-{x.dim()} <= in_dim < {x.dim()}.")
        sizes.append(x.shape[d])
    if not sizes:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dims={in_dims}, but at least one "
                         f"input must be a Tensor with a mapped (non-None) in_dim.")
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _stack(name, results, out_dims):
    from ..ops import stack
    leaves0, spec = flatten(results[0])
    dims = broadcast_prefix(out_dims, results[0], f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is "
                                                  f"not compatible with the structure of `outputs`")
    columns = [flatten(r)[0] for r in results]
    out = []
    for j, (x0, d) in enumerate(zip(leaves0, dims)):
        if d is None:
            out.append(x0)
            continue
        if not isinstance(x0, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(x0)}. Did you "
                             f"mean to set out_dims= to None for output?")
        if not -(x0.dim() + 1) <= d <= x0.dim():
            raise IndexError(f"Dimension out of range (expected to be in range of [{-(x0.dim() + 1)}, {x0.dim()}], "
                             f"but got {d})")
        out.append(stack([c[j] for c in columns], d))
    return unflatten(out, spec)


def _empty_batch(func, name, leaves, dims, spec, kwargs, out_dims):
    """A batch of zero elements: run ``func`` once on zeros shaped like one element to learn the output
    shapes, then return empty outputs with the mapped dimension of size 0."""
    item = [x if d is None else
            Tensor._make(x.xp.zeros(tuple(s for k, s in enumerate(x.shape) if k != d), x.dtype), None, False)
            for x, d in zip(leaves, dims)]
    with no_grad():
        probe = func(*unflatten(item, spec), **kwargs)
    out = _stack(name, [probe], out_dims)
    o_leaves, o_spec = flatten(out)
    result = []
    for o, d in zip(o_leaves, broadcast_prefix(out_dims, probe, "out_dims")):
        if d is None or not isinstance(o, Tensor):
            result.append(o)
        else:
            shape = list(o.shape)
            shape[d % o.dim()] = 0
            result.append(Tensor._make(o.xp.zeros(tuple(shape), o.dtype), None, False))
    return unflatten(result, o_spec)


def _rng_snapshot():
    return {"cpu": _rng.numpy_state_bytes(_rng.cpu_generator()),
            "devices": {dev: _rng.get_state(dev) for dev in list(_rng._per_device)}}


def _rng_restore(saved):
    _rng.set_numpy_state(_rng.cpu_generator(), saved["cpu"])
    for dev in list(_rng._per_device):
        if dev in saved["devices"]:
            _rng.set_state(dev, saved["devices"][dev])
        else:                     # created by the first element: re-created from the seed, as it was then
            del _rng._per_device[dev]
