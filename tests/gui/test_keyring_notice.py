# SPDX-License-Identifier: GPL-3.0-or-later
"""Without a working keyring the status bar says so in one plain sentence with what to do (it said
"No keyring: history not signed…", jargon with no way out), shorter in a narrow window, and in a colour
that reads on the theme in effect, also after View → Theme (light's dark red stayed on a dark window)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from core.library.service import LibraryService
from core.model.jobs import drive
from tests.gui.window_helpers import WAIT, make_window

pytestmark = pytest.mark.usefixtures("no_face_model")


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_no_keyring_notice_says_what_it_means_and_what_to_do(
    qtbot, tmp_path: Path, failing_keyring, roll: Path, runner
) -> None:
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        win = make_window(qtbot, lib, runner, tmp_path)
        win.resize(1400, 900)
        with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
            win.show()
        label = win.keyring_label
        assert label.isVisible()
        assert "No password store (keyring)" in label.text() and "What to do" in label.text()
        assert "History cannot be sealed" in label.text()  # the whole sentence where it fits
        assert "GNOME Keyring" in label.toolTip() and "KWallet" in label.toolTip()
        try:
            for theme in ("light", "dark", "light"):
                win.set_theme(theme)
                QApplication.processEvents()
                ink = label.palette().color(QPalette.ColorRole.WindowText)
                paper = win.statusBar().palette().color(QPalette.ColorRole.Window)
                assert _contrast(ink, paper) >= 4.5, (theme, ink.name(), paper.name())
        finally:
            win.set_theme("light")
        # A narrow window: the short form, never a window wider than the screen for it.
        win.resize(1024, 640)
        qtbot.waitUntil(lambda: "History cannot be sealed" not in label.text(), timeout=WAIT)
        assert "No password store (keyring)" in label.text() and "What to do" in label.text()
        assert label.width() >= label.fontMetrics().horizontalAdvance("No password store (keyring): History")
        win.close()
