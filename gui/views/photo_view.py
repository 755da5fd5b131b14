# SPDX-License-Identifier: GPL-3.0-or-later
"""The photo grid view: square cells of one size, left to right and wrapped; keys for consent, never delete.

The layout is arithmetic: with one cell size, row ``r`` sits at column ``r % columns`` of grid line
``r // columns``, so the view never walks the rows. Qt's own list layouts do (one pass over every row
creating an item and asking the model for an index, several Python calls each): at 100,000 photos that
was a second before the first paint and again after every insertion or resize. Here painting, hit
testing, scrolling to a row, keyboard moves and rubber-band selection each cost what the visible cells
cost, whatever the size of the library. It stays a ``QListView`` for the accessibility interface and the
API the window uses; the list view's own layout is never run.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QRegion,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyleOptionRubberBand,
    QStyleOptionViewItem,
    QWidget,
)

from gui.views.photo_delegate import CELL, PhotoDelegate

Index = QModelIndex | QPersistentModelIndex
Move = QAbstractItemView.CursorAction


class PhotoView(QListView):
    toggle_requested = Signal()  # Space on a selection
    menu_requested = Signal(QPoint)  # global position
    open_requested = Signal()  # Enter or double-click: look at the current photo large

    def __init__(self, parent: QWidget | None = None, cell: int = CELL) -> None:
        super().__init__(parent)
        self.cell = cell
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Fixed)  # resizeEvent relays out at once (it is free)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(False)  # the band is painted here (the list view's needs its layout)
        self.setItemDelegate(PhotoDelegate(self, cell))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragEnabled(False)
        self.setAcceptDrops(False)  # the window takes drops (import), not the grid
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAccessibleName("Photos")
        # Said in the middle of an empty grid, so that a filter with no match is not a blank page.
        self.empty_text = ""
        self._band_from: QPoint | None = None  # rubber band start, in content coordinates
        self._band = QRect()  # in content coordinates

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        self.viewport().update()

    # -- geometry -------------------------------------------------------------------------------------

    def columns(self) -> int:
        return max(1, self.viewport().width() // self.cell)

    def _count(self) -> int:
        model = self.model()
        return model.rowCount(self.rootIndex()) if model is not None else 0

    def _content_rect(self, row: int) -> QRect:
        cols = self.columns()
        return QRect((row % cols) * self.cell, (row // cols) * self.cell, self.cell, self.cell)

    def rectForIndex(self, index: Index) -> QRect:
        if not index.isValid() or index.model() is not self.model():
            return QRect()
        return self._content_rect(index.row())

    def visualRect(self, index: Index) -> QRect:
        rect = self.rectForIndex(index)
        return rect.translated(0, -self.verticalOffset()) if rect.isValid() else rect

    def indexAt(self, point: QPoint) -> QModelIndex:
        x, y = point.x(), point.y() + self.verticalOffset()
        cols = self.columns()
        if x < 0 or y < 0 or x >= cols * self.cell:
            return QModelIndex()
        row = (y // self.cell) * cols + x // self.cell
        model = self.model()
        if model is None or row >= self._count():
            return QModelIndex()
        return model.index(row, 0, self.rootIndex())

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: Index) -> bool:
        return False

    def _content_height(self) -> int:
        lines = -(-self._count() // self.columns())
        return lines * self.cell

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, self._content_height() - page))
        bar.setPageStep(max(1, page))
        bar.setSingleStep(self.cell // 3)
        self.horizontalScrollBar().setRange(0, 0)
        QAbstractItemView.updateGeometries(self)  # not the list view's: it would ask for its layout

    def doItemsLayout(self) -> None:
        # Qt asks for a layout after model changes and resizes; with arithmetic cells it is the scroll
        # range and a repaint. QAbstractItemView's own version does that and clears the pending request.
        QAbstractItemView.doItemsLayout(self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        QAbstractItemView.resizeEvent(self, event)
        self.updateGeometries()
        self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().scroll(0, dy)

    def scrollTo(
        self, index: Index, hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible
    ) -> None:
        rect = self.rectForIndex(index)
        if not rect.isValid():
            return
        self.updateGeometries()  # rows inserted just now: the scroll range follows before scrolling in it
        bar, page = self.verticalScrollBar(), self.viewport().height()
        top = bar.value()
        Hint = QAbstractItemView.ScrollHint
        if hint == Hint.PositionAtTop:
            value = rect.top()
        elif hint == Hint.PositionAtBottom:
            value = rect.bottom() + 1 - page
        elif hint == Hint.PositionAtCenter:
            value = rect.center().y() - page // 2
        elif rect.top() < top:
            value = rect.top()
        elif rect.bottom() + 1 > top + page:
            value = rect.bottom() + 1 - page
        else:
            return
        bar.setValue(value)

    # -- keyboard and selection -----------------------------------------------------------------------

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        model, n = self.model(), self._count()
        if model is None or n == 0:
            return QModelIndex()
        current = self.currentIndex()
        if not current.isValid():
            return model.index(0, 0, self.rootIndex())
        row, cols = current.row(), self.columns()
        page = max(1, self.viewport().height() // self.cell) * cols
        target = {
            Move.MoveUp: row - cols,
            Move.MoveDown: row + cols,
            Move.MoveLeft: row - 1,
            Move.MoveRight: row + 1,
            Move.MovePrevious: row - 1,
            Move.MoveNext: row + 1,
            Move.MoveHome: 0,
            Move.MoveEnd: n - 1,
            Move.MovePageUp: row - page,
            Move.MovePageDown: row + page,
        }.get(action, row)
        if action in (Move.MoveUp, Move.MoveDown) and not 0 <= target < n:
            # Down from the last full line onto a shorter one lands on its last photo; otherwise stay.
            target = n - 1 if action == Move.MoveDown and row // cols < (n - 1) // cols else row
        return model.index(max(0, min(n - 1, target)), 0, self.rootIndex())

    def _rows_in(self, rect: QRect) -> list[tuple[int, int]]:
        """Runs of consecutive rows (first, last) whose cells meet ``rect`` (content coordinates)."""
        n, cols, cell = self._count(), self.columns(), self.cell
        rect = rect.normalized()
        if n == 0 or rect.right() < 0 or rect.bottom() < 0 or rect.left() >= cols * cell:
            return []
        c0, c1 = max(0, rect.left()) // cell, min(cols * cell - 1, rect.right()) // cell
        l0, l1 = max(0, rect.top()) // cell, rect.bottom() // cell
        runs: list[tuple[int, int]] = []
        if c0 == 0 and c1 == cols - 1:  # whole lines: one run
            first, last = l0 * cols, min(n - 1, (l1 + 1) * cols - 1)
            return [(first, last)] if first <= last else []
        for line in range(l0, l1 + 1):
            first, last = line * cols + c0, min(n - 1, line * cols + c1)
            if first > last:
                break
            runs.append((first, last))
        return runs

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        model = self.model()
        selection = QItemSelection()
        if model is not None:
            root = self.rootIndex()
            content = rect.translated(0, self.verticalOffset())
            for first, last in self._rows_in(content):
                selection.select(model.index(first, 0, root), model.index(last, 0, root))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        top = self.verticalOffset()
        cols = self.columns()
        view_first = (top // self.cell) * cols
        view_last = ((top + self.viewport().height()) // self.cell + 1) * cols - 1
        for k in range(selection.size()):
            sel_range = selection.at(k)
            first, last = max(sel_range.top(), view_first), min(sel_range.bottom(), view_last)
            for row in range(first, last + 1):  # only what is on screen
                region = region.united(self.visualRect(self.model().index(row, 0, self.rootIndex())))
        return region

    # -- painting -------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        painter = QPainter(self.viewport())
        n = self._count()
        if model is not None and n:
            area = event.rect()
            top, cols, cell = self.verticalOffset(), self.columns(), self.cell
            first_line = max(0, (area.top() + top) // cell)
            last_line = (area.bottom() + top) // cell
            first, last = first_line * cols, min(n - 1, (last_line + 1) * cols - 1)
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            base_state = option.state
            selection = self.selectionModel()
            current = self.currentIndex()
            focus = self.hasFocus()
            delegate = self.itemDelegate()
            root = self.rootIndex()
            for row in range(first, last + 1):
                index = model.index(row, 0, root)
                option.rect = self.visualRect(index)
                state = base_state
                if selection.isSelected(index):
                    state |= QStyle.StateFlag.State_Selected
                if focus and index == current:
                    state |= QStyle.StateFlag.State_HasFocus
                option.state = state
                delegate.paint(painter, option, index)
        if self._band_from is not None and not self._band.isEmpty():
            band = QStyleOptionRubberBand()
            band.initFrom(self)
            band.shape = band.shape.Rectangle
            band.opaque = False
            band.rect = self._band.translated(0, -self.verticalOffset())
            self.style().drawControl(QStyle.ControlElement.CE_RubberBand, band, painter, self)
        if self.empty_text and model is not None and n == 0:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24), flags, self.empty_text)
        painter.end()

    # -- input ----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._band_from = event.position().toPoint() + QPoint(0, self.verticalOffset())
            self._band = QRect()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        if self._band_from is not None and self.state() == QAbstractItemView.State.DragSelectingState:
            old = self._band
            self._band = QRect(self._band_from, event.position().toPoint() + QPoint(0, self.verticalOffset()))
            self._band = self._band.normalized()
            shown = old.united(self._band).adjusted(-2, -2, 2, 2)
            self.viewport().update(shown.translated(0, -self.verticalOffset()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self._band_from is not None:
            shown = self._band.adjusted(-2, -2, 2, 2).translated(0, -self.verticalOffset())
            self._band_from, self._band = None, QRect()
            self.viewport().update(shown)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.toggle_requested.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            event.accept()  # nothing destructive happens from the keyboard: photos are never deleted
            return
        if event.key() == Qt.Key.Key_Menu:
            rect = self.visualRect(self.currentIndex())
            self.menu_requested.emit(self.viewport().mapToGlobal(rect.center()))
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.indexAt(event.position().toPoint()).isValid():
            self.open_requested.emit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(self.viewport().mapFromGlobal(event.globalPos()))
        if index.isValid() and not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        self.menu_requested.emit(event.globalPos())
