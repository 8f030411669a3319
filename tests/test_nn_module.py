"""nn.Module and nn.Parameter: registration, traversal, modes, moving, state dicts, containers, printing."""
import copy

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(gg.ones(4))
        self.register_buffer("steps", gg.zeros(1))
        self.register_buffer("cache", gg.zeros(2), persistent=False)
        self.plain = 3

    def forward(self, x):
        return nn.functional.relu(self.bn(self.fc(x))) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2)
        self.tied = self.head          # the same module twice: its parameters must be listed once

    def forward(self, x):
        return self.head(self.block(x))


def test_parameter_is_a_leaf_tensor_that_works_in_ops():
    p = nn.Parameter(gg.tensor([1.0, 2.0]))
    assert isinstance(p, gg.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    y = (p * p).sum() + gg.matmul(p, p) + p.exp().sum()
    assert type(y) is gg.Tensor
    y.backward()
    np.testing.assert_allclose(p.grad.numpy(), 4 * np.array([1.0, 2.0]) + np.exp([1.0, 2.0]), rtol=1e-6)
    assert "Parameter containing" in repr(p)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(gg.tensor([1, 2]))
    assert not nn.Parameter(gg.tensor([1, 2]), requires_grad=False).requires_grad


def test_parameter_from_tensor_shares_storage():
    t = gg.zeros(3)
    p = nn.Parameter(t)
    p._data[0] = 5
    assert t._data[0] == 5


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "block.bn.weight", "block.bn.bias",
                     "head.weight", "head.bias"]
    assert len(list(net.parameters())) == 7
    assert [n for n, _ in net.named_buffers()] == ["block.steps", "block.cache", "block.bn.running_mean",
                                                   "block.bn.running_var", "block.bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.bn", "head"]
    assert len(list(net.modules())) == 5
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]
    assert net.get_submodule("block.fc") is net.block.fc
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("block.nope")
    assert net.block.plain == 3 and "plain" not in net.block._parameters


def test_setattr_rules():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="Parameter or None"):
        m.weight = gg.ones(2, 2)             # a plain tensor can't replace a parameter
    m.bias = None
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    m.extra = nn.Parameter(gg.ones(1))
    assert "extra" in dict(m.named_parameters())
    del m.extra
    assert "extra" not in dict(m.named_parameters())

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Forgot()
    with pytest.raises(KeyError, match="can't contain"):
        m.register_buffer("a.b", gg.ones(1))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("b", 3)


def test_train_eval_requires_grad_and_apply():
    net = Net()
    assert net.training and net.block.bn.training
    net.eval()
    assert not net.training and not net.block.bn.training
    net.train()
    assert net.block.fc.training
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Block", "Linear", "Net"]


def test_zero_grad_both_modes():
    net = Net()
    net(gg.randn(5, 3)).sum().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert all(g is not None for g in grads.values())
    net.zero_grad(set_to_none=False)
    for n, p in net.named_parameters():
        assert p.grad is grads[n] and not p.grad._data.any()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_dtype_moves_in_place_and_keeps_parameter_objects():
    net = Net()
    before = list(net.parameters())
    net(gg.randn(5, 3)).sum().backward()
    net.to(gg.float64)
    assert [id(p) for p in net.parameters()] == [id(p) for p in before]
    assert all(p.dtype == gg.float64 and p.grad.dtype == gg.float64 for p in net.parameters())
    assert net.block.bn.running_mean.dtype == gg.float64
    assert net.block.bn.num_batches_tracked.dtype == gg.int64      # integer buffers keep their dtype
    assert net(gg.randn(5, 3, dtype=gg.float64)).dtype == gg.float64
    net.float()
    assert all(p.dtype == gg.float32 for p in net.parameters())
    with pytest.raises(TypeError, match="floating point"):
        net.to(gg.int32)


def test_to_device_moves_in_place(device):
    net = Net()
    params = list(net.parameters())
    net.to(device)
    assert all(p.device == device for p in net.parameters())
    assert all(b.device == device for b in net.buffers())
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    out = net(gg.randn(4, 3, device=device))
    out.sum().backward()
    assert all(p.grad.device == device for p in net.parameters())
    net.cpu()
    assert all(p.device == "cpu" for p in net.parameters())


