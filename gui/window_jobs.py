# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window's long jobs (import, sample roll, faces) with progress and cancel, and drops
(a mixin of ``MainWindow``).

A dropped folder is imported with its sub-folders as albums; dropped photos are imported by themselves
(their folder's other files are not).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.library.service import ImportResult
from core.model.jobs import CancelToken, Progress
from gui.models.photo_model import FACE_ROLES
from gui.tasks import Task


class WindowJobs:
    # -- jobs -------------------------------------------------------------------------------------------

    def _start_job(
        self, name: str, label: str, fn: Callable[[CancelToken], object], pool: str, on_done
    ) -> Task:
        token = CancelToken()
        task = self.runner.submit(
            lambda: fn(token),
            key=name,
            pool=pool,
            token=token,
            on_progress=self._job_progress,
            on_done=lambda k, v: (self._job_ended(k), on_done(v)),
            on_error=lambda k, m: (self._job_ended(k), self._job_error(k, m)),
            on_cancel=lambda k: (
                self._job_ended(k),
                self.say(f"{label} cancelled", 5000),
            ),
        )
        self._jobs[name] = task
        self._job_labels[name] = label
        self._show_job(name, Progress(0, 0, label))
        return task

    def _show_job(self, name: str, progress: Progress) -> None:
        self._shown_job = name
        text = progress.message or self._job_labels.get(name, name)
        self.job_label.setText(text)
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        else:
            self.progress.setRange(0, 0)  # busy: total not known yet
        for w in (self.job_label, self.progress, self.cancel_button):
            w.show()

    def _job_progress(self, key: object, progress: Progress) -> None:
        if key in self._jobs:
            self._show_job(str(key), progress)
        if key == "import" and not self.throttle.isActive():
            self.throttle.start()

    def _job_ended(self, key: object) -> None:
        self._jobs.pop(str(key), None)
        if self._jobs:
            last = list(self._jobs)[-1]
            self._show_job(last, Progress(0, 0, self._job_labels[last]))
        else:
            for w in (self.job_label, self.progress, self.cancel_button):
                w.hide()

    def cancel_current_job(self) -> None:
        name = getattr(self, "_shown_job", None)
        task = self._jobs.get(name) if name else None
        if task is not None:
            task.cancel()

    def _job_error(self, _key: object, message: str) -> None:
        QMessageBox.warning(self, "Photo Consent", message)

    def start_import(self, folders: list[str | os.PathLike[str]], rescan: bool = False) -> Task | None:
        """Import folders and single photos (a drop, File → Import), or rescan what was imported."""
        folders = [str(f) for f in folders]
        if not folders:
            return None
        if "import" in self._jobs:
            self.say("An import is already running; try again when it ends", 5000)
            return None
        self.stack.setCurrentWidget(self.splitter)
        service = self.service
        return self._start_job(
            "import",
            "Importing",
            lambda token: service.import_job(folders, token, rescan=rescan),
            "writer",
            self._import_done,
        )

    def _import_done(self, result: object) -> None:
        self.refresh_view()
        if isinstance(result, ImportResult):
            parts = [f"{result.added} new photo{'s' if result.added != 1 else ''}"]
            if result.changed:
                parts.append(f"{result.changed} changed")
            if result.unsupported:
                parts.append(f"{len(result.unsupported)} not supported")
            if result.problems:
                parts.append(f"{len(result.problems)} could not be read")
            self.say("Imported: " + ", ".join(parts), 10000)
        self.import_finished.emit(result)
        if self.auto_faces:
            self.start_faces()

    def choose_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of photos")
        if folder:
            self.start_import([folder])

    def rescan(self) -> None:
        roots = self.service.roots()
        self.start_import(roots, rescan=True)

    def open_sample_roll(self) -> Task | None:
        from core.library.sample import make_sample_roll, sample_dir

        if "import" in self._jobs:
            return None
        service = self.service

        def job(token: CancelToken):
            yield Progress(0, 0, "Making the sample roll")
            folder = make_sample_roll(sample_dir(service.home))
            return (yield from service.import_job([folder], token))

        self.stack.setCurrentWidget(self.splitter)
        return self._start_job("import", "Opening the sample roll", job, "writer", self._import_done)

    def start_faces(self) -> Task | None:
        if "faces" in self._jobs:
            return None
        service = self.service
        refresh = QTimer(self)

        def done(result: object) -> None:
            refresh.stop()
            self.model.refresh_all(FACE_ROLES)
            unavailable = getattr(result, "unavailable", "")
            if unavailable:
                self.say(f"Faces are not looked for: {unavailable}", 10000)
            elif self.filter_name == "faces":
                self.refresh_view()

        refresh.setInterval(1500)
        refresh.timeout.connect(lambda: self.model.refresh_all(FACE_ROLES))
        refresh.start()
        return self._start_job(
            "faces", "Looking for faces", lambda token: service.faces_job(token), "background", done
        )

    # -- drops ------------------------------------------------------------------------------------------

    @staticmethod
    def dropped_paths(urls) -> list[str]:
        """What to import for dropped URLs: a folder (with its sub-folders), a photo by itself."""
        out: list[str] = []
        for url in urls:
            if not url.isLocalFile():
                continue
            path = Path(url.toLocalFile())
            if (path.is_dir() or path.is_file()) and str(path) not in out:
                out.append(str(path))
        return out

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            # Copy, never move: the source application must not delete what it dragged.
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = self.dropped_paths(event.mimeData().urls())
        if not folders:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.start_import(folders)

