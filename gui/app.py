# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the desktop app: one QApplication, the library, one task runner, the main window."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from core.resources import APP_ID

APP_NAME = "Photo Consent"
ORGANISATION = "photo-consent"


def start_arguments(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """The library home (``--home DIR``) and the folders to import: a photo brings its folder."""
    home = None
    folders: list[str] = []
    items = list(args)
    while items:
        arg = items.pop(0)
        if arg == "--home" and items:
            home = items.pop(0)
        elif not arg.startswith("-"):
            path = Path(arg)
            folders.append(str(path.parent if path.is_file() else path))
    return home, list(dict.fromkeys(folders))


def run_app(args: Sequence[str] = ()) -> int:
    """``args``: folders or photos to import on start ("Open with Photo Consent"; a photo brings its
    folder); ``--home DIR`` picks the library. ``PHOTO_CONSENT_QUIT_AFTER_MS`` closes the window after
    that many milliseconds, through the normal close path (the bundle's smoke test uses it)."""
    from core.library.db import DatabaseError
    from core.library.service import LibraryService
    from gui.main_window import MainWindow
    from gui.tasks import BACKGROUND_PROCESSES, TaskRunner

    home, folders = start_arguments(args)

    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    try:
        from core.resources import app_icon_path

        app.setWindowIcon(QIcon(str(app_icon_path())))
    except Exception:  # noqa: BLE001 - an icon is a nicety; a missing one must not stop the app
        pass
    try:
        service = LibraryService.open(home)
    except DatabaseError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    # numpy's C extension must not be initialised by two worker threads at once: in the frozen bundle the
    # loser fails with "partially initialized module 'numpy._core._multiarray_umath'" (seen in the bundle
    # smoke test when the preview pane and the face scan started together). Import it here, on the main
    # thread, before any worker starts.
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401
    runner = TaskRunner()
    # Hashing, inventories, thumbnails and face detection run in worker processes: the GUI thread keeps
    # the GIL for painting (see core.library.offload).
    service.ctx.offload.use_processes(BACKGROUND_PROCESSES)
    settings = QSettings()
    from gui.theme import apply_theme

    apply_theme(app, str(settings.value("view/theme", "system") or "system"))
    window = MainWindow(service, runner, settings=settings)
    window.show()
    if folders:
        window.start_import(folders)
    quit_after = os.environ.get("PHOTO_CONSENT_QUIT_AFTER_MS", "")
    if quit_after.isdigit():
        QTimer.singleShot(int(quit_after), window.close)
    try:
        return app.exec()
    finally:
        runner.shutdown()
        service.ctx.offload.close()
        service.close()
