# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the desktop app: one QApplication, the library, one task runner, the main window."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

APP_NAME = "Photo Consent"
ORGANISATION = "photo-consent"


def run_app(args: Sequence[str] = ()) -> int:
    """``args``: an optional folder to import on start (``--home DIR`` picks the library)."""
    from core.database import DatabaseError
    from core.library import LibraryService
    from gui.main_window import MainWindow
    from gui.tasks import TaskRunner

    home = None
    folders: list[str] = []
    items = list(args)
    while items:
        arg = items.pop(0)
        if arg == "--home" and items:
            home = items.pop(0)
        elif not arg.startswith("-"):
            folders.append(arg)

    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("io.github.photoconsent.PhotoConsent")
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
    runner = TaskRunner()
    window = MainWindow(service, runner, settings=QSettings())
    window.show()
    if folders:
        window.start_import(folders)
    try:
        return app.exec()
    finally:
        runner.shutdown()
        service.close()
