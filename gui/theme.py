# SPDX-License-Identifier: GPL-3.0-or-later
"""Light and dark: the window follows the system colour scheme, or the user's View → Theme choice.

Every colour the app draws itself (risk marks, shared/private words, warnings) comes from ``tone``, which
picks a shade readable on the current palette's background: the same hue, darker on light windows and
lighter on dark ones.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from core.resources import resource_path

THEMES: tuple[tuple[str, str], ...] = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))

# (on a light background, on a dark background)
_TONES: dict[str, tuple[str, str]] = {
    "risk": ("#b3261e", "#ff8a80"),  # leaves and tells where, who or which device
    "shared": ("#1b7a34", "#7ee2a0"),
    "private": ("#5a5a66", "#b8b8c4"),
    "warning": ("#9a5b00", "#ffc46b"),
}


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(37, 38, 41), QColor(28, 29, 31), QColor(232, 232, 235)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, QColor(44, 45, 49))
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, QColor(50, 51, 55))
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor(50, 51, 55))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(160, 160, 168))
        p.setColor(group, QPalette.ColorRole.Highlight, QColor(53, 132, 228))
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
        p.setColor(group, QPalette.ColorRole.Link, QColor(120, 180, 255))
        p.setColor(group, QPalette.ColorRole.Mid, QColor(80, 81, 86))
        p.setColor(group, QPalette.ColorRole.Light, QColor(70, 71, 76))
        p.setColor(group, QPalette.ColorRole.Midlight, QColor(60, 61, 66))
        p.setColor(group, QPalette.ColorRole.Dark, QColor(20, 20, 22))
        p.setColor(group, QPalette.ColorRole.Shadow, QColor(0, 0, 0))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(120, 120, 126))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(120, 120, 126))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(120, 120, 126))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(50, 51, 55))
    return p


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, name: str) -> str:
    """Apply "system", "light" or "dark"; returns the scheme in effect ("light" or "dark")."""
    dark = system_is_dark() if name not in ("light", "dark") else name == "dark"
    app.setStyle("Fusion")  # the one style whose palette follows ours on every platform
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    # Fusion outlines an unchecked box in a shade of the window colour: invisible on a dark window.
    app.setStyleSheet(_dark_sheet() if dark else "")
    _recolour_links(app)
    return "dark" if dark else "light"


def _recolour_links(app: QApplication) -> None:
    """Rich text takes the palette's link colour when it is parsed: a label shown before the theme changed
    kept light's dark blue on a dark window (the report's "and 2 more places"). Parse its text again."""
    for widget in app.allWidgets():
        if isinstance(widget, QLabel) and widget.textFormat() != Qt.TextFormat.PlainText:
            text = widget.text()
            if "<a " in text:
                widget.clear()
                widget.setText(text)


def _dark_sheet() -> str:
    # A style sheet replaces Fusion's whole indicator, tick included: draw the tick from a shipped file.
    tick = resource_path("resources/ui/check-mark-dark.svg").as_posix()
    return _DARK_SHEET.replace("TICK", tick)


_DARK_SHEET = """
QCheckBox::indicator { width: 13px; height: 13px; border: 1px solid #9a9aa4; border-radius: 2px;
                       background: #1c1d1f; }
QCheckBox::indicator:checked { background: #3584e4; border-color: #3584e4; image: url(TICK); }
QRadioButton::indicator { width: 11px; height: 11px; border: 1px solid #9a9aa4; border-radius: 6px;
                          background: #1c1d1f; }
QRadioButton::indicator:checked { background: #3584e4; border-color: #3584e4; }
"""


def is_dark(widget: QWidget | None = None) -> bool:
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tone(name: str, widget: QWidget | None = None) -> QColor:
    """A named colour readable on the current background (``risk``, ``shared``, ``private``, ``warning``)."""
    light, dark = _TONES[name]
    return QColor(dark if is_dark(widget) else light)


def css(name: str, widget: QWidget | None = None) -> str:
    return tone(name, widget).name()
