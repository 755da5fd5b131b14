# SPDX-License-Identifier: GPL-3.0-or-later
"""An export's receipt, in words: when, to whom, under which policy, each file that left and what left with
it, each file withheld and why, and whether the export was interrupted (``core.pipeline.receipt_words``
holds the words; this dialog only lays them out). The receipt itself, with each file's SHA-256, is one
click away under "Show technical details". Opened from the Share dialog after an export and from History.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette, QTextDocumentFragment
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.pipeline.receipt_words import Originals, ReceiptWords, receipt_words
from gui.screen_fit import fit_on_screen
from gui.theme import css

SHOW = "Show technical details"
HIDE = "Hide technical details"


def read_receipt(path: str | Path) -> tuple[dict[str, object], str]:
    """The receipt in a file, or why it cannot be read (one sentence)."""
    try:
        data = json.loads(Path(path).read_bytes())
    except OSError as exc:
        return {}, f"The receipt {path} cannot be read: {exc.strerror or exc}."
    except ValueError as exc:
        return {}, f"The receipt {path} is damaged: {exc}."
    if not isinstance(data, dict):
        return {}, f"The receipt {path} is not a receipt."
    return data, ""


class ReceiptDialog(QDialog):
    def __init__(
        self,
        receipt: Mapping[str, object],
        saved_as: str = "",
        parent: QWidget | None = None,
        problem: str = "",
        originals: Originals | None = None,
    ) -> None:
        super().__init__(parent)
        self.receipt = receipt
        # Which original became which file: known to this computer only, never written into the receipt.
        self.words: ReceiptWords | None = None if problem else receipt_words(receipt, originals)
        recipient = receipt.get("recipient")
        self.setWindowTitle(f"Receipt — sent to {recipient}" if isinstance(recipient, str) else "Receipt")
        layout = QVBoxLayout(self)

        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.saved_as = QLabel(f"<small>Saved as {html.escape(saved_as)}</small>" if saved_as else "")
        self.saved_as.setWordWrap(True)
        self.saved_as.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.saved_as.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.saved_as.setVisible(bool(saved_as))

        self.details_button = QToolButton()
        self.details_button.setText(SHOW)
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolTip("The receipt as it was saved, with each file's SHA-256 fingerprint")
        self.details_button.toggled.connect(self._show_details)
        self.details = QPlainTextEdit(json.dumps(receipt, indent=2, ensure_ascii=False) if receipt else "")
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace"))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.hide()
        self.details_button.setVisible(bool(receipt))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.headline)
        layout.addWidget(self.body, 2)
        layout.addWidget(self.saved_as)
        layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self._fill(problem)
        self.resize(660, 560)
        fit_on_screen(self)

    @classmethod
    def of_file(
        cls, path: str | Path, parent: QWidget | None = None, originals: Originals | None = None
    ) -> ReceiptDialog:
        receipt, problem = read_receipt(path)
        return cls(receipt, str(path), parent, problem, originals)

    def _fill(self, problem: str) -> None:
        words = self.words
        if words is None:
            self.headline.setText(html.escape(problem))
            self.body.hide()
            return
        self.headline.setText(f"<b>{html.escape(words.headline)}</b><br>{html.escape(words.summary)}")
        parts = [f"<p>{html.escape(words.policy)}</p>"]
        if words.interrupted:
            colour = css("warning", self)
            parts.append(f"<p style='color:{colour}'><b>{html.escape(words.interrupted)}</b></p>")
        if words.sent:
            parts.append("<h4>Left this device</h4><ul>")
            for f in words.sent:
                notes = "".join(f"; {html.escape(n)}" for n in f.notes)
                parts.append(f"<li><b>{html.escape(f.title)}</b>: {html.escape(f.carried)}{notes}.</li>")
            parts.append("</ul>")
        if words.held:
            parts.append("<h4>Withheld: did not leave</h4><ul>")
            for h in words.held:
                parts.append(f"<li><b>{html.escape(h.name)}</b>: {html.escape(h.reason)}</li>")
            parts.append("</ul>")
        parts.append(
            "<p><small>Each file's SHA-256 fingerprint is in the technical details: it lets anyone check "
            "that a file is the one that left.</small></p>"
        )
        self.body.setHtml("".join(parts))

    def _show_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.details_button.setText(HIDE if on else SHOW)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def plain_text(self) -> str:
        """What the dialog says, as text (the words, not the JSON)."""
        headline = QTextDocumentFragment.fromHtml(self.headline.text()).toPlainText()
        return headline + "\n" + self.body.toPlainText()
