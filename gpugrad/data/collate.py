"""Collating samples into batches, case by case as ``torch.utils.data.default_collate`` / ``default_convert``.

The element type of the first sample decides (checked in this order, as PyTorch does):

| first sample | batch |
|---|---|
| Tensor | ``stack`` along a new first dimension |
| NumPy (or CuPy) array | each made a tensor, then stacked; string/object arrays are a TypeError |
| NumPy scalar | ``as_tensor`` of the list (the scalars' dtype) |
| float | a float64 tensor |
| int, bool | ``tensor`` of the list (int64, or bool when all are bools) |
| str, bytes | the samples unchanged |
| Mapping | the same kind of mapping, collated key by key |
| namedtuple | the same namedtuple, collated field by field |
| tuple | a **list**, collated position by position (as PyTorch) |
| other Sequence | the same kind of sequence when it can be rebuilt, else a list |

>>> import gpugrad as gg
>>> gg.data.default_collate([(0, 1.5), (2, 2.5)])
[tensor([0, 2]), tensor([1.5000, 2.5000], dtype=gpugrad.float64)]
"""
from __future__ import annotations

import collections.abc
import copy
import functools
import re

import numpy as np

from .. import _dtype
from .._typeinfo import promote_types
from ..backend import is_device_array
from ..ops.shape import stack
from ..tensor import Tensor, as_tensor, tensor

__all__ = ["default_collate", "default_convert"]

_STR_OR_OBJECT = re.compile(r"[SaUO]")       # NumPy dtype codes that cannot become a tensor
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _rebuild_mapping(elem, values):
    """``values`` (a dict) in the container kind of ``elem``: a copy of a mutable mapping (so defaultdicts,
    OrderedDicts keep their type and attributes), the type called on a dict otherwise, a dict if that fails."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _rebuild_sequence(elem, values):
    """``values`` (a list) in the container kind of ``elem`` (a non-tuple sequence), a list if that fails."""
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _scalar_dtype(v):
    """The dtype PyTorch infers for one scalar: a NumPy scalar's own, int64/bool/default float for Python's."""
    if isinstance(v, np.generic):
        return v.dtype
    if isinstance(v, (bool, int)):
        return np.dtype(bool) if isinstance(v, bool) else np.dtype(np.int64)
    default = _dtype.get_default_dtype()
    if isinstance(v, complex):
        return np.dtype(np.complex128 if default == np.float64 else np.complex64)
    return default


def _numpy_scalars(batch):
    """``torch.as_tensor(batch)`` of NumPy scalars: their own dtypes (float64 stays float64), combined by
    PyTorch's promotion table (int64 with float32 is float32), not NumPy's."""
    dt = functools.reduce(promote_types, (_scalar_dtype(v) for v in batch))
    return tensor(np.array(batch, dtype=dt))


def default_collate(batch):
    """Put a list of samples into a batch, as ``torch.utils.data.default_collate`` does, type by type (see
    the module's table): tensors, arrays and numbers are stacked along a new first dimension, containers are
    collated element by element and keep their kind, except tuples, which become lists (as in PyTorch).

    Args:
        batch: a sequence of samples, all of the same structure.

    Returns:
        The batch: a Tensor, or the samples' container structure with Tensors at the leaves (strings and
        bytes stay as the sequence of samples).

    Raises:
        TypeError: a sample type that cannot be batched (``None``, string or object arrays, other objects).
        RuntimeError: sequences of different lengths, or tensors of different shapes.

    >>> import gpugrad as gg
    >>> xb, yb = gg.data.default_collate([(gg.tensor([1.0, 2.0]), 0), (gg.tensor([3.0, 4.0]), 1)])
    >>> xb.shape, yb.tolist()
    (gpugrad.Size([2, 2]), [0, 1])
    >>> gg.data.default_collate([{"name": "a", "y": 0}, {"name": "b", "y": 1}])
    {'name': ['a', 'b'], 'y': tensor([0, 1])}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray) or is_device_array(elem):
        if _STR_OR_OBJECT.search(elem.dtype.str) is not None:
            raise TypeError(_ERR.format(elem.dtype))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return _numpy_scalars(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(s) != size for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(samples) for samples in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild_sequence(elem, columns)
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Make each NumPy array (and NumPy scalar) inside ``data`` a Tensor, keeping the structure, as
    ``torch.utils.data.default_convert`` does; the DataLoader's default when it does not batch
    (``batch_size=None``). Tuples become lists, as in PyTorch; other values are left as they are.

    Args:
        data: one sample.

    Returns:
        The sample with its arrays as Tensors.

    >>> import numpy as np, gpugrad as gg
    >>> gg.data.default_convert((np.arange(2), "a", 3))
    [tensor([0, 1]), 'a', 3]
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) or is_device_array(data):
        return data if _STR_OR_OBJECT.search(data.dtype.str) is not None else as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
