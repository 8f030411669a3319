"""default_collate / default_convert and the DataLoader's batch containers, case by case against
torch.utils.data: the same nested samples go through both, and the results must agree in structure
(container types exactly, tuples becoming lists), tensor dtypes, shapes and values."""
import collections
import collections.abc

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import gpugrad as gg
import gpugrad.utils.data as gdata

Point = collections.namedtuple("Point", ["x", "y"])


class FrozenMap(collections.abc.Mapping):
    """A read-only mapping whose constructor takes a dict: default_collate rebuilds it by type."""

    def __init__(self, d):
        self._d = dict(d)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class Pair(collections.abc.Sequence):
    """A read-only sequence whose constructor does not take a list: collated into a plain list."""

    def __init__(self, a, b):
        self._v = (a, b)

    def __getitem__(self, i):
        return self._v[i]

    def __len__(self):
        return 2


def _same(g, t, where="batch"):
    """Assert a gpugrad result equals torch's: the same containers, dtypes, shapes and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(g, gg.Tensor), f"{where}: {type(g).__name__}, torch has a tensor"
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad."), f"{where}: {g.dtype} vs {t.dtype}"
        assert tuple(g.shape) == tuple(t.shape) and g.requires_grad == t.requires_grad, where
        np.testing.assert_array_equal(g.detach().cpu().numpy(), t.detach().numpy(), err_msg=where)
        return
    assert type(g) is type(t), f"{where}: {type(g).__name__} vs torch's {type(t).__name__}"
    if isinstance(t, collections.abc.Mapping):
        assert list(g) == list(t), where
        for k in t:
            _same(g[k], t[k], f"{where}[{k!r}]")
        if isinstance(t, collections.defaultdict):
            assert g.default_factory is t.default_factory, where
    elif isinstance(t, collections.abc.Sequence) and not isinstance(t, (str, bytes)):
        assert len(g) == len(t), where
        for i, (a, b) in enumerate(zip(g, t)):
            _same(a, b, f"{where}[{i}]")
    else:
        assert g == t, where


def _tensor(m, device, values, dtype=None):
    if m is torch:
        return torch.tensor(values, dtype=None if dtype is None else getattr(torch, dtype))
    return gg.tensor(values, dtype=dtype, device=device)


def _array(device, a):
    """A NumPy array, or on a device an array of that device (what a dataset on the GPU hands out)."""
    return a if device == "cpu" else gg.tensor(a, device=device)._data


def _samples(m, device, case):
    """The case's samples, with the tensors and arrays built for module ``m``."""
    T = lambda v, dt=None: _tensor(m, device, v, dt)                                    # noqa: E731
    A = (lambda a: a) if m is torch else (lambda a: _array(device, a))                  # noqa: E731
    rows = range(3)
    return {
        "tuple_of_tensor_and_int": [(T([1.0 * i, 2.0]), i) for i in rows],
        "list_samples": [[T([i], "int32"), float(i)] for i in rows],
        "nested": [{"img": (T([[i, 1.0]]), np.float32(i)), "meta": [("id", i), {"ok": bool(i % 2)}]}
                   for i in rows],
        "namedtuple": [Point(T([1.5 * i]), i) for i in rows],
        "namedtuple_in_tuple": [(Point(i, 2.0 * i), "s") for i in rows],
        "ordered_dict": [collections.OrderedDict([("b", i), ("a", 1.0)]) for i in rows],
        "defaultdict": [collections.defaultdict(list, {"k": T([i])}) for i in rows],
        "frozen_map": [FrozenMap({"v": i, "w": [i, i]}) for i in rows],
        "user_list": [collections.UserList([i, 2.0]) for i in rows],
        "range": [range(i, i + 2) for i in rows],
        "read_only_sequence": [Pair(i, float(i)) for i in rows],
        "strings": [f"s{i}" for i in rows],
        "bytes": [b"ab" for _ in rows],
        "numpy_str": [np.str_("a") for _ in rows],
        "ints": list(rows),
        "bools": [True, False, True],
        "bool_then_int": [True, 2, 3],
        "int_then_float": [1, 2.5, 3],
        "floats": [0.5, 1.0, 2],
        "numpy_scalars": [np.float32(i) for i in rows],
        "numpy_mixed_scalars": [np.int32(1), np.float32(2.5), np.int64(3)],
        "numpy_bool_scalars": [np.bool_(i % 2) for i in rows],
        "numpy_float64_scalars": [np.float64(i) / 3 for i in rows],
        "numpy_arrays": [A(np.arange(4, dtype=np.float64).reshape(2, 2) + i) for i in rows],
        "numpy_int_arrays": [A(np.array([i, 2], dtype=np.uint8)) for i in rows],
        "numpy_0d_arrays": [A(np.array(i, dtype=np.int16)) for i in rows],
        "tensors_promote": [T([1, 2], "int32"), T([0.5, 1.5]), T([3, 4], "int32")],
        "tensor_0d": [T(2.0 * i) for i in rows],
    }[case]


CASES = ["tuple_of_tensor_and_int", "list_samples", "nested", "namedtuple", "namedtuple_in_tuple", "ordered_dict",
         "defaultdict", "frozen_map", "user_list", "range", "read_only_sequence", "strings", "bytes", "numpy_str",
         "ints", "bools", "bool_then_int", "int_then_float", "floats", "numpy_scalars", "numpy_mixed_scalars",
         "numpy_bool_scalars", "numpy_float64_scalars", "numpy_arrays", "numpy_int_arrays", "numpy_0d_arrays",
         "tensors_promote", "tensor_0d"]


