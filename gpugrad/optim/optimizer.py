"""Optimizer: parameter groups, per-parameter state, state_dict, and the two ways of running a step.

A subclass describes its update and its state; this base class runs it:

* the **flat path** (``fused=None`` or ``True``, the default): at construction the parameters of each
  (param group, device, dtype) move into one contiguous buffer (see :mod:`gpugrad.optim._flat`); a step is
  one call of the fused update on the flat buffers, so its cost in kernel launches does not grow with the
  number of parameters. When some parameters of a flat group have no gradient on a step (unused in the
  graph), that step skips them, as PyTorch does, with one call per run of neighbouring parameters that
  have a gradient and the same step count (at worst one per parameter).
* the **reference path** (``fused=False`` or ``foreach=False``): PyTorch's single-tensor loop, one call of
  the reference update of :mod:`gpugrad.optim.functional` per parameter.

Both keep ``optimizer.state[p]`` as PyTorch shows it (``{'step': tensor(3.), 'exp_avg': ..., ...}``); on the
flat path those tensors are views into the flat buffers. ``state_dict()`` returns copies (so a checkpoint
kept in memory does not change as training goes on) and ``load_state_dict`` accepts the state of either
path. ``model.to(device)`` (or a dtype cast) after building the optimizer works until the optimizer has
state (the parameters are flattened again where they are now), and is an error afterwards, as in PyTorch:
build the optimizer after moving the model.

A subclass sets ``_step_name`` (the stem of its update in ``functional`` and ``kernels.optim``) and writes
``_buffer_keys(group)``, ``_update(group, fn, param, grad, bufs, step, first)``, and optionally
``_buffer_fill``, ``_scalar_state``, ``_counts`` and ``_has_step``/``_eager_state``. An optimizer with no
fused kernel (Adamax, NAdam, RAdam, Adadelta, ASGD, Rprop) sets ``_reference`` to its elementwise update in
plain ``xp``: the flat path runs it once over each whole flat buffer (a handful of array operations per
group, not per parameter), the reference path once per parameter. One with per-parameter scalar state
(NAdam's ``mu_product``, ASGD's ``eta`` and ``mu``) always takes the reference path.
"""
from __future__ import annotations

import copy
import math
import numbers
import sys
from collections import defaultdict

import numpy as np

