"""Gradient health: per-layer gradient and activation norms over training, with plain-language findings.

Add :class:`GradientHealth` to :func:`fit`'s callbacks. Every ``every`` steps it records each weight's
gradient norm ||dL/dW|| (a device scalar), and during training forwards each leaf module's output RMS,
sqrt(mean(a^2)), and the norm of the gradient flowing back into that output, ||dL/da|| (a tensor hook); for
ReLU modules it ORs together, per unit, whether the unit was ever positive. At the end of an epoch everything
is pulled to the host at once.

What is flagged:
- diverged: a weight gradient that became inf or NaN (then nothing else is judged);
- exploding: a weight's gradient norm above ``explode`` (default 1e3) in any epoch;
- vanishing: the gradient that reaches a layer's output, ||dL/da||, below ``vanish_ratio`` (default 1e-2)
  times the largest among the layers (backpropagation shrinks it layer by layer: too-small init, saturating
  activations), or a weight gradient below 1e-8 outright;
- dead ReLUs: units that never fired on any training sample of the last epoch; their weights get no
  gradient and stay dead, flagged when at least ``dead_fraction`` (default 25%) of a layer's units are dead.
Vanishing gradients and dead units are judged on the last epoch's averages.
"""
from __future__ import annotations

import math

from ..backend import xp_of
from .loop import Callback, l2_norm, to_host

__all__ = ["GradientHealth"]

_RELUS = {"ReLU", "ReLU6"}


def _leaf_modules(model):
    for name, m in model.named_modules():
        if name and not any(True for _ in m.children()):
            yield name, m


