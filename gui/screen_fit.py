# SPDX-License-Identifier: GPL-3.0-or-later
"""Windows that fit the screen: the main window's minimum, and every dialog's first size and place.

A dialog asks for the size its content likes best (History 1000 × 680); on a small screen (1024 × 640)
that put its Close button below the screen's edge. ``fit_on_screen`` gives it at most the screen's free
area less a margin (so that it can still be moved and resized), centred on the window that opened it and
inside the free area; their lists and texts scroll in what is left.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_MARGIN = QSize(40, 40)  # a window leaves this much of a small screen free


def fit_size(wanted: QSize, available: QSize) -> QSize:
    """``wanted``, or less where the screen's free area (less SCREEN_MARGIN) is smaller."""
    return wanted.boundedTo(available - SCREEN_MARGIN)


def available_area(widget: QWidget) -> QRect | None:
    """The free area (without panels and docks) of the screen the widget, or the window that opened it,
    is on."""
    parent = widget.parentWidget()
    screen = (parent.window() if parent is not None else widget).screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_on_screen(window: QWidget, available: QRect | None = None) -> None:
    """Size ``window`` to at most the free area and centre it on its parent's window (or the area), kept
    inside the area. ``available``: the free area (default: the screen's, tests give one)."""
    area = available if available is not None else available_area(window)
    if area is None:
        return
    layout = window.layout()
    if layout is not None:
        layout.activate()  # its minimum, as it will be when shown
    # Before it is shown, a window nobody resized takes its size hint.
    wanted = window.size() if window.testAttribute(Qt.WidgetAttribute.WA_Resized) else window.sizeHint()
    size = fit_size(wanted, area.size())
    # Never a minimum the screen cannot hold.
    window.setMinimumSize(window.minimumSize().boundedTo(size))
    window.resize(size)
    parent = window.parentWidget()
    centre = parent.window().frameGeometry().center() if parent is not None else area.center()
    rect = QRect(QPoint(0, 0), window.size())
    rect.moveCenter(centre)
    left = max(area.left(), min(rect.left(), area.right() + 1 - rect.width()))
    top = max(area.top(), min(rect.top(), area.bottom() + 1 - rect.height()))
    window.move(left, top)

