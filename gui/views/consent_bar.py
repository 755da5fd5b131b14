# SPDX-License-Identifier: GPL-3.0-or-later
"""The top of the preview pane: does this photo go to the current recipient, why, and to whom else.

First line: "Shared with Family — this is what leaves" or "Private from Meta cloud processing — nothing
leaves", then the reason in words ("album People is private"). Below, every recipient with its state for
this photo ("Family ✓ · Meta cloud processing ✗"): clicking one flips this photo for that recipient.
The button shares the grid's selection with the current recipient, or keeps it private.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.library.consent import Decision
from core.library.db import DEFAULT_RECIPIENT
from core.pipeline.description import Consent
from gui.theme import css

PRESET_NOTE = (
    f"“{DEFAULT_RECIPIENT}” stands for an app that asks for access to all your photos, so you can see what "
    "it would get; nothing is uploaded."
)


class ConsentBar(QWidget):
    photo_decision = Signal(str, object)  # recipient, Decision: for the photo shown
    selection_decision = Signal(object)  # Decision: for the grid's selection, current recipient

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recipient = ""
        self.states: list[tuple[str, Consent]] = []
        self.headline = QLabel("")
        self.headline.setObjectName("consentHeadline")
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        self.because = QLabel("")
        self.because.setWordWrap(True)
        self.others = QLabel("")
        self.others.setObjectName("recipientStates")
        self.others.setWordWrap(True)
        self.others.setTextFormat(Qt.TextFormat.RichText)
        self.others.linkActivated.connect(self._link)
        self.others.setToolTip("Click a recipient to share this photo with it, or to keep it private from it")
        self.note = QLabel(PRESET_NOTE)
        self.note.setWordWrap(True)
        self.note.setForegroundRole(self.note.foregroundRole())
        self.button = QPushButton("")
        self.button.setObjectName("shareButton")
        self.button.clicked.connect(self._button)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.headline)
        layout.addWidget(self.because)
        layout.addWidget(self.others)
        layout.addWidget(self.note)
        layout.addLayout(row)
        self.clear()

    def clear(self) -> None:
        self.states = []
        self.headline.setText("")
        self.because.setText("")
        self.others.setText("")
        self.note.hide()
        self.button.hide()

    def current(self) -> Consent | None:
        return next((c for name, c in self.states if name == self.recipient), None)

    def set_states(self, recipient: str, states: Sequence[tuple[str, Consent]]) -> None:
        self.recipient, self.states = recipient, list(states)
        consent = self.current()
        if consent is None:
            self.clear()
            return
        tone = "shared" if consent.shared else "private"
        self.headline.setText(consent.headline(recipient))
        self.headline.setStyleSheet(f"color: {css(tone, self)};")
        self.because.setText(f"Because {consent.because}.")
        links = []
        for name, c in self.states:
            mark = "✓" if c.shared else "✗"
            text = f"{escape(name)}&nbsp;{mark}"
            if name == recipient:
                text = f"<b>{text}</b>"
            colour = css("shared" if c.shared else "private", self)
            style = f"color:{colour}"
            links.append(f'<a href="r:{escape(name)}" style="{style}">{text}</a>')
        self.others.setText("For each recipient (click to change): " + " · ".join(links))
        self.note.setVisible(recipient == DEFAULT_RECIPIENT)
        self.button.setText("Keep private" if consent.shared else f"Share with {recipient}")
        self.button.setToolTip(
            f"Keep the selected photos private from {recipient}" if consent.shared
            else f"Share the selected photos with {recipient}"
        )
        self.button.show()

    def toggle(self, name: str) -> None:
        """Flip this photo for one recipient: shared becomes private and the other way round."""
        consent = dict(self.states).get(name)
        if consent is not None:
            self.photo_decision.emit(name, Decision.DENIED if consent.shared else Decision.ALLOWED)

    def _link(self, href: str) -> None:
        if href.startswith("r:"):
            from html import unescape

            self.toggle(unescape(href[2:]))

    def _button(self) -> None:
        consent = self.current()
        if consent is not None:
            self.selection_decision.emit(Decision.DENIED if consent.shared else Decision.ALLOWED)
