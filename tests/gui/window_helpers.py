# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for tests that drive the main window: build it, wait for it to settle, find rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from core.library.service import LibraryService
from gui.main_window import MainWindow
from gui.tasks import TaskRunner

META = "Meta cloud processing"


WAIT = 10_000


def make_window(qtbot, service: LibraryService, runner: TaskRunner, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, runner, settings=settings, auto_faces=False)
    qtbot.addWidget(window)
    return window


def rows_by_name(win: MainWindow) -> dict[str, int]:
    m = win.model
    return {m.index(r).data(Qt.ItemDataRole.DisplayRole): r for r in range(m.rowCount())}


def settle(qtbot, win: MainWindow) -> None:
    """Wait until no worker runs and no view refresh is pending, and it stays so while queued results are
    delivered (a finished worker's callback may start the next refresh)."""
    for _ in range(3):
        qtbot.waitUntil(lambda: win.runner.active() == 0 and not win._refreshing, timeout=WAIT)
        qtbot.wait(30)


def select(win: MainWindow, names: list[str]) -> None:
    rows = rows_by_name(win)
    sel = win.grid.selectionModel()
    win.grid.setCurrentIndex(win.model.index(rows[names[0]]))  # selects only this one
    for n in names:
        sel.select(win.model.index(rows[n]), sel.SelectionFlag.Select)


def album_index(win: MainWindow, name: str):
    m = win.albums
    stack = [m.index(r, 0) for r in range(m.rowCount())]
    while stack:
        idx = stack.pop()
        if m.node(idx).name == name:
            return idx
        stack += [m.index(r, 0, idx) for r in range(m.rowCount(idx))]
    raise KeyError(name)