def test_state_dict_round_trip():
    a, b = Net(), Net()
    a(gg.randn(6, 3))                      # move the running stats
    sd = a.state_dict()
    assert "block.cache" not in sd and "block.steps" in sd and "tied.weight" in sd
    assert not any(v.requires_grad for v in sd.values())
    assert sd["head.weight"]._data is a.head.weight._data            # shares storage, like PyTorch
    w_before = b.head.weight
    res = b.load_state_dict(sd)
    assert res == nn.IncompatibleKeys([], []) and res.missing_keys == []
    assert b.head.weight is w_before
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy())
    x = gg.randn(4, 3)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_load_state_dict_reports_missing_unexpected_and_mis_shaped():
    net = Net()
    sd = net.state_dict()
    del sd["head.bias"]
    sd["head.extra"] = gg.ones(1)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(sd)
    msg = str(e.value)
    assert "Missing key(s) in state_dict: \"head.bias\"" in msg
    assert "Unexpected key(s) in state_dict: \"head.extra\"" in msg
    res = net.load_state_dict(sd, strict=False)
    assert "head.bias" in res.missing_keys and res.unexpected_keys == ["head.extra"]
    sd2 = net.state_dict()
    sd2["block.fc.weight"] = gg.ones(3, 4)
    old = net.block.fc.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"size mismatch for block.fc.weight.*\(3, 4\).*\(4, 3\)"):
        net.load_state_dict(sd2, strict=False)
    np.testing.assert_array_equal(net.block.fc.weight.detach().numpy(), old)   # nothing half-written


def test_load_state_dict_accepts_a_torch_state_dict_and_names_foreign_types():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    assert net.load_state_dict(tm.state_dict()) == nn.IncompatibleKeys([], [])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(net(gg.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    sd = net.state_dict()
    sd["0.bias"] = [0.0] * 4
    with pytest.raises(RuntimeError, match=r"for 0.bias: expected a Tensor or an array, got builtins.list"):
        net.load_state_dict(sd)


def test_repr_is_nested_and_readable():
    r = repr(Net())
    assert r.startswith("Net(\n  (block): Block(\n    (fc): Linear(in_features=3, out_features=4, bias=True)")
    assert "(bn): BatchNorm1d(4, eps=1e-05, momentum=0.1" in r
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.Sequential()) == "Sequential()"


def test_deepcopy_gives_independent_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.head.weight, nn.Parameter)
    assert clone.tied is clone.head
    clone.head.weight._data[...] = 0
    assert net.head.weight._data.any()


def test_sequential():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[0], nn.Linear) and isinstance(s[-1], nn.Linear)
    assert isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2
    assert s(gg.ones(4, 2)).shape == (4, 1)
    s.append(nn.Sigmoid())
    assert len(s) == 4 and [n for n, _ in s.named_children()] == ["0", "1", "2", "3"]
    del s[1]
    assert [type(m).__name__ for m in s] == ["Linear", "Linear", "Sigmoid"]
    assert [n for n, _ in s.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        s[5]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["enc.weight", "enc.bias"]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    assert len(ml) == 5 and len(list(ml.parameters())) == 6
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and isinstance(ml[1], nn.Linear)

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = ml
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})

    h = Holder()
    assert len(list(h.parameters())) == 10
    assert "a" in h.heads and list(h.heads.keys()) == ["a", "b"]
    h.heads["c"] = nn.Linear(1, 1)
    assert len(h.heads) == 3 and isinstance(h.heads.pop("c"), nn.Linear)
    with pytest.raises(NotImplementedError, match="iterate"):
        ml(gg.ones(1))


def test_layer_modules_basics():
    x = gg.randn(4, 2, 3)
    assert nn.Flatten()(x).shape == (4, 6)
    assert nn.Identity(7, foo=1)(x) is x
    lin = nn.Linear(3, 5, bias=False)
    assert lin.bias is None and lin(x).shape == (4, 2, 5)
    with pytest.raises(RuntimeError, match="linear"):
        lin(gg.randn(2, 4))
    d = nn.Dropout(0.5)
    y = d(gg.ones(1000))
    vals = set(np.unique(y.numpy()).tolist())
    assert vals == {0.0, 2.0}
    d.eval()
    z = gg.ones(10)
    assert d(z) is z
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


