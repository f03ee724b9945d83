"""Anomaly detection: ``detect_anomaly`` and ``set_detect_anomaly``, as in PyTorch.

While enabled, every recorded op keeps the stack of the forward call that made it
(``ctx._trace``); the engine then checks each backward's gradients for NaN (with
``check_nan``) and attaches that forward stack to any error a backward raises.
"""

from __future__ import annotations

import functools
import inspect
import warnings

from ember.autograd.function import anomaly_state
from ember.autograd.grad_mode import wrap_generator

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on, as ``torch.is_anomaly_enabled``.

    >>> ember.autograd.is_anomaly_enabled()
    False
    """
    return anomaly_state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks backward results for NaN.

    >>> ember.autograd.is_anomaly_check_nan_enabled()
    True
    """
    return anomaly_state.check_nan


def _set(mode: bool, check_nan: bool) -> None:
    anomaly_state.enabled = bool(mode)
    anomaly_state.check_nan = bool(check_nan)


class _AnomalyContext:
    """Shared by both classes: ``with``, and decorating functions or generators."""

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return wrap_generator(self.clone, func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class detect_anomaly(_AnomalyContext):  # noqa: N801 - PyTorch's name
    """Context manager / decorator that turns on anomaly detection for the autograd
    engine, as ``torch.autograd.detect_anomaly``: ops remember the forward stack that made
    them, a backward producing NaN raises ``RuntimeError`` naming the node
    (``Function 'DivBackward0' returned nan values in its 0th output.``) with that stack, and
    errors raised inside a backward carry the stack as a note. Like PyTorch, creating it
    warns that it slows things down.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with ember.autograd.detect_anomaly():
    ...         ember.autograd.is_anomaly_enabled()
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = anomaly_state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = anomaly_state.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and "
            "should only be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        self.prev = anomaly_state.enabled
        self.prev_check_nan = anomaly_state.check_nan
        _set(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        _set(self.prev, self.prev_check_nan)

    def clone(self):
        with warnings.catch_warnings():  # the decorator warned once, at decoration time
            warnings.simplefilter("ignore")
            return detect_anomaly(self.check_nan)


class set_detect_anomaly(_AnomalyContext):  # noqa: N801
    """Turn anomaly detection on or off: as a plain call it takes effect at once; as a
    context manager or decorator it restores the previous setting afterwards, as
    ``torch.autograd.set_detect_anomaly``.

    >>> with ember.autograd.set_detect_anomaly(True, check_nan=False):
    ...     ember.autograd.is_anomaly_check_nan_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.mode, self.check_nan = mode, check_nan
        self.prev = anomaly_state.enabled
        self.prev_check_nan = anomaly_state.check_nan
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _set(self.prev, self.prev_check_nan)

    def __call__(self, func):
        _set(self.prev, self.prev_check_nan)  # decorating must not switch it on globally
        return super().__call__(func)

    def clone(self):
        return set_detect_anomaly(self.mode, self.check_nan)
