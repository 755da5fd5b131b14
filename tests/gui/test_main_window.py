# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window end to end (offscreen): import by drop, consent by keyboard and by album, preview lists.

Each test gets its own library home and an in-memory keyring; the runner fixture fails the test when a
worker is still running at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from core.cli.main import main as cli_main
from core.library.consent import Decision, consent_of
from core.library.service import LibraryService
from core.model.jobs import drive
from gui.main_window import MainWindow
from gui.models.album_model import CONSENT, AlbumRoles
from gui.models.photo_model import CONSENT_ROLES, FACE_ROLES, Roles
from tests.core.library.test_gallery import make_jpeg
from tests.gui.window_helpers import META, WAIT, album_index, make_window, rows_by_name, select, settle

# Face detection is tested in core; here it would only slow every selection down.
pytestmark = pytest.mark.usefixtures("no_face_model")


def test_window_shows_the_library(window: MainWindow):
    assert window.stack.currentWidget() is window.splitter
    assert window.model.rowCount() == 5
    # Photos are counted by content; the duplicate file is named where files and photos differ.
    assert window.shared_label.text() == f"0 of 4 photos shared with {META} · 5 files (1 duplicate)"
    assert window.recipient_box.currentText() == META
    top = window.albums.index(1, 0)
    assert window.albums.data(top, AlbumRoles.Total) == 5
    assert window.albums.rowCount(top) == 2
    assert window.keyring_label.text() == ""  # the memory keyring counts as a working one


def test_empty_state_then_sample_roll(qtbot, service, runner, tmp_path):
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    assert win.stack.currentWidget() is win.empty
    with qtbot.waitSignal(win.import_finished, timeout=30_000):
        qtbot.mouseClick(win.empty.sample_button, Qt.MouseButton.LeftButton)
    # Twelve photos, and the Phone album's Live Photo (one tile for two files), motion photo and video.
    qtbot.waitUntil(lambda: win.model.rowCount() == 15, timeout=WAIT)
    assert win.stack.currentWidget() is win.splitter
    assert len([p for p in (service.home / "Sample roll").rglob("*") if p.is_file()]) == 16
    settle(qtbot, win)
    win.close()


def digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_drop_of_a_folder_imports_it_and_leaves_originals_alone(qtbot, service, runner, tmp_path, roll):
    other = tmp_path / "Loose"
    loose = make_jpeg(other / "loose.jpg", 9)
    make_jpeg(other / "not-dropped.jpg", 10)  # beside the dropped photo: it is not imported
    before = digest(roll) | digest(other)
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(roll)), QUrl.fromLocalFile(str(loose))])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(win.import_finished, timeout=WAIT):
        win.dropEvent(event)
    assert event.isAccepted() and event.dropAction() == Qt.DropAction.CopyAction
    qtbot.waitUntil(lambda: win.model.rowCount() == 6, timeout=WAIT)
    assert "loose.jpg" in rows_by_name(win) and "not-dropped.jpg" not in rows_by_name(win)
    # A rescan keeps the dropped photo's folder to that photo.
    with qtbot.waitSignal(win.import_finished, timeout=WAIT):
        win.rescan()
    settle(qtbot, win)
    assert win.model.rowCount() == 6
    assert digest(roll) | digest(other) == before  # nothing moved, nothing changed
    settle(qtbot, win)
    win.close()


def test_dropped_urls_are_folders_and_photos(tmp_path: Path):
    (tmp_path / "d").mkdir()
    (tmp_path / "f.jpg").write_bytes(b"x")
    urls = [
        QUrl.fromLocalFile(str(tmp_path / "d")),
        QUrl.fromLocalFile(str(tmp_path / "f.jpg")),
        QUrl("https://example.com/x.jpg"),
    ]
    assert MainWindow.dropped_paths(urls) == [str(tmp_path / "d"), str(tmp_path / "f.jpg")]


