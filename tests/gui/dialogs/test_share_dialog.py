# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog on a real library: summary, real export with counts, withheld reasons, zip, cancel."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

import core.pipeline.export
from core.library.sharing_summary import summarize
from core.model.jobs import drive
from gui.dialogs.share_dialog import ShareDialog, State
from gui.models.withheld_model import WithheldModel
from gui.tasks import TaskRunner
from tests.gui.dialogs.helpers import META, allow_album, make_jpeg


@pytest.fixture
def runner():
    r = TaskRunner()
    yield r
    assert r.shutdown()  # no worker is left running after any test


def open_dialog(qtbot, library, runner, recipient: str = META) -> ShareDialog:
    dlg = ShareDialog(library, runner, recipient)
    qtbot.addWidget(dlg)
    dlg.confirm_stop = lambda: True
    dlg.open_url = lambda url: None
    dlg.show()
    qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=5000)
    return dlg


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_summary_comes_from_stored_flags(qtbot, library, runner):
    allow_album(library, "Holidays")
    summary = summarize(library, META)
    assert summary.photos == 2
    removed = dict(summary.removed)
    assert removed["Location"] == 1 and removed["Time"] == 2 and removed["Device"] == 2
    assert not [label for label, _ in summary.leaving if label.startswith(("Location", "Time"))]
    dlg = open_dialog(qtbot, library, runner)
    assert "2 photos" in dlg.photos_label.text()
    assert "minimal" in dlg.policy_label.text()
    assert "Location (1 photo)" in dlg.removed_label.text()
    assert "Left as they are" in dlg.faces_label.text()
    assert "Neutral" in dlg.names_label.text()
    assert "Live" not in dlg.names_label.text() and "motion" not in dlg.names_label.text()  # none is
    assert dlg.export_button.isEnabled() and dlg.export_button.isDefault()
    assert runner.shutdown()


def test_nothing_allowed_cannot_export(qtbot, library, runner):
    dlg = open_dialog(qtbot, library, runner)
    assert "No photo is shared" in dlg.photos_label.text()
    assert not dlg.export_button.isEnabled()
    assert runner.shutdown()


def test_no_location_policy_summary_says_what_leaves(qtbot, library, runner):
    library.add_recipient("Family", "no-location")
    allow_album(library, "Holidays", "Family")
    dlg = open_dialog(qtbot, library, runner, "Family")
    assert "Device (2 photos)" in dlg.leaving_label.text()
    assert "Location (1 photo)" in dlg.removed_label.text()
    assert "original file names" in dlg.names_label.text()
    assert runner.shutdown()


def test_export_writes_real_files_and_shows_counts(qtbot, library, roll, runner, tmp_path):
    allow_album(library, "Holidays")
    allow_album(library, "Family")
    make_jpeg(roll / "Family" / "dinner.jpg", 99)  # changed on disk after import: must be withheld
    out = tmp_path / "out"
    dlg = open_dialog(qtbot, library, runner)
    dlg.set_destination(out)
    qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=10000)
    assert dlg.exported_count() == 2 and dlg.withheld_count() == 1
    text = dlg.status_label.text()
    assert "Exported 2 photos</b> into the folder" in text and "<b>1 photo was withheld</b>" in text
    assert files_in(out) == ["photo-0001.jpg", "photo-0002.jpg", "receipt.json"]
    for name in ("photo-0001.jpg", "photo-0002.jpg"):
        assert b"CanaryCam" not in (out / name).read_bytes()
    assert dlg.withheld_model.rowCount() == 1
    assert dlg.withheld_model.index(0, 0).data() == "dinner.jpg"
    assert dlg.withheld_model.index(0, 1).data()  # a reason a person can read
    assert dlg.withheld_view.isVisibleTo(dlg)
    # The receipt view says in words what the receipt holds; the JSON written is its technical details.
    assert dlg.receipt_button.isEnabled()
    dlg.show_receipt()
    view = dlg.receipt_view
    assert view is not None and view.isVisible()
    said = view.plain_text()
    assert f"Sent to {META} on " in said and "2 photos left; 1 photo was withheld." in said
    assert "Policy: minimal." in said and "photo-0001.jpg: no metadata, only what the picture needs" in said
    assert "The file changed since it was imported" in said  # dinner.jpg, withheld, and why
    assert "{" not in said and "sha256" not in said  # words, not JSON
    assert not view.details.isVisible()
    view.details_button.setChecked(True)
    assert view.details.isVisible()
    shown = json.loads(view.details.toPlainText())
    assert shown == json.loads((out / "receipt.json").read_text()) == json.loads(dlg.receipt_text())
    assert shown["recipient"] == META and shown["counts"] == {"exported": 2, "withheld": 1}
    opened: list[str] = []
    dlg.open_url = lambda url: opened.append(url.toLocalFile())
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert opened == [str(out)]
    assert library.ledger_entries()[-1].data()["kind"] == "export"
    assert runner.shutdown()


