"""DataParallel: one process, several devices; each forward splits the batch over them (PyTorch's
``torch.nn.DataParallel``).

A forward on several devices does four things, each a small function below:

1. **scatter** the inputs: every tensor (also inside tuples, lists, dicts and namedtuples) is cut into chunks
   along ``dim`` (as ``Tensor.chunk``: ``ceil(n / devices)`` rows each, so a small batch may use fewer devices)
   and chunk ``i`` is moved to device ``i``; anything else is passed to every device as it is.
2. **replicate** the module: a shallow copy of each submodule per device whose parameters are
   ``param.to(device)``, recorded moves, so the gradients of every replica flow back into the original
   parameters (and add up there). On ``device_ids[0]``, where the module lives, the replica holds the
   module's own parameters and buffers, so in-place buffer updates (BatchNorm's running statistics) stick.
3. **apply** replica ``i`` to chunk ``i`` (one after the other, inside that device's context).
4. **gather** the outputs onto ``output_device``, concatenated along ``dim`` (0-d outputs become a vector,
   with PyTorch's warning).

With no CUDA device (and no strict test devices named in ``device_ids``), or a single device, forward calls
the module directly, as PyTorch does. The tests use the CPU stand-ins ``'strict:0'`` and ``'strict:1'`` for two
GPUs.
"""
from __future__ import annotations

import warnings

from ...autograd import grad_mode
from ...backend import Device, cuda_available, device as _parse_device, device_context
from ...tensor import Tensor
from ..module import Module, _Registry

__all__ = ["DataParallel", "data_parallel"]


# -- devices ----------------------------------------------------------------------------------------------------
def _device_type(device_ids):
    """The device type DataParallel works on: ``'cuda'`` when CUDA answers, ``'strict'`` when ``device_ids``
    names strict test devices, else None (forward then calls the module directly, as PyTorch does)."""
    if cuda_available():
        return "cuda"
    if device_ids is not None and any(_names_strict(d) for d in device_ids):
        return "strict"
    return None


def _names_strict(d):
    if isinstance(d, Device):
        return d.type == "strict"
    return isinstance(d, str) and d.strip().lower().partition(":")[0] == "strict"


def _device_index(d, kind, what, allow_cpu=False):
    """The index of ``d`` (an int, a device string or a Device) on devices of type ``kind`` (-1: the CPU, where
    ``allow_cpu``), with PyTorch's errors."""
    if isinstance(d, bool) or not isinstance(d, (int, str, Device)):
        raise ValueError(f"DataParallel: {what}: expected a device with a specified index or an integer, "
                         f"but got: {d!r}")
    if isinstance(d, int):
        idx = d
    else:
        dev = _parse_device(d)
        if dev.type == "cpu":
            if allow_cpu:
                return -1
            raise ValueError(f"DataParallel: {what}: expected a non cpu device, but got: {dev}")
        if dev.type != kind:
            raise ValueError(f"DataParallel: {what}: expected a {kind} device, but got: {dev}")
        idx = dev.index or 0
    if idx == -1 and allow_cpu:
        return -1
    if idx < 0:
        raise RuntimeError(f"DataParallel: {what}: device index must not be negative, got {idx}")
    if kind == "cuda":
        from ...cuda import device_count
        if idx >= device_count():
            raise AssertionError(f"DataParallel: {what}: invalid device id {idx} "
                                 f"({device_count()} CUDA devices)")
    return idx


def _as_device(kind, idx):
    return _parse_device("cpu") if idx == -1 else _parse_device(f"{kind}:{idx}")


# -- scatter ----------------------------------------------------------------------------------------------------
def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_asdict") and hasattr(obj, "_fields")