@pytest.mark.parametrize("case", CASES)
def test_default_collate_matches_torch(case, device):
    if device != "cpu" and case.startswith("numpy_") and "array" not in case:
        pytest.skip("host-only samples: the same on every device")
    _same(gdata.default_collate(_samples(gg, device, case)), tdata.default_collate(_samples(torch, "cpu", case)))


def test_collating_strings_returns_the_samples_themselves():
    names = ["a", "b"]
    assert gdata.default_collate(names) is names and tdata.default_collate(names) is names


def test_collated_tensors_keep_the_graph_like_torch():
    ws = [gg.tensor([1.0, 2.0], requires_grad=True), gg.tensor([3.0, 4.0], requires_grad=True)]
    tw = [torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0], requires_grad=True)]
    gb, tb = gdata.default_collate([(w, 1) for w in ws]), tdata.default_collate([(w, 1) for w in tw])
    _same(gb, tb)
    (gb[0] * gb[0]).sum().backward()
    (tb[0] * tb[0]).sum().backward()
    for g, t in zip(ws, tw):
        np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("samples, exc", [
    ([None, None], TypeError), ([object()], TypeError), ([np.array(["a", "b"])], TypeError),
    ([np.array([None], dtype=object)], TypeError), ([(1, 2), (1,)], RuntimeError), ([[1], [1, 2]], RuntimeError),
    ([{"a": None}], TypeError), ([1j, 2.0], None)])
def test_errors_match_torch(samples, exc):
    if exc is None:              # complex numbers: an error in both or neither
        try:
            tdata.default_collate(samples)
        except Exception as e:   # noqa: BLE001
            exc = type(e)
        if exc is None:
            pytest.skip("torch collates it")
    with pytest.raises(exc) as t_err:
        tdata.default_collate(samples)
    with pytest.raises(exc) as g_err:
        gdata.default_collate(samples)
    if exc is not TypeError or "default_collate" in str(t_err.value):
        assert str(g_err.value) == str(t_err.value)


def test_stacking_tensors_of_different_shapes_is_a_runtime_error_as_in_torch():
    with pytest.raises(RuntimeError):
        tdata.default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(RuntimeError):
        gdata.default_collate([gg.zeros(2), gg.zeros(3)])


@pytest.mark.parametrize("case", ["nested", "namedtuple_in_tuple", "ordered_dict", "user_list", "range", "strings",
                                  "numpy_arrays", "numpy_scalars", "ints", "frozen_map"])
def test_default_convert_matches_torch(case):
    for g, t in zip(_samples(gg, "cpu", case), _samples(torch, "cpu", case)):
        _same(gdata.default_convert(g), tdata.default_convert(t))
    _same(gdata.default_convert(tuple(_samples(gg, "cpu", case))),
          tdata.default_convert(tuple(_samples(torch, "cpu", case))))


class Records:
    """A general map-style dataset handing out nested samples, for either module."""

    def __init__(self, m, device="cpu"):
        self.m, self.device = m, device

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return _samples(self.m, self.device, "nested")[i % 3]


@pytest.mark.parametrize("kw", [dict(batch_size=2), dict(batch_size=None), dict(batch_size=2, num_workers=2),
                                dict(batch_sampler=[[0, 3], [1]])])
def test_dataloader_batches_match_torch_in_types(kw, device):
    for make in (lambda m, d, dev: d.TensorDataset(_tensor(m, dev, [[1.0, 2.0]] * 5), _tensor(m, dev, list(range(5)))),
                 lambda m, d, dev: Records(m, dev)):
        got = list(gdata.DataLoader(make(gg, gdata, device), **kw))
        want = list(tdata.DataLoader(make(torch, tdata, "cpu"), **kw))
        _same(got, want)


def test_dataloader_without_batching_converts_each_sample_like_torch():
    for m, d in ((gg, gdata), (torch, tdata)):
        loader = d.DataLoader([(np.arange(2), "a")] * 2, batch_size=None)
        assert loader.collate_fn is d.default_convert
    _same(list(gdata.DataLoader([(np.arange(2), "a")] * 2, batch_size=None)),
          list(tdata.DataLoader([(np.arange(2), "a")] * 2, batch_size=None)))

    class Stream(gdata.IterableDataset):
        def __iter__(self):
            return iter([Point(np.float32(1.0), (np.zeros(2), 1))])

    class TStream(tdata.IterableDataset):
        def __iter__(self):
            return iter([Point(np.float32(1.0), (np.zeros(2), 1))])

    _same(list(gdata.DataLoader(Stream(), batch_size=None)), list(tdata.DataLoader(TStream(), batch_size=None)))
    _same(list(gdata.DataLoader(Stream(), batch_size=1)), list(tdata.DataLoader(TStream(), batch_size=1)))


def test_dataloader_moves_every_container_to_the_device(device):
    loader = gdata.DataLoader(Records(gg), batch_size=2, device=device)
    batch = next(iter(loader))
    want = tdata.default_collate([Records(torch)[i] for i in range(2)])
    _same(batch, want)
    assert batch["img"][0].device == gg.device(device) and batch["meta"][1]["ok"].device == gg.device(device)
