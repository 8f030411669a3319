"""gpugrad.profiler (and autograd.profiler, jit, version) against PyTorch's: the same API runs, the events
nest and add up (self times, counts, shapes), schedules pick the same steps, traces are valid Chrome JSON, and
profiling leaves the fast paths as they were."""
from __future__ import annotations

import json

import pytest

import gpugrad as gg
from gpugrad.autograd import op as _op

torch = pytest.importorskip("torch")


def _step(T, model, x, y):
    with T.profiler.record_function("train_step"):
        loss = T.nn.functional.cross_entropy(model(x), y)
        loss.backward()


def test_events_nest_and_add_up():
    model = gg.nn.Sequential(gg.nn.Linear(6, 8), gg.nn.Tanh(), gg.nn.Linear(8, 3))
    x, y = gg.randn(5, 6), gg.tensor([0, 1, 2, 1, 0])
    _step(gg, model, x, y)                                   # compile the kernels first
    with gg.profiler.profile(activities=[gg.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        _step(gg, model, x, y)
    events = prof.events()
    top = [e for e in events if e.name == "train_step"]
    assert len(top) == 1
    inner = [e for e in events if e is not top[0]]
    assert inner and all(top[0].start_us <= e.start_us and e.end_us <= top[0].end_us for e in inner)
    assert top[0].self_cpu_time_total == pytest.approx(top[0].cpu_time_total
                                                       - sum(c.cpu_time_total for c in top[0].children))
    names = {a.key: a for a in prof.key_averages()}
    assert names["gpugrad::Linear"].count + names.get("gpugrad::BiasAct", names["gpugrad::Linear"]).count >= 2
    assert any(k.startswith("autograd::engine::evaluate_function: ") and k.endswith("Backward0") for k in names)
    by_shape = prof.key_averages(group_by_input_shape=True)
    assert [[5, 6], [8, 6], []] in [a.input_shapes for a in by_shape if a.key == "gpugrad::Linear"]
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    assert table.splitlines()[1].split()[:3] == ["Name", "Self", "CPU"] and "Self CPU time total" in table
    assert len(table.splitlines()) == 5 + 5


def test_profiling_restores_the_fast_paths():
    assert _op._profile_hook is None
    plain = _op.Op.__dict__["apply"]
    with gg.profiler.profile():
        with gg.autograd.profiler.profile():             # nested profiles both see the ops
            gg.ones(2) * 2
        assert _op.Op.__dict__["apply"] is not plain
    assert _op.Op.__dict__["apply"] is plain and _op._profile_hook is None


@pytest.mark.filterwarnings("ignore:Profiler won't be using warmup")
@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0, active=1, repeat=2),
                                dict(wait=2, warmup=1, active=1, skip_first=3, skip_first_wait=1)])
def test_schedule_as_torch(kw):
    assert [gg.profiler.schedule(**kw)(i).name for i in range(12)] == \
        [torch.profiler.schedule(**kw)(i).name for i in range(12)]


def test_schedule_hands_each_active_span_to_on_trace_ready(tmp_path):
    seen = []
    sched = gg.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
    handler = gg.profiler.tensorboard_trace_handler(str(tmp_path), worker_name="w")
    with gg.profiler.profile(schedule=sched, on_trace_ready=lambda p: (seen.append(p.step_num), handler(p))) as prof:
        for i in range(10):
            with gg.profiler.record_function(f"step{i}"):
                gg.ones(3) + i
            prof.step()
    want = []
    with torch.profiler.profile(schedule=torch.profiler.schedule(wait=1, warmup=1, active=2, repeat=2),
                                on_trace_ready=lambda p: want.append(p.step_num)) as tprof:
        for i in range(10):
            torch.ones(3) + i
            tprof.step()
    assert seen == want == [4, 8]              # steps 2-3 and 6-7 recorded, each span saved at its end
    names = [e.name for e in prof.events() if e.name.startswith("step")]
    assert names == ["step6", "step7"]
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and all(f.name.startswith("w.") and f.name.endswith(".pt.trace.json") for f in files)
    trace = json.loads(files[-1].read_text())
    assert {e["name"] for e in trace["traceEvents"]} >= {"step6", "step7", "gpugrad::Add"}
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in trace["traceEvents"])


def test_legacy_autograd_profiler_as_torch(tmp_path):
    for T in (gg, torch):
        with T.autograd.profiler.profile(record_shapes=True) as prof:
            T.ones(2, 3) * T.ones(3)
        assert sum(a.count for a in prof.key_averages()) >= 1 and "Self CPU time total" in str(prof)
        assert prof.self_cpu_time_total > 0
        prof.export_chrome_trace(str(tmp_path / f"{T.__name__}.json"))
        assert json.loads((tmp_path / f"{T.__name__}.json").read_text())["traceEvents"]
    with pytest.raises(RuntimeError, match="didn't finish"):
        gg.autograd.profiler.profile().key_averages()


def test_jit_and_version_as_torch():
    model = gg.nn.Linear(2, 2)
    assert gg.jit.is_scripting() is torch.jit.is_scripting() is False
    assert gg.jit.script(model) is model and gg.jit.trace(model, gg.ones(1, 2)) is model

    @gg.jit.ignore
    def f(v):
        return v + 1

    @gg.jit.unused
    def h(v):
        return v

    assert f(1) == 2 and h(3) == 3 and gg.jit.annotate(list, [1]) == [1]
    with pytest.raises(NotImplementedError, match="no TorchScript"):
        gg.jit.save(model, "m.pt")
    assert gg.version.__version__ == gg.__version__
    assert (gg.version.cuda is None) == (not gg.cuda.is_available()) and gg.version.hip is torch.version.hip
