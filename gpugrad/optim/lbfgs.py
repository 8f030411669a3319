"""L-BFGS with an optional strong-Wolfe line search, PyTorch's ``LBFGS`` (ported from its ``lbfgs.py``, itself
from Torch7's ``optim/lbfgs.lua``, ``lswolfe.lua`` and ``polyinterp.lua``).

The work is on one flat vector: the gradients of all parameters concatenated (``xp`` arrays of the
parameters' device, so nothing leaves the GPU but the scalars the algorithm branches on). Scalars computed
from arrays (``ys``, ``H_diag``, ``gtd``, the step ``t`` of a line search) stay 0-d arrays of the
parameters' dtype, as PyTorch's 0-d tensors, so float32 runs round as PyTorch's do.

State (on the first parameter, as PyTorch keeps it): ``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``,
``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss`` and ``al``, arrays shown as Tensors.
"""
from __future__ import annotations

import copy

import numpy as np

from ..autograd import enable_grad
from ..backend import xp_of, device_of
from ..tensor import Tensor
from .optimizer import Optimizer, _as_array, _is_array

__all__ = ["LBFGS"]


def _cubic_interpolate(xp, x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to ``bounds`` (default the
    interval between them); the middle of the bounds when the cubic has no minimum:
    d1 = g1 + g2 - 3 (f1-f2)/(x1-x2);  d2 = sqrt(d1^2 - g1 g2);
    x = x2 - (x2-x1) (g2 + d2 - d1)/(g2 - g1 + 2 d2)."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = xp.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(xp, obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step ``t`` along ``d`` satisfying the strong Wolfe conditions (sufficient decrease c1, curvature
    c2): bracket, then zoom by cubic interpolation, at most ``max_ls`` evaluations of ``obj_func(x, t, d)``
    (which returns the loss and flat gradient at x + t d). Returns (loss, flat grad, t, evaluations)."""
    d_norm = xp.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = xp.dot(g_new, d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(xp, t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        # next step
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = xp.dot(g_new, d)
        ls_iter += 1

    if ls_iter == max_ls:              # reached the most evaluations allowed
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: refine the bracket until a point satisfies the criteria
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:      # the bracket is too small
            break
        t = _cubic_interpolate(xp, bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                               bracket_gtd[1])
        # a t too close to an end of the bracket (or repeatedly so) moves to 0.1 of its length from that end
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = xp.dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Armijo condition not satisfied or not lower than the lowest point: the new high
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True                # Wolfe conditions satisfied
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high becomes the new low
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            # the new point becomes the new low
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _wrap(v):
    """A state value as PyTorch shows it: arrays (and array scalars) as Tensors, lists element by element."""
    if isinstance(v, list):
        return [_wrap(e) for e in v]
    if v is None or isinstance(v, (bool, int, float, Tensor)) and not isinstance(v, np.generic):
        return v
    return Tensor._make(xp_of(v).asarray(v), None)


def _unwrap(v):
    if isinstance(v, list):
        return [_unwrap(e) for e in v]
    return v._data if isinstance(v, Tensor) else v


class LBFGS(Optimizer):
    """L-BFGS: quasi-Newton steps from the last ``history_size`` gradient and step differences, up to
    ``max_iter`` iterations per :meth:`step`, each with a fixed step ``lr`` or a strong-Wolfe line search.
    One parameter group only; the loss must be recomputed by a closure.

    Args:
        params: an iterable of tensors to optimize (one group; all on one device, of one dtype).
        lr: the learning rate (the line search's first trial step).
        max_iter: the most iterations per step.
        max_eval: the most closure evaluations per step (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient element is at most this.
        tolerance_change: stop when the loss or the parameters change less than this.
        history_size: how many updates the inverse-Hessian estimate remembers.
        line_search_fn: None (fixed steps) or ``'strong_wolfe'``.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.5, -0.5], requires_grad=True)
    >>> opt = gg.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - gg.tensor([3.0, 2.0])) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> loss0 = opt.step(closure)
    >>> [round(v, 6) for v in w.tolist()]
    [3.0, 2.0]
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        self._require("LBFGS", 0.0 <= lr, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self):
        return self.param_groups[0]["params"]

    # -- the flat vector --------------------------------------------------------------------------------------
    def _gather_flat_grad(self):
        xp = xp_of(self._params[0]._data)
        return xp.concatenate([p.grad._data.reshape(-1) if p.grad is not None else
                               xp.zeros_like(p._data).reshape(-1) for p in self._params])

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += step_size * update[offset:offset + n].reshape(p._data.shape)
            p._vc[0] += 1
            offset += n

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            p._data[...] = data
            p._vc[0] += 1

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # -- the step -------------------------------------------------------------------------------------------
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations from the current parameters.

        Args:
            closure: a function that zeroes the gradients, recomputes the loss, calls ``backward`` and returns
                the loss (required: the algorithm evaluates it several times).

        Returns:
            the loss the closure returned on its first evaluation (before this step's updates), as PyTorch.

        >>> import gpugrad as gg
        >>> w = gg.tensor([0.0], requires_grad=True)
        >>> opt = gg.optim.LBFGS([w], max_iter=5)
        >>> def closure():
        ...     opt.zero_grad(); loss = ((w - 1) ** 2).sum(); loss.backward(); return loss
        >>> opt.step(closure).item(), round(w.item(), 6)
        (1.0, 1.0)
        """
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS: expected exactly one param_group, but got {len(self.param_groups)}")
        self._run_hooks(self._step_pre_hooks, closure)
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        xp = xp_of(self._params[0]._data)

        def evaluate():
            with enable_grad():
                return closure()

        # L-BFGS has only global state, kept as the first parameter's (as PyTorch does)
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        if xp.abs(flat_grad).max() <= tolerance_grad:      # already optimal
            self._run_hooks(self._step_post_hooks, closure)
            return orig_loss

        d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss = (
            _unwrap(state.get(k)) for k in ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad",
                                            "prev_loss"))
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the descent direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                # update the memory with the last step s and gradient change y
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = xp.dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / xp.dot(y, y)       # the scale of the initial inverse Hessian
                # the two-loop recursion: d = -H g
                num_old = len(old_dirs)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = _unwrap(state["al"])
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = xp.dot(old_stps[i], q) * ro[i]
                    q += -al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = xp.dot(old_dirs[i], r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
                state["al"] = al

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # the step length: the first iteration ever scales by the gradient's 1-norm
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = xp.dot(flat_grad, d)                 # the directional derivative
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("LBFGS: only 'strong_wolfe' is supported as line_search_fn, got "
                                       f"{line_search_fn!r}")
                x_init = [p._data.copy() for p in self._params]

                def obj_func(x, t, d):
                    return self._directional_evaluate(evaluate, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(xp, obj_func, x_init, t, d, loss, flat_grad, gtd,
                                                                  max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                # a fixed step; the loss is evaluated again except on the last iteration
                self._add_grad(t, d)
                if n_iter != max_iter:
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # stopping conditions
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if xp.abs(d * t).max() <= tolerance_change:          # no progress in the parameters
                break
            if abs(loss - prev_loss) < tolerance_change:         # nor in the loss
                break

        for k, v in (("d", d), ("t", t), ("old_dirs", old_dirs), ("old_stps", old_stps), ("ro", ro),
                     ("H_diag", H_diag), ("prev_flat_grad", prev_flat_grad), ("prev_loss", prev_loss)):
            state[k] = _wrap(v)
        if "al" in state:
            state["al"] = _wrap(state["al"])
        self._run_hooks(self._step_post_hooks, closure)
        return orig_loss

    # -- checkpoints ----------------------------------------------------------------------------------------
    def _load_loose(self, p, st, scalars=()):
        """The flat vectors and lists of the saved state go to the parameters' device and dtype as they are
        (not reshaped to the first parameter, whose state they are filed under)."""
        if not st:
            self.state.pop(p, None)
            return
        dev, dtype = device_of(p._data), p._data.dtype

        def load(v):
            if isinstance(v, (list, tuple)):
                return [load(e) for e in v]
            if isinstance(v, (bool, int, float)) or v is None:
                return v
            if _is_array(v):
                return Tensor._make(_as_array(v, dev, dtype).copy(), None)
            return copy.deepcopy(v)

        self.state[p] = {k: load(v) for k, v in st.items()}
