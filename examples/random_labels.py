"""The random-label check (Zhang et al. 2017): the same MLP, from the same initial weights, trained on the
digits' true labels and on a fixed random permutation of them. With enough parameters it memorizes the
random labels too: training loss still heads to zero, only more slowly, while test accuracy stays at chance
(about 10%).

Run: python examples/random_labels.py [--epochs 40] [--width 256] [--out example-output]
"""
from gpugrad import nn, optim
from gpugrad.train import plot_convergence, random_label_check, summarize_random_labels

from _common import digits_loaders, parse


def main(argv=None):
    args = parse(__doc__, argv, epochs=40, width=256)
    data, _, _ = digits_loaders(args)
    out = random_label_check(lambda: nn.MLP([data.num_features, args.width, args.width, data.num_classes]),
                             lambda params: optim.Adam(params, lr=2e-3), nn.CrossEntropyLoss(), data.train,
                             epochs=args.epochs, batch_size=32, test_set=data.test, seed=args.seed,
                             device=args.device, progress=True)
    png = plot_convergence({"true labels": out["true"], "random labels": out["random"]}, args.out / "random_labels.png",
                           title=f"digits, MLP 64-{args.width}-{args.width}-10: true vs random labels")
    print(summarize_random_labels(out))
    print(f"plot: {png}")
    return out


if __name__ == "__main__":
    main()
