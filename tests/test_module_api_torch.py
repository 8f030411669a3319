"""Module's PyTorch surface beyond the basics: dotted-path lookups and surgery, hook options (prepend,
with_kwargs, always_call), load_state_dict(assign=), extra state, type/bfloat16/to_empty/compile. Each story
runs on gpugrad and on PyTorch and the outcomes are compared."""
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _net(lib):
    nn = lib.nn
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sequential(nn.ReLU(), nn.Linear(4, 2, bias=False)))
    net.register_buffer("empty_slot", None)
    return net


def _outcome(fn):
    """What ``fn()`` gives, as plain data: the class name and shape of a result, or the exception's class."""
    try:
        r = fn()
    except Exception as e:          # the class is what scripts catch; messages are our own
        return ("raises", type(e).__name__)
    if r is None:
        return None
    return (type(r).__name__ if type(r).__name__ in ("Parameter",) else "tensor" if hasattr(r, "shape")
            else type(r).__name__, tuple(getattr(r, "shape", ())))


LOOKUPS = ["0.weight", "2.1.weight", "2.1.bias", "1.running_mean", "1.num_batches_tracked", "empty_slot", "0",
           "nope.weight", "0.nope", "2.0.weight", "", "1"]


@pytest.mark.parametrize("method", ["get_parameter", "get_buffer", "get_submodule"])
def test_dotted_path_lookups_as_torch(method):
    got = [_outcome(lambda: getattr(_net(gg), method)(t)) for t in LOOKUPS]
    want = [_outcome(lambda: getattr(_net(torch), method)(t)) for t in LOOKUPS]
    assert got == want


def test_get_parameter_and_get_buffer_return_the_objects_themselves():
    net = _net(gg)
    assert net.get_parameter("2.1.weight") is net[2][1].weight
    assert net.get_buffer("1.running_var") is net[1].running_var
    assert net.get_submodule("2.1") is net[2][1]


SURGERY = [("2.0", False), ("2.0", True), ("2.new", False), ("2.new", True), ("new", False), ("0.weight", False),
           ("nope.x", False), ("", False), ("1", True)]


@pytest.mark.parametrize("target,strict", SURGERY)
def test_set_submodule_as_torch(target, strict):
    def story(lib):
        net = _net(lib)
        try:
            net.set_submodule(target, lib.nn.Tanh(), strict=strict)
        except Exception as e:
            return type(e).__name__
        return [(name, type(m).__name__) for name, m in net.named_modules()]
    assert story(gg) == story(torch)


def test_set_submodule_rejects_a_non_module_as_torch():
    for lib in (gg, torch):
        with pytest.raises(ValueError):
            _net(lib).set_submodule("0", lib.ones(2))


def test_modules_remove_duplicate_as_torch():
    def story(lib):
        lin = lib.nn.Linear(2, 2)
        net = lib.nn.Sequential(lin, lib.nn.Sequential(lin, lib.nn.ReLU()), lin)
        return [[type(m).__name__ for m in net.modules(remove_duplicate=rd)] for rd in (True, False)]
    assert story(gg) == story(torch)


def _hook_order_story(lib):
    m, log = lib.nn.Linear(3, 2), []
    m.register_forward_pre_hook(lambda mod, a: log.append("pre1"))
    m.register_forward_pre_hook(lambda mod, a: log.append("pre0"), prepend=True)
    m.register_forward_hook(lambda mod, a, out: log.append("post1"))
    h = m.register_forward_hook(lambda mod, a, out: log.append("post0"), prepend=True)
    m.register_full_backward_hook(lambda mod, gi, go: log.append("bw1"))
    m.register_full_backward_hook(lambda mod, gi, go: log.append("bw0"), prepend=True)
    m.register_full_backward_pre_hook(lambda mod, go: log.append("bwpre1"))
    m.register_full_backward_pre_hook(lambda mod, go: log.append("bwpre0"), True)
    m(lib.ones(1, 3, requires_grad=True)).sum().backward()
    h.remove()
    m(lib.ones(1, 3))
    return log


