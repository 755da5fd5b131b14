# SPDX-License-Identifier: GPL-3.0-or-later
"""Motion photos in the library: known as such from the import (no file is read again to paint a tile),
carried through the gallery rows; a library from before is read again once, only where one can be; the
pane's sentence says the photo holds a short video and whether the recipient's policy sends it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.library import db as database
from core.library.service import LibraryService
from core.model.jobs import drive
from core.pipeline.preview_words import motion_photo_words
from tests.core import motion_fixtures as mo
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")

META = "Meta cloud processing"


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Roll"
    make_jpeg(root / "plain.jpg", 1)
    (root / "google.jpg").write_bytes(mo.google())
    (root / "samsung.jpg").write_bytes(mo.samsung())
    (root / "pixel.heic").write_bytes(mo.heic())
    return root


def _rows(lib: LibraryService) -> dict[str, object]:
    return {row.name: row for row in lib.gallery_rows(lib.gallery(META), META).values()}


def test_a_motion_photo_is_recorded_at_import_and_its_gallery_row_says_so(
    tmp_path: Path, roll: Path, mem_keyring
) -> None:
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        rows = _rows(lib)
        motion = {name: row.motion for name, row in rows.items()}  # type: ignore[attr-defined]
        assert motion == {"plain.jpg": False, "google.jpg": True, "samsung.jpg": True, "pixel.heic": True}
        record = lib.ctx.photos.get(lib.fingerprint_of(roll / "google.jpg") or "")
        assert record is not None and record.motion and not record.live_id


def test_photos_imported_before_motion_was_stored_are_read_again_once(
    tmp_path: Path, roll: Path, mem_keyring
) -> None:
    home = tmp_path / "home"
    with LibraryService.open(home) as lib:
        drive(lib.import_job([roll]))
        path = lib.db.path
    # The library as the version before left it: no motion column.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE photos DROP COLUMN motion")
    conn.execute(f"PRAGMA user_version = {database.MIGRATIONS.index(database._V6_MOTION_PHOTOS)}")
    conn.commit()
    conn.close()
    with LibraryService.open(home) as lib:
        assert lib.db.version == len(database.MIGRATIONS)
        assert not any(row.motion for row in _rows(lib).values())  # type: ignore[attr-defined]
        result = drive(lib.import_job([roll]))
        # Only photos with hidden data can be motion photos: those three are read again, the plain one not.
        assert result.changed == 3 and result.unchanged == 1
        assert {n for n, r in _rows(lib).items() if r.motion} == {  # type: ignore[attr-defined]
            "google.jpg", "samsung.jpg", "pixel.heic"}
        assert drive(lib.import_job([roll])).unchanged == 4  # once only


def test_the_sentence_says_the_photo_holds_a_video_and_whether_it_leaves(
    tmp_path: Path, roll: Path, mem_keyring
) -> None:
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "moving"\nmotion = "keep"\n')
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        lib.add_recipient("Friends", str(policy))
        lib.add_recipient("Archive", "original")
        google = lib.fingerprint_of(roll / "google.jpg") or ""
        stays = motion_photo_words(lib.preview_for(google, META), META)
        assert stays == ("This photo holds a short video (a motion photo), which the policy for Meta cloud "
                         "processing keeps on this device: only the still is sent.")
        leaves = motion_photo_words(lib.preview_for(google, "Friends"), "Friends")
        assert leaves == ("This photo holds a short video (a motion photo), which the policy for Friends "
                          "sends with it, cleaned.")
        archive = motion_photo_words(lib.preview_for(google, "Archive"), "Archive")
        assert archive.endswith("which the policy for Archive sends with it, as it is.")
        plain = lib.fingerprint_of(roll / "plain.jpg") or ""
        assert motion_photo_words(lib.preview_for(plain, "Friends"), "Friends") == ""
