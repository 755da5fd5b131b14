# SPDX-License-Identifier: GPL-3.0-or-later
"""The receipt viewer: words from the receipt, an interrupted export said first, a damaged receipt file
said in one sentence (no traceback, no empty window)."""

from __future__ import annotations

from pathlib import Path

from core.model.policy import BUILTIN
from core.pipeline.receipts import ExportResult, Withheld, build_receipt
from gui.dialogs.receipt_dialog import ReceiptDialog


def test_an_interrupted_export_is_said_before_the_files(qtbot, tmp_path: Path) -> None:
    result = ExportResult(str(tmp_path), BUILTIN["minimal"], "Family", cancelled=True)
    result.withheld.append(Withheld("/x/a.jpg", "not exported: the export was cancelled"))
    view = ReceiptDialog(build_receipt(result, "2024-05-01T10:00:00+02:00"), str(tmp_path / "receipt.json"))
    qtbot.addWidget(view)
    said = view.plain_text()
    assert said.index("stopped before its end") < said.index("Withheld: did not leave")
    assert "File 1: Not sent: the export stopped before this file" in said
    assert "Saved as" in view.saved_as.text()


def test_a_damaged_receipt_file_is_one_sentence(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "receipt.json"
    path.write_text('{"recipient": "Fam')
    view = ReceiptDialog.of_file(path)
    qtbot.addWidget(view)
    assert view.headline.text().startswith(f"The receipt {path} is damaged")
    assert not view.details_button.isVisibleTo(view)
    gone = ReceiptDialog.of_file(tmp_path / "missing.json")
    qtbot.addWidget(gone)
    assert "cannot be read" in gone.headline.text()