def test_zip_export(qtbot, library, runner, tmp_path):
    allow_album(library, "Holidays")
    out = tmp_path / "zipped"
    dlg = open_dialog(qtbot, library, runner)
    dlg.set_destination(out, zip_output=True)
    dlg.start_export()
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=10000)
    assert files_in(out) == ["photos.zip"]
    with zipfile.ZipFile(out / "photos.zip") as zf:
        assert sorted(zf.namelist()) == ["photo-0001.jpg", "photo-0002.jpg", "receipt.json"]
    assert "Exported 2 photos" in dlg.status_label.text() and "None was withheld." in dlg.status_label.text()
    assert not dlg.withheld_view.isVisibleTo(dlg)
    assert not dlg.open_button.isHidden()
    assert runner.shutdown()


@pytest.fixture
def gated_export(monkeypatch):
    """Files after the first wait for the gate, so a test can cancel while the export is running."""
    gate = threading.Event()
    first = threading.Event()
    real = core.pipeline.export.process_file

    def slow(src, *args, **kwargs):
        if first.is_set():
            gate.wait(10)
        first.set()
        return real(src, *args, **kwargs)

    monkeypatch.setattr(core.pipeline.export, "process_file", slow)
    yield gate
    gate.set()


def many(folder: Path, n: int = 8) -> None:
    for i in range(n):
        make_jpeg(folder / "Many" / f"m{i}.jpg", 10 + i)


@pytest.mark.parametrize("zip_output", [False, True])
def test_cancel_leaves_no_partial_file(qtbot, library, roll, runner, tmp_path, gated_export, zip_output):
    many(roll)
    drive(library.import_job([roll]))
    allow_album(library, "Many")
    out = tmp_path / "out"
    dlg = open_dialog(qtbot, library, runner)
    dlg.set_destination(out, zip_output=zip_output)
    dlg.start_export()
    assert dlg.state is State.EXPORTING and dlg.stop_button.isVisible()
    assert not dlg.close_button.isEnabled() and not dlg.dest_box.isEnabled()
    qtbot.waitUntil(lambda: out.exists(), timeout=5000)
    if not zip_output:
        # Cancel once the first photo has landed (the others wait at the gate), not merely once the
        # folder exists: on a busy machine the first photo may still be on its way.
        qtbot.waitUntil(lambda: any(n.endswith(".jpg") for n in files_in(out)), timeout=10000)
    qtbot.mouseClick(dlg.stop_button, Qt.MouseButton.LeftButton)
    gated_export.set()
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=10000)
    assert dlg.result is not None and dlg.result.cancelled
    assert "Cancelled" in dlg.status_label.text()
    names = files_in(out)
    assert not [n for n in names if n.startswith(".") or n.endswith(".part")]
    if zip_output:
        assert names == []  # a cancelled zip leaves nothing at all
    else:
        photos = [n for n in names if n.endswith(".jpg")]
        assert 0 < len(photos) < 8 and "receipt.json" in names
        assert json.loads((out / "receipt.json").read_text())["cancelled"] is True
    assert library.ledger_entries()[-1].data()["cancelled"] is True
    assert runner.shutdown()


