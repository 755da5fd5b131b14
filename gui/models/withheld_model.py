# SPDX-License-Identifier: GPL-3.0-or-later
"""The files an export withheld and why, as a table for the Share dialog."""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget


class WithheldModel(QAbstractTableModel):
    """Files the export withheld and why (rows are (file name, reason); full path as tooltip)."""

    HEADERS = ("File", "Why it was withheld")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str]] = []

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        source, reason = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return PurePath(source).name if index.column() == 0 else reason
        if role == Qt.ItemDataRole.ToolTipRole:
            return source if index.column() == 0 else reason
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < 2
        ):
            return self.HEADERS[section]
        return None


# -- the dialog ----------------------------------------------------------------------------------------
