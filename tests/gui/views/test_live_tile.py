# SPDX-License-Identifier: GPL-3.0-or-later
"""Live Photos in the window: one tile with a "Live" badge (the movie is no tile of its own), the
recipients dialog's Live Photos choice, and the Share dialog's words for it. Real library, real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.model.policy import KEEP, REMOVE, load_policy
from gui.dialogs.recipients_dialog import RecipientsDialog
from gui.models.photo_model import PhotoModel, Roles, Tile
from gui.views.photo_delegate import CELL
from tests.core import live_fixtures as live
from tests.gui.views.tiles import paint_tile

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
    return paint_tile(Tile(name="IMG_0001.JPG", live=live_flag))


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
    assert "Live Photos: the still only; the movie stays on this device." in dialog.names_label.text()
    assert "1 photo" in dialog.photos_label.text()  # the pair counts once
    assert runner.shutdown()


def _tops(tree: Any) -> list[str]:
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


@pytest.mark.usefixtures("no_face_model")
def test_the_pane_shows_what_the_live_photos_movie_carries_and_whether_it_leaves(
    qtbot: Any, service: LibraryService, runner: Any, tmp_path: Path
) -> None:
    from tests.gui.window_helpers import WAIT, make_window, select, settle

    root = tmp_path / "Roll"
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    drive(service.import_job([root]))
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "moving"\nmotion = "keep"\n[categories]\nlocation = "keep"\n')
    service.add_recipient("Friends", str(policy))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    pane = win.pane
    select(win, ["IMG_0001.JPG"])
    qtbot.waitUntil(lambda: pane.preview is not None and pane.preview.movie is not None, timeout=WAIT)
    # Default policy: the still alone; the movie and its place are listed among what stays.
    heading = next(t for t in _tops(pane.stays) if t.startswith("Live Photo movie IMG_0001.MOV"))
    assert "not sent, the still goes alone" in heading
    assert not any("IMG_0001.MOV" in t for t in _tops(pane.leaves))
    item = next(pane.stays.topLevelItem(i) for i in range(pane.stays.topLevelItemCount())
                if pane.stays.topLevelItem(i).text(0) == heading)
    children = [item.child(i).text(0) for i in range(item.childCount())]
    assert any(c.startswith("Location") for c in children), children

    # A policy that keeps motion (and location): the movie is listed among what leaves, with its place.
    win.recipient_box.setCurrentText("Friends")
    qtbot.waitUntil(lambda: pane.recipient == "Friends" and pane.preview is not None
                    and pane.preview.policy.name == "moving", timeout=WAIT)
    leaving = [t for t in _tops(pane.leaves) if t.startswith("Live Photo movie IMG_0001.MOV")]
    assert leaving and "cleaned" in leaving[0]
    item = next(pane.leaves.topLevelItem(i) for i in range(pane.leaves.topLevelItemCount())
                if pane.leaves.topLevelItem(i).text(0) == leaving[0])
    assert any(item.child(i).text(0).startswith("Location") for i in range(item.childCount()))
    # What the policy removes from the movie is listed too (its camera make), and the output line says
    # the movie goes with it.
    taken_out = "Removed from the Live Photo movie IMG_0001.MOV that leaves: "
    removed = [t for t in _tops(pane.stays) if t.startswith(taken_out)]
    assert removed, _tops(pane.stays)
    assert not removed[0].endswith(":") and "device" in removed[0]
    # Every group is open: nothing under a heading is hidden until clicked.
    for tree in (pane.leaves, pane.stays):
        for i in range(tree.topLevelItemCount()):
            if tree.topLevelItem(i).text(0).startswith(("Live Photo movie", "Removed from")):
                assert tree.topLevelItem(i).isExpanded()
    assert "with its movie" in pane.output.text()
    assert not any(t.startswith("Nothing else") for t in _tops(pane.leaves))
    settle(qtbot, win)


def test_share_dialog_counts_a_live_photo_sent_with_its_movie_as_one_photo(
    qtbot: Any, library: LibraryService, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt as QtNS

    from core.model.policy import BUILTIN, Policy
    from gui.dialogs.share_dialog import ShareDialog, State
    from gui.tasks import TaskRunner

    policy = tmp_path / "moving.toml"
    policy.write_text(Policy("moving", dict(BUILTIN["minimal"].categories), motion=KEEP).to_toml())
    library.add_recipient("Friends", str(policy))
    root = library.roots()[0]
    fps = [library.fingerprint_of(root / n) for n in ("IMG_0001.JPG", "CLIP_0002.MOV")]
    library.decide_photos([f for f in fps if f], "Friends", Decision.ALLOWED)
    runner = TaskRunner()
    dialog = ShareDialog(library, runner, "Friends")
    qtbot.addWidget(dialog)
    dialog.confirm_stop = lambda: True  # type: ignore[method-assign]
    dialog.open_url = lambda url: None  # type: ignore[method-assign]
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state is State.READY, timeout=5000)
    dialog.set_destination(tmp_path / "out")
    qtbot.mouseClick(dialog.export_button, QtNS.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.state is State.DONE, timeout=10000)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "photo-0001.mov", "photo-0002.jpg", "photo-0002.mov", "receipt.json"]
    assert ("Exported 2 photos</b> (3 files: one Live Photo's movie goes with its photo as a file of its own)"
            in dialog.status_label.text())
    assert runner.shutdown()
