# SPDX-License-Identifier: GPL-3.0-or-later
"""Long jobs are generators: they yield Progress, check a CancelToken, and return their result.

Testable by plain iteration; the GUI runs the same generators on a thread pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
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