from ..tensor import Tensor, _HookHandle
from ..autograd import enable_grad
from ..backend import xp_of, to_device, device_of, is_device_array, device_array
from ._flat import FlatGroup, ParamsMoved, flatten, _zero_grad_tensor
from .functional import step_function

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    Subclasses implement the update; ``zero_grad()``, ``step()``, ``add_param_group()``, ``state_dict()`` and
    ``load_state_dict()`` behave as in PyTorch.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        defaults: the default options of every group (a subclass passes its constructor's).

    >>> import gpugrad as gg
    >>> w = gg.zeros(2, requires_grad=True)
    >>> opt = gg.optim.SGD([{"params": [w], "lr": 0.5}], lr=0.1)
    >>> isinstance(opt, gg.optim.Optimizer), opt.param_groups[0]["lr"]
    (True, 0.5)
    """

    _step_name: str = ""
    _has_step = True          # the state has a 'step' count
    _eager_state = False      # the state exists from construction (Adagrad), not from the first step
    _reference = None         # staticmethod(update) of an optimizer without a fused kernel

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)    # param -> its state, {} before its first update
        self.param_groups: list[dict] = []
        self._flats: list[list[FlatGroup]] = []   # parallel to param_groups
        self._loose: list[list[Tensor]] = []      # parameters of each group on the reference path
        self._step_pre_hooks: list = []
        self._step_post_hooks: list = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or dicts, but got "
                            "a Tensor; pass [tensor] or model.parameters()")
        _reject_set(params, type(self).__name__)
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    # -- construction ---------------------------------------------------------------------------------------
    def _check_fused_options(self, group):
        name = type(self).__name__
        if group.get("fused") and group.get("foreach"):
            raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together")
        for flag, why in _UNSUPPORTED.items():
            if group.get(flag):
                raise NotImplementedError(f"{name}: {flag}=True is not supported ({why}); pass {flag}=False")

    def _uses_flat(self, group) -> bool:
        # only optimizers with an update over flat buffers (_step_name) flatten; a user's subclass that writes
        # its own step() keeps its parameters as they are. Parameters in shared memory (share_memory_, for
        # Hogwild training) stay where they are too: a flat buffer would be this process's private copy.
        return bool(self._step_name) and not self._scalar_state(group) and group.get("fused") is not False \
            and group.get("foreach") is not False and not any(p.is_shared() for p in group["params"]
                                                              if p.device.type == "cpu")

    def _flat_update(self):
        """The update the flat path calls on whole flat buffers: the fused kernel, or the elementwise reference
        of an optimizer that has none."""
        return self._reference or step_function(self._step_name, True)

    def add_param_group(self, param_group: dict):
        """Add a group of parameters with its own hyperparameters (a layer unfrozen during fine-tuning, a
        smaller learning rate for a pretrained body).

        Args:
            param_group: a dict with ``"params"`` (tensors, or ``(name, tensor)`` pairs) and any
                hyperparameters of this optimizer (``lr``, ``weight_decay``, ...); missing ones take the
                defaults the optimizer was built with. A parameter may belong to one group only.

        Returns:
            None; the group is appended to ``param_groups``.

        >>> import gpugrad as gg
        >>> body, head = gg.nn.Linear(2, 2), gg.nn.Linear(2, 1)
        >>> opt = gg.optim.SGD(body.parameters(), lr=0.01)
        >>> opt.add_param_group({"params": head.parameters(), "lr": 0.1})
        >>> [g["lr"] for g in opt.param_groups]
        [0.01, 0.1]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        _reject_set(params, name)
        params = [params] if isinstance(params, Tensor) else list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: all optimizer params should be with/without names; some names are "
                                 "missing")
            param_group["param_names"] = names
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: optimizer can only optimize Tensors, but parameter {i} is a "
                                f"{type(p).__name__}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape "
                                 f"{tuple(p.shape)}); optimize the leaf it was computed from, or .detach() it "
                                 "and set requires_grad=True")
            if p._data.dtype.kind != "f":
                raise TypeError(f"{name}: parameter {i} has dtype {p._data.dtype}; only floating point tensors "
                                "can be optimized")
            if _is_lazy(p):
                # PyTorch's optimizer keeps the object and sees it materialize; a flat buffer cannot
                raise ValueError(f"{name}: parameter {i} is an uninitialized parameter of a lazy layer (such as "
                                 "nn.LazyLinear); call the model once on a batch (or load a state dict into it) "
                                 "before building the optimizer")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if taken.intersection(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        param_group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required optimization "
                                 f"parameter {key}")
            param_group.setdefault(key, default)
        self._check_fused_options(param_group)
        self.param_groups.append(param_group)
        flats, loose = [], []
        if self._uses_flat(param_group):
            flats = flatten(params)
        else:
            loose = params
        self._flats.append(flats)
        self._loose.append(loose)
        if self._eager_state:
            for f in flats:
                self._show_state(param_group, f, ())
            for p in loose:
                self._init_param_state(param_group, p)

    # -- what subclasses describe ----------------------------------------------------------------------------
    def _buffer_keys(self, group) -> tuple:
        """The per-parameter state arrays this group's update needs, in PyTorch's order."""
        raise NotImplementedError

    def _buffer_fill(self, group, key) -> float:
        return 0.0

    def _scalar_state(self, group) -> tuple:
        """``(key, initial value)`` of the per-parameter 0-d state that follows ``'step'`` (NAdam's
        ``mu_product``, ASGD's ``eta`` and ``mu``): float32 host scalars, as PyTorch keeps them (its
        load_state_dict casts them to the parameter's dtype, and so does ours); the update reads and writes
        them in place through ``bufs``."""
        return ()

    def _counts(self, group) -> bool:
        """Whether a step of this group counts as an update of the state (SGD without momentum has none)."""
        return True

    def _update(self, group, fn, param, grad, bufs, step, first):
        """Call the update ``fn`` (reference or fused) with this group's hyperparameters; ``bufs`` maps each
        of ``_buffer_keys(group)`` to its array, ``step`` is the 1-based update count, ``first`` whether the
        state was created on this step."""
        raise NotImplementedError

    # -- the step -------------------------------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient (one fused update per flat buffer); parameters whose
        ``.grad`` is None are skipped.

        Args:
            closure: a function that recomputes and returns the loss (with its backward pass), called under
                ``enable_grad`` before the update; optional.

        Returns:
            the closure's loss, or None without a closure.

        >>> import gpugrad as gg
        >>> w = gg.nn.Parameter(gg.tensor([1.0, 2.0]))
        >>> opt = gg.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()          # grad 2w
        >>> opt.step(); w
        Parameter containing:
        tensor([0.8000, 1.6000], requires_grad=True)
        """
        self._run_hooks(self._step_pre_hooks, closure)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group, flats, loose in zip(self.param_groups, self._flats, self._loose):
            for flat in list(flats):
                if not self._step_flat(group, flat):
                    # moved by model.to(...) before any state existed: flatten them where they are now
                    flats.remove(flat)
                    for new in flatten(flat.params):
                        flats.append(new)
                        self._step_flat(group, new)
            if loose:
                self._step_loose(group, loose)
        self._run_hooks(self._step_post_hooks, closure)
        return loss

    def _run_hooks(self, hooks, closure):
        for hook in list(hooks):
            hook(self, (), {"closure": closure})

    def register_step_pre_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` before each :meth:`step` (gradient clipping, logging).

        Args:
            hook: called with the optimizer, ``()`` and ``{"closure": closure}``; its return value is ignored.

        Returns:
            a handle whose ``remove()`` unregisters the hook.

        >>> import gpugrad as gg
        >>> opt, calls = gg.optim.SGD(gg.nn.Linear(2, 1).parameters(), lr=0.1), []
        >>> h = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
        >>> opt.step(); h.remove(); opt.step(); calls
        ['pre']
        """
        self._step_pre_hooks.append(hook)
        return _HookHandle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` after each :meth:`step`.

        Args:
            hook: called with the optimizer, ``()`` and ``{"closure": closure}``; its return value is ignored.

        Returns:
            a handle whose ``remove()`` unregisters the hook.

        >>> import gpugrad as gg
        >>> opt, steps = gg.optim.SGD(gg.nn.Linear(2, 1).parameters(), lr=0.1), []
        >>> h = opt.register_step_post_hook(lambda o, args, kwargs: steps.append(len(steps)))
        >>> opt.step(); opt.step(); steps
        [0, 1]
        """
        self._step_post_hooks.append(hook)
        return _HookHandle(self._step_post_hooks, hook)

    def _step_flat(self, group, flat: FlatGroup) -> bool:
        """Step one flat group; False (and nothing done) if its parameters moved before it had state."""
        try:
            missing = flat.prepare(type(self).__name__)
        except ParamsMoved:
            if self._eager_state or flat.counts.any():
                raise
            return False
        keys = self._buffer_keys(group)
        counting = self._counts(group)
        bufs = {k: flat.buffer(k, self._buffer_fill(group, k)) for k in keys}
        if not missing and flat.uniform:
            step = None
            if counting:
                flat.counts += 1
                step = int(flat.counts[0])
            fn = self._flat_update()
            self._update(group, fn, flat.param, flat.grad, bufs, step, step == 1)
            if counting:
                self._show_state(group, flat, range(len(flat.params)) if step == 1 else ())
            return True
        # Some parameters lack a gradient (PyTorch skips them) or have seen different numbers of updates
        # since: one call per run of neighbours that have a gradient and share a step count.
        fn = self._flat_update()
        fresh = []
        for i0, i1, sl in flat.runs(missing):
            step = None
            if counting:
                flat.counts[i0:i1] += 1
                step = int(flat.counts[i0])
            self._update(group, fn, flat.param[sl], flat.grad[sl], {k: b[sl] for k, b in bufs.items()}, step,
                         step == 1)
            if step == 1:
                fresh.extend(range(i0, i1))
        flat.check_uniform()
        if counting:
            self._show_state(group, flat, fresh)
        return True

    def _show_state(self, group, flat: FlatGroup, fresh):
        """Keep ``self.state[p]`` showing views of the flat state of every initialized parameter: of the
        ``fresh`` ones (initialized on this step), or of all of them when the group's state keys changed."""
        keys = self._buffer_keys(group)
        if flat.keys_shown != keys:
            for k in keys:
                flat.buffer(k, self._buffer_fill(group, k))
            fresh, flat.keys_shown = range(len(flat.params)), keys
        for i in fresh:
            if flat.counts[i] == 0 and not self._eager_state:
                continue
            st = {"step": flat.step_views[i]} if self._has_step else {}
            for k in keys:
                st[k] = flat.state_view(k, i)
            self.state[flat.params[i]] = st

    def _new_buffer(self, group, p, key):
        return Tensor._make(xp_of(p._data).full_like(p._data, self._buffer_fill(group, key)), None)

    def _init_param_state(self, group, p):
        st = {"step": Tensor._make(np.zeros((), np.float32), None)} if self._has_step else {}
        for k, v in self._scalar_state(group):
            st[k] = Tensor._make(np.asarray(v, np.float32), None)
        for k in self._buffer_keys(group):
            st[k] = self._new_buffer(group, p, k)
        self.state[p] = st
        return st

    def _step_loose(self, group, params):
        fn = self._reference or step_function(self._step_name, False)
        counting = self._counts(group)
        keys = self._buffer_keys(group)
        scalars = tuple(k for k, _ in self._scalar_state(group))
        for p in params:
            if p.grad is None:
                continue
            st = self.state.get(p)
            first = False
            if counting and not st:
                st = self._init_param_state(group, p)
                first = True
            for k in keys:           # an option switched on later (e.g. by load_state_dict) needs its buffer
                if k not in st:
                    st[k] = self._new_buffer(group, p, k)
            step = None
            if counting and self._has_step:
                st["step"]._data += 1
                step = int(st["step"]._data)
            bufs = {k: st[k]._data for k in keys + scalars}
            self._update(group, fn, p._data, p.grad._data, bufs, step, first)
            p._vc[0] += 1

    # -- gradients ------------------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True):
        """Clear the gradients of this optimizer's parameters before the next backward pass (which
        accumulates).

        Args:
            set_to_none: drop each ``.grad`` (the default), or fill them with zeros (one fill of each flat
                gradient buffer).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> w = gg.nn.Parameter(gg.ones(2))
        >>> opt = gg.optim.Adam([w])
        >>> (w * 3).sum().backward()
        >>> opt.zero_grad(set_to_none=False); w.grad
        tensor([0., 0.])
        """
        for group, flats, loose in zip(self.param_groups, self._flats, self._loose):
            if set_to_none:
                for p in group["params"]:
                    g = p.grad
                    if g is not None:
                        p.grad = None
                        # g views the flat gradient buffer that the next backward overwrites: if anyone
                        # still holds it (more references than the name g and getrefcount's argument),
                        # it gets its own copy, so that a kept gradient keeps its values as in PyTorch
                        if g._data is p._grad_buffer and sys.getrefcount(g) > 2:
                            g._data = g._data.copy()
                continue
            for flat in flats:
                flat.zero_grad()
            for p in loose:
                if p.grad is not None:
                    _zero_grad_tensor(p)

    # -- checkpoints ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimizer's state to save with a checkpoint, in PyTorch's layout.

        Returns:
            ``{'state': {index: {'step': tensor, key: tensor, ...}}, 'param_groups': [{..., 'params':
            [index, ...]}]}``, with parameters numbered in group order; the tensors are copies.

        >>> import gpugrad as gg
        >>> w = gg.nn.Parameter(gg.tensor([1.0, 2.0]))
        >>> opt = gg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd["state"][0]["momentum_buffer"], sd["param_groups"][0]["params"]
        (tensor([2., 4.]), [0])
        """
        index = {}
        groups = []
        for g in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in g["params"]]
            groups.append(packed)
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = {k: (Tensor._make(v._data.copy(), None) if isinstance(v, Tensor)
                                               else copy.deepcopy(v)) for k, v in st.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict):
        """Restore hyperparameters and state saved by :meth:`state_dict` (of either path). This optimizer
        keeps its own ``fused``/``foreach`` choice: the layout belongs to the instance.

        Args:
            state_dict: what :meth:`state_dict` returned, for an optimizer of the same type over parameters of
                the same shapes, in the same groups.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> w = gg.nn.Parameter(gg.ones(2))
        >>> a = gg.optim.Adam([w], lr=0.01)
        >>> (w * w).sum().backward(); a.step()
        >>> b = gg.optim.Adam([w], lr=0.5)
        >>> b.load_state_dict(a.state_dict())
        >>> b.param_groups[0]["lr"], int(b.state_dict()["state"][0]["step"])
        (0.01, 1)
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict or "state" not in state_dict:
            got = sorted(map(str, state_dict))[:5] if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected an optimizer state_dict, a dict with 'state' and "
                             f"'param_groups', got {got} (a model's state_dict goes to model.load_state_dict)")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                             f"the optimizer has {len(self.param_groups)}")
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has {len(s['params'])} parameters "
                                 f"in the state dict but {len(g['params'])} in the optimizer")
        saved_state = state_dict["state"]
        for g, s, flats, loose in zip(self.param_groups, saved_groups, self._flats, self._loose):
            keep = {k: g[k] for k in ("params", "fused", "foreach") if k in g}
            g.update({k: copy.deepcopy(v) for k, v in s.items() if k not in ("params", "param_names")})
            g.update(keep)
            by_param = {id(p): saved_state.get(sid) for p, sid in zip(g["params"], s["params"])}
            for flat in flats:
                self._load_flat(g, flat, by_param)
            scalars = {k for k, _ in self._scalar_state(g)}
            for p in loose:
                self._load_loose(p, by_param[id(p)], scalars)

    def _load_flat(self, group, flat: FlatGroup, by_param):
        keys = self._buffer_keys(group)
        for i, p in enumerate(flat.params):
            st = by_param[id(p)] or {}
            self.state.pop(p, None)
            flat.counts[i] = float(_host(st["step"])) if "step" in st else (1.0 if st else 0.0)
            for k in dict.fromkeys(keys + tuple(k for k, v in st.items() if k != "step" and v is not None)):
                flat.buffer(k, self._buffer_fill(group, k))
                view = flat.buffer_views[k][i]
                if k in st:
                    arr = _as_array(st[k], flat.device, flat.dtype)
                    if arr.size != view.size:
                        raise ValueError(f"{type(self).__name__}.load_state_dict: state {k!r} of parameter {i} "
                                         f"has shape {tuple(arr.shape)}, the parameter {flat.shapes[i]}")
                    view[...] = arr.reshape(-1)
                else:
                    view[...] = self._buffer_fill(group, k)
        flat.check_uniform()
        flat.keys_shown = None
        self._show_state(group, flat, ())
        for i, p in enumerate(flat.params):          # keys PyTorch had that this group does not use
            st = by_param[id(p)]
            if st and p in self.state:
                for k, v in st.items():
                    if k not in self.state[p] and v is not None:
                        self.state[p][k] = flat.state_view(k, i)

    def _load_loose(self, p, st, scalars=()):
        if not st:
            self.state.pop(p, None)
            return
        dev = device_of(p._data)
        out = {}
        for k, v in st.items():
            if k == "step":
                out[k] = Tensor._make(np.asarray(float(_host(v)), np.float32), None)
            elif k in scalars:      # PyTorch's load casts them to the parameter's dtype (they stay on the host)
                dtype = v._data.dtype if getattr(self, "_copying", False) else p._data.dtype
                out[k] = Tensor._make(np.asarray(float(_host(v)), dtype), None)
            elif _is_array(v):
                out[k] = Tensor._make(_as_array(v, dev, p._data.dtype).reshape(p._data.shape).copy(), None)
            else:
                out[k] = copy.deepcopy(v)
        self.state[p] = out

    # -- copying and pickling --------------------------------------------------------------------------------
    def __getstate__(self):
        # the flat layout is rebuilt on unpickling (a deep copy of views would lose their sharing)
        return {"defaults": self.defaults, "param_groups": self.param_groups, "saved": self.state_dict()}

    def __setstate__(self, state):
        self.defaults, self.state = state["defaults"], defaultdict(dict)
        self.param_groups, self._flats, self._loose = [], [], []
        self._step_pre_hooks, self._step_post_hooks = [], []
        for g in state["param_groups"]:
            self.add_param_group(dict(g))
        self._copying = True           # a copy keeps the scalar state's dtype (load_state_dict casts it)
        try:
            self.load_state_dict(state["saved"])
        finally:
            del self._copying

    # -- printing --------------------------------------------------------------------------------------------
    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, g in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for k in sorted(g):
                if k != "params":
                    s += f"    {k}: {g[k]}\n"
        return s + ")"

    # -- validation helpers for subclasses -------------------------------------------------------------------
    @staticmethod
    def _check_nonneg(opname, **values):
        for k, v in values.items():
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or math.isnan(v) or v < 0:
                raise ValueError(f"{opname}: invalid {k} value: {v!r} (expected a number >= 0)")

    @staticmethod
    def _require(opname, ok, message):
        """PyTorch's check of a constructor argument, with PyTorch's message after the optimizer's name."""
        if not ok:
            raise ValueError(f"{opname}: {message}")

    @classmethod
    def _check_adam_args(cls, opname, lr, betas, eps, weight_decay):
        """PyTorch's checks of the Adam family's (Adamax, NAdam, RAdam) lr, eps, betas and weight_decay."""
        cls._require(opname, 0.0 <= lr, f"Invalid learning rate: {lr}")
        cls._require(opname, 0.0 <= eps, f"Invalid epsilon value: {eps}")
        for i in (0, 1):
            cls._require(opname, 0.0 <= betas[i] < 1.0, f"Invalid beta parameter at index {i}: {betas[i]}")
        cls._require(opname, 0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


#: PyTorch's optimizer flags that gpugrad accepts only as False, and why
_UNSUPPORTED = {
    "differentiable": "the step updates parameters in place outside the tape, so it cannot be differentiated",
    "capturable": "CUDA graph capture is not supported",
}


def _reject_set(params, opname):
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{opname}: optimizer parameters need to be organized in ordered collections, but the "
                        "ordering of tensors in sets changes between runs; use a list")


def _host(v):
    """A scalar saved as a Tensor, array or number, as a Python float."""
    if isinstance(v, Tensor):
        return v.item()
    return float(np.asarray(v.get() if hasattr(v, "get") else v))


def _is_array(v):
    """A saved state value that is an array: a Tensor, a NumPy or device array, or another library's tensor
    (a PyTorch checkpoint's)."""
    return isinstance(v, (Tensor, np.ndarray)) or hasattr(v, "__cuda_array_interface__") or \
        (hasattr(v, "__array__") and hasattr(v, "shape"))


def _as_array(v, dev, dtype):
    """A saved state value as an array of ``xp`` on ``dev`` with ``dtype``."""
    arr = v._data if isinstance(v, Tensor) else v
    if is_device_array(arr):
        arr = device_array(arr)      # CuPy, or any __cuda_array_interface__ producer, viewed by CuPy
    else:
        arr = np.asarray(arr)        # NumPy arrays, lists, CPU tensors of other libraries
    return to_device(arr, dev).astype(dtype, copy=False)


def _is_lazy(p) -> bool:
    """Whether p is nn's UninitializedParameter (imported here: nn sits beside optim, not below it)."""
    from ..nn.parameter import is_lazy
    return is_lazy(p)
