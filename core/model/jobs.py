# SPDX-License-Identifier: GPL-3.0-or-later
"""Long jobs are generators: they yield Progress, check a CancelToken, and return their result.

Testable by plain iteration; the GUI runs the same generators on a thread pool.

Each file's work also runs inside a ``time_budget``: a file that takes longer is stopped and withheld as
too complex to check. The budget works in threads and in worker processes alike: walkers may call
``check_deadline()`` in their loops (cheap, exact), and a watchdog thread raises ``TooComplex`` inside a
thread that overruns its deadline without checking (pure-Python loops; a long call into C finishes first).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside a job when its token was cancelled."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int  # 0 when unknown
    message: str = ""


Job = Generator[Progress, None, T]


def drive(job: Job[T], on_progress: Callable[[Progress], None] | None = None) -> T:
    """Run a job to its end and return its result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_progress is not None:
            on_progress(progress)


# Seconds of processor time one file's parsing, cleaning and verifying may take. Real photos take
# milliseconds; only a crafted file (quadratic structures, millions of tiny parts) comes near. Processor
# time of the working thread, not wall time: a busy machine slows every file down, but does not make an
# ordinary photo "too complex".
FILE_BUDGET_SECONDS = 5.0


class TooComplex(Exception):
    """A file took longer than its time budget. Never half-checked: the caller withholds the file."""

    def __str__(self) -> str:
        # The watchdog raises the bare class: the sentence names the budget of the thread it stopped.
        return super().__str__() or too_complex_message(getattr(_local, "seconds", None))


def too_complex_message(seconds: float | None = None) -> str:
    budget = FILE_BUDGET_SECONDS if seconds is None else seconds
    return f"too complex to check within {budget:g} seconds"


class _Clock:
    """The processor time of one thread, readable from any thread (wall time where the platform has no
    per-thread clock)."""

    def __init__(self, thread: int) -> None:
        self.id: int | None
        try:
            self.id = time.pthread_getcpuclockid(thread)
            time.clock_gettime(self.id)
        except (AttributeError, OSError):
            self.id = None

    def now(self) -> float:
        if self.id is None:
            return time.monotonic()
        try:
            return time.clock_gettime(self.id)
        except OSError:  # the thread is gone
            return float("inf")


_local = threading.local()


def check_deadline() -> None:
    """Raise TooComplex when the current file is over its budget; a no-op outside a budget. Cheap
    enough for a walker to call once per segment, box or chunk."""
    region = getattr(_local, "region", None)
    if region is not None and region.clock.now() > region.deadline:
        raise TooComplex(too_complex_message(region.seconds))


@dataclass(slots=True)
class _Region:
    thread: int
    clock: _Clock
    seconds: float
    deadline: float
    fired: bool = False


class _Watchdog:
    """One daemon thread per process that interrupts threads past their deadline."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.regions: dict[int, _Region] = {}
        self.serial = 0
        self.thread: threading.Thread | None = None

    def enter(self, region: _Region) -> int:
        with self.cond:
            self.serial += 1
            self.regions[self.serial] = region
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="file-budget", daemon=True)
                self.thread.start()
            self.cond.notify()
            return self.serial

    def leave(self, serial: int) -> None:
        with self.cond:
            region = self.regions.pop(serial, None)
            if region is not None and region.fired:
                # The work ended before the exception was delivered: take it back.
                _async_raise(region.thread, None)

    def _run(self) -> None:
        with self.cond:
            while True:
                waits = []
                for region in self.regions.values():
                    if region.fired:
                        continue
                    left = region.deadline - region.clock.now()
                    if left <= 0:
                        region.fired = True
                        _async_raise(region.thread, TooComplex)
                    else:
                        # A thread's processor time grows at most as fast as wall time: after this
                        # wait it is over its budget, or close to it, and looked at again.
                        waits.append(left)
                self.cond.wait(timeout=min(waits) if waits else None)


def _async_raise(thread: int, exc: type[BaseException] | None) -> None:
    import ctypes  # only when a file overruns: every command would pay its import at start-up

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(exc) if exc else None)


_watchdog = _Watchdog()


def _after_fork() -> None:
    # A forked worker has no watchdog thread and may hold a copy of a lock taken in the parent.
    global _watchdog
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


@contextmanager
def time_budget(seconds: float | None = None) -> Iterator[None]:
    """Run one file's work within ``seconds`` of processor time (default FILE_BUDGET_SECONDS);
    TooComplex when over. Pure-Python work is interrupted where it is; a long call into C code ends
    first. Nested budgets on one thread are governed by the outermost."""
    if getattr(_local, "region", None) is not None:
        yield
        return
    budget = FILE_BUDGET_SECONDS if seconds is None else seconds
    thread = threading.get_ident()
    clock = _Clock(thread)
    region = _Region(thread, clock, budget, clock.now() + budget)
    _local.region, _local.seconds = region, budget
    watchdog = _watchdog
    serial = watchdog.enter(region)
    try:
        yield
    finally:
        watchdog.leave(serial)
        _local.region = None
