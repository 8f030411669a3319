"""Module backward hooks, ParameterList/ParameterDict, unflatten and the storage-describing Tensor methods,
run the same way on gpugrad and PyTorch and compared."""
import copy
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _hook_story(lib):
    """What the hooks see and what they change, as plain lists."""
    nn = lib.nn
    rng = np.random.default_rng(0)

    def mk(d_in=3, d_out=2):
        m = nn.Linear(d_in, d_out)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(rng.standard_normal((d_out, d_in)), dtype=lib.float32))
            m.bias.fill_(0.1)
        return m

    out, log = [], []
    m = mk()
    m.register_full_backward_hook(lambda mod, gin, gout: log.append(
        ([None if g is None else g.tolist() for g in gin], [g.tolist() for g in gout])))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m(lib.ones(2, 3)).sum().backward()                     # no input requires grad: PyTorch warns
    out += [log[-1], [str(x.message)[:60] for x in w]]
    x = lib.ones(2, 3, requires_grad=True)
    m(x).pow(2).sum().backward()
    out += [log[-1], x.grad.tolist()]
    m2 = mk()
    m2.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 10,))
    x = lib.ones(2, 3, requires_grad=True)
    m2(x).sum().backward()
    out.append(x.grad.tolist())
    m3 = mk()
    h = m3.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 0.5,))
    x = lib.ones(2, 3, requires_grad=True)
    m3(x).sum().backward()
    out += [x.grad.tolist(), m3.weight.grad.tolist()]
    h.remove()
    m3.zero_grad()
    m3(x).sum().backward()
    out.append(m3.weight.grad.tolist())
    seq = nn.Sequential(mk(3, 4), nn.ReLU(), mk(4, 1))
    calls = []
    for name, mod in seq.named_children():
        mod.register_full_backward_hook(lambda mod, gin, gout, name=name: calls.append(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seq(lib.ones(5, 3)).sum().backward()
    out.append(calls)
    return out


def test_full_backward_hooks_as_torch():
    assert _hook_story(gg) == _hook_story(torch)


def _containers_story(lib):
    nn = lib.nn
    pl = nn.ParameterList([nn.Parameter(lib.ones(2)) for _ in range(2)])
    pl.append(lib.zeros(3))                                       # a tensor becomes a Parameter
    pl += [nn.Parameter(lib.ones(1))]
    pd = nn.ParameterDict({"a": nn.Parameter(lib.ones(2))})
    pd["b"] = lib.zeros(2)
    pd.update({"c": nn.Parameter(lib.ones(4))})
    popped = pd.pop("a")

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.pl, self.pd = pl, pd
            self.unflat = nn.Unflatten(1, (2, -1))

        def forward(self, x):
            return self.unflat(x) * self.pl[0].sum() + self.pd["c"].sum()

    m = M()
    y = m(lib.ones(3, 4))
    y.sum().backward()
    twin = copy.deepcopy(m)
    return [len(pl), [tuple(p.shape) for p in pl], type(pl[2]).__name__, pl[-1].shape == (1,), len(pl[1:]),
            list(pd.keys()), "b" in pd, tuple(popped.shape), [n for n, _ in m.named_parameters()],
            list(m.state_dict().keys()), tuple(y.shape), pl[0].grad.tolist(), pd["c"].grad.tolist(),
            len(list(twin.parameters())), tuple(lib.unflatten(lib.zeros(2, 6), -1, (3, 2)).shape),
            tuple(lib.zeros(2, 6).unflatten(0, (1, 2)).shape)]


def test_parameter_containers_and_unflatten_as_torch():
    assert _containers_story(gg) == _containers_story(torch)
    with pytest.raises(RuntimeError):
        gg.unflatten(gg.zeros(2, 6), 1, (4, 2))
    with pytest.raises(IndexError):
        gg.nn.ParameterList([gg.ones(1)])[1]


def _info_story(lib):
    x = lib.zeros(2, 3)
    xs = [x, x.t(), x[1:], x.expand(4, 2, 3), lib.zeros(5, dtype=lib.float64), lib.zeros(2, dtype=lib.uint8)]
    return [(t.stride(), t.storage_offset(), t.element_size(), t.nbytes, t.itemsize, t.nelement(),
             t.ndimension(), t.is_cpu, t.get_device(), t.is_complex(), t.is_signed(), t.is_same_size(x))
            for t in xs] + [x.stride(1), x[1:].data_ptr() - x.data_ptr(), lib.tensor([0.0]).is_nonzero()]


def test_storage_methods_as_torch():
    assert _info_story(gg) == _info_story(torch)
