# SPDX-License-Identifier: GPL-3.0-or-later
"""Every dialog opens no larger than the screen's free area and centred on the main window: on a
1024 × 640 screen History was 680 px tall and its Refresh and Close buttons were below the edge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget

from core.library.service import LibraryService
from core.model.jobs import drive
from gui.dialogs.about import AboutDialog
from gui.dialogs.history_dialog import HistoryDialog
from gui.dialogs.receipt_dialog import ReceiptDialog
from gui.dialogs.recipients_dialog import RecipientsDialog
from gui.screen_fit import SCREEN_MARGIN, fit_on_screen, fit_size
from tests.gui.window_helpers import WAIT, make_window

pytestmark = pytest.mark.usefixtures("no_face_model")

SMALL = QRect(0, 0, 1024, 640)


def test_a_size_is_bounded_by_the_free_area_less_a_margin() -> None:
    assert fit_size(QSize(1000, 680), SMALL.size()) == QSize(984, 600)
    assert fit_size(QSize(600, 400), SMALL.size()) == QSize(600, 400)
    assert fit_size(QSize(1400, 900), QSize(800, 600)) == QSize(800, 600) - SCREEN_MARGIN


def _inside(outer: QRect, widget: QWidget) -> None:
    rect = QRect(widget.pos(), widget.size())
    assert outer.contains(rect), f"{type(widget).__name__} at {rect} is not inside {outer}"


def test_every_dialog_fits_a_small_screen_centred_on_the_window(
    qtbot: Any, service: LibraryService, runner: Any, roll: Path, tmp_path: Path
) -> None:
    drive(service.import_job([roll]))
    win = make_window(qtbot, service, runner, tmp_path)
    win.fit_minimums(SMALL.size())
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    win.setGeometry(QRect(20, 20, 984, 600))
    screen = win.screen().availableGeometry()
    dialogs: list[QWidget] = [
        HistoryDialog(service, win), RecipientsDialog(service, win), AboutDialog(win),
        ReceiptDialog({"policy": "minimal", "recipient": "Family", "files": []}, parent=win),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        # Each fits the screen it opens on by itself (offscreen: 800 × 800)...
        assert dialog.width() <= screen.width() - SCREEN_MARGIN.width(), type(dialog).__name__
        assert dialog.height() <= screen.height() - SCREEN_MARGIN.height(), type(dialog).__name__
        # ... and a small one given explicitly: inside it, centred on the main window.
        fit_on_screen(dialog, SMALL)
        _inside(SMALL, dialog)
        centre = QRect(dialog.pos(), dialog.size()).center()
        assert (centre - win.frameGeometry().center()).manhattanLength() <= 4, type(dialog).__name__
        dialog.show()
        QApplication.processEvents()
        assert dialog.height() <= SMALL.height() - SCREEN_MARGIN.height()
        for box in dialog.findChildren(QDialogButtonBox):  # Refresh and Close are within reach
            for button in box.buttons():
                if button.isVisible():
                    corner = button.mapTo(dialog, button.rect().bottomRight())
                    assert dialog.rect().contains(corner), (type(dialog).__name__, button.text())
        dialog.close()
    # The report is a window of the main window's: it fits the screen it is shown on.
    win.open_report()
    report = win.report
    assert report is not None
    qtbot.waitUntil(report.isVisible, timeout=WAIT)
    assert report.height() <= screen.height() - SCREEN_MARGIN.height()
    report.close()
    win.close()
