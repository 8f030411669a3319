"""PyTorch's keyword names, checked systematically: every parameter name that PyTorch's signature has for a
function (``gpugrad.X`` vs ``torch.X``, ``gpugrad.nn.functional.X`` vs ``torch.nn.functional.X``) or a Tensor
method (``gpugrad.Tensor.X`` vs ``torch.Tensor.X``) that both libraries have must be accepted by gpugrad's
signature, and the parameters PyTorch takes by position must sit at the same positions.

Which functions to compare: the ones ``torch.overrides.get_testing_overrides()`` lists. What PyTorch's
signature is, most exact source first:
1. a function written in Python (``torch.split``, most of ``torch.nn.functional``): its own signature;
2. a native op: its ATen schemas (``torch._C._jit_get_schemas_for_operator``), every overload Python can
   reach (``self`` is ``input`` in the function, the tensor itself in the method; the mutable out arguments
   are Python's ``out=``, which the methods don't take, counted only where the lambda below lists ``out``
   too: several schemas have out overloads that Python does not bind, like ``relu.out``);
3. otherwise the lambda that ``get_testing_overrides`` gives, which carries the Python signature.
"""
from __future__ import annotations

import inspect

import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# Deliberate differences, each with its reason. (scope, name) -> {parameter: reason}; "*" for every name.
ALLOWED = {
    ("*", "*"): {
        "names": "named tensors (Dimname overloads) are not supported",
        "out_dtype": "the mm/bmm out_dtype overloads exist only for CUDA half/bfloat16 inputs in PyTorch",
        "implicit": "expand's implicit= is internal to PyTorch's tracer, not user API",
    },
    ("F", "*"): {
        "_stacklevel": "private to PyTorch's deprecation warnings (softmax, log_softmax)",
    },
    ("T", "to"): {
        "other": "x.to(other) is accepted positionally (a tensor whose dtype and device are taken)",
        "layout": "a schema-only overload: PyTorch's Python Tensor.to rejects layout=",
        "pin_memory": "a schema-only overload: PyTorch's Python Tensor.to rejects pin_memory=",
    },
    ("top", "full_like"): {"out": "a schema-only overload: PyTorch's Python full_like rejects out="},
    ("T", "copy_"): {"other": "copy_'s TorchScript overload spells src other; PyTorch documents src"},
}

# keyword-style names PyTorch's native schemas take by position, which every PyTorch user passes by keyword;
# gpugrad makes them keyword-only, so the positional-order check skips them
_KEYWORD_STYLE = {"out", "dtype", "layout", "device", "requires_grad", "pin_memory", "memory_format",
                  "generator", "non_blocking", "copy"}
# and per function: add's schema overload on a Scalar takes alpha by position, Python's binding only by keyword;
# max(a, b)/min(a, b): gpugrad takes a tensor second argument by position through dim (PyTorch's overloads are
# told apart by type the same way), and other= by keyword; scatter(input, dim, index, value): a number in src's
# place is the value overload
_KEYWORD_STYLE_IN = {"add": {"alpha"}, "sub": {"alpha"}, "subtract": {"alpha"}, "max": {"other"}, "min": {"other"},
                     "scatter": {"value"}, "scatter_": {"value"},
                     "isin": {"test_element", "element"}}     # (isin's scalar overloads)


def _allowed(scope, name, param):
    for key in ((scope, name), (scope, "*"), ("*", "*")):
        if param in ALLOWED.get(key, {}):
            return True
    return False


def _first_is_tensor(schema):
    """Whether the overload is on tensors (cat/stack: a list of them), not one of TorchScript's builtins on
    Python numbers, lists and strings."""
    if not schema.arguments:
        return False
    a = schema.arguments[0]
    t = str(a.type)
    if a.name == "n" and len(schema.arguments) > 1 and str(schema.arguments[1].type) == "Tensor":
        return True                   # polygamma(int n, Tensor self): the order first (the overrides lambda swaps them)
    return t.startswith("Tensor") or t.startswith("Optional[Tensor]") or (a.name == "tensors" and "Tensor" in t)


