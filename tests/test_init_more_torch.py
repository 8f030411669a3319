"""nn.init's dirac_, sparse_ and PyTorch's deprecated names without the underscore, against PyTorch (the
oracle): dirac_'s exact values and errors, sparse_'s zero count per column and spread, and the aliases'
FutureWarning (text, category, the caller's line) before they fill the tensor as their ``_`` forms."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.init as init

torch = pytest.importorskip("torch")
tinit = torch.nn.init


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((2, 4, 3, 3), 2), ((4, 2, 3, 3), 2), ((3, 3, 2, 2, 2), 1),
                                          ((6, 2, 5), 3), ((1, 3, 4), 1)])
def test_dirac_matches_torch(device, shape, groups):
    w = gg.full(shape, 7.0, device=device)
    assert init.dirac_(w, groups) is w
    expected = tinit.dirac_(torch.full(shape, 7.0), groups)
    np.testing.assert_array_equal(w.cpu().numpy(), expected.numpy())


def test_dirac_conv_passes_input_through():
    w = init.dirac_(gg.empty(3, 3, 3, 3))
    x = gg.randn(1, 3, 5, 5)
    assert gg.allclose(gg.conv2d(x, w, padding=1), x)


def test_dirac_errors():
    for bad, groups in (((4, 2), 1), ((5, 2, 3), 2)):
        with pytest.raises(ValueError) as eg:
            init.dirac_(gg.empty(*bad), groups)
        with pytest.raises(ValueError) as et:
            tinit.dirac_(torch.empty(*bad), groups)
        assert str(eg.value) == str(et.value)


def test_sparse_zeros_per_column_and_spread(device):
    w = gg.empty(200, 30, dtype=gg.float64, device=device)
    assert init.sparse_(w, 0.3, std=0.5) is w
    a = w.cpu().numpy()
    assert ((a == 0).sum(0) == 60).all()                     # ceil(0.3 * 200) zeros in every column
    assert abs(a[a != 0].std() - 0.5) < 0.05
    assert not np.array_equal((a == 0)[:, 0], (a == 0)[:, 1])   # each column draws its own rows
    t = tinit.sparse_(torch.empty(200, 30), 0.3)
    assert ((t == 0).sum(0) == 60).all()
    z = init.sparse_(gg.empty(4, 3), 0.5, std=0.0)
    assert z.tolist() == [[0.0] * 3] * 4


def test_sparse_generator_and_errors():
    a = init.sparse_(gg.empty(10, 4), 0.5, generator=gg.Generator().manual_seed(1))
    b = init.sparse_(gg.empty(10, 4), 0.5, generator=gg.Generator().manual_seed(1))
    assert a.tolist() == b.tolist()
    with pytest.raises(ValueError) as eg:
        init.sparse_(gg.empty(4, 3, 2), 0.5)
    with pytest.raises(ValueError) as et:
        tinit.sparse_(torch.empty(4, 3, 2), 0.5)
    assert str(eg.value) == str(et.value)


DEPRECATED = [("uniform", ((3, 4),), {"a": -2.0, "b": 2.0}), ("normal", ((3, 4),), {"std": 0.1}),
              ("constant", ((3, 4), 0.25), {}), ("eye", ((3, 4),), {}), ("dirac", ((4, 2, 3),), {}),
              ("xavier_uniform", ((3, 4),), {"gain": 2.0}), ("xavier_normal", ((3, 4),), {}),
              ("kaiming_uniform", ((3, 4),), {"mode": "fan_out"}), ("kaiming_normal", ((3, 4),), {}),
              ("orthogonal", ((3, 4),), {}), ("sparse", ((3, 4), 0.5), {})]


@pytest.mark.parametrize("name,args,kwargs", DEPRECATED, ids=[d[0] for d in DEPRECATED])
def test_deprecated_aliases_warn_as_torch_and_fill(name, args, kwargs):
    shape, rest = args[0], args[1:]
    results = {}
    for L, mod in ((gg, init), (torch, tinit)):
        t = L.zeros(*shape)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = getattr(mod, name)(t, *rest, **kwargs)
        assert out is t and len(w) == 1
        assert w[0].category is FutureWarning and w[0].filename == __file__
        results[L.__name__] = (str(w[0].message), t.numpy().copy())
    assert results["gpugrad"][0] == results["torch"][0]
    assert getattr(init, name).__name__ == name and name in init.__all__
    if name in ("constant", "eye", "dirac"):                     # deterministic: the same values
        np.testing.assert_array_equal(results["gpugrad"][1], results["torch"][1])
    gg.manual_seed(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = getattr(init, name)(gg.zeros(*shape), *rest, **kwargs).numpy()
    gg.manual_seed(4)
    b = getattr(init, name + "_")(gg.zeros(*shape), *rest, **kwargs).numpy()
    np.testing.assert_array_equal(a, b)                          # exactly the underscore form