def _scatter(obj, devices, dim):
    """A list with one piece of ``obj`` per device (fewer when a tensor has fewer chunks than devices)."""
    if isinstance(obj, Tensor):
        return [c.to(d) for c, d in zip(obj.chunk(len(devices), dim), devices)]
    if _is_namedtuple(obj):
        return [type(obj)(*args) for args in zip(*(_scatter(o, devices, dim) for o in obj))]
    if isinstance(obj, tuple) and obj:
        return list(zip(*(_scatter(o, devices, dim) for o in obj)))
    if isinstance(obj, list) and obj:
        return [list(i) for i in zip(*(_scatter(o, devices, dim) for o in obj))]
    if isinstance(obj, dict) and obj:
        return [type(obj)(i) for i in zip(*(_scatter(kv, devices, dim) for kv in obj.items()))]
    return [obj for _ in devices]


def _scatter_kwargs(inputs, kwargs, devices, dim):
    """``(inputs per device, kwargs per device)``, padded to the same length with ``()`` and ``{}``."""
    ins = _scatter(inputs, devices, dim) if inputs else []
    kws = _scatter(kwargs, devices, dim) if kwargs else []
    ins += [() for _ in range(len(kws) - len(ins))]
    kws += [{} for _ in range(len(ins) - len(kws))]
    return tuple(ins), tuple(kws)


# -- replicate --------------------------------------------------------------------------------------------------
def _replicate(module, devices, detach=False):
    """One replica of ``module`` per device: shallow copies whose parameters are recorded moves of the
    originals (``detach``: plain copies, no gradient), whose buffers are copies, shared between submodules
    as in the original."""
    replicas = []
    for dev in devices:
        moved, copies = {}, {}

        def move(t, grad):
            if t is None:
                return None
            if id(t) not in moved:
                moved[id(t)] = t.detach().to(dev) if (detach or not grad) and t.device != dev else t.to(dev)
            return moved[id(t)]

        def copy(m):
            if id(m) in copies:
                return copies[id(m)]
            r = object.__new__(type(m))
            d = dict(m.__dict__)
            r.__dict__ = d
            copies[id(m)] = r
            for store, fill in (("_parameters", lambda t: move(t, True)),
                                ("_buffers", lambda t: move(t, getattr(t, "requires_grad", False))),
                                ("_modules", lambda c: None if c is None else copy(c))):
                reg = _Registry(d)
                for k, v in m.__dict__[store].items():
                    reg[k] = fill(v)
                d[store] = reg
            d["_is_replica"] = True
            return r

        replicas.append(copy(module))
    return replicas


# -- apply and gather -------------------------------------------------------------------------------------------
def _parallel_apply(replicas, inputs, kwargs, devices):
    """Each replica on its inputs, in turn, inside its device's context; errors name the replica."""
    outs = []
    for i, (m, a, k, dev) in enumerate(zip(replicas, inputs, kwargs, devices)):
        if not isinstance(a, (list, tuple)):
            a = (a,)
        try:
            with device_context(dev):
                outs.append(m(*a, **k))
        except Exception as e:
            try:
                wrapped = type(e)(f"Caught {type(e).__name__} in replica {i} on device {dev}: {e}")
            except Exception:           # an exception type that takes other arguments: raise it as it is
                raise e from None
            raise wrapped from e
    return outs


def _gather(outputs, target, dim):
    """The outputs of all replicas as one object on ``target``: tensors concatenated along ``dim``."""
    out = outputs[0]
    if isinstance(out, Tensor):
        ts = [t.to(target) for t in outputs]
        if dim == 0 and all(t.dim() == 0 for t in ts):
            warnings.warn("Was asked to gather along dimension 0, but all input tensors were scalars; will "
                          "instead unsqueeze and return a vector.", stacklevel=2)
            ts = [t.reshape(1) for t in ts]
        from ...ops.shape import cat
        return cat(ts, dim)
    if out is None:
        return None
    if isinstance(out, dict):
        if not all(len(out) == len(d) for d in outputs):
            raise ValueError("All dicts must have the same number of keys")
        return type(out)((k, _gather([d[k] for d in outputs], target, dim)) for k in out)
    if _is_namedtuple(out):
        return type(out)._make(_gather(list(o), target, dim) for o in zip(*outputs, strict=True))
    return type(out)(_gather(list(o), target, dim) for o in zip(*outputs, strict=True))


