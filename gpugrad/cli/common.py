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


def _data_arg(text):
    from ..data import DATASETS
    if text in DATASETS or any(text.lower().endswith(s) for s in (".csv", ".tsv", ".txt", ".npz", ".npy")):
        return text
    raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose a data set from "
                                     f"{', '.join(sorted(DATASETS))}, or give a .csv, a .npz or "
                                     f"FEATURES.npy,LABELS.npy file)")


def run_name(args):
    """The data set's name for default output folders: the bundled set's name, or the file's stem."""
    from ..data import DATASETS
    return args.data if args.data in DATASETS else Path(args.data.split(",")[0]).stem


def add_model_args(p, single_run=True, out_default="gpugrad-runs/<data>"):
    """Add the data, model, optimization and run argument groups to the parser ``p`` (``single_run``: also
    ``--lr`` and ``--batch-size``; ``out_default``: the default output folder, as the help shows it)."""
    from ..data import DATASETS
    g = p.add_argument_group("data and model")
    g.add_argument("--data", default="digits", type=_data_arg, metavar="NAME|PATH",
                   help=f"a bundled data set ({', '.join(sorted(DATASETS))}; default: digits, offline) or your own: "
                        f"a CSV file with a header row, a .npz (arrays x/X and y), or FEATURES.npy,LABELS.npy")
    g.add_argument("--target", default=None, metavar="COLUMN", help="label column of a CSV (default: the last) or "
                   "array of a .npz (default: y)")
    g.add_argument("--features", default=None, type=lambda t: [c.strip() for c in t.split(",") if c.strip()],
                   metavar="A,B,...", help="feature columns of a CSV (default: all but the target) or array of a .npz")
    g.add_argument("--task", default=None, choices=("classification", "regression"),
                   help="default: inferred from the target (text, or integers with few values: classification)")
    g.add_argument("--test-fraction", type=float, default=0.25, help="held-out share (not for mnist; default 0.25)")
    g.add_argument("--hidden", type=_sizes, default=[256, 128], help="hidden layer widths (default: 256,128)")
    g.add_argument("--activation", default="relu",
                   choices=("relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "tanh", "sigmoid"))
    g.add_argument("--init", default="kaiming",
                   choices=("kaiming", "kaiming_uniform", "xavier", "xavier_normal", "orthogonal", "default"))
    g.add_argument("--norm", default=None, choices=("batch", "layer"), help="normalization after each hidden layer")
    g.add_argument("--dropout", type=float, default=0.0, help="dropout probability after each hidden layer "
                   "(default: 0.0)")
    o = p.add_argument_group("optimization")
    o.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    o.add_argument("--weight-decay", type=_positive(float, zero_ok=True), default=0.0)
    if single_run:
        o.add_argument("--lr", type=_positive(float), default=None, help="learning rate (default per optimizer)")
        o.add_argument("--batch-size", type=_positive(int), default=32, help="mini-batch size (default: 32)")
    r = p.add_argument_group("run")
    r.add_argument("--device", default="auto", help="auto (a GPU if one answers, else cpu), cpu, cuda, cuda:N")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", type=Path, default=None, help=f"output folder (default: {out_default})")
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
    from ..data import DATASETS, load, load_file
    if not 0 < args.test_fraction < 1:
        raise CLIError(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    if not 0 <= args.dropout < 1:
        raise CLIError(f"--dropout must be in [0, 1), got {args.dropout}")
    device = resolve_device(args.device)
    gg.manual_seed(args.seed)
    if args.data in DATASETS:
        if args.target is not None or args.features is not None:
            raise CLIError(f"--target and --features are for your own data files, not the bundled {args.data!r}")
        data = load(args.data, test_fraction=args.test_fraction, seed=args.seed)
        if args.task is not None and args.task != data.task:
            raise CLIError(f"--task {args.task}: the bundled {args.data!r} is a {data.task} data set")
    else:
        data = load_file(args.data, target=args.target, features=args.features, task=args.task,
                         test_fraction=args.test_fraction, seed=args.seed)
    sizes = [data.num_features, *args.hidden, data.num_classes or 1]

    def make_model():
        return nn.MLP(sizes, activation=args.activation, dropout=args.dropout, norm=args.norm, init=args.init,
                      device=device)
    loss_fn = nn.CrossEntropyLoss() if data.num_classes else nn.MSELoss()
    metrics = ("accuracy",) if data.num_classes else ("mse", "r2")
    return data, make_model, loss_fn, metrics, device


def setup(args):
    """Data bundle, loaders, model, loss and optimizer for one run (train, lr-find)."""
    from ..data import DataLoader
    out = output_folder(args, Path("gpugrad-runs") / run_name(args))
    data, make_model, loss_fn, metrics, device = problem(args)
    model = make_model()
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    opt = make_optimizer(args.optimizer, model.parameters(), lr, args.weight_decay)
    train_loader = DataLoader(data.train, batch_size=args.batch_size, shuffle=True, seed=args.seed, device=device)
    test_loader = DataLoader(data.test, batch_size=1024, device=device)
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



def output_folder(args, default):
    """The run's output folder (``--out``, else ``default``), created now and checked to be writable, so
    that a bad ``--out`` is reported before training rather than after it."""
    import tempfile
    out = Path(args.out) if args.out is not None else Path(default)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out}: is a file; give a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise CLIError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    return out
