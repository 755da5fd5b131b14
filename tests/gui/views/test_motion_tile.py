# SPDX-License-Identifier: GPL-3.0-or-later
"""Motion photos in the window: a "MOTION" badge of their own (top left, like LIVE, not the same mark), a
tooltip line, and the pane's sentence on whether the short video inside leaves. Real library, real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from core.library.service import LibraryService
from core.model.jobs import drive
from core.pipeline.preview_words import MOTION_TIP
from gui.models.photo_model import PhotoModel, Roles, Tile
from gui.views.photo_delegate import CELL
from tests.core import motion_fixtures as mo
from tests.core.library.test_library import make_jpeg
from tests.gui.views.tiles import paint_tile

pytest.importorskip("av")

META = "Meta cloud processing"


def _roll(root: Path) -> Path:
    make_jpeg(root / "plain.jpg", 1)
    (root / "google.jpg").write_bytes(mo.google())
    return root


@pytest.fixture
def library(tmp_path: Path, mem_keyring: object) -> Iterator[LibraryService]:
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([_roll(tmp_path / "Roll")]))
    yield service
    service.close()


def test_a_motion_photo_tile_says_so_and_a_plain_photo_does_not(
    qtmodeltester: Any, library: LibraryService
) -> None:
    model = PhotoModel(library, META)
    model.set_ids(library.gallery(META))
    qtmodeltester.check(model, force_py=True)
    shown = {model.index(r).data(): model.index(r) for r in range(model.rowCount())}
    assert shown["google.jpg"].data(Roles.Motion) is True
    assert shown["plain.jpg"].data(Roles.Motion) is False
    assert shown["google.jpg"].data(Roles.Live) is False
    assert MOTION_TIP in shown["google.jpg"].data(Qt.ItemDataRole.ToolTipRole)
    assert "Motion photo" not in shown["plain.jpg"].data(Qt.ItemDataRole.ToolTipRole)


def _paint(role: Roles | None) -> QImage:
    return paint_tile(
        Tile(name="PXL_0001.jpg", live=role == Roles.Live, motion=role == Roles.Motion)
    )


def _differ(a: QImage, b: QImage) -> set[tuple[int, int]]:
    return {(x, y) for x in range(CELL) for y in range(CELL) if a.pixel(x, y) != b.pixel(x, y)}


def test_the_delegate_paints_a_motion_badge_top_left_unlike_the_live_one(qapp: Any) -> None:
    plain, motion, live = _paint(None), _paint(Roles.Motion), _paint(Roles.Live)
    differ = _differ(plain, motion)
    assert differ, "no motion badge painted"
    assert all(x < CELL // 2 and y < CELL // 3 for x, y in differ), "the badge belongs top left, like LIVE"
    assert _differ(motion, live), "a motion photo is marked apart from a Live Photo"
    # Wider than LIVE: the word is longer, the style the same (the same row, the same height).
    assert max(x for x, _ in differ) > max(x for x, _ in _differ(plain, live))
    assert {y for _, y in differ} == {y for _, y in _differ(plain, live)}


@pytest.mark.usefixtures("no_face_model")
def test_the_pane_says_whether_the_short_video_leaves(
    qtbot: Any, service: LibraryService, runner: Any, tmp_path: Path
) -> None:
    from tests.gui.window_helpers import WAIT, make_window, select, settle

    drive(service.import_job([_roll(tmp_path / "Roll")]))
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "moving"\nmotion = "keep"\n')
    service.add_recipient("Friends", str(policy))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    pane = win.pane
    select(win, ["google.jpg"])
    qtbot.waitUntil(lambda: pane.preview is not None and "motion photo" in pane.output.text(), timeout=WAIT)
    assert "keeps on this device: only the still is sent" in pane.output.text()
    win.recipient_box.setCurrentText("Friends")
    qtbot.waitUntil(lambda: pane.recipient == "Friends" and "sends with it, cleaned" in pane.output.text(),
                    timeout=WAIT)
    select(win, ["plain.jpg"])
    qtbot.waitUntil(lambda: pane.preview is not None and pane.preview.path.endswith("plain.jpg")
                    and "leave as" in pane.output.text().lower(), timeout=WAIT)
    assert "motion photo" not in pane.output.text()
    settle(qtbot, win)
