"""Differential fuzzer: random programs (tests/fuzz_ops.py) run in gpugrad and in PyTorch, float64, compared on
every value, every input's gradient and, for a share of the programs, a second derivative (a Hessian-vector
product through ``create_graph=True``).

The default run checks ``BATCHES x PER_BATCH`` programs (2,000+, well under a minute); set
``GPUGRAD_FUZZ_CASES=N`` (and optionally ``GPUGRAD_FUZZ_SEED``) for a longer profile, or run ``-m slow`` for
20,000. A failure prints the program, so it can be replayed and turned into a regression test.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import gpugrad as gg

from fuzz_ops import Generator, apply_step

torch = pytest.importorskip("torch")

BATCHES, PER_BATCH = 20, 110
SECOND_ORDER_SHARE = 0.2
RTOL, ATOL = 1e-6, 1e-8


def run(ns, prog):
    """(values as arrays, gradients of the inputs, Hessian-vector products or None) of ``prog`` in ns."""
    leaves = [ns.tensor(a, requires_grad=True) for a in prog.leaves]
    vals = list(leaves)
    for step in prog.steps:
        vals.append(apply_step(ns, step, vals))
    out = None
    for i, w in prog.weights:
        term = (vals[i] * ns.tensor(w)).sum()
        out = term if out is None else out + term
    graph = prog.second_order
    grads = ns.autograd.grad(out, leaves, allow_unused=True, create_graph=graph)
    hvp = None
    if graph:
        rng = np.random.default_rng(prog.seed + 1)
        s = None
        for g, a in zip(grads, prog.leaves):
            if g is not None and g.requires_grad:
                term = (g * ns.tensor(rng.uniform(-1, 1, a.shape))).sum()
                s = term if s is None else s + term
        if s is not None:
            hvp = [None if h is None else h.detach().numpy()
                   for h in ns.autograd.grad(s, leaves, allow_unused=True)]
    return ([v.detach().numpy() for v in vals], [None if g is None else g.detach().numpy() for g in grads], hvp)


def _zero_if_none(g, like):
    return np.zeros(like.shape) if g is None else g


def compare(prog):
    """None when gpugrad agrees with PyTorch on ``prog``, else a message. Programs PyTorch refuses are
    skipped (returns 'skip')."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = run(torch, prog)
        except Exception:
            return "skip"
        try:
            got = run(gg, prog)
        except Exception as e:          # noqa: BLE001 - any error on a program PyTorch runs is a finding
            return f"gpugrad raised {type(e).__name__}: {e}"
    for what, gs, ts in (("value", got[0], want[0]), ("grad", got[1], want[1]), ("hvp", got[2] or [], want[2] or [])):
        for k, (a, b) in enumerate(zip(gs, ts)):
            like = prog.leaves[k] if what != "value" else (a if a is not None else b)
            if what != "value":
                a, b = _zero_if_none(a, like), _zero_if_none(b, like)
            if np.shape(a) != np.shape(b):
                return f"{what} {k}: shape {np.shape(a)} != torch's {np.shape(b)}"
            if not np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True):
                return f"{what} {k}: differs from torch by up to {np.nanmax(np.abs(np.subtract(a, b)))}"
    return None


def _programs(seed0, n):
    for seed in range(seed0, seed0 + n):
        gen = Generator(seed)
        yield gen.program(second_order=gen.rng.random() < SECOND_ORDER_SHARE)


def _check(seed0, n):
    failures, skipped = [], 0
    for prog in _programs(seed0, n):
        msg = compare(prog)
        if msg == "skip":
            skipped += 1
        elif msg:
            failures.append(f"{msg}\n{prog.describe()}")
    assert skipped <= n // 10, f"{skipped} of {n} programs were refused by PyTorch: the generator is off"
    assert not failures, f"{len(failures)} of {n} programs differ from PyTorch:\n\n" + "\n\n".join(failures[:5])


@pytest.mark.parametrize("batch", range(BATCHES))
def test_random_programs_match_torch(batch):
    _check(batch * PER_BATCH, PER_BATCH)


def test_longer_profile_on_demand():
    n = int(os.environ.get("GPUGRAD_FUZZ_CASES", "0"))
    if not n:
        pytest.skip("set GPUGRAD_FUZZ_CASES=N for a longer run (and GPUGRAD_FUZZ_SEED to move the seeds)")
    _check(int(os.environ.get("GPUGRAD_FUZZ_SEED", "1000000")), n)


@pytest.mark.slow
@pytest.mark.parametrize("batch", range(20))
def test_random_programs_match_torch_long(batch):
    _check(100_000 + batch * 1000, 1000)


def test_the_generator_covers_the_op_families():
    ops = set()
    for prog in _programs(0, 400):
        ops.update(s.op for s in prog.steps)
    for must in ("matmul", "gather", "index_select", "getitem", "reduce_sum", "reduce_softmax", "cross_entropy",
                 "linear", "relu", "maximum", "expand", "permute"):
        assert must in ops, must
