# SPDX-License-Identifier: GPL-3.0-or-later
"""Thumbnails for the grid: requested by the rows being painted, made in workers, keyed by file id.

Flow: the model's ``data()`` asks ``pixmap(file_id, ...)``. A miss queues a request; at most a few run at
once on the runner's background pool. Each photo is made in two steps: the camera's embedded EXIF
thumbnail (tiny, instant), then the real one (core cache or a draft-scaled decode). Workers produce a
``QImage`` (safe off the GUI thread); it becomes a ``QPixmap`` here, on the GUI thread. Newest requests
run first (what the user scrolled to) and the queue is bounded, so rows scrolled past are dropped.
The pixmap cache is a bounded LRU.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from core.library.service import LibraryService, Picture
from gui.tasks import TaskRunner

CACHE_ENTRIES = 600  # ~ 30 MB of 160-px pixmaps: a few screens of grid either way
QUEUE_LIMIT = 240  # older requests than this are stale: the user has scrolled on
IN_FLIGHT = 4


def to_qimage(picture: Picture) -> QImage:
    """Wrap core RGB pixels in a QImage that owns a copy (the bytes object may go away)."""
    image = QImage(picture.rgb, picture.width, picture.height, picture.width * 3, QImage.Format.Format_RGB888)
    return image.copy()


class ThumbnailLoader(QObject):
    thumbnail_ready = Signal(int)  # file id

    def __init__(self, service: LibraryService, runner: TaskRunner, size: int = 160, parent=None) -> None:
        super().__init__(parent)
        self.service, self.runner, self.size = service, runner, size
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._final: set[int] = set()  # ids whose cached pixmap is the real thumbnail, not the embedded one
        self._queue: deque[tuple[int, str, Path]] = deque()
        self._queued: set[int] = set()
        self._running: set[int] = set()
        self._failed: set[int] = set()
        self.made = 0  # real thumbnails delivered (tests and the benchmark read it)

    def pixmap(self, file_id: int, fingerprint: str | None, path: Path | None) -> QPixmap | None:
        pm = self._cache.get(file_id)
        if pm is not None:
            self._cache.move_to_end(file_id)
            if file_id in self._final:
                return pm
        if fingerprint and path is not None:
            self._request(file_id, fingerprint, path)
        return pm

    def _request(self, file_id: int, fingerprint: str, path: Path) -> None:
        if file_id in self._running or file_id in self._failed:
            return
        if file_id in self._queued:
            return
        self._queue.append((file_id, fingerprint, path))
        self._queued.add(file_id)
        while len(self._queue) > QUEUE_LIMIT:
            old = self._queue.popleft()
            self._queued.discard(old[0])
        self._pump()

    def _pump(self) -> None:
        while self._queue and len(self._running) < IN_FLIGHT:
            file_id, fp, path = self._queue.pop()  # newest first: what is on screen now
            self._queued.discard(file_id)
            self._running.add(file_id)
            embedded = file_id not in self._cache
            self.runner.submit(
                lambda fp=fp, path=path, embedded=embedded: self._make(fp, path, embedded),
                key=(file_id, fp, path, embedded),
                pool="background",
                on_done=self._done,
                on_error=self._error,
                on_cancel=self._cancelled,
            )

    def _make(self, fingerprint: str, path: Path, embedded: bool) -> QImage | None:
        """Worker side. The embedded thumbnail first when there is one; None means "none embedded"."""
        picture = self.service.thumbnail(fingerprint, path, self.size, embedded=embedded)
        return to_qimage(picture) if picture is not None else None

    def _done(self, key: object, image: object) -> None:
        file_id, fp, path, embedded = key  # type: ignore[misc]
        self._running.discard(file_id)
        if isinstance(image, QImage) and not image.isNull():
            self._store(file_id, QPixmap.fromImage(image), final=not embedded)
            self.thumbnail_ready.emit(file_id)
        if embedded:
            # The instant one is shown (or there was none): now the real thumbnail, ahead of the queue.
            self._queue.append((file_id, fp, path))
            self._queued.add(file_id)
            if file_id not in self._cache:
                self._cache_placeholder_miss(file_id)
        self._pump()

    def _cache_placeholder_miss(self, file_id: int) -> None:
        # Nothing embedded: remember so the next request goes straight to the real thumbnail.
        self._cache[file_id] = QPixmap()

    def _error(self, key: object, _message: str) -> None:
        file_id = key[0]  # type: ignore[index]
        self._running.discard(file_id)
        self._failed.add(file_id)  # the delegate keeps its placeholder; the error badge says why
        self.thumbnail_ready.emit(file_id)
        self._pump()

    def _cancelled(self, key: object) -> None:
        self._running.discard(key[0])  # type: ignore[index]

    def _store(self, file_id: int, pm: QPixmap, *, final: bool) -> None:
        self._cache[file_id] = pm
        self._cache.move_to_end(file_id)
        if final:
            self._final.add(file_id)
            self.made += 1
        while len(self._cache) > CACHE_ENTRIES:
            old, _ = self._cache.popitem(last=False)
            self._final.discard(old)

    def forget(self, file_id: int) -> None:
        """Drop a thumbnail (the file changed)."""
        self._cache.pop(file_id, None)
        self._final.discard(file_id)
        self._failed.discard(file_id)

    def busy(self) -> bool:
        return bool(self._running or self._queue)