@pytest.mark.parametrize("cls,fn", [(nn.ReLU, "relu"), (nn.Tanh, "tanh"), (nn.Sigmoid, "sigmoid"),
                                    (nn.SiLU, "silu"), (nn.GELU, "gelu"), (nn.ELU, "elu"),
                                    (nn.LeakyReLU, "leaky_relu"), (nn.Softplus, "softplus")])
def test_activation_modules_match_functional(cls, fn):
    x = gg.randn(5, 4)
    np.testing.assert_array_equal(cls()(x).numpy(), getattr(nn.functional, fn)(x).numpy())


def test_softmax_modules():
    x = gg.randn(3, 4)
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy().sum(1), 1, rtol=1e-6)
    np.testing.assert_allclose(np.exp(nn.LogSoftmax(dim=0)(x).numpy()).sum(0), 1, rtol=1e-6)


def test_attribute_access_stays_in_sync_with_the_registries():
    m = nn.Linear(2, 2)
    new = nn.Parameter(gg.zeros(2, 2))
    m.weight = new
    assert m.weight is new and m._parameters["weight"] is new
    m._parameters["weight"] = nn.Parameter(gg.ones(2, 2))          # direct registry edits show through too
    assert m.weight is m._parameters["weight"]
    del m.weight
    with pytest.raises(AttributeError, match="no attribute 'weight'"):
        m.weight
    m.sub = nn.ReLU()
    m.sub = nn.Parameter(gg.ones(1))                               # a name can change kind
    assert isinstance(m.sub, nn.Parameter) and "sub" not in m._modules
    m.register_buffer("sub", gg.zeros(1))
    assert "sub" in m._buffers and "sub" not in m._parameters and not m.sub.requires_grad
    with pytest.raises(KeyError, match="already exists"):
        nn.ModuleDict({"keys": nn.ReLU()})                          # would shadow a method
    clone = copy.deepcopy(nn.Sequential(nn.Linear(2, 2)))
    clone[0].weight = nn.Parameter(gg.zeros(2, 2))
    assert clone[0].weight is clone[0]._parameters["weight"]
    assert [n for n, _ in clone.named_parameters(prefix="x")] == ["x.0.weight", "x.0.bias"]


def test_forward_hooks():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seen = []
    h1 = net[1].register_forward_hook(lambda m, args, out: seen.append((type(m).__name__, tuple(out.shape))))
    h2 = net[0].register_forward_pre_hook(lambda m, args: (args[0] * 0,))      # replaces the input
    h3 = net[2].register_forward_hook(lambda m, args, out: out + 100)           # replaces the output
    x = gg.randn(5, 3)
    out = net(x)
    assert seen == [("ReLU", (5, 4))]
    expected = net[2](nn.functional.relu(net[0].bias.detach() * gg.ones(5, 1)))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    for h in (h1, h2, h3):
        h.remove()
    assert "_forward_hooks" not in net[1].__dict__
    seen.clear()
    np.testing.assert_allclose(net(x).detach().numpy(),
                               net[2](nn.functional.relu(net[0](x))).detach().numpy(), rtol=1e-6)
    assert seen == []


def test_to_cuda_without_a_gpu_says_so_and_changes_nothing():
    if gg.cuda.is_available():
        pytest.skip("a GPU is present")
    m = nn.Linear(2, 2)
    arr = m.weight._data
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        m.to("cuda")
    assert m.weight._data is arr and m.weight.device == "cpu"


def test_in_place_writers_keep_optimizer_views_valid():
    """init, load_state_dict and vector_to_parameters write into the parameters' arrays, so an optimizer
    whose flat buffers the parameters view still sees (and steps) the new values."""
    from gpugrad import optim
    net = nn.Linear(3, 2)
    opt = optim.SGD(net.parameters(), lr=1.0)
    arrays = [p._data for p in net.parameters()]
    nn.init.zeros_(net.weight)
    net.load_state_dict({"weight": gg.zeros(2, 3), "bias": gg.ones(2)})
    nn.utils.vector_to_parameters(nn.utils.parameters_to_vector(net.parameters()).detach() * 3, net.parameters())
    assert all(p._data is a for p, a in zip(net.parameters(), arrays))
    opt.zero_grad()
    net(gg.ones(1, 3)).sum().backward()
    opt.step()                                               # bias 3 - lr * 1, weight 0 - lr * 1
    np.testing.assert_allclose(net.bias.detach().numpy(), [2, 2])
    np.testing.assert_allclose(net.weight.detach().numpy(), -np.ones((2, 3)))
