# SPDX-License-Identifier: GPL-3.0-or-later
"""The photo grid on a 5,000-photo library: laid out without a pass over the rows, rows read from the
library a page at a time, and the cell arithmetic (hit testing, keys, rubber band, scrolling) right."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt

from core.library.service import LibraryService
from core.model.jobs import drive
from gui.models.photo_model import PAGE, PhotoModel
from gui.views.photo_delegate import CELL
from gui.views.photo_view import PhotoView
from tests.core.memkeyring import MemoryKeyring

META = "Meta cloud processing"
PHOTOS = 5000


@pytest.fixture(scope="module")
def big_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryService]:
    base = tmp_path_factory.mktemp("big")
    for i in range(PHOTOS):
        folder = base / "photos" / f"album-{i // 500:02d}"
        if i % 500 == 0:
            folder.mkdir(parents=True)
        Image.new("RGB", (8, 8), (i % 256, (i // 256) % 256, 7)).save(folder / f"IMG_{i:05d}.jpg", "JPEG")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    lib = LibraryService.open(base / "home")
    drive(lib.import_job([base / "photos"]))
    yield lib
    lib.close()
    keyring.set_keyring(previous)


class CountingModel(PhotoModel):
    """The grid's model, counting what the view asks of it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.row_counts = 0
        self.fetched: list[int] = []

    def rowCount(self, parent=None):
        self.row_counts += 1
        return super().rowCount() if parent is None else super().rowCount(parent)

    def _row(self, row: int):
        before = len(self._rows)
        found = super()._row(row)
        if len(self._rows) > before:
            self.fetched.append(row)
        return found


@pytest.fixture
def grid(qtbot, big_library: LibraryService) -> Iterator[tuple[PhotoView, CountingModel]]:
    model = CountingModel(big_library, META)
    view = PhotoView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(7 * CELL + 40, 4 * CELL)
    view.show()
    qtbot.waitExposed(view)
    model.set_ids(big_library.gallery(META))
    qtbot.wait(50)  # the delayed layout request and the first paint
    view.viewport().repaint()
    yield view, model


def test_the_grid_paints_without_visiting_every_row(grid):
    view, model = grid
    assert model.rowCount() == PHOTOS
    # Qt's list layouts ask the model for an index of every row, several times (30,000 calls here).
    assert model.row_counts < PHOTOS // 10
    # Only the pages of painted rows were read from the library, not the 5,000 rows.
    assert 0 < len(model._rows) <= 2 * PAGE
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "IMG_00000.jpg"


def test_scrolling_far_reads_only_the_pages_it_paints(grid):
    view, model = grid
    target = model.index(4321)
    view.scrollTo(target)
    view.viewport().repaint()
    assert view.viewport().rect().contains(view.visualRect(target))
    assert len(model._rows) <= 4 * PAGE
    assert all(row < 2 * PAGE or row // PAGE == 4321 // PAGE or abs(row - 4321) < 2 * PAGE
               for row in model.fetched)
    assert target.data(Qt.ItemDataRole.DisplayRole) == "IMG_04321.jpg"


def test_cells_hit_test_where_they_are_painted(grid):
    view, model = grid
    cols = view.columns()
    assert cols == 7  # the width holds 7 cells and a scroll bar, not 8
    view.scrollTo(model.index(700), view.ScrollHint.PositionAtTop)
    for row in (700, 701, 706, 707, 720):
        rect = view.visualRect(model.index(row))
        assert rect.size().width() == CELL and rect.height() == CELL
        assert rect.left() == (row % cols) * CELL
        assert view.indexAt(rect.center()).row() == row
    assert not view.indexAt(QPoint(cols * CELL + 5, 10)).isValid()  # right of the last column


def test_keys_move_by_cell_line_and_page(grid):
    view, model = grid
    cols = view.columns()
    view.setCurrentIndex(model.index(10))
    view.setFocus()

    def key(k: Qt.Key) -> int:
        from pytestqt.qtbot import QtBot

        QtBot.keyClick(view, k)
        return view.currentIndex().row()

    assert key(Qt.Key.Key_Right) == 11
    assert key(Qt.Key.Key_Down) == 11 + cols
    assert key(Qt.Key.Key_Up) == 11
    assert key(Qt.Key.Key_Left) == 10
    assert key(Qt.Key.Key_End) == PHOTOS - 1
    assert view.viewport().rect().intersects(view.visualRect(model.index(PHOTOS - 1)))
    assert key(Qt.Key.Key_Down) == PHOTOS - 1  # nothing below the last line
    assert key(Qt.Key.Key_Home) == 0
    assert key(Qt.Key.Key_PageDown) == (view.viewport().height() // CELL) * cols


def test_rubber_band_selects_the_cells_it_covers(grid):
    view, model = grid
    cols = view.columns()
    view.scrollTo(model.index(0), view.ScrollHint.PositionAtTop)
    # From the middle of cell (line 0, column 1) to the middle of cell (line 2, column 2).
    band = QRect(QPoint(CELL + CELL // 2, CELL // 2), QPoint(2 * CELL + CELL // 2, 2 * CELL + CELL // 2))
    view.setSelection(band, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    chosen = sorted(i.row() for i in view.selectionModel().selectedIndexes())
    assert chosen == [1, 2, cols + 1, cols + 2, 2 * cols + 1, 2 * cols + 2]
    # A band across whole lines is one range, however many rows it holds.
    view.setSelection(QRect(0, 0, cols * CELL, 3 * CELL), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert len(view.selectionModel().selection()) == 1
    assert len(view.selectionModel().selectedIndexes()) == 3 * cols


def test_scrolling_to_rows_inserted_just_now(qtbot, big_library: LibraryService):
    # The window selects and shows a photo right after its rows arrive, before Qt's delayed layout ran.
    model = PhotoModel(big_library, META)
    view = PhotoView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(5 * CELL, 3 * CELL)
    view.show()
    qtbot.waitExposed(view)
    model.set_ids(big_library.gallery(META))
    last = model.index(PHOTOS - 1)
    view.setCurrentIndex(last)
    view.scrollTo(last)
    assert view.viewport().rect().intersects(view.visualRect(last))
    assert view.indexAt(view.visualRect(last).center()) == last
