"""What the examples share: their command-line options and the digits loaders."""
import argparse
from pathlib import Path

import gpugrad as gg
from gpugrad.data import DataLoader, load


def parse(doc, argv, epochs, **extra):
    """--epochs (default ``epochs``; the tests pass a few for a smoke run), --out, --seed, --device, plus
    ``extra`` name -> default options."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--out", type=Path, default=Path("example-output"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cuda" if gg.cuda.is_available() else "cpu")
    for name, default in extra.items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    gg.manual_seed(args.seed)
    return args


def digits_loaders(args, batch_size=32, standardize=True):
    """The digits data set split 75/25, as (bundle, shuffled train loader, test loader) on args.device."""
    data = load("digits", seed=args.seed, standardize=standardize)
    train = DataLoader(data.train, batch_size=batch_size, shuffle=True, seed=args.seed, device=args.device)
    test = DataLoader(data.test, batch_size=512, device=args.device)
    return data, train, test
