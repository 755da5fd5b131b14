# SPDX-License-Identifier: GPL-3.0-or-later
"""The top of the preview pane: does this photo go to the current recipient, why, and to whom else.

First line: "Shared with Family — this is what leaves" or "Private from Meta cloud processing — nothing
leaves", then the reason in words ("album People is private"). Below, "Shared with:" and a check box per
recipient, ticked where this photo goes: ticking or unticking one decides this photo for that recipient
(the window says so in its status bar, with Undo). The button shares the grid's selection with the
current recipient, or keeps it private.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.library.consent import Decision
from core.library.db import DEFAULT_RECIPIENT
from core.pipeline.description import Consent
from gui.theme import css
from gui.views.wrap import breakable

PRESET_NOTE = (
    f"“{DEFAULT_RECIPIENT}” stands for an app that asks for all your photos. Here you choose which photos "
    "it may have, and each photo's preview lists what would leave, cleaned; the Report shows what it would "
    "take if you allowed everything. Nothing is uploaded."
)
PER_ROW = 2  # recipients' check boxes side by side


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
        self.others = QWidget()
        self.others.setObjectName("recipientStates")
        self.others_layout = QGridLayout(self.others)
        self.others_layout.setContentsMargins(0, 0, 0, 0)
        self.others_label = QLabel("Shared with:")
        self.boxes: dict[str, QCheckBox] = {}
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
        layout.addWidget(self.others_label)
        layout.addWidget(self.others)
        layout.addWidget(self.note)
        layout.addLayout(row)
        self.clear()

    def clear(self) -> None:
        self.states = []
        self.headline.setText("")
        self.because.setText("")
        self._set_boxes([])
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
        self.headline.setText(breakable(consent.headline(recipient)))  # a long recipient's name wraps
        self.headline.setStyleSheet(f"color: {css(tone, self)};")
        self.because.setText(f"Because {consent.because}.")
        self._set_boxes(self.states)
        self.note.setVisible(recipient == DEFAULT_RECIPIENT)
        self.button.setText("Keep private" if consent.shared else f"Share with {recipient}")
        self.button.setToolTip(
            f"Keep the selected photos private from {recipient}" if consent.shared
            else f"Share the selected photos with {recipient}"
        )
        self.button.show()

    def _set_boxes(self, states: Sequence[tuple[str, Consent]]) -> None:
        for box in self.boxes.values():
            box.deleteLater()
        self.boxes = {}
        for n, (name, c) in enumerate(states):
            box = QCheckBox(name)
            box.setChecked(c.shared)
            box.setObjectName("recipientBox")
            if name == self.recipient:
                font = box.font()
                font.setBold(True)
                box.setFont(font)
            box.setToolTip(
                f"This photo goes to {name} ({c.because}). Untick to keep it private from {name}."
                if c.shared
                else f"This photo is private from {name} ({c.because}). Tick to share it with {name}."
            )
            # clicked, not toggled: only a person's click decides, never a refill of the boxes.
            box.clicked.connect(lambda _on=False, who=name: self.toggle(who))
            self.others_layout.addWidget(box, n // PER_ROW, n % PER_ROW)
            self.boxes[name] = box
        self.others_label.setVisible(bool(states))
        self.others.setVisible(bool(states))

    def toggle(self, name: str) -> None:
        """Flip this photo for one recipient: shared becomes private and the other way round."""
        consent = dict(self.states).get(name)
        if consent is not None:
            self.photo_decision.emit(name, Decision.DENIED if consent.shared else Decision.ALLOWED)

    def _button(self) -> None:
        consent = self.current()
        if consent is not None:
            self.selection_decision.emit(Decision.DENIED if consent.shared else Decision.ALLOWED)
