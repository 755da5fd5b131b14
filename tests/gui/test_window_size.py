# SPDX-License-Identifier: GPL-3.0-or-later
"""The window's size: the first launch takes most of the screen's free area (a 914 x 590 window cut the
pane's lines, the status bar and the grid), a minimum at which nothing is cut, and the size a person
chose is remembered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize

from core.library.service import LibraryService
from core.model.jobs import drive
from gui.main_window import MINIMUM_SIZE, first_size, minimum_size
from gui.views.photo_delegate import CELL
from tests.core.library.test_gallery import make_jpeg
from tests.gui.window_helpers import WAIT, make_window, settle

pytestmark = pytest.mark.usefixtures("no_face_model")


def test_the_first_size_comes_from_the_screen() -> None:
    big = first_size(QSize(1400, 860))
    assert big.width() >= 1200 and big.height() >= 760
    assert big.width() <= 1400 and big.height() <= 860
    # Never below the minimum on a screen that has room, never beyond a small screen.
    assert first_size(QSize(1300, 800)) == MINIMUM_SIZE
    assert first_size(QSize(1024, 600)) == QSize(1024, 600)
    assert minimum_size(QSize(1024, 600)) == QSize(984, 560)
    assert minimum_size(QSize(1400, 860)) == MINIMUM_SIZE
    # A very large screen gets a comfortable window, not a wall.
    huge = first_size(QSize(5120, 2800))
    assert huge.width() < 2000 and huge.height() < 1200


def test_the_first_launch_fits_the_screen_and_a_chosen_size_is_kept(
    qtbot: Any, service: LibraryService, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_jpeg(tmp_path / "Roll" / "a.jpg", 1)
    drive(service.import_job([tmp_path / "Roll"]))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    available = win.screen().availableGeometry().size()
    assert win.size() == first_size(available)
    assert win.minimumSize() == minimum_size(available)
    assert not win.splitter.childrenCollapsible()
    win.resize(QSize(700, 500))  # the minimum holds
    assert win.width() >= minimum_size(available).width()
    # On a screen with room for the minimum, the grid keeps two whole columns and the pane its face
    # controls' row: nothing is a sliver. (The test screen is 800 px: the screen size is given here.)
    win.fit_minimums(QSize(1400, 860))
    assert win.minimumSize() == MINIMUM_SIZE
    assert win.grid.minimumWidth() >= 2 * CELL
    controls = (win.pane.leaving, win.pane.boxes, win.pane.draw, win.pane.large)
    assert win.pane.minimumWidth() >= sum(w.sizeHint().width() for w in controls)
    handles = 2 * win.splitter.handleWidth()
    assert MINIMUM_SIZE.width() >= (
        win.album_view.minimumWidth() + win.grid.minimumWidth() + win.pane.minimumWidth() + handles
    )
    win.resize(MINIMUM_SIZE)
    settle(qtbot, win)
    sizes = win.splitter.sizes()
    assert sizes[1] >= 2 * CELL and sizes[2] >= win.pane.minimumWidth()
    # A small screen (a 1024 × 640 laptop): the window may be smaller, but the grid still shows one
    # whole photo, never a tile cut at its right edge.
    win.fit_minimums(QSize(1024, 640))
    assert win.minimumSize() == minimum_size(QSize(1024, 640))
    win.resize(win.minimumSize())
    settle(qtbot, win)
    assert win.grid.viewport().width() >= CELL
    win.fit_minimums(available)
    chosen = minimum_size(available).expandedTo(QSize(760, 740)).boundedTo(available - QSize(20, 40))
    win.resize(chosen)
    # What the person left is what the next launch restores: the first-launch size is not computed again.
    qtbot.waitUntil(lambda: win.size() == chosen, timeout=WAIT)
    settle(qtbot, win)
    win.save_settings()
    win.close()

    def not_again(_available: QSize) -> QSize:
        raise AssertionError("a saved geometry must be restored, not replaced by the first-launch size")

    monkeypatch.setattr("gui.main_window.first_size", not_again)
    again = make_window(qtbot, service, runner, tmp_path)
    assert again.size() == chosen != first_size(available)
    again.close()
