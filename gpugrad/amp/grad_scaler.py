"""``GradScaler``: loss scaling for float16 training, as ``torch.amp.GradScaler``.

The loss is multiplied by a scale S before ``backward`` so that small float16 gradients do not flush to
zero; ``unscale_`` divides the gradients by S and notes whether any is inf or NaN, ``step`` skips the
optimizer step when one was, and ``update`` adapts S: times ``backoff_factor`` after a skipped step, times
``growth_factor`` after ``growth_interval`` steps in a row without one (if the result is finite). S lives on
the device as a float32 scalar, as PyTorch's, so the sequence of scales and skipped steps is PyTorch's for
the same gradients.

The inf/NaN check costs one reduction per flat gradient buffer (the optimizers keep a group's gradients in
one buffer), accumulated on the device; ``step`` reads the flag once: one host sync per step, not per
parameter.

>>> import gpugrad as gg
>>> from gpugrad.amp import GradScaler
>>> w = gg.ones(2, requires_grad=True)
>>> opt = gg.optim.SGD([w], lr=0.1)
>>> scaler = GradScaler("cpu", init_scale=1024.0)
>>> scaler.scale((w * 3).sum()).backward()
>>> scaler.step(opt)
>>> scaler.update()
>>> w.tolist(), scaler.get_scale()
([0.699999988079071, 0.699999988079071], 1024.0)
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

__all__ = ["GradScaler", "OptState"]


class ScalerArgumentError(AssertionError, ValueError):
    """A bad GradScaler argument: PyTorch raises AssertionError (growth factor <= 1, backoff factor >= 1);
    this is also a ValueError, as it is one."""


def _cuda_available():
    from ..backend import cuda_available
    return cuda_available()


def _caller_level():
    """The stacklevel that names the user's line, past ``__init__``s of GradScaler subclasses (the
    ``torch.cuda.amp`` spelling)."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"),
                                                                                   GradScaler):
        level, frame = level + 1, frame.f_back
    return level


class OptState:
    """Where an optimizer is between two ``update`` calls (PyTorch's names)."""
    READY, UNSCALED, STEPPED = 0, 1, 2


