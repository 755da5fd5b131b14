# SPDX-License-Identifier: GPL-3.0-or-later
"""The receipt viewer and History's details say which original became which file ("beach.jpg →
photo-0001.jpg"), from the export's result (Share) or its ledger entry (History); the receipt file keeps
naming no original. A real library, a real export, the dialogs offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QTextDocumentFragment

from gui.dialogs.history_dialog import HistoryDialog
from gui.dialogs.share_dialog import ShareDialog, State
from gui.tasks import TaskRunner
from tests.gui.dialogs.helpers import META, allow_album


@pytest.fixture
def runner():
    r = TaskRunner()
    yield r
    assert r.shutdown()


def _pairs(text: str) -> list[str]:
    return sorted(part.split(":")[0].strip() for part in text.splitlines() if " → " in part)


def test_share_and_history_say_which_original_became_which_file(qtbot, library, runner, tmp_path: Path):
    allow_album(library, "Holidays")
    dlg = ShareDialog(library, runner, META)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=5000)
    dlg.set_destination(tmp_path / "out")
    dlg.start_export()
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=20000)
    saved = (tmp_path / "out" / "receipt.json").read_text()
    assert "beach" not in saved and "sunset" not in saved  # it travels: it names no original
    made = {Path(e.output).name: Path(e.source).name for e in dlg.result.exported}  # type: ignore[union-attr]
    expected = sorted(f"{src} → {out}" for out, src in made.items())
    assert sorted(made.values()) == ["beach.jpg", "sunset.jpg"]

    dlg.show_receipt()
    assert dlg.receipt_view is not None
    assert _pairs(dlg.receipt_view.plain_text()) == expected

    history = HistoryDialog(library)
    qtbot.addWidget(history)
    history.show()
    history.details_button.setChecked(True)  # the export, the newest entry, is selected
    details = QTextDocumentFragment.fromHtml(history.details_words.text()).toPlainText()
    lines = [line.strip() for line in details.splitlines() if line.strip()]
    files = lines[lines.index("Files") + 1]  # the table's cell after its label
    assert sorted(files.split(" and ")) == expected
    history.entry_label.linkActivated.emit("receipt")
    view = history.receipt_views[str(tmp_path / "out" / "receipt.json")]
    assert _pairs(view.plain_text()) == expected
