# SPDX-License-Identifier: GPL-3.0-or-later
"""CPU-heavy per-file work (fingerprint + inventory at import, thumbnails, face detection) in worker
processes, so it holds no GIL that the desktop app's GUI thread needs for painting.

``Offload`` runs a top-level, picklable function either in the calling thread (the default: the CLI and
tests) or, after ``use_processes(n)``, in a pool of ``n`` worker processes. The calling thread (a task
runner thread) waits for the result, and waiting releases the GIL; only the small result (an inventory
record, JPEG bytes, face boxes) comes back, by the caller's own key.

The pool is started with ``forkserver``: forking a process that runs Qt and several threads could copy a
lock held by another thread. Workers never outlive the app (``core.pipeline.workers``). A worker that
dies (a crash in a native decoder) breaks the pool: that call runs again in the calling thread, and the
next call gets a fresh pool, so one bad file never stops the others.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from core.pipeline.workers import can_fork, process_pool

T = TypeVar("T")


def preload() -> list[str]:
    """Modules the fork server imports once, so each worker forked from it starts with them loaded instead
    of spending its first call (the first photos of an import) importing the parsers: ~0.2 s a worker."""
    from core.formats import HANDLERS

    return ["core.library.importer", "numpy", *(entry.module for entry in HANDLERS)]


class Offload:
    def __init__(self) -> None:
        self._workers = 0
        self._pool: ProcessPoolExecutor | None = None
        self._method = "forkserver"
        self._background = True
        self._lock = threading.Lock()
        self.calls_in_process = 0  # calls that ran in a worker process (benchmarks, tests)

    @property
    def processes(self) -> int:
        return self._workers

    def use_processes(self, workers: int, method: str = "forkserver", *, background: bool = True) -> None:
        """From now on run calls in ``workers`` processes (0: in the calling thread). ``method`` "fork"
        only for a caller that runs no other threads (a command line): its workers start with what the
        caller has already imported, where a fork server first imports the parsers itself.
        ``background``: the workers yield the processor to the caller's process (a window that paints)."""
        with self._lock:
            self._workers = max(0, workers) if can_fork() else 0
            self._method = method
            self._background = background
            self._shutdown_locked()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, in a worker process when enabled. Exceptions raised by ``fn`` propagate."""
        pool = self._get_pool()
        if pool is None:
            return fn(*args)
        try:
            value = pool.submit(fn, *args).result()
        except BrokenProcessPool:
            self._discard(pool)
            return fn(*args)
        self.calls_in_process += 1
        return value

    def map(self, fn: Callable[..., T], chunks: Sequence[tuple[Any, ...]]) -> list[T]:
        """``[fn(*args) for args in chunks]``, the chunks spread over the workers, results in order."""
        pool = self._get_pool()
        if pool is None:
            return [fn(*args) for args in chunks]
        futures = [pool.submit(fn, *args) for args in chunks]
        try:
            out = [f.result() for f in futures]
        except BrokenProcessPool:
            self._discard(pool)
            return [fn(*args) for args in chunks]
        self.calls_in_process += len(chunks)
        return out

    def stream(
        self, fn: Callable[..., T], chunks: Iterable[tuple[Any, ...]], ahead: int | None = None
    ) -> Generator[T, None, None]:
        """``fn(*args)`` for each chunk, yielded in order while the workers go on: ``ahead`` chunks (default
        two per worker) are in the workers at any time, so no worker waits for the caller to use a result.
        ``chunks`` is read lazily, as work is handed out: a chunk may depend on the results before it.
        A worker that dies: its chunks run again in the calling thread, the next ones get a fresh pool."""
        if not self.processes:
            for args in chunks:
                yield fn(*args)
            return
        pending: deque[tuple[tuple[Any, ...], ProcessPoolExecutor | None, Future[T] | None]] = deque()
        source: Iterator[tuple[Any, ...] | None] = iter(chunks)
        try:
            while True:
                while len(pending) < (ahead or 2 * max(1, self.processes)):
                    given = next(source, None)
                    if given is None:
                        break
                    pending.append((given, *self._submit(fn, given)))
                if not pending:
                    return
                args, pool, future = pending.popleft()
                if pool is None or future is None:
                    yield fn(*args)
                    continue
                try:
                    value = future.result()
                except BrokenProcessPool:
                    self._discard(pool)
                    yield fn(*args)
                    continue
                self.calls_in_process += 1
                yield value
        finally:
            for _args, _pool, left in pending:  # the caller stopped early (a cancel): drop what is queued
                if left is not None:
                    left.cancel()

    def _submit(
        self, fn: Callable[..., T], args: tuple[Any, ...]
    ) -> tuple[ProcessPoolExecutor | None, Future[T] | None]:
        """Hand one chunk to the pool; a pool that broke since the last chunk (a worker died before its
        future was read) is replaced first. (None, None): it runs in the calling thread."""
        for _ in range(2):
            pool = self._get_pool()
            if pool is None:
                return None, None
            try:
                return pool, pool.submit(fn, *args)
            except BrokenProcessPool:
                self._discard(pool)
        return None, None

    def close(self) -> None:
        with self._lock:
            self._shutdown_locked()

    def _get_pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if not self._workers:
                return None
            if self._pool is None:
                if self._method == "forkserver":
                    # Only takes effect before the fork server starts (the first pool of the process).
                    multiprocessing.get_context("forkserver").set_forkserver_preload(preload())
                self._pool = process_pool(self._workers, method=self._method, background=self._background)
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def _shutdown_locked(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# --- the work itself: top-level functions, so a worker process can run them ----------------------------


def detect_faces(paths: list[Path]) -> dict[Path, list[Any]]:
    """Faces in each photo (``core.imaging.faces.detect_job`` driven to its end); photos that cannot be
    decoded are left out. Raises FaceDetectionUnavailable without the model."""
    from core.imaging.faces import detect_job

    job = detect_job(paths)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return dict(stop.value)


def embedded_picture(path: Path, size: int) -> Any:
    """The camera's embedded thumbnail decoded to RGB pixels (a ``Picture``), or None without one."""
    from core.imaging.rendering import decode_rgb
    from core.imaging.thumbnails import embedded_thumbnail

    data = embedded_thumbnail(path)
    return decode_rgb(data, size) if data else None
