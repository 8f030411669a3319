# Module plumbing that larger programs do: walking named_modules to swap layers, deepcopy of a model,
# state-dict key surgery (a 'module.' prefix from DataParallel), load_state_dict(strict=False), per-layer
# learning rates, backward hooks, half/double casts, ParameterList/ParameterDict and Unflatten.
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(51)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.0)

    def forward(self, x):
        return x + self.drop(self.act(self.fc(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(4, 8)
        self.blocks = nn.Sequential(*[Block(8) for _ in range(3)])
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(8)) for _ in range(2)])
        self.offsets = nn.ParameterDict({"a": nn.Parameter(torch.zeros(8)), "b": nn.Parameter(torch.zeros(8))})
        self.unflatten = nn.Unflatten(1, (2, 4))
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        h = self.blocks(self.stem(x))
        for s in self.scales:
            h = h * s
        h = h + self.offsets["a"] - self.offsets["b"]
        return self.head(self.unflatten(h).mean(1))


model = Net()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.4))
results = {
    "module_names": [n for n, _ in model.named_modules()],
    "n_linear": sum(isinstance(m, nn.Linear) for m in model.modules()),
    "param_names": [n for n, _ in model.named_parameters()],
    "scales_len": len(model.scales), "offsets_keys": list(model.offsets.keys()),
}

for name, module in list(model.named_modules()):
    if isinstance(module, nn.ReLU):
        parent = model.get_submodule(name.rsplit(".", 1)[0])
        setattr(parent, name.rsplit(".", 1)[1], nn.GELU())
results["gelu_count"] = sum(isinstance(m, nn.GELU) for m in model.modules())

twin = copy.deepcopy(model)
results["deepcopy_distinct"] = twin.stem.weight.data_ptr() != model.stem.weight.data_ptr()

wrapped = {"module." + k: v for k, v in model.state_dict().items()}
clean = {k.removeprefix("module."): v for k, v in wrapped.items()}
clean.pop("head.bias")
clean["extra.weight"] = torch.zeros(1)
fresh = Net()
info = fresh.load_state_dict(clean, strict=False)
results["missing"] = sorted(info.missing_keys)
results["unexpected"] = sorted(info.unexpected_keys)

X = torch.from_numpy(rng.standard_normal((32, 4)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 2, 32))
grad_norms = []
handle = model.head.register_full_backward_hook(lambda m, gin, gout: grad_norms.append(gout[0].norm().item()))
optimizer = torch.optim.SGD([
    {"params": model.stem.parameters(), "lr": 0.01},
    {"params": model.blocks.parameters()},
    {"params": list(model.scales.parameters()) + list(model.offsets.parameters()) + list(model.head.parameters()),
     "lr": 0.1, "momentum": 0.5},
], lr=0.05, momentum=0.9)
for step in range(15):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
handle.remove()
results["final_loss"] = loss.item()
results["hook_calls"] = len(grad_norms)
results["first_hook_norms"] = grad_norms[:3]
results["group_lrs"] = [g["lr"] for g in optimizer.param_groups]
results["group_momenta"] = [g["momentum"] for g in optimizer.param_groups]
results["twin_unchanged"] = torch.equal(twin.stem.weight, model.stem.weight)

half = copy.deepcopy(model).half()
results["half_dtype"] = half.head.weight.dtype
double = copy.deepcopy(model).double()
results["double_loss"] = F.cross_entropy(double(X.double()), y).item()
results["frozen_count"] = sum(1 for p in model.parameters() if not p.requires_grad)
tolerances = {"double_loss": 1e-4}