def test_hook_prepend_order_as_torch():
    assert _hook_order_story(gg) == _hook_order_story(torch)


def _kwargs_story(lib):
    class Scale(lib.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    m, log = Scale(), []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {**kwargs, "scale": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: log.append(sorted(kwargs.items())) or out + 1,
                            with_kwargs=True)
    out = m(lib.ones(2), scale=2.0)
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    try:
        bad(lib.ones(2))
        err = None
    except RuntimeError:
        err = "RuntimeError"
    return out.tolist(), log, err


def test_hooks_with_kwargs_as_torch():
    assert _kwargs_story(gg) == _kwargs_story(torch)


def _always_call_story(lib):
    class Boom(lib.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m, log = Boom(), []
    m.register_forward_hook(lambda mod, args, out: log.append(("plain", out)))
    m.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: 1 / 0, always_call=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            m(lib.ones(1))
        except ValueError as e:
            log.append(str(e))
    log.append([str(x.message).split(":")[0] for x in w])
    ok, seen = lib.nn.Identity(), []
    ok.register_forward_hook(lambda mod, args, out: seen.append(out.tolist()), always_call=True)
    ok(lib.ones(1))
    return log, seen


def test_always_call_hooks_run_when_forward_raises_as_torch():
    assert _always_call_story(gg) == _always_call_story(torch)


def _assign_story(lib):
    src = lib.nn.Linear(2, 3).double()
    sd = src.state_dict()
    dst = lib.nn.Linear(2, 3)
    dst.bias.requires_grad_(False)
    keys = dst.load_state_dict(sd, assign=True)
    bn = lib.nn.BatchNorm1d(3)
    bn.load_state_dict(lib.nn.BatchNorm1d(3).double().state_dict(), assign=True)
    return (list(keys.missing_keys), type(dst.weight).__name__, str(dst.weight.dtype).split(".")[-1],
            dst.weight.requires_grad, dst.bias.requires_grad, dst.weight.data_ptr() == sd["weight"].data_ptr(),
            type(bn.running_mean).__name__, str(bn.running_mean.dtype).split(".")[-1],
            str(bn.num_batches_tracked.dtype).split(".")[-1])


def test_load_state_dict_assign_as_torch():
    assert _assign_story(gg) == _assign_story(torch)


def test_load_state_dict_assign_takes_arrays_and_checks_shapes_first():
    lin = gg.nn.Linear(2, 1)
    w = lin.weight
    with pytest.raises(RuntimeError, match="size mismatch"):
        lin.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(1)}, assign=True)
    assert lin.weight is w
    lin.load_state_dict({"weight": np.full((1, 2), 2.0), "bias": np.ones(1)}, assign=True)
    assert isinstance(lin.weight, gg.nn.Parameter) and lin.weight.tolist() == [[2.0, 2.0]]


