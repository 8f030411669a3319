"""Fused optimizer steps over flat contiguous 1-D buffers, in place, one launch for every parameter of a
group. Twin of kernels/optim.cu (kernels ``sgd_step<T>``, ``adam_step<T>``, ``rmsprop_step<T>``,
``adagrad_step<T>``, ``fill<T>``). The formulas are torch.optim's single-tensor ones, listed in optim.cu.

Each step exists as ``<name>_reference`` (plain xp; the specification) and ``<name>(..., impl=)``, with the
same signature. Buffers an option does not use may be None; ``step`` is the 1-based step count after its
increment. Example, one Adam step over a flat group::

    >>> import numpy as np
    >>> from gpugrad.kernels.optim import adam_step
    >>> p = np.ones(5, np.float32); g = np.full(5, 0.5, np.float32)
    >>> m, v = np.zeros(5, np.float32), np.zeros(5, np.float32)
    >>> adam_step(p, g, m, v, None, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
    ...           decoupled_weight_decay=False, amsgrad=False, maximize=False)
    >>> round(float(p[0]), 4)                     # the first Adam step moves by lr (times sign(g))
    0.9
"""
from __future__ import annotations

import math

import numpy as np
import numba
from numba import njit, prange

from . import select
from ..backend import xp_of
from ._blas import busy
from ._launch import CudaKernels, launch, NULL, scalar_type, dtype_name, numba_array

KERNELS = tuple(f"{k}<{t}>" for k in ("sgd_step", "adam_step", "rmsprop_step", "adagrad_step", "fill")
                for t in ("float", "double"))


# -- reference (plain xp: the specification) ------------------------------------------------------------------
def sgd_step_reference(param, grad, momentum_buf, *, lr, momentum, dampening, nesterov, weight_decay, maximize,
                       first_step):
    """The reference update, in place on raw arrays (NumPy or CuPy): the specification the fused kernels are tested against.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        momentum_buf: the momentum buffer (updated in place) or None.
        lr: the learning rate.
        momentum: momentum factor.
        dampening: dampening of the momentum.
        nesterov: Nesterov momentum.
        weight_decay: L2 penalty.
        maximize: ascend instead.
        first_step: whether this is the first step (the buffer starts at the gradient).

    Returns:
        None.

    >>> import numpy as np, gpugrad.optim.functional as OF
    >>> p, g = np.array([1.0, 2.0]), np.array([0.5, 0.5])
    >>> OF.sgd_step(p, g, None, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
    ...             maximize=False, first_step=True)
    >>> p.tolist()
    [0.95, 1.95]
    """
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    if momentum:
        if first_step:                                 # torch: the buffer starts as a copy of the gradient
            momentum_buf[...] = g
        else:
            momentum_buf *= momentum
            momentum_buf += (1 - dampening) * g
        g = g + momentum * momentum_buf if nesterov else momentum_buf
    param -= lr * g


def _adam_moments(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, weight_decay, decoupled_weight_decay,
                  maximize):
    """What Adam, NAdam and RAdam share, in place: g = +-grad; decoupled decay p <- p (1 - lr wd) or L2
    g <- g + wd p;  m <- lerp(m, g, 1-b1);  v <- b2 v + (1-b2) g^2. Returns g."""
    g = -grad if maximize else grad
    if weight_decay:
        if decoupled_weight_decay:                     # AdamW: p *= 1 - lr wd
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    exp_avg += (1 - beta1) * (g - exp_avg)             # torch's lerp(m, g, 1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    return g


