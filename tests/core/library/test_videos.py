# SPDX-License-Identifier: GPL-3.0-or-later
"""Videos as items of the library: imported with their duration, shown in the gallery with a frame,
decided like photos, shared cleaned, counted by the exposure report; withheld under a policy that blurs
faces (faces in videos are not looked for yet); a video nothing decodes or a cut one fails alone."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.pipeline.preview import WITHHELD_VIDEO_FACES
from core.pipeline.preview_words import summary_of
from core.report.exposure import report_job
from tests.core import mp4_fixtures as fx
from tests.core.library.test_library import make_jpeg

av = pytest.importorskip("av")

META = "Meta cloud processing"


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Roll"
    make_jpeg(root / "photo.jpg", 1)
    fx.video_file(root / "clip.mp4", frames=30, size=(320, 240))  # 3 s; its sound runs a little longer
    (root / "rich.mov").write_bytes(fx.rich())
    return root


@pytest.fixture
def lib(tmp_path: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    yield service
    service.close()


def _rows(lib: LibraryService) -> dict[str, object]:
    ids = lib.gallery(META)
    return {row.name: row for row in lib.gallery_rows(ids, META).values()}


def test_a_video_is_in_the_gallery_with_its_duration_and_badges(lib: LibraryService, roll: Path) -> None:
    result = drive(lib.import_job([roll]))
    assert result.added == 3 and not result.unsupported and not result.problems
    rows = _rows(lib)
    clip, photo = rows["clip.mp4"], rows["photo.jpg"]
    assert clip.video and not clip.error and clip.has_location  # type: ignore[attr-defined]
    assert clip.duration == pytest.approx(3.0, abs=0.2)  # type: ignore[attr-defined]
    assert (clip.width, clip.height) == (320, 240)  # type: ignore[attr-defined]
    assert not photo.video and photo.duration is None  # type: ignore[attr-defined]
    assert rows["rich.mov"].has_hidden_data  # type: ignore[attr-defined]  # the GPS telemetry track
    # The gallery's filters take videos like photos.
    located = {r.name for r in lib.gallery_rows(lib.gallery(META, filter_name="location"), META).values()}
    assert {"clip.mp4", "rich.mov"} <= located
    fp = clip.fingerprint  # type: ignore[attr-defined]
    thumb = lib.thumbnail(fp, roll / "clip.mp4", 128)
    assert thumb is not None and (thumb.width, thumb.height) == (128, 96)  # from the 256-pixel one
    assert lib.thumbnail_cache.get(fp) is not None  # made once, in the photos' cache
    picture = lib.picture(fp, META, 512)
    assert picture.video and not picture.faces and (picture.width, picture.height) == (320, 240)
    # The face scan leaves videos alone: nothing to fail, nothing stored.
    faces = drive(lib.faces_job())
    assert faces.failed == 0 and fp not in faces.changed


def test_a_video_allowed_for_a_recipient_leaves_cleaned(
    lib: LibraryService, roll: Path, tmp_path: Path
) -> None:
    drive(lib.import_job([roll]))
    fp = lib.fingerprint_of(roll / "rich.mov")
    assert fp is not None
    preview = lib.preview_for(fp, META)
    assert not preview.error and preview.output_name.endswith(".mov")
    facts = summary_of(preview)
    assert facts[0].text == "the video, 64 × 48 pixels, with its sound"
    assert len(facts) == 1  # minimal: nothing but the video and sound themselves
    lib.decide_photos([fp], META, Decision.ALLOWED)
    assert [p.name for p, _ in lib.allowed_sources(META)] == ["rich.mov"]
    result = drive(lib.export_job(META, tmp_path / "out"))
    assert not result.withheld and len(result.exported) == 1  # type: ignore[attr-defined]
    [out] = [p for p in (tmp_path / "out").iterdir() if p.suffix == ".mov"]
    data = out.read_bytes()
    assert fx.CANARY not in data and fx.GPS_SAMPLE not in data
    original = (roll / "rich.mov").read_bytes()
    assert fx.track_samples(data) == fx.track_samples(original)
    assert fx.frames(data) == fx.frames(original)
    entry = lib.ledger_entries()[-1].data()
    assert entry["kind"] == "export" and [f["fingerprint"] for f in entry["files"]] == [fp]


def test_the_exposure_report_counts_what_a_video_tells(lib: LibraryService, roll: Path) -> None:
    drive(lib.import_job([roll]))
    original = lib.add_recipient("Archive", "original")
    lib.decide_photos([lib.fingerprint_of(roll / "clip.mp4") or ""], original.name, Decision.ALLOWED)
    report = drive(report_job(lib, original.name, namer=None))
    mine = report.mine
    assert mine.photos == 1
    assert mine.located == 1 and mine.positions[0] == pytest.approx((fx.LAT, fx.LON), abs=1e-3)
    assert mine.cameras == {"CANARY-Make CANARY-Model": 1}
    assert mine.dated == 1 and mine.first.startswith("2024-05-01")
    # The all-access side counts both videos' places (the photo's GPS has no longitude) and all times.
    assert report.all_access.located == 2 and report.all_access.invalid_positions == 1
    assert report.all_access.dated == 3
    # Faces in videos are never looked for: said so, not counted as photos "not analysed yet".
    assert mine.videos_not_searched == 1 and mine.faces_not_analysed == 0
    assert report.all_access.videos_not_searched == 2


def test_a_policy_that_blurs_faces_withholds_videos_in_the_library_share(
    lib: LibraryService, roll: Path, tmp_path: Path
) -> None:
    drive(lib.import_job([roll]))
    family = lib.add_recipient("Family", "blur-faces")
    video = lib.fingerprint_of(roll / "clip.mp4")
    assert video is not None
    lib.decide_album(lib.find_album("Roll").id, family.name, Decision.ALLOWED)  # type: ignore[union-attr]
    preview = lib.preview_for(video, family.name)
    assert preview.error == WITHHELD_VIDEO_FACES and not preview.leaves
    result = drive(lib.export_job(family.name, tmp_path / "out"))
    withheld = {Path(w.source).name: w.reason for w in result.withheld}  # type: ignore[attr-defined]
    assert withheld == {"clip.mp4": WITHHELD_VIDEO_FACES, "rich.mov": WITHHELD_VIDEO_FACES}
    assert not [p for p in (tmp_path / "out").iterdir() if p.suffix in (".mp4", ".mov")]
    # The same video leaves for a recipient whose policy keeps faces as they are.
    assert not lib.preview_for(video, META).error


def test_a_policy_that_blurs_faces_withholds_videos_on_the_command_line(
    roll: Path, tmp_path: Path, capsys, mem_keyring
) -> None:
    from core.cli.main import main

    out = tmp_path / "out"
    capsys.readouterr()
    code = main(["export", "--json", "--policy", "blur-faces", "--out", str(out), str(roll / "clip.mp4")])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and not doc["exported"]
    assert [w["reason"] for w in doc["withheld"]] == [WITHHELD_VIDEO_FACES]
    code = main(["preview", "--policy", "blur-faces", str(roll / "clip.mp4")])
    text = capsys.readouterr().out
    assert "Videos cannot have faces blurred yet" in text and "never be exported" not in text


def test_a_video_nothing_decodes_is_still_shared_and_a_cut_one_is_one_sentence(
    lib: LibraryService, roll: Path, tmp_path: Path, capsys
) -> None:
    (roll / "odd.mp4").write_bytes(fx.unknown_codec(fx.encoded("mp4")))
    whole = fx.encoded("mov")
    (roll / "cut.mov").write_bytes(whole[: len(whole) // 2])
    drive(lib.import_job([roll]))
    rows = _rows(lib)
    odd, cut = rows["odd.mp4"], rows["cut.mov"]
    assert odd.video and not odd.error  # type: ignore[attr-defined]
    assert lib.thumbnail(odd.fingerprint, roll / "odd.mp4", 128) is None  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="codec cannot be decoded"):
        lib.picture(odd.fingerprint)  # type: ignore[attr-defined]
    assert cut.error and "\n" not in cut.error and cut.error.count(". ") == 0  # type: ignore[attr-defined]
    assert "truncated" in cut.error  # type: ignore[attr-defined]
    lib.decide_album(lib.find_album("Roll").id, META, Decision.ALLOWED)  # type: ignore[union-attr]
    result = drive(lib.export_job(META, tmp_path / "out"))
    exported = {Path(e.source).name for e in result.exported}  # type: ignore[attr-defined]
    assert {"odd.mp4", "clip.mp4", "rich.mov", "photo.jpg"} == exported
    assert [(Path(w.source).name, w.reason) for w in result.withheld] == [  # type: ignore[attr-defined]
        ("cut.mov", cut.error)  # type: ignore[attr-defined]
    ]


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_a_shared_video_tells_exiftool_nothing(lib: LibraryService, roll: Path, tmp_path: Path) -> None:
    drive(lib.import_job([roll]))
    lib.decide_album(lib.find_album("Roll").id, META, Decision.ALLOWED)  # type: ignore[union-attr]
    drive(lib.export_job(META, tmp_path / "out"))
    for out in (tmp_path / "out").glob("*.mp4"):
        text = subprocess.run(
            ["exiftool", "-a", "-G1", "-ee", "-s", str(out)], capture_output=True, text=True, check=True
        ).stdout
        assert "CANARY" not in text and "GPSCoordinates" not in text and "48.8584" not in text


def test_videos_imported_before_durations_were_stored_get_theirs_at_the_next_scan(
    tmp_path: Path, roll: Path, mem_keyring
) -> None:
    import sqlite3

    from core.library import db as database

    home = tmp_path / "home"
    with LibraryService.open(home) as lib:
        drive(lib.import_job([roll]))
        path = lib.db.path
    # The library as the version before durations left it: no duration column.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE photos DROP COLUMN duration")
    conn.execute("ALTER TABLE photos DROP COLUMN motion")  # the version after it
    conn.execute(f"PRAGMA user_version = {database.MIGRATIONS.index(database._V5_VIDEO_DURATION)}")
    conn.commit()
    conn.close()
    with LibraryService.open(home) as lib:
        assert lib.db.version == len(database.MIGRATIONS)
        assert _rows(lib)["clip.mp4"].duration is None  # type: ignore[attr-defined]
        result = drive(lib.import_job([roll]))
        assert result.changed == 2 and result.unchanged == 1  # the two videos, read again; the photo not
        rows = _rows(lib)
        assert rows["clip.mp4"].duration == pytest.approx(3.0, abs=0.2)  # type: ignore[attr-defined]
        assert rows["rich.mov"].duration == pytest.approx(1.28, abs=0.05)  # type: ignore[attr-defined]
        assert drive(lib.import_job([roll])).unchanged == 3  # once only
