"""SGD vs SGD with momentum vs Adam: the same MLP from the same initial weights on the digits, one
convergence figure (average training loss per sample, linear and log scale, with test loss dashed).

Run: python examples/optimizers_compared.py [--epochs 30] [--out example-output]
"""
import gpugrad as gg
from gpugrad import nn, optim
from gpugrad.train import fit, plot_convergence

from _common import digits_loaders, parse

OPTIMIZERS = {
    "SGD lr=0.05": lambda p: optim.SGD(p, lr=0.05),
    "momentum 0.9 lr=0.05": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "Adam lr=1e-3": lambda p: optim.Adam(p, lr=1e-3),
}


def main(argv=None):
    args = parse(__doc__, argv, epochs=30)
    data, train, test = digits_loaders(args)
    histories = {}
    for name, make in OPTIMIZERS.items():
        gg.manual_seed(args.seed)                       # the same initial weights for every optimizer
        model = nn.MLP([data.num_features, 128, data.num_classes]).to(args.device)
        histories[name] = fit(model, nn.CrossEntropyLoss(), make(model.parameters()), train, args.epochs,
                              val_loader=test, metrics=["accuracy"], desc=name)
    png = plot_convergence(histories, args.out / "optimizers_compared.png", log_epochs=True,
                           title="digits, MLP 64-128-10: optimizers compared")
    for name, h in histories.items():
        print(f"{name:<22} final train loss {h.last('train_loss'):.4f}  test accuracy {h.last('val_accuracy'):.4f}")
    print(f"plot: {png}")
    return {name: h.last("train_loss") for name, h in histories.items()}


if __name__ == "__main__":
    main()