def _schema_signatures(name, method, lambda_has_out):
    """PyTorch's Python-reachable overloads of ``aten::name`` as lists of (param, keyword_only), or None."""
    try:
        schemas = torch._C._jit_get_schemas_for_operator(f"aten::{name}")
    except RuntimeError:
        return None
    sigs = []
    for s in schemas:
        if not _first_is_tensor(s):
            continue
        if any("Dimname" in str(a.type) for a in s.arguments):
            continue
        params, seen_out = [], False
        for i, a in enumerate(s.arguments):
            is_out = a.alias_info is not None and a.alias_info.is_write and a.kwarg_only
            if is_out:
                if method or seen_out or not lambda_has_out:
                    continue
                seen_out = True
                params.append(("out", True))
                continue
            if a.name == "self" or (i == 0 and method and not any(b.name == "self" for b in s.arguments)):
                if not method:         # the method's tensor is self (not always the first: where(condition, y))
                    params.append(("input", False))
                continue
            params.append((a.name, a.kwarg_only))
        sigs.append(params)
    return sigs or None


def _torch_signatures(scope, name, tobj, method):
    """PyTorch's signature(s) for this function or method, most exact source first (see the module doc)."""
    if inspect.isfunction(tobj):
        ps = list(inspect.signature(tobj).parameters.values())
        if method:
            ps = ps[1:]
        return [[(p.name, p.kind is p.KEYWORD_ONLY) for p in ps if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]]
    lam = torch.overrides.get_testing_overrides()[tobj]
    ps = list(inspect.signature(lam).parameters.values())
    sigs = _schema_signatures(name, method, "out" in [p.name for p in ps])
    if sigs is not None:
        return sigs
    if method:
        ps = [p for p in ps[1:] if p.name != "out"]     # PyTorch's Tensor methods take no out=
    return [[(p.name, p.name in _KEYWORD_STYLE) for p in ps if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]]


