# Transfer-learning habits on an MLP: freeze a pretrained trunk (requires_grad_(False)), optimizer over
# filter(lambda p: p.requires_grad, ...), a new head, forward hooks capturing activations, a gradient hook,
# manual lr changes through param_groups, parameters_to_vector, clip_grad_value_, model.zero_grad().
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import clip_grad_value_, parameters_to_vector, vector_to_parameters

rng = np.random.default_rng(21)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU())

    def forward(self, x):
        return self.layers(x)


class Classifier(nn.Module):
    def __init__(self, backbone, n_classes):
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(16, n_classes)

    def forward(self, x):
        return self.fc(self.backbone(x))


backbone = Backbone()
model = Classifier(backbone, 4)
with torch.no_grad():
    vec = torch.from_numpy(rng.standard_normal(sum(p.numel() for p in model.parameters())).astype(np.float32))
    vector_to_parameters(vec * 0.3, model.parameters())
results = {"vector_len": parameters_to_vector(model.parameters()).numel()}

model.backbone.requires_grad_(False)
for p in model.backbone.layers[2].parameters():
    p.requires_grad = True                                  # unfreeze the last trunk layer
trainable = [n for n, p in model.named_parameters() if p.requires_grad]
results["trainable"] = trainable
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.9)

activations = {}


def save_activation(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook


handle = model.backbone.layers[1].register_forward_hook(save_activation("relu1"))
grad_seen = []
model.fc.weight.register_hook(lambda g: grad_seen.append(g.norm().item()))

X = torch.from_numpy(rng.standard_normal((80, 10)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 4, 80))
frozen_before = model.backbone.layers[0].weight.clone()
for epoch in range(20):
    if epoch == 10:
        for g in optimizer.param_groups:
            g["lr"] = g["lr"] * 0.5
    model.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    clip_grad_value_(model.parameters(), clip_value=0.5)
    optimizer.step()
handle.remove()
model(X)

results.update({
    "final_loss": loss.item(),
    "frozen_unchanged": torch.equal(frozen_before, model.backbone.layers[0].weight),
    "frozen_grad_none": model.backbone.layers[0].weight.grad is None,
    "activation_shape": list(activations["relu1"].shape),
    "activation_mean": activations["relu1"].mean().item(),
    "hook_calls": len(grad_seen),
    "first_grad_norms": grad_seen[:3],
    "lr_now": optimizer.param_groups[0]["lr"],
    "max_abs_grad": max(p.grad.abs().max().item() for p in model.parameters() if p.grad is not None),
    "n_frozen": sum(not p.requires_grad for p in model.parameters()),
})
