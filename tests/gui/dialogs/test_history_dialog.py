# SPDX-License-Identifier: GPL-3.0-or-later
"""The History dialog over a real ledger: rows newest first, words for each kind, verification banner."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from gui.dialogs.history_dialog import HistoryDialog, LedgerModel, describe
from tests.gui.dialogs.helpers import META, allow_album, make_jpeg


def texts(model: LedgerModel, col: int) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_rows_describe_each_kind_newest_first(qtbot, qtmodeltester, library, roll, tmp_path):
    allow_album(library, "Holidays")
    library.decide_photos([library.fingerprint_of(roll / "top.jpg")], META, Decision.DENIED)
    library.add_recipient("Family", "no-location")
    library.rename_recipient("Family", "Kin")
    drive(library.export_job(META, tmp_path / "out"))
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    dlg.show()
    model = dlg.model
    qtmodeltester.check(model)
    assert model.rowCount() == 6
    # The export is on the record twice: started (before any photo is written) and done.
    kinds = ["Export", "Export", "Recipient", "Recipient", "Consent change", "Consent change"]
    assert texts(model, 1) == kinds
    what = texts(model, 3)
    # In words, naming the photos each entry concerns.
    assert what[0] == f"Sent beach.jpg and sunset.jpg to {META} · policy minimal"
    assert what[1] == f"Started sending 2 photos to {META}"
    assert what[2] == "Kin: Renamed from Family" and texts(model, 2)[2] == "Kin"
    assert what[3] == "Family: Added, policy no-location"
    assert what[4] == f"Kept top.jpg from {META} · denied by you"
    assert what[5] == f"Shared album Holidays with {META} · allowed by you"
    assert set(texts(model, 4)) == {"signed"}
    assert "intact" in dlg.banner.text() and "6 entries" in dlg.banner.text()
    assert dlg.banner_level == "ok"
    # The newest entry is selected and its JSON shown.
    payload = json.loads(dlg.details.toPlainText())["payload"]
    assert payload["kind"] == "export" and payload["recipient"] == META
    dlg.table.selectRow(5)
    assert json.loads(dlg.details.toPlainText())["payload"]["album"] == "Holidays"
    qtbot.keyClick(dlg.table, Qt.Key.Key_Up)
    assert json.loads(dlg.details.toPlainText())["payload"]["new"] == "denied"
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()


def test_tampered_entry_is_named(qtbot, library):
    allow_album(library, "Holidays")
    allow_album(library, "Family")
    allow_album(library, "Photos")
    c = library.db.conn
    c.execute("DROP TRIGGER ledger_no_update")
    c.execute("UPDATE ledger SET payload = replace(payload, 'allowed', 'denied') WHERE id = 2")
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    assert "Entry 2 fails verification" in dlg.banner.text()
    assert dlg.banner_level == "error"
    row = dlg.model.row_of(2)
    assert dlg.model.index(row, 4).data() == "fails verification"
    assert dlg.model.index(row, 4).data(Qt.ItemDataRole.FontRole).bold()
    assert dlg.model.index(dlg.model.row_of(3), 4).data() == "not verified"
    assert dlg.model.index(dlg.model.row_of(1), 4).data() == "signed"
    assert dlg.table.selectionModel().selectedRows()[0].row() == row  # the bad entry is shown first


def test_unsigned_entries_without_keyring(qtbot, tmp_path: Path, failing_keyring):
    make_jpeg(tmp_path / "P" / "A" / "a.jpg")
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([tmp_path / "P"]))
        allow_album(lib, "A")
        dlg = HistoryDialog(lib)
        qtbot.addWidget(dlg)
        assert dlg.banner_level == "warning"
        assert "not signed" in dlg.banner.text() and "no password store (keyring)" in dlg.banner.text()
        assert "GNOME Keyring" in dlg.banner.toolTip()  # what to do about it
        assert dlg.model.index(0, 4).data() == "unsigned"
        dlg.close()


def test_empty_history(qtbot, qtmodeltester, library):
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    qtmodeltester.check(dlg.model)
    assert dlg.model.rowCount() == 0 and "empty" in dlg.banner.text()
    assert dlg.details.toPlainText() == ""


def test_describe_handles_odd_payloads():
    assert describe({"damaged": "x"})[0] == "Damaged entry"
    kind, _, what = describe({"kind": "export", "recipient": "R", "files": "nonsense", "cancelled": True})
    assert kind == "Export" and "0 photos exported" in what and "cancelled" in what
    _, _, what = describe(
        {
            "kind": "export",
            "policy": "/home/x/policies/fam-abc.toml",
            "files": [{"categories": ["time", "device"], "faces_blurred": 2}],
            "withheld": [{"reason": "r"}],
        }
    )
    assert (
        what
        == "1 photo exported with time, device, 2 faces blurred; 1 withheld (policy custom settings)"
    )
    assert (
        describe(
            {"kind": "recipient", "action": "policy", "recipient": "R", "old": "minimal", "new": "original"}
        )[2]
        == "Policy minimal → original"
    )


def test_a_shortened_ledger_is_named_without_blaming_one_entry(qtbot, library):
    allow_album(library, "Holidays")
    allow_album(library, "Family")
    c = library.db.conn
    c.execute("DROP TRIGGER ledger_no_delete")
    c.execute("DELETE FROM ledger WHERE id = 2")  # the last entry, which no later entry chains over
    c.execute("DELETE FROM album_decisions WHERE album_id = (SELECT id FROM albums WHERE name = 'Family')")
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    assert dlg.banner_level == "error"
    text = dlg.banner.text()
    assert "The history fails verification" in text and "last 1 entry was removed" in text


def test_entry_names_the_photo_and_links_the_export(qtbot, library, roll, tmp_path):
    top = library.fingerprint_of(roll / "top.jpg")
    library.decide_photos([top], META, Decision.ALLOWED)
    drive(library.export_job(META, tmp_path / "out"))
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    opened: list[str] = []
    dlg.open_url = lambda url: opened.append(url.toLocalFile())
    sentences = texts(dlg.model, 3)
    assert f"Shared top.jpg with {META} · allowed by you" in sentences
    assert sentences[0] == f"Sent top.jpg to {META} · policy minimal"
    # The newest (the export) is selected: its photo shown with its name, links to receipt and folder.
    assert "Photos: top.jpg" in dlg.entry_label.text()
    assert len(dlg.thumb_labels) == 1 and dlg.thumb_labels[0].toolTip() == "top.jpg"
    assert not dlg.thumb_labels[0].pixmap().isNull()  # the photo itself, not just its name
    assert not dlg.details.isVisible()  # the raw entry only behind Details
    assert "mac" not in dlg.entry_label.text()
    dlg.details_button.setChecked(True)
    assert json.loads(dlg.details.toPlainText())["payload"]["kind"] == "export"
    dlg.entry_label.linkActivated.emit("receipt")
    dlg.entry_label.linkActivated.emit("folder")
    assert opened == [str(tmp_path / "out")]
    # The receipt in words, read from its file; its JSON behind "Show technical details".
    receipt = str(tmp_path / "out" / "receipt.json")
    view = dlg.receipt_views[receipt]
    assert view.isVisible() and "Show the receipt" in dlg.entry_label.text()
    said = view.plain_text()
    assert f"Sent to {META} on " in said and "1 photo left; none was withheld." in said
    assert "photo-0001.jpg: no metadata, only what the picture needs to display correctly" in said
    assert "{" not in said
    assert json.loads(view.details.toPlainText()) == json.loads(Path(receipt).read_text())


def test_thumbnails_come_from_a_worker(qtbot, library, roll, tmp_path):
    from gui.tasks import TaskRunner

    library.decide_photos([library.fingerprint_of(roll / "top.jpg")], META, Decision.ALLOWED)
    runner = TaskRunner()
    dlg = HistoryDialog(library, runner=runner)
    qtbot.addWidget(dlg)
    shown = lambda: bool(dlg.thumb_labels) and not dlg.thumb_labels[0].pixmap().isNull()  # noqa: E731
    qtbot.waitUntil(shown, timeout=5000)
    assert runner.shutdown()


def test_filter_by_recipient_and_by_photo(qtbot, library, roll, tmp_path):
    library.add_recipient("Family", "minimal")
    allow_album(library, "Holidays", "Family")
    library.decide_photos([library.fingerprint_of(roll / "top.jpg")], META, Decision.ALLOWED)
    drive(library.export_job("Family", tmp_path / "fam"))
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    everyone = dlg.model.rowCount()
    dlg.recipient_filter.setCurrentText("Family")  # what has Family received?
    family = texts(dlg.model, 3)
    assert 0 < len(family) < everyone and all("Family" in t for t in family)
    assert family[0] == "Sent beach.jpg and sunset.jpg to Family · policy minimal"
    dlg.recipient_filter.setCurrentText("Everyone")
    dlg.photo_filter.setText("top")
    assert texts(dlg.model, 3) == [f"Shared top.jpg with {META} · allowed by you"]
    dlg.photo_filter.setText("beach")
    assert all("beach.jpg" in t for t in texts(dlg.model, 3)) and dlg.model.rowCount() == 1
    dlg.photo_filter.setText("no such photo")
    assert dlg.model.rowCount() == 0 and "No entry matches" in dlg.entry_label.text()


def test_banner_all_signed(qtbot, library):
    allow_album(library, "Holidays")
    allow_album(library, "Family")
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    assert dlg.banner_level == "ok"
    assert dlg.banner.text() == "✓ The history is intact: all 2 entries are signed and verified."


def test_banner_none_signed(qtbot, tmp_path: Path, failing_keyring):
    make_jpeg(tmp_path / "P" / "A" / "a.jpg")
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([tmp_path / "P"]))
        allow_album(lib, "A")
        lib.add_recipient("Family", "minimal")
        dlg = HistoryDialog(lib)
        qtbot.addWidget(dlg)
        text = dlg.banner.text()
        assert text.startswith("None of the 2 entries is signed")
        assert "intact" not in text and "signed entries after" not in text  # never claims protection
        dlg.close()


def test_banner_tampered_names_first_failing_entry_and_counts(qtbot, library):
    for album in ("Holidays", "Family", "Photos"):
        allow_album(library, album)
    c = library.db.conn
    c.execute("DROP TRIGGER ledger_no_update")
    c.execute("UPDATE ledger SET payload = replace(payload, 'allowed', 'denied') WHERE id = 2")
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    text = dlg.banner.text()
    assert text.startswith("Entry 2 fails verification: ")
    assert "The 1 entry before it check out" in text and "(3 entries: 3 signed, 0 unsigned.)" in text