def test_closing_while_exporting_asks_and_cancels(qtbot, library, roll, runner, tmp_path, gated_export):
    many(roll)
    drive(library.import_job([roll]))
    allow_album(library, "Many")
    out = tmp_path / "out"
    dlg = open_dialog(qtbot, library, runner)
    asked: list[bool] = []
    dlg.confirm_stop = lambda: asked.append(False) or False  # first: the user says "keep going"
    dlg.set_destination(out)
    dlg.start_export()
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert asked == [False] and dlg.isVisible() and dlg.state is State.EXPORTING
    dlg.confirm_stop = lambda: asked.append(True) or True
    dlg.close()
    assert asked == [False, True] and dlg.isVisible()  # stays until the exporter has stopped
    gated_export.set()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=10000)
    assert dlg.result is not None and dlg.result.cancelled
    assert not [n for n in files_in(out) if n.startswith(".")]
    assert runner.shutdown()


def test_export_error_is_shown(qtbot, library, runner, tmp_path):
    allow_album(library, "Holidays")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dlg = open_dialog(qtbot, library, runner)
    dlg.set_destination(blocker / "sub")
    dlg.start_export()
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=10000)
    assert "could not run" in dlg.status_label.text() and dlg.error
    assert runner.shutdown()


def test_escape_closes_when_idle(qtbot, library, runner):
    dlg = open_dialog(qtbot, library, runner)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()
    assert runner.shutdown()


def test_withheld_model(qtmodeltester):
    model = WithheldModel()
    model.set_rows([("/a/b/c.jpg", "unknown data"), ("/d.png", "the file changed since it was imported")])
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == "c.jpg"
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "/a/b/c.jpg"


def test_share_offers_the_folder_the_last_export_went_to(qtbot, library, runner, tmp_path):
    allow_album(library, "Holidays")
    dlg = open_dialog(qtbot, library, runner)
    assert dlg.dest_edit.text().endswith(f"Shared with {META}")  # nothing sent yet: the suggestion
    out = tmp_path / "my shares"
    dlg.set_destination(out)
    qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=10000)
    dlg.close()
    again = open_dialog(qtbot, library, runner)
    assert again.dest_edit.text() == str(out)


def test_a_large_selection_shows_how_many_photos_were_read(qtbot, tmp_path, mem_keyring, runner, monkeypatch):
    """Reading every photo of a large selection takes seconds: the Photos line counts the files read
    until the summary replaces it. The reading is held after the sixth photo (as a slow disk would), so
    the count on screen can be read."""
    from core.library import sharing_summary
    from core.library.service import LibraryService

    monkeypatch.setattr(sharing_summary, "PROGRESS_EVERY", 5)
    root = tmp_path / "Many"
    for i in range(12):
        make_jpeg(root / f"IMG_{i:04d}.jpg", i * 20, size=(40 + i, 30))  # distinct sizes: distinct photos
    service = LibraryService.open(tmp_path / "many-home")
    drive(service.import_job([root]))
    allow_album(service, "Many")
    plan, release, read = sharing_summary._plan, threading.Event(), []

    def slow(path: Path, policy: object) -> object:
        read.append(path)
        if len(read) == 6:
            release.wait(10)
        return plan(path, policy)

    monkeypatch.setattr(sharing_summary, "_plan", slow)
    dlg = ShareDialog(service, runner, META)
    qtbot.addWidget(dlg)
    dlg.show()
    try:
        qtbot.waitUntil(lambda: "5 of 12 read" in dlg.photos_label.text(), timeout=5000)
        assert dlg.photos_label.text() == "Looking at the photos you allowed… 5 of 12 read"
        assert dlg.state is State.SUMMARISING
    finally:
        release.set()
    qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=5000)
    assert "12 photos" in dlg.photos_label.text()  # the summary replaced the count
    dlg.close()
    assert runner.shutdown()
    service.close()
