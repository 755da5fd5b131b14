# SPDX-License-Identifier: GPL-3.0-or-later
"""The History dialog: the ledger (consent changes, exports, recipient changes) as a table, newest first,
in words that name the photos each entry concerns (``core.library.history``), with a banner that states
the verification result exactly (signed and unsigned counts, the first failing entry).

Filters: by recipient ("what has Family received?") and by photo (file name). The selected entry shows
its photos as thumbnails with their names, and for an export links to its output folder and receipt;
the raw entry (payload, MACs) only behind Details.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QItemSelection, QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.library import history
from core.library.events import describe
from core.library.history import HistoryItem
from core.library.ledger import Entry, Verification
from core.library.service import LibraryService
from core.pipeline.receipt_words import Originals
from core.security.keystore import NO_KEYRING_FIX, NO_KEYRING_HISTORY
from gui.dialogs.receipt_dialog import ReceiptDialog
from gui.screen_fit import fit_on_screen
from gui.tasks import TaskRunner

THUMBS_SHOWN = 60  # tiles in the selected entry's strip (it scrolls); beyond, "and N more"
THUMB_SIZE = 72
TILE_WIDTH = THUMB_SIZE + 28  # room for a camera's usual name (IMG_0001.JPG) under the picture
EVERYONE = "Everyone"


@dataclass(frozen=True)
class Row:
    entry: Entry
    when: str
    kind: str
    recipient: str
    what: str
    item: HistoryItem | None = None


def local_time(iso: str) -> str:
    """The stored UTC time shown in the user's time zone, to the minute."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(iso or "")


def to_row(entry: Entry, names: Mapping[str, str] | None = None) -> Row:
    data = entry.data()
    kind, recipient, _ = describe(data)
    item = history.item_of(entry, names or {})
    return Row(entry, local_time(str(data.get("when", ""))), kind, recipient, item.sentence, item)


class LedgerModel(QAbstractTableModel):
    """Ledger entries, newest first. ``bad_id``: the first entry that fails verification, if any."""

    HEADERS = ("When", "Kind", "Recipient", "What", "Signature")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self.bad_id: int | None = None
        self.names: Mapping[str, str] = {}
        self._recipient = ""
        self._photo = ""

    def set_entries(
        self, entries: list[Entry], bad_id: int | None = None, names: Mapping[str, str] | None = None
    ) -> None:
        self.names = dict(names or {})
        self._all = [to_row(e, self.names) for e in reversed(entries)]
        self.bad_id = bad_id
        self._apply()

    def set_filter(self, recipient: str = "", photo: str = "") -> None:
        """Only entries about ``recipient`` ("" all) and about photos whose name contains ``photo``."""
        self._recipient, self._photo = recipient, photo.strip()
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        self._rows = [r for r in self._all if self._keeps(r)]
        self.endResetModel()

    def _keeps(self, row: Row) -> bool:
        if self._recipient and row.recipient.casefold() != self._recipient.casefold():
            return False
        return not self._photo or (row.item is not None and row.item.concerns(self._photo, self.names))

    def recipients(self) -> list[str]:
        return sorted({r.recipient for r in self._all if r.recipient}, key=str.casefold)

    def item(self, row: int) -> HistoryItem | None:
        return self._rows[row].item if 0 <= row < len(self._rows) else None

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


def banner_text(
    check: Verification, keyring_persistent: bool, keyring_notice: str, signed: int = -1, total: int = -1
) -> tuple[str, str]:
    """(level, text) for the verification banner; level is ok | warning | error. ``signed`` / ``total``:
    the ledger's signed and all entries (default: what the check counted)."""
    if total < 0:
        total = check.checked
    if signed < 0:
        signed = check.checked - check.unsigned
    level, sentence = history.verification_text(check, signed, total)
    text = _escape(sentence)
    if level == "ok" and total:
        text = "✓ " + text
    if not keyring_persistent and check.ok:
        level = "warning"
        # What to do about it, and the keyring's own notice (why it is missing), are the tooltip: the banner
        # stays one short statement.
        text += f" <b>{_escape(NO_KEYRING_HISTORY)}</b>"
    return level, text


