"""DistributedDataParallel: one model replica per rank, gradients averaged over the ranks during backward.

At construction every rank checks that it holds the same parameters and buffers as rank 0 (names, shapes,
dtypes; the first difference is named on every rank) and takes rank 0's values. Then each backward pass
averages the gradients over the ranks before ``optimizer.step()`` can see them:

- Gradients are all-reduced in buckets of about ``bucket_cap_mb``. When an optimizer keeps the gradients
  in a flat buffer (every gpugrad optimizer does: the engine writes ``p.grad`` straight into it), a bucket is
  a slice of that buffer, reduced in place: one collective per bucket and no copy. Other gradients are
  packed into a bucket buffer and unpacked after.
- A bucket is started (non-blocking) as soon as the backward pass has accumulated the gradient of each of
  its parameters (a post-accumulate-grad hook per parameter), in the same bucket order on every rank; the
  last gradient waits for all of them. On a GPU (NCCL) the reduction is queued on its own stream and
  overlaps the GPU work still queued behind it. (gpugrad's engine stores leaf gradients at the end of the
  backward walk, so on CPUs there is little left to overlap.)
- ``no_sync()`` skips the reduction, so gradients accumulate locally; the first backward after it averages
  the accumulated sum.

A parameter that gets no gradient in a backward would leave its bucket unreduced; as in PyTorch (without
``find_unused_parameters``), the next forward raises and names it.
"""
from __future__ import annotations

import contextlib
import json
import zlib

import numpy as np

from ...autograd import grad_mode
from ...backend import xp_of, device_of
from ...distributed.process_group import current_group, ReduceOp
from ..module import Module

__all__ = ["DistributedDataParallel"]


def _addr(a):
    ptr = getattr(a.data, "ptr", None)          # CuPy: a.data is a MemoryPointer
    return ptr if ptr is not None else a.__array_interface__["data"][0]


def _flat_base(gb):
    """``(raw, offset)`` when the gradient buffer view ``gb`` lies in a contiguous array (an optimizer's flat
    gradient buffer): ``raw`` is that array's bytes (a uint8 view) and ``offset`` where ``gb`` starts in
    them; else None."""
    try:
        base = gb.base
        if base is None or not base.flags.c_contiguous or not gb.flags.c_contiguous:
            return None
        raw = base.reshape(-1).view("uint8")
        off = _addr(gb) - _addr(raw)
        return (raw, off) if 0 <= off and off + gb.nbytes <= raw.size else None
    except (AttributeError, TypeError, ValueError):
        return None


_GAP = 64       # bytes: flat buffers pad each parameter to a 64-byte boundary; the padding stays zero


class _Bucket:
    """Parameters whose gradients are reduced by one collective: a slice ``view`` of a flat gradient
    buffer that they tile exactly, or (``view`` None) packed into a temporary buffer."""

    __slots__ = ("params", "view", "ready", "index")

    def __init__(self, params, view, index):
        self.params, self.view, self.ready, self.index = params, view, 0, index


def _describe(module):
    """``[(kind, name, shape, dtype), ...]`` of the trainable parameters, then buffers, of ``module``."""
    out = [("parameter", n, list(p.shape), str(p._data.dtype)) for n, p in module.named_parameters()]
    out += [("buffer", n, list(b.shape), str(b._data.dtype)) for n, b in module.named_buffers()]
    return out


