# SPDX-License-Identifier: GPL-3.0-or-later
"""The album tree: "All photos", then each imported folder and its sub-folders, for one recipient.

Columns: the album (the folder's own name; the tree shows its parents) with its photo count (the count
covers sub-albums too), and its consent switch for the current recipient, drawn as a drop-down: "Shared"
/ "Private" when the album decides, "Same as album (now: Shared)" when it follows its parent, "Private
(not decided)" for an imported folder nobody decided, and "3 of 4 shared" when photos inside disagree.
"All photos" counts photos by content, like the status bar and the Share dialog (files in two albums
are one photo); its tooltip gives the number of files when that differs.
Data comes from ``LibraryService.album_states`` computed in a worker; ``set_states`` emits dataChanged
when the tree's shape is unchanged (a consent change) and resets it only when albums come or go.
Index internal ids are album ids (0 is "All photos"), so an index never points at a freed object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from core.library.consent import Decision, album_choice_words
from core.library.gallery import AlbumState
from gui.theme import tone

Index = QModelIndex | QPersistentModelIndex
ALL = 0  # internal id of the "All photos" row
NAME, CONSENT = 0, 1


class AlbumRoles(IntEnum):
    AlbumId = Qt.ItemDataRole.UserRole + 1  # None for "All photos"
    Decision = Qt.ItemDataRole.UserRole + 2  # own decision: allowed | denied | inherit
    Effective = Qt.ItemDataRole.UserRole + 3  # bool
    Mixed = Qt.ItemDataRole.UserRole + 4  # bool: some photos inside shared, some not
    Total = Qt.ItemDataRole.UserRole + 5  # live photo files, sub-albums included
    Shared = Qt.ItemDataRole.UserRole + 6  # of those, how many may leave


@dataclass
class _Node:
    id: int
    parent: int | None  # None only for top-level rows ("All photos" and each imported folder)
    name: str
    children: list[int] = field(default_factory=list)
    state: AlbumState | None = None
    total: int = 0
    shared: int = 0


class AlbumModel(QAbstractItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.recipient = ""
        self._nodes: dict[int, _Node] = {ALL: _Node(ALL, None, "All photos")}
        self._top: list[int] = [ALL]
        self.files = 0  # photo files in the library (a duplicate counts twice)

    # -- shape ----------------------------------------------------------------------------------------

    def set_states(
        self, states: list[AlbumState], recipient: str, photos: tuple[int, int] | None = None
    ) -> bool:
        """Show these states; True when the tree's shape changed (the model was reset).

        ``photos``: (shared, total) photos by content for "All photos" (else the sum of files)."""
        self.recipient = recipient
        nodes: dict[int, _Node] = {ALL: _Node(ALL, None, "All photos")}
        top = [ALL]
        for s in states:
            nodes[s.album_id] = _Node(s.album_id, s.parent_id, s.name, state=s)
        for s in states:
            if s.parent_id is not None and s.parent_id in nodes:
                nodes[s.parent_id].children.append(s.album_id)
            else:
                nodes[s.album_id].parent = None
                top.append(s.album_id)
        for node_id in reversed(list(nodes)):  # children come after parents (ordered by path)
            n = nodes[node_id]
            if n.state is not None:
                n.total += n.state.direct
                n.shared += n.state.allowed
                if n.parent is not None and n.parent in nodes:
                    nodes[n.parent].total += n.total
                    nodes[n.parent].shared += n.shared
        self.files = sum(nodes[t].total for t in top[1:])
        nodes[ALL].total = self.files
        nodes[ALL].shared = sum(nodes[t].shared for t in top[1:])
        if photos is not None:
            nodes[ALL].shared, nodes[ALL].total = photos
        same_shape = (
            top == self._top
            and all(
                k in self._nodes
                and self._nodes[k].children == n.children
                and self._nodes[k].parent == n.parent
                for k, n in nodes.items()
            )
            and len(nodes) == len(self._nodes)
        )
        if same_shape:
            self._nodes = nodes
            self._emit_all_changed(QModelIndex())
            return False
        self.beginResetModel()
        self._nodes, self._top = nodes, top
        self.endResetModel()
        return True

    def _emit_all_changed(self, parent: QModelIndex) -> None:
        rows = self.rowCount(parent)
        if rows:
            self.dataChanged.emit(self.index(0, 0, parent), self.index(rows - 1, CONSENT, parent))
            for r in range(rows):
                self._emit_all_changed(self.index(r, 0, parent))

    # -- Qt model API ---------------------------------------------------------------------------------

    def _children(self, parent: Index) -> list[int]:
        if not parent.isValid():
            return self._top
        node = self._nodes.get(int(parent.internalId()))
        return node.children if node else []

    def index(self, row: int, column: int = 0, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        kids = self._children(parent)
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if not (0 <= row < len(kids) and 0 <= column < 2):
            return QModelIndex()
        return self.createIndex(row, column, kids[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # noqa: B008 - also QObject.parent()
        if not index.isValid():
            return QModelIndex()
        node = self._nodes.get(int(index.internalId()))
        if node is None or node.parent is None:
            return QModelIndex()
        up = self._nodes[node.parent]
        siblings = self._top if up.parent is None else self._nodes[up.parent].children
        return self.createIndex(siblings.index(up.id), 0, up.id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children(parent))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "Album" if section == NAME else "Consent"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def node(self, index: Index) -> _Node | None:
        return self._nodes.get(int(index.internalId())) if index.isValid() else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        node = self.node(index)
        if node is None:
            return None
        s = node.state
        mixed = 0 < node.shared < node.total
        if role == AlbumRoles.AlbumId:
            return None if node.id == ALL else node.id
        if role == AlbumRoles.Decision:
            return str(Decision.from_flag(s.own)) if s else None
        if role == AlbumRoles.Effective:
            return s.effective if s else None
        if role == AlbumRoles.Mixed:
            return mixed
        if role == AlbumRoles.Total:
            return node.total
        if role == AlbumRoles.Shared:
            return node.shared
        if index.column() == NAME:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{node.name}  ({node.total})"
            if role == Qt.ItemDataRole.ToolTipRole:
                where = str(s.path) if s else "Every photo in the library"
                files = ""
                if s is None and self.files > node.total:
                    copies = self.files - node.total
                    files = f" in {self.files} files ({copies} duplicate{'s' if copies != 1 else ''})"
                return f"{where}\n{node.total} photos{files}, {node.shared} shared with {self.recipient}"
            if role == Qt.ItemDataRole.FontRole and node.id == ALL:
                f = QFont()
                f.setBold(True)
                return f
            return None
        # Consent column.
        if role == Qt.ItemDataRole.DisplayRole:
            return self.consent_text(node)
        if role == Qt.ItemDataRole.ForegroundRole and s is not None:
            if mixed:
                return None
            return tone("shared") if s.effective else tone("private")
        if role == Qt.ItemDataRole.ToolTipRole:
            if s is None:
                return f"{node.shared} of {node.total} photos shared with {self.recipient}"
            return (
                f"{self.consent_text(node)} — {node.shared} of {node.total} photos "
                f"shared with {self.recipient}."
                "\nClick (or press Space) to choose: shared, private, or the same as the album above."
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.consent_text(node)
        return None

    @staticmethod
    def consent_text(node: _Node) -> str:
        s = node.state
        if s is None:
            return f"{node.shared} of {node.total} shared"
        if 0 < node.shared < node.total:
            return f"{node.shared} of {node.total} shared"
        if s.own is not None:
            return "Shared" if s.effective else "Private"  # the menu's "Shared with …", said short
        # The menu's words for following the album above (or, for an imported folder, for no decision).
        return album_choice_words(Decision.INHERIT, "", top=s.parent_id is None, shared_now=s.effective)

    def index_of(self, album_id: int | None) -> QModelIndex:
        node_id = ALL if album_id is None else album_id
        node = self._nodes.get(node_id)
        if node is None:
            return QModelIndex()
        siblings = self._top if node.parent is None else self._nodes[node.parent].children
        return self.createIndex(siblings.index(node_id), 0, node_id)