class DataParallel(Module):
    """Data parallelism in one process: each forward splits the inputs along ``dim`` over ``device_ids``,
    runs a replica of ``module`` on each device and gathers the outputs on ``output_device``; the backward
    pass sums every replica's gradients into ``module``'s parameters.

    ``module`` must have its parameters and buffers on ``device_ids[0]`` (with a single device, it is moved
    there). Tensors in the inputs, also inside tuples, lists and dicts, are scattered; other objects are
    passed to every replica. A 0-d output becomes a vector of one value per device. Without CUDA (and
    without strict test devices in ``device_ids``), ``device_ids`` is ``[]`` and forward calls ``module``
    directly, as in PyTorch. Replicas run one after the other (PyTorch runs them in threads).

    Args:
        module: the module to parallelize, kept as ``self.module`` (state_dict keys get the ``module.``
            prefix).
        device_ids: the devices (ints, device strings or devices); default: every CUDA device.
        output_device: where the outputs are gathered (an int, -1 for the CPU, or a device); default
            ``device_ids[0]``.
        dim: the dimension the inputs are split along and the outputs concatenated along.

    >>> import gpugrad as gg
    >>> net = gg.nn.DataParallel(gg.nn.Linear(3, 2))
    >>> net(gg.ones(4, 3)).shape, list(net.state_dict())
    (gpugrad.Size([4, 2]), ['module.weight', 'module.bias'])
    """

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        kind = _device_type(device_ids)
        self.module = module
        if kind is None:
            self.device_ids = []
            return
        if device_ids is None:
            from ...cuda import device_count
            device_ids = list(range(device_count()))
        device_ids = list(device_ids)
        if not device_ids:
            raise IndexError("DataParallel: device_ids is empty: no devices to run on")
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.device_ids = [_device_index(d, kind, "device_ids") for d in device_ids]
        self.output_device = _device_index(output_device, kind, "output_device", allow_cpu=isinstance(
            output_device, int))
        self._kind = kind
        self.src_device_obj = _as_device(kind, self.device_ids[0])
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        """Scatter the inputs, run the replicas, gather the outputs (or call ``module`` directly with fewer
        than two devices).

        Args:
            *inputs: the module's positional inputs.
            **kwargs: the module's keyword inputs.

        Returns:
            the module's output, gathered on ``output_device``.

        >>> import gpugrad as gg
        >>> gg.nn.DataParallel(gg.nn.Identity())(gg.ones(2)).tolist()
        [1.0, 1.0]
        """
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_on(self.module, self.src_device_obj)
        inputs, module_kwargs = self.scatter(inputs, kwargs, self.device_ids)
        if not inputs and not module_kwargs:
            inputs, module_kwargs = ((),), ({},)
        if len(self.device_ids) == 1:
            return self.module(*inputs[0], **module_kwargs[0])
        replicas = self.replicate(self.module, self.device_ids[:len(inputs)])
        outputs = self.parallel_apply(replicas, inputs, module_kwargs)
        return self.gather(outputs, self.output_device)

    def _devices(self, ids):
        return [i if isinstance(i, Device) else _as_device(self._kind, i) for i in ids]

    def replicate(self, module, device_ids):
        """One replica of ``module`` per device, its parameters recorded moves of ``module``'s (plain copies
        when gradients are off).

        Args:
            module: the module to copy.
            device_ids: the device indices (or devices), one replica each.

        Returns:
            a list of modules, the first one holding ``module``'s own parameters when ``device_ids[0]`` is
            where they live.

        >>> import gpugrad as gg
        >>> gg.nn.DataParallel(gg.nn.Linear(2, 2)).replicate  # doctest: +ELLIPSIS
        <bound method DataParallel.replicate ...>
        """
        return _replicate(module, self._devices(device_ids), detach=not grad_mode.is_grad_enabled())

    def scatter(self, inputs, kwargs, device_ids):
        """Split the inputs over the devices along ``self.dim``.

        Args:
            inputs: the tuple of positional inputs.
            kwargs: the dict of keyword inputs (or None).
            device_ids: the device indices (or devices).

        Returns:
            ``(inputs per device, kwargs per device)``, two tuples of the same length.

        >>> import gpugrad as gg
        >>> gg.nn.DataParallel(gg.nn.Identity()).scatter  # doctest: +ELLIPSIS
        <bound method DataParallel.scatter ...>
        """
        return _scatter_kwargs(inputs, kwargs, self._devices(device_ids), self.dim)

    def parallel_apply(self, replicas, inputs, kwargs):
        """Run each replica on its share of the inputs (one after the other).

        Args:
            replicas: the replicas, one per device.
            inputs: the positional inputs of each.
            kwargs: the keyword inputs of each.

        Returns:
            the list of outputs.

        >>> import gpugrad as gg
        >>> gg.nn.DataParallel(gg.nn.Identity()).parallel_apply  # doctest: +ELLIPSIS
        <bound method DataParallel.parallel_apply ...>
        """
        return _parallel_apply(replicas, inputs, kwargs, self._devices(self.device_ids[:len(replicas)]))

    def gather(self, outputs, output_device):
        """Put the replicas' outputs together on ``output_device``, tensors concatenated along ``self.dim``.

        Args:
            outputs: the list of outputs, one per replica.
            output_device: an index (-1: the CPU) or a device.

        Returns:
            the gathered output.

        >>> import gpugrad as gg
        >>> gg.nn.DataParallel(gg.nn.Identity()).gather  # doctest: +ELLIPSIS
        <bound method DataParallel.gather ...>
        """
        return _gather(outputs, self._devices([output_device])[0], self.dim)