class HistoryDialog(QDialog):
    def __init__(
        self, service: LibraryService, parent: QWidget | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        # Thumbnails are decoded on the runner (the main window's, when it opens this dialog).
        self.runner: TaskRunner | None = runner or getattr(parent, "runner", None)
        self.setWindowTitle("History")
        self.resize(1000, 680)
        layout = QVBoxLayout(self)
        # Seams for tests: opening a folder or file never leaves the test.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.receipt_views: dict[str, ReceiptDialog] = {}

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setMargin(8)
        self.banner.setAutoFillBackground(True)
        layout.addWidget(self.banner)

        filters = QHBoxLayout()
        self.recipient_filter = QComboBox()
        self.recipient_filter.addItem(EVERYONE)
        who = QLabel("&Recipient:")
        who.setBuddy(self.recipient_filter)
        self.photo_filter = QLineEdit()
        self.photo_filter.setPlaceholderText("file name, e.g. IMG_3001")
        self.photo_filter.setClearButtonEnabled(True)
        which = QLabel("&Photo:")
        which.setBuddy(self.photo_filter)
        filters.addWidget(who)
        filters.addWidget(self.recipient_filter)
        filters.addSpacing(12)
        filters.addWidget(which)
        filters.addWidget(self.photo_filter, 1)
        layout.addLayout(filters)
        self.recipient_filter.currentIndexChanged.connect(lambda _i: self._filter())
        self.photo_filter.textChanged.connect(lambda _t: self._filter())

        self.model = LedgerModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for col in (0, 1, 2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        # The selected entry: its sentence, its photos (thumbnails and names), links; raw entry on demand.
        self.entry_label = QLabel()
        self.entry_label.setWordWrap(True)
        self.entry_label.setTextFormat(Qt.TextFormat.RichText)
        self.entry_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.entry_label.linkActivated.connect(self._open_link)
        # Every file the entry concerns, one tile each (a Live Photo's movie on its still's tile), in a
        # strip that scrolls sideways: the picture, and the name below it, elided with the whole name as
        # its tooltip, so names never run into each other.
        strip = QWidget()
        self.thumbs = QHBoxLayout(strip)
        self.thumbs.setContentsMargins(0, 0, 0, 0)
        self.thumbs.setSpacing(6)
        self.thumbs.addStretch(1)
        self.strip = QScrollArea()
        self.strip.setWidget(strip)
        self.strip.setWidgetResizable(True)
        self.strip.setFrameShape(QFrame.Shape.NoFrame)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setFixedHeight(THUMB_SIZE + 8 + self.fontMetrics().height() * 2 + 24)
        self.thumb_labels: list[QLabel] = []  # the pictures, one a tile
        self.name_labels: list[QLabel] = []  # the names under them
        self._tiles: list[QWidget] = []
        self.details_button = QPushButton("&Details")
        self.details_button.setCheckable(True)
        self.details_button.setAutoDefault(False)
        self.details_button.setToolTip("The entry in words: what, when, who, the result; the raw entry below")
        # Details: the entry in words first, the entry as stored (payload, MACs) under "Technical details",
        # as the receipt dialog shows a receipt.
        self.details_words = QLabel()
        self.details_words.setWordWrap(True)
        self.details_words.setTextFormat(Qt.TextFormat.RichText)
        self.details_words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.technical_button = QToolButton()
        self.technical_button.setText(SHOW_TECHNICAL)
        self.technical_button.setCheckable(True)
        self.technical_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.technical_button.setArrowType(Qt.ArrowType.RightArrow)
        self.technical_button.setToolTip("The entry exactly as stored, with its signature")
        self.technical_button.toggled.connect(self._show_technical)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace"))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.hide()
        self.details_box = QWidget()
        inner = QVBoxLayout(self.details_box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.details_words)
        inner.addWidget(self.technical_button, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.details, 1)
        self.details_box.hide()
        self.details_button.toggled.connect(self.details_box.setVisible)
        details_box = QWidget()
        box_layout = QVBoxLayout(details_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.entry_label)
        box_layout.addWidget(self.strip)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.details_button)
        box_layout.addLayout(row)
        box_layout.addWidget(self.details_box, 1)

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
        self._paths: dict[str, Path] = {}
        self._movie_of: dict[str, str] = {}  # a Live Photo's still -> its movie (fingerprints)
        self._current: HistoryItem | None = None
        self.refresh()
        self.table.setFocus()
        fit_on_screen(self)  # on a small screen its buttons stayed below the edge

    def refresh(self) -> None:
        entries = self.service.ledger_entries()
        check = self.service.verify_ledger()
        self.verification = check
        self._paths = {p.fingerprint: p.path for p in reversed(self.service.photos())}
        by_path = {path: fp for fp, path in self._paths.items()}
        self._movie_of = {
            by_path[still]: movie_fp for still, (_movie, movie_fp) in self.service.live_pairs().items()
            if still in by_path
        }
        names = history.file_names((fp, path) for fp, path in self._paths.items())
        self.model.set_entries(entries, check.first_bad if not check.ok else None, names)
        current = self.recipient_filter.currentText()
        self.recipient_filter.blockSignals(True)
        self.recipient_filter.clear()
        self.recipient_filter.addItems([EVERYONE, *self.model.recipients()])
        self.recipient_filter.setCurrentIndex(max(0, self.recipient_filter.findText(current)))
        self.recipient_filter.blockSignals(False)
        self._filter(select_bad=True)
        signed = sum(1 for e in entries if e.signed)
        level, text = banner_text(
            check, self.service.keyring_persistent, self.service.keyring_notice, signed, len(entries)
        )
        self.banner_level = level
        self.banner.setText(text)
        notice = self.service.keyring_notice
        self.banner.setToolTip(f"{NO_KEYRING_FIX}\n\n{notice}" if notice else "")
        self._paint_banner(level)

    def _filter(self, select_bad: bool = False) -> None:
        who = self.recipient_filter.currentText()
        self.model.set_filter("" if who == EVERYONE else who, self.photo_filter.text())
        check = self.verification
        if self.model.rowCount():
            bad = check.first_bad if check is not None and select_bad else None
            target = self.model.row_of(bad) if bad is not None else 0
            self.table.selectRow(max(0, target))
        else:
            self._show_entry(None)

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
        self._show_entry(rows[0].row() if rows else None)

    def _show_entry(self, row: int | None) -> None:
        entry = self.model.entry(row) if row is not None else None
        item = self.model.item(row) if row is not None else None
        self._current = item
        self._show_photos(item)
        if entry is None or item is None:
            self.details.clear()
            self.details_words.clear()
            self.entry_label.setText(
                "No entry matches these filters." if self.model._all else ""
            )
            return
        parts = [f"<b>{_escape(item.sentence)}</b>"]
        # Photos as the sentence counts them: a Live Photo's movie goes with its still, as on its tile.
        names = [
            (self.model.names.get(fp) or "(no longer in the library)") + (" and its movie" if movie else "")
            for fp, movie in tiles_of(item.fingerprints, self._movie_of)
        ]
        if len(names) > NAMES_IN_PANE:
            listed = ", ".join(_escape(n) for n in names[:NAMES_IN_PANE] if n)
            parts.append(f"Photos: {listed} and {len(names) - NAMES_IN_PANE} more")
        elif names:
            parts.append("Photos: " + ", ".join(_escape(n) for n in names))
        links = []
        if item.out:
            links.append(f"<a href='folder'>Open the output folder</a> ({_escape(item.out)})")
        if item.receipt and Path(item.receipt).is_file():
            links.append("<a href='receipt'>Show the receipt</a>")
        if links:
            parts.append(" · ".join(links))
        self.entry_label.setText("<br>".join(parts))
        doc = {
            "entry": entry.id,
            "signed": entry.signed,
            "mac": entry.mac,
            "previous_mac": entry.prev_mac,
            "payload": entry.data(),
        }
        self.details.setPlainText(json.dumps(doc, indent=2, ensure_ascii=False))
        bad = self.model.bad_id is not None and entry.id == self.model.bad_id
        rows = "".join(
            f"<tr><td><b>{_escape(label)}</b>&nbsp;&nbsp;</td><td>{_escape(value)}</td></tr>"
            for label, value in history.entry_facts(item, bad)
        )
        self.details_words.setText(f"<table>{rows}</table>")

    def _show_technical(self, on: bool) -> None:
        self.details.setVisible(on)
        self.technical_button.setText(HIDE_TECHNICAL if on else SHOW_TECHNICAL)
        self.technical_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _show_photos(self, item: HistoryItem | None) -> None:
        """One tile for each file of the entry: its picture (the camera's embedded thumbnail, else a
        cached one) and its name; a Live Photo's movie shares its still's tile and the name says so."""
        for tile in self._tiles:
            self.thumbs.removeWidget(tile)
            tile.deleteLater()
        self._tiles, self.thumb_labels, self.name_labels = [], [], []
        if item is None:
            self.strip.hide()
            return
        tiles = tiles_of(item.fingerprints, self._movie_of)
        self.strip.setVisible(bool(tiles))
        for i, (fp, movie) in enumerate(tiles[:THUMBS_SHOWN]):
            name = self.model.names.get(fp, "")
            movie_name = self.model.names.get(movie, "") if movie else ""
            tip = name or "no longer in the library"
            caption = name or "gone"
            second = ""
            if movie:
                named_movie = f" {movie_name}" if movie_name else ""
                tip += f", and its Live Photo movie{named_movie}, which left with it"
                second = "\n+ its movie"
            tile = QWidget()
            tile.setFixedWidth(TILE_WIDTH)
            tile.setToolTip(tip)
            column = QVBoxLayout(tile)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setToolTip(tip)
            label.setFixedSize(TILE_WIDTH, THUMB_SIZE + 8)
            caption_label = QLabel()
            caption_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            caption_label.setToolTip(tip)
            metrics = caption_label.fontMetrics()
            caption_label.setText(
                metrics.elidedText(caption, Qt.TextElideMode.ElideMiddle, TILE_WIDTH - 2) + second
            )
            column.addWidget(label)
            column.addWidget(caption_label)
            self.thumbs.insertWidget(i, tile)
            self._tiles.append(tile)
            self.thumb_labels.append(label)
            self.name_labels.append(caption_label)
            path = self._paths.get(fp)
            if path is None:
                continue
            if self.runner is None:
                self._thumbnail_done((item.entry.id, i), self._thumbnail(fp, path))
            else:  # decoded in a worker, never on the GUI thread
                self.runner.submit(
                    functools.partial(self._thumbnail, fp, path),
                    key=(item.entry.id, i),
                    pool="interactive",
                    on_done=self._thumbnail_done,
                )
        if len(tiles) > THUMBS_SHOWN:
            more = QLabel(f"and {len(tiles) - THUMBS_SHOWN} more")
            self.thumbs.insertWidget(THUMBS_SHOWN, more)
            self._tiles.append(more)

    def _thumbnail(self, fingerprint: str, path: Path) -> QImage | None:
        """Worker side: the camera's embedded thumbnail, else the cached one."""
        try:
            picture = self.service.thumbnail(fingerprint, path, THUMB_SIZE, embedded=True)
            picture = picture or self.service.thumbnail(fingerprint, path, THUMB_SIZE)
        except Exception:  # noqa: BLE001 - a photo that cannot be shown is named instead
            return None
        if picture is None:
            return None
        from gui.models.thumbnail_loader import to_qimage

        keep, smooth = Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        return to_qimage(picture).scaled(THUMB_SIZE, THUMB_SIZE, keep, smooth)

    def _thumbnail_done(self, key: object, image: object) -> None:
        if not isinstance(key, tuple):
            return
        entry_id, index = key
        current = self._current
        if current is None or current.entry.id != entry_id or index >= len(self.thumb_labels):
            return  # another entry is shown by now
        if isinstance(image, QImage) and not image.isNull():
            self.thumb_labels[index].setPixmap(QPixmap.fromImage(image))

    def _open_link(self, link: str) -> None:
        item = self._current
        if item is None:
            return
        if link == "receipt":
            self.show_receipt(item.receipt, item.originals)
            return
        target = item.out
        if link == "folder" and item.out.endswith(".zip"):
            target = str(Path(item.out).parent)
        if target:
            self.open_url(QUrl.fromLocalFile(target))


    def show_receipt(self, path: str, originals: Originals | None = None) -> None:
        """The export's receipt in words (its JSON under the technical details), one window per receipt;
        ``originals``: which original became which file, from the ledger (never in the receipt)."""
        view = self.receipt_views.get(path)
        if view is None:
            view = self.receipt_views[path] = ReceiptDialog.of_file(path, self, originals)
        view.show()
        view.raise_()


NAMES_IN_PANE = 12
SHOW_TECHNICAL, HIDE_TECHNICAL = "Technical details", "Hide technical details"


def tiles_of(fingerprints: Sequence[str], movie_of: Mapping[str, str]) -> list[tuple[str, str]]:
    """(file, movie on the same tile or "") for the strip: every file once, in the entry's order; a Live
    Photo's movie goes on its still's tile when both are listed. ``movie_of``: still -> movie."""
    listed = set(fingerprints)
    shared = {movie_of[fp] for fp in fingerprints if fp in movie_of and movie_of[fp] in listed}
    return [
        (fp, movie_of[fp] if movie_of.get(fp) in shared else "") for fp in fingerprints if fp not in shared
    ]


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
