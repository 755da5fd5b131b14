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


def guard_none_refcount() -> bool:
    """Work around a binding bug: with PySide6 6.12 on Python 3.11 every call of a Qt method that returns
    nothing drops one reference to ``None``, and a Python override's True/False result loses one too
    (Python 3.12+ makes these immortal, which hides it). After enough paint calls the count reaches zero
    and the interpreter aborts ("deallocating None"). These singletons are never freed on purpose, so
    giving them a very large number of extra references is harmless and keeps the app alive. Returns
    True when the bug was detected and the guard applied."""
    import ctypes

    from PySide6.QtCore import QObject

    if sys.version_info >= (3, 12):
        return False
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    if sys.getrefcount(None) >= before:
        return False
    # The same happens to the True/False a Python override (eventFilter, ...) hands back to Qt.
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 48
    return True


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
    guard_none_refcount()
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
