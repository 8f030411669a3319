"""Which names are gpugrad's public API: the rule the API reference and the docstring test share.

The rule (also stated in docs/api/index.md):

* Public modules: ``gpugrad`` itself, every module or package directly under ``gpugrad`` whose name does not
  start with ``_`` and is not an implementation layer listed in :data:`INTERNAL`, and, recursively, the
  submodules a public module exports (listed in its ``__all__``, or, without ``__all__``, any attribute that
  is a gpugrad module).
* Public names of a public module: its ``__all__``; without ``__all__``, its attributes whose names do not
  start with ``_`` and that are functions or classes defined in gpugrad (names imported from NumPy or the
  standard library do not count). ``gpugrad``'s lazily loaded ``save`` and ``load`` count too.
* Only functions and classes are checked (dtypes and constants are documented in prose). A class's own
  docstring counts (not an inherited one), and its arguments are those of ``__init__``.
* A docstring passes when it exists, shows an example (``>>>``, run as a doctest), names every argument
  (except ``self``, ``*args``, ``**kwargs`` and ``_private`` ones) and, for a function, says what it returns.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types

# implementation layers: what users need from them is re-exported by a public module
INTERNAL = {
    "backend": "devices and array modules; Device/device/set_default_device are re-exported by gpugrad",
    "ops": "the op library; every op is re-exported by gpugrad and as a Tensor method",
    "tensor": "Tensor and the factories, re-exported by gpugrad",
    "kernels": "fused kernels behind the ops, optimizers and losses (documented in the GPU guide)",
    "bench": "the benchmark scripts (python -m gpugrad.bench.*)",
    "cli": "the gpugrad command (documented by gpugrad --help)",
    "utils": "gpugrad.utils.data is torch.utils.data's name for gpugrad.data (the same objects, documented there)",
}
LAZY_TOP_LEVEL = ("save", "load")      # gpugrad.__getattr__ loads them from gpugrad.serialization


def public_modules() -> list[str]:
    """Names of the public modules, parents first."""
    import gpugrad
    out = ["gpugrad"]
    for info in pkgutil.iter_modules(gpugrad.__path__):
        if not info.name.startswith("_") and info.name not in INTERNAL:
            out.append(f"gpugrad.{info.name}")
    i = 0
    while i < len(out):
        mod = importlib.import_module(out[i])
        names = getattr(mod, "__all__", None)
        names = names if names is not None else [n for n in vars(mod) if not n.startswith("_")]
        for n in names:
            sub = getattr(mod, n, None)
            if (isinstance(sub, types.ModuleType) and sub.__name__.startswith(out[i] + ".")
                    and sub.__name__ not in out and sub.__name__.split(".")[1] not in INTERNAL):
                out.append(sub.__name__)
        i += 1
    return out


def _ours(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("gpugrad")


def public_names(modname: str) -> list[str]:
    """The public functions and classes of one public module, in the module's order."""
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
        if modname == "gpugrad":
            names += list(LAZY_TOP_LEVEL)
    out = []
    for n in names:
        obj = getattr(mod, n)
        if isinstance(obj, types.ModuleType) or not (inspect.isclass(obj) or inspect.isroutine(obj)):
            continue
        if _ours(obj) or names is getattr(mod, "__all__", None):
            out.append(n)
    return out


def docstring_of(obj) -> str:
    return (obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__) or ""


def arguments_of(obj) -> list[str]:
    """The named arguments a docstring must mention (not self, *args, **kwargs or _private ones)."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and obj.__init__ is object.__init__:
        return []
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls") and not p.name.startswith("_")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def docstring_problems(obj) -> list[str]:
    """What the docstring of a public function or class lacks: itself, an example, its arguments, (for a
    function) its return value."""
    doc = docstring_of(obj)
    if not doc.strip():
        return ["no docstring"]
    problems = []
    if ">>>" not in doc:
        problems.append("no example (>>>)")
    missing = [a for a in arguments_of(obj) if not re.search(rf"\b{re.escape(a)}\b", doc)]
    if missing:
        problems.append("arguments not described: " + ", ".join(missing))
    if not inspect.isclass(obj) and not re.search(r"\breturn", doc, re.I):
        problems.append("return value not described (a Returns: section)")
    return problems


def undocumented() -> dict[str, list[str]]:
    """``"module.name" -> problems`` for every public name whose docstring falls short, one entry per object
    (a name re-exported by several public modules is reported once, under the first)."""
    seen, out = set(), {}
    for m in public_modules():
        mod = importlib.import_module(m)
        for n in public_names(m):
            obj = getattr(mod, n)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            p = docstring_problems(obj)
            if p:
                out[f"{m}.{n}"] = p
    return out


def api_page(modname: str) -> str:
    """The Markdown of one API reference page: the module's docstring, then every public name."""
    lines = [f"# `{modname}`", "", f"::: {modname}", "    options:", "      members: false",
             "      show_root_heading: false", "      show_root_toc_entry: false", ""]
    mod = importlib.import_module(modname)
    for n in public_names(modname):
        obj = getattr(mod, n)
        # where it is defined (the module's attribute of that name can be a submodule: autograd.gradcheck)
        target = (f"{obj.__module__}.{obj.__qualname__}" if _ours(obj) and "<" not in obj.__qualname__
                  else f"{modname}.{n}")
        lines += [f"::: {target}", "    options:", f'      heading: "{modname}.{n}"', f'      toc_label: "{n}"', ""]
    return "\n".join(lines)


if __name__ == "__main__":
    probs = undocumented()
    for k, v in probs.items():
        print(f"{k}: {'; '.join(v)}")
    print(f"{len(probs)} public names with docstring problems in {len(public_modules())} modules")
