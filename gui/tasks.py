# SPDX-License-Identifier: GPL-3.0-or-later
"""One task runner: core jobs (generators yielding Progress) on QThreadPools, results on the GUI thread.

Pools by purpose: ``interactive`` (selection preview: small and fast), ``background``
(scan, thumbnails, faces) and ``writer`` (one thread: database writes and export, so they never race).
A task's signals live on a QObject created on the GUI thread, so Qt queues them back to it. Results are
delivered with the ``key`` the caller chose (e.g. a photo id), never with a row number.

The pools' threads do little CPU work themselves in the app: the heavy per-file work (hashing and
inventories at import, thumbnails, face detection) runs in ``BACKGROUND_PROCESSES`` worker processes
(``core.library.offload``); a pool thread waits for its result without holding the GIL, so the GUI thread
keeps painting. Results still come back here by the caller's key.

On quit: ``shutdown()`` cancels every task and waits for the pools.

Cancelling: a job submitted with ``token=`` was built with that token and stops itself (an export then
still writes its receipt and ledger entry for what already left); the runner keeps driving it to its
end. Any other job is closed at its next step.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from core.model.jobs import Cancelled, CancelToken, Progress

# How long a pool thread running Python may keep the GIL while the GUI thread waits for it (Python's
# default is 5 ms). A frame takes and drops the GIL many times (each paint and data() call from Qt), and
# with a few pool threads busy at once, e.g. when an import's first rows arrive, 5 ms a hand-over added
# up to frames of 150 ms or more.
GIL_SWITCH_INTERVAL_S = 0.001

# Worker processes for CPU-heavy background work: two leave a core for the GUI on small machines.
BACKGROUND_PROCESSES = 2


class TaskSignals(QObject):
    progressed = Signal(object, object)  # key, Progress
    finished = Signal(object, object)  # key, result
    failed = Signal(object, str)  # key, message
    cancelled = Signal(object)  # key


class _Runnable(QRunnable):
    def __init__(
        self, key: object, fn: Callable[[], Any], signals: TaskSignals, token: CancelToken, cooperative: bool
    ) -> None:
        super().__init__()
        self.key, self.fn, self.signals, self.token = key, fn, signals, token
        self.cooperative = cooperative
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            value = self.fn()
            if isinstance(value, Generator):
                while True:
                    if self.token.cancelled and not self.cooperative:
                        value.close()
                        raise Cancelled()
                    try:
                        progress = next(value)
                    except StopIteration as stop:
                        value = stop.value
                        break
                    if isinstance(progress, Progress):
                        self.signals.progressed.emit(self.key, progress)
            if self.token.cancelled and not self.cooperative:
                raise Cancelled()
            self.signals.finished.emit(self.key, value)
        except Cancelled:
            self.signals.cancelled.emit(self.key)
        except Exception as exc:  # noqa: BLE001 - a worker failure is shown, never swallowed or fatal
            self.signals.failed.emit(self.key, f"{exc.__class__.__name__}: {exc}")


class Task:
    """Handle of one submitted task: its signals and its cancel token."""

    def __init__(self, key: object, token: CancelToken, signals: TaskSignals) -> None:
        self.key, self.token, self.signals = key, token, signals

    def cancel(self) -> None:
        self.token.cancel()


class TaskRunner(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
        self.pools = {
            "view": QThreadPool(self),
            "interactive": QThreadPool(self),
            "background": QThreadPool(self),
            "writer": QThreadPool(self),
        }
        # The grid's own reads (its ids after a filter, album or decision change; pages of rows read
        # ahead of a scroll) are short and never wait behind the preview pane's work, which may wait for
        # the worker processes while an import keeps them busy.
        self.pools["view"].setMaxThreadCount(1)
        self.pools["interactive"].setMaxThreadCount(2)
        self.pools["background"].setMaxThreadCount(max(1, QThreadPool.globalInstance().maxThreadCount()))
        self.pools["writer"].setMaxThreadCount(1)
        for pool in self.pools.values():
            # Threads stay for the window's life: each keeps its own library connection, which a thread
            # that expired after 30 idle seconds would leave open until the library closes.
            pool.setExpiryTimeout(-1)
        # Tasks by their signals object. The runner's end-of-task slot finds the task through sender(),
        # so no connection holds a closure over the task: that made a cycle through Qt's connection
        # that Python cannot collect, and every finished task leaked (thousands while scrolling).
        self._tasks: dict[TaskSignals, Task] = {}

    def submit(
        self,
        fn: Callable[[], Any],
        *,
        key: object = None,
        pool: str = "background",
        on_done: Callable[[object, object], None] | None = None,
        on_progress: Callable[[object, Progress], None] | None = None,
        on_error: Callable[[object, str], None] | None = None,
        on_cancel: Callable[[object], None] | None = None,
        token: CancelToken | None = None,
    ) -> Task:
        """Run ``fn`` (a plain call, or one returning a core job generator) on ``pool``.

        Pass ``token`` when the job was built with it and honours it (see the module docstring)."""
        cooperative = token is not None
        token = token or CancelToken()
        signals = TaskSignals()
        task = Task(key, token, signals)
        if on_done:
            signals.finished.connect(on_done)
        if on_progress:
            signals.progressed.connect(on_progress)
        if on_error:
            signals.failed.connect(on_error)
        if on_cancel:
            signals.cancelled.connect(on_cancel)
        signals.finished.connect(self._ended)
        signals.failed.connect(self._ended)
        signals.cancelled.connect(self._ended)
        self._tasks[signals] = task
        self.pools[pool].start(_Runnable(key, fn, signals, token, cooperative))
        return task

    @Slot()
    def _ended(self, *_args: object) -> None:
        signals = self.sender()
        self._tasks.pop(signals, None)  # type: ignore[call-overload]
        if isinstance(signals, TaskSignals):
            # Its last signal was delivered (this slot is connected last): its connections to the
            # callers' slots go now, not whenever Python's collector gets to the object. With them left,
            # the dialog tests crashed about one run in five, in the collector, as Qt destroyed a closed
            # dialog (PySide looking up a Python override on a half-collected wrapper); 0 in 10 runs since.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a signal nobody connected to says so
                for signal in (signals.progressed, signals.finished, signals.failed, signals.cancelled):
                    with contextlib.suppress(RuntimeError, TypeError):
                        signal.disconnect()

    def active(self) -> int:
        return sum(p.activeThreadCount() for p in self.pools.values())

    def wait(self, msecs: int = -1) -> bool:
        return all(p.waitForDone(msecs) for p in self.pools.values())

    def shutdown(self, msecs: int = 10000) -> bool:
        for task in list(self._tasks.values()):
            task.cancel()
        for pool in self.pools.values():
            pool.clear()  # drop queued work that has not started
        done = self.wait(msecs)
        self._tasks.clear()
        return done
