"""Train an MLP on the 8x8 digits (scikit-learn's copy, offline) and plot its convergence.

Run: python examples/mlp_digits.py [--epochs 30] [--out example-output]
"""
import gpugrad as gg
from gpugrad import nn, optim
from gpugrad.train import evaluate, fit, plot_convergence

from _common import digits_loaders, parse


def main(argv=None):
    args = parse(__doc__, argv, epochs=30)
    data, train, test = digits_loaders(args)
    model = nn.MLP([data.num_features, 256, 128, data.num_classes], activation="relu").to(args.device)
    print(model)
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), train, args.epochs,
               val_loader=test, metrics=["accuracy"])
    hist.save(args.out, stem="mlp_digits_history")
    png = plot_convergence(hist, args.out / "mlp_digits.png", title="MLP on digits (Adam, lr 1e-3)")
    gg.save(model.state_dict(), args.out / "mlp_digits.safetensors")
    res = evaluate(model, nn.CrossEntropyLoss(), test, ["accuracy"])
    print(f"test accuracy {res['accuracy']:.4f}, test loss {res['loss']:.4f}; plot: {png}")
    return res


if __name__ == "__main__":
    main()
