"""PyTorch's layout and memory-format constants (``torch.strided``, ``torch.contiguous_format``...), accepted
where PyTorch takes them, and checked: gpugrad's tensors are always strided (dense) and its copies C-ordered,
so only the values that describe that are honoured; the others raise, naming the call."""
from __future__ import annotations


class _Named:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"gpugrad.{self.name}"

    def __reduce__(self):
        return self.name


class layout(_Named):
    """A tensor layout; gpugrad has only ``strided`` (dense) tensors."""
    __slots__ = ()


class memory_format(_Named):
    """A memory format; gpugrad's copies are C-contiguous (``contiguous_format``)."""
    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def check_layout(op, value):
    """None or ``strided``; any other layout (PyTorch's sparse ones) is an error naming ``op``."""
    if value is not None and value is not strided:
        raise NotImplementedError(f"{op}: layout={value!r} is not supported; gpugrad tensors are dense "
                                  f"(layout=gpugrad.strided)")


def check_memory_format(op, value):
    """None, ``preserve_format`` or ``contiguous_format``; channels-last is an error naming ``op``."""
    if value is not None and value is not preserve_format and value is not contiguous_format:
        raise NotImplementedError(f"{op}: memory_format={value!r} is not supported; gpugrad's copies are "
                                  f"C-contiguous (contiguous_format)")
