# The variational autoencoder of the examples repository, on synthetic binary "images": reparameterization
# with torch.randn_like, F.binary_cross_entropy(reduction='sum') plus the KL term, eval mode decoding the mean,
# sampling from the prior; torch.exp(0.5 * logvar), torch.chunk of one encoder output.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(31)
prototypes = (rng.random((4, 36)) > 0.5).astype(np.float32)
data = np.clip(prototypes[rng.integers(0, 4, 256)] + (rng.random((256, 36)) < 0.05), 0, 1).astype(np.float32)
loader = DataLoader(TensorDataset(torch.from_numpy(data)), batch_size=64, shuffle=False)


class VAE(nn.Module):
    def __init__(self, d=36, h=24, z=4):
        super().__init__()
        self.fc1 = nn.Linear(d, h)
        self.fc2 = nn.Linear(h, 2 * z)
        self.fc3 = nn.Linear(z, h)
        self.fc4 = nn.Linear(h, d)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        mu, logvar = torch.chunk(self.fc2(h1), 2, dim=-1)
        return mu, logvar

    def reparameterize(self, mu, logvar):
        if self.training:
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std
        return mu

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 36))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 36), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


torch.manual_seed(0)
model = VAE()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)


def evaluate():
    model.eval()
    total = 0.0
    with torch.no_grad():
        for (x,) in loader:
            recon, mu, logvar = model(x)
            total += loss_function(recon, x, mu, logvar).item()
    return total / len(loader.dataset)


results = {"initial_eval_loss": evaluate()}
for epoch in range(8):
    model.train()
    train_loss = 0.0
    for batch_idx, (x,) in enumerate(loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(x)
        loss = loss_function(recon_batch, x, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    results["train_loss"] = train_loss / len(loader.dataset)
results["final_loss"] = evaluate()
with torch.no_grad():
    sample = model.decode(torch.randn(16, 4))
results["sample_shape"] = list(sample.shape)
results["sample_in_unit"] = bool(((sample >= 0) & (sample <= 1)).all())
results["learned"] = results["final_loss"] < results["initial_eval_loss"] * 0.7
tolerances = {"train_loss": 2.0, "final_loss": 2.0}        # randn_like draws differ between the libraries
