# SPDX-License-Identifier: GPL-3.0-or-later
"""The sample roll: deterministic, realistic metadata, imports cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.imaging.thumbnails import embedded_thumbnail
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


def test_twelve_photos_in_three_albums(roll: Path):
    files = sorted(p.relative_to(roll).as_posix() for p in roll.rglob("*.jpg"))
    assert len(files) == 12
    assert {f.split("/")[0] for f in files} == {"Paris", "Kyoto", "Iceland"}
    before = {p: p.stat().st_mtime_ns for p in roll.rglob("*.jpg")}
    make_sample_roll(roll, width=240, height=180)  # a second call keeps what is there
    assert {p: p.stat().st_mtime_ns for p in roll.rglob("*.jpg")} == before


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
        "files = glob.glob(str(folder) + '/*/*.jpg')\n"
        "print(len(files), sum(embedded_thumbnail(f) is not None for f in files))\n"
    )
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    total, with_thumb = map(int, out.stdout.split())
    assert total == len(SHOTS) and with_thumb == total
