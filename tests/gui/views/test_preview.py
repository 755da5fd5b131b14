# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pane and the viewer, in the real window on a real library (offscreen)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from PySide6.QtCore import QRect, Qt

from core.cli.main import main as cli_main
from core.library.consent import Decision
from core.library.service import LibraryService
from gui.main_window import MainWindow
from gui.models.album_model import AlbumRoles
from gui.models.photo_model import Roles
from tests.gui.window_helpers import META, WAIT, album_index, rows_by_name, select, settle

# Face detection is tested in core; here it would only slow every selection down.
pytestmark = pytest.mark.usefixtures("no_face_model")


def wait_pane(qtbot, win: MainWindow) -> None:
    pane = win.pane
    qtbot.waitUntil(lambda: pane.preview is not None and pane.consent_bar.current() is not None, timeout=WAIT)


def test_private_photo_says_private_and_names_the_rule(qtbot, window: MainWindow, service: LibraryService):
    holidays = window.albums.data(album_index(window, "Holidays"), AlbumRoles.AlbumId)
    service.decide_album(holidays, META, Decision.DENIED)
    select(window, ["sunset.jpg"])
    wait_pane(qtbot, window)
    bar = window.pane.consent_bar
    assert bar.headline.text() == f"Private from {META} — nothing leaves"
    assert bar.because.text() == "Because album Holidays is private."
    assert window.pane.leaves.headerItem().text(0) == f"Would leave if you shared it with {META}"
    assert "Nothing leaves" in window.pane.output.text()
    # The preset recipient is explained in one sentence.
    assert bar.note.isVisibleTo(window) and "nothing is uploaded" in bar.note.text().lower()
    settle(qtbot, window)


def test_recipient_row_changes_the_grid_and_the_core(qtbot, window: MainWindow, service: LibraryService):
    service.add_recipient("Family", "no-location")
    window.recipients_changed()
    select(window, ["dinner.jpg"])
    wait_pane(qtbot, window)
    bar = window.pane.consent_bar
    assert [name for name, _ in bar.states] == [META, "Family"]
    assert {name: box.isChecked() for name, box in bar.boxes.items()} == {META: False, "Family": False}
    fp = window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Fingerprint)
    bar.boxes[META].click()  # a person ticks "Meta cloud processing"
    def dinner_shared() -> bool:
        return window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Allowed) is True

    qtbot.waitUntil(dinner_shared, timeout=WAIT)
    assert service.explain(fp, META).allowed
    assert not service.explain(fp, "Family").allowed  # only the clicked recipient changed
    qtbot.waitUntil(lambda: bar.headline.text() == f"Shared with {META} — this is what leaves", timeout=WAIT)
    assert bar.because.text() == "Because you made this photo shared."
    assert bar.boxes[META].isChecked() and not bar.boxes["Family"].isChecked()
    qtbot.waitUntil(lambda: window.shared_label.text().startswith("1 of 4"), timeout=WAIT)
    # The window says what happened, and Undo puts the photo back to what it was (following its album).
    assert window.message_label.text() == f"dinner.jpg shared with {META} — Undo: Ctrl+Z"
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: bar.headline.text() == f"Private from {META} — nothing leaves", timeout=WAIT)
    assert not service.explain(fp, META).allowed
    assert service.explain(fp, META).source.name != "PHOTO"  # back to following the album, not "denied"
    assert window.message_label.text() == f"Undone: dinner.jpg is following its album for {META} again"
    settle(qtbot, window)


