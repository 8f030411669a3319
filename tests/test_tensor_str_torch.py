"""Tensors print as PyTorch prints them: ``repr``, ``str`` and ``format`` of the same values, dtype, shape and
print options give the same text, character for character. The one deliberate difference is the dtype's
module name (``dtype=gpugrad.float64`` where PyTorch prints ``dtype=torch.float64``), which the comparison
maps. Print options changed by a test are restored after it, in both libraries."""
import inspect
import math
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import gpugrad as gg  # noqa: E402
import gpugrad.autograd.forward_ad as gg_fwad  # noqa: E402
from gpugrad._tensor_str import get_printoptions, printoptions  # noqa: E402

NAN, INF = math.nan, math.inf


@pytest.fixture(autouse=True)
def _restore_print_options():
    yield
    for lib in (gg, torch):
        lib.set_printoptions(profile="default")          # every option, sci_mode back to None


_SUFFIX_BREAK = re.compile(r",\n *(?=(?:device|size|dtype|grad_fn|requires_grad|tangent)=)")


def torch_text(s):
    return s.replace("dtype=torch.", "dtype=gpugrad.")


def both(values, dtype="float32", **kw):
    """The same values as a gpugrad tensor and a torch tensor (dtype by name, through NumPy)."""
    a = np.array(values, dtype=np.float32 if dtype == "bfloat16" else dtype)
    g, t = gg.tensor(a, **kw), torch.tensor(a, **kw)
    if dtype == "bfloat16":
        g, t = g.to(gg.bfloat16), t.to(torch.bfloat16)
    return g, t


def assert_prints_alike(g, t):
    ours, theirs = repr(g), torch_text(repr(t))
    if "dtype=" in theirs:
        # our dtype names are two characters longer, which can move the suffixes after them to a new line
        ours, theirs = _SUFFIX_BREAK.sub(", ", ours), _SUFFIX_BREAK.sub(", ", theirs)
    assert ours == theirs
    assert str(g) == repr(g) and str(t) == repr(t)


def set_both(**options):
    gg.set_printoptions(**options)
    torch.set_printoptions(**options)


