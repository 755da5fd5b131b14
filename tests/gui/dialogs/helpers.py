# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the dialog tests: generated JPEGs with EXIF, the preset recipient, album decisions."""

from __future__ import annotations

from pathlib import Path

import piexif
from PIL import Image

from core.library.consent import Decision
from core.library.service import LibraryService

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





def allow_album(service: LibraryService, name: str, recipient: str = META) -> None:
    service.decide_album(service.find_album(name).id, recipient, Decision.ALLOWED)