@pytest.mark.parametrize("how", ["space", "menu", "album", "pane button"])
def test_the_pane_follows_every_consent_change(qtbot, window: MainWindow, service: LibraryService, how: str):
    """Whatever changes a photo's consent, the pane shows the new state at once: it must never say
    "nothing leaves" for a photo that now leaves, or the other way round."""
    select(window, ["beach.jpg"])
    wait_pane(qtbot, window)
    bar = window.pane.consent_bar
    assert bar.headline.text() == f"Private from {META} — nothing leaves"
    if how == "space":
        window.grid.setFocus()
        qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    elif how == "menu":
        window.allow_action.trigger()
    elif how == "album":
        window.decide_album(window.albums.data(album_index(window, "Holidays"), AlbumRoles.AlbumId),
                            Decision.ALLOWED)
    else:
        bar.button.click()
    qtbot.waitUntil(lambda: bar.headline.text() == f"Shared with {META} — this is what leaves", timeout=WAIT)
    assert window.pane.leaves.headerItem().text(0) == "Leaves the device"
    settle(qtbot, window)


def test_share_button_acts_on_the_selection(qtbot, window: MainWindow, service: LibraryService):
    select(window, ["dinner.jpg", "sunset.jpg"])
    wait_pane(qtbot, window)
    assert window.pane.consent_bar.button.text() == f"Share with {META}"
    window.pane.consent_bar.button.click()
    qtbot.waitUntil(lambda: window.shared_label.text().startswith("2 of 4"), timeout=WAIT)
    settle(qtbot, window)


def test_viewer_opens_on_enter_zooms_moves_and_closes(qtbot, window: MainWindow):
    window.grid.setCurrentIndex(window.model.index(0))
    wait_pane(qtbot, window)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Return)
    viewer = window.viewer
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.isVisible() and viewer.picture is not None, timeout=WAIT)
    assert f"for {META}" in viewer.title.text()  # whom the face labels speak for
    first = viewer.fingerprint
    fit = viewer.view.scale()
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert viewer.view.scale() == pytest.approx(fit * 1.25)
    qtbot.keyClick(viewer, Qt.Key.Key_1)  # the photo's own pixels
    assert viewer.view.scale() * viewer.picture.scale == pytest.approx(1.0)
    assert viewer.zoom_label.text() == "100 %"
    qtbot.keyClick(viewer, Qt.Key.Key_0)
    assert viewer.view.zoom == 0 and viewer.view.scale() == pytest.approx(fit)
    row = window.grid.currentIndex().row()
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert window.grid.currentIndex().row() == row + 1
    qtbot.waitUntil(lambda: viewer.fingerprint != first, timeout=WAIT)
    assert viewer.fingerprint == window.grid.currentIndex().data(Roles.Fingerprint)
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert window.grid.currentIndex().row() == row
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    settle(qtbot, window)


def test_viewer_keeps_a_face_through_the_pane(qtbot, window: MainWindow, service: LibraryService):
    from core.imaging.faces import Face

    fp = window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Fingerprint)
    service.face_store.set_detected(fp, [Face(4, 4, 20, 20, 0.9)])
    select(window, ["dinner.jpg"])
    wait_pane(qtbot, window)
    window.open_viewer()
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.picture is not None and len(viewer.picture.faces) == 1, timeout=WAIT)
    viewer.view.face_clicked.emit("detected", 0)  # a click on the face
    qtbot.waitUntil(lambda: viewer.picture is not None and viewer.picture.faces[0].kind == "kept",
                    timeout=WAIT)
    assert [f.kind for f in service.picture(fp, META, 64).faces] == ["kept"]
    # A missed face marked in the viewer (its own, larger pixels) lands where it was drawn.
    viewer.draw.setChecked(True)
    scale = viewer.picture.scale
    x, y, side = (round(v * scale) for v in (22, 2, 10))
    viewer.view.box_drawn.emit(QRect(x, y, side, side))
    assert not viewer.draw.isChecked()
    qtbot.waitUntil(lambda: viewer.picture is not None and len(viewer.picture.faces) == 2, timeout=WAIT)
    manual = [f for f in service.picture(fp, META, 40).faces if f.kind == "manual"]
    assert len(manual) == 1
    x0, y0, x1, y1 = manual[0].box
    assert max(abs(x0 - 22), abs(y0 - 2), abs(x1 - 32), abs(y1 - 12)) <= 1
    viewer.close()
    settle(qtbot, window)