def adam_step_reference(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, beta1, beta2, eps,
                        weight_decay, decoupled_weight_decay, amsgrad, maximize):
    """The reference update, in place on raw arrays (NumPy or CuPy): the specification the fused kernels are tested against.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        exp_avg: first moment average (in place).
        exp_avg_sq: second moment average (in place).
        max_exp_avg_sq: AMSGrad's running maximum (in place) or None.
        step: the step number t, from 1.
        lr: the learning rate.
        beta1: first moment decay.
        beta2: second moment decay.
        eps: added to the denominator.
        weight_decay: the weight decay.
        decoupled_weight_decay: AdamW's decay instead of L2.
        amsgrad: use the running maximum.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np, gpugrad.optim.functional as OF
    >>> p, g = np.array([1.0]), np.array([2.0])
    >>> m, v = np.zeros(1), np.zeros(1)
    >>> OF.adam_step(p, g, m, v, None, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
    ...              decoupled_weight_decay=False, amsgrad=False, maximize=False)
    >>> round(float(p[0]), 6)                  # the first step moves lr in the gradient's sign
    0.9
    """
    xp = xp_of(param)
    _adam_moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                  decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
    v = exp_avg_sq
    if amsgrad:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    step_size = lr / (1 - beta1 ** step)
    denom = xp.sqrt(v) / math.sqrt(1 - beta2 ** step) + eps
    param -= step_size * exp_avg / denom


def rmsprop_step_reference(param, grad, square_avg, momentum_buf, grad_avg, *, lr, alpha, eps, weight_decay,
                           momentum, centered, maximize):
    """The reference update, in place on raw arrays (NumPy or CuPy): the specification the fused kernels are tested against.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        square_avg: the squared-gradient average (in place).
        momentum_buf: the momentum buffer (in place) or None.
        grad_avg: the gradient average for ``centered`` (in place) or None.
        lr: the learning rate.
        alpha: the decay rate.
        eps: added to the denominator.
        weight_decay: L2 penalty.
        momentum: momentum factor.
        centered: normalize by the variance estimate.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np, gpugrad.optim.functional as OF
    >>> p, g, s = np.array([1.0]), np.array([2.0]), np.zeros(1)
    >>> OF.rmsprop_step(p, g, s, None, None, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
    ...                 centered=False, maximize=False)
    >>> round(float(p[0]), 4)
    0.9
    """
    xp = xp_of(param)
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    square_avg *= alpha
    square_avg += (1 - alpha) * g * g
    if centered:
        grad_avg += (1 - alpha) * (g - grad_avg)
        avg = xp.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = xp.sqrt(square_avg)
    avg += eps
    if momentum > 0:
        momentum_buf *= momentum
        momentum_buf += g / avg
        param -= lr * momentum_buf
    else:
        param -= lr * g / avg


def adagrad_step_reference(param, grad, state_sum, *, step, lr, lr_decay, weight_decay, initial_accumulator_value,
                           eps, maximize):
    """At ``step == 1`` the accumulator is (re)started at ``initial_accumulator_value``, as torch's state init.

    The reference update, in place on raw arrays (NumPy or CuPy): the specification the fused kernels are tested against.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        state_sum: the sum of squared gradients (in place).
        step: the step number, from 1.
        lr: the learning rate.
        lr_decay: the learning rate decay.
        weight_decay: L2 penalty.
        initial_accumulator_value: the sum's starting value.
        eps: added to the denominator.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np, gpugrad.optim.functional as OF
    >>> p, g, s = np.array([1.0]), np.array([2.0]), np.zeros(1)
    >>> OF.adagrad_step(p, g, s, step=1, lr=0.1, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
    ...                 eps=1e-10, maximize=False)
    >>> round(float(p[0]), 6)
    0.9
    """
    xp = xp_of(param)
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    clr = lr / (1 + (step - 1) * lr_decay)
    if step == 1:
        state_sum[...] = initial_accumulator_value
    state_sum += g * g
    param -= clr * g / (xp.sqrt(state_sum) + eps)


def fill_reference(buf, value):
    buf.fill(value)


# -- Numba (CPU) ------------------------------------------------------------------------------------------------
# Scalars arrive typed like the buffers (float32 math for float32 buffers, as the reference and the GPU do);
# unused buffers arrive as empty arrays (one compiled signature per dtype, not one per option set).
@njit(parallel=True, cache=True)
def _sgd_numba(p, grad, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov, maximize, first_step):
    use_buf = buf.size > 0
    for i in prange(p.size):
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + weight_decay * p[i]
        if use_buf:
            b = g if first_step else momentum * buf[i] + one_minus_dampening * g
            buf[i] = b
            g = g + momentum * b if nesterov else b
        p[i] = p[i] - lr * g