def _check_on(module, src):
    for t in list(module.parameters()) + list(module.buffers()):
        if t.device != src:
            raise RuntimeError(f"module must have its parameters and buffers on device {src} (device_ids[0]) "
                               f"but found one of them on device: {t.device}")


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None):
    """The functional form of :class:`DataParallel`: evaluate ``module(*inputs)`` split over ``device_ids``.

    Args:
        module: the module to evaluate; its parameters and buffers must be on ``device_ids[0]``.
        inputs: the input, or a tuple of inputs.
        device_ids: the devices (ints, device strings or devices); default: every CUDA device.
        output_device: where the output is gathered (an int, -1 for the CPU, or a device); default
            ``device_ids[0]``.
        dim: the dimension the inputs are split along and the outputs concatenated along.
        module_kwargs: keyword inputs of the module.

    Returns:
        the module's output on ``output_device``. Without devices (no CUDA, no strict test devices named),
        RuntimeError as in PyTorch.

    >>> import gpugrad as gg
    >>> m = gg.nn.Linear(2, 1).to("strict:0")
    >>> gg.nn.parallel.data_parallel(m, gg.ones(3, 2), ["strict:0", "strict:1"]).shape
    gpugrad.Size([3, 1])
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    kind = _device_type(device_ids)
    if kind is None:
        raise RuntimeError("device type could not be determined")
    if device_ids is None:
        from ...cuda import device_count
        device_ids = list(range(device_count()))
    ids = [_device_index(d, kind, "device_ids") for d in device_ids]
    if output_device is None:
        output_device = device_ids[0]
    out = _as_device(kind, _device_index(output_device, kind, "output_device",
                                         allow_cpu=isinstance(output_device, int)))
    devices = [_as_device(kind, i) for i in ids]
    _check_on(module, devices[0])
    inputs, module_kwargs = _scatter_kwargs(inputs, module_kwargs, devices, dim)
    if not inputs and not module_kwargs:
        inputs, module_kwargs = ((),), ({},)
    if len(devices) == 1:
        return module(*inputs[0], **module_kwargs[0])
    used = devices[:len(inputs)]
    replicas = _replicate(module, used, detach=not grad_mode.is_grad_enabled())
    return _gather(_parallel_apply(replicas, inputs, module_kwargs, used), out, dim)
