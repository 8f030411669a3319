"""Run PyTorch programs unchanged, on ``torch`` or on gpugrad imported as ``torch``.

    python tests/ported/run.py torch|gpugrad SCRIPT.py [...]

Each script is an ordinary PyTorch program (``import torch``, ``from torch.utils.data import ...``) that
leaves its figures in a global ``results`` dict: numbers, booleans, strings, dtypes, shapes and lists of them
(a dtype is written as its name without ``torch.`` or ``gpugrad.``, a shape as a list). With ``gpugrad``, an
import hook answers every ``torch`` or ``torch.X`` import with ``gpugrad`` or ``gpugrad.X`` (the only change a
user makes: ``import gpugrad as torch``). Prints one JSON object: script -> results (and the script's
``tolerances``), or the error's traceback.
"""
import importlib
import importlib.abc
import importlib.util
import json
import runpy
import sys
import traceback


class TorchIsGpugrad(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of ``torch`` and ``torch.X`` give ``gpugrad`` and ``gpugrad.X``."""

    def find_spec(self, name, path, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("gpugrad" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


def plain(value):
    """``value`` as JSON: Python scalars and strings as they are, shapes and sequences as lists, a dtype (or
    another object) as its string without a leading ``torch.``/``gpugrad.``: the libraries' spellings of it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value).removeprefix("torch.").removeprefix("gpugrad.")


def main(argv):
    which, scripts = argv[0], argv[1:]
    if which == "gpugrad":
        sys.meta_path.insert(0, TorchIsGpugrad())
    out = {}
    for path in scripts:
        try:
            g = runpy.run_path(path, run_name="__main__")
            out[path] = {"results": {k: plain(v) for k, v in g["results"].items()},
                         "tolerances": g.get("tolerances", {})}
        except Exception:
            out[path] = {"error": traceback.format_exc()}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
