# SPDX-License-Identifier: GPL-3.0-or-later
"""What a first run shows: how to start (drop a folder), and a sample roll to try the app on."""

from __future__ import annotations

import textwrap

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.views.consent_bar import PRESET_NOTE


class EmptyState(QWidget):
    import_requested = Signal()
    sample_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        title = QLabel("Drop a folder of photos here")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QLabel(
            "Photo Consent reads your photos where they are and never moves or changes them.\n"
            "Nothing is shared until you say so: every photo starts private. Then, photo by photo or\n"
            "album by album, choose what each recipient may receive, see exactly what would leave the\n"
            "device, and export clean copies with a receipt."
        )
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.import_button = QPushButton("Import a folder…")
        self.import_button.setDefault(True)
        self.sample_button = QPushButton("Open sample roll")
        self.sample_button.setToolTip(
            "Make 12 sample photos with realistic metadata (GPS, time, camera, XMP), and a Phone album "
            "with a Live Photo, a motion photo and a short video"
        )
        self.import_button.clicked.connect(self.import_requested)
        self.sample_button.clicked.connect(self.sample_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        # Broken by hand: a word-wrapped label in this centred layout is given one line's height.
        self.preset = preset = QLabel("\n".join(textwrap.wrap(PRESET_NOTE, 90)))
        preset.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel("Keyboard: Ctrl+I imports a folder")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addWidget(body)
        layout.addSpacing(20)
        layout.addLayout(buttons)
        layout.addSpacing(16)
        layout.addWidget(preset)
        layout.addSpacing(8)
        layout.addWidget(hint)
        layout.addStretch(3)
        self.setAutoFillBackground(True)