def test_space_toggles_consent_and_core_agrees(qtbot, window: MainWindow, service: LibraryService):
    select(window, ["dinner.jpg", "a_top.jpg"])
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.shared_label.text().startswith("2 of 4"), timeout=WAIT)
    rows = rows_by_name(window)
    for name in ("dinner.jpg", "a_top.jpg"):
        idx = window.model.index(rows[name])
        assert idx.data(Roles.Allowed) is True and idx.data(Roles.Decision) == "allowed"
        assert service.explain(idx.data(Roles.Fingerprint), META).allowed
    assert window.model.index(rows["sunset.jpg"]).data(Roles.Allowed) is False
    settle(qtbot, window)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)  # all shared: Space makes them private again
    qtbot.waitUntil(lambda: window.shared_label.text().startswith("0 of 4"), timeout=WAIT)
    fp = window.model.index(rows["dinner.jpg"]).data(Roles.Fingerprint)
    assert not service.explain(fp, META).allowed
    settle(qtbot, window)


def test_consent_change_signals_exactly_the_rows_and_roles(qtbot, window: MainWindow):
    rows = rows_by_name(window)
    fp = window.model.index(rows["beach.jpg"]).data(Roles.Fingerprint)
    for r in range(window.model.rowCount()):  # load every row so a change has something to invalidate
        window.model.index(r).data(Roles.Allowed)
    seen: list[tuple[int, int, list[int]]] = []
    window.model.dataChanged.connect(lambda a, b, roles: seen.append((a.row(), b.row(), list(roles))))
    window.decide_photos([fp], Decision.ALLOWED)
    settle(qtbot, window)
    consent = [(a, b) for a, b, roles in seen if roles == CONSENT_ROLES]
    assert sorted(consent) == sorted([(rows["beach.jpg"],) * 2, (rows["beach-copy.jpg"],) * 2])
    # Nothing else is re-signalled: no whole-model or all-roles change (thumbnails and the preview pane's
    # face count for the current photo may arrive meanwhile; they carry their own roles).
    allowed = (CONSENT_ROLES, FACE_ROLES, [int(Roles.Thumbnail), int(Roles.Tile)])
    assert [s for s in seen if s[2] not in allowed] == []
    assert window.model.index(rows["beach-copy.jpg"]).data(Roles.Allowed) is True
    assert window.model.index(rows["dinner.jpg"]).data(Roles.Allowed) is False


def test_album_switch_changes_the_effective_decision_of_its_photos(qtbot, window, service):
    family = album_index(window, "Family")
    album_id = window.albums.data(family, AlbumRoles.AlbumId)
    window.decide_album(album_id, Decision.ALLOWED)
    settle(qtbot, window)
    rows = rows_by_name(window)
    for name in ("dinner.jpg", "beach-copy.jpg", "beach.jpg"):  # beach.jpg: same photo as beach-copy
        idx = window.model.index(rows[name])
        assert idx.data(Roles.Allowed) is True, name
        assert service.explain(idx.data(Roles.Fingerprint), META).allowed
    assert window.model.index(rows["sunset.jpg"]).data(Roles.Allowed) is False
    family = album_index(window, "Family")
    assert window.albums.data(family.siblingAtColumn(CONSENT)) == "Shared"
    # One photo overrides the album: the album says how many of its photos are shared.
    fp = window.model.index(rows["dinner.jpg"]).data(Roles.Fingerprint)
    window.decide_photos([fp], Decision.DENIED)
    settle(qtbot, window)
    family = album_index(window, "Family")
    assert window.albums.data(family, AlbumRoles.Mixed) is True
    assert window.albums.data(family.siblingAtColumn(CONSENT)) == "1 of 2 shared"
    holidays = album_index(window, "Holidays")
    assert window.albums.data(holidays.siblingAtColumn(CONSENT)) == "Same as album (now: Private)"


def test_album_selection_and_filter_change_the_grid(qtbot, window: MainWindow):
    window.album_view.setCurrentIndex(album_index(window, "Holidays"))
    qtbot.waitUntil(lambda: set(rows_by_name(window)) == {"beach.jpg", "sunset.jpg"}, timeout=WAIT)
    window.set_filter("location")
    qtbot.waitUntil(lambda: set(rows_by_name(window)) == {"beach.jpg"}, timeout=WAIT)
    window.album_view.setCurrentIndex(window.albums.index(0, 0))  # All photos
    qtbot.waitUntil(lambda: len(rows_by_name(window)) == 4, timeout=WAIT)
    window.set_filter("shared")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT)
    settle(qtbot, window)


