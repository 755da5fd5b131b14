# SPDX-License-Identifier: GPL-3.0-or-later
"""Videos in the window: a tile with a frame thumbnail and a duration badge, a tooltip that says video,
and a preview pane that shows a frame and what leaves, without face controls."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPixmap

from core.model.jobs import drive
from gui.models.photo_model import Roles, Tile
from gui.views.photo_delegate import CELL
from tests.core import mp4_fixtures as fx
from tests.core.library.test_gallery import make_jpeg
from tests.gui.views.tiles import paint_tile
from tests.gui.window_helpers import WAIT, make_window, rows_by_name, select, settle

pytest.importorskip("av")
pytestmark = pytest.mark.usefixtures("no_face_model")

GREY = QColor(128, 128, 128)


def _tile(video: bool, duration: str) -> QImage:
    """One cell painted by the delegate over a flat grey thumbnail."""
    thumb = QPixmap(200, 200)
    thumb.fill(GREY)
    tile = Tile(name="clip.mp4", thumbnail=thumb, video=video, duration=duration)
    return paint_tile(tile, fmt=QImage.Format.Format_RGB32)


def _bright(image: QImage, area: QRect) -> int:
    """Near-white pixels in ``area`` (the badge's play mark and digits on the dark badge)."""
    return sum(
        1
        for x in range(area.left(), area.right() + 1)
        for y in range(area.top(), area.bottom() + 1)
        if QColor(image.pixel(x, y)).lightness() > 230
    )


def test_a_video_tile_has_a_duration_badge_at_the_bottom_right(qapp) -> None:
    corner = QRect(CELL - 70, CELL - 32, 64, 26)
    photo, video, long_video = _tile(False, ""), _tile(True, "0:12"), _tile(True, "1:02:03")
    assert _bright(photo, corner) == 0  # grey thumbnail only: nothing there for a photo
    assert _bright(video, corner) > 30  # the play mark and "0:12"
    # The text is drawn: a longer length covers more of the corner than a shorter one.
    assert _bright(long_video, QRect(CELL - 90, CELL - 32, 84, 26)) > _bright(video, corner)
    # A video that does not say how long it plays gets the play mark alone.
    mark_only = _tile(True, "")
    assert 0 < _bright(mark_only, corner) < _bright(video, corner)


@pytest.fixture
def video_window(qtbot, service, runner, tmp_path: Path):
    root = tmp_path / "Roll"
    make_jpeg(root / "a_photo.jpg", 1)
    fx.video_file(root / "b_clip.mp4", frames=30, size=(320, 240))
    drive(service.import_job([root]))
    win = make_window(qtbot, service, runner, tmp_path)
    win.resize(1200, 800)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    yield win
    win.close()


def test_the_grid_shows_a_frame_and_the_length_of_a_video(qtbot, video_window) -> None:
    win = video_window
    rows = rows_by_name(win)
    clip, photo = win.model.index(rows["b_clip.mp4"]), win.model.index(rows["a_photo.jpg"])
    assert clip.data(Roles.Video) is True and clip.data(Roles.Duration) == "0:03"
    assert photo.data(Roles.Video) is False and photo.data(Roles.Duration) == ""
    assert "Video, 0:03" in clip.data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: win.loader.made >= 2, timeout=WAIT)
    pm = clip.data(Roles.Thumbnail)
    assert pm is not None and not pm.isNull() and (pm.width(), pm.height()) == (160, 120)
    # The tile as painted in the grid: the badge's white mark and digits in its bottom-right corner.
    rect = win.grid.visualRect(clip)
    shot = win.grid.viewport().grab(rect).toImage()
    corner = QRect(shot.width() - 70, shot.height() - 32, 64, 26)
    badge = _bright(_tile(True, "0:03"), QRect(CELL - 70, CELL - 32, 64, 26))  # over a flat grey frame
    assert _bright(shot, corner) >= 0.9 * badge  # the frame alone has a few bright pixels there, not these
    settle(qtbot, win)


def test_the_pane_shows_a_frame_of_the_video_and_what_leaves(qtbot, video_window) -> None:
    win = video_window
    select(win, ["b_clip.mp4"])
    pane = win.pane
    qtbot.waitUntil(lambda: pane.preview is not None and pane.picture is not None, timeout=WAIT)
    assert pane.picture.video and (pane.picture.width, pane.picture.height) == (320, 240)
    assert pane.view.pixmap is not None and not pane.view.pixmap.isNull()
    assert not pane.draw.isVisible() and not pane.boxes.isVisible()
    assert "Faces in videos are not looked for" in pane.faces_hint.text()
    heads = [pane.leaves.topLevelItem(i).text(0) for i in range(pane.leaves.topLevelItemCount())]
    stays = [pane.stays.topLevelItem(i).text(0) for i in range(pane.stays.topLevelItemCount())]
    assert heads and any(h.startswith("Location") for h in stays)
    assert ".mp4" in pane.output.text()
    settle(qtbot, win)


def test_the_share_dialog_says_videos_are_withheld_when_faces_are_blurred(qtbot, service, runner, tmp_path):
    from core.library.consent import Decision
    from gui.dialogs.share_dialog import ShareDialog, State

    root = tmp_path / "Roll"
    make_jpeg(root / "a_photo.jpg", 1)
    fx.video_file(root / "b_clip.mp4")
    drive(service.import_job([root]))
    family = service.add_recipient("Family", "blur-faces")
    service.decide_album(service.find_album("Roll").id, family.name, Decision.ALLOWED)
    dlg = ShareDialog(service, runner, family.name)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=WAIT)
    assert "1 video will be withheld" in dlg.problems_label.text()
    assert "faces in videos cannot be blurred yet" in dlg.problems_label.text()
    dlg.close()


def test_the_viewer_offers_no_face_tools_for_a_video_and_says_why(qtbot, video_window) -> None:
    from core.imaging.face_words import VIDEO_FACES

    win = video_window
    select(win, ["a_photo.jpg"])
    win.open_viewer()
    viewer = win.viewer
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.picture is not None and not viewer.picture.video, timeout=WAIT)
    assert viewer.boxes.isVisible() and viewer.draw.isVisible()
    select(win, ["b_clip.mp4"])
    win.open_viewer()
    qtbot.waitUntil(lambda: viewer.picture is not None and viewer.picture.video, timeout=WAIT)
    assert not viewer.boxes.isVisible() and not viewer.draw.isVisible() and not viewer.leaving.isVisible()
    assert viewer.hint.text() == VIDEO_FACES
    qtbot.waitUntil(lambda: pane_done(win, "b_clip.mp4"), timeout=WAIT)
    assert win.pane.faces_hint.text() == VIDEO_FACES  # the pane says the same
    viewer.close()
    settle(qtbot, win)


def pane_done(win, name: str) -> bool:
    pane = win.pane
    return pane.picture is not None and pane.name == name and pane.preview is not None
