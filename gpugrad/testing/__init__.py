"""``gpugrad.testing``, as ``torch.testing``: :func:`assert_close` (and the deprecated :func:`assert_allclose`)
to compare results, :func:`make_tensor` to make random inputs.

>>> import gpugrad as gg
>>> gg.testing.assert_close({"w": gg.ones(2)}, {"w": gg.ones(2)})
"""
from ._comparison import assert_close, assert_allclose
from ._creation import make_tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]