def test_recipient_switch_shows_that_recipients_consent(qtbot, window, service):
    service.add_recipient("Family")
    fp = window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Fingerprint)
    service.decide_photos([fp], "Family", Decision.ALLOWED)
    window.recipients_changed()
    window.recipient_box.setCurrentText("Family")
    qtbot.waitUntil(lambda: window.shared_label.text().startswith("1 of 4 photos shared with Family"),
                    timeout=WAIT)
    assert window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Allowed) is True
    window.recipient_box.setCurrentText(META)
    qtbot.waitUntil(lambda: f"shared with {META}" in window.shared_label.text(), timeout=WAIT)
    assert window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Allowed) is False
    settle(qtbot, window)


def test_delete_key_changes_nothing(qtbot, window: MainWindow, roll: Path):
    before = digest(roll)
    select(window, ["dinner.jpg"])
    qtbot.keyClick(window.grid, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert window.model.rowCount() == 5 and digest(roll) == before


def test_why_explains_the_decision(qtbot, window: MainWindow, service: LibraryService):
    select(window, ["sunset.jpg"])
    window.explain_current()
    qtbot.waitUntil(lambda: isinstance(getattr(window, "_why_box", None), QMessageBox), timeout=WAIT)
    assert window._why_box.text() == f"<b>Why is sunset.jpg private from {META}?</b>"
    assert "private until you share them" in window._why_box.informativeText()
    window._why_box.close()
    # Inherited from the album above: Why? names the rule and the albums it came through, and what to do;
    # never the pane's sentence again.
    service.decide_album(service.find_album("Photos").id, META, Decision.ALLOWED)
    window._why_box = None
    settle(qtbot, window)
    select(window, ["sunset.jpg"])
    fp = window.model.index(rows_by_name(window)["sunset.jpg"]).data(Roles.Fingerprint)
    pane_says = f"Because {consent_of(service.explain(fp, META)).because}."  # the pane's line
    assert pane_says == "Because album Photos is shared."
    window.explain_current()
    qtbot.waitUntil(lambda: isinstance(getattr(window, "_why_box", None), QMessageBox), timeout=WAIT)
    said = window._why_box.informativeText()
    assert "its album Holidays has none either, so it follows Photos" in said.replace("Its", "its")
    assert "What you can do:" in said and "To decide album Holidays by itself" in said
    assert pane_says not in said + window._why_box.text()
    window._why_box.close()


def test_preview_lists_match_preview_json(qtbot, window: MainWindow, service: LibraryService):
    service.set_recipient_policy(META, "no-location")
    select(window, ["dinner.jpg"])
    pane = window.pane
    path = window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Path)
    qtbot.waitUntil(lambda: pane.preview is not None and pane.picture is not None, timeout=WAIT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(["preview", "--json", "--policy", "no-location", path])
    doc = json.loads(out.getvalue())["files"][0]

    def keys(tree) -> list[str]:
        found = []
        for i in range(tree.topLevelItemCount()):
            head = tree.topLevelItem(i)
            found += [head.child(c).data(0, Qt.ItemDataRole.UserRole) for c in range(head.childCount())]
        return sorted(k for k in found if k)

    # The pane's lines are the CLI's summary, word for word; the raw fields behind them are the items.
    heads = [pane.leaves.topLevelItem(i) for i in range(pane.leaves.topLevelItemCount())]
    shown = [(h.data(0, Qt.ItemDataRole.UserRole), h.text(0), h.data(0, Qt.ItemDataRole.UserRole + 1))
             for h in heads]
    assert [(s["category"], s["text"], s["risk"]) for s in doc["summary"]] == [
        (c, t.split(": ", 1)[1], r) for c, t, r in shown]
    assert keys(pane.leaves) == sorted(i["key"] for i in doc["leaves"])
    assert keys(pane.stays) == sorted(i["key"] for i in doc["stays"])
    assert doc["output_name"] in pane.output.text()
    heads = [pane.stays.topLevelItem(i).text(0) for i in range(pane.stays.topLevelItemCount())]
    assert any(h.startswith("Location: ") and "(−33.8500, 151.2000)" in h for h in heads)
    assert not any("JFIF" in h.text(0) for h in [pane.leaves.topLevelItem(i) for i in range(
        pane.leaves.topLevelItemCount())])
    assert pane.picture.width == 40 and pane.view.pixmap is not None
    settle(qtbot, window)


def test_face_toggles_and_manual_boxes(qtbot, window: MainWindow, service: LibraryService):
    from core.imaging.faces import Face

    fp = window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Fingerprint)
    service.face_store.set_detected(fp, [Face(4, 4, 12, 12, 0.9)])
    select(window, ["dinner.jpg"])
    pane = window.pane
    qtbot.waitUntil(lambda: pane.picture is not None and len(pane.picture.faces) == 1, timeout=WAIT)
    pane._face_clicked("detected", 0)
    qtbot.waitUntil(lambda: service.face_store.get(fp).kept != frozenset(), timeout=WAIT)
    qtbot.waitUntil(lambda: pane.picture is not None and pane.picture.faces[0].kind == "kept", timeout=WAIT)
    from PySide6.QtCore import QRect

    pane._box_drawn(QRect(20, 10, 10, 10))
    qtbot.waitUntil(lambda: len(service.face_store.get(fp).manual) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: pane.picture is not None and len(pane.picture.faces) == 2, timeout=WAIT)
    assert window.model.index(rows_by_name(window)["dinner.jpg"]).data(Roles.Faces) == 2
    settle(qtbot, window)


