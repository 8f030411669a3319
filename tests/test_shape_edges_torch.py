"""Edge cases of shape functions against PyTorch: split of a 0-d tensor and with a zero or negative size,
pad with an empty pad list (a 0-d tensor too), t() of a 3-d tensor, and out= with a plain tuple result."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.ops._util import write_out

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("case", ["lib.split(lib.tensor(3.0), 1)", "lib.split(lib.zeros(5), 0)",
                                  "lib.split(lib.zeros(5), -1)", "lib.split(lib.zeros(2, 3), 0, 1)",
                                  "lib.t(lib.zeros(2, 2, 2))"])
def test_errors_match_pytorch(case):
    msgs = []
    for lib in (gg, torch):
        with pytest.raises(RuntimeError) as info:
            eval(case)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("case", ["lib.split(lib.zeros(0, 2), 0)", "lib.split(lib.zeros(0), 2)",
                                  "lib.split(lib.zeros(3, 0), 0, 1)", "lib.split(lib.zeros(5), 2)"])
def test_split_shapes_match_pytorch(case):
    shapes = [[tuple(p.shape) for p in eval(case)] for lib in (gg, torch)]
    assert shapes[0] == shapes[1]


def test_pad_with_an_empty_list_copies_with_its_gradient():
    for shape in ((), (2, 3)):
        x = gg.tensor(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape), requires_grad=True)
        y = gg.nn.functional.pad(x, [])
        t = torch.nn.functional.pad(torch.tensor(x.detach().numpy()), [])
        assert y.shape == t.shape and np.array_equal(y.detach().numpy(), t.numpy())
        assert y._data is not x._data
        (y * 2).sum().backward()
        assert np.array_equal(x.grad.numpy(), np.full(shape, 2.0))


def test_out_with_a_plain_tuple_result():
    outs = (gg.empty(0), gg.empty(0))
    res = write_out((gg.ones(2), gg.zeros(3)), outs)
    assert type(res) is tuple and res[0] is outs[0] and res[1].tolist() == [0.0, 0.0, 0.0]
    vals = gg.max(gg.tensor([[1.0, 3.0], [4.0, 2.0]]), 1, out=(gg.empty(0), gg.empty(0, dtype=gg.int64)))
    assert vals.values.tolist() == [3.0, 4.0] and vals.indices.tolist() == [1, 0]     # (a namedtuple stays one)