def _extra_state_story(lib):
    class Counter(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = 0
            self.fc = lib.nn.Linear(1, 1)

        def get_extra_state(self):
            return {"steps": self.steps}

        def set_extra_state(self, state):
            self.steps = state["steps"]

    a = Counter()
    a.steps = 5
    net = lib.nn.Sequential(a, lib.nn.ReLU())
    sd = net.state_dict()
    b = lib.nn.Sequential(Counter(), lib.nn.ReLU())
    r1 = b.load_state_dict(sd)
    c = lib.nn.Sequential(Counter(), lib.nn.ReLU())
    partial = {k: v for k, v in sd.items() if not k.endswith("_extra_state")}
    r2 = c.load_state_dict(partial, strict=False)
    try:
        c.load_state_dict(partial)
        strict_err = None
    except RuntimeError:
        strict_err = "RuntimeError"
    plain = lib.nn.Sequential(lib.nn.Linear(1, 1))
    r3 = plain.load_state_dict({**plain.state_dict(), "0._extra_state": 1}, strict=False)
    return (list(sd), sd["0._extra_state"], b[0].steps, tuple(map(list, r1)), tuple(map(list, r2)), strict_err,
            tuple(map(list, r3)), "_extra_state" in "".join(lib.nn.Linear(1, 1).state_dict()))


def test_extra_state_as_torch():
    assert _extra_state_story(gg) == _extra_state_story(torch)


def _type_story(lib):
    bn = lib.nn.BatchNorm1d(2)
    bn(lib.ones(3, 2)).sum().backward()
    bn.type(lib.float64)
    lin = lib.nn.Linear(2, 1)
    try:
        lin.type(lib.int64)
        err = None
    except RuntimeError:
        err = "RuntimeError"
    lin2 = lib.nn.Linear(2, 1).requires_grad_(False).type(lib.int32)
    lin3 = lib.nn.Linear(2, 1).type("torch.DoubleTensor")
    name = lambda t: str(t.dtype).split(".")[-1]
    return (name(bn.weight), name(bn.weight.grad), name(bn.running_mean), name(bn.num_batches_tracked), err,
            name(lin.weight), name(lin2.weight), name(lin3.bias))


def test_type_casts_every_tensor_as_torch():
    assert _type_story(gg) == _type_story(torch)


def test_bfloat16_casts_floating_tensors_as_torch():
    pytest.importorskip("ml_dtypes")

    def story(lib):
        bn, lin = lib.nn.BatchNorm1d(2), lib.nn.Linear(2, 1)
        with lib.no_grad():
            lin.weight.fill_(0.5)
            lin.bias.fill_(0.125)
        w = bn.weight
        bn.bfloat16()
        out = lin.bfloat16()(lib.ones(1, 2).bfloat16()).float().tolist()
        return (bn.weight is w, [str(t.dtype).split(".")[-1] for t in bn.state_dict().values()],
                out, str(bn.float().weight.dtype).split(".")[-1])
    assert story(gg) == story(torch)


def test_to_empty_as_torch():
    def story(lib):
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        w, before = net[0].weight, net[0].weight.data_ptr()
        own = lib.nn.Linear(2, 2)
        own.sub = lib.nn.Linear(2, 2)
        sub_ptr = own.sub.weight.data_ptr()
        own.to_empty(device="cpu", recurse=False)
        net.to_empty(device="cpu")
        return (net[0].weight is w, net[0].weight.data_ptr() != before,
                [(k, tuple(v.shape), str(v.dtype).split(".")[-1]) for k, v in net.state_dict().items()],
                own.sub.weight.data_ptr() == sub_ptr)
    assert story(gg) == story(torch)


def test_to_accepts_non_blocking_as_torch():
    for lib in (gg, torch):
        m = lib.nn.Linear(2, 1).to("cpu", non_blocking=True).to(lib.float64, non_blocking=False)
        assert str(m.weight.dtype).endswith("float64")


def test_compile_is_in_place_and_checks_its_arguments_as_torch():
    m = gg.nn.Linear(2, 1)
    assert m.compile() is None and m.compile(mode="max-autotune") is None
    assert isinstance(m, gg.nn.Linear) and list(m.state_dict()) == ["weight", "bias"]
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="Unrecognized mode"):
            lib.nn.Linear(2, 1).compile(mode="bogus")


def test_module_methods_take_torchs_parameters():
    """Every parameter of a torch.nn.Module method that gpugrad's Module also has is accepted by name."""
    import inspect
    problems = []
    for name in sorted(set(dir(torch.nn.Module)) & set(dir(gg.nn.Module))):
        t, g = getattr(torch.nn.Module, name), getattr(gg.nn.Module, name)
        if name.startswith("_") or not callable(t):
            continue
        tps = inspect.signature(t).parameters.values()
        gps = inspect.signature(g).parameters
        for p in tps:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name == "self":
                continue
            if p.name not in gps and not any(q.kind is q.VAR_KEYWORD for q in gps.values()):
                problems.append(f"{name}: no {p.name!r}")
            elif p.name in gps and p.default is not p.empty and gps[p.name].default != p.default:
                problems.append(f"{name}: {p.name}={gps[p.name].default!r}, PyTorch's {p.default!r}")
    assert not problems, problems


