# SPDX-License-Identifier: GPL-3.0-or-later
"""The visibility check used by the dialog tests finds a cut label (so a passing dialog test means
something)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from tests.gui.visible import clipped_texts


def test_finds_a_wrapped_label_cut_to_one_line(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    label = QLabel("Removed: Location (7 photos), Time (7 photos), Device (7 photos), People (7 photos)")
    label.setWordWrap(True)
    layout.addWidget(label)
    window.resize(120, 200)
    window.show()
    assert clipped_texts(window) == []
    label.setFixedHeight(label.fontMetrics().height())  # one line: the rest is cut
    assert len(clipped_texts(window)) == 1


def test_finds_a_label_narrower_than_its_text(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel("Allow albums or photos for Family first", window)
    label.setGeometry(0, 0, 40, 20)
    window.resize(300, 100)
    window.show()
    assert len(clipped_texts(window)) == 1