class GradScaler:
    """Dynamic loss scaling with PyTorch's signature, defaults and state dict.

    Args:
        device: the device type the scaler is for ("cuda", the default, or "cpu"); the scale lives where the
            loss of the first :meth:`scale` is. ``"cuda"`` without a GPU warns (UserWarning) and disables the
            scaler, as in PyTorch.
        init_scale: the first scale.
        growth_factor: the factor the scale grows by after ``growth_interval`` steps without inf/NaN.
        backoff_factor: the factor the scale shrinks by after a step with an inf/NaN gradient.
        growth_interval: how many clean steps in a row grow the scale.
        enabled: ``False`` makes every method a pass-through (``scale`` returns its argument, ``step`` steps,
            ``get_scale`` is 1.0, ``state_dict`` is empty).

    Raises:
        AssertionError: (also a ValueError) growth_factor <= 1 or backoff_factor >= 1, as PyTorch; gpugrad also
            refuses backoff_factor <= 0 and a growth_interval that is not a positive integer.

    >>> import gpugrad as gg
    >>> model = gg.nn.Linear(3, 1)
    >>> _ = model.bias.data.fill_(0.0)
    >>> opt = gg.optim.SGD(model.parameters(), lr=0.1)
    >>> scaler = gg.amp.GradScaler("cpu")
    >>> for w in (0.01, 10.0):             # a small gradient, then one that overflows float16 once scaled
    ...     _ = model.weight.data.fill_(w)
    ...     opt.zero_grad()
    ...     with gg.autocast("cpu", dtype=gg.float16):
    ...         loss = model(gg.ones(4, 3)).float().pow(2).mean()
    ...     scaler.scale(loss).backward()
    ...     scaler.step(opt)
    ...     scaler.update()
    ...     print(scaler.get_scale())
    65536.0
    32768.0
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        if enabled and device == "cuda" and not _cuda_available():
            # as PyTorch: the default device without a GPU warns and turns the scaler into a pass-through
            warnings.warn("gpugrad.amp.GradScaler('cuda') is enabled, but CUDA is not available.  Disabling "
                          "(scale() returns its input, step() steps unscaled; GradScaler('cpu') scales on the "
                          "CPU).", UserWarning, stacklevel=_caller_level())
            enabled = False
        if enabled:
            if growth_factor <= 1.0:
                raise ScalerArgumentError(f"GradScaler: the growth factor must be > 1.0, got {growth_factor}")
            if not 0.0 < backoff_factor < 1.0:
                raise ScalerArgumentError(f"GradScaler: the backoff factor must be in (0, 1), got {backoff_factor}")
            if int(growth_interval) != growth_interval or growth_interval <= 0:
                raise ScalerArgumentError(f"GradScaler: growth_interval must be a positive integer, got "
                                          f"{growth_interval}")
        self._device = str(device)
        self._enabled = bool(enabled)
        self._init_scale, self._growth_factor = float(init_scale), float(growth_factor)
        self._backoff_factor, self._growth_interval = float(backoff_factor), int(growth_interval)
        self._init_growth_tracker = 0
        self._scale = None              # device float32 scalar, created on first use
        self._growth_tracker = None     # host int (PyTorch keeps an int32 on the device; no sync needs it here)
        self._per_optimizer = {}        # id(optimizer) -> {"stage": OptState, "found_inf": device array}

    # -- scaling -------------------------------------------------------------------------------------------
    def _lazy_init(self, dev):
        from ..backend import module_for
        if self._scale is None:
            xp = module_for(dev)
            from ..backend import device_context
            with device_context(dev):
                self._scale = xp.full((), self._init_scale, dtype=xp.float32)
            self._growth_tracker = self._init_growth_tracker

    def scale(self, outputs):
        """Multiply the loss by the current scale before ``backward``, so that small float16 gradients do
        not flush to zero.

        Args:
            outputs: a Tensor (the loss), or nested lists/tuples of Tensors.

        Returns:
            the same structure, each Tensor times the scale (``outputs`` unchanged when disabled).

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu", init_scale=8.0)
        >>> scaler.scale(gg.tensor(0.5))
        tensor(4.)
        """
        from ..tensor import Tensor
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            self._lazy_init(outputs.device)
            s = self._scale_on(outputs)
            return outputs * Tensor._make(s, None, False)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise TypeError(f"GradScaler.scale: expected a Tensor or a list/tuple of Tensors, got "
                        f"{type(outputs).__name__}")

    def _scale_on(self, t):
        from ..backend import to_device
        s = self._scale
        if t.device.type != "cpu" or not isinstance(s, np.ndarray):
            s = to_device(s, t.device)
        return s.astype(t.dtype) if t.dtype.kind == "f" and t.dtype != s.dtype else s

    # -- unscaling and the inf/NaN check -----------------------------------------------------------------
    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer), {"stage": OptState.READY, "found_inf": None})

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale, in place, and record (on the device) whether any
        is inf or NaN: one check per flat gradient buffer. Call it before clipping or inspecting gradients;
        at most once per optimizer between updates (:meth:`step` then does not unscale again).

        Args:
            optimizer: the optimizer whose parameters' gradients to unscale.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> w = gg.ones(2, requires_grad=True)
        >>> opt, scaler = gg.optim.SGD([w], lr=0.1), gg.amp.GradScaler("cpu", init_scale=8.0)
        >>> scaler.scale((w * 3).sum()).backward(); w.grad
        tensor([24., 24.])
        >>> scaler.unscale_(opt); w.grad
        tensor([3., 3.])
        """
        if not self._enabled:
            return
        st = self._state(optimizer)
        if st["stage"] == OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if st["stage"] == OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        if self._scale is None:
            raise RuntimeError("GradScaler.unscale_: scale() was never called, so there is nothing to unscale")
        from ..backend import xp_of
        from ..nn.utils import _grad_arrays
        params = [p for g in optimizer.param_groups for p in g["params"]]
        grads, arrays = _grad_arrays(params)
        found = None
        inv = np.float32(1.0 / np.float64(float(self._scale_host_free())))
        for a in arrays:
            bad = ~xp_of(a).isfinite(a).all()
            found = bad if found is None else (found | bad)
            a *= a.dtype.type(inv) if a.dtype.kind == "f" else inv
        for g in grads:
            g._vc[0] += 1
        st["found_inf"] = found if found is not None else False
        st["stage"] = OptState.UNSCALED

    def _scale_host_free(self):
        # the inverse scale is computed from the device scalar; PyTorch does the same on the device. Reading
        # it here is the one exception to "no sync": it is a 0-d array whose value the host set or updated
        # last, so a CuPy read waits only for the update kernel, not for the backward pass.
        s = self._scale
        return s.get() if hasattr(s, "get") else s

    # -- stepping ------------------------------------------------------------------------------------------
    def step(self, optimizer, *args, **kwargs):
        """Unscale (if :meth:`unscale_` was not called), then ``optimizer.step(*args, **kwargs)`` unless a
        gradient was inf or NaN. Reads the inf/NaN flag once: the step's one host sync.

        Args:
            optimizer: the optimizer to step.
            *args: passed to ``optimizer.step`` (a closure is not supported, as in PyTorch).
            **kwargs: likewise.

        Returns:
            what ``optimizer.step`` returned, or None when the step was skipped.

        >>> import gpugrad as gg
        >>> w = gg.ones(1, requires_grad=True)
        >>> opt, scaler = gg.optim.SGD([w], lr=0.1), gg.amp.GradScaler("cpu")
        >>> scaler.scale(w.sum()).backward()
        >>> w.grad = w.grad * float("inf")                 # pretend float16 overflowed
        >>> scaler.step(opt); w                            # skipped: w is unchanged
        tensor([1.], requires_grad=True)
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        st = self._state(optimizer)
        if st["stage"] == OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if st["stage"] == OptState.READY:
            self.unscale_(optimizer)
        found = st["found_inf"]
        skipped = bool(found.get() if hasattr(found, "get") else found)     # the one host sync of the step
        ret = None if skipped else optimizer.step(*args, **kwargs)
        st["stage"] = OptState.STEPPED
        return ret

    def update(self, new_scale=None):
        """Adapt the scale once per iteration, after the optimizers' :meth:`step`: times ``backoff_factor``
        if a step was skipped, times ``growth_factor`` after ``growth_interval`` clean steps in a row; and
        reset the per-optimizer states.

        Args:
            new_scale: set the scale to this instead (a float or a one-element float32 Tensor).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> w = gg.ones(1, requires_grad=True)
        >>> opt, scaler = gg.optim.SGD([w], lr=0.1), gg.amp.GradScaler("cpu", init_scale=8.0)
        >>> scaler.scale(w.sum()).backward()
        >>> w.grad = w.grad * float("inf")                 # pretend float16 overflowed
        >>> scaler.step(opt); scaler.update(); scaler.get_scale()
        4.0
        """
        if not self._enabled:
            return
        if self._scale is None:
            raise RuntimeError("GradScaler.update: scale() was never called")
        from ..backend import xp_of
        xp = xp_of(self._scale)
        if new_scale is not None:
            from ..tensor import Tensor
            v = new_scale.item() if isinstance(new_scale, Tensor) else float(new_scale)
            self._scale[...] = np.float32(v)
        else:
            flags = [st["found_inf"] for st in self._per_optimizer.values() if st["stage"] != OptState.READY]
            if not flags:
                raise AssertionError("No inf checks were recorded prior to update.")
            found = any(bool(f.get() if hasattr(f, "get") else f) for f in flags)
            scale = np.float32(self._scale_host_free())
            if found:
                scale, self._growth_tracker = np.float32(np.float64(scale) * self._backoff_factor), 0
            elif self._growth_tracker + 1 == self._growth_interval:
                grown = np.float32(np.float64(scale) * self._growth_factor)
                if np.isfinite(grown):
                    scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
            self._scale[...] = xp.float32(scale)
        self._per_optimizer = {}

    # -- what PyTorch's scaler answers ------------------------------------------------------------------
    def get_scale(self) -> float:
        """The current scale.

        Returns:
            the scale as a float (the initial scale before the first :meth:`scale`; 1.0 when disabled).

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.get_scale()
        65536.0
        """
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale_host_free())

    def get_growth_factor(self):
        """The factor the scale grows by after ``growth_interval`` clean steps.

        Returns:
            float.

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.get_growth_factor()
        2.0
        """
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        """Set the factor the scale grows by after ``growth_interval`` clean steps.

        Args:
            new_factor: the factor (> 1).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.set_growth_factor(4.0); scaler.get_growth_factor()
        4.0
        """
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self):
        """The factor the scale shrinks by after a skipped step.

        Returns:
            float.

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.get_backoff_factor()
        0.5
        """
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        """Set the factor the scale shrinks by after a skipped step.

        Args:
            new_factor: the factor, in (0, 1).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.set_backoff_factor(0.25); scaler.get_backoff_factor()
        0.25
        """
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self):
        """How many clean steps in a row grow the scale.

        Returns:
            int.

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.get_growth_interval()
        2000
        """
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        """Set how many clean steps in a row grow the scale.

        Args:
            new_interval: the number of steps (a positive int).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.set_growth_interval(100); scaler.get_growth_interval()
        100
        """
        self._growth_interval = int(new_interval)

    def is_enabled(self) -> bool:
        """Whether the scaler does anything (``enabled=False`` makes every method a pass-through).

        Returns:
            bool.

        >>> import gpugrad as gg
        >>> gg.amp.GradScaler("cpu").is_enabled(), gg.amp.GradScaler("cpu", enabled=False).is_enabled()
        (True, False)
        """
        return self._enabled

    def state_dict(self) -> dict:
        """The scaler's state to save with a checkpoint, in PyTorch's layout.

        Returns:
            ``{"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}`` (empty
            when disabled).

        >>> import gpugrad as gg
        >>> scaler = gg.amp.GradScaler("cpu")
        >>> scaler.state_dict()["scale"], scaler.state_dict()["growth_interval"]
        (65536.0, 2000)
        """
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker if self._growth_tracker is not None
                else self._init_growth_tracker}

    def load_state_dict(self, state_dict):
        """Restore a state saved by :meth:`state_dict` (of this class or of ``torch.amp.GradScaler``).

        Args:
            state_dict: the saved state (not empty: a disabled scaler's is an error).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> a, b = gg.amp.GradScaler("cpu", init_scale=128.0), gg.amp.GradScaler("cpu")
        >>> b.load_state_dict(a.state_dict()); b.get_scale()
        128.0
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._scale is not None:
            self._scale[...] = np.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker
