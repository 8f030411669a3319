"""autograd.detect_anomaly / set_detect_anomaly: the op that makes the first NaN or inf, named with the line
of this file that created it; nothing recorded when the mode is off."""
import warnings

import numpy as np
import pytest
import torch

import gpugrad as gg
from gpugrad.autograd import detect_anomaly, set_detect_anomaly, is_anomaly_enabled


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    assert not is_anomaly_enabled()


def test_nan_in_backward_names_the_function_like_pytorch_and_shows_the_users_line():
    for m in (torch, gg):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with m.autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()     # sqrt's backward: 0 * inf = nan
            with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values in its 0th "
                                                   r"output\.") as info:
                y.backward()
    msg = str(info.value)
    assert "test_anomaly_mode.py" in msg and "y = (x.sqrt() * 0).sum()" in msg


def test_inf_from_finite_gradients_in_backward():
    x = gg.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError, match=r"'SqrtBackward0' returned inf values in its 0th output \(from "
                                               r"finite gradients\)"):
            y.backward()


def test_first_non_finite_value_in_forward_names_the_op():
    x = gg.tensor([0.0, 1.0])
    with detect_anomaly():
        with pytest.raises(RuntimeError, match=r"Function 'Log' produced inf values in its output from finite "
                                               r"inputs") as info:
            gg.log(x)
        with pytest.raises(RuntimeError, match="produced nan values"):
            gg.zeros(2) / gg.zeros(2)
        with pytest.raises(RuntimeError, match="'Exp' produced inf values"):
            gg.exp(gg.tensor([1000.0]))
    assert 'gg.log(x)' in str(info.value)


def test_values_already_non_finite_pass_through():
    """Masking with -inf (attention, log-space) is not an anomaly: the op did not make the inf."""
    s = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = gg.tensor([True, False, True])
    with detect_anomaly():
        masked = gg.where(mask, s, gg.tensor(-np.inf))
        p = masked.softmax(dim=0)
        (p * gg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert np.isfinite(s.grad.numpy()).all()


def test_check_nan_false_only_records():
    x = gg.tensor([0.0], requires_grad=True)
    with detect_anomaly(check_nan=False):
        y = (x.sqrt() * 0).sum()
        assert y.grad_fn._anomaly_trace
        y.backward()
    assert np.isnan(x.grad.numpy()).all()


def test_set_detect_anomaly_as_call_context_and_decorator():
    with set_detect_anomaly(True):
        assert is_anomaly_enabled() and gg.is_anomaly_enabled()
    assert not is_anomaly_enabled()

    @detect_anomaly()
    def f():
        return is_anomaly_enabled()

    @set_detect_anomaly(True)
    def g():
        return is_anomaly_enabled()

    assert not is_anomaly_enabled()
    assert f() and g() and not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)


def test_error_in_a_custom_backward_carries_the_forward_traceback():
    class Broken(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    x = gg.ones(2, requires_grad=True)
    with detect_anomaly():
        y = Broken.apply(x).sum()
        with pytest.raises(ValueError, match="broken backward") as info:
            y.backward()
    notes = "".join(getattr(info.value, "__notes__", []))
    assert "Error detected in BrokenBackward" in notes and "y = Broken.apply(x).sum()" in notes


def test_off_records_nothing():
    x = gg.ones(2, requires_grad=True)
    y = x * 2
    assert "_anomaly_trace" not in y.grad_fn.__dict__
    z = gg.log(gg.zeros(1))      # no error when off
    assert np.isinf(z.numpy()).all()


def test_checks_run_on_every_device(device):
    x = gg.tensor([0.0, 1.0], device=device, requires_grad=True)
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="'Log' produced inf"):
            gg.log(x)
        y = (x.sqrt() * 0).sum()
        with pytest.raises(RuntimeError, match="'SqrtBackward0' returned nan"):
            y.backward()
