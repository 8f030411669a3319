"""gpugrad: eager, tape-based reverse-mode autodiff on NumPy (CPU) and CuPy (NVIDIA GPUs).

>>> import gpugrad as gg
>>> x = gg.tensor(2.0, requires_grad=True)
>>> y = (x**2 + (x**2).sin()) * x**2
>>> y.backward()
>>> print(f"{y.item():.2f} {x.grad.item():.2f}")
12.97 18.51
"""
from __future__ import annotations

from . import _threads  # noqa: F401  (first: sets Numba's threading layer before anything compiles)
from . import _malloc  # noqa: F401  (keeps the C heap's pages between training steps: see _malloc)
from . import _fpwarnings  # noqa: F401  (inf/NaN arise silently, as in PyTorch: see _fpwarnings)

__version__ = "0.1.0"

from ._dtype import (dtype, float16, half, float32, float64, double, int8, uint8, int16, int32, int64, long,
                     bool_, complex64, cfloat, complex128, cdouble, get_default_dtype, set_default_dtype)
from ._dtype import float as float  # noqa: PLC0414
from .backend import Device, device, set_default_device, default_device
from ._tensor_str import set_printoptions
from .tensor import Size, Tensor, tensor, as_tensor, from_numpy
from .factories import (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, BoolTensor, ByteTensor, zeros,
                        ones, empty, full, zeros_like, ones_like, empty_like, full_like, arange, linspace, eye)
from .random_factories import rand, randn, randint, randperm, manual_seed
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .autograd import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled
from . import ops
from .ops import (add, sub, mul, div, neg, pow, matmul, abs, sign, clamp, clip, maximum, minimum, where, exp,
                  log, log1p, expm1, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, erf, sum, mean, var, std, max,
                  min, amax, amin, argmax, argmin, logsumexp, prod, norm, reshape, flatten, permute, transpose,
                  squeeze, unsqueeze, expand, broadcast_to, cat, concatenate, stack, split, chunk, gather,
                  index_select, clone, eq, ne, lt, le, gt, ge, isfinite, isnan, allclose, equal, floor, ceil,
                  round, logical_and, logical_or, logical_not)
from .ops import (mm, bmm, addmm, relu, softmax, log_softmax, divide, multiply, subtract, true_divide, concat,
                  swapaxes, swapdims, take_along_dim, normal, view, floor_divide, remainder)
from .ops import (sort, argsort, topk, narrow, unbind, square, isclose, var_mean, std_mean, rand_like, randn_like,
                  t, numel, cumsum, einsum)
from .ops import (scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill, index_reduce,
                  masked_scatter)
from .ops import (diagonal, diagonal_scatter, select, select_scatter, slice_scatter, movedim, moveaxis, unflatten,
                  ravel, tensor_split, hsplit, vsplit, dsplit, split_with_sizes, narrow_copy, is_same_size, flip,
                  fliplr, flipud, roll, rot90, tril, triu, tril_indices, triu_indices, diag, diag_embed, diagflat,
                  tile, repeat_interleave, atleast_1d, atleast_2d, atleast_3d, hstack, vstack, dstack, column_stack,
                  row_stack, meshgrid, cartesian_prod, combinations, block_diag, broadcast_shapes, broadcast_tensors,
                  take, put, masked_fill, masked_select, nonzero, argwhere, unravel_index)
from .ops.indexing import index_put, index_put_  # noqa: E402  (ops.index_put is the internal key-based one)
from .ops import (acos, arccos, acosh, arccosh, asin, arcsin, asinh, arcsinh, atan, arctan, atanh, arctanh, cosh,
                  sinh, erfc, erfinv, exp2, log2, log10, lgamma, digamma, polygamma, mvlgamma, i0, sinc, logit,
                  reciprocal, sgn, signbit, frac, trunc, fix, positive, negative, deg2rad, rad2deg, nan_to_num,
                  isinf, isneginf, isposinf, isreal, atan2, arctan2, hypot, copysign, fmod, fmax, fmin, float_power,
                  logaddexp, logaddexp2, xlogy, heaviside, nextafter, ldexp, frexp, gcd, lcm, lerp, addcmul,
                  addcdiv, clamp_min, clamp_max, bitwise_left_shift, bitwise_right_shift, not_equal, greater,
                  greater_equal, less, less_equal, absolute, logical_xor, bitwise_and, bitwise_or, bitwise_xor,
                  bitwise_not)
