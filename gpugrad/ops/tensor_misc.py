"""The Tensor methods a PyTorch training script meets that the op families leave out: the in-place aliases
(``multiply_``, ``divide_``, ``subtract_``), ``fill_diagonal_``, ``sum_to_size``, ``nonzero_static``,
``dim_order`` (``resize_``, ``set_``... from :mod:`.tensor_storage`), the ``unsafe_*`` splits, and
PyTorch's complex-number API as it behaves on real tensors (``real`` is the tensor itself, ``imag`` raises,
``conj``/``resolve_*`` return it, ``angle`` is 0 or pi with a zero gradient) plus the layout and backend flags
(``layout``, ``is_sparse``..., all False). Attached to Tensor by :mod:`gpugrad.ops.methods` (``MISC_METHODS``,
``MISC_PROPERTIES``)."""
from __future__ import annotations

import math

from ..autograd.op import Op
from ..tensor import Tensor
from . import mul_, div_, sub_, chunk, split, sum as _sum, reshape
from .indexing import nonzero
from .tensor_storage import resize_, resize_as_, STORAGE_METHODS  # noqa: F401  (gpugrad.resize_as_ imports it here)
from ..backend import xp_of


def _xp(t):
    return xp_of(t._data)


def _doc_alias(fn, name, of):
    def alias(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    alias.__name__, alias.__qualname__ = name, f"Tensor.{name}"
    alias.__doc__ = f"""``{of}``, under PyTorch's other name (in place; returns this tensor).

    Args:
        *args: as ``Tensor.{of}``.
        **kwargs: as ``Tensor.{of}``.

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> gg.tensor([6.0]).{name}(gg.tensor([2.0]))
    tensor([{ {'multiply_': '12.', 'divide_': '3.', 'subtract_': '4.'}[name] }])
    """
    return alias


multiply_ = _doc_alias(mul_, "multiply_", "mul_")
divide_ = _doc_alias(div_, "divide_", "div_")
subtract_ = _doc_alias(sub_, "subtract_", "sub_")


def fill_diagonal_(self, fill_value, wrap=False):
    """In place: write ``fill_value`` on the main diagonal (the elements whose indices are all equal), as
    PyTorch's ``Tensor.fill_diagonal_``; a tall matrix with ``wrap`` starts the diagonal again every
    ``ncols + 1`` rows.

    Args:
        fill_value: the value written.
        wrap: for a 2-D tensor with more rows than columns + 1, continue the diagonal below (as NumPy's
            ``fill_diagonal``).

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).fill_diagonal_(5.0)
    tensor([[5., 0., 0.],
            [0., 5., 0.]])
    """
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    xp = _xp(self)
    numel = math.prod(shape)
    n = min(shape)
    step = sum(math.prod(shape[d + 1:]) for d in range(len(shape)))     # the C-order stride of (i, i, ...)
    count = -(-numel // step) if wrap and len(shape) == 2 and shape[0] > shape[1] + 1 else n
    flat = xp.zeros(numel, dtype=bool)
    flat[xp.arange(count) * step] = True
    mask = Tensor._make(flat.reshape(shape), None, False)
    return self.masked_fill_(mask, fill_value)


def sum_to_size(self, *size):
    """The sum of this tensor down to ``size``, a shape it broadcasts to (the gradient of broadcasting, as
    PyTorch's ``Tensor.sum_to_size``).

    Args:
        *size: the target size, as ints or one tuple; ``self`` must be expandable from it.

    Returns:
        A tensor of that size (this tensor when the size is already its own).

    >>> import gpugrad as gg
    >>> gg.ones(2, 3).sum_to_size(1, 3)
    tensor([[2., 2., 2.]])
    """
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size, shape = tuple(int(s) for s in size), tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, shape[lead:])):
        raise RuntimeError(f"size {list(size)} is not expandable to size {list(shape)}.")
    if size == shape:
        return self
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    out = _sum(self, dims, keepdim=True)
    return reshape(out, size)


