"""``torch.testing.assert_close`` (and the deprecated ``assert_allclose``) for gpugrad Tensors: the same pairing
of inputs (None, booleans, Python and NumPy numbers, Tensors, NumPy arrays when both are; sequences and mappings
recursively), the same default tolerances per dtype and the same messages ("Tensor-likes are not close!" ...).
"""
from __future__ import annotations

import cmath
import collections.abc
import warnings

import numpy as np

from .. import _dtype
from ..tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# {dtype: (rtol, atol)}, torch's table; any other dtype (integers, bool) compares exactly
_PRECISIONS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}
_NUMBER_DTYPE = {int: "int64", float: "float64", complex: "complex128"}


class _Unsupported(Exception):
    """This kind of pair cannot take the inputs; the next kind is tried."""


class _Failure(Exception):
    """A comparison failed: the exception class to raise, its message and where in the inputs it happened."""

    def __init__(self, kind, msg, id=()):
        super().__init__(msg)
        self.kind, self.msg, self.id = kind, msg, id

    def to_error(self, msg=None):
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                generated += f"\n\nThe failure occurred for item {''.join(str([i]) for i in self.id)}"
            msg = msg(generated) if callable(msg) else generated
        return self.kind(msg)


def _tolerances(dtypes, rtol, atol, id):
    if (rtol is None) ^ (atol is None):
        raise _Failure(ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                   f"{'rtol' if rtol is None else 'atol'}.", id)
    if rtol is not None:
        return rtol, atol
    pairs = [_PRECISIONS.get(np.dtype(d).name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _mismatch_msg(identifier, default, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def diff_msg(kind, diff, idx, tol):
        msg = (f"{kind.title()} difference: {diff}" if idx is None
               else f"Greatest {kind} difference: {diff} at index {idx}")
        return msg + ("" if equality else f" (up to {tol} allowed)") + "\n"

    name = default if identifier is None else identifier(default) if callable(identifier) else identifier
    msg = f"{name} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff_msg("absolute", abs_diff, abs_idx, atol) + diff_msg("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg(None, "Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff,
                         None, rtol)


# -- the pairs ---------------------------------------------------------------------------------------------------
def _none_pair(a, e, id, o):
    if not (a is None or e is None):
        raise _Unsupported
    if not (a is None and e is None):
        raise _Failure(AssertionError, f"None mismatch: {a} is not {e}", id)


def _bool_pair(a, e, id, o):
    if not all(isinstance(x, (bool, np.bool_)) for x in (a, e)):
        raise _Unsupported
    a, e = bool(a), bool(e)
    if a is not e:
        raise _Failure(AssertionError, f"Booleans mismatch: {a} is not {e}", id)


def _number_pair(a, e, id, o):
    if not all(isinstance(x, (int, float, complex, np.number)) for x in (a, e)):
        raise _Unsupported
    a, e = (x.item() if isinstance(x, np.number) else x for x in (a, e))
    rtol, atol = _tolerances([_NUMBER_DTYPE[type(x)] for x in (a, e)], o["rtol"], o["atol"], id)
    if o["check_dtype"] and type(a) is not type(e):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.", id)
    if a == e or (o["equal_nan"] and cmath.isnan(a) and cmath.isnan(e)):
        return
    abs_diff = abs(a - e)
    if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(e):
        return
    raise _Failure(AssertionError, _scalar_msg(a, e, rtol, atol), id)


def _as_tensor(x):
    if isinstance(x, Tensor):
        return x
    from ..tensor import as_tensor
    try:
        t = as_tensor(x)
    except Exception:         # noqa: BLE001  (anything as_tensor refuses is not a tensor-like)
        raise _Unsupported from None
    if not (t.dtype.kind in "biufc" or _dtype.is_float(t.dtype)):
        raise _Unsupported    # strings, objects
    return t


def _tensor_pair(a, e, id, o):
    if not (isinstance(a, type(e)) or isinstance(e, type(a))):
        raise _Unsupported
    if not o["allow_subclasses"] and type(a) is not type(e):
        raise _Unsupported
    a, e = _as_tensor(a), _as_tensor(e)
    rtol, atol = _tolerances([a.dtype, e.dtype], o["rtol"], o["atol"], id)

    def mismatch(attr, x, y):
        raise _Failure(AssertionError, f"The values for attribute '{attr}' do not match: {x} != {y}.", id)

    if tuple(a.shape) != tuple(e.shape):
        mismatch("shape", a.shape, e.shape)
    if o["check_stride"] and a.stride() != e.stride():
        mismatch("stride()", a.stride(), e.stride())
    if o["check_device"] and a.device != e.device:
        mismatch("device", a.device, e.device)
    if o["check_dtype"] and a.dtype != e.dtype:
        mismatch("dtype", f"gpugrad.{a.dtype.name}", f"gpugrad.{e.dtype.name}")
    if a.device != e.device:
        a, e = a.cpu(), e.cpu()
    if a.dtype != e.dtype:
        from .._typeinfo import promote_types
        wide = [_dtype.int64 if d.kind == "u" and d.itemsize > 1 else d for d in (a.dtype, e.dtype)]
        dt = promote_types(*wide)
        a, e = a.to(dt), e.to(dt)
    _compare_values(a.detach(), e.detach(), rtol, atol, o["equal_nan"], id)


def _compare_values(a, e, rtol, atol, equal_nan, id):
    from ..ops import isclose, where
    matches = isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(matches.all()):
        return
    if a.dim() == 0:
        raise _Failure(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol), id)
    n = matches.numel()
    bad = n - int(matches.sum().item())
    af, ef, mf = a.flatten(), e.flatten(), matches.flatten()
    if a.dtype.kind not in "fc":
        af, ef = af.to(_dtype.int64), ef.to(_dtype.int64)
    abs_diff = where(mf, 0, (af - ef).abs())
    max_abs, abs_idx = abs_diff.max(0)
    rel_diff = where(mf, 0, abs_diff / ef.abs())
    max_rel, rel_idx = rel_diff.max(0)

    def unravel(flat):
        idx = []
        for size in tuple(matches.shape)[::-1]:
            flat, r = divmod(flat, size)
            idx.append(r)
        return tuple(idx[::-1])

    raise _Failure(AssertionError, _mismatch_msg(None, "Tensor-likes", f"Mismatched elements: {bad} / {n} "
                                                 f"({bad / n:.1%})", max_abs.item(), unravel(int(abs_idx.item())),
                                                 atol, max_rel.item(), unravel(int(rel_idx.item())), rtol), id)


_PAIRS = (_none_pair, _bool_pair, _number_pair, _tensor_pair)


def _walk(a, e, id, o, out):
    """Compare ``a`` and ``e``, recursing into sequences and mappings; failures go into ``out``."""
    seq = collections.abc.Sequence
    if isinstance(a, seq) and not isinstance(a, str) and isinstance(e, seq) and not isinstance(e, str):
        if len(a) != len(e):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(a)} != {len(e)}", id)
        for i in range(len(a)):
            _walk(a[i], e[i], (*id, i), o, out)
        return
    if isinstance(a, collections.abc.Mapping) and isinstance(e, collections.abc.Mapping):
        ka, ke = set(a.keys()), set(e.keys())
        if ka != ke:
            raise _Failure(AssertionError, f"The keys of the mappings do not match:\nMissing keys in the actual "
                                           f"mapping: {sorted(ke - ka)}\nAdditional keys in the actual mapping: "
                                           f"{sorted(ka - ke)}", id)
        try:
            keys = sorted(ka)
        except TypeError:
            keys = list(ka)
        for k in keys:
            _walk(a[k], e[k], (*id, k), o, out)
        return
    for pair in _PAIRS:
        try:
            pair(a, e, id, o)
            return
        except _Unsupported:
            continue
        except _Failure as f:
            out.append(f)
            return
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.", id)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``:
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with equal shapes (and, by default, dtypes
    and devices). Sequences and mappings are compared item by item.

    Default tolerances by dtype (rtol, atol): float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5), float32
    (1.3e-6, 1e-5), float64 (1e-7, 1e-7); integers and bool compare exactly. Python floats count as float64,
    ints as int64. A Tensor and a NumPy array do not pair (TypeError), as in torch; two NumPy arrays do.

    Args:
        actual: a Tensor, Python or NumPy scalar, NumPy array, None, or a (nested) sequence or mapping of them.
        expected: the same kind of value.
        allow_subclasses: pair a Tensor with a subclass of it (a Parameter).
        rtol: relative tolerance (with ``atol``; both or neither).
        atol: absolute tolerance.
        equal_nan: NaN equals NaN.
        check_device: the devices must match (else both are compared on the CPU).
        check_dtype: the dtypes must match (else both are promoted to a common dtype).
        check_layout: accepted for compatibility (every gpugrad Tensor is strided).
        check_stride: the strides must match.
        msg: the error message instead of the generated one, or a callable taking the generated one.

    Returns:
        None; raises AssertionError on a mismatch (TypeError for inputs that cannot be compared, ValueError
        for one tolerance without the other).

    >>> import gpugrad as gg
    >>> gg.testing.assert_close(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 2.0 + 1e-7]))
    >>> try:
    ...     gg.testing.assert_close(gg.tensor([1.0, 2.0, 3.0]), gg.tensor([1.0, 2.5, 3.0]))
    ... except AssertionError as e:
    ...     print(e)
    Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 3 (33.3%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                   check_stride=check_stride)
    failures = []
    try:
        _walk(actual, expected, (), options, failures)
    except _Failure as f:
        failures.append(f)
    if failures:
        raise failures[0].to_error(msg)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """The deprecated ``torch.testing.assert_allclose``: :func:`assert_close` without the dtype check, with
    looser default tolerances (float16 1e-3/1e-3, float32 1e-4/1e-5, float64 1e-5/1e-8) and NaN equal to NaN.
    Warns FutureWarning, as torch does.

    Args:
        actual: a Tensor or anything ``gpugrad.tensor`` takes.
        expected: likewise (converted with ``actual``'s dtype).
        rtol: relative tolerance (with ``atol``).
        atol: absolute tolerance.
        equal_nan: NaN equals NaN.
        msg: the error message instead of the generated one.

    Returns:
        None; raises AssertionError on a mismatch.

    >>> import warnings, gpugrad as gg
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.testing.assert_allclose(gg.tensor([1.0]), [1.00001])
    """
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    from ..tensor import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        table = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}
        pairs = [table.get(t.dtype.name, (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)
