"""64-byte alignment (issue 11): the flat optimizer buffers, every parameter's view in them, and the
aligned allocation helper; the zero gaps between views stay zero through every update rule."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import optim
from gpugrad.kernels import _aligned

SHAPES = [(3, 5), (7,), (), (2, 3, 3), (16,), (1,)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("shape", [(0,), (1,), (3, 5), (64,), (1000, 3)])
def test_aligned_empty(dtype, shape):
    for _ in range(5):                   # several allocations: malloc's offsets vary between them
        a = _aligned.empty(shape, dtype)
        assert (a.size == 0 or a.ctypes.data % 64 == 0) and a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
        assert a.flags.writeable
    assert _aligned.full(shape, 2, dtype).tolist() == np.full(shape, 2, dtype).tolist()


def test_pad_to():
    assert [_aligned.pad_to(n, 4) for n in (0, 1, 15, 16, 17)] == [0, 16, 16, 16, 32]
    assert [_aligned.pad_to(n, 8) for n in (1, 8, 9)] == [8, 8, 16]


@pytest.mark.parametrize("name", ["Adam", "SGD", "RMSprop", "Adagrad"])
def test_every_view_of_a_flat_buffer_starts_a_cache_line_and_the_gaps_stay_zero(name):
    gg.manual_seed(0)
    ws = [gg.randn(*s, requires_grad=True) for s in SHAPES]
    kw = {"SGD": dict(momentum=0.9, weight_decay=0.1), "Adam": dict(weight_decay=0.1, amsgrad=True),
          "RMSprop": dict(centered=True, momentum=0.5), "Adagrad": dict(initial_accumulator_value=0.5)}[name]
    opt = getattr(optim, name)(ws, lr=0.1, **kw)
    flat = opt._flats[0][0]
    for w in ws:
        assert w._data.ctypes.data % 64 == 0
    for _ in range(3):
        opt.zero_grad()
        sum((w * w * w).sum() for w in ws).backward()
        for w in ws:
            assert w.grad._data.ctypes.data % 64 == 0
        opt.step()
    covered = np.zeros(flat.param.size, bool)
    for s in flat.slices:
        covered[s] = True
    assert not covered.all()             # there are gaps in this layout
    for arr in [flat.param, flat.grad] + [b for k, b in flat.buffers.items() if k != "sum"]:
        assert arr.ctypes.data % 64 == 0
        assert not arr[~covered].any()