def nonzero_static(input, *, size, fill_value=-1):
    """The indices of the nonzero elements as ``nonzero`` gives them, cut or padded to exactly ``size`` rows
    (padding rows hold ``fill_value``), as PyTorch's ``nonzero_static``.

    Args:
        input: the tensor.
        size: the number of rows of the result.
        fill_value: the value of the padding rows.

    Returns:
        An int64 tensor of shape ``(size, input.ndim)``.

    >>> import gpugrad as gg
    >>> gg.tensor([0, 3, 0, 4]).nonzero_static(size=3)
    tensor([[ 1],
            [ 3],
            [-1]])
    """
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError(f"nonzero_static(): argument 'size' must be int, not {type(size).__name__}")
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got {size}")
    idx = nonzero(input)._data
    xp = _xp(input)
    out = xp.full((size, input.ndim), fill_value, dtype=xp.int64)
    k = min(size, idx.shape[0])
    out[:k] = idx[:k]
    return Tensor._make(out, None, False)


def dim_order(self, *, ambiguity_check=False):
    """The dims from the outermost to the innermost in memory (PyTorch's ``Tensor.dim_order``, by the same
    rule: dims sorted by stride, ties of equal stride by size).

    Args:
        ambiguity_check: True: raise RuntimeError where the order is not unique (a size-1 dim, neighbours of
            equal stride); a list of memory formats: the same, unless the tensor is dense in exactly one of them.

    Returns:
        A tuple of ints, a permutation of the dims.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3, 4).permute(2, 0, 1).dim_order()
    (1, 2, 0)
    """
    from .._formats import memory_format as _format_type
    if not isinstance(ambiguity_check, bool) and (
            not isinstance(ambiguity_check, list) or any(not isinstance(f, _format_type) for f in ambiguity_check)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    shape, st = tuple(self.shape), self.stride()
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    check = ambiguity_check if isinstance(ambiguity_check, bool) else True
    # several legal orders: a size-1 dim (placed anywhere) or two neighbours of equal stride
    several = any(a == b for a, b in zip(st, st[1:])) or any(n == 1 for n in shape)
    if check and several and sum(_contiguous_in(shape, st, f) for f in formats) != 1:
        raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact one of the given "
                           "memory formats.")
    ndim = len(shape)
    if ndim <= 1:
        return tuple(range(ndim))
    if self.is_contiguous():
        return tuple(range(ndim))
    return tuple(_sorted_dims(shape, st, check))


def _contiguous_in(shape, st, fmt):
    """Whether strides ``st`` are the dense ones of memory format ``fmt`` (C order; channels-last: dim 1 last)."""
    order = {"contiguous_format": list(range(len(shape))),
             "channels_last": [0, 2, 3, 1] if len(shape) == 4 else None,
             "channels_last_3d": [0, 2, 3, 4, 1] if len(shape) == 5 else None}.get(str(fmt).split(".")[-1])
    if order is None:
        return False
    expect = 1
    for d in reversed(order):
        if shape[d] != 1 and st[d] != expect:
            return False
        expect *= shape[d]
    return True


def _ge(a, b):
    return True if b == 0 else False if a == 0 else a >= b or a % b == 0


def _should_swap(shape, st, a, b):
    """PyTorch's comparison of two dims (torch._prims_common): 1 if ``a`` lies inside ``b``, -1 if outside, 0
    if undecided."""
    sa, sb = st[a], st[b]
    if sa == 0 or sb == 0:
        return 0
    if sa == sb:
        return 0 if _ge(shape[b], shape[a]) else 1
    if _ge(sb, sa):
        return -1
    return 1 if _ge(sa, sb) else 0


