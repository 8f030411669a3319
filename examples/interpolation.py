"""Loss along the straight line from the initial to the trained parameters of an MLP on the digits
(Goodfellow, Vinyals & Saxe 2014): theta(alpha) = (1 - alpha) theta_0 + alpha theta_1, alpha from -0.5 to 1.5.
The curve falls smoothly from the initial to the final loss with no bump in between: on this problem the
optimizer never had to climb over a barrier.

Run: python examples/interpolation.py [--epochs 20] [--out example-output]
"""
import numpy as np

from gpugrad import nn, optim
from gpugrad.train import fit, interpolate, snapshot

from _common import digits_loaders, parse


def main(argv=None):
    args = parse(__doc__, argv, epochs=20)
    data, train, test = digits_loaders(args)
    model = nn.MLP([data.num_features, 128, data.num_classes]).to(args.device)
    theta0 = snapshot(model)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05, momentum=0.9), train, args.epochs,
        val_loader=test, metrics=["accuracy"])
    res = interpolate(model, nn.CrossEntropyLoss(), theta0, {"train": train, "test": test},
                      alphas=np.linspace(-0.5, 1.5, 33), metrics=["accuracy"])
    png = res.plot(args.out / "interpolation.png", title="digits MLP: loss from initial (0) to trained (1)")
    inside = [l for a, l in zip(res.alphas, res.losses["train"]) if 0 <= a <= 1]
    rises = sum(b > a for a, b in zip(inside, inside[1:]))
    print(f"train loss at alpha=0: {inside[0]:.4f}, at alpha=1: {inside[-1]:.4f}; "
          f"{rises} rises along the segment between them")
    print(f"plot: {png}")
    return res


if __name__ == "__main__":
    main()
