"""``tensor(data)`` infers the dtype as PyTorch does: Python floats (complex numbers) take the default float
(complex) dtype, NumPy scalars and arrays among them keep their own, ints give int64."""
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

CASES = [[np.float64(1)], [np.float32(1), 2.0], [1.0, 2.0], 2j, [1j, 2.0], [np.complex128(1j)], [np.complex64(1j), 1.0],
         [np.array([1.0]), np.array([2.0])], np.float64(3), [[1.0], [np.float64(2)]], 1.5, [np.float16(1)],
         [np.int32(1), 2], [True, False], [], [[1, 2], [3, 4]], np.array([1.0, 2.0])]


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("data", CASES, ids=[repr(c)[:40] for c in CASES])
def test_inferred_dtype_as_pytorch(data, default):
    prev_g, prev_t = gg.get_default_dtype(), torch.get_default_dtype()
    gg.set_default_dtype(getattr(gg, default))
    torch.set_default_dtype(getattr(torch, default))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)    # torch: "a list of numpy.ndarrays is extremely slow"
            want = torch.tensor(data)
        got = gg.tensor(data)
    finally:
        gg.set_default_dtype(prev_g)
        torch.set_default_dtype(prev_t)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_array_equal(got.numpy(), want.numpy())