# -- chosen cases ------------------------------------------------------------------------------------------
CASES = {
    "half": ([0.5], "float32"),
    "scalar": (3.25, "float32"),
    "scalar_int_valued": (3.0, "float32"),
    "scalar_int": (7, "int64"),
    "scalar_bool": (True, "bool"),
    "scalar_nan": (NAN, "float32"),
    "scalar_small": (1e-7, "float32"),
    "tiny_and_one": ([1e-5, 1.0], "float32"),
    "nonfinite": ([NAN, INF, 1.5], "float32"),
    "nonfinite_only": ([NAN, -INF, INF], "float32"),
    "zeros_and_nan": ([0.0, NAN], "float32"),
    "negative_zero": ([-0.0, 1.0], "float32"),
    "negative_zero_fixed": ([-0.0, 1.25], "float32"),
    "all_zero": ([0.0, 0.0, -0.0], "float32"),
    "ints_as_floats": ([1.0, -2.0, 30.0], "float32"),
    "ints_ratio_sci": ([1.0, 2000.0], "float32"),
    "int_floats_big": ([1e9, 2.0], "float32"),
    "int_floats_1e8": ([1e8, 3.0], "float64"),
    "big": ([1.5e8, 2.5], "float32"),
    "ratio_exactly_1000": ([0.001, 1.0], "float64"),
    "ratio_above_1000": ([0.001, 1.001], "float64"),
    "min_1e-4": ([1e-4, 0.5], "float64"),
    "rounding": ([0.00005, 0.99995, 9.99995], "float64"),
    "negative": ([-1.5, 2.25, -0.125], "float32"),
    "sci_negative": ([-1e-9, 3.0, NAN, -INF], "float32"),
    "bool": ([True], "bool"),
    "bools": ([False, True, True], "bool"),
    "bool_matrix": ([[True, False], [False, False]], "bool"),
    "int_widths": ([1, -20, 300, 4000], "int64"),
    "int32": ([1, 2, 3], "int32"),
    "int8": ([-128, 0, 127], "int8"),
    "uint8": ([0, 255], "uint8"),
    "int16": ([[1, -1]], "int16"),
    "float64": ([1.0, 2.5], "float64"),
    "float64_int_valued": ([[1.0, 2.0]], "float64"),
    "float16": ([0.1, 65504.0, -2.0], "float16"),
    "float16_small": ([6e-8, 1.0], "float16"),
    "bfloat16": ([0.1, 3.0, -1e10], "bfloat16"),
    "empty": ([], "float32"),
    "empty_int": ([], "int64"),
    "empty_bool": ([], "bool"),
    "empty_float64": ([], "float64"),
    "empty_0x3": (np.zeros((0, 3)), "float32"),
    "empty_2x0x1": (np.zeros((2, 0, 1)), "int32"),
    "matrix": ([[1.0, 2.5], [NAN, -3.0]], "float32"),
    "cube": (np.arange(24.0).reshape(2, 3, 4) / 7, "float32"),
    "four_d": (np.arange(48).reshape(2, 2, 3, 4) - 20, "int64"),
    "one_by_one": ([[[5.5]]], "float32"),
    "wraps": (np.linspace(-1, 1, 40), "float32"),
    "wraps_int": (np.arange(60) * 1000, "int64"),
    "wraps_nested": (np.linspace(0, 1, 60).reshape(2, 30), "float64"),
    "long_sci_wraps": (np.logspace(-10, 10, 25), "float32"),
    "summary_vector": (np.arange(2000) / 3, "float32"),
    "summary_int": (np.arange(1001), "int64"),
    "summary_matrix": (np.arange(10000.0).reshape(100, 100), "float32"),
    "summary_cube": (np.arange(1200).reshape(10, 12, 10) * 0.5, "float32"),
    "summary_uneven": (np.arange(3000).reshape(3, 1000) % 7, "int64"),
    "summary_bool": (np.arange(2000) % 3 == 0, "bool"),
    "summary_4d": (np.arange(5000.0).reshape(5, 10, 10, 10) / 1e6, "float64"),
    "summary_edges_decide": (np.concatenate([[1.5, 2.5, 3.5], np.full(1000, 1e9), [4.5, 5.5, 6.5]]), "float32"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_chosen_tensors_print_as_in_pytorch(name):
    values, dtype = CASES[name]
    assert_prints_alike(*both(values, dtype))


@pytest.mark.parametrize("name", ["scalar", "nonfinite", "matrix", "float64", "wraps", "summary_matrix",
                                  "wraps_nested", "empty"])
def test_requires_grad_and_grad_fn_suffixes(name):
    values, dtype = CASES[name]
    g, t = both(values, dtype, requires_grad=True)
    assert_prints_alike(g, t)
    assert_prints_alike(g * 2, t * 2)           # grad_fn=<MulBackward0>
    assert_prints_alike(g + 1, t + 1)           # grad_fn=<AddBackward0>
    assert_prints_alike(g.detach(), t.detach())


@pytest.mark.parametrize("n", range(1, 16))
def test_suffixes_wrap_at_the_line_width(n):
    # vectors whose last line ends near column 80, so that dtype= and requires_grad= fall on either side
    for dtype in ("float32", "float64"):
        g, t = both(np.arange(n) * 1.5 + 0.25, dtype, requires_grad=True)
        assert_prints_alike(g, t)
        assert_prints_alike(g * 2, t * 2)


def test_a_dtype_suffix_that_passes_the_line_width_wraps():
    # the text PyTorch would print with dtype names two characters longer (ours): the suffix goes to a new
    # line where gpugrad.float64 passes column 80 and torch.float64 does not
    g = gg.tensor(np.arange(5) + 100.25, dtype=gg.float64)
    t = torch.tensor(np.arange(5) + 100.25, dtype=torch.float64)
    assert len(repr(t)) == 79 and repr(g) == repr(t).replace(", dtype=torch.", ",\n       dtype=gpugrad.")


def test_parameters_print_as_in_pytorch():
    for values in ([0.5, -1.0], 1.5, [[1.0, 2.0], [3.0, 4.25]], []):
        g = gg.nn.Parameter(gg.tensor(np.array(values, dtype=np.float32)))
        t = torch.nn.Parameter(torch.tensor(np.array(values, dtype=np.float32)))
        assert_prints_alike(g, t)
        assert f"{g}" == torch_text(f"{t}")
    g = gg.nn.Parameter(gg.tensor([1, 2]), requires_grad=False)
    t = torch.nn.Parameter(torch.tensor([1, 2]), requires_grad=False)
    assert_prints_alike(g, t)


@pytest.mark.parametrize("spec", ["", ".3f", ".2e", ">12", "+.1f", "g", "08.2f"])
@pytest.mark.parametrize("value", [2.5, -0.125, 7])
def test_format_of_a_zero_dim_tensor_formats_its_number(spec, value):
    g, t = gg.tensor(value), torch.tensor(value)
    assert format(g, spec) == format(t, spec)
    assert f"{g.requires_grad_() if g.dtype.kind == 'f' else g:{spec}}" == format(t, spec)


def test_format_of_other_tensors_is_their_text_or_an_error_as_in_pytorch():
    g, t = gg.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    assert f"{g}" == f"{t}" and format(g, "") == str(t)
    for gx, tx in ((g, t), (gg.nn.Parameter(gg.tensor(1.5)), torch.nn.Parameter(torch.tensor(1.5)))):
        with pytest.raises(TypeError):
            format(tx, ".2f")
        with pytest.raises(TypeError):
            format(gx, ".2f")


def test_non_default_float_dtype():
    gg.set_default_dtype(gg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for values, dtype in (([1.5, 2.0], "float64"), ([1.5, 2.0], "float32"), ([], "float32"),
                              ([], "float64"), ([3, 4], "int64")):
            assert_prints_alike(*both(values, dtype))
    finally:
        gg.set_default_dtype(gg.float32)
        torch.set_default_dtype(torch.float32)


def test_forward_ad_tangent_suffix():
    with gg_fwad.dual_level(), torch.autograd.forward_ad.dual_level():
        g = gg_fwad.make_dual(gg.tensor([1.0, 2.5]), gg.tensor([0.5, -1.0]))
        t = torch.autograd.forward_ad.make_dual(torch.tensor([1.0, 2.5]), torch.tensor([0.5, -1.0]))
        assert_prints_alike(g, t)
        assert_prints_alike(g * 3, t * 3)


# -- print options ---------------------------------------------------------------------------------------
OPTION_CASES = [
    dict(precision=2), dict(precision=0), dict(precision=10), dict(threshold=5), dict(threshold=0),
    dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=0), dict(edgeitems=0),
    dict(threshold=10, edgeitems=20), dict(linewidth=20), dict(linewidth=1), dict(linewidth=200),
    dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"), dict(profile="full"),
    dict(profile="short", precision=6), dict(profile="full", sci_mode=True), dict(profile="unknown"),
]
OPTION_VALUES = [CASES[k] for k in ("scalar", "nonfinite", "nonfinite_only", "tiny_and_one", "ints_as_floats",
                                    "all_zero", "int_widths", "bools", "matrix", "cube", "wraps", "wraps_nested",
                                    "summary_vector", "summary_matrix", "summary_cube", "big", "empty_0x3")]


@pytest.mark.parametrize("options", OPTION_CASES, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_print_options_as_in_pytorch(options):
    set_both(**options)
    for values, dtype in OPTION_VALUES:
        g, t = both(values, dtype, requires_grad=dtype.startswith("float"))
        assert_prints_alike(g, t)


def test_set_printoptions_has_pytorchs_signature():
    assert inspect.signature(gg.set_printoptions) == inspect.signature(torch.set_printoptions)


def test_options_persist_until_changed_and_sci_mode_resets():
    set_both(precision=2, sci_mode=True)
    set_both(linewidth=40)                      # precision stays; sci_mode goes back to None, as in PyTorch
    for values, dtype in OPTION_VALUES:
        assert_prints_alike(*both(values, dtype))
    assert get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_restores():
    before = get_printoptions()
    with printoptions(precision=1, threshold=3):
        assert get_printoptions()["precision"] == 1
        with torch._tensor_str.printoptions(precision=1, threshold=3):
            assert_prints_alike(*both(CASES["wraps"][0], "float32"))
    assert get_printoptions() == before


# -- devices -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["scalar", "nonfinite", "matrix", "summary_matrix", "summary_cube", "int_widths"])
def test_device_tensors_print_their_values_and_device(device, name):
    # PyTorch (CPU here) has no such device: its text for the values, then the device suffix, which fits on
    # the last line of these cases
    values, dtype = CASES[name]
    g, t = both(values, dtype)
    text = torch_text(repr(t))
    if device != "cpu":
        text = text[:-1] + f", device='{gg.device(device)}')"
        assert len(text.rsplit("\n", 1)[-1]) < 80
    assert repr(g.to(device)) == text


def test_a_strict_tensor_copies_to_the_host_once():
    from gpugrad.backend import strict
    for values, dtype in (CASES["summary_cube"], CASES["matrix"], CASES["scalar"]):
        x = gg.tensor(np.asarray(values, dtype=dtype), device="strict")
        before = strict.sync_count()
        text = repr(x)
        assert strict.sync_count() - before == 1
        assert text == torch_text(repr(torch.tensor(np.asarray(values, dtype=dtype))))[:-1] + ", device='strict:0')"


# -- generated -----------------------------------------------------------------------------------------------
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"]


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    big = draw(st.booleans())
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=14 if big else 5))
    if dtype == "bool":
        return draw(hnp.arrays(np.bool_, shape))
    if dtype[0] in "iu":
        info = np.iinfo(dtype)
        hi = draw(st.sampled_from([9, 999, int(info.max)]))
        return draw(hnp.arrays(dtype, shape, elements=st.integers(max(int(info.min), -hi), min(int(info.max), hi))))
    scale = 10.0 ** draw(st.integers(-12, 12))
    unit = draw(hnp.arrays(np.float64, shape, elements=st.floats(-1000, 1000)))
    round_to_ints = draw(st.booleans())
    a = np.round(unit) if round_to_ints else unit
    a = a * scale
    if a.size and draw(st.booleans()):          # a few nan and inf, and some exact zeros
        flat = a.reshape(-1)
        for v in draw(st.lists(st.sampled_from([NAN, INF, -INF, 0.0, -0.0]), max_size=3)):
            flat[draw(st.integers(0, flat.size - 1))] = v
    with np.errstate(over="ignore"):
        return a.astype(dtype)


options = st.fixed_dictionaries({}, optional={
    "precision": st.integers(0, 8), "threshold": st.sampled_from([0, 5, 50, 1000]),
    "edgeitems": st.integers(0, 4), "linewidth": st.integers(10, 120),
    "sci_mode": st.sampled_from([None, True, False]), "profile": st.sampled_from(["default", "short", "full"])})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=arrays(), opts=options, requires_grad=st.booleans())
