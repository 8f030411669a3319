"""A Python int outside an integer tensor's range is wrapped into it, as PyTorch reads it (``uint8 * -1`` is
``* 255``), in arithmetic, comparisons and bitwise ops; beyond 64 bits both raise OverflowError."""
import operator

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

OPS = {"mul": operator.mul, "add": operator.add, "sub": operator.sub, "rsub": lambda x, v: v - x,
       "floordiv": operator.floordiv, "lt": operator.lt, "eq": operator.eq, "ge": operator.ge,
       "and": operator.and_, "xor": operator.xor, "imul": operator.imul}
CASES = [("uint8", -1), ("uint8", 256), ("uint8", 300), ("int8", 300), ("int8", -129), ("int16", 70000),
         ("int32", 2 ** 40), ("int64", 2 ** 63), ("int64", -(2 ** 63)), ("uint8", 7)]


@pytest.mark.parametrize("dtype,value", CASES)
@pytest.mark.parametrize("op", list(OPS))
def test_out_of_range_int_scalars_wrap_as_pytorch(dtype, value, op):
    vals = [1, 3, 100]
    x, t = gg.tensor(vals, dtype=getattr(gg, dtype)), torch.tensor(vals, dtype=getattr(torch, dtype))
    try:
        want = OPS[op](t, value)
    except (RuntimeError, ZeroDivisionError) as e:       # (a wrapped 0 divisor)
        with pytest.raises(type(e)):
            OPS[op](x, value)
        return
    got = OPS[op](x, value)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_ints_beyond_64_bits_overflow_as_pytorch():
    with pytest.raises(OverflowError):
        torch.ones(2, dtype=torch.int64) * 2 ** 70
    with pytest.raises(OverflowError, match="int too big to convert"):
        gg.ones(2, dtype=gg.int64) * 2 ** 70
    with pytest.raises(OverflowError):
        gg.ones(2, dtype=gg.uint8) < 2 ** 70


@pytest.mark.parametrize("op", ["floordiv", "mod", "fmod", "div_trunc", "div_floor"])
@pytest.mark.parametrize("divisor", ["scalar", "tensor"])
def test_integer_division_by_zero_raises_as_pytorch_on_the_cpu(op, divisor):
    fns = {"floordiv": operator.floordiv, "mod": operator.mod, "fmod": lambda L, a, b: L.fmod(a, b),
           "div_trunc": lambda L, a, b: L.div(a, b, rounding_mode="trunc"),
           "div_floor": lambda L, a, b: L.div(a, b, rounding_mode="floor")}
    f = fns[op]
    for L in (torch, gg):
        a = L.tensor([7, -7])
        b = 0 if divisor == "scalar" else L.tensor([2, 0])
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            f(a, b) if op in ("floordiv", "mod") else f(L, a, b)
        ok = f(a, 2) if op in ("floordiv", "mod") else f(L, a, 2)      # no zero: the values
        assert ok.tolist() == (f(torch.tensor([7, -7]), 2) if op in ("floordiv", "mod")
                               else f(torch, torch.tensor([7, -7]), 2)).tolist()
    x = gg.tensor([7.0, -7.0])                       # floats divide by zero to inf / nan, as PyTorch
    assert np.isinf((x // 0).numpy()).all()