def _problems(scope, name, gobj, tobj, method):
    gparams = list(inspect.signature(gobj).parameters.values())
    if method:
        gparams = gparams[1:]
    if any(p.kind is p.VAR_KEYWORD for p in gparams):
        return []
    by_name = {p.name: p for p in gparams}
    positional = [p.name for p in gparams if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_positional = any(p.kind is p.VAR_POSITIONAL for p in gparams)
    out = []
    keyword_style = _KEYWORD_STYLE | _KEYWORD_STYLE_IN.get(name, set())
    sigs = _torch_signatures(scope, name, tobj, method)
    for sig in sigs:
        for pname, kwonly in sig:
            if _allowed(scope, name, pname):
                continue
            p = by_name.get(pname)
            if p is None or p.kind is p.POSITIONAL_ONLY:
                out.append(f"{scope}.{name}: no parameter {pname!r} (PyTorch: {[n for n, _ in sig]})")
            elif not kwonly and pname not in keyword_style and p.kind is p.KEYWORD_ONLY and not var_positional:
                # (a *args signature takes them by position through args, by name through the keyword)
                out.append(f"{scope}.{name}: {pname!r} is keyword-only, PyTorch takes it by position")
    # positions: the overload with the most positional parameters (overloads told apart by type, like
    # var(input, unbiased) beside var(input, dim, unbiased, keepdim), can't all hold by name)
    ordered = [[n for n, k in sig if not k and n not in keyword_style and not _allowed(scope, name, n)]
               for sig in sigs]
    longest = max(len(o) for o in ordered)
    if not var_positional and not any(positional[:len(o)] == o for o in ordered if len(o) == longest):
        out.append(f"{scope}.{name}: positional parameters {positional} don't start with PyTorch's "
                   f"{[o for o in ordered if len(o) == longest]}")
    return sorted(set(out))


def _common(gmod, tmod, scope, method=False):
    overrides = torch.overrides.get_testing_overrides()
    found = []
    for name in sorted(set(dir(gmod)) & set(dir(tmod))):
        if scope == "T" and name.startswith("__"):
            continue                        # operators: Python calls them positionally
        gobj, tobj = getattr(gmod, name), getattr(tmod, name)
        if isinstance(gobj, type) or not callable(gobj) or tobj not in overrides:
            continue
        found.append((name, gobj, tobj))
    return found


def _check(gmod, tmod, scope, method=False):
    common = _common(gmod, tmod, scope, method)
    assert len(common) > 20, f"too few {scope} names in common: the comparison would prove nothing"
    problems = [p for name, g, t in common for p in _problems(scope, name, g, t, method)]
    assert not problems, "\n".join(problems)


def test_top_level_functions_accept_torch_parameter_names():
    _check(gg, torch, "top")


def test_functional_accepts_torch_parameter_names():
    _check(F, TF, "F")


def test_tensor_methods_accept_torch_parameter_names():
    _check(gg.Tensor, torch.Tensor, "T", method=True)


# factories are not overridable, so get_testing_overrides leaves them out: their ATen schemas (every overload
# is Python's, plus the requires_grad= that Python's binding adds to each factory) are the reference
FACTORIES = ["zeros", "ones", "empty", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm"]


def _factory_signatures(name):
    sigs = []
    for s in torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        if any("Dimname" in str(a.type) for a in s.arguments):
            continue
        sigs.append([(a.name, a.kwarg_only) for a in s.arguments] + [("requires_grad", True)])
    return sigs


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_accept_torch_parameter_names(name):
    g = inspect.signature(getattr(gg, name)).parameters
    sigs = _factory_signatures(name)
    assert sigs
    for sig in sigs:
        for pname, _ in sig:
            assert pname in g and g[pname].kind is not inspect.Parameter.POSITIONAL_ONLY, (name, pname, sig)
    # the longest positional form (arange(start, end, step), randint(low, high, size)...) in PyTorch's order,
    # or the sizes taken as *args (zeros(2, 3), zeros((2, 3)), zeros(size=(2, 3)))
    longest = max(([n for n, k in sig if not k] for sig in sigs), key=len)
    positional = [p.name for p in g.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    starts_with_args = next(iter(g.values())).kind is inspect.Parameter.VAR_POSITIONAL
    assert positional[:len(longest)] == longest or (starts_with_args and longest == ["size"]), (positional, longest)


def test_the_allowlist_is_not_stale():
    """Each allowlisted (scope, name) is a name both libraries still have, and each excused parameter is one
    that gpugrad's signature still lacks (an exception no longer needed must leave the list)."""
    for (scope, name), params in ALLOWED.items():
        if "*" in (scope, name):
            continue
        gmod, tmod = {"top": (gg, torch), "F": (F, TF), "T": (gg.Tensor, torch.Tensor)}[scope]
        assert hasattr(gmod, name) and hasattr(tmod, name), (scope, name)
        have = inspect.signature(getattr(gmod, name)).parameters
        assert not set(params) & set(have), (scope, name, set(params) & set(have))


# -- Python-level API: nn module constructors, nn.init, optimizers, autograd, from_dlpack, set_default_device, save/load
# These are plain Python in PyTorch, so inspect.signature gives their exact signature: every parameter PyTorch
# has must be accepted by name, PyTorch's positional parameters must come first in its order, and the defaults
# must be PyTorch's. (label) -> {parameter: reason} for the deliberate differences.
ALLOWED_PY = {
}


def _py_pairs():
    """(label, gpugrad callable, torch callable, drop self) for every Python-level API both libraries have."""
    import gpugrad.nn.init as ginit
    pairs = []
    for name in sorted(set(dir(gg.nn)) & set(dir(torch.nn))):
        g, t = getattr(gg.nn, name), getattr(torch.nn, name)
        if isinstance(g, type) and isinstance(t, type) and issubclass(t, torch.nn.Module):
            pairs.append((f"nn.{name}", g.__init__, t.__init__, True))
    for name in sorted(set(ginit.__all__) & set(dir(torch.nn.init))):
        pairs.append((f"nn.init.{name}", getattr(ginit, name), getattr(torch.nn.init, name), False))
    for name in sorted(set(dir(gg.optim)) & set(dir(torch.optim))):
        g, t = getattr(gg.optim, name), getattr(torch.optim, name)
        if isinstance(g, type) and isinstance(t, type) and issubclass(t, torch.optim.Optimizer) \
                and t is not torch.optim.Optimizer:
            pairs.append((f"optim.{name}", g.__init__, t.__init__, True))
    import gpugrad.optim.lr_scheduler as gsched
    for name in sorted(set(dir(gsched)) & set(dir(torch.optim.lr_scheduler))):
        g, t = getattr(gsched, name), getattr(torch.optim.lr_scheduler, name)
        if isinstance(g, type) and isinstance(t, type) and issubclass(t, torch.optim.lr_scheduler.LRScheduler):
            pairs.append((f"lr_scheduler.{name}", g.__init__, t.__init__, True))
    import gpugrad.nn.utils as gutils
    for name in sorted(n for n in set(dir(gutils)) & set(dir(torch.nn.utils)) if not n.startswith("_")):
        g, t = getattr(gutils, name), getattr(torch.nn.utils, name)
        if inspect.isfunction(g) and inspect.isfunction(t):
            pairs.append((f"nn.utils.{name}", g, t, False))
    for name in ("grad", "backward"):
        pairs.append((f"autograd.{name}", getattr(gg.autograd, name), getattr(torch.autograd, name), False))
    for name in ("from_dlpack", "set_default_device", "save", "load"):
        pairs.append((name, getattr(gg, name), getattr(torch, name), False))
    return pairs


def _same_default(ours, theirs):
    """Equal defaults; a function default (Transformer's activation=F.relu) matches the function of that name."""
    if inspect.isfunction(ours) and inspect.isfunction(theirs):
        return ours.__name__ == theirs.__name__
    return ours == theirs


def _py_problems(label, gobj, tobj, drop_self):
    gps = list(inspect.signature(gobj).parameters.values())[int(drop_self):]
    tps = list(inspect.signature(tobj).parameters.values())[int(drop_self):]
    allowed = ALLOWED_PY.get(label, {})
    by_name = {p.name: p for p in gps}
    g_positional = [p.name for p in gps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    t_positional = [p.name for p in tps if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in allowed]
    out = []
    for tp in tps:
        if tp.kind in (tp.VAR_POSITIONAL, tp.VAR_KEYWORD) or tp.name in allowed:
            continue                       # (Module.__init__(*args, **kwargs): nothing to compare)
        gp = by_name.get(tp.name)
        if gp is None or gp.kind is gp.POSITIONAL_ONLY:
            out.append(f"{label}: no parameter {tp.name!r} (PyTorch: {inspect.signature(tobj)})")
        elif tp.default is not tp.empty and not (gp.default is not gp.empty and _same_default(gp.default, tp.default)):
            out.append(f"{label}: {tp.name}={gp.default!r} by default, PyTorch's is {tp.default!r}")
    if g_positional[:len(t_positional)] != t_positional:
        out.append(f"{label}: positional parameters {g_positional} don't start with PyTorch's {t_positional}")
    return out


def test_python_level_api_matches_torch_signatures():
    pairs = _py_pairs()
    labels = {p[0] for p in pairs}
    # enough of each family that the comparison proves something
    for family, least in (("nn.", 15), ("nn.init.", 8), ("optim.", 5), ("lr_scheduler.", 5), ("nn.utils.", 2),
                          ("autograd.", 2)):
        assert sum(lb.startswith(family) for lb in labels) >= least, family
    problems = [p for pair in pairs for p in _py_problems(*pair)]
    assert not problems, "\n".join(problems)


def test_the_python_level_allowlist_is_not_stale():
    """Each excused parameter is one that PyTorch still has and gpugrad's signature still lacks."""
    pairs = {p[0]: p for p in _py_pairs()}
    for label, params in ALLOWED_PY.items():
        assert label in pairs, label
        _, g, t, _ = pairs[label]
        assert set(params) <= set(inspect.signature(t).parameters), (label, params)
        assert not set(params) & set(inspect.signature(g).parameters), (label, params)
