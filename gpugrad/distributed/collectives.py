"""Collectives on Tensors (PyTorch's ``torch.distributed`` functions), over the default group's backend.

Each call first exchanges a small host vector describing the call (op, dtype, device, shape, root) and
refuses, on every rank at once, a call whose tensors disagree between ranks, naming each rank's shape, dtype
and device; only then does the data move. A collective always completes before it returns (``async_op=True``
returns an already completed :class:`Work`). Results are written into the given tensors in place.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ..backend import xp_of, device_of
from .process_group import ReduceOp, DistError, current_group

__all__ = ["all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "barrier", "Work"]

_DTYPES = ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16",
           "bfloat16", "float32", "float64", "complex64", "complex128")
_OPS = {name: i for i, name in enumerate(("all_reduce", "broadcast", "all_gather", "reduce_scatter"))}
_MAX_DIMS = 8


class Work:
    """What an ``async_op=True`` collective returns; the collective has already completed.

    >>> Work().wait()
    True
    """

    def wait(self, timeout=None) -> bool:
        """Wait for the collective: it completed before it returned, so this returns at once.

        Args:
            timeout: ignored (PyTorch's argument).

        Returns:
            True.

        >>> import gpugrad.distributed as dist
        >>> dist.Work().wait(timeout=1.0)
        True
        """
        return True

    def is_completed(self) -> bool:
        """Whether the collective has completed.

        Returns:
            True, always (see :meth:`wait`).

        >>> import gpugrad.distributed as dist
        >>> dist.Work().is_completed()
        True
        """
        return True


def _tensor(what, t, name="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a gpugrad Tensor, got {type(t).__name__}")
    return t


def _describe(arr):
    return f"{tuple(arr.shape)} {arr.dtype.name} on {device_of(arr)}"


def _meta(what, arr, extra=0):
    shape = tuple(arr.shape)
    dev = device_of(arr)
    v = np.full(5 + _MAX_DIMS, -1, np.int64)
    v[0] = _OPS[what]
    v[1] = _DTYPES.index(arr.dtype.name) if arr.dtype.name in _DTYPES else 99
    v[2] = {"cpu": 0, "cuda": 1}.get(dev.type, 2)
    v[3] = extra
    v[4] = len(shape)
    dims = shape if len(shape) <= _MAX_DIMS else shape[:_MAX_DIMS - 1] + (hash(shape[_MAX_DIMS - 1:]) & 0x7fffffff,)
    v[5:5 + len(dims)] = dims
    return v


def _unmeta(v):
    ndim = int(v[4])
    shape = tuple(int(d) for d in v[5:5 + min(ndim, _MAX_DIMS)])
    dtype = _DTYPES[int(v[1])] if int(v[1]) < len(_DTYPES) else "?"
    dev = ("cpu", "cuda", "other")[int(v[2])]
    return f"{shape if ndim <= _MAX_DIMS else shape[:-1] + ('...',)} {dtype} on {dev}"


def check_same(g, what, arr, extra=0, extra_name=None):
    """Exchange a description of this call and raise on every rank if some rank's tensor differs."""
    if g.world_size == 1:
        return
    metas = g.backend.exchange_meta(_meta(what, arr, extra), what)
    # device kinds may differ under MPI (a CUDA tensor is staged through the host)
    cols = [0, 1, 3] + list(range(4, metas.shape[1])) + ([2] if g.backend.name == "nccl" else [])
    if (metas[:, cols] == metas[0, cols]).all():
        return
    if not (metas[:, 0] == metas[0, 0]).all():
        calls = ", ".join(f"rank {r}: {list(_OPS)[int(m[0])]}" for r, m in enumerate(metas))
        raise DistError(f"{what}: the ranks called different collectives at the same point ({calls})")
    parts = []
    for r, m in enumerate(metas):
        s = f"rank {r}: {_unmeta(m)}"
        if extra_name:
            s += f", {extra_name}={int(m[3])}"
        parts.append(s)
    raise DistError(f"{what}: rank {g.rank} sees that the ranks passed different tensors; every rank must pass "
                    f"the same shape and dtype: " + "; ".join(parts))


def _contiguous(arr):
    xp = xp_of(arr)
    return arr if arr.flags.c_contiguous else xp.ascontiguousarray(arr)


def _reduce_op(what, op, dtype):
    if not isinstance(op, ReduceOp):
        try:
            op = ReduceOp[str(op).upper()] if isinstance(op, str) else ReduceOp(op)
        except (KeyError, ValueError):
            raise ValueError(f"{what}: op must be a ReduceOp (SUM, AVG, PRODUCT, MAX, MIN), got {op!r}") from None
    if op is ReduceOp.AVG and dtype.kind not in "fc":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating-point tensor, got {dtype.name}")
    return op


def _wrote(t, arr):
    if arr is not t._data:
        t._data[...] = arr
    t._vc[0] += 1


def reduce_array(g, arr, op, what):
    """All-reduce a contiguous raw array in place (AVG as SUM then one division). Used by the Tensor
    functions and by DistributedDataParallel on its flat gradient buckets."""
    if g.world_size == 1:
        return arr
    g.backend.allreduce(arr, ReduceOp.SUM if op is ReduceOp.AVG else op, what)
    if op is ReduceOp.AVG:
        arr /= g.world_size
    return arr


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` over all ranks with ``op`` and leave the result in ``tensor`` on every rank.

    Args:
        tensor: same shape and dtype on every rank.
        op: ``ReduceOp.SUM`` (default), ``AVG``, ``PRODUCT``, ``MAX`` or ``MIN``.
    Returns None (a completed :class:`Work` with ``async_op=True``).

    ``group`` must be None (the default group, the only one).

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> t = gg.tensor([1.0, 2.0]); dist.all_reduce(t, op=dist.ReduceOp.AVG); t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "all_reduce"
    g = current_group()
    _tensor(what, tensor)
    op = _reduce_op(what, op, tensor._data.dtype)
    check_same(g, what, tensor._data)
    if g.world_size > 1:
        arr = _contiguous(tensor._data)
        reduce_array(g, arr, op, what)
        _wrote(tensor, arr)
    return Work() if async_op else None


def broadcast(tensor, src=0, group=None, async_op=False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank.

    ``group`` must be None (the default group, the only one); ``async_op=True`` returns a completed :class:`Work`. ``group_src`` is ``src`` under PyTorch's newer name.

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> t = gg.tensor([3.0]); dist.broadcast(t, src=0); t
    tensor([3.])
    >>> dist.destroy_process_group()
    """
    what = "broadcast"
    g = current_group()
    _tensor(what, tensor)
    src = src if group_src is None else group_src
    if not 0 <= int(src) < g.world_size:
        raise ValueError(f"{what}: src={src} is not a rank of a group of {g.world_size}")
    check_same(g, what, tensor._data, int(src), "src")
    if g.world_size > 1:
        arr = _contiguous(tensor._data)
        g.backend.broadcast(arr, int(src), what)
        _wrote(tensor, arr)
    return Work() if async_op else None


def _check_blocks(what, g, block, whole, block_name, whole_name):
    """``whole`` must be ``world_size`` blocks shaped like ``block`` stacked along dim 0, of its dtype."""
    want = (g.world_size * (block.shape[0] if block.ndim else 1),) + tuple(block.shape[1:])
    if tuple(whole.shape) != want or whole.dtype != block.dtype:
        raise ValueError(f"{what}: rank {g.rank}: {whole_name} is {_describe(whole)}; for {block_name} of "
                         f"{_describe(block)} and {g.world_size} ranks it must be {want} {block.dtype.name}")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's ``input_tensor`` stacked along dim 0 of ``output_tensor`` (shape ``(world * n, ...)``
    for inputs of shape ``(n, ...)``), on every rank.

    ``group`` must be None (the default group, the only one); ``async_op=True`` returns a completed :class:`Work`.

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> out = gg.zeros(2); dist.all_gather_into_tensor(out, gg.tensor([1.0, 2.0])); out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "all_gather_into_tensor"
    g = current_group()
    inp, out = _tensor(what, input_tensor, "input_tensor")._data, _tensor(what, output_tensor, "output_tensor")._data
    _check_blocks(what, g, inp, out, "input_tensor", "output_tensor")
    check_same(g, "all_gather", inp)
    recv = _contiguous(out)
    g.backend.allgather(_contiguous(inp).reshape(-1), recv.reshape(g.world_size, -1), what)
    _wrote(output_tensor, recv)
    return Work() if async_op else None


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor`` on every rank.

    ``group`` must be None (the default group, the only one); ``async_op=True`` returns a completed :class:`Work`.

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> out = [gg.zeros(2)]; dist.all_gather(out, gg.tensor([1.0, 2.0])); out
    [tensor([1., 2.])]
    >>> dist.destroy_process_group()
    """
    what = "all_gather"
    g = current_group()
    arr = _tensor(what, tensor)._data
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != g.world_size:
        n = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        raise ValueError(f"{what}: tensor_list must be a list of {g.world_size} tensors (one per rank), got {n}")
    for i, t in enumerate(tensor_list):
        d = _tensor(what, t, f"tensor_list[{i}]")._data
        if tuple(d.shape) != tuple(arr.shape) or d.dtype != arr.dtype:
            raise ValueError(f"{what}: rank {g.rank}: tensor_list[{i}] is {_describe(d)} but tensor is "
                             f"{_describe(arr)}")
    check_same(g, what, arr)
    xp = xp_of(arr)
    recv = xp.empty((g.world_size,) + tuple(arr.shape), arr.dtype) if xp is np else _empty_like_on(arr, g.world_size)
    g.backend.allgather(_contiguous(arr).reshape(-1), recv.reshape(g.world_size, -1), what)
    for t, part in zip(tensor_list, recv):
        _wrote(t, part)
    return Work() if async_op else None


def _empty_like_on(arr, n):
    xp = xp_of(arr)
    with arr.device:
        return xp.empty((n,) + tuple(arr.shape), arr.dtype)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (shape ``(world * n, ...)``) over the ranks with ``op`` and give rank ``r`` the
    ``r``-th block of ``n`` rows in ``output``.

    ``group`` must be None (the default group, the only one); ``async_op=True`` returns a completed :class:`Work`.

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> out = gg.zeros(2); dist.reduce_scatter_tensor(out, gg.tensor([1.0, 2.0])); out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "reduce_scatter_tensor"
    g = current_group()
    inp, out = _tensor(what, input, "input")._data, _tensor(what, output, "output")._data
    _check_blocks(what, g, out, inp, "output", "input")
    op = _reduce_op(what, op, out.dtype)
    check_same(g, "reduce_scatter", inp)
    recv = _contiguous(out)
    if g.world_size == 1:
        recv[...] = inp.reshape(recv.shape)
    else:
        g.backend.reduce_scatter(_contiguous(inp).reshape(-1), recv.reshape(-1),
                                 ReduceOp.SUM if op is ReduceOp.AVG else op, what)
        if op is ReduceOp.AVG:
            recv /= g.world_size
    _wrote(output, recv)
    return Work() if async_op else None


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` (one tensor per rank, each shaped like ``output``) over the ranks with ``op``;
    rank ``r`` receives the reduction of everybody's ``input_list[r]`` in ``output``.

    ``group`` must be None (the default group, the only one); ``async_op=True`` returns a completed :class:`Work`.

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> dist.init_process_group()
    >>> out = gg.zeros(2); dist.reduce_scatter(out, [gg.tensor([1.0, 2.0])]); out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "reduce_scatter"
    g = current_group()
    out = _tensor(what, output, "output")._data
    if not isinstance(input_list, (list, tuple)) or len(input_list) != g.world_size:
        raise ValueError(f"{what}: input_list must be a list of {g.world_size} tensors (one per rank)")
    for i, t in enumerate(input_list):
        d = _tensor(what, t, f"input_list[{i}]")._data
        if tuple(d.shape) != tuple(out.shape) or d.dtype != out.dtype:
            raise ValueError(f"{what}: rank {g.rank}: input_list[{i}] is {_describe(d)} but output is "
                             f"{_describe(out)}")
    xp = xp_of(out)
    stacked = Tensor._make(xp.stack([t._data for t in input_list]).reshape((-1,) + tuple(out.shape[1:]))
                           if out.ndim else xp.stack([t._data for t in input_list]), None)
    return reduce_scatter_tensor(output, stacked, op, group, async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has called ``barrier`` (or the group's timeout has passed).

    ``async_op=True`` returns a completed :class:`Work`; ``device_ids`` is accepted for PyTorch's signature.

    >>> import gpugrad.distributed as dist
    >>> dist.init_process_group(); dist.barrier(); dist.destroy_process_group()
    """
    g = current_group()
    if g.world_size > 1:
        g.backend.barrier("barrier")
    return Work() if async_op else None
