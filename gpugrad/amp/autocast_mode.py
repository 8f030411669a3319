"""``autocast``: mixed precision as ``torch.amp.autocast``. Inside the region, matrix products run in a lower
precision (float16 or bfloat16) while the ops that lose accuracy there run in float32; parameters and
their gradients keep their own dtype (float32), because the casts are recorded ops whose backward casts the
gradient back.

The op lists follow PyTorch's autocast lists, which differ by device type:

- lower precision, both device types: ``matmul``/``@``, ``linear`` (and its fused bias + activation), the
  convolutions (``conv1d``... ``conv_transpose3d``);
- float32 on CUDA: ``softmax``, ``log_softmax``, ``cross_entropy``, ``logsumexp``, the regression losses
  (``mse_loss``, ``l1_loss``, ``huber_loss``, ``smooth_l1_loss``), ``sum``, ``prod``, ``norm``,
  ``layer_norm``/``batch_norm``, ``exp``, ``log``, ``log1p``, ``expm1``, ``pow``, ``rsqrt``, ``tan``,
  ``softplus``;
- float32 on the CPU: the losses (``cross_entropy``, ``mse_loss``, ``l1_loss``, ``huber_loss``,
  ``smooth_l1_loss``) and ``prod``: PyTorch's CPU list leaves softmax, exp, sums and norms in the lower
  precision;
- every other op runs in the dtype of its inputs (mixed float16/float32 inputs promote to float32).

The hook is one module-global read in ``Op.apply``: nothing is done per op while no region is active.

>>> import gpugrad as gg
>>> x, w = gg.randn(4, 8), gg.randn(3, 8, requires_grad=True)
>>> with gg.autocast("cpu", dtype=gg.float16):
...     y = gg.nn.functional.linear(x, w)
...     p = gg.nn.functional.cross_entropy(y, gg.tensor([0, 1, 2, 0]))
>>> y.dtype, p.dtype
(gpugrad.float16, gpugrad.float32)
>>> p.sum().backward()
>>> w.grad.dtype
gpugrad.float32
"""
from __future__ import annotations

import numpy as np

from ..autograd import op as _function

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "LOWER_PRECISION_OPS", "FLOAT32_OPS_CUDA",
           "FLOAT32_OPS_CPU"]


def _op_classes():
    from ..ops import arithmetic as A, elementwise as E, nn_ops as N, reduction as R
    from ..nn import functional as F
    from ..ops.conv_core import Convolution
    lower = [A.MatMul, N.Linear, N.BiasAct, Convolution]
    fp32_cuda = [N.Softmax, N.LogSoftmax, N.CrossEntropy, N.Softplus, R.LogSumExp, R.Sum, R.Prod, R.Norm,
                 F.Normalize, E.Exp, E.Log, E.Log1p, E.Expm1, E.Rsqrt, E.Tan, A.Pow]
    fp32_cpu = [N.CrossEntropy, R.Prod]
    return lower, fp32_cuda, fp32_cpu


LOWER_PRECISION_OPS, FLOAT32_OPS_CUDA, FLOAT32_OPS_CPU = _op_classes()
for _cls in LOWER_PRECISION_OPS:
    _cls._amp = {"cuda": "lower", "cpu": "lower"}
for _cls in FLOAT32_OPS_CUDA:
    _cls._amp = {"cuda": "float32"}
for _cls in FLOAT32_OPS_CPU:
    _cls._amp = {"cuda": "float32", "cpu": "float32"}


def _low_dtype(device_type, dtype):
    from .. import _dtype
    if dtype is None:                          # PyTorch's defaults: float16 on CUDA, bfloat16 on the CPU
        dtype = "float16" if device_type == "cuda" else "bfloat16"
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise RuntimeError("autocast: bfloat16 needs the ml_dtypes package (pip install ml_dtypes); or "
                               "pass dtype=gpugrad.float16") from None
        if device_type == "cuda":
            raise RuntimeError("autocast: CuPy cannot hold bfloat16 arrays; use dtype=gpugrad.float16 on CUDA")
        return np.dtype(ml_dtypes.bfloat16)
    dt = _dtype.as_dtype(dtype)
    if dt != np.float16:
        raise ValueError(f"autocast: dtype must be float16 or bfloat16, got {dt}")
    return dt


class autocast:
    """Run the ops of a ``with`` block (or a decorated function) in mixed precision on ``device_type``
    (``"cuda"`` or ``"cpu"``): matmul/linear in ``dtype`` (default float16 on CUDA, bfloat16 on the CPU),
    numerically sensitive ops in float32 (see the module's lists). ``enabled=False`` makes it a no-op; regions
    nest, the inner one deciding. ``cache_enabled`` is accepted for PyTorch's sake (casts are not cached).

    Args:
        device_type: ``"cuda"`` or ``"cpu"``: the tensors whose ops are cast.
        dtype: ``gpugrad.float16`` or ``gpugrad.bfloat16`` (the latter needs ml_dtypes and the CPU).
        enabled: ``False`` turns autocast off inside the block.
        cache_enabled: accepted and ignored.

    >>> import gpugrad as gg
    >>> a = gg.randn(2, 2)
    >>> with gg.autocast("cpu", dtype=gg.float16):
    ...     (a @ a).dtype
    gpugrad.float16
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if device_type not in ("cuda", "cpu"):
            raise ValueError(f"autocast: device_type must be 'cuda' or 'cpu', got {device_type!r}")
        self.device_type, self.enabled = device_type, bool(enabled)
        self.fast_dtype = _low_dtype(device_type, dtype) if self.enabled else dtype
        self._prev = None

    def __enter__(self):
        self._prev = _function._autocast
        table = dict(self._prev or {})
        if self.enabled:
            table[self.device_type] = self.fast_dtype
        else:
            table.pop(self.device_type, None)
        _function._autocast = table or None
        return self

    def __exit__(self, *exc):
        _function._autocast = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def is_autocast_enabled(device_type="cuda") -> bool:
    """Whether an autocast region is active for ``device_type`` ("cuda" or "cpu").

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> with gg.autocast("cpu", dtype=gg.float16):
    ...     gg.amp.is_autocast_enabled("cpu"), gg.amp.is_autocast_enabled("cuda")
    (True, False)
    """
    return _function._autocast is not None and device_type in _function._autocast


def get_autocast_dtype(device_type="cuda"):
    """The lower-precision dtype of the active autocast region of ``device_type`` (None outside one).

    Returns:
        The dtype, or None.

    >>> import gpugrad as gg
    >>> with gg.autocast("cpu", dtype=gg.float16):
    ...     gg.amp.get_autocast_dtype("cpu")
    gpugrad.float16
    """
    return (_function._autocast or {}).get(device_type)
