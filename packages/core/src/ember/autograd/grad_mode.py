"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The flag is per thread, as in PyTorch (``_state.enabled``; a new thread starts with grad on),
and read at most once per op by ``Function.apply``. Every mode works as a context manager
and as a decorator of functions and generators; ``no_grad``, ``enable_grad`` and
``inference_mode`` also decorate without parentheses (``@ember.no_grad``).
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


_state = _State()


def is_grad_enabled() -> bool:
    """Whether ops record the autograd graph now (in this thread).

    >>> with ember.no_grad():
    ...     ember.is_grad_enabled()
    False
    """
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode`` block is active in this thread.

    >>> with ember.inference_mode():
    ...     ember.autograd.is_inference_mode_enabled()
    True
    """
    return _state.inference


def wrap_generator(make_context, func):
    """Wrap generator function ``func`` so each of its steps (next, send, throw, close) runs
    inside a fresh ``make_context()``, and the caller's mode is back between steps."""

    @functools.wraps(func)
    def generator(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with make_context():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException:
                    with make_context():
                        response = gen.throw(*sys.exc_info())
                else:
                    with make_context():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return generator


class _GradModeContext:
    """Base of the grad-mode context managers; instances also work as decorators."""

    _target = True

    def __enter__(self) -> None:
        self._prev = _state.enabled
        _state.enabled = self._target

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev

    def __call__(self, func):
        if inspect.isclass(func):
            raise RuntimeError(
                f"{type(self).__name__} can only decorate functions and generators, not classes"
            )
        if inspect.isgeneratorfunction(func):
            return wrap_generator(self.clone, func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamContext(_GradModeContext):
    """Modes without arguments also decorate bare: ``@ember.no_grad``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):  # noqa: N801 - PyTorch's name
    """Context manager / decorator that stops ops from recording the graph.

    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad():
    ...     (x * 2).requires_grad
    False
    """

    _target = False

    def __init__(self) -> None:
        pass


class enable_grad(_NoParamContext):  # noqa: N801
    """Context manager / decorator that turns graph recording back on inside ``no_grad``.

    >>> with ember.no_grad():
    ...     with ember.enable_grad():
    ...         ember.is_grad_enabled()
    True
    """

    _target = True

    def __init__(self) -> None:
        pass


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Set grad mode to ``mode``: as a function call (takes effect at once), a context
    manager or a decorator (both restore the previous mode afterwards).

    >>> with ember.set_grad_enabled(False):
    ...     ember.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        self._prev = _state.enabled
        self._target = bool(mode)
        _state.enabled = self._target  # takes effect at once when used as a plain call

    def __enter__(self) -> None:
        pass  # __init__ already switched; __exit__ restores the mode before __init__

    def __call__(self, func):
        _state.enabled = self._prev  # decorating does not switch the mode now
        return super().__call__(func)

    def clone(self):
        return self.__class__(self._target)


class inference_mode(_GradModeContext):  # noqa: N801
    """Like ``no_grad`` (PyTorch's fast path for inference); ``mode=False`` is a no-op.
    Ember has no separate inference tensors: tensors made inside are ordinary tensors
    that do not require grad.

    >>> with ember.inference_mode():
    ...     ember.is_grad_enabled()
    False
    """

    def __new__(cls, mode=True):
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev = _state.enabled
        self._prev_inference = _state.inference
        if self.mode:
            _state.enabled = False
            _state.inference = True

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev
        _state.inference = self._prev_inference

    def clone(self):
        return self.__class__(self.mode)
