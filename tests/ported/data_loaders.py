# Minibatch linear regression through torch.utils.data: TensorDataset, a custom Dataset, Subset, samplers.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset, SequentialSampler, BatchSampler

rng = np.random.default_rng(1)
X = rng.standard_normal((200, 5)).astype(np.float32)
w_true = rng.standard_normal((5, 1)).astype(np.float32)
Y = X @ w_true + 0.1 * rng.standard_normal((200, 1)).astype(np.float32)


class Rows(Dataset):
    def __init__(self, X, Y):
        self.X, self.Y = X, Y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return torch.from_numpy(self.X[i]), torch.from_numpy(self.Y[i])


def train(loader, epochs=5):
    model = nn.Linear(5, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
    return total / len(loader.dataset)


tensors = TensorDataset(torch.tensor(X), torch.tensor(Y))
results = {
    "final_loss": train(DataLoader(tensors, batch_size=32)),
    "custom_dataset": train(DataLoader(Rows(X, Y), batch_size=16, drop_last=True)),
    "subset_sampler": train(DataLoader(Subset(tensors, list(range(0, 200, 2))), batch_size=10,
                                       sampler=list(range(99, -1, -1)))),
    "batch_sampler": train(DataLoader(tensors, batch_sampler=BatchSampler(SequentialSampler(tensors), 50, False),
                                      num_workers=2)),
}
