"""``Work``: the handle of an asynchronous collective, polled until done or its deadline."""

from __future__ import annotations

import atexit
import signal
import time
from collections.abc import Callable
from datetime import timedelta

from ember.distributed._core import DistBackendError

__all__ = ["Work"]


_FINALIZE_GRACE_S = 10


def _bound_mpi_finalize_at_exit() -> None:
    """After a backend failure, give ``MPI_Finalize`` at exit a deadline: it may wait forever
    for a dead peer. SIGALRM's default action ends the process even while MPI holds the GIL.

    Registered once; live peers still finalize together normally within the grace period.
    (torch likewise tears the process down after a NCCL timeout rather than risk a hang.)
    """
    if _armed[0] or not hasattr(signal, "SIGALRM"):
        return
    _armed[0] = True

    def arm() -> None:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(_FINALIZE_GRACE_S)

    atexit.register(arm)


_armed = [False]


def _seconds(timeout) -> float:
    return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)


class Work:
    """Handle returned by a collective with ``async_op=True``, as ``torch.distributed.Work``.

    ``wait()`` blocks until the operation finished (raising ``DistBackendError`` naming the
    collective, the group size and the ranks that have not answered when the group's timeout
    or ``timeout`` passes), ``is_completed()`` polls without blocking, ``result()`` returns
    the output tensors.
    """

    def __init__(
        self,
        name: str,
        poll: Callable[[], bool],
        describe_missing: Callable[[], str],
        group_size: int,
        timeout,
        finish: Callable[[], None] | None = None,
        outputs: list | None = None,
    ) -> None:
        self._name = name
        self._poll = poll
        self._describe_missing = describe_missing
        self._group_size = group_size
        self._timeout = _seconds(timeout)
        self._start = time.monotonic()
        self._finish = finish
        self._outputs = outputs or []
        self._done = False
        self._exception: BaseException | None = None

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def _fail(self, message: str, cause: BaseException | None = None) -> None:
        self._exception = DistBackendError(message)
        _bound_mpi_finalize_at_exit()
        raise self._exception from cause

    def _check(self) -> bool:
        if self._exception is not None:
            raise self._exception
        if self._done:
            return True
        try:
            done = self._poll()
        except Exception as e:  # MPI/NCCL errors (a dead peer) surface here
            self._fail(
                f"{self._name} failed in the backend (group size {self._group_size}): {e}. "
                f"{self._describe_missing()}",
                e,
            )
        if done:
            self._complete()
        return done

    def is_completed(self) -> bool:
        """Whether the operation has finished (polls the backend, never blocks)."""
        return self._check()

    def is_success(self) -> bool:
        """Whether the operation finished without error."""
        return self._done and self._exception is None

    def exception(self) -> BaseException | None:
        """The error the operation failed with, or ``None``."""
        return self._exception

    def wait(self, timeout: timedelta | float | None = None) -> bool:
        """Block until done; raise ``DistBackendError`` once the timeout passes.

        ``timeout`` (a ``timedelta`` or seconds) overrides the group's timeout for this wait.
        """
        limit = self._timeout if timeout is None else _seconds(timeout)
        deadline = (self._start if timeout is None else time.monotonic()) + limit
        spins = 0
        while not self._check():
            if time.monotonic() > deadline:
                self._fail(
                    f"{self._name} timed out after {limit:.1f} s (group size "
                    f"{self._group_size}). {self._describe_missing()}"
                )
            spins += 1
            # Spin briefly for latency, then back off so a waiting rank does not burn a core.
            if spins > 200:
                time.sleep(0.0002 if spins < 2000 else 0.002)
        return True

    def result(self) -> list:
        """The output tensors of the operation (waits for it first)."""
        self.wait()
        return list(self._outputs)

    def synchronize(self) -> None:
        """Alias of ``wait()`` for torch compatibility."""
        self.wait()

    def __repr__(self) -> str:
        state = "done" if self._done else "pending"
        return f"Work({self._name}, {state})"