from .ops.distance import cosine_similarity, pairwise_distance, pdist, cdist
from .ops.activation_api import (relu_, selu, selu_, celu, celu_, hardshrink, threshold, threshold_, prelu,
                                 rrelu, rrelu_)
from .ops.linalg_torch import (addmv, addr, addbmm, baddbmm, chain_matmul, kron, tensordot, det, logdet, slogdet,
                               inverse, pinverse, matrix_power, matrix_exp, cholesky, cholesky_solve,
                               cholesky_inverse, svd, qr, triangular_solve, cross)
from . import linalg  # noqa: E402  (torch.linalg; its modules are the op library's, already imported)
from .ops.reduce_more import all, any  # noqa: A004  (PyTorch's names; they shadow the builtins here)
from .ops import (aminmax, count_nonzero, nansum, nanmean, dist, renorm, cumprod, cummax, cummin, logcumsumexp, diff,
                  trapezoid, trapz, cumulative_trapezoid, median, nanmedian, kthvalue, mode, quantile, nanquantile,
                  msort, searchsorted, bucketize, bincount, histc, histogram, unique, unique_consecutive, cov,
                  corrcoef)
from . import return_types
from .autograd.inference_mode import inference_mode, is_inference_mode_enabled
from . import cuda
from . import accelerator
from . import special
from . import random
from .random import get_rng_state, set_rng_state, initial_seed, seed
from ._typeinfo import (finfo, iinfo, promote_types, result_type, can_cast, is_complex, is_nonzero, typename,
                        is_storage)
from ._runtime import (set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads,
                       use_deterministic_algorithms, are_deterministic_algorithms_enabled,
                       is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
                       get_deterministic_debug_mode, compile, get_default_device)
from .ops.random_more import bernoulli, multinomial, poisson, randint_like
from .range_factories import logspace, range  # noqa: A004  (torch.range: PyTorch's deprecated inclusive range)

bool = bool_  # gpugrad.bool, as torch.bool
import math as _math  # noqa: E402
inf, nan, pi, e, newaxis = _math.inf, _math.nan, _math.pi, _math.e, None   # torch.inf, ..., torch.newaxis
from ._generator import Generator  # noqa: E402
from ._formats import (strided, sparse_coo, contiguous_format, preserve_format, channels_last,  # noqa: E402
                       channels_last_3d)


def is_tensor(obj) -> bool_.type:
    """Whether ``obj`` is a gpugrad Tensor (a Parameter is one).

    Args:
        obj: anything.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_tensor(gg.zeros(1)), gg.is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool_.type:
    """Whether ``input``'s dtype is a floating point one, as ``torch.is_floating_point``.

    Args:
        input: a Tensor.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_floating_point(gg.zeros(1)), gg.is_floating_point(gg.tensor([1]))
    (True, False)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' must be a Tensor, not {type(input).__name__}")
    return input.is_floating_point()


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """Wrap a DLPack-capable array (CuPy, PyTorch, JAX, NumPy) without copying.

    Args:
        ext_tensor: an object with ``__dlpack__`` (a CuPy, PyTorch or JAX array, a NumPy array).
        device: where the result lives (default: ``ext_tensor``'s device; another device means a copy).
        copy: None: copy only when ``device`` asks for it; True: always copy; False: never (an error when
            ``device`` would need a copy).

    Returns:
        A Tensor sharing ``ext_tensor``'s memory (unless copied), on its device.

    >>> import numpy as np, gpugrad as gg
    >>> a = np.arange(3.0)
    >>> gg.from_dlpack(a).tolist()
    [0.0, 1.0, 2.0]
    """
    from .backend import cupy_or_none, device as _device
    import numpy as _np
    dev = ext_tensor.__dlpack_device__()[0] if hasattr(ext_tensor, "__dlpack_device__") else 1
    if dev == 1:  # kDLCPU
        t = Tensor._make(_np.from_dlpack(ext_tensor), None, False)
    else:
        cp = cupy_or_none()
        if cp is None:
            raise RuntimeError("from_dlpack: the array lives on a GPU but CUDA is not available here")
        t = Tensor._make(cp.from_dlpack(ext_tensor), None, False)
    if device is not None and _device(device) != t.device:
        if copy is False:
            raise ValueError(f"from_dlpack: copy=False but the array is on {t.device}, not on {_device(device)}")
        return t.to(device)
    return t.clone() if copy else t


