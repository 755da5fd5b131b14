# SPDX-License-Identifier: GPL-3.0-or-later
"""The pane's Leaves / Stays lists in a narrow pane: every line wraps to the height its text needs at the
list's width (it was cut: "altitud…", "35 other t…") and says all of itself on hover. Real window, real
library, real widgets offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItem

from core.library.service import LibraryService
from core.model.jobs import drive
from tests.gui.window_helpers import WAIT, make_window, select, settle

pytestmark = pytest.mark.usefixtures("no_face_model")


def _rows(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    rows = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        rows.append(top)
        if top.isExpanded():
            rows += [top.child(j) for j in range(top.childCount())]
    return rows


def test_every_line_of_the_lists_is_whole_in_a_narrow_pane(
    qtbot: Any, service: LibraryService, runner: Any, roll: Path, tmp_path: Path
) -> None:
    drive(service.import_job([roll]))
    win = make_window(qtbot, service, runner, tmp_path)
    win.fit_minimums(QSize(1064, 680))
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    win.resize(1024, 640)
    pane = win.pane
    select(win, ["beach.jpg"])  # a place, a time and a camera
    qtbot.waitUntil(lambda: pane.preview is not None and pane.leaves.topLevelItemCount() > 1, timeout=WAIT)
    settle(qtbot, win)
    pane.stays.expandAll()  # the raw fields too
    QApplication.processEvents()
    wrapped = 0
    for tree in (pane.leaves, pane.stays):
        for row in _rows(tree):
            text = row.text(0)
            if not text:
                continue
            rect = tree.visualItemRect(row)
            # A raw field's row reads "name · value"; its tooltip "name = value", with where it is.
            parts = text.removesuffix("…").split(" · ", 1)
            assert all(p in row.toolTip(0) for p in parts), f"{text!r}: not all in {row.toolTip(0)!r}"
            if rect.bottom() > tree.viewport().height() or len(text) > 240:
                continue  # below the fold, or a raw value shortened on purpose (its tooltip has it all)
            metrics = tree.fontMetrics()
            room = QRect(0, 0, rect.width() - 8, 10_000)  # the item's margins
            needed = metrics.boundingRect(room, int(Qt.TextFlag.TextWordWrap), text).height()
            assert rect.height() >= needed, f"{text!r} is cut: {rect.height()} px for {needed}"
            wrapped += needed > metrics.height() * 1.5
    assert wrapped, "no line was long enough to wrap: the test says nothing"
