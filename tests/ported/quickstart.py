# The quickstart tutorial's shape on synthetic "images": a Dataset subclass, DataLoader(batch_size, shuffle),
# nn.Flatten + nn.Sequential stack, train/test loops with the accuracy idiom, the device-selection idiom.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

device = "cuda" if torch.cuda.is_available() else "cpu"
rng = np.random.default_rng(7)


class BlobImages(Dataset):
    """4x4 single-channel 'images' whose class is the brightest quadrant."""

    def __init__(self, n, transform=None):
        self.images = rng.standard_normal((n, 1, 4, 4)).astype(np.float32)
        self.labels = rng.integers(0, 4, n)
        for i, c in enumerate(self.labels):
            r, q = divmod(int(c), 2)
            self.images[i, 0, 2 * r:2 * r + 2, 2 * q:2 * q + 2] += 1.5
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = torch.from_numpy(self.images[idx])
        if self.transform:
            image = self.transform(image)
        return image, int(self.labels[idx])


training_data = BlobImages(512)
test_data = BlobImages(128, transform=lambda t: t * 1.0)
batch_size = 64
train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

X, y = next(iter(test_dataloader))
results = {"batch_X_shape": list(X.shape), "batch_X_dtype": X.dtype, "batch_y_shape": list(y.shape),
           "batch_y_dtype": y.dtype, "n_train_batches": len(train_dataloader)}


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(16, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 4),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
with torch.no_grad():
    for name, param in model.named_parameters():
        param.copy_(torch.from_numpy(rng.standard_normal(tuple(param.shape)).astype(np.float32) * 0.3))

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    seen = 0
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seen += len(X)
        if batch % 4 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
    return seen


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return test_loss, correct


results["initial_test_loss"], results["initial_accuracy"] = test(test_dataloader, model, loss_fn)
epochs = 5
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    results["seen_per_epoch"] = train(train_dataloader, model, loss_fn, optimizer)
    final_loss, accuracy = test(test_dataloader, model, loss_fn)
results["final_loss"], results["final_accuracy"] = final_loss, accuracy
results["learned"] = accuracy > 0.8
results["pred_type"] = type(model(X).argmax(1)[0].item()).__name__
tolerances = {"final_loss": 0.1, "final_accuracy": 0.06}     # shuffled batches: other orders in the two libraries
