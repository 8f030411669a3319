# A hand-written Linear layer as people copy it from PyTorch's source: nn.Parameter(torch.empty(...)),
# reset_parameters with kaiming_uniform_(a=sqrt(5)) and _calculate_fan_in_and_fan_out, extra_repr; a
# manual minibatch loop over torch.randperm; the raw-tensor manual backprop of the old tutorial.
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.Tensor(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


torch.manual_seed(3)
layer = MyLinear(50, 20)
results = {"weight_bound_ok": layer.weight.abs().max().item() <= 1 / math.sqrt(50) + 1e-7,
           "bias_bound_ok": layer.bias.abs().max().item() <= 1 / math.sqrt(50) + 1e-7,
           "weight_dtype": layer.weight.dtype, "is_parameter": isinstance(layer.weight, nn.Parameter),
           "extra_repr": layer.extra_repr(), "no_bias": MyLinear(3, 2, bias=False).bias is None,
           "param_names": [n for n, _ in MyLinear(3, 2, bias=False).named_parameters()],
           "fan": list(nn.init._calculate_fan_in_and_fan_out(torch.empty(7, 3)))}

rng = np.random.default_rng(17)
model = nn.Sequential(MyLinear(5, 12), nn.Tanh(), MyLinear(12, 1))
with torch.no_grad():
    for p in model.parameters():
        p.data.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.4))
X = torch.from_numpy(rng.standard_normal((100, 5)).astype(np.float32))
Y = X.sum(dim=1, keepdim=True).sin()
opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9)
batch_size = 20
for epoch in range(5):
    permutation = torch.randperm(X.size()[0])
    for i in range(0, X.size()[0], batch_size):
        indices = permutation[i:i + batch_size]
        batch_x, batch_y = X[indices], Y[indices]
        opt.zero_grad()
        loss = F.mse_loss(model(batch_x), batch_y)
        loss.backward()
        opt.step()
with torch.no_grad():
    results["shuffled_full_loss"] = F.mse_loss(model(X), Y).item()
results["perm_dtype"] = permutation.dtype
results["perm_sorted"] = torch.sort(permutation).values.tolist() == list(range(100))
tolerances = {"shuffled_full_loss": 0.05}

# manual forward and backward with raw tensors, no autograd
dtype = torch.float
device = torch.device("cpu")
N, D_in, H, D_out = 32, 20, 16, 4
x = torch.from_numpy(rng.standard_normal((N, D_in))).to(device=device, dtype=dtype)
y = torch.from_numpy(rng.standard_normal((N, D_out))).to(device, dtype)
w1 = torch.from_numpy(rng.standard_normal((D_in, H)) * 0.3).type(dtype)
w2 = torch.tensor(rng.standard_normal((H, D_out)) * 0.3, device=device, dtype=dtype)
learning_rate = 1e-3
for t in range(100):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    loss = (y_pred - y).pow(2).sum().item()
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h_relu = grad_y_pred.mm(w2.t())
    grad_h = grad_h_relu.clone()
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2
results["final_loss"] = loss
results["w_dtype"] = w1.dtype
results["w_requires_grad"] = w1.requires_grad
