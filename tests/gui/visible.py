# SPDX-License-Identifier: GPL-3.0-or-later
"""Is every text of a window fully visible? Checked through the labels' own size hints, not pixels."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget


def clipped_texts(window: QWidget) -> list[str]:
    """Texts of visible labels and buttons that are shown smaller than they need: a wrapped label lower
    than its height for its width, an unwrapped one narrower than its text, or one that reaches past the
    window's edge."""
    QApplication.processEvents()
    if window.layout() is not None:
        window.layout().activate()
    problems = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or not isinstance(widget, QLabel | QAbstractButton):
            continue
        text = widget.text()
        if not text.strip():
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            needed = widget.heightForWidth(widget.width())
            if widget.height() < needed:
                problems.append(f"{text[:60]!r}: {widget.height()} px high, needs {needed}")
        elif widget.width() < (wide := widget.minimumSizeHint().width()):
            problems.append(f"{text[:60]!r}: {widget.width()} px wide, needs {wide}")
        corner = widget.mapTo(window, widget.rect().bottomRight())
        if corner.x() > window.width() or corner.y() > window.height():
            problems.append(f"{text[:60]!r}: reaches past the window ({corner.x()}, {corner.y()})")
    return problems


def fit_screen(window: QWidget, width: int = 1280, height: int = 800) -> None:
    """Size the window as a 1280×800 screen allows (at most that, at least its own minimum)."""
    window.resize(min(width, max(window.width(), window.minimumSizeHint().width())),
                  min(height, max(window.height(), window.minimumSizeHint().height())))
    QApplication.processEvents()
