# A physics-informed fit: u(x) from an MLP, u'(x) and u''(x) through torch.autograd.grad(create_graph=True)
# with grad_outputs=torch.ones_like(u); the ODE u'' = -u with u(0)=0, u'(0)=1 as the loss; Adam, then L-BFGS
# with a strong-Wolfe line search. Input gradients with requires_grad_() as in saliency maps.
import math

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(13)
net = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=torch.float64))
net = net.double()
optimizer = torch.optim.Adam(net.parameters(), lr=5e-3)

x = torch.linspace(0, math.pi, 50, dtype=torch.float64).reshape(-1, 1).requires_grad_(True)
x0 = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
losses = []
for step in range(60):
    optimizer.zero_grad()
    u = net(x)
    du = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)[0]
    d2u = torch.autograd.grad(du, x, torch.ones_like(du), create_graph=True)[0]
    residual = d2u + u
    u0 = net(x0)
    du0, = torch.autograd.grad(u0.sum(), x0, create_graph=True)
    loss = residual.pow(2).mean() + (u0 ** 2).sum() + ((du0 - 1) ** 2).sum()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

# then polish with L-BFGS and a strong-Wolfe line search, the usual second stage of PINN training
lbfgs = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=20, history_size=10, line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    u = net(x)
    du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
    d2u = torch.autograd.grad(du, x, torch.ones_like(du), create_graph=True)[0]
    u0 = net(x0)
    du0, = torch.autograd.grad(u0.sum(), x0, create_graph=True)
    loss = (d2u + u).pow(2).mean() + (u0 ** 2).sum() + ((du0 - 1) ** 2).sum()
    loss.backward()
    return loss


for _ in range(3):
    lbfgs.step(closure)
losses.append(closure().item())
with torch.no_grad():
    u_test = net(torch.tensor([[math.pi / 2]], dtype=torch.float64)).item()

# saliency: the gradient of one output with respect to the inputs
inp = torch.tensor(rng.standard_normal((4, 1)), dtype=torch.float64).requires_grad_()
net.zero_grad()
out = net(inp)
out[2].backward()
saliency = inp.grad.abs().flatten().tolist()

# gradient norms and a Hessian-vector product by double backward
params = [p for p in net.parameters() if p.requires_grad]
loss = net(x).pow(2).mean()
grads = torch.autograd.grad(loss, params, create_graph=True)
vec = [torch.ones_like(g) for g in grads]
hv = torch.autograd.grad(grads, params, grad_outputs=vec, retain_graph=True)
gnorm = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
results = {"final_loss": losses[-1], "losses": losses[::15], "u_half_pi": u_test, "saliency": saliency,
           "lbfgs_evals": lbfgs.state_dict()["state"][0]["func_evals"],
           "grad_norm": gnorm, "hv_sum": sum(h.sum().item() for h in hv), "x_grad_none": x.grad is None,
           "du_requires_grad": du.requires_grad, "param_dtype": next(net.parameters()).dtype,
           "hv_shapes": [list(h.shape) for h in hv]}