class GradientHealth(Callback):
    """A :class:`Callback` that records, per layer, gradient and weight norms per step, activation scales, the
    gradients reaching each layer's output and dead ReLU units, and reports what looks wrong in words
    (``report()``, ``findings()``, ``plot(path)``).

    Args:
        every: record every this many steps.
        explode: a gradient norm above this is reported as exploding.
        vanish_ratio: a layer whose output gradient is below this fraction of the largest layer's is reported as
            vanishing.
        dead_fraction: report a ReLU layer when more than this fraction of its units never fired in an epoch.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> model, health = gg.nn.MLP([2, 8, 2]), gg.train.GradientHealth()
    >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
    ...                  DataLoader(TensorDataset(X, y), batch_size=32), epochs=1, callbacks=[health], progress=False)
    >>> "grad norm" in health.report()
    True
    """

    def __init__(self, every=1, explode=1e3, vanish_ratio=1e-2, dead_fraction=0.25):
        self.every, self.explode, self.vanish_ratio, self.dead_fraction = every, explode, vanish_ratio, dead_fraction
        self.records: list[dict] = []   # per epoch: grad_norm, weight_norm, act_rms, out_grad, dead_fraction
        self.step_grad_norms: dict[str, list[float]] = {}
        self._undo = []

    # -- callback -------------------------------------------------------------------------------------------
    def on_train_begin(self, state):
        model = state.model
        self.params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        self.weights = [n for n, p in self.params if p.ndim >= 2]
        for n, _ in self.params:
            self.step_grad_norms.setdefault(n, [])
        self.activation_names, self.relu_names = [], []
        self.layer_names = []                        # modules with parameters (Linear, norms)
        for name, m in _leaf_modules(model):
            self.activation_names.append(name)
            if any(True for _ in m.parameters()):
                self.layer_names.append(name)
            if type(m).__name__ in _RELUS:
                self.relu_names.append(name)
            self._watch(name, m)
        self._reset_epoch()

    def _reset_epoch(self):
        self._grads = {n: [] for n, _ in self.params}
        self._acts = {n: [] for n in self.activation_names}
        self._deltas = {n: [] for n in self.activation_names}
        self._alive = {}

    def _record_activation(self, name, module, out):
        if not getattr(module, "training", True) or not hasattr(out, "data"):
            return
        a = out._data
        xp = xp_of(a)
        self._acts[name].append(xp.sqrt(xp.mean(a * a)))
        if getattr(out, "requires_grad", False):
            deltas = self._deltas[name]

            def on_grad(g):
                deltas.append(l2_norm(g._data))
            out.register_hook(on_grad)
        if name in self.relu_names:
            fired = (a.reshape(a.shape[0], -1) > 0).any(axis=0)   # per unit: positive for any sample
            prev = self._alive.get(name)
            self._alive[name] = fired if prev is None else prev | fired

    def _watch(self, name, m):
        """Observe m's output: a forward hook where Module supports one, else wrap this instance's forward."""
        record = self._record_activation
        if hasattr(m, "register_forward_hook"):
            handle = m.register_forward_hook(lambda mod, inp, out, _n=name: record(_n, mod, out))
            self._undo.append(handle.remove)
            return
        inner = m.forward

        def forward(*args, **kwargs):
            out = inner(*args, **kwargs)
            record(name, m, out)
            return out
        m.__dict__["forward"] = forward          # an instance attribute shadows the class's method
        self._undo.append(lambda: m.__dict__.pop("forward", None))

    def on_batch_end(self, state):
        if state.step % self.every:
            return
        for n, p in self.params:
            if p.grad is not None:
                self._grads[n].append(l2_norm(p.grad._data))

    def on_epoch_end(self, state):
        names = [n for n, _ in self.params]
        acts = self.activation_names
        flat = ([v for n in names for v in self._grads[n]] + [v for n in acts for v in self._acts[n]]
                + [v for n in acts for v in self._deltas[n]])
        dead = {n: 1.0 - alive.mean() for n, alive in self._alive.items()}
        wnorms = [l2_norm(p._data) for _, p in self.params]
        host = to_host(flat + list(dead.values()) + wnorms)       # one transfer for the whole epoch
        rec = {"epoch": state.epoch, "grad_norm": {}, "act_rms": {}, "out_grad": {}, "weight_norm": {},
               "dead_fraction": {},
               "units": {n: int(a.size) for n, a in self._alive.items()}}
        i = 0
        for n in names:
            k = len(self._grads[n])
            vals = host[i:i + k]
            i += k
            self.step_grad_norms[n].extend(vals)
            rec["grad_norm"][n] = sum(vals) / k if k else float("nan")
        for key, store in (("act_rms", self._acts), ("out_grad", self._deltas)):
            for n in acts:
                k = len(store[n])
                rec[key][n] = sum(host[i:i + k]) / k if k else float("nan")
                i += k
        for n in dead:
            rec["dead_fraction"][n] = host[i]
            i += 1
        for n in names:
            rec["weight_norm"][n] = host[i]
            i += 1
        self.records.append(rec)
        self._reset_epoch()

    def on_train_end(self, state):
        for undo in self._undo:
            undo()
        self._undo.clear()

    # -- diagnosis ------------------------------------------------------------------------------------------
    ADVICE = {
        "diverged": "lower the learning rate, clip gradients (max_grad_norm) or use a smaller init",
        "exploding": "lower the learning rate, clip gradients (max_grad_norm) or use a smaller init",
        "vanishing": "use an init scaled for the activation (He for ReLU, Xavier for tanh), ReLU-family "
                     "activations or a normalization layer",
        "dead_relu": "dead units get no gradient and stay dead: lower the learning rate, check the init "
                     "(large negative biases) or use LeakyReLU",
    }
    TITLES = {"diverged": "Training diverged: gradients became inf or NaN in",
              "exploding": "Exploding gradients (a weight's gradient norm above the threshold)",
              "vanishing": "Vanishing gradients, these layers barely learn (the gradient reaching a layer's "
                           "output, relative to the largest)",
              "dead_relu": "Dead ReLU units, never active on any training sample in the last epoch"}

    def findings(self) -> list[tuple[str, str, str]]:
        """The problems the recorded numbers show, for code to act on (:meth:`report` words them).

        Returns:
            a list of ``(kind, layer, detail)``; kinds: ``diverged`` (a non-finite gradient: nothing else is
            judged then), ``exploding`` (in any epoch), ``vanishing`` and ``dead_relu`` (last epoch). Empty
            when all looks well or nothing was recorded.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> X, y = xor(64, seed=0)
        >>> model, health = gg.nn.MLP([2, 8, 2]), gg.train.GradientHealth(explode=1e-3)   # a tiny threshold
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=32), epochs=1, callbacks=[health],
        ...                  progress=False)
        >>> [(kind, layer) for kind, layer, _ in health.findings()]
        [('exploding', '0.weight'), ('exploding', '2.weight')]
        """
        if not self.records:
            return []
        rec = self.records[-1]
        out = []
        for r in self.records:
            bad = [n for n in self.weights if not math.isfinite(r["grad_norm"][n])]
            if bad:
                return [("diverged", n, f"{n} (epoch {r['epoch']})") for n in bad]
        for n in self.weights:
            worst = max(self.records, key=lambda r: r["grad_norm"][n])
            if worst["grad_norm"][n] > self.explode:
                out.append(("exploding", n, f"{n}: norm {worst['grad_norm'][n]:.3g} in epoch {worst['epoch']}"))
        delta = {n: rec["out_grad"][n] for n in self.layer_names if math.isfinite(rec["out_grad"][n])}
        top = max(delta.values(), default=0.0)
        top_name = next((n for n, v in delta.items() if v == top), None)
        for n, v in delta.items():
            if top > 0 and v < self.vanish_ratio * top:
                out.append(("vanishing", n, f"{n}: {v / top:.1e} x layer {top_name}'s"))
        flagged = {layer for _, layer, _ in out}
        for n in self.weights:                 # a weight gradient that is ~0 outright, its layer not yet named
            if rec["grad_norm"][n] < 1e-8 and n.rsplit(".", 1)[0] not in flagged:
                out.append(("vanishing", n, f"{n}: weight gradient norm {rec['grad_norm'][n]:.2g}"))
        for n, frac in rec["dead_fraction"].items():
            if frac >= self.dead_fraction:
                units = rec["units"][n]
                out.append(("dead_relu", n, f"{n}: {round(frac * units)} of {units} units ({100 * frac:.0f}%)"))
        return out

    def report(self) -> str:
        """A table of the last epoch's per-layer numbers (gradient and weight norms, activation RMS, the
        gradient reaching each module's output, dead units) and the findings in plain language, with what
        to try.

        Returns:
            str, several lines.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> X, y = xor(64, seed=0)
        >>> model, health = gg.nn.MLP([2, 8, 2]), gg.train.GradientHealth(explode=1e-3)   # a tiny threshold
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=32), epochs=1, callbacks=[health],
        ...                  progress=False)
        >>> print(health.report().splitlines()[0])
        Gradient health, epoch 1 (averages over the epoch's steps)
        """
        if not self.records:
            return "gradient health: nothing recorded (was the callback passed to fit?)"
        rec = self.records[-1]
        lines = [f"Gradient health, epoch {rec['epoch']} (averages over the epoch's steps)",
                 f"{'parameter':<24}{'grad norm':>12}{'weight norm':>13}{'ratio':>10}"]
        for n, _ in self.params:
            g, w = rec["grad_norm"][n], rec["weight_norm"][n]
            lines.append(f"{n:<24}{g:>12.3e}{w:>13.3e}{(g / w if w else float('nan')):>10.2e}")
        lines.append(f"{'module output':<24}{'RMS':>12}{'dL/d(out)':>13}{'dead units':>12}")
        for n in self.activation_names:
            dead = rec["dead_fraction"].get(n)
            d = f"{round(dead * rec['units'][n])}/{rec['units'][n]}" if dead is not None else ""
            lines.append(f"{n:<24}{rec['act_rms'][n]:>12.3e}{rec['out_grad'][n]:>13.3e}{d:>12}")
        found = self.findings()
        if not found:
            lines.append("Findings: no vanishing or exploding gradients, no dead ReLU layers.")
        else:
            lines.append("Findings:")
        for kind in self.TITLES:
            details = [d for k, _, d in found if k == kind]
            if details:
                lines.append(f"- {self.TITLES[kind]}: " + ", ".join(details) + f".\n  Try: {self.ADVICE[kind]}.")
        return "\n".join(lines)

    def plot(self, path, title=None):
        """Draw the recorded numbers (:func:`~gpugrad.train.plot_gradient_health`, which needs matplotlib).

        Args:
            path: the PNG file to write.
            title: the figure's title.

        Returns:
            ``path``.

        >>> import os, tempfile
        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> X, y = xor(64, seed=0)
        >>> model, health = gg.nn.MLP([2, 8, 2]), gg.train.GradientHealth(explode=1e-3)   # a tiny threshold
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=32), epochs=1, callbacks=[health],
        ...                  progress=False)
        >>> os.path.exists(health.plot(os.path.join(tempfile.mkdtemp(), "health.png")))
        True
        """
        from .plots import plot_gradient_health
        return plot_gradient_health(self, path, title)
