"""gpugrad.optim.lr_scheduler: every scheduler's learning-rate (and momentum) sequence equals PyTorch's for
the same settings; state_dict resumes; argument errors."""
import copy
import warnings

import pytest

import gpugrad as gg
from gpugrad import optim
from gpugrad.optim import lr_scheduler as sch

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

STEPS = 29


def _optimizer(lib, name="SGD", lrs=(0.1, 0.01), **kw):
    """Two param groups of one parameter each (the schedules must be kept per group)."""
    mk = (lambda: torch.zeros(2, requires_grad=True)) if lib is torch else (lambda: gg.zeros(2, requires_grad=True))
    return getattr(lib.optim, name)([{"params": [mk()], "lr": lr} for lr in lrs], **kw)


def _momentum(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


def _run(make, lib, opt_name="SGD", opt_kw=None, metrics=None, steps=STEPS):
    """The lr of each group (and its momentum / beta1) after construction and after each step."""
    opt = _optimizer(lib, opt_name, **(opt_kw or {}))
    sched = make(lib.optim.lr_scheduler, opt)
    seq = [list(sched.get_last_lr()) + [_momentum(g) for g in opt.param_groups]]
    for t in range(steps):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[t])
        seq.append(list(sched.get_last_lr()) + [_momentum(g) for g in opt.param_groups])
    return seq


def _f1(e):
    return 0.95 ** e / (1 + 0.1 * e)


def _f2(e):
    return 1.0 if e < 4 else 0.5


SGDM = ("SGD", dict(momentum=0.9))
ADAM = ("Adam", {})
CASES = {
    "StepLR": (lambda s, o: s.StepLR(o, step_size=3, gamma=0.5), SGDM),
    "MultiStepLR": (lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), SGDM),
    "ExponentialLR": (lambda s, o: s.ExponentialLR(o, gamma=0.9), SGDM),
    "CosineAnnealingLR": (lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.001), SGDM),
    "CosineAnnealingLR-0": (lambda s, o: s.CosineAnnealingLR(o, T_max=10), SGDM),
    "LinearLR-warmup": (lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=6), SGDM),
    "LinearLR-decay": (lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10), SGDM),
    "LambdaLR": (lambda s, o: s.LambdaLR(o, _f1), SGDM),
    "LambdaLR-per-group": (lambda s, o: s.LambdaLR(o, [_f1, _f2]), SGDM),
    "CyclicLR-triangular": (lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4, step_size_down=3), SGDM),
    "CyclicLR-triangular2": (lambda s, o: s.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], step_size_up=3,
                                                     mode="triangular2"), SGDM),
    "CyclicLR-exp_range": (lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.9),
                           SGDM),
    "CyclicLR-adam-beta1": (lambda s, o: s.CyclicLR(o, 0.001, 0.01, step_size_up=4, base_momentum=0.8,
                                                    max_momentum=0.95), ADAM),
    "CyclicLR-scale_fn": (lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=_f1,
                                                  scale_mode="iterations", cycle_momentum=False), ("SGD", {})),
    "OneCycleLR-cos": (lambda s, o: s.OneCycleLR(o, max_lr=[0.1, 0.05], total_steps=30), SGDM),
    "OneCycleLR-linear": (lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=30, anneal_strategy="linear"),
                          SGDM),
    "OneCycleLR-three-phase": (lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=30, three_phase=True), SGDM),
    "OneCycleLR-adam": (lambda s, o: s.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=10, pct_start=0.25,
                                                  div_factor=10.0, final_div_factor=100.0), ADAM),
    "MultiplicativeLR": (lambda s, o: s.MultiplicativeLR(o, _f2), SGDM),
    "ConstantLR": (lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=4), SGDM),
    "PolynomialLR": (lambda s, o: s.PolynomialLR(o, total_iters=10, power=2.0), SGDM),
    "CosineAnnealingWarmRestarts": (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
                                    SGDM),
    "ChainedScheduler": (lambda s, o: s.ChainedScheduler([s.ConstantLR(o, factor=0.5, total_iters=4),
                                                          s.ExponentialLR(o, gamma=0.9)]), SGDM),
    "SequentialLR": (lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=5),
                                                     s.ExponentialLR(o, gamma=0.9)], milestones=[5]), SGDM),
    "SequentialLR-three": (lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.5, total_iters=3),
                                                           s.CosineAnnealingLR(o, T_max=8, eta_min=0.002),
                                                           s.StepLR(o, step_size=2, gamma=0.7)],
                                                       milestones=[3, 11]), SGDM),
}

METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.5, 0.5, 0.5, 0.5, 0.49,
           0.499, 0.4999, 0.6, 0.7, 0.8, 0.9, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
PLATEAU = {
    "min-rel": (lambda s, o: s.ReduceLROnPlateau(o, patience=2), METRICS),
    "min-abs-cooldown": (lambda s, o: s.ReduceLROnPlateau(o, threshold=0.05, threshold_mode="abs", patience=1,
                                                          cooldown=2, min_lr=[0.02, 0.0001], factor=0.5), METRICS),
    "max-rel": (lambda s, o: s.ReduceLROnPlateau(o, mode="max", patience=0, factor=0.7, min_lr=0.005),
                [-m for m in METRICS]),
    "max-abs": (lambda s, o: s.ReduceLROnPlateau(o, mode="max", threshold_mode="abs", threshold=0.01,
                                                 patience=3, eps=1e-3), [-m for m in METRICS]),
}


def _same(ours, theirs):
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"step {t}: {a} != {b}"


@pytest.mark.parametrize("case", list(CASES))
def test_sequence_matches_torch(case):
    make, (opt_name, opt_kw) = CASES[case]
    _same(_run(make, gg, opt_name, opt_kw), _run(make, torch, opt_name, opt_kw))


@pytest.mark.parametrize("case", list(PLATEAU))
def test_reduce_lr_on_plateau_matches_torch(case):
    make, metrics = PLATEAU[case]
    ours = _run(make, gg, *SGDM, metrics=metrics)
    _same(ours, _run(make, torch, *SGDM, metrics=metrics))
    assert len({tuple(s[:2]) for s in ours}) > 2          # the metric sequence did trigger reductions


def _resume(make, opt_name, opt_kw, metrics, split):
    """Run ``split`` steps, checkpoint optimizer and scheduler, rebuild both from the checkpoint, go on."""
    opt = _optimizer(gg, opt_name, **opt_kw)
    sched = make(sch, opt)
    step = (lambda s, t: s.step()) if metrics is None else (lambda s, t: s.step(metrics[t]))
    for t in range(split):
        opt.step()
        step(sched, t)
    opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _optimizer(gg, opt_name, **opt_kw)
    sched2 = make(sch, opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    seq = []
    for t in range(split, STEPS):
        opt2.step()
        step(sched2, t)
        seq.append(list(sched2.get_last_lr()) + [_momentum(g) for g in opt2.param_groups])
    return seq


@pytest.mark.parametrize("case", list(CASES) + [f"plateau-{k}" for k in PLATEAU])
def test_state_dict_resumes_the_schedule(case):
    if case.startswith("plateau-"):
        (make, metrics), (opt_name, opt_kw) = PLATEAU[case[8:]], SGDM
    else:
        (make, (opt_name, opt_kw)), metrics = CASES[case], None
    straight = _run(make, gg, opt_name, opt_kw, metrics=metrics)
    assert _resume(make, opt_name, opt_kw, metrics, split=11) == straight[12:]


def test_lambda_state_dict_keeps_callable_objects_state():
    class Warm:
        def __init__(self):
            self.k = 2

        def __call__(self, e):
            return min(1.0, (e + 1) / self.k)

    fn = Warm()
    s = sch.LambdaLR(_optimizer(gg), fn)
    fn.k = 7
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"k": 7}, {"k": 7}]
    fn2 = Warm()
    s2 = sch.LambdaLR(_optimizer(gg), fn2)
    s2.load_state_dict(sd)
    assert fn2.k == 7