def __getattr__(name):
    # the heavier subpackages load on first use, so `import gpugrad` stays fast
    import importlib
    if name in ("nn", "optim", "data", "utils", "train", "kernels", "cli", "serialization", "backends",
                "distributed", "amp", "distributions", "linalg", "func", "testing", "profiler", "version", "jit",
                "multiprocessing", "xpu"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype"):
        from . import amp
        return getattr(amp, name)
    if name == "bfloat16":             # NumPy holds bfloat16 through the optional ml_dtypes package
        try:
            import ml_dtypes
        except ImportError:
            raise AttributeError("gpugrad.bfloat16 needs the ml_dtypes package (pip install ml_dtypes)") from None
        from ._dtype import wrap
        return wrap(ml_dtypes.bfloat16)
    if name in ("set_float32_matmul_precision", "get_float32_matmul_precision"):
        from . import backends
        return getattr(backends, name)
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name == "OutOfMemoryError":        # CuPy's class where CuPy has a GPU (see gpugrad.cuda_info)
        from .cuda_info import out_of_memory_error
        return out_of_memory_error()
    raise AttributeError(f"module 'gpugrad' has no attribute {name!r}")
from .ops.products import dot, vdot, inner, outer, ger, mv, trace  # noqa: E402
from .ops.numeric_more import isin, gradient, vander, adjoint  # noqa: E402
from .array_factories import asarray, frombuffer, empty_strided  # noqa: E402
from ._dtype import uint16, uint32, uint64  # noqa: E402
from .ops.linalg_lu import lu_unpack, lu_solve_deprecated as lu_solve  # noqa: E402
from .ops.linalg_lu import lu_deprecated as lu  # noqa: E402
from .ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: E402
                       conv_transpose3d)
from .ops.tensor_misc import (angle, real, imag, conj, conj_physical, conj_physical_, resolve_conj,  # noqa: E402
                               resolve_neg, is_conj, is_neg, nonzero_static, resize_as_, unsafe_chunk, unsafe_split,
                               unsafe_split_with_sizes)
from .ops.igamma import igamma, igammac  # noqa: E402
from .ops.strided import as_strided, as_strided_, as_strided_scatter, as_strided_copy  # noqa: E402
from .ops.grid_sample import affine_grid_generator, grid_sampler  # noqa: E402
from ._torch_toplevel import TOPLEVEL as _TOPLEVEL  # noqa: E402  (torch.exp_, torch.dropout, hann_window...)
globals().update({_k: _v for _k, _v in _TOPLEVEL.items() if _k not in globals()})
from .ops.pooling import max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices, avg_pool1d  # noqa: E402
from .ops.pooling_adaptive import adaptive_avg_pool1d, adaptive_max_pool1d  # noqa: E402
from .ops.resample import pixel_shuffle, pixel_unshuffle, channel_shuffle  # noqa: E402

# torch.short and torch.int (last: from here on `int` in this module's namespace is the dtype, as in PyTorch)
short = int16
int = int32  # noqa: A001