def test_thumbnails_arrive_for_visible_rows(qtbot, window: MainWindow):
    qtbot.waitUntil(lambda: window.loader.made >= 4, timeout=WAIT)  # 4 distinct photos, 5 files
    idx = window.model.index(0)
    pm = idx.data(Roles.Thumbnail)
    assert pm is not None and not pm.isNull()
    settle(qtbot, window)


def test_layout_is_remembered(qtbot, service, runner, tmp_path, roll):
    drive(service.import_job([roll]))
    win = make_window(qtbot, service, runner, tmp_path)
    win.show()
    # The offscreen screen is 800 x 800: the window's minimum (gui.main_window.MINIMUM_SIZE) is bounded to
    # it less a margin (760 x 760).
    win.resize(760, 760)
    win.splitter.setSizes([150, 350, 250])
    qtbot.waitUntil(lambda: (win.width(), win.height()) == (760, 760), timeout=WAIT)
    sizes = win.splitter.sizes()
    win.recipient_box.setCurrentText(META)
    settle(qtbot, win)
    win.close()  # saves the layout
    again = make_window(qtbot, service, runner, tmp_path)
    again.show()
    qtbot.wait(50)
    assert (again.width(), again.height()) == (760, 760)
    assert again.splitter.sizes()[0] == sizes[0]  # the album column keeps its width
    settle(qtbot, again)
    again.close()


def test_binding_keeps_none_alive(qapp):
    """PySide6 6.12 on Python 3.11 drops a reference to None on every void Qt call, which aborts the
    interpreter after a while ("deallocating None"); pyproject.toml pins below it. Guard the pin."""
    import sys

    from PySide6.QtWidgets import QWidget

    w = QWidget()
    before = sys.getrefcount(None)
    for _ in range(1000):
        w.update()
    assert sys.getrefcount(None) >= before - 10


def test_open_report_follows_consent_changes(qtbot, window: MainWindow):
    window.open_report()
    report = window.report
    assert report is not None
    qtbot.waitUntil(lambda: report.report is not None and not report.busy(), timeout=WAIT)
    assert report.report.mine.photos == 0
    holidays = next(a for a in window.service.albums() if a.name.endswith("Holidays"))
    window.decide_album(holidays.id, Decision.ALLOWED)
    qtbot.waitUntil(lambda: report.report is not None and report.report.mine.photos == 2, timeout=WAIT)
    window.open_report()  # a second click shows the same window
    assert window.report is report
    settle(qtbot, window)
    report.close()


