# SPDX-License-Identifier: GPL-3.0-or-later
"""The grid's model: one row per photo file id, in the order of the library's gallery query.

The truth stays in SQLite. The id list for a view (album, recipient, filter) is computed in a worker and
handed to ``set_ids``, which turns the difference into row insertions/removals (so the grid keeps its
selection and scroll position while an import adds photos). Row data is fetched in small pages when a row
is first painted (an indexed query for ~128 ids: never the whole library) and kept in a bounded cache.
Consent changes arrive as file ids; ``refresh_ids`` re-reads those rows and signals exactly those rows
and roles. Rows are always looked up by id, never by a row number remembered across changes.

Reading ahead (with a runner): when painting enters another page, the next pages in the direction of
the scroll are read on the runner's interactive pool (its own SQLite connection, as every thread has) and
arrive by signal, so scrolling rarely waits for a query on the GUI thread. A row the GUI needs before its
page arrived is read there as before: painting never waits for a worker. Every change that makes cached
rows stale (``refresh_ids``, ``refresh_all``, another recipient) starts a new generation, and a page read
in an older one is dropped when it arrives: what it read may predate the change.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from typing import cast

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QPixmap

from core.library.consent import Decision
from core.library.gallery import GalleryRow
from core.library.service import LibraryService
from core.pipeline.description import WITHHELD, duration_text, plain_error
from core.pipeline.preview_words import MOTION_TIP
from gui.models.thumbnail_loader import ThumbnailLoader
from gui.tasks import TaskRunner

PAGE = 128
ROW_CACHE = 4096
READ_AHEAD = 2  # pages read ahead of the scroll (a flick moves about a page of 128 photos in 4 frames)

Index = QModelIndex | QPersistentModelIndex


class Roles(IntEnum):
    FileId = Qt.ItemDataRole.UserRole + 1
    Fingerprint = Qt.ItemDataRole.UserRole + 2
    Thumbnail = Qt.ItemDataRole.UserRole + 3  # QPixmap, or None while it loads
    Allowed = Qt.ItemDataRole.UserRole + 4  # bool: effective decision for the current recipient
    Decision = Qt.ItemDataRole.UserRole + 5  # the photo's own decision: "allowed" | "denied" | "inherit"
    HasLocation = Qt.ItemDataRole.UserRole + 6
    Faces = Qt.ItemDataRole.UserRole + 7  # int, or None when not looked for yet
    HiddenData = Qt.ItemDataRole.UserRole + 8
    Error = Qt.ItemDataRole.UserRole + 9  # "" or why the file cannot be exported
    Size = Qt.ItemDataRole.UserRole + 10  # (width, height)
    Path = Qt.ItemDataRole.UserRole + 11
    Live = Qt.ItemDataRole.UserRole + 40  # bool: a Live Photo (its movie goes with this tile)
    Motion = Qt.ItemDataRole.UserRole + 41  # bool: a motion photo (a still with a short video inside)
    # Numbered apart from the roles above, so roles other features add next to them cannot collide.
    Video = Qt.ItemDataRole.UserRole + 20  # bool: an MP4/MOV video
    Duration = Qt.ItemDataRole.UserRole + 21  # "0:12" for a video that says how long it plays, else ""
    Tile = Qt.ItemDataRole.UserRole + 50  # Tile: everything the grid's delegate paints, in one call




@dataclass(frozen=True, slots=True)
class Tile:
    """What the grid paints for one photo. One call to the model per cell, where asking role by role
    made eleven (each a crossing from Qt into Python and a row lookup), for every cell of every frame."""

    name: str
    thumbnail: QPixmap | None = None  # None while it loads, and for a file that is not a picture
    allowed: bool = False  # the effective decision for the current recipient
    own: bool = False  # the photo has its own decision (it does not follow its album)
    error: str = ""  # why the file cannot be exported ("" when it can)
    readable: bool = True  # the file was read (it has a fingerprint), so it can carry a decision
    has_location: bool = False
    faces: int = 0
    hidden: bool = False  # carries hidden data
    video: bool = False
    duration: str = ""  # "0:12", or "" when the video does not say (or it is not a video)
    live: bool = False
    motion: bool = False


# Roles that depend on the recipient's consent: what a consent change re-signals.
CONSENT_ROLES = [int(Roles.Allowed), int(Roles.Decision), int(Qt.ItemDataRole.ToolTipRole), int(Roles.Tile)]
FACE_ROLES = [int(Roles.Faces), int(Qt.ItemDataRole.ToolTipRole), int(Roles.Tile)]


class PhotoModel(QAbstractListModel):
    def __init__(
        self,
        service: LibraryService,
        recipient: str,
        loader: ThumbnailLoader | None = None,
        parent: QObject | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.recipient = recipient
        self.loader = loader
        self.runner = runner  # None: no reading ahead, every page is read when first painted
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._rows: OrderedDict[int, GalleryRow] = OrderedDict()
        self._generation = 0  # bumped when cached rows may be stale; pages read before are dropped
        self._page: int | None = None  # the page asked for last (None: none since a refresh)
        self._ahead: set[tuple[int, int]] = set()  # (generation, first row) of pages being read ahead
        if loader is not None:
            loader.thumbnail_ready.connect(self._thumbnail_ready)

    # -- Qt model API ---------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's idiom
        return 0 if parent.isValid() else len(self._ids)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._ids) or index.column() != 0:
            return None
        file_id = self._ids[index.row()]
        if role == Roles.FileId:
            return file_id
        row = self._row(index.row())
        if row is None:
            return None
        if role == Roles.Tile:
            return self._tile(file_id, row)
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        if role == Roles.Fingerprint:
            return row.fingerprint
        if role == Roles.Thumbnail:
            return self._thumbnail(file_id, row)
        if role == Roles.Allowed:
            return row.allowed
        if role == Roles.Decision:
            return str(Decision.from_flag(row.own))
        if role == Roles.HasLocation:
            return row.has_location
        if role == Roles.Faces:
            return row.faces
        if role == Roles.HiddenData:
            return row.has_hidden_data
        if role == Roles.Error:
            return row.error
        if role == Roles.Size:
            return (row.width, row.height)
        if role == Roles.Path:
            return str(row.path)
        if role == Roles.Live:
            return row.live
        if role == Roles.Motion:
            return row.motion
        if role == Roles.Video:
            return row.video
        if role == Roles.Duration:
            return _duration(row)
        return None

    def _thumbnail(self, file_id: int, row: GalleryRow) -> QPixmap | None:
        if self.loader is None or row.state != "photo":
            return None
        return self.loader.pixmap(file_id, row.fingerprint, row.path)

    def _tile(self, file_id: int, row: GalleryRow) -> Tile:
        return Tile(
            name=row.name,
            thumbnail=self._thumbnail(file_id, row),
            allowed=row.allowed,
            own=row.own is not None,
            error=row.error,
            readable=bool(row.fingerprint),
            has_location=row.has_location,
            faces=row.faces or 0,
            hidden=row.has_hidden_data,
            video=row.video,
            duration=_duration(row),
            live=row.live,
            motion=row.motion,
        )

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        for r in Roles:
            names[int(r)] = r.name.encode()
        return names

    # -- rows -----------------------------------------------------------------------------------------

    def _row(self, row: int) -> GalleryRow | None:
        if row // PAGE != self._page:
            self._entered(row // PAGE)
        file_id = self._ids[row]
        hit = self._rows.get(file_id)
        if hit is not None:
            self._rows.move_to_end(file_id)
            return hit
        # Fetch the page around this row: painting one row means its neighbours are about to be painted.
        start = (row // PAGE) * PAGE
        page = [i for i in self._ids[start : start + PAGE] if i not in self._rows]
        self._keep(self.service.gallery_rows(page, self.recipient))
        return self._rows.get(file_id)

    def _keep(self, fetched: dict[int, GalleryRow]) -> None:
        for fid, found in fetched.items():
            if fid not in self._rows:
                self._rows[fid] = found
        while len(self._rows) > ROW_CACHE:
            self._rows.popitem(last=False)

    def _entered(self, page: int) -> None:
        """A row of another page was asked for: when it is the next page of a scroll, read the pages
        after it in that direction, in a worker. After a jump (a far selection, the scroll bar dragged)
        nothing is read ahead: the pages around it may never be painted."""
        last, self._page = self._page, page
        runner, service, recipient, generation = self.runner, self.service, self.recipient, self._generation
        if runner is None or (last is not None and abs(page - last) != 1):
            return
        step = -1 if last is not None and page < last else 1
        for k in range(1, READ_AHEAD + 1):
            start = (page + k * step) * PAGE
            key = (generation, start)
            if not 0 <= start < len(self._ids) or key in self._ahead:
                continue
            wanted = [i for i in self._ids[start : start + PAGE] if i not in self._rows]
            if not wanted:
                continue
            self._ahead.add(key)
            runner.submit(
                partial(service.gallery_rows, wanted, recipient),
                key=key,
                pool="view",
                on_done=self._read_ahead_done,
                on_error=self._read_ahead_ended,
                on_cancel=self._read_ahead_ended,
            )

    def _read_ahead_done(self, key: object, fetched: object) -> None:
        self._read_ahead_ended(key)
        generation, _start = cast(tuple[int, int], key)
        if generation != self._generation:
            return  # read before a change the rows may not show yet: never painted
        rows = cast(dict[int, GalleryRow], fetched)
        self._keep({fid: r for fid, r in rows.items() if fid in self._row_of})

    def _read_ahead_ended(self, key: object, *_why: object) -> None:
        # A page that failed is read again on the GUI thread when painted, with its error shown there.
        self._ahead.discard(cast(tuple[int, int], key))

    def row_data(self, file_id: int) -> GalleryRow | None:
        row = self._row_of.get(file_id)
        return None if row is None else self._row(row)

    def _tooltip(self, row: GalleryRow) -> str:
        lines = [row.name]
        if row.state == "photo":
            who = self.recipient
            # The same words as the pane; which rule decided is the pane's and Why?'s to say in full.
            how = " (you decided this photo)" if row.own is not None else " (it follows its album)"
            lines.append((f"Shared with {who}" if row.allowed else f"Private from {who}") + how)
            if row.video:
                length = f", {duration_text(row.duration)}" if row.duration is not None else ""
                lines.append(f"Video{length}")
            if row.width:
                lines.append(f"{row.width}×{row.height}")
            if row.has_location:
                lines.append("Has a location")
            if row.faces:
                lines.append(f"{row.faces} face{'s' if row.faces != 1 else ''} in the picture")
            if row.has_hidden_data:
                lines.append("Carries hidden data: the preview says what")
            if row.live:
                lines.append("Live Photo: its movie leaves with it only if the policy sends the movie too")
            if row.motion:
                lines.append(MOTION_TIP)
        if row.error:
            lines.append(f"{plain_error(row.error)} {WITHHELD}")
        return "\n".join(lines)

    def file_ids(self) -> list[int]:
        return list(self._ids)

    def file_id_at(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, file_id: int) -> int | None:
        return self._row_of.get(file_id)

    # -- changes --------------------------------------------------------------------------------------

    def set_ids(self, ids: list[int]) -> None:
        """Show these file ids in this order. Pure additions or removals become row inserts/removes."""
        old = self._ids
        if ids == old:
            return
        if len(ids) > len(old) and ids[: len(old)] == old:
            # Rows added at the end (the first view, or an import's newest folder): one insertion, and
            # no pass in Python over the rows already shown (100,000 at the limit).
            start = len(old)
            self.beginInsertRows(QModelIndex(), start, len(ids) - 1)
            self._ids.extend(ids[start:])
            self._row_of.update(zip(ids[start:], range(start, len(ids)), strict=True))
            self.endInsertRows()
            return
        new_set = set(ids)
        old_set = set(old)
        if old_set <= new_set and [i for i in ids if i in old_set] == old:
            self._insert_runs(ids, old_set)
        elif new_set <= old_set and [i for i in old if i in new_set] == ids:
            self._remove_runs(new_set)
        else:
            self.beginResetModel()
            self._ids = list(ids)
            self._reindex()
            self.endResetModel()

    def _insert_runs(self, ids: list[int], old_set: set[int]) -> None:
        # Walk the new order; each maximal run of new ids is one insertion at its final position.
        row = 0
        n = len(ids)
        while row < n:
            if ids[row] in old_set:
                row += 1
                continue
            end = row
            while end < n and ids[end] not in old_set:
                end += 1
            self.beginInsertRows(QModelIndex(), row, end - 1)
            self._ids[row:row] = ids[row:end]
            self.endInsertRows()
            row = end
        self._reindex()

    def _remove_runs(self, keep: set[int]) -> None:
        row = len(self._ids) - 1
        while row >= 0:  # from the end, so earlier row numbers stay valid
            if self._ids[row] in keep:
                row -= 1
                continue
            end = row
            while row >= 0 and self._ids[row] not in keep:
                row -= 1
            self.beginRemoveRows(QModelIndex(), row + 1, end)
            del self._ids[row + 1 : end + 1]
            self.endRemoveRows()
        self._reindex()

    def _reindex(self) -> None:
        self._row_of = dict(zip(self._ids, range(len(self._ids)), strict=True))

    def set_recipient(self, recipient: str) -> None:
        """Another recipient: every row's consent roles change (the ids may too: see set_ids)."""
        self.recipient = recipient
        self.refresh_all()

    def _stale(self) -> None:
        """Cached rows are about to be dropped: pages read ahead until now are never shown, and the next
        painted row reads ahead again."""
        self._generation += 1
        self._page = None

    def refresh_all(self, roles: list[int] | None = None) -> None:
        self._stale()
        self._rows.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1), roles or [])

    def refresh_ids(self, file_ids: list[int], roles: list[int] | None = None) -> None:
        """Re-read these rows and signal exactly them (ids not shown are ignored)."""
        self._stale()  # a page read ahead before this may hold these rows as they were
        for fid in file_ids:
            self._rows.pop(fid, None)
        rows = sorted(r for r in (self._row_of.get(f) for f in file_ids) if r is not None)
        for r in rows:
            idx = self.index(r)
            self.dataChanged.emit(idx, idx, roles if roles is not None else CONSENT_ROLES)

    def _thumbnail_ready(self, file_id: int) -> None:
        row = self._row_of.get(file_id)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [int(Roles.Thumbnail), int(Roles.Tile)])


def _duration(row: GalleryRow) -> str:
    return duration_text(row.duration) if row.video and row.duration is not None else ""
