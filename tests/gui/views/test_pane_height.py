# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pane's top in a short window: its sentences never overlap, each keeps the height its
width needs, a long file name or recipient's name wraps instead of being cut, and the top scrolls when
it does not fit (below about 800 px its sentences were drawn over each other). Real window, real
library, real widgets offscreen."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from core.library.service import LibraryService
from core.model.jobs import drive
from gui.main_window import MINIMUM_SIZE, MainWindow
from tests.gui.window_helpers import META, WAIT, make_window, select, settle

pytestmark = pytest.mark.usefixtures("no_face_model")

LONG_NAME = "PXL_20250220_121033_VERYLONGNAMEWITHOUTSPACES_EDITED_FINAL_COPY.jpg"
LONG_RECIPIENT = "Grandparents-in-Reykjavik-and-Akureyri-Iceland"


def _open(qtbot: Any, service: LibraryService, runner: Any, roll: Path, tmp_path: Path,
          size: QSize) -> MainWindow:
    shutil.copy(roll / "a_top.jpg", roll / LONG_NAME)
    drive(service.import_job([roll]))
    service.add_recipient(LONG_RECIPIENT, "minimal")
    win = make_window(qtbot, service, runner, tmp_path)
    win.fit_minimums(size + QSize(40, 40))  # a screen just large enough for this window
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    win.resize(size)
    return win


def _top_parts(win: MainWindow) -> list[QWidget]:
    pane, bar = win.pane, win.pane.consent_bar
    parts: list[QWidget] = [pane.title, bar.headline, bar.because, bar.others_label, bar.others, bar.note,
                            bar.button, pane.view, pane.large, pane.faces_hint, pane.output]
    return [w for w in parts if w.isVisibleTo(pane.top)]


def _rect(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())


def _check(win: MainWindow) -> None:
    QApplication.processEvents()
    top = win.pane.top
    parts = _top_parts(win)
    assert len(parts) >= 8  # the photo's name, the consent sentences, the picture, the lines below
    rects = {id(w): _rect(w, top) for w in parts}
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            assert not rects[id(a)].intersects(rects[id(b)]), f"{a.objectName() or a} overlaps {b}"
    for w in parts:
        if isinstance(w, QLabel) and w.wordWrap() and w.text():
            assert w.height() >= w.heightForWidth(w.width()), f"{w.text()[:40]!r} is squeezed"
        assert rects[id(w)].right() < top.width(), f"{w} reaches past the pane's edge"
    # Nothing is wider than what the pane shows: the top never needs a sideways scroll.
    assert top.width() <= win.pane.top_scroll.viewport().width()


@pytest.mark.parametrize("size", [QSize(1024, 640), MINIMUM_SIZE])
def test_the_panes_top_never_overlaps_in_a_short_window(
    qtbot: Any, service: LibraryService, runner: Any, roll: Path, tmp_path: Path, size: QSize
) -> None:
    win = _open(qtbot, service, runner, roll, tmp_path, size)
    assert win.height() == size.height()
    pane = win.pane
    # The preset recipient: the longest top (its note explains what it stands for).
    select(win, [LONG_NAME])
    qtbot.waitUntil(lambda: pane.preview is not None and pane.consent_bar.note.isVisible(), timeout=WAIT)
    settle(qtbot, win)
    _check(win)
    assert pane.title.height() > pane.title.fontMetrics().height() * 1.5  # the long name wrapped
    if size.height() < MINIMUM_SIZE.height():
        assert pane.top_scroll.verticalScrollBar().maximum() > 0  # it scrolls rather than overlaps
    # A recipient with a long name without spaces: the headline wraps too.
    win.recipient_box.setCurrentText(LONG_RECIPIENT)
    qtbot.waitUntil(lambda: LONG_RECIPIENT[:10] in pane.consent_bar.headline.text()
                    and pane.consent_bar.current() is not None, timeout=WAIT)
    settle(qtbot, win)
    _check(win)
    win.recipient_box.setCurrentText(META)
    settle(qtbot, win)