def test_a_filter_without_matches_says_so(qtbot, window: MainWindow):
    window.set_filter("errors")  # the generated roll has no damaged file
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT)
    assert window.grid.empty_text == "No photo here matches “Cannot be exported”."
    window.set_filter("all")
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=WAIT)
    assert window.grid.empty_text == ""
    settle(qtbot, window)


def test_the_grid_follows_a_filter_while_the_preview_pane_is_busy(qtbot, window: MainWindow):
    """The preview pane's work can wait a long time (for the worker processes during an import): the
    grid's own queries never queue behind it."""
    import threading

    window.album_view.setCurrentIndex(album_index(window, "Holidays"))
    qtbot.waitUntil(lambda: set(rows_by_name(window)) == {"beach.jpg", "sunset.jpg"}, timeout=WAIT)
    settle(qtbot, window)
    release = threading.Event()
    busy = window.runner.pools["interactive"].maxThreadCount()
    started = threading.Semaphore(0)

    def block() -> None:
        started.release()
        release.wait(30)

    for n in range(busy):
        window.runner.submit(block, key=("blocked", n), pool="interactive")
    try:
        for _ in range(busy):
            assert started.acquire(timeout=10)
        window.set_filter("location")
        qtbot.waitUntil(lambda: set(rows_by_name(window)) == {"beach.jpg"}, timeout=WAIT)
    finally:
        release.set()
    settle(qtbot, window)


def test_an_album_decision_says_what_it_left_as_it_was(qtbot, window: MainWindow):
    """Making the top album private while a sub-album is shared changes no count a person sees: the
    status bar says why (a new user found the switch "did nothing")."""
    family = window.albums.data(album_index(window, "Family"), AlbumRoles.AlbumId)
    window.decide_album(family, Decision.ALLOWED)
    settle(qtbot, window)
    top = window.albums.data(album_index(window, "Photos"), AlbumRoles.AlbumId)
    window.decide_album(top, Decision.DENIED)
    settle(qtbot, window)
    text = window.message_label.text()
    assert text.startswith(f"Album Photos is now private from {META}.")
    assert "Still shared: album Family (decided on its own)" in text


def test_an_album_decision_can_be_undone(qtbot, window: MainWindow):
    family = album_index(window, "Family")
    album_id = window.albums.data(family, AlbumRoles.AlbumId)
    assert not window.undo_action.isEnabled()
    window.decide_album(album_id, Decision.ALLOWED)
    settle(qtbot, window)
    assert window.albums.data(album_index(window, "Family").siblingAtColumn(CONSENT)) == "Shared"
    assert window.message_label.text().endswith("— Undo: Ctrl+Z")
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    settle(qtbot, window)
    assert window.albums.data(album_index(window, "Family"), AlbumRoles.Decision) == "inherit"
    assert window.message_label.text().startswith("Undone: album Family is now")
    assert not window.undo_action.isEnabled()


def test_undo_takes_back_one_decision_after_another(qtbot, window: MainWindow):
    """A new user shared a photo, then an album, undid the album and found Undo disabled: each decision is
    a step of its own, undone newest first."""
    photo = next(
        window.model.index(r) for r in range(window.model.rowCount())
        if window.model.index(r).data(Qt.ItemDataRole.DisplayRole) == "beach.jpg"
    )
    fp = photo.data(Roles.Fingerprint)
    window.decide_photos([fp], Decision.ALLOWED)
    settle(qtbot, window)
    family = window.albums.data(album_index(window, "Family"), AlbumRoles.AlbumId)
    window.decide_album(family, Decision.ALLOWED)
    settle(qtbot, window)
    assert window.service.explain(fp, META).allowed
    window.undo_action.trigger()
    settle(qtbot, window)
    assert window.albums.data(album_index(window, "Family"), AlbumRoles.Decision) == "inherit"
    assert window.undo_action.isEnabled(), "the photo decision before it can still be undone"
    window.undo_action.trigger()
    settle(qtbot, window)
    assert not window.service.explain(fp, META).allowed
    text = window.message_label.text()
    assert text.startswith("Undone: beach") and text.endswith(f"is following its album for {META} again")
    assert not window.undo_action.isEnabled()
