# The official tutorial's polynomial fit with nn and optim (RMSprop), and a Module subclass with SGD.
import math

import numpy as np
import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.1, -0.2, 0.05]]))
    model[0].bias.fill_(0.01)
loss_fn = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
linear_layer = model[0]
results = {"final_loss": loss.item(), "a": linear_layer.bias.item(), "b": linear_layer.weight[:, 0].item()}


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        init = np.array([0.2, 0.8, -0.1, -0.05])
        self.a, self.b, self.c, self.d = (torch.nn.Parameter(torch.tensor(v, dtype=torch.float32)) for v in init)

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3


model = Polynomial3()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(300):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
results["module_loss"] = loss.item()
