"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The flag is process-global (``_state.enabled``), read once per op by ``Function.apply``.
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]


class _State:
    __slots__ = ("enabled", "inference")

    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


_state = _State()


def is_grad_enabled() -> bool:
    """Whether ops record the autograd graph now.

    >>> with ember.no_grad(): ember.is_grad_enabled()
    False
    """
    return _state.enabled


class _GradModeContext:
    """Base of the grad-mode context managers; instances also work as decorators."""

    _target = True

    def __enter__(self) -> None:
        self._prev = _state.enabled
        _state.enabled = self._target

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                while True:
                    with self.clone():
                        try:
                            value = next(gen)
                        except StopIteration as stop:
                            return stop.value
                    yield value

            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager / decorator that stops ops from recording the graph.

    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad(): (x * 2).requires_grad
    False
    """

    _target = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Context manager / decorator that turns graph recording back on inside ``no_grad``.

    >>> with ember.no_grad():
    ...     with ember.enable_grad(): ember.is_grad_enabled()
    True
    """

    _target = True


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Set grad mode to ``mode``: as a function call, a context manager or a decorator.

    >>> with ember.set_grad_enabled(False): ember.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        self._prev = _state.enabled
        self._target = bool(mode)
        _state.enabled = self._target  # takes effect at once when used as a plain call

    def clone(self):
        return self.__class__(self._target)


class inference_mode(_GradModeContext):  # noqa: N801
    """Like ``no_grad`` (the PyTorch fast path for inference); ``mode=False`` is a no-op.

    >>> with ember.inference_mode(): ember.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self._target = not mode and _state.enabled

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