def _verify_same_model(g, module, what):
    """Raise on every rank, naming the first difference, if some rank's model differs from rank 0's."""
    desc = _describe(module)
    blob = json.dumps(desc).encode()
    metas = g.backend.exchange_meta(np.array([len(desc), zlib.crc32(blob)], np.int64), what)
    if (metas == metas[0]).all():
        return
    culprit = next(r for r in range(g.world_size) if (metas[r] != metas[0]).any())
    ref = json.loads(g.backend.bcast_bytes(blob if g.rank == 0 else b"", 0, what))
    other = json.loads(g.backend.bcast_bytes(blob if g.rank == culprit else b"", culprit, what))
    at = next((i for i, (a, b) in enumerate(zip(other, ref)) if a != b), min(len(other), len(ref)))
    theirs = other[at] if at < len(other) else None
    ours = ref[at] if at < len(ref) else None

    def show(e):
        return "nothing" if e is None else f"{e[0]} '{e[1]}' of shape {tuple(e[2])} {e[3]}"
    count = (f"rank {culprit} has {len(other)} parameters and buffers, rank 0 has {len(ref)}; "
             if len(other) != len(ref) else "")
    raise RuntimeError(f"{what}: rank {culprit}'s model differs from rank 0's: {count}at position {at} rank "
                       f"{culprit} has {show(theirs)} but rank 0 has {show(ours)}. Every rank must build the same "
                       "model (DistributedDataParallel refuses to average unlike gradients).")


