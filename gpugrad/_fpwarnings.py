"""Floating-point warnings: PyTorch computes inf and NaN silently, as IEEE arithmetic does (``x / 0``,
``log(0)``, ``sqrt(-1)``), while NumPy warns "invalid value encountered in divide" for each. Those warnings
would reach a gpugrad user from deep inside gpugrad's CPU ops and name a line of gpugrad, so at import
gpugrad ignores NumPy's floating-point RuntimeWarnings raised from its own modules and from NumPy's Python-level
helpers (a reduction such as ``a.sum()`` warns from ``numpy._core._methods``, whoever called it). A ufunc the
user calls directly (``np.log(0.0)``) warns as before, a filter the user adds later takes precedence, and
``gpugrad.autograd.detect_anomaly`` still finds NaNs in the backward pass.

    >>> import warnings, gpugrad as gg
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("default")
    ...     install()
    ...     y = gg.tensor([0.0]).log()
    >>> [str(w.message) for w in seen], y
    ([], tensor([-inf]))
"""
from __future__ import annotations

import warnings

_MESSAGE = r"(invalid value|divide by zero|overflow|underflow) encountered"
_MODULES = r"(gpugrad|numpy)(\.|$)"


def install() -> None:
    """Ignore NumPy's floating-point RuntimeWarnings raised from gpugrad's and NumPy's own modules (see the
    module docstring).

    Returns:
        None.

    >>> install()
    """
    warnings.filterwarnings("ignore", message=_MESSAGE, category=RuntimeWarning, module=_MODULES)


install()