def test_generated_tensors_print_as_in_pytorch(a, opts, requires_grad):
    set_both(**opts)
    try:
        rg = requires_grad and a.dtype.kind == "f"
        assert_prints_alike(gg.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg))
    finally:
        set_both(profile="default")


_COMPLEX_CASES = [[1 + 2j, 3 - 1j], [1.5 + 2j, 3 - 1.25j], [0j], [1e-5 + 1j, 1e5 - 2j],
                  [complex("nan+1j"), complex(0, float("inf"))], [[1 + 1j, -2 - 0j], [0.25 + 0j, -0.0 - 3j]], 3 + 4j]


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("i", range(len(_COMPLEX_CASES)))
def test_complex_tensors_print_as_in_pytorch(i, dtype):
    data = _COMPLEX_CASES[i]
    got = repr(gg.tensor(data, dtype=getattr(gg, dtype))).replace("gpugrad.", "torch.")
    assert got == repr(torch.tensor(data, dtype=getattr(torch, dtype)))


def test_large_and_summarized_complex_tensors_print_as_in_pytorch():
    rng = np.random.default_rng(4)
    for shape in ((30, 30), (40, 40), (3, 8), (2000,)):
        x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3, shape)
        for dt in (np.complex64, np.complex128):
            assert repr(gg.tensor(x.astype(dt))).replace("gpugrad.", "torch.") == repr(torch.tensor(x.astype(dt)))
    prev = torch.get_default_dtype()
    try:                                   # under a float64 default, complex128 is the one printed bare
        gg.set_default_dtype(gg.float64)
        torch.set_default_dtype(torch.float64)
        for dt in (np.complex64, np.complex128):
            assert repr(gg.tensor(np.array([1 + 1j], dt))).replace("gpugrad.", "torch.") == \
                repr(torch.tensor(np.array([1 + 1j], dt)))
    finally:
        gg.set_default_dtype(gg.float32)
        torch.set_default_dtype(prev)