def broadcast_arrays(g, arrays, src, what):
    """Rank ``src``'s values into ``arrays`` on every rank: one broadcast per (device, dtype), packed."""
    groups = {}
    for a in arrays:
        groups.setdefault((device_of(a), a.dtype), []).append(a)
    for arrs in groups.values():
        xp = xp_of(arrs[0])
        if len(arrs) == 1 and arrs[0].flags.c_contiguous:
            g.backend.broadcast(arrs[0].reshape(-1), src, what)
            continue
        flat = xp.concatenate([a.reshape(-1) for a in arrs])
        g.backend.broadcast(flat, src, what)
        off = 0
        for a in arrs:
            a[...] = flat[off:off + a.size].reshape(a.shape)
            off += a.size


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the default process group (see the module docstring).

    Args:
        module: the model, already on this rank's device (GPU ``get_local_rank()`` with NCCL).
        device_ids: ``None`` or ``[local_rank]`` (a rank drives one device).
        output_device: accepted for PyTorch's signature (outputs stay where the module puts them).
        dim: only 0 (each rank's batch is its own slice of the global batch along dim 0).
        broadcast_buffers: take rank 0's buffers (e.g. running statistics) at every training forward.
        process_group: only ``None``: the default group (the only one gpugrad offers).
        bucket_cap_mb: bucket size in MiB (default 25, PyTorch's).
        find_unused_parameters: only ``False`` (every parameter must get a gradient in every backward).
        check_reduction: accepted for PyTorch's signature (deprecated there); no effect.
        gradient_as_bucket_view: accepted; gradients already are views of the buckets when an optimizer
            keeps them in a flat buffer.
        static_graph: accepted; no effect.

    ``.module`` is the wrapped model; ``state_dict()`` keys carry the ``module.`` prefix, as PyTorch's.

    >>> import gpugrad as gg, gpugrad.distributed as dist
    >>> from gpugrad.nn.parallel import DistributedDataParallel as DDP
    >>> dist.init_process_group()
    >>> model = DDP(gg.nn.Linear(3, 2))
    >>> opt = gg.optim.SGD(model.parameters(), lr=0.1)
    >>> model(gg.ones(4, 3)).sum().backward(); opt.step()
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    >>> dist.destroy_process_group()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        what = "DistributedDataParallel"
        if not isinstance(module, Module):
            raise TypeError(f"{what}: module must be a gpugrad.nn.Module, got {type(module).__name__}")
        if find_unused_parameters:
            raise ValueError(f"{what}: find_unused_parameters=True is not supported: every parameter that "
                             "requires grad must receive a gradient in every backward (freeze the others with "
                             "requires_grad_(False))")
        if process_group is not None:
            raise ValueError(f"{what}: process_group must be None (only the default group exists here)")
        if dim != 0:
            raise ValueError(f"{what}: dim={dim}: only dim=0 (batches split along their first dimension)")
        g = current_group()
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.bucket_cap_mb = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if not self.bucket_cap_mb > 0:
            raise ValueError(f"{what}: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.device_ids = device_ids
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self._names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._check_devices(g, what, device_ids)
        if g.world_size > 1:
            _verify_same_model(g, module, what)
            with grad_mode.no_grad():
                broadcast_arrays(g, [p._data for p in module.parameters()] + [b._data for b in module.buffers()], 0,
                                 f"{what} (rank 0's parameters and buffers)")
            for t in list(module.parameters()) + list(module.buffers()):
                t._vc[0] += 1
        self._world = g.world_size
        self._index = {id(p): i for i, p in enumerate(self._params)}
        self._buckets, self._bucket_of, self._layout = [], [], None
        self._next, self._inflight, self._armed = 0, [], False
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in self._params] \
            if g.world_size > 1 else []

    def _check_devices(self, g, what, device_ids):
        if device_ids is not None and list(device_ids) not in ([g.local_rank], [f"cuda:{g.local_rank}"]):
            raise ValueError(f"{what}: device_ids={device_ids} on rank {g.rank}: a rank drives one device, "
                             f"GPU local_rank={g.local_rank} (pass None or [{g.local_rank}])")
        if g.backend.name != "nccl":
            return
        want = f"cuda:{g.local_rank}"
        for name, p in zip(self._names, self._params):
            if str(device_of(p._data)) not in (want, "cuda" if g.local_rank == 0 else want):
                raise RuntimeError(f"{what}: rank {g.rank}: parameter '{name}' is on {device_of(p._data)}, but with "
                                   f"the 'nccl' backend this rank's model must be on {want} (model.to('{want}'))")

    # -- forward -------------------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._world > 1:
            if self._armed and (self._next or any(b.ready for b in self._buckets)):
                self._unfinished()
            if self.broadcast_buffers and self.module.training:
                bufs = [b._data for b in self.module.buffers()]
                if bufs:
                    broadcast_arrays(current_group(), bufs, 0, "DistributedDataParallel (rank 0's buffers)")
            self._armed = grad_mode.is_grad_enabled() and self.require_backward_grad_sync
        return self.module(*inputs, **kwargs)

    def _unfinished(self):
        got = {id(p) for b in self._buckets[self._next:] for p in b.params if p.grad is not None}
        missing = [n for n, p in zip(self._names, self._params)
                   if self._bucket_of[self._index[id(p)]].index >= self._next and id(p) not in got]
        for _, _, _, pending in self._inflight:      # started on every rank alike: let them complete
            pending.wait()
        self._reset()
        raise RuntimeError(
            "DistributedDataParallel: expected to have finished reduction in the prior iteration before starting "
            "a new one: the last backward gave no gradient to parameter(s) " + ", ".join(repr(n) for n in missing)
            + ", so their gradients were never averaged. Every parameter that requires grad must take part in "
            "the loss on every rank (find_unused_parameters=True is not supported).")

    @contextlib.contextmanager
    def no_sync(self):
        """Within this context backward passes do not average gradients: they accumulate locally, and the
        first backward after it averages the sum (gradient accumulation over several micro-batches).

        Returns:
            a context manager; on leaving it, gradient averaging is back on.

        >>> import gpugrad as gg, gpugrad.distributed as dist
        >>> from gpugrad.nn.parallel import DistributedDataParallel as DDP
        >>> dist.init_process_group(); model = DDP(gg.nn.Linear(2, 1))
        >>> with model.no_sync():
        ...     model(gg.ones(1, 2)).sum().backward()
        >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # -- the reducer ---------------------------------------------------------------------------------------
    def _grad_ready(self, p):
        if not self._armed:
            return
        if self._next == 0 and not any(b.ready for b in self._buckets):
            self._plan()
        b = self._bucket_of[self._index[id(p)]]
        b.ready += 1
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].ready == len(buckets[self._next].params):
            self._launch(buckets[self._next])
            self._next += 1
        if self._next == len(buckets):
            self._finish()

    def _plan(self):
        """(Re)build the buckets when the gradient buffers changed (an optimizer was created)."""
        layout = tuple(id(p._grad_buffer) if p._grad_buffer is not None else None for p in self._params)
        if layout == self._layout:
            return
        cap = max(1, int(self.bucket_cap_mb * 2 ** 20))
        flat, packed = {}, {}
        for i in reversed(range(len(self._params))):          # gradients arrive roughly in reverse order
            p = self._params[i]
            fb = _flat_base(p._grad_buffer) if p._grad_buffer is not None else None
            if fb is not None:
                flat.setdefault((_addr(fb[0]), fb[0].size), (fb[0], []))[1].append((fb[1], i))
            else:
                packed.setdefault((device_of(p._data), p._data.dtype), []).append(i)
        groups = []                                              # ([(byte offset, index)], raw bytes or None)
        for raw, members in flat.values():
            members.sort()
            run, end = [], None
            for off, i in members:
                item = self._params[i]._data.dtype.itemsize
                if run and (not 0 <= off - end < _GAP or (off - run[0][0]) % item or end - run[0][0] >= cap
                            or self._params[i]._data.dtype != self._params[run[0][1]]._data.dtype):
                    groups.append((run, raw))
                    run = []
                run.append((off, i))
                end = off + self._params[i]._data.nbytes
            groups.append((run, raw))
        for (dev, dtype), idx in packed.items():
            run, size = [], 0
            for i in idx:
                if run and size >= cap:
                    groups.append(([(None, j) for j in run], None))
                    run, size = [], 0
                run.append(i)
                size += self._params[i]._data.size * dtype.itemsize
            groups.append(([(None, j) for j in run], None))
        order = {i: k for k, i in enumerate(reversed(range(len(self._params))))}
        groups.sort(key=lambda gr: min(order[i] for _, i in gr[0]))
        self._buckets, self._bucket_of = [], [None] * len(self._params)
        for k, (run, base) in enumerate(groups):
            params = [self._params[i] for _, i in run]
            view = None
            if base is not None:                 # the bytes from the first gradient to the end of the last
                start, last = run[0][0], run[-1][0] + params[-1]._data.nbytes
                view = base[start:last].view(params[0]._data.dtype)
            b = _Bucket(params, view, k)
            self._buckets.append(b)
            for _, i in run:
                self._bucket_of[i] = b
        self._layout = layout
        # every rank must cut the same buckets, else the collectives would pair unlike data
        sig = [len(b.params) * 1_000_003 + sum(p._data.size for p in b.params) for b in self._buckets]
        g = current_group()
        metas = g.backend.exchange_meta(np.array([len(sig), zlib.crc32(json.dumps(sig).encode())], np.int64),
                                        "DistributedDataParallel (bucket layout)")
        if not (metas == metas[0]).all():
            raise RuntimeError(f"DistributedDataParallel: rank {g.rank}: the ranks cut their gradients into "
                               f"different buckets ({[list(m) for m in metas]}): build the same model and "
                               "optimizer on every rank")

    def _launch(self, b):
        g = current_group()
        if b.view is not None and all(p.grad is not None and p.grad._data is p._grad_buffer for p in b.params):
            arr, packed = b.view, False
        else:                                      # pack (gradients not in one flat buffer)
            xp = xp_of(b.params[0]._data)
            arr, packed = xp.concatenate([p.grad._data.reshape(-1) for p in b.params]), True
        what = f"DistributedDataParallel gradient all-reduce (bucket {b.index} of {len(self._buckets)})"
        self._inflight.append((b, arr, packed, g.backend.allreduce_async(arr, ReduceOp.SUM, what)))

    def _finish(self):
        try:
            for b, arr, packed, pending in self._inflight:
                pending.wait()
                arr /= self._world
                off = 0
                for p in b.params:
                    n = p._data.size
                    if packed:
                        p.grad._data[...] = arr[off:off + n].reshape(p.grad.shape)
                    p.grad._vc[0] += 1
                    off += n
        finally:
            self._reset()

    def _reset(self):
        for b in self._buckets:
            b.ready = 0
        self._next, self._inflight, self._armed = 0, [], False