def _tree(lib):
    nn = lib.nn
    return nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)), nn.Linear(2, 1))


def _save_hooks_story(lib):
    net, log = _tree(lib), []
    for m in (net, net[0], net[0][1], net[1]):
        m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(
            ("pre", type(mod).__name__, prefix, keep_vars)))
        m.register_state_dict_post_hook(lambda mod, sd, prefix, md: log.append(
            ("post", type(mod).__name__, prefix, len(sd))))
    h = net[1].register_state_dict_post_hook(lambda mod, sd, prefix, md: sd.pop(prefix + "bias") and None)
    keys = list(net.state_dict(keep_vars=True))
    h.remove()
    keys2 = list(net.state_dict(prefix="net."))
    net[1].register_state_dict_post_hook(lambda mod, sd, prefix, md: sd)
    try:
        net.state_dict()
        err = None
    except RuntimeError:
        err = "RuntimeError"
    return log[:8], keys, keys2, err


def test_state_dict_hooks_and_prefix_as_torch():
    assert _save_hooks_story(gg) == _save_hooks_story(torch)


def _load_hooks_story(lib):
    net, log = _tree(lib), []
    src = {k: v.clone() for k, v in _tree(lib).state_dict().items()}
    old = {k.replace("0.0.weight", "0.0.w"): v for k, v in src.items() if k != "1.bias"}

    def rename(mod, sd, prefix, md, strict, missing, unexpected, errors):
        log.append(("pre", type(mod).__name__, prefix, sorted(k for k in sd if k.startswith(prefix))[:2]))
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    for m in (net, net[0], net[0][0], net[0][1], net[1]):
        m.register_load_state_dict_pre_hook(rename)
        m.register_load_state_dict_post_hook(lambda mod, keys: log.append(
            ("post", type(mod).__name__, list(keys.missing_keys))))
    try:
        net.load_state_dict(old)
        err = None
    except RuntimeError as e:
        err = [line.split(":")[0] for line in str(e).split("\n")[1:]]
    forgive = net[1].register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
    r = net.load_state_dict(old)
    forgive.remove()
    return log, err, tuple(map(list, r)), net[0][0].weight.tolist() == src["0.0.weight"].tolist(), \
        "w" in "".join(old)


def test_load_state_dict_hooks_as_torch():
    assert _load_hooks_story(gg) == _load_hooks_story(torch)


def _protocol_story(lib):
    class Legacy(lib.nn.Linear):
        """Saves its weight as 'kernel' and reads either name, through PyTorch's per-module protocol."""

        def _save_to_state_dict(self, destination, prefix, keep_vars):
            super()._save_to_state_dict(destination, prefix, keep_vars)
            destination[prefix + "kernel"] = destination.pop(prefix + "weight")

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
            if prefix + "kernel" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "kernel")
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing, unexpected, errors)

    a = lib.nn.Sequential(Legacy(2, 2), lib.nn.ReLU())
    b = lib.nn.Sequential(Legacy(2, 2), lib.nn.ReLU())
    sd = a.state_dict()
    r = b.load_state_dict(sd)
    plain = lib.nn.Sequential(lib.nn.Linear(2, 2))
    r2 = plain.load_state_dict(sd, strict=False)
    return list(sd), tuple(map(list, r)), b[0].weight.tolist() == a[0].weight.tolist(), tuple(map(list, r2))


def test_save_and_load_protocol_overrides_as_torch():
    assert _protocol_story(gg) == _protocol_story(torch)