def _sorted_dims(shape, st, check):
    ndim = len(shape)
    perm = list(reversed(range(ndim)))
    for i in range(1, ndim):
        d1 = i
        for d0 in reversed(range(i)):
            c = _should_swap(shape, st, perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    if check and any(_should_swap(shape, st, perm[i], perm[i + 1]) != -1 for i in range(ndim - 1)):
        raise RuntimeError("The tensor does not have unique dim order.")
    return list(reversed(perm))


def unsafe_chunk(input, chunks, dim=0):
    """:func:`gpugrad.chunk` (PyTorch's ``unsafe_chunk``: the same pieces, without the view checks).

    Args:
        input: the tensor.
        chunks: the number of pieces.
        dim: the dim split along.

    Returns:
        A tuple of tensors.

    >>> import gpugrad as gg
    >>> [p.tolist() for p in gg.arange(4).unsafe_chunk(2)]
    [[0, 1], [2, 3]]
    """
    return chunk(input, chunks, dim)


def unsafe_split(input, split_size, dim=0):
    """:func:`gpugrad.split` (PyTorch's ``unsafe_split``: the same pieces, without the view checks).

    Args:
        input: the tensor.
        split_size: the size of each piece (the last may be smaller), or a list of sizes.
        dim: the dim split along.

    Returns:
        A tuple of tensors.

    >>> import gpugrad as gg
    >>> [p.tolist() for p in gg.arange(3).unsafe_split(2)]
    [[0, 1], [2]]
    """
    return split(input, split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """:func:`gpugrad.split_with_sizes` (PyTorch's ``unsafe_split_with_sizes``: the same pieces).

    Args:
        input: the tensor.
        split_sizes: the size of each piece along ``dim``.
        dim: the dim split along.

    Returns:
        A tuple of tensors.

    >>> import gpugrad as gg
    >>> [p.tolist() for p in gg.unsafe_split_with_sizes(gg.arange(3), [1, 2])]
    [[0], [1, 2]]
    """
    from .splits import split_with_sizes
    return split_with_sizes(input, split_sizes, dim)


# -- the complex-number API on real tensors ------------------------------------------------------------------
def _identity_doc(name, what):
    def plain(input):
        if input.dtype.kind == "c" and name in ("conj", "conj_physical"):
            from .methods_info import _conj_view
            return _conj_view(input, input)
        return input

    def with_out(input, *, out=None):
        res = plain(input)
        return res if out is None else out.copy_(res)
    fn = with_out if name == "conj_physical" else plain
    fn.__name__ = fn.__qualname__ = name
    out = "\n        out: an optional tensor the result is written into (returned)." if name == "conj_physical" else ""
    fn.__doc__ = f"""{what} (PyTorch's ``{name}``): on a real tensor, the tensor itself.

    Args:
        input: the tensor (``self`` as a method).{out}

    Returns:
        ``input`` (a real tensor), or its conjugate for a complex one (without gradient).

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, -2.0])
    >>> gg.{name}(x) is x
    True
    """
    return fn


conj = _identity_doc("conj", "The complex conjugate, as a lazy view")
conj_physical = _identity_doc("conj_physical", "The complex conjugate, materialized")
resolve_conj = _identity_doc("resolve_conj", "The tensor with a pending conjugation applied")
resolve_neg = _identity_doc("resolve_neg", "The tensor with a pending negation applied")


def conj_physical_(input):
    """In place: conjugate the elements (PyTorch's ``conj_physical_``); a real tensor is left as it is.

    Args:
        input: the tensor (``self`` as a method).

    Returns:
        ``input``.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0]).conj_physical_()
    tensor([1.])
    """
    if input.dtype.kind == "c":
        input._data[...] = input._data.conj()
        input._vc[0] += 1
    return input


def is_conj(input):
    """Whether the tensor carries a pending conjugation: False (gpugrad conjugates eagerly).

    Args:
        input: the tensor.

    Returns:
        False.

    >>> import gpugrad as gg
    >>> gg.is_conj(gg.ones(2))
    False
    """
    return False


def is_neg(input):
    """Whether the tensor carries a pending negation: False (gpugrad negates eagerly).

    Args:
        input: the tensor.

    Returns:
        False.

    >>> import gpugrad as gg
    >>> gg.ones(2).is_neg()
    False
    """
    return False


def real(input):
    """The real part: a real tensor itself (PyTorch's ``torch.real``); of a complex one, its real part.

    Args:
        input: the tensor.

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> x = gg.ones(2)
    >>> gg.real(x) is x
    True
    """
    if input.dtype.kind == "c":
        return Tensor._make(input._data.real, None, False, input._vc)
    return input


def imag(input):
    """The imaginary part of a complex tensor (PyTorch's ``torch.imag``); a real tensor has none and raises
    RuntimeError, as in PyTorch.

    Args:
        input: a complex tensor.

    Returns:
        A real tensor (a view of input's imaginary parts).

    >>> import gpugrad as gg
    >>> try:
    ...     gg.ones(1).imag
    ... except RuntimeError as e:
    ...     print(e)
    imag is not implemented for tensors with non-complex dtypes.
    """
    if input.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Tensor._make(input._data.imag, None, False, input._vc)


class Angle(Op):
    """out = angle(x) for real x: pi where x < 0, else 0 (NaN stays NaN); the derivative is 0 everywhere
    (PyTorch's for real inputs)."""

    def forward(self, x):
        xp = self.xp
        self.shape = x.shape
        return xp.where(x < 0, xp.asarray(math.pi, dtype=x.dtype), xp.where(x != x, x, 0)).astype(x.dtype)

    def backward(self, g):
        return g * 0 if isinstance(g, Tensor) else self.xp.zeros(self.shape, g.dtype)

    def jvp(self, t):
        return t * 0


def angle(input, *, out=None):
    """The argument of each element in radians: for real tensors pi where negative, else 0 (NaN stays NaN),
    with a zero gradient, as PyTorch's ``torch.angle``; integers and bools give the default float dtype.

    Args:
        input: the tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A float tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.angle(gg.tensor([-2.0, 0.0, 3.0]))
    tensor([3.1416, 0.0000, 0.0000])
    """
    from .umath_unary import _as_float
    if input.dtype.kind == "c":
        res = Tensor._make(_xp(input).angle(input._data), None, False)
    else:
        res = Angle.apply(_as_float(input))
    return res if out is None else out.copy_(res.detach() if res.requires_grad else res)


def _false(name):
    def prop(self):
        return False
    prop.__name__ = name
    prop.__doc__ = f"""``{name}``: False (gpugrad's tensors are dense, strided and not quantized).

    >>> import gpugrad as gg
    >>> gg.ones(1).{name}
    False
    """
    return prop


def _layout(self):
    """The layout: ``gpugrad.strided``, the only one.

    >>> import gpugrad as gg
    >>> gg.ones(1).layout
    gpugrad.strided
    """
    from .._formats import strided
    return strided


def _name(self):
    """The tensor's name (PyTorch's named tensors): None.

    >>> import gpugrad as gg
    >>> gg.ones(1).name is None
    True
    """
    return None


_FLAGS = ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_xpu", "is_mps", "is_nested",
          "is_vulkan", "is_xla", "is_ipu", "is_maia", "is_mtia")

#: the Tensor methods of this family (merged into Tensor by methods.py)
MISC_METHODS = dict(
    multiply_=multiply_, divide_=divide_, subtract_=subtract_, fill_diagonal_=fill_diagonal_,
    sum_to_size=sum_to_size, nonzero_static=nonzero_static,
    dim_order=dim_order, unsafe_chunk=unsafe_chunk, unsafe_split=unsafe_split,
    unsafe_split_with_sizes=unsafe_split_with_sizes, conj=conj,
    conj_physical=conj_physical, conj_physical_=conj_physical_, resolve_conj=resolve_conj,
    resolve_neg=resolve_neg, is_conj=is_conj, is_neg=is_neg, angle=angle, **STORAGE_METHODS)
#: the properties of this family
MISC_PROPERTIES = dict(real=real, imag=imag, layout=_layout, name=_name, **{n: _false(n) for n in _FLAGS})
