"""Gradients with respect to the input: a sensitivity map and the fast gradient sign method (Goodfellow,
Shlens & Szegedy 2015) on the 8x8 digits.

The model is trained on raw pixel intensities in [0, 1] (no standardization), so an input perturbation is a
perturbation of the image. dL/dx says how the loss changes with each pixel: |dL/dx| is a sensitivity map.
FGSM moves every pixel by eps in the direction that increases the loss, x' = clip(x + eps sign(dL/dx), 0, 1);
a small eps already flips many predictions.

Run: python examples/adversarial.py [--epochs 30] [--out example-output]
"""
import gpugrad as gg
from gpugrad import nn, optim
from gpugrad.nn import functional as F
from gpugrad.train import evaluate, fit
from gpugrad.train.plots import new_figure, save_figure

from _common import digits_loaders, parse


def input_gradient(model, loss_fn, x, y):
    """dL/dx for a batch: the input is a leaf that requires grad."""
    x = x.detach().requires_grad_()
    loss_fn(model(x), y).backward()
    return x.grad


def fgsm(model, loss_fn, x, y, eps):
    g = input_gradient(model, loss_fn, x, y)
    return (x + eps * g.sign()).clamp(0.0, 1.0)


def main(argv=None):
    args = parse(__doc__, argv, epochs=30)
    data, train, test = digits_loaders(args, standardize=False)
    model = nn.MLP([data.num_features, 256, data.num_classes]).to(args.device)
    loss_fn = nn.CrossEntropyLoss()
    fit(model, loss_fn, optim.Adam(model.parameters(), lr=1e-3), train, args.epochs, val_loader=test,
        metrics=["accuracy"])
    model.eval()
    X, y = (t.to(args.device) for t in data.test.tensors)
    print(f"clean test accuracy {evaluate(model, loss_fn, test, ['accuracy'])['accuracy']:.4f}")
    rows = []
    for eps in (0.0, 0.05, 0.1, 0.2, 0.3):
        X_adv = fgsm(model, loss_fn, X, y, eps) if eps else X
        with gg.no_grad():
            acc = (model(X_adv).argmax(1) == y).float().mean().item()
        rows.append((eps, acc))
        print(f"FGSM eps={eps:.2f}: test accuracy {acc:.4f}")
    # the figure: one test digit, its sensitivity map, its adversarial version and the perturbation
    i = 0
    x0, y0 = X[i:i + 1], y[i:i + 1]
    sens = input_gradient(model, loss_fn, x0, y0).abs()
    eps = 0.2
    adv = fgsm(model, loss_fn, x0, y0, eps)
    with gg.no_grad():
        p_clean, p_adv = F.softmax(model(x0), dim=-1), F.softmax(model(adv), dim=-1)
    images = [(x0, f"digit (label {y0.item()})\npredicted {p_clean.argmax().item()} "
                   f"p={p_clean.max().item():.2f}", "gray_r"),
              (sens, "sensitivity |dL/dx|", "magma"),
              (adv, f"FGSM eps={eps}\npredicted {p_adv.argmax().item()} p={p_adv.max().item():.2f}", "gray_r"),
              (adv - x0, "perturbation x' - x", "coolwarm")]
    fig, axes = new_figure(5, width=2.6, height=2.9)
    for ax, (img, label, cmap) in zip(axes, images):
        im = ax.imshow(img.detach().cpu().numpy().reshape(8, 8), cmap=cmap)
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046)
    axes[4].plot([e for e, _ in rows], [a for _, a in rows], marker="o")
    axes[4].set_xlabel("eps")
    axes[4].set_ylabel("test accuracy")
    axes[4].set_title("FGSM on the test set", fontsize=9)
    axes[4].grid(True, alpha=0.3)
    png = save_figure(fig, args.out / "adversarial.png")
    print(f"plot: {png}")
    return rows


if __name__ == "__main__":
    main()
