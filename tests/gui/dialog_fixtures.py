# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures for the dialog tests: a real library in a temp home, generated JPEGs, memory keyring."""

from __future__ import annotations

from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.memkeyring import mem_keyring  # noqa: F401

META = "Meta cloud processing"


def make_jpeg(path: Path, shade: int = 0, *, gps: bool = True, size: tuple[int, int] = (40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif: dict = {
        "0th": {piexif.ImageIFD.Make: b"CanaryCam", piexif.ImageIFD.Model: b"Model 7"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 10:00:00"},
    }
    if gps:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (0, 1)),
        }
    Image.new("RGB", size, (shade % 256, 80, 120)).save(path, "JPEG", exif=piexif.dump(exif))
    return path


@pytest.fixture
def memory_keyring(mem_keyring):  # noqa: F811 - the shared in-memory backend, under this file's name
    return mem_keyring


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Photos"
    make_jpeg(root / "top.jpg", 1)
    make_jpeg(root / "Holidays" / "beach.jpg", 2)
    make_jpeg(root / "Holidays" / "sunset.jpg", 3, gps=False)
    make_jpeg(root / "Family" / "dinner.jpg", 4)
    return root


@pytest.fixture
def library(tmp_path: Path, roll: Path, memory_keyring):
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([roll]))
    yield service
    service.close()


def allow_album(service: LibraryService, name: str, recipient: str = META) -> None:
    service.decide_album(service.find_album(name).id, recipient, Decision.ALLOWED)
