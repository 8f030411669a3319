# Custom autograd Functions beyond the tutorial's: a ReLU with ctx.save_for_backward, a straight-through
# estimator, a clamp that marks an output non-differentiable and checks ctx.needs_input_grad, checked with
# gradcheck, then trained inside a module.
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Function, gradcheck


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class RoundSTE(Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class ScaledClamp(Function):
    @staticmethod
    def forward(ctx, x, scale, low, high):
        ctx.save_for_backward(x, scale)
        ctx.low, ctx.high = low, high
        mask = (x >= low) & (x <= high)
        ctx.mark_non_differentiable(mask)
        return x.clamp(low, high) * scale, mask

    @staticmethod
    def backward(ctx, grad_out, grad_mask):
        x, scale = ctx.saved_tensors
        inside = ((x >= ctx.low) & (x <= ctx.high)).to(x.dtype)
        grad_x = grad_scale = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_out * scale * inside
        if ctx.needs_input_grad[1]:
            grad_scale = (grad_out * x.clamp(ctx.low, ctx.high)).sum().reshape(scale.shape)
        return grad_x, grad_scale, None, None


rng = np.random.default_rng(6)
x64 = torch.tensor(rng.standard_normal((5, 4)), dtype=torch.double, requires_grad=True)
s64 = torch.tensor([1.5], dtype=torch.double, requires_grad=True)
results = {
    "gradcheck_relu": gradcheck(MyReLU.apply, (x64,), eps=1e-6, atol=1e-4),
    "gradcheck_clamp": gradcheck(lambda a, b: ScaledClamp.apply(a, b, -0.5, 0.5)[0], (x64, s64)),
}
out, mask = ScaledClamp.apply(x64, s64, -0.5, 0.5)
results["mask_requires_grad"] = mask.requires_grad
results["mask_dtype"] = mask.dtype
results["out_requires_grad"] = out.requires_grad
x_only = torch.tensor(rng.standard_normal(3), requires_grad=True)
y, _ = ScaledClamp.apply(x_only, torch.tensor([2.0]), -1.0, 1.0)
y.sum().backward()
results["grad_x_only"] = x_only.grad.tolist()

r = torch.tensor([0.2, 0.7, 1.6, -2.4], requires_grad=True)
RoundSTE.apply(r * 3).sum().backward()
results["ste_grad"] = r.grad.tolist()


class QuantNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)
        self.scale = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        h = MyReLU.apply(self.fc1(x))
        h = RoundSTE.apply(h * 4) / 4
        h, _ = ScaledClamp.apply(h, self.scale, 0.0, 2.0)
        return self.fc2(h)


net = QuantNet()
with torch.no_grad():
    for p in (net.fc1.weight, net.fc1.bias, net.fc2.weight, net.fc2.bias):
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.7, dtype=torch.float32))
X = torch.tensor(rng.standard_normal((64, 3)), dtype=torch.float32)
Y = (X[:, :1] * 2 - X[:, 1:2]).sin()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
for step in range(40):
    opt.zero_grad()
    loss = nn.functional.mse_loss(net(X), Y)
    loss.backward()
    opt.step()
results["final_loss"] = loss.item()
results["scale"] = net.scale.item()