def test_a_failed_load_writes_nothing_unless_a_post_hook_asks_for_torchs_order():
    # gpugrad's difference (module_state's docstring): PyTorch copies the entries that fit before raising
    net = _tree(gg)
    before = net[1].weight.tolist()
    sd = {k: v + 1 for k, v in _tree(gg).state_dict().items()}
    sd["0.0.weight"] = gg.zeros(3, 3)
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict(sd)
    del sd["0.0.weight"]
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_state_dict(sd)
    assert net[1].weight.tolist() == before
    net.register_load_state_dict_post_hook(lambda mod, keys: None)
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_state_dict(sd)
    assert net[1].weight.tolist() == sd["1.weight"].tolist()        # as PyTorch, with a post-hook


def _apply_story(lib):
    net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
    net(lib.ones(3, 2)).sum().backward()
    w, rm, seen = net[0].weight, net[1].running_mean, []
    net._apply(lambda t: seen.append(tuple(t.shape)) or t.double())
    own = lib.nn.Linear(2, 2)
    own.sub = lib.nn.Linear(2, 2)
    own._apply(lambda t: t.double(), recurse=False)
    name = lambda t: str(t.dtype).split(".")[-1]
    return (seen, net[0].weight is w, name(w), name(w.grad), net[1].running_mean is rm, name(net[1].running_mean),
            name(net[1].num_batches_tracked), name(own.weight), name(own.sub.weight))


def test_apply_as_torch():
    assert _apply_story(gg) == _apply_story(torch)


def _private_hooks_story(lib):
    net, log = _tree(lib), []
    net._register_state_dict_hook(lambda mod, sd, prefix, md: {k: v for k, v in sd.items() if "bias" not in k})
    net[1]._register_state_dict_hook(lambda mod, sd, prefix, md: {})          # a child's return is dropped
    keys = list(net.state_dict())
    net[1]._register_load_state_dict_pre_hook(lambda sd, prefix, *rest: log.append(("plain", prefix)))
    net[1]._register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: log.append(
        (type(mod).__name__, prefix)), with_module=True)
    net.load_state_dict(_tree(lib).state_dict())
    return keys, log, type(net)._version


def test_private_state_dict_hooks_as_torch():
    assert _private_hooks_story(gg) == _private_hooks_story(torch)


def _global_hooks_story(lib):
    mm = lib.nn.modules.module
    net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))   # (a fusable pair)
    log = []
    net[0].register_forward_hook(lambda mod, args, out: log.append(("own-post", type(mod).__name__)))
    handles = [
        mm.register_module_forward_pre_hook(lambda mod, args: log.append(("pre", type(mod).__name__))),
        mm.register_module_forward_hook(lambda mod, args, out: log.append(("post", type(mod).__name__))),
        mm.register_module_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", sorted(kwargs))),
                                        with_kwargs=True),
        mm.register_module_full_backward_pre_hook(lambda mod, gout: log.append(("bwpre", type(mod).__name__))),
        mm.register_module_full_backward_hook(lambda mod, gin, gout: log.append(("bw", type(mod).__name__))),
    ]
    try:
        net(lib.ones(4, 2, requires_grad=True)).sum().backward()
    finally:
        for h in handles:
            h.remove()
    n = len(log)
    net(lib.ones(4, 2))
    return log, log[n:] == [("own-post", "Linear")]


def test_global_module_hooks_as_torch():
    assert _global_hooks_story(gg) == _global_hooks_story(torch)


def test_global_hooks_cost_nothing_once_removed():
    from gpugrad.nn.module_hooks import _call, _call_global
    assert gg.nn.Linear.__call__ is _call
    h = gg.nn.modules.module.register_module_forward_hook(lambda mod, args, out: None)
    h2 = gg.nn.modules.module.register_module_full_backward_hook(lambda mod, gin, gout: None)
    assert gg.nn.Linear.__call__ is _call_global
    h.remove()
    assert gg.nn.Linear.__call__ is _call_global         # one global hook is left
    h2.remove()
    h2.remove()
    assert gg.nn.Linear.__call__ is _call