def test_unreadable_files_say_why_and_offer_no_face_controls(qtbot, service, runner, tmp_path, roll):
    from tests.gui.window_helpers import make_window

    data = (roll / "a_top.jpg").read_bytes()
    (roll / "cut.jpg").write_bytes(data[: len(data) - 40])
    (roll / "notes.jpg").write_text("shopping list\n")
    from core.model.jobs import drive

    drive(service.import_job([roll]))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    win.set_filter("errors")
    qtbot.waitUntil(lambda: {"cut.jpg", "notes.jpg"} <= set(rows_by_name(win)), timeout=WAIT)
    for name, sentence in (
        ("cut.jpg", "This file is damaged: it ends in the middle of the picture."),
        ("notes.jpg", "This is a text file with a photo's name."),
    ):
        select(win, [name])
        pane = win.pane
        qtbot.waitUntil(lambda s=sentence: s in pane.view.message, timeout=WAIT)  # noqa: B023
        assert "It will never be exported." in pane.view.message
        assert not any(w.isVisibleTo(win) for w in pane.face_controls)
        assert not pane.leaves.isVisibleTo(win)
        assert "faces found" not in pane.faces_hint.text()
        if name == "cut.jpg":
            # What the camera wrote before the damage is still shown, as staying on the device.
            qtbot.waitUntil(lambda p=pane: p.stays.isVisibleTo(win), timeout=WAIT)
            assert pane.stays.headerItem().text(0).startswith("Read before the damage (partial)")
            lines = [pane.stays.topLevelItem(i).text(0) for i in range(pane.stays.topLevelItemCount())]
            assert any(line.startswith("Time:") for line in lines), lines
        else:
            settle(qtbot, win)
            assert not pane.stays.isVisibleTo(win)
    settle(qtbot, win)
    win.close()


def test_counts_agree_with_duplicates(qtbot, window: MainWindow, service: LibraryService):
    from gui.dialogs.share_dialog import ShareDialog

    family = window.albums.data(album_index(window, "Family"), AlbumRoles.AlbumId)
    window.decide_album(family, Decision.ALLOWED)
    settle(qtbot, window)
    everything = window.albums.index(0, 0)
    shared = window.albums.data(everything, AlbumRoles.Shared)
    total = window.albums.data(everything, AlbumRoles.Total)
    assert (shared, total) == (2, 4)  # dinner and beach (in two albums: one photo)
    assert window.shared_label.text() == f"2 of 4 photos shared with {META} · 5 files (1 duplicate)"
    assert "in 5 files (1 duplicate)" in window.albums.data(everything, Qt.ItemDataRole.ToolTipRole)
    dialog = ShareDialog(service, window.runner, META, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=WAIT)
    assert dialog.summary.photos == shared
    assert f"<b>{shared} photos</b>" in dialog.photos_label.text()
    dialog.close()
    settle(qtbot, window)


def test_empty_library_disables_share_report_history(qtbot, service, runner, tmp_path):
    from tests.gui.window_helpers import make_window

    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    assert not any(a.isEnabled() for a in (win.share_action, win.report_action, win.history_action))
    assert win.shared_label.text() == ""
    win.close()


def test_preview_json_summary_equals_the_pane(qtbot, window: MainWindow, service: LibraryService):
    service.add_recipient("Family", "no-location")
    window.recipients_changed()
    window.recipient_box.setCurrentText("Family")
    select(window, ["dinner.jpg"])
    wait_pane(qtbot, window)
    path = window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(["--home", str(service.home), "preview", "--json", "--recipient", "Family", path])
    doc = json.loads(out.getvalue())["files"][0]
    tree = window.pane.leaves
    shown = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert [{"category": h.data(0, Qt.ItemDataRole.UserRole), "text": h.text(0).split(": ", 1)[1],
             "risk": h.data(0, Qt.ItemDataRole.UserRole + 1)} for h in shown] == doc["summary"]
    consent = window.pane.consent_bar.current()
    assert consent is not None and consent.to_json() == doc["consent"]
    settle(qtbot, window)
