# SPDX-License-Identifier: GPL-3.0-or-later
"""The gallery queries the desktop app uses: ids per view, row data, album states, counts, faces, previews."""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.cli.main import main as cli_main
from core.imaging.faces import Face, to_upright
from core.imaging.rendering import Picture
from core.library import db as database
from core.library import gallery
from core.library.consent import Decision
from core.library.gallery import GALLERY_FILTERS
from core.library.service import LibraryService
from core.model.jobs import drive

META = "Meta cloud processing"


def make_jpeg(path: Path, shade: int, *, gps: bool = True, orientation: int = 1, size=(40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif: dict = {
        "0th": {piexif.ImageIFD.Make: b"GalleryCam", piexif.ImageIFD.Orientation: orientation},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 10:00:00"},
    }
    if gps:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"S",
            piexif.GPSIFD.GPSLatitude: ((33, 1), (51, 1), (0, 1)),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: ((151, 1), (12, 1), (0, 1)),
        }
    Image.new("RGB", size, (shade % 256, 90, 140)).save(path, "JPEG", exif=piexif.dump(exif))
    return path


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Photos"
    make_jpeg(root / "a_top.jpg", 1)
    make_jpeg(root / "Holidays" / "beach.jpg", 2)
    make_jpeg(root / "Holidays" / "2024" / "sunset.jpg", 3, gps=False)
    make_jpeg(root / "Family" / "dinner.jpg", 4)
    shutil.copy(root / "Holidays" / "beach.jpg", root / "Family" / "beach-copy.jpg")  # same content twice
    (root / "Family" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "notes.txt").write_text("not a photo")
    return root


@pytest.fixture
def lib(tmp_path: Path, roll: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([roll]))
    yield service
    service.close()


def album(lib: LibraryService, name: str) -> int:
    return lib.find_album(name).id


def names(lib: LibraryService, ids: list[int]) -> list[str]:
    rows = lib.gallery_rows(ids, META)
    return [rows[i].name for i in ids]


def test_schema_has_face_counts(lib: LibraryService):
    assert lib.db.version == len(database.MIGRATIONS) == 7
    cols = {r[1] for r in lib.db.conn.execute("PRAGMA table_info(photos)")}
    assert "faces" in cols
    # Version 3: folders that hold only the photos imported by themselves.
    assert "only_files" in {r[1] for r in lib.db.conn.execute("PRAGMA table_info(roots)")}
    # Version 5: how long each video plays.
    assert "duration" in cols
    # Version 6: which photos are motion photos.
    assert "motion" in cols


def test_ids_are_ordered_by_path_and_scoped_to_an_album_subtree(lib: LibraryService):
    everything = lib.gallery(META)
    paths = [str(lib.gallery_rows([i], META)[i].path) for i in everything]
    assert paths == sorted(paths)
    # A file that looks like a photo but cannot be read is listed (with its error); notes.txt is not.
    assert names(lib, everything) == [
        "beach-copy.jpg",
        "broken.jpg",
        "dinner.jpg",
        "sunset.jpg",  # Holidays/2024/... sorts before Holidays/beach.jpg
        "beach.jpg",
        "a_top.jpg",
    ]
    holidays = lib.gallery(META, album(lib, "Holidays"))
    assert names(lib, holidays) == ["sunset.jpg", "beach.jpg"]  # the sub-album 2024 is included
    assert names(lib, lib.gallery(META, album(lib, "Holidays/2024"))) == ["sunset.jpg"]


def test_filters(lib: LibraryService):
    assert set(GALLERY_FILTERS) == {"all", "shared", "not_shared", "location", "faces", "hidden", "errors"}
    assert "sunset.jpg" not in names(lib, lib.gallery(META, None, "location"))
    assert len(lib.gallery(META, None, "location")) == 4
    errors = lib.gallery(META, None, "errors")
    rows = lib.gallery_rows(errors, META)
    assert {r.name for r in rows.values()} == {"broken.jpg", "notes.txt"}
    assert all(r.error and not r.allowed for r in rows.values())
    assert lib.gallery(META, None, "faces") == []
    assert lib.gallery(META, None, "shared") == []
    assert len(lib.gallery(META, None, "not_shared")) == 6
    with pytest.raises(ValueError, match="unknown filter"):
        lib.gallery(META, None, "nope")


def test_rows_carry_what_the_grid_paints(lib: LibraryService):
    ids = lib.gallery(META)
    rows = lib.gallery_rows(ids, META)
    dinner = next(r for r in rows.values() if r.name == "dinner.jpg")
    assert (dinner.width, dinner.height, dinner.state, dinner.error) == (40, 30, "photo", "")
    assert dinner.has_location and dinner.faces is None and dinner.own is None and not dinner.allowed
    assert lib.gallery_rows([], META) == {}
    assert lib.gallery_rows([999_999], META) == {}


def test_consent_in_sql_agrees_with_explain_under_random_decisions(lib: LibraryService):
    lib.add_recipient("Family")
    albums = [a.id for a in lib.albums()]
    ids = lib.gallery(META)
    fps = sorted({r.fingerprint for r in lib.gallery_rows(ids, META).values() if r.fingerprint})
    rng = random.Random(7)
    choices = list(Decision)
    for step in range(25):
        for who in (META, "Family"):
            if rng.random() < 0.5:
                lib.decide_album(rng.choice(albums), who, rng.choice(choices))
            else:
                lib.decide_photos([rng.choice(fps)], who, rng.choice(choices))
            rows = lib.gallery_rows(ids, who)
            for r in rows.values():
                assert r.allowed == lib.explain(r.fingerprint, who).allowed, (step, who, r.name)
            shared = set(lib.gallery(who, None, "shared"))
            assert shared == {i for i, r in rows.items() if r.allowed}
            assert set(lib.gallery(who, None, "not_shared")) == set(ids) - shared
            n, m = lib.shared_count(who)
            assert (n, m) == (len(lib.allowed_sources(who)), len(fps))


def test_a_copy_in_a_shared_album_shares_the_photo_everywhere(lib: LibraryService):
    lib.decide_album(album(lib, "Family"), META, Decision.ALLOWED)
    rows = lib.gallery_rows(lib.gallery(META), META)
    beach = next(r for r in rows.values() if r.name == "beach.jpg")
    assert beach.allowed  # its copy in Family is allowed: the same photo leaves
    assert lib.file_ids_of([beach.fingerprint]) == sorted(
        i for i, r in rows.items() if r.fingerprint == beach.fingerprint
    )


def test_album_states_counts_and_overrides(lib: LibraryService):
    holidays = album(lib, "Holidays")
    lib.decide_album(holidays, META, Decision.ALLOWED)
    rows = lib.gallery_rows(lib.gallery(META, holidays), META)
    beach = next(r for r in rows.values() if r.name == "beach.jpg")
    lib.decide_photos([beach.fingerprint], META, Decision.DENIED)
    states = {s.name: s for s in lib.album_states(META)}
    h = states["Holidays"]
    assert (h.own, h.effective, h.direct, h.allowed, h.overrides) == (True, True, 1, 0, 1)
    sub = states["Holidays/2024"]
    assert (sub.own, sub.effective, sub.direct, sub.allowed, sub.overrides) == (None, True, 1, 1, 0)
    assert states["Family"].effective is False and states["Family"].direct == 3  # broken.jpg counts


def test_preview_for_matches_the_cli_json(lib: LibraryService, tmp_path: Path):
    lib.set_recipient_policy(META, "no-location")
    ids = lib.gallery(META)
    dinner = next(r for r in lib.gallery_rows(ids, META).values() if r.name == "dinner.jpg")
    preview = lib.preview_for(dinner.fingerprint, META)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(["preview", "--json", "--policy", "no-location", str(dinner.path)])
    doc = json.loads(out.getvalue())["files"][0]
    ours = preview.to_json()
    for key in ("leaves", "stays", "output_name", "pixels", "faces", "status"):
        assert ours[key] == doc[key], key
    assert any(i["category"] == "location" for i in doc["stays"])


def test_faces_are_counted_and_filtered(lib: LibraryService, monkeypatch):
    ids = lib.gallery(META)
    rows = lib.gallery_rows(ids, META)
    dinner = next(r for r in rows.values() if r.name == "dinner.jpg")
    found = {dinner.path: [Face(5, 5, 10, 10, 0.9), Face(20, 5, 8, 8, 0.8)]}
    from core.imaging import faces as face_module
    monkeypatch.setattr(face_module, "detector_status", lambda: None)

    def fake_job(paths, cancel=None):
        yield from ()
        return {Path(p): found.get(Path(p), []) for p in paths}

    monkeypatch.setattr(face_module, "detect_job", fake_job)
    result = drive(lib.faces_job())
    assert result.analysed == 4 and result.with_faces == 1 and not result.unavailable  # broken.jpg skipped
    assert names(lib, lib.gallery(META, None, "faces")) == ["dinner.jpg"]
    assert lib.gallery_rows([dinner.file_id], META)[dinner.file_id].faces == 2
    assert drive(lib.faces_job()).analysed == 0  # nothing left to analyse

    picture = lib.picture(dinner.fingerprint, META, 40)
    lib.add_manual_face(dinner.fingerprint, (30, 20, 38, 28), picture)
    assert lib.gallery_rows([dinner.file_id], META)[dinner.file_id].faces == 3
    kinds = [f.kind for f in lib.picture(dinner.fingerprint, META, 40).faces]
    assert kinds == ["detected", "detected", "manual"]
    lib.set_face_kept(dinner.fingerprint, 0, True)
    assert [f.kind for f in lib.picture(dinner.fingerprint, META, 40).faces][0] == "kept"
    lib.remove_manual_face(dinner.fingerprint, 0)
    assert lib.gallery_rows([dinner.file_id], META)[dinner.file_id].faces == 2


def test_faces_job_reports_a_missing_detector(lib: LibraryService, monkeypatch):
    from core.imaging import faces as face_module
    monkeypatch.setattr(face_module, "detector_status", lambda: "no face model")
    result = drive(lib.faces_job())
    assert result.unavailable == "no face model" and result.analysed == 0


@pytest.mark.parametrize("orientation", range(1, 9))
def test_picture_boxes_map_to_display_and_back(orientation: int):
    w, h = 400, 300
    upright = (h, w) if orientation >= 5 else (w, h)
    pic = Picture(upright[0] // 2, upright[1] // 2, b"", w, h, orientation)
    box = (40, 60, 120, 100)
    shown = pic.to_display(box)
    assert all(0 <= v <= max(upright) for v in shown)
    back = pic.to_stored(shown)
    assert all(abs(a - b) <= 2 for a, b in zip(back, box, strict=True)), (orientation, shown, back)
    x0, y0, x1, y1 = to_upright(box, orientation, w, h)
    assert (x1 - x0, y1 - y0) == ((40, 80) if orientation >= 5 else (80, 40))


def test_picture_is_upright_and_covers_faces_when_leaving(lib: LibraryService, tmp_path: Path, roll: Path):
    side = make_jpeg(roll / "side.jpg", 200, orientation=6, size=(60, 40))
    drive(lib.import_job([roll]))
    fp = lib.fingerprint_of(side)
    pic = lib.picture(fp, META, 100)
    assert (pic.width, pic.height) == (40, 60)  # stored 60×40, shown upright
    assert len(pic.rgb) == 40 * 60 * 3
    lib.set_recipient_policy(META, "blur-faces")
    lib.face_store.set_detected(fp, [Face(10, 10, 20, 20, 0.9)])
    plain = lib.picture(fp, META, 100)
    leaving = lib.picture(fp, META, 100, leaving=True)
    assert plain.faces[0].kind == "detected" and plain.rgb != b""
    assert leaving.rgb != plain.rgb or len(leaving.faces) == 1  # uniform image: covering may look the same


def test_thumbnails_come_as_rgb(lib: LibraryService):
    dinner = next(r for r in lib.gallery_rows(lib.gallery(META), META).values() if r.name == "dinner.jpg")
    pic = lib.thumbnail(dinner.fingerprint, dinner.path, 32)
    assert pic is not None and max(pic.width, pic.height) == 32 and len(pic.rgb) == pic.width * pic.height * 3
    assert lib.thumbnail(dinner.fingerprint, dinner.path, 32, embedded=True) is None  # none embedded


def test_a_view_is_listed_from_the_order_index_alone(tmp_path: Path) -> None:
    """The window's first paint waits for the whole view's ids (100,000 at the limit): SQLite must read
    them in order from the (state, path) index, never each row of the table, and start from the few
    Live Photo pairs rather than look one up per file."""
    lib = LibraryService.open(tmp_path / "home")
    plan = " | ".join(
        str(row[-1])
        for row in lib.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT f.id FROM files f WHERE f.state = 'photo'"
            + gallery._NOT_A_LIVE_MOVIE
            + " ORDER BY f.path"
        )
    )
    assert "COVERING INDEX files_state_path" in plan, plan
    assert "SCAN lp" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort: the index is the order
