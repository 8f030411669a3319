"""``gpugrad.jit``: the parts of ``torch.jit`` that model code calls on the way (``is_scripting()`` checks,
decorators, ``script``/``trace`` of a model), so that such code runs eagerly. There is no TorchScript:
``script`` and ``trace`` return what they are given (as :func:`gpugrad.compile` does), the decorators return
their function, and ``save``/``load`` raise (use :func:`gpugrad.save` of a ``state_dict``).

>>> import gpugrad as gg
>>> gg.jit.is_scripting()
False
>>> net = gg.nn.Linear(2, 1)
>>> gg.jit.script(net) is net
True
"""
from __future__ import annotations

from typing import Final  # noqa: F401  (torch.jit.Final)

__all__ = ["is_scripting", "is_tracing", "script", "trace", "ignore", "unused", "export", "interface",
           "annotate", "save", "load", "Final"]


def is_scripting() -> bool:
    """False: gpugrad code is never being compiled to TorchScript.

    Returns:
        False.

    >>> is_scripting()
    False
    """
    return False


def is_tracing() -> bool:
    """False: nothing is being traced.

    Returns:
        False.

    >>> is_tracing()
    False
    """
    return False


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Return ``obj`` itself (a module or function keeps running eagerly; no TorchScript here).

    Args:
        obj: a module, function or class.
        optimize: accepted for PyTorch's signature.
        _frames_up: accepted for PyTorch's signature.
        _rcb: accepted for PyTorch's signature.
        example_inputs: accepted for PyTorch's signature.

    Returns:
        ``obj``.

    >>> script(len) is len
    True
    """
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """Return ``func`` itself (it keeps running eagerly; nothing is traced).

    Args:
        func: a module or function.
        example_inputs: accepted for PyTorch's signature.
        *args: accepted for PyTorch's signature.
        **kwargs: accepted for PyTorch's signature.

    Returns:
        ``func``.

    >>> trace(abs, (1,)) is abs
    True
    """
    return func


def _passthrough(fn=None, **options):
    if fn is None:                     # used with options: @torch.jit.ignore(drop=True)
        return lambda f: f
    return fn


def ignore(drop=False, **kwargs):
    """Decorator: leaves the function as it is (``@torch.jit.ignore`` or ``@torch.jit.ignore(drop=True)``).

    Args:
        drop: the function itself when used bare; an option when called.
        **kwargs: accepted for PyTorch's signature.

    Returns:
        The function, or a decorator.

    >>> ignore(len) is len
    True
    """
    return _passthrough(drop if callable(drop) else None)


def unused(fn):
    """Decorator: leaves the function as it is.

    Args:
        fn: the function.

    Returns:
        ``fn``.

    >>> unused(len) is len
    True
    """
    return fn


def export(fn):
    """Decorator: leaves the method as it is.

    Args:
        fn: the method.

    Returns:
        ``fn``.

    >>> export(len) is len
    True
    """
    return fn


def interface(obj):
    """Decorator: leaves the class as it is.

    Args:
        obj: the class.

    Returns:
        ``obj``.

    >>> interface(int) is int
    True
    """
    return obj


def annotate(the_type, the_value):
    """Return ``the_value`` (a type hint for TorchScript, which there is none of).

    Args:
        the_type: the type.
        the_value: the value.

    Returns:
        ``the_value``.

    >>> annotate(list, [])
    []
    """
    return the_value


def save(m, f, _extra_files=None):
    """TorchScript archives do not exist in gpugrad: raises. Save ``m.state_dict()`` with :func:`gpugrad.save`.

    Args:
        m: the module.
        f: the file.
        _extra_files: accepted for PyTorch's signature.

    Returns:
        Never.

    >>> import gpugrad as gg
    >>> try:
    ...     save(gg.nn.Linear(1, 1), "m.pt")
    ... except NotImplementedError as e:
    ...     print(str(e)[:40])
    gpugrad.jit.save: gpugrad has no TorchSc
    """
    raise NotImplementedError("gpugrad.jit.save: gpugrad has no TorchScript; save the state_dict with "
                              "gpugrad.save(model.state_dict(), path) and rebuild the model in Python")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False, **kwargs):
    """TorchScript archives cannot be read: raises (gpugrad never executes code from a file).

    Args:
        f: the file.
        map_location: accepted for PyTorch's signature.
        _extra_files: accepted for PyTorch's signature.
        _restore_shapes: accepted for PyTorch's signature.
        **kwargs: accepted for PyTorch's signature.

    Returns:
        Never.

    >>> try:
    ...     load("m.pt")
    ... except NotImplementedError as e:
    ...     print(str(e)[:40])
    gpugrad.jit.load: gpugrad has no TorchSc
    """
    raise NotImplementedError("gpugrad.jit.load: gpugrad has no TorchScript and does not run code from "
                              "files; load a state_dict with gpugrad.load(path) into a model built in Python")
