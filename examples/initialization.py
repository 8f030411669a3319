"""Good vs bad initialization of a deep MLP on the digits, diagnosed with gradient health.

Three 8-hidden-layer ReLU nets, identical but for the initial weights:
- He (Kaiming): std = sqrt(2 / fan_in) keeps the activations' second moment constant through ReLU layers;
- too small, std 0.01: each layer multiplies the signal by about 0.01 sqrt(fan_in / 2) = 0.06, so both the
  activations going forward and the gradients coming back shrink geometrically: vanishing gradients;
- too large, std 0.5: a factor 0.5 sqrt(fan_in / 2) = 2.8 per layer: exploding activations and gradients.
The gradient-health callback records per-layer gradient and activation norms and reports, in words, what
is wrong. Run: python examples/initialization.py [--epochs 10] [--out example-output]
"""
import numpy as np

import gpugrad as gg
from gpugrad import nn, optim
from gpugrad.train import GradientHealth, fit, plot_convergence

from _common import digits_loaders, parse

INITS = {"He (kaiming)": "kaiming",
         "too small (std 0.01)": lambda w: nn.init.normal_(w, 0.0, 0.01),
         "too large (std 0.5)": lambda w: nn.init.normal_(w, 0.0, 0.5)}


def main(argv=None):
    args = parse(__doc__, argv, epochs=10, depth=8, width=64)
    data, train, test = digits_loaders(args)
    histories, findings = {}, {}
    for i, (name, init) in enumerate(INITS.items()):
        gg.manual_seed(args.seed)
        sizes = [data.num_features] + [args.width] * args.depth + [data.num_classes]
        model = nn.MLP(sizes, activation="relu", init=init).to(args.device)
        health = GradientHealth()
        with np.errstate(over="ignore", invalid="ignore"):   # the too-large init overflows on purpose
            opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            histories[name] = fit(model, nn.CrossEntropyLoss(), opt, train, args.epochs, val_loader=test,
                                  metrics=["accuracy"], callbacks=[health], desc=name)
        print(f"\n=== {name} ===")
        print(health.report())
        health.plot(args.out / f"initialization_health_{i}.png", title=f"gradient health: {name}")
        findings[name] = health.findings()
    png = plot_convergence(histories, args.out / "initialization.png",
                           title="digits, 8x64 ReLU MLP: initializations")
    print()
    for name, h in histories.items():
        print(f"{name:<22} final train loss {h.last('train_loss'):.4g}  test accuracy {h.last('val_accuracy'):.4f}")
    print(f"plots: {png}, {args.out}/initialization_health_*.png")
    return findings


if __name__ == "__main__":
    main()
