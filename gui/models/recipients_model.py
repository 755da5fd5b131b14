# SPDX-License-Identifier: GPL-3.0-or-later
"""The recipients as a list model for the Recipients dialog: rows are recipients by name, the tooltip
says their policy."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from core.library.rows import RecipientRow
from core.model.policy import policy_label


class RecipientsModel(QAbstractListModel):
    """The recipients by name; the tooltip says their policy."""

    NameRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RecipientRow] = []

    def set_rows(self, rows: list[RecipientRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, name: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.name == name), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, self.NameRole):
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.name} — policy {policy_label(row.policy)}"
        return None