@njit(parallel=True, cache=True)
def _adam_numba(p, grad, exp_avg, exp_avg_sq, vmax, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay,
                decay_factor, step_size, bc2_sqrt, decoupled, maximize):
    amsgrad = vmax.size > 0
    # A multiply whose result underflows is microcoded: gradients below 1e-19 (20% of an MLP's at batch 1)
    # made a 670k-parameter float32 step 1.0 ms instead of 0.35 on the project's AVX2 machine. Where
    # (1 - beta2) g^2 is below a quarter of the smallest normal and beta2 v is at least 4 tiny / eps (2^-101
    # in float32), the sum rounds to beta2 v whatever the square is, so such lanes square 0 instead: the same
    # floats, no underflow. (NaN and inf fail the comparison and are squared.)
    tiny = np.finfo(p.dtype).tiny
    th = np.empty(3, p.dtype)                           # the thresholds in the buffers' dtype
    th[0] = np.sqrt(0.25 * tiny / one_minus_beta2) if one_minus_beta2 > 0 else 0    # (beta2 >= 1: never)
    th[1] = 4 * tiny / np.finfo(p.dtype).eps
    th[2] = 0
    g_min, v_exact, zero = th[0], th[1], th[2]
    for i in prange(p.size):
        g = -grad[i] if maximize else grad[i]
        pi = p[i]
        if weight_decay != 0:
            if decoupled:
                pi = pi * decay_factor
            else:
                g = g + weight_decay * pi
        m = exp_avg[i]
        m = m + one_minus_beta1 * (g - m)
        bv = beta2 * exp_avg_sq[i]
        gs = zero if abs(g) < g_min and bv >= v_exact else g
        v = bv + one_minus_beta2 * gs * gs
        exp_avg[i] = m
        exp_avg_sq[i] = v
        if amsgrad:
            v = v if v > vmax[i] else vmax[i]
            vmax[i] = v
        denom = np.sqrt(v) / bc2_sqrt + eps
        p[i] = pi - step_size * m / denom


@njit(parallel=True, cache=True)
def _rmsprop_numba(p, grad, square_avg, buf, grad_avg, lr, alpha, one_minus_alpha, eps, weight_decay, momentum,
                   maximize):
    centered = grad_avg.size > 0
    use_buf = buf.size > 0
    for i in prange(p.size):
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + weight_decay * p[i]
        v = alpha * square_avg[i] + one_minus_alpha * g * g
        square_avg[i] = v
        if centered:
            ga = grad_avg[i]
            ga = ga + one_minus_alpha * (g - ga)
            grad_avg[i] = ga
            d = np.sqrt(v - ga * ga)
        else:
            d = np.sqrt(v)
        d = d + eps
        if use_buf:
            b = momentum * buf[i] + g / d
            buf[i] = b
            p[i] = p[i] - lr * b
        else:
            p[i] = p[i] - lr * g / d


@njit(parallel=True, cache=True)
def _adagrad_numba(p, grad, state_sum, clr, weight_decay, init, eps, first_step, maximize):
    for i in prange(p.size):
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + weight_decay * p[i]
        s = (init if first_step else state_sum[i]) + g * g
        state_sum[i] = s
        p[i] = p[i] - clr * g / (np.sqrt(s) + eps)


# -- CUDA --------------------------------------------------------------------------------------------------------
CUDA = CudaKernels("optim", KERNELS)

# Each step is described once: the scalars every implementation receives (computed here in double precision,
# then rounded to the buffers' dtype, exactly as the reference's NumPy/CuPy arithmetic rounds them), the
# buffers (None -> null pointer / empty array) and the int flags, in the order of the kernel's parameters.


def _sgd_args(o):
    return ((o["lr"], o["momentum"], 1 - o["dampening"], o["weight_decay"]),
            (o["nesterov"], o["maximize"], o["first_step"]))


