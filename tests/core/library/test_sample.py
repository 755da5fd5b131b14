# SPDX-License-Identifier: GPL-3.0-or-later
"""The sample roll: deterministic, realistic metadata, imports cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.imaging.thumbnails import embedded_thumbnail
from core.library.consent import Decision
from core.library.sample import CREATOR, SHOTS, make_sample_roll, sample_photo
from core.model.categories import Category
from core.pipeline.inspection import inspect_path
from tests.oracle import exiftool_tags, needs_exiftool


@pytest.fixture(scope="module")
def roll(tmp_path_factory) -> Path:
    return make_sample_roll(tmp_path_factory.mktemp("sample") / "Sample roll", width=240, height=180)


def test_deterministic():
    assert sample_photo(SHOTS[0], 0, 120, 90) == sample_photo(SHOTS[0], 0, 120, 90)
    assert sample_photo(SHOTS[0], 0, 120, 90) != sample_photo(SHOTS[1], 1, 120, 90)


def test_twelve_photos_in_three_albums_and_a_phone_album(roll: Path):
    files = sorted(p.relative_to(roll).as_posix() for p in roll.rglob("*") if p.is_file())
    photos = [f for f in files if not f.startswith("Phone/")]
    assert len(photos) == 12 and all(f.endswith(".jpg") for f in photos)
    assert {f.split("/")[0] for f in photos} == {"Paris", "Kyoto", "Iceland"}
    assert sorted(f for f in files if f.startswith("Phone/")) == [
        "Phone/IMG_4001.JPG", "Phone/IMG_4001.MOV", "Phone/PXL_4002.MP.jpg", "Phone/VID_4003.mp4"]
    before = {p: p.stat().st_mtime_ns for p in roll.rglob("*")}
    make_sample_roll(roll, width=240, height=180)  # a second call keeps what is there
    assert {p: p.stat().st_mtime_ns for p in roll.rglob("*")} == before


def test_metadata_is_realistic(roll: Path):
    inv = inspect_path(roll / "Paris" / "IMG_1002.jpg")
    assert inv.ok and inv.format == "jpeg"
    cats = inv.categories()
    for cat in (Category.LOCATION, Category.TIME, Category.DEVICE, Category.PEOPLE, Category.HIDDEN_MEDIA):
        assert cat in cats
    values = {i.name: i.value for i in inv.items}
    assert values["SerialNumber"].startswith("PF8P")
    assert values["ImageDescription"] == "Picnic by the tower"
    assert any(CREATOR in i.value for i in inv.items if "creator" in i.name.lower())
    assert embedded_thumbnail(roll / "Paris" / "IMG_1002.jpg") is not None
    nowhere = inspect_path(roll / "Kyoto" / "IMG_2004.jpg")
    assert Category.LOCATION not in nowhere.categories()
    assert inspect_path(roll / "Paris" / "IMG_1004.jpg").orientation == 6


@needs_exiftool
def test_exiftool_reads_the_same(roll: Path):
    tags = exiftool_tags(roll / "Iceland" / "IMG_3001.jpg")
    flat = {k.split(":")[-1]: v for k, v in tags.items()}
    assert "64" in str(flat.get("GPSLatitude")) and flat.get("GPSLongitudeRef") in ("W", "West")
    assert flat.get("Creator") in (CREATOR, [CREATOR])
    assert flat.get("Model") == "Pixelfone 8 Pro"


def test_sample_roll_and_instant_thumbnails_need_no_piexif(tmp_path):
    """piexif is a test-only dependency: the app makes the sample roll and reads EXIF thumbnails
    without it."""
    import subprocess
    import sys

    code = (
        "import sys, glob; sys.modules['piexif'] = None\n"
        "from core.library.sample import make_sample_roll\n"
        "from core.imaging.thumbnails import embedded_thumbnail\n"
        f"folder = make_sample_roll({str(tmp_path / 'roll')!r})\n"
        "files = [f for f in glob.glob(str(folder) + '/*/*.jpg') if '/Phone/' not in f]\n"
        "print(len(files), sum(embedded_thumbnail(f) is not None for f in files))\n"
    )
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    total, with_thumb = map(int, out.stdout.split())
    assert total == len(SHOTS) and with_thumb == total


@pytest.mark.usefixtures("mem_keyring")
def test_the_phone_album_is_a_live_photo_a_motion_photo_and_a_video(roll: Path, tmp_path: Path) -> None:
    """What a camera roll holds besides photos, each found as the app finds a phone's: the Live Photo
    pairs on its identifier (one tile), the motion photo's video is found inside it, the video plays
    1.5 s; each carries a place (the movie and the videos their own), and a minimal export leaves none."""
    from core.library.sample_phone import LIVE_ID
    from core.library.service import LibraryService
    from core.model.jobs import drive
    from core.pipeline.pairs import content_identifier

    phone = roll / "Phone"
    assert content_identifier(inspect_path(phone / "IMG_4001.JPG")) == LIVE_ID
    assert content_identifier(inspect_path(phone / "IMG_4001.MOV")) == LIVE_ID
    for name in ("IMG_4001.MOV", "PXL_4002.MP.jpg", "VID_4003.mp4"):
        inv = inspect_path(phone / name)
        assert inv.ok and Category.LOCATION in inv.categories(), name
    assert any(i.key.startswith("motion") or "motion-photo video" in i.where
               for i in inspect_path(phone / "PXL_4002.MP.jpg").items)
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        rec = lib.recipients()[0].name
        rows = {r.name: r for r in lib.gallery_rows(lib.gallery(rec), rec).values()}
        assert "IMG_4001.MOV" not in rows and rows["IMG_4001.JPG"].live  # one tile for the pair
        assert rows["PXL_4002.MP.jpg"].motion and rows["VID_4003.mp4"].video
        assert rows["VID_4003.mp4"].duration == pytest.approx(1.5, abs=0.1)
        lib.add_recipient("Phone test", "minimal")
        lib.decide_album(lib.find_album("Phone").id, "Phone test", Decision.ALLOWED)
        result = drive(lib.export_job("Phone test", tmp_path / "out"))
    assert not result.withheld and len(result.exported) == 3  # minimal keeps no movie, nor motion
    for exported in result.exported:
        assert Category.LOCATION not in inspect_path(exported.output).categories(), exported.output


def test_without_a_video_encoder_the_phone_album_holds_what_needs_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where PyAV cannot encode H.264 the sample roll is still made: its twelve photos, and of the Phone
    album the still alone (a Live Photo's still without its movie is a photo like any other)."""
    from core.library import sample_phone

    def no_encoder(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("no H.264 encoder")  # what PyAV raises is an av.error; any error is handled

    monkeypatch.setattr(sample_phone, "encode_clip", no_encoder)
    roll = make_sample_roll(tmp_path / "roll", width=120, height=90)
    assert sorted(p.name for p in (roll / "Phone").iterdir()) == ["IMG_4001.JPG"]
    assert len([p for p in roll.rglob("*.jpg") if p.parent.name != "Phone"]) == 12
