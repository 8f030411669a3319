# A classic classification tutorial: three Gaussian blobs, a two-layer MLP, CrossEntropyLoss, Adam, accuracy.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(3)
centers = np.array([[0.0, 0.0], [3.0, 3.0], [-3.0, 3.0]])
labels = rng.integers(0, 3, 300)
points = centers[labels] + rng.standard_normal((300, 2))
X = torch.tensor(points, dtype=torch.float32)
y = torch.tensor(labels)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)


net = Net()
with torch.no_grad():
    for layer in (net.fc1, net.fc2):
        layer.weight.copy_(torch.tensor(rng.standard_normal(tuple(layer.weight.shape)) * 0.3, dtype=torch.float32))
        layer.bias.zero_()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
for epoch in range(100):
    optimizer.zero_grad()
    outputs = net(X)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()

with torch.no_grad():
    _, predicted = torch.max(net(X), 1)
    accuracy = (predicted == y).sum().item() / y.size(0)
results = {"final_loss": loss.item(), "accuracy": accuracy}