def _adam_args(o):
    b1, b2, t = o["beta1"], o["beta2"], o["step"]
    return ((1 - b1, b2, 1 - b2, o["eps"], o["weight_decay"], 1 - o["lr"] * o["weight_decay"],
             o["lr"] / (1 - b1 ** t), math.sqrt(1 - b2 ** t)),
            (o["decoupled_weight_decay"], o["maximize"]))


def _rmsprop_args(o):
    return ((o["lr"], o["alpha"], 1 - o["alpha"], o["eps"], o["weight_decay"], o["momentum"]), (o["maximize"],))


def _adagrad_args(o):
    return ((o["lr"] / (1 + (o["step"] - 1) * o["lr_decay"]), o["weight_decay"], o["initial_accumulator_value"],
             o["eps"]), (o["step"] == 1, o["maximize"]))


_STEPS = {  # name: (buffer names, reference, scalar/flag builder, Numba kernel)
    "sgd_step": (("param", "grad", "momentum_buf"), sgd_step_reference, _sgd_args, _sgd_numba),
    "adam_step": (("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), adam_step_reference, _adam_args,
                  _adam_numba),
    "rmsprop_step": (("param", "grad", "square_avg", "momentum_buf", "grad_avg"), rmsprop_step_reference,
                     _rmsprop_args, _rmsprop_numba),
    "adagrad_step": (("param", "grad", "state_sum"), adagrad_step_reference, _adagrad_args, _adagrad_numba),
}


def _needed(name, o):
    """Which buffers the options use (the others are never read, even when given)."""
    if name == "sgd_step":
        return True, True, bool(o["momentum"])
    if name == "adam_step":
        return True, True, True, True, bool(o["amsgrad"])
    if name == "rmsprop_step":
        return True, True, True, o["momentum"] > 0, bool(o["centered"])
    return True, True, True


def _checked(name, names, bufs, opts):
    """The buffers with unused ones set to None, after checking that the used ones are flat, contiguous and
    alike (one dtype, one size, one device)."""
    p = bufs[0]
    out = []
    for nm, b, need in zip(names, bufs, _needed(name, opts)):
        if not need:
            out.append(None)
            continue
        if b is None:
            raise ValueError(f"{name}: {nm} is required with these options, got None")
        if type(b) is not type(p):
            raise ValueError(f"{name}: {nm} is a {type(b).__module__} array but param is a "
                             f"{type(p).__module__} array; all buffers must be on one device")
        if b.ndim != 1 or b.shape != p.shape or b.dtype != p.dtype or not b.flags.c_contiguous:
            raise ValueError(f"{name}: every buffer must be a flat contiguous 1-D array like param "
                             f"({tuple(p.shape)} {p.dtype}); {nm} is {tuple(b.shape)} {b.dtype}"
                             f"{'' if b.flags.c_contiguous else ', not contiguous'}")
        out.append(b)
    return out


#: flat sizes from which the (parallel) Numba step beats the NumPy reference: waking the worker threads costs
#: 15-100 us on the shared 2-core CPU dev machine (more under load), so below ~50k parameters NumPy's passes
#: are cheaper; measured crossovers 16k (idle) to 130k (load 7), (`python -m gpugrad.bench.kernels
#: --crossover`; BENCHMARKS.md "Fused kernels")
NUMBA_MIN_SIZE = 65536
#: below this many parameters, or while the machine is busy (other processes hold half the cores, _blas.busy), the
#: Numba step runs on one thread: it is memory-bound (a 670k-parameter Adam step took 0.3 ms on one thread and
#: 0.36-0.62 ms on two at load 7), and inside a training step waking the workers measured up to 4.9 ms
PARALLEL_MIN_SIZE = 1 << 22


def _step(name, bufs, opts, impl, kernels=CUDA):
    names, reference, build, numba_fn = _STEPS[name]
    bufs = _checked(name, names, bufs, opts)
    p = bufs[0]
    fusable = p.dtype in (np.float32, np.float64)
    # another kernel set than the GPU's (the tests' host simulation of the .cu) runs the CUDA path on any array
    which = "cuda" if kernels is not CUDA else select(name, p, impl, lambda: p.size >= NUMBA_MIN_SIZE and fusable)
    if which == "reference" or not fusable:
        reference(*bufs, **opts)
        return
    T = scalar_type(p.dtype)
    scalars, flags = build(opts)
    scalars = [T(s) for s in scalars]
    if which == "numba":
        empty = p[:0]
        bufs[1] = numba_array(bufs[1])                 # a read-only gradient would be another Numba type
        args = [empty if b is None else b for b in bufs] + scalars + [bool(f) for f in flags]
        if p.size < PARALLEL_MIN_SIZE or busy():       # one thread (see PARALLEL_MIN_SIZE)
            prev = numba.get_num_threads()
            numba.set_num_threads(1)
            try:
                numba_fn(*args)
            finally:
                numba.set_num_threads(prev)
        else:
            numba_fn(*args)
        return
    launch(kernels, f"{name}<{dtype_name(p.dtype)}>", p.size, *[NULL if b is None else b for b in bufs],
           np.int64(p.size), *scalars, *[np.int32(bool(f)) for f in flags])


def sgd_step(param, grad, momentum_buf, *, lr, momentum, dampening, nesterov, weight_decay, maximize, first_step,
             impl="auto", _kernels=CUDA):
    """In-place SGD (torch.optim.SGD's formula) over flat buffers; ``momentum_buf`` may be None without momentum."""
    _step("sgd_step", (param, grad, momentum_buf),
          dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
               maximize=maximize, first_step=first_step), impl, _kernels)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, beta1, beta2, eps, weight_decay,
              decoupled_weight_decay, amsgrad, maximize, impl="auto", _kernels=CUDA):
    """In-place Adam / AdamW (``decoupled_weight_decay=True``) over flat buffers; ``max_exp_avg_sq`` may be None
    without amsgrad."""
    _step("adam_step", (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq),
          dict(step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
               decoupled_weight_decay=decoupled_weight_decay, amsgrad=amsgrad, maximize=maximize), impl, _kernels)