def test_warns_when_scheduler_steps_before_the_optimizer():
    opt = _optimizer(gg)
    s = sch.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    opt2 = _optimizer(gg)
    s2 = sch.StepLR(opt2, 2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()


def test_scheduler_drives_a_real_training_step():
    """The lr a scheduler sets is the one the next fused step uses."""
    w = gg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    s = sch.ExponentialLR(opt, gamma=0.5)
    for expected in (1.0, 0.5, 0.25):
        w.grad = gg.ones(1)
        before = w.item()
        opt.step()
        assert before - w.item() == pytest.approx(expected)
        s.step()


@pytest.mark.parametrize("make,match", [
    (lambda o: sch.LinearLR(o, start_factor=0.0), "start_factor"),
    (lambda o: sch.LinearLR(o, end_factor=1.5), "end_factor"),
    (lambda o: sch.ReduceLROnPlateau(o, factor=1.0), "factor should be < 1.0"),
    (lambda o: sch.ReduceLROnPlateau(o, mode="up"), "mode 'up' is unknown"),
    (lambda o: sch.ReduceLROnPlateau(o, min_lr=[0.1]), "expected 2 min_lrs"),
    (lambda o: sch.SequentialLR(o, [sch.StepLR(o, 2), sch.StepLR(o, 3)], milestones=[]), "one milestone fewer"),
    (lambda o: sch.SequentialLR(o, [sch.StepLR(o, 2), sch.ReduceLROnPlateau(o)], milestones=[3]),
     "ReduceLROnPlateau"),
    (lambda o: sch.OneCycleLR(o, max_lr=0.1), "total_steps"),
    (lambda o: sch.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1), "pct_start"),
    (lambda o: sch.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"), "anneal_strategy"),
    (lambda o: sch.OneCycleLR(o, max_lr=[0.1], total_steps=10), "same length as optimizer.param_groups"),
    (lambda o: sch.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), "mode 'sawtooth' is invalid"),
    (lambda o: sch.CyclicLR(optim.Adagrad([gg.zeros(1, requires_grad=True)]), 0.01, 0.1), "momentum or beta1"),
    (lambda o: sch.LambdaLR(o, [_f1]), "expected 2 lr_lambdas"),
    (lambda o: sch.ConstantLR(o, factor=1.5), "factor must be in"),
    (lambda o: sch.CosineAnnealingWarmRestarts(o, T_0=0), "positive integer T_0"),
    (lambda o: sch.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), "T_mult >= 1"),
    (lambda o: sch.ChainedScheduler([sch.StepLR(o, 2), sch.StepLR(_optimizer(gg), 2)]), "same optimizer"),
    (lambda o: sch.StepLR("not an optimizer", 2), "not a gpugrad Optimizer"),
    (lambda o: sch.StepLR(o, 2, last_epoch=3), "initial_lr"),
    (lambda o: sch.StepLR(o, step_size=0), "StepLR: step_size must be a positive number, got 0"),
    (lambda o: sch.CosineAnnealingLR(o, T_max=0), "CosineAnnealingLR: T_max must be a positive number"),
    (lambda o: sch.CyclicLR(o, 0.01, 0.1, step_size_up=0), "CyclicLR: step_size_up must be a positive number"),
    (lambda o: sch.CyclicLR(o, 0.01, 0.1, step_size_down=-2), "step_size_down must be >= 0"),
])
def test_argument_errors(make, match):
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        make(_optimizer(gg))


def test_one_cycle_refuses_to_step_past_its_end():
    s = sch.OneCycleLR(_optimizer(gg), max_lr=0.1, total_steps=3)
    for _ in range(3):
        s.step()
    with pytest.raises(ValueError, match="tried to step 4 times"):
        s.step()


def test_warm_restarts_with_fractional_epochs_match_torch():
    """SGDR stepped within epochs (``step(epoch + i / iters)``) and then jumped to a later epoch."""
    seqs = []
    for lib in (gg, torch):
        opt = _optimizer(lib)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.0005)
        seq = []
        for epoch in range(6):
            for i in range(4):
                opt.step()
                s.step(epoch + i / 4)
                seq.append(s.get_last_lr())
        s.step(17)
        seq.append(s.get_last_lr())
        seqs.append(seq)
    _same(*seqs)
