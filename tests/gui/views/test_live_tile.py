# SPDX-License-Identifier: GPL-3.0-or-later
"""Live Photos in the window: one tile with a "Live" badge (the movie is no tile of its own), the
recipients dialog's Live Photos choice, and the Share dialog's words for it. Real library, real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.model.policy import KEEP, REMOVE, load_policy
from gui.dialogs.recipients_dialog import RecipientsDialog
from gui.models.photo_model import PhotoModel, Roles
from gui.views.photo_delegate import CELL, PhotoDelegate
from tests.core import live_fixtures as live

META = "Meta cloud processing"


@pytest.fixture
def library(tmp_path: Path, mem_keyring: object) -> Iterator[LibraryService]:
    root = tmp_path / "Roll"
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    live.movie(root / "CLIP_0002.MOV", None)  # a video of its own
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([root]))
    yield service
    service.close()


def test_the_pair_is_one_tile_with_a_live_badge(qtmodeltester: Any, library: LibraryService) -> None:
    model = PhotoModel(library, META)
    model.set_ids(library.gallery(META))
    qtmodeltester.check(model, force_py=True)
    shown = {model.index(r).data(): model.index(r) for r in range(model.rowCount())}
    assert sorted(shown) == ["CLIP_0002.MOV", "IMG_0001.JPG"]
    assert shown["IMG_0001.JPG"].data(Roles.Live) is True
    assert shown["CLIP_0002.MOV"].data(Roles.Live) is False
    assert "Live Photo" in shown["IMG_0001.JPG"].data(Qt.ItemDataRole.ToolTipRole)
    assert "Live Photo" not in shown["CLIP_0002.MOV"].data(Qt.ItemDataRole.ToolTipRole)


def _paint(live_flag: bool) -> QImage:
    model = QStandardItemModel()
    item = QStandardItem("IMG_0001.JPG")
    item.setData(live_flag, Roles.Live)
    item.setData(False, Roles.Allowed)
    item.setData("inherit", Roles.Decision)
    model.appendRow(item)
    image = QImage(CELL, CELL, QImage.Format.Format_ARGB32)
    image.fill(QColor(255, 255, 255))
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, CELL, CELL)
    painter = QPainter(image)
    PhotoDelegate().paint(painter, option, model.index(0, 0))
    painter.end()
    return image


def test_the_delegate_paints_the_badge_top_left_only_for_live_photos(qapp: Any) -> None:
    plain, badged = _paint(False), _paint(True)
    differ = {(x, y) for x in range(CELL) for y in range(CELL) if plain.pixel(x, y) != badged.pixel(x, y)}
    assert differ, "no Live badge painted"
    assert all(x < CELL // 2 and y < CELL // 3 for x, y in differ), "the badge belongs top left"


def test_recipients_dialog_offers_the_live_photo_choice(qtbot: Any, library: LibraryService) -> None:
    dialog = RecipientsDialog(library)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.motion_box.currentData() == REMOVE  # minimal: the still photo only
    assert dialog.motion_box.currentText() == "Still photo only"
    dialog.motion_box.setCurrentIndex(dialog.motion_box.findData(KEEP))
    assert dialog.preset.currentData() == "custom" and dialog.is_dirty()
    dialog.save_button.click()
    policy = load_policy(library.recipient(META).policy)
    assert policy.keeps_motion
    again = RecipientsDialog(library)
    qtbot.addWidget(again)
    assert again.motion_box.currentText() == "Still photo and its movie" and not again.is_dirty()


def test_share_dialog_says_what_happens_to_live_photos(qtbot: Any, library: LibraryService) -> None:
    from gui.dialogs.share_dialog import ShareDialog, State
    from gui.tasks import TaskRunner

    library.decide_photos(
        [library.fingerprint_of(library.roots()[0] / "IMG_0001.JPG")], META, Decision.ALLOWED
    )
    runner = TaskRunner()
    dialog = ShareDialog(library, runner, META)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state is State.READY, timeout=5000)
    assert "Live Photos: the still photo only" in dialog.names_label.text()
    assert "1 photo" in dialog.photos_label.text()  # the pair counts once
    assert runner.shutdown()
