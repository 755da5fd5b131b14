# SPDX-License-Identifier: GPL-3.0-or-later
"""qtmodeltester on every model of the main window, and the grid model's row bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from gui.models.album_model import CONSENT, AlbumModel, AlbumRoles
from gui.models.photo_model import CONSENT_ROLES, PhotoModel, Roles, Tile
from gui.views.photo_delegate import PhotoDelegate

META = "Meta cloud processing"


@pytest.fixture
def lib(tmp_path: Path, roll: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([roll]))
    yield service
    service.close()


def test_photo_model_passes_qtmodeltester(qtmodeltester, lib: LibraryService):
    model = PhotoModel(lib, META)
    model.set_ids(lib.gallery(META))
    qtmodeltester.check(model, force_py=True)
    ids = lib.gallery(META)
    model.set_ids(ids[::2])  # removals
    model.set_ids(ids)  # insertions in the middle
    model.set_ids(list(reversed(ids)))  # a reorder: a reset
    qtmodeltester.check(model, force_py=True)


def test_album_model_passes_qtmodeltester(qtmodeltester, lib: LibraryService):
    model = AlbumModel()
    model.set_states(lib.album_states(META), META)
    qtmodeltester.check(model, force_py=True)
    lib.decide_album(lib.find_album("Family").id, META, Decision.ALLOWED)
    model.set_states(lib.album_states(META), META)  # same shape: dataChanged only
    qtmodeltester.check(model, force_py=True)


def test_album_model_tree_counts_and_text(lib: LibraryService):
    model = AlbumModel()
    model.set_states(lib.album_states(META), META)
    everything = model.index(0, 0)
    assert (
        model.data(everything, AlbumRoles.AlbumId) is None and model.data(everything, AlbumRoles.Total) == 5
    )
    root = model.index(1, 0)
    assert model.data(root, AlbumRoles.Total) == 5  # sub-albums included
    kids = {
        model.node(model.index(r, 0, root)).name: model.index(r, 0, root) for r in range(model.rowCount(root))
    }
    assert set(kids) == {"Family", "Holidays"}
    assert model.data(kids["Holidays"], Qt.ItemDataRole.DisplayRole) == "Holidays  (2)"
    assert model.parent(kids["Family"]) == root
    assert model.index_of(model.data(kids["Family"], AlbumRoles.AlbumId)) == kids["Family"]
    assert model.data(kids["Family"].siblingAtColumn(CONSENT)) == "Same as album (now: Private)"


def test_set_ids_turns_additions_into_row_inserts(qtbot, lib: LibraryService):
    model = PhotoModel(lib, META)
    ids = lib.gallery(META)
    model.set_ids([ids[0], ids[3]])
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    resets: list[bool] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.modelReset.connect(lambda: resets.append(True))
    model.set_ids(ids)
    assert inserted == [(1, 2), (4, 4)] and not resets
    assert model.file_ids() == ids
    model.set_ids([ids[1], ids[4]])
    assert removed == [(2, 3), (0, 0)] and not resets
    assert [model.row_of(i) for i in (ids[1], ids[4])] == [0, 1]


def test_set_ids_appends_rows_at_the_end_in_one_insert(qtbot, lib: LibraryService):
    model = PhotoModel(lib, META)
    ids = lib.gallery(META)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.set_ids(ids[:2])
    model.set_ids(ids)
    assert inserted == [(0, 1), (2, len(ids) - 1)]
    assert [model.row_of(i) for i in ids] == list(range(len(ids)))
    assert model.file_ids() == ids and model.file_id_at(len(ids) - 1) == ids[-1]


def test_refresh_ids_signals_only_shown_rows_with_consent_roles(qtbot, lib: LibraryService):
    model = PhotoModel(lib, META)
    ids = lib.gallery(META)
    model.set_ids(ids)
    assert model.index(2).data(Roles.Allowed) is False
    fp = model.index(2).data(Roles.Fingerprint)
    lib.decide_photos([fp], META, Decision.ALLOWED)
    seen: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(lambda a, b, roles: seen.append((a.row(), b.row(), list(roles))))
    model.refresh_ids([ids[2], 999_999])
    assert seen == [(2, 2, CONSENT_ROLES)]
    assert model.index(2).data(Roles.Allowed) is True and model.index(2).data(Roles.Decision) == "allowed"


def test_model_data_for_badges_and_delegate_size(lib: LibraryService):
    model = PhotoModel(lib, META)
    model.set_ids(lib.gallery(META))
    idx = next(model.index(r) for r in range(model.rowCount()) if model.index(r).data() == "sunset.jpg")
    assert idx.data(Roles.HasLocation) is False and idx.data(Roles.Error) == ""
    assert idx.data(Roles.Size) == (40, 30) and idx.data(Roles.Thumbnail) is None  # no loader: no thumbnail
    assert "Private" in idx.data(Qt.ItemDataRole.ToolTipRole)
    assert model.data(QModelIndex(), Roles.FileId) is None
    assert PhotoDelegate().sizeHint(None, idx).width() == PhotoDelegate().cell


def test_a_tile_says_what_the_roles_say(lib: LibraryService):
    """The delegate paints from the Tile alone; every other reader asks role by role: both must agree,
    row for row, and a consent change reaches the tile too."""
    model = PhotoModel(lib, META)
    model.set_ids(lib.gallery(META))

    def check(idx: QModelIndex) -> Tile:
        tile = idx.data(Roles.Tile)
        assert isinstance(tile, Tile)
        assert tile.name == idx.data() and tile.allowed is idx.data(Roles.Allowed)
        assert tile.own is (idx.data(Roles.Decision) != "inherit")
        assert tile.error == idx.data(Roles.Error) and tile.readable is bool(idx.data(Roles.Fingerprint))
        assert tile.has_location is idx.data(Roles.HasLocation) and tile.hidden is idx.data(Roles.HiddenData)
        assert tile.faces == (idx.data(Roles.Faces) or 0)
        assert (tile.video, tile.duration) == (idx.data(Roles.Video), idx.data(Roles.Duration))
        assert (tile.live, tile.motion) == (idx.data(Roles.Live), idx.data(Roles.Motion))
        return tile

    tiles = [check(model.index(r)) for r in range(model.rowCount())]
    assert any(t.has_location for t in tiles) and not any(t.allowed for t in tiles)
    lib.decide_photos([model.index(0).data(Roles.Fingerprint)], META, Decision.ALLOWED)
    model.refresh_ids([model.file_id_at(0)])
    assert check(model.index(0)).allowed and check(model.index(0)).own
