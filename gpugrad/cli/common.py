"""What the ``gpugrad`` commands share: argument types, the data/model/optimizer arguments, and building one
run (device, data bundle, model factory, loss, metrics, optimizer, scheduler) from them."""
from __future__ import annotations

import argparse
from pathlib import Path

OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "adagrad")
DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 1e-3,
              "adagrad": 0.05}


class CLIError(Exception):
    """A usage problem found after parsing (reported like an argparse error)."""


def _sizes(text):
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer widths like 128,64, got {text!r}")
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return sizes


def _pair(kind):
    def parse(text):
        parts = text.replace(" ", "").split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            return kind(parts[0]), kind(parts[1])
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected two comma-separated {kind.__name__}s like LOW,HIGH, "
                                             f"got {text!r}")
    parse.__name__ = f"pair of {kind.__name__}s"
    return parse


def _positive(kind, zero_ok=False):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}")
        if not (v >= 0 if zero_ok else v > 0):      # (not v > 0 also refuses nan)
            raise argparse.ArgumentTypeError(f"must be {'>= 0' if zero_ok else 'positive'}, got {text!r}")
        return v
    parse.__name__ = f"{'non-negative' if zero_ok else 'positive'} {kind.__name__}"
    return parse


def add_model_args(p, single_run=True):
    """Add the data, model, optimization and run argument groups to the parser ``p`` (``single_run``: also
    ``--lr`` and ``--batch-size``)."""
    from ..data import DATASETS
    g = p.add_argument_group("data and model")
    g.add_argument("--data", default="digits", choices=sorted(DATASETS), help="data set (default: digits, offline)")
    g.add_argument("--test-fraction", type=float, default=0.25, help="held-out share (not for mnist; default 0.25)")
    g.add_argument("--hidden", type=_sizes, default=[256, 128], help="hidden layer widths (default: 256,128)")
    g.add_argument("--activation", default="relu",
                   choices=("relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "tanh", "sigmoid"))
    g.add_argument("--init", default="kaiming",
                   choices=("kaiming", "kaiming_uniform", "xavier", "xavier_normal", "orthogonal", "default"))
    g.add_argument("--norm", default=None, choices=("batch", "layer"), help="normalization after each hidden layer")
    g.add_argument("--dropout", type=float, default=0.0)
    o = p.add_argument_group("optimization")
    o.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    o.add_argument("--weight-decay", type=_positive(float, zero_ok=True), default=0.0)
    if single_run:
        o.add_argument("--lr", type=_positive(float), default=None, help="learning rate (default per optimizer)")
        o.add_argument("--batch-size", type=_positive(int), default=32)
    r = p.add_argument_group("run")
    r.add_argument("--device", default="auto", help="auto (a GPU if one answers, else cpu), cpu, cuda, cuda:N")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", type=Path, default=None, help="output folder (default: gpugrad-runs/<data>)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")


def resolve_device(spec):
    """The device string for ``--device spec`` (``auto``: a GPU if one answers, else ``cpu``); a clear
    :class:`CLIError` for an unknown or absent device."""
    import gpugrad as gg
    if spec == "auto":
        return "cuda" if gg.cuda.is_available() else "cpu"
    try:
        dev = gg.device(spec)
    except ValueError as e:
        raise CLIError(f"--device: {e}") from None
    if dev.type == "cuda" and not gg.cuda.is_available():
        raise CLIError(f"--device {spec}: CUDA is not available here (CuPy missing or no GPU answered); "
                       f"use --device cpu or auto")
    return str(dev)


def make_optimizer(name, params, lr, weight_decay=0.0):
    """The optimizer named ``name`` (one of :data:`OPTIMIZERS`) over ``params``."""
    from .. import optim
    if name in ("sgd", "momentum", "nesterov"):
        momentum = 0.0 if name == "sgd" else 0.9
        return optim.SGD(params, lr=lr, momentum=momentum, nesterov=name == "nesterov", weight_decay=weight_decay)
    cls = {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}[name]
    return cls(params, lr=lr, weight_decay=weight_decay)


def problem(args):
    """The data bundle, a model factory, the loss, the metrics and the device from the shared arguments."""
    import gpugrad as gg
    from .. import nn
    from ..data import load
    if not 0 < args.test_fraction < 1:
        raise CLIError(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    if not 0 <= args.dropout < 1:
        raise CLIError(f"--dropout must be in [0, 1), got {args.dropout}")
    device = resolve_device(args.device)
    gg.manual_seed(args.seed)
    data = load(args.data, test_fraction=args.test_fraction, seed=args.seed)
    sizes = [data.num_features, *args.hidden, data.num_classes or 1]

    def make_model():
        return nn.MLP(sizes, activation=args.activation, dropout=args.dropout, norm=args.norm, init=args.init,
                      device=device)
    loss_fn = nn.CrossEntropyLoss() if data.num_classes else nn.MSELoss()
    metrics = ("accuracy",) if data.num_classes else ("mse",)
    return data, make_model, loss_fn, metrics, device


def setup(args):
    """Data bundle, loaders, model, loss and optimizer for one run (train, lr-find)."""
    from ..data import DataLoader
    data, make_model, loss_fn, metrics, device = problem(args)
    model = make_model()
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    opt = make_optimizer(args.optimizer, model.parameters(), lr, args.weight_decay)
    train_loader = DataLoader(data.train, batch_size=args.batch_size, shuffle=True, seed=args.seed, device=device)
    test_loader = DataLoader(data.test, batch_size=1024, device=device)
    out = args.out or Path("gpugrad-runs") / args.data
    return data, model, loss_fn, metrics, opt, lr, train_loader, test_loader, out, device


def make_scheduler(name, opt, epochs):
    """The per-epoch LR scheduler named by ``--scheduler`` (``none``: None)."""
    from ..optim import lr_scheduler
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if name == "step":
        return lr_scheduler.MultiStepLR(opt, milestones=[max(1, epochs // 2), max(1, 3 * epochs // 4)], gamma=0.1)
    return None


def eval_loader(dataset, device):
    """A loader for evaluating ``dataset`` on ``device`` (large batches, no shuffling)."""
    from ..data import DataLoader
    return DataLoader(dataset, batch_size=1024, device=device)

