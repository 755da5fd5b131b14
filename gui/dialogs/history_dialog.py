# SPDX-License-Identifier: GPL-3.0-or-later
"""The History dialog: the ledger (consent changes, exports, recipient changes) as a table, newest first,
with the chain's verification status and the selected entry's JSON.

Each row is worded by ``core.library.events.describe``, the same words as `photo-consent ledger`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QItemSelection, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.library.events import describe
from core.library.ledger import Entry, Verification
from core.library.service import LibraryService


@dataclass(frozen=True)
class Row:
    entry: Entry
    when: str
    kind: str
    recipient: str
    what: str


def local_time(iso: str) -> str:
    """The stored UTC time shown in the user's time zone, to the minute."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(iso or "")


def to_row(entry: Entry) -> Row:
    data = entry.data()
    kind, recipient, what = describe(data)
    return Row(entry, local_time(str(data.get("when", ""))), kind, recipient, what)


class LedgerModel(QAbstractTableModel):
    """Ledger entries, newest first. ``bad_id``: the first entry that fails verification, if any."""

    HEADERS = ("When", "Kind", "Recipient", "What", "Signature")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self.bad_id: int | None = None

    def set_entries(self, entries: list[Entry], bad_id: int | None = None) -> None:
        self.beginResetModel()
        self._rows = [to_row(e) for e in reversed(entries)]
        self.bad_id = bad_id
        self.endResetModel()

    def entry(self, row: int) -> Entry | None:
        return self._rows[row].entry if 0 <= row < len(self._rows) else None

    def row_of(self, entry_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.entry.id == entry_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def _signature(self, row: Row) -> str:
        if self.bad_id is not None and row.entry.id >= self.bad_id:
            return "fails verification" if row.entry.id == self.bad_id else "not verified"
        return "signed" if row.entry.signed else "unsigned"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (row.when, row.kind, row.recipient, row.what, self._signature(row))
            return values[col] if 0 <= col < len(values) else None
        if role == self.EntryRole:
            return row.entry.id
        if role == Qt.ItemDataRole.FontRole and self.bad_id == row.entry.id:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


def banner_text(check: Verification, keyring_persistent: bool, keyring_notice: str) -> tuple[str, str]:
    """(level, text) for the verification banner; level is ok | warning | error."""
    if not check.ok:
        if check.first_bad is None:  # the ledger as a whole (shortened, replaced, consent tables edited)
            return "error", f"<b>The history fails verification</b>: {_escape(check.reason)}."
        return "error", (
            f"<b>Entry {check.first_bad} fails verification</b>: {_escape(check.reason)}. "
            "The history from that entry on cannot be trusted."
        )
    if check.checked == 0:
        text = "The history is empty: consent changes and exports will appear here."
    else:
        text = f"✓ <b>The history is intact</b>: all {check.checked} entries verified."
    level = "ok"
    if check.unsigned:
        level = "warning"
        text += " " + _escape(check.notice or f"{check.unsigned} entries are not signed.")
    if not keyring_persistent:
        level = "warning"
        text += (
            " <b>No keyring</b>: new entries are written unsigned"
            + (f" ({_escape(keyring_notice)})" if keyring_notice else "")
            + "."
        )
    return level, text


class HistoryDialog(QDialog):
    def __init__(self, service: LibraryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("History")
        self.resize(900, 600)
        layout = QVBoxLayout(self)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setMargin(8)
        self.banner.setAutoFillBackground(True)
        layout.addWidget(self.banner)

        self.model = LedgerModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col in (0, 1, 2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace"))
        self.details.setPlaceholderText("Select an entry to see everything it records.")
        details_label = QLabel("&Details of the selected entry:")
        details_label.setBuddy(self.details)
        details_box = QWidget()
        box_layout = QVBoxLayout(details_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(details_label)
        box_layout.addWidget(self.details)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(details_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = buttons.addButton("&Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.verification: Verification | None = None
        self.refresh()
        self.table.setFocus()

    def refresh(self) -> None:
        entries = self.service.ledger_entries()
        check = self.service.verify_ledger()
        self.verification = check
        self.model.set_entries(entries, check.first_bad if not check.ok else None)
        level, text = banner_text(check, self.service.keyring_persistent, self.service.keyring_notice)
        self.banner_level = level
        self.banner.setText(text)
        self._paint_banner(level)
        if self.model.rowCount():
            target = self.model.row_of(check.first_bad) if check.first_bad is not None else 0
            self.table.selectRow(max(0, target))
        else:
            self.details.clear()

    def _paint_banner(self, level: str) -> None:
        # Tints derived from the system palette, so the banner reads in light and dark themes.
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Window)
        if level == "error":
            tint = pal.color(QPalette.ColorRole.Window).toHsv()
            tint.setHsv(0, 110, max(90, min(235, base.value())))
        elif level == "warning":
            tint = base.toHsv()
            tint.setHsv(45, 100, max(90, min(240, base.value())))
        else:
            tint = base.toHsv()
            tint.setHsv(120, 60, max(90, min(235, base.value())))
        banner_pal = self.banner.palette()
        banner_pal.setColor(QPalette.ColorRole.Window, tint.toRgb())
        banner_pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.WindowText))
        self.banner.setPalette(banner_pal)

    def _selected(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.entry(rows[0].row()) if rows else None
        if entry is None:
            self.details.clear()
            return
        doc = {
            "entry": entry.id,
            "signed": entry.signed,
            "mac": entry.mac,
            "previous_mac": entry.prev_mac,
            "payload": entry.data(),
        }
        self.details.setPlainText(json.dumps(doc, indent=2, ensure_ascii=False))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