def rmsprop_step(param, grad, square_avg, momentum_buf, grad_avg, *, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize, impl="auto", _kernels=CUDA):
    """In-place RMSprop over flat buffers; ``momentum_buf`` / ``grad_avg`` may be None without momentum /
    centering."""
    _step("rmsprop_step", (param, grad, square_avg, momentum_buf, grad_avg),
          dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
               maximize=maximize), impl, _kernels)


def adagrad_step(param, grad, state_sum, *, step, lr, lr_decay, weight_decay, initial_accumulator_value, eps,
                 maximize, impl="auto", _kernels=CUDA):
    """In-place Adagrad over flat buffers (at ``step == 1`` ``state_sum`` restarts at
    ``initial_accumulator_value``)."""
    _step("adagrad_step", (param, grad, state_sum),
          dict(step=step, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
               initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize), impl, _kernels)


def fill_(buf, value, *, impl="auto", _kernels=CUDA):
    """``buf[:] = value`` for a flat buffer in one op (one launch on the GPU; NumPy's memset-speed fill on
    the CPU, which no Numba loop beats)."""
    which = "cuda" if _kernels is not CUDA else select("fill_", buf, impl, lambda: False)
    if (which in ("reference", "numba") or buf.dtype not in (np.float32, np.float64) or buf.ndim != 1
            or not buf.flags.c_contiguous):        # the kernel writes n consecutive elements from buf's start
        fill_reference(buf, value)
        return buf
    launch(_kernels, f"fill<{dtype_name(buf.dtype)}>", buf.size, buf, np.int64(buf.size),
           scalar_type(buf.dtype)(value))
    return buf


def zero_(buf, *, impl="auto", _kernels=CUDA):
    """Zero a flat gradient buffer in one op."""
    return fill_(buf, 0, impl=impl, _kernels=_kernels)
