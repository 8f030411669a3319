"""Anomaly detection, as ``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``: find the op that made
the first NaN (or inf), and the line of the user's code that called it.

While the mode is on, every op records where it was created (the Python stack) and, with ``check_nan``:

- in backward, a node whose gradient contains NaN raises ``Function 'MulBackward0' returned nan values in
  its 0th output.`` (PyTorch's test), as does one that turns finite incoming gradients into inf;
- in forward (beyond PyTorch, which checks backward only), an op that turns finite inputs into NaN or inf
  (``log(0)``, ``0/0``, ``inf - inf``, an overflowing ``exp``) raises at once; NaN or inf already in an input
  passes through, so masking with ``-inf`` still works.

Either error names the op and shows the user's line that created it, then the forward traceback. Any other
exception raised in a backward gets the same traceback attached as a note. Off (the default), ops record
nothing: ``Op.apply`` reads one module flag, shared with forward-mode AD, and the backward engine one per
``backward()`` call.

>>> import gpugrad as torch
>>> x = torch.tensor([0.0], requires_grad=True)
>>> with torch.autograd.detect_anomaly():
...     torch.sqrt(x).sum().backward()            # d sqrt(x)/dx = inf at 0 # doctest: +SKIP
Traceback (most recent call last):
RuntimeError: Function 'SqrtBackward0' returned inf values in its 0th output (from finite gradients) ...
"""
from __future__ import annotations

import os
import traceback
import warnings

import numpy as _np

from . import op as _op
from .grad_mode import ContextDecorator
from ..tensor import Tensor

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OWN = {__file__, _op.__file__}      # the frames of the recording itself, left out of the trace


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on.

    Returns:
        True inside ``detect_anomaly()`` or after ``set_detect_anomaly(True)``.

    >>> import gpugrad as torch
    >>> torch.is_anomaly_enabled()
    False
    """
    return bool(_op._anomaly)


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks for NaN (and inf) values (when it is on).

    Returns:
        The ``check_nan`` of the mode in force.

    >>> import gpugrad as torch
    >>> torch.is_anomaly_check_nan_enabled()
    True
    """
    return _op._anomaly_check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch anomaly detection on or off (``torch.set_anomaly_enabled``); prefer the context managers.

    Args:
        enabled: on or off.
        check_nan: also raise on NaN/inf values (else only record where each op was created).

    Returns:
        None.

    >>> import gpugrad as torch
    >>> torch.set_anomaly_enabled(True); torch.is_anomaly_enabled()
    True
    >>> torch.set_anomaly_enabled(False)
    """
    _op._set_anomaly(bool(enabled), bool(check_nan))


class detect_anomaly(ContextDecorator):
    """Turn anomaly detection on inside: ``with gpugrad.autograd.detect_anomaly(): ...`` or as a
    decorator ``@detect_anomaly()``. ``check_nan=False`` records creation stacks without checking values.

    >>> import gpugrad as torch
    >>> with torch.autograd.detect_anomaly():        # doctest: +SKIP
    ...     loss.backward()
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should "
                      "only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self.prev = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(*self.prev)
        return False

    def _fresh(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return detect_anomaly(self.check_nan)


class set_detect_anomaly(ContextDecorator):
    """``set_detect_anomaly(True)`` switches anomaly detection on at once (as a call), or for a block (as a
    context manager, restoring the previous mode on exit), or for a function (as a decorator).

    Args:
        mode: on (True) or off (False).
        check_nan: also raise on NaN/inf values (default True).

    >>> import gpugrad as torch
    >>> with torch.autograd.set_detect_anomaly(True):
    ...     torch.autograd.is_anomaly_enabled()
    True
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self.mode, self.check_nan = bool(mode), bool(check_nan)
        self.prev = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(*self.prev)
        return False

    def __call__(self, fn):
        set_anomaly_enabled(*self.prev)    # used as a decorator: the constructor's switch must not leak
        return super().__call__(fn)

    def _fresh(self):
        return set_detect_anomaly(self.mode, self.check_nan)


# -- what the op base and the engine call while the mode is on -------------------------------------------------
def record(node):
    """Keep where ``node`` was created (the stack without this module's and the op base's frames)."""
    trace = traceback.extract_stack()
    while trace and trace[-1].filename in _OWN:
        trace.pop()
    node._anomaly_trace = trace


def _user_line(trace):
    for f in reversed(trace):
        if not os.path.abspath(f.filename).startswith(_PACKAGE + os.sep):
            return f"  File \"{f.filename}\", line {f.lineno}, in {f.name}\n    {f.line}"
    return "  (no frame outside gpugrad)"


def _where(node):
    trace = getattr(node, "_anomaly_trace", None)
    if trace is None:
        return "\n(created before anomaly detection was enabled: no traceback recorded)"
    return ("\nCreated by your line:\n" + _user_line(trace) + "\nTraceback of forward call that caused the "
            "error:\n" + "".join(traceback.format_list(trace)).rstrip())


def _bad(arr):
    """'nan', 'inf' or None for a floating array."""
    if arr.dtype.kind not in "fc" or arr.size == 0:
        return None
    xp = _np if arr.__class__ is _np.ndarray else _op.xp_of(arr)
    if bool(xp.isfinite(arr).all()):
        return None
    return "nan" if bool(xp.isnan(arr).any()) else "inf"


def _finite(values):
    for v in values:
        a = v._data if isinstance(v, Tensor) else v
        if hasattr(a, "dtype"):
            if _bad(a) is not None:
                return False
        elif isinstance(v, (float, complex)) and not _np.isfinite(v):
            return False
    return True


def check_forward(node, args, out):
    """Raise when the op of ``node`` turned finite inputs into NaN or inf."""
    what = _bad(out) if hasattr(out, "dtype") else None
    if what is None or not _finite(args):
        return
    raise RuntimeError(f"Function '{type(node).__name__}' produced {what} values in its output from finite inputs "
                       f"(anomaly detection).{_where(node)}")


def check_backward(node, g, res):
    """Raise when ``node``'s backward returned NaN (PyTorch's check) or made inf from finite gradients."""
    incoming_finite = None
    for i, r in enumerate(res):
        if r is None:
            continue
        what = _bad(r._data if isinstance(r, Tensor) else r)
        if what is None:
            continue
        if what == "inf":
            if incoming_finite is None:
                from .function import _Grads
                gs = g.items if g.__class__ is _Grads else (g,)
                incoming_finite = _finite([x for x in gs if x is not None])
            if not incoming_finite:
                continue
            what = "inf values in its {}th output (from finite gradients)".format(i)
        else:
            what = f"nan values in its {i}th output"
        raise RuntimeError(f"Function '{node.name()}' returned {what}.{_where(node)}")


def annotate(exc, node):
    """Attach ``node``'s forward traceback to an exception raised in its backward."""
    if hasattr(exc, "add_note"):
        exc.add_note(f"Error detected in {node.name()}.{_where(node)}")
