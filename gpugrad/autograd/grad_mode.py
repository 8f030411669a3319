"""Grad mode: whether ops record themselves on the tape. Context managers that double as decorators."""
import functools
import threading


class _State(threading.local):
    enabled = True


_state = _State()


def is_grad_enabled() -> bool:
    """Whether ops are being recorded on the tape now (False inside ``no_grad``).

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.is_grad_enabled()
    True
    >>> with gg.no_grad(): print(gg.is_grad_enabled())
    False
    """
    return _state.enabled


class ContextDecorator:
    """A context manager that is also a decorator: each call of the decorated function runs inside a fresh
    instance (``_fresh``), so one decorator serves any number of calls, nested or recursive."""

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)
        return wrapper


class _GradModeBase(ContextDecorator):
    _mode: bool

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def _fresh(self):
        return self.__class__()


class no_grad(_GradModeBase):
    """Record nothing inside: ``with gpugrad.no_grad(): ...`` or ``@gpugrad.no_grad()``.

    >>> import gpugrad as gg
    >>> w = gg.ones(2, requires_grad=True)
    >>> with gg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    _mode = False


class enable_grad(_GradModeBase):
    """Record again inside a ``no_grad`` region.

    >>> import gpugrad as gg
    >>> w = gg.ones(2, requires_grad=True)
    >>> with gg.no_grad():
    ...     with gg.enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """
    _mode = True


class set_grad_enabled(_GradModeBase):
    """``set_grad_enabled(False)`` works as a call, a context manager and a decorator, like PyTorch's.

    Args:
        mode: True to record, False not to.

    >>> import gpugrad as gg
    >>> w = gg.ones(2, requires_grad=True)
    >>> with gg.set_grad_enabled(False):
    ...     y = w * 2
    >>> y.requires_grad, gg.is_grad_enabled()
    (False, True)
    """

    def __init__(self, mode: bool):
        self._mode = bool(mode)
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        _state.enabled = self._prev  # used as a decorator: the constructor's switch must not leak
        return super().__call__(fn)

    def _fresh(self):
        return set_grad_enabled(self._mode)
