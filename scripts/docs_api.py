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
* Public members of a public class: its methods (plain, static and class methods) and properties whose names
  do not start with ``_``, defined by gpugrad (in the class or a gpugrad base class, public or not; what
  comes from ``object``, builtins or other libraries is not checked). A member shared by several public
  classes (inherited) is checked once, under the first class that has it.
* A docstring passes when it exists, shows an example (``>>>``, run as a doctest), names every argument
  (except ``self``, ``cls``, ``*args``, ``**kwargs`` and ``_private`` ones) and, for a function or method,
  says what it returns. A property has no arguments: its docstring says what the value is and shows it.
* A method that overrides a gpugrad base class's method and has no docstring of its own inherits the base
  method's docstring (as :func:`inspect.getdoc` does); the base's docstring must pass for the base method.
* Names waiting for a docstring in a module this rule's owners do not edit are listed in :data:`PENDING`,
  with the reason; the test fails once one of them passes, so the list only shrinks.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
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
    """What the docstring of a public function, method or class lacks: itself, an example, its arguments, (for
    a function or method) its return value. A property needs a docstring with an example."""
    if isinstance(obj, property):
        doc = obj.__doc__ or ""
        return ["no docstring"] if not doc.strip() else [] if ">>>" in doc else ["no example (>>>)"]
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


def _member(attr):
    """The function (or property) a class attribute stands for, if it is a method or property gpugrad
    defines; else None."""
    if isinstance(attr, (staticmethod, classmethod)):
        attr = attr.__func__
    if isinstance(attr, property):
        return attr if _ours(attr.fget) else None
    return attr if inspect.isroutine(attr) and _ours(attr) else None


def public_members(cls) -> list[tuple[str, type, object]]:
    """``(name, defining class, method or property)`` of the public members of class ``cls`` that gpugrad
    defines: its own, then the inherited ones along the MRO (not those of object, builtins or other libraries)."""
    out, seen = [], set()
    for klass in cls.__mro__:
        for name, attr in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)              # a name defined here hides the same name further up the MRO
            member = _member(attr) if _ours(klass) else None
            if member is not None:
                out.append((name, klass, member))
    return out


def member_problems(cls, name: str, klass: type, member) -> list[str]:
    """:func:`docstring_problems` of one member; a method without a docstring that overrides a gpugrad base
    class's method inherits the nearest docstring up the MRO (judged as that base method's docstring)."""
    if not (member.__doc__ or "").strip() and not isinstance(member, property):
        for base in klass.__mro__[1:]:
            up = _member(vars(base).get(name)) if _ours(base) else None
            if up is not None and not isinstance(up, property) and (up.__doc__ or "").strip():
                return [f"{p} (in the docstring it inherits from {base.__qualname__}.{name})"
                        for p in docstring_problems(up)]
    return docstring_problems(member)


# Public members whose docstrings belong to code the docs' owners do not edit: each waits for its docstring
# there, and the test fails once one passes (remove it from this list then).
PENDING: dict[str, str] = {}


def undocumented(pending: bool = False) -> dict[str, list[str]]:
    """``"module.name" -> problems`` for every public name (and ``"module.Class.member"`` for every public
    member of a public class) whose docstring falls short, one entry per object (a name re-exported by several
    public modules, or a method inherited by several classes, is reported once, under the first). Names in
    :data:`PENDING` are left out unless ``pending``."""
    seen, out = set(), {}

    def check(key, obj, problems):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        p = problems()
        if p and (pending or key not in PENDING):
            out[key] = p

    for m in public_modules():
        mod = importlib.import_module(m)
        for n in public_names(m):
            obj = getattr(mod, n)
            check(f"{m}.{n}", obj, lambda: docstring_problems(obj))
    for m in public_modules():
        mod = importlib.import_module(m)
        for n in public_names(m):
            obj = getattr(mod, n)
            if inspect.isclass(obj) and _ours(obj):
                for name, klass, member in public_members(obj):
                    check(f"{m}.{n}.{name}", member, lambda: member_problems(obj, name, klass, member))
    return out


def _public_classes() -> set[int]:
    """``id()`` of every public class: each has its own entry in the reference, with its own members."""
    out = set()
    for m in public_modules():
        mod = importlib.import_module(m)
        out.update(id(getattr(mod, n)) for n in public_names(m) if inspect.isclass(getattr(mod, n)))
    return out


def inherited_to_show(cls, public_classes: set[int]) -> list[str]:
    """The members ``cls`` inherits from a base that has no entry of its own in the reference (a private base:
    ``Sequential.append`` comes from ``_Indexed``, ``Tensor.cpu`` from ``DeviceDtypeShorthands``): its entry
    shows them, unless a public base inherits them too (``nn.Linear`` gets ``cpu`` from ``Module``'s entry)."""
    return [name for name, klass, member in public_members(cls)
            if klass is not cls and (member.__doc__ or "").strip()
            and not any(id(b) in public_classes and issubclass(b, klass) for b in cls.__mro__[1:])]


def api_page(modname: str) -> str:
    """The Markdown of one API reference page: the module's docstring, then every public name (a class with
    its documented members, and those it inherits from a private base)."""
    lines = [f"# `{modname}`", "", f"::: {modname}", "    options:", "      members: false",
             "      show_root_heading: false", "      show_root_toc_entry: false", ""]
    mod = importlib.import_module(modname)
    public_classes = _public_classes()
    for n in public_names(modname):
        obj = getattr(mod, n)
        # where it is defined (the module's attribute of that name can be a submodule: autograd.gradcheck)
        target = (f"{obj.__module__}.{obj.__qualname__}" if _ours(obj) and "<" not in obj.__qualname__
                  else f"{modname}.{n}")
        lines += [f"::: {target}", "    options:", f'      heading: "{modname}.{n}"', f'      toc_label: "{n}"']
        inherited = inherited_to_show(obj, public_classes) if inspect.isclass(obj) and _ours(obj) else []
        if inherited:
            lines.append(f"      inherited_members: [{', '.join(inherited)}]")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    probs = undocumented(pending="--pending" in sys.argv)
    for k, v in probs.items():
        print(f"{k}: {'; '.join(v)}")
    print(f"{len(probs)} public names with docstring problems in {len(public_modules())} modules")
