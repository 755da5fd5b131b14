# SPDX-License-Identifier: GPL-3.0-or-later
"""View → Theme: light and dark are applied, remembered, and every custom colour stays readable."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from gui.theme import _TONES, apply_theme, is_dark, tone
from tests.gui.window_helpers import WAIT, make_window

# Face detection is tested in core; here it would only slow every selection down.
pytestmark = pytest.mark.usefixtures("no_face_model")


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def restore_style(qapp):
    app = QApplication.instance()
    style, palette, sheet = app.style().name(), QPalette(app.palette()), app.styleSheet()
    yield app
    app.setStyle(style)
    app.setPalette(palette)
    app.setStyleSheet(sheet)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_custom_colour_is_readable(restore_style, scheme: str) -> None:
    assert apply_theme(restore_style, scheme) == scheme
    assert is_dark() is (scheme == "dark")
    background = restore_style.palette().color(QPalette.ColorRole.Base)
    window = restore_style.palette().color(QPalette.ColorRole.Window)
    for name in _TONES:
        for bg in (background, window):
            assert contrast(tone(name), bg) >= 4.5, (scheme, name)


def test_theme_choice_is_applied_and_remembered(qtbot, restore_style, service, runner, tmp_path):
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    [dark] = [a for a in win.theme_actions.actions() if a.data() == "dark"]
    dark.trigger()
    assert is_dark() and dark.isChecked()
    assert win.settings.value("view/theme") == "dark"
    win.close()
    again = make_window(qtbot, service, runner, tmp_path)
    assert [a.data() for a in again.theme_actions.actions() if a.isChecked()] == ["dark"]
    again.set_theme("light")
    assert not is_dark()
    again.close()


def _link_colour(label) -> QColor:
    """The most common strongly blue colour in the label's pixels: its link."""
    image = label.grab().toImage()
    counts: dict[str, int] = {}
    for x in range(image.width()):
        for y in range(image.height()):
            c = QColor(image.pixel(x, y))
            if c.blue() > c.red() + 40:
                counts[c.name()] = counts.get(c.name(), 0) + 1
    return QColor(max(counts, key=lambda k: counts[k]))


def test_a_link_shown_before_the_theme_changed_takes_the_new_link_colour(qtbot, restore_style) -> None:
    from PySide6.QtWidgets import QLabel

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    label = QLabel("<a href='more:places'>and 2 more places</a>")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    apply_theme(app, "dark")
    link, window = _link_colour(label), app.palette().color(QPalette.ColorRole.Window)
    assert link == app.palette().color(QPalette.ColorRole.Link)
    assert contrast(link, window) >= 4.5, link.name()
