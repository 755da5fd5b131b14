# SPDX-License-Identifier: GPL-3.0-or-later
"""The album tree's consent column drawn as a drop-down, so it reads as something to click."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
)

from gui.models.album_model import AlbumRoles


class ConsentDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        if index.data(AlbumRoles.AlbumId) is None:  # "All photos": a count, not a switch
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget else QApplication.style()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        combo = QStyleOptionComboBox()
        combo.rect = option.rect.adjusted(2, 1, -2, -1)
        combo.state = option.state | QStyle.StateFlag.State_Enabled
        combo.palette = option.palette
        colour = index.data(Qt.ItemDataRole.ForegroundRole)
        if colour is not None:
            combo.palette.setColor(QPalette.ColorRole.ButtonText, colour)
        combo.currentText = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        combo.frame = True
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, combo, painter, option.widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, combo, painter, option.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 28, max(hint.height(), option.fontMetrics.height() + 8))
