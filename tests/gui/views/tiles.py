# SPDX-License-Identifier: GPL-3.0-or-later
"""Paint one grid cell with the real delegate, from a Tile, into an image the tests read pixel by pixel."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget

from gui.models.photo_model import Roles, Tile
from gui.views.photo_delegate import CELL, PhotoDelegate


def paint_tile(
    tile: Tile, *, widget: QWidget | None = None, fmt: QImage.Format = QImage.Format.Format_ARGB32
) -> QImage:
    """``widget``: the view the cell is painted for (its width decides which badges fit)."""
    model = QStandardItemModel()
    item = QStandardItem(tile.name)
    item.setData(tile, int(Roles.Tile))
    model.appendRow(item)
    image = QImage(CELL, CELL, fmt)
    image.fill(QColor(255, 255, 255))
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, CELL, CELL)
    option.widget = widget
    painter = QPainter(image)
    PhotoDelegate().paint(painter, option, model.index(0, 0))
    painter.end()
    return image
