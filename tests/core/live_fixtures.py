# SPDX-License-Identifier: GPL-3.0-or-later
"""Live Photo halves for the tests: a JPEG or HEIC still whose Apple maker note carries the content
identifier (tag 0x0011), and a MOV encoded by PyAV whose movie-level ``meta``/``keys`` carries the same
identifier as ``com.apple.quicktime.content.identifier`` (plus a location and a make, to check that the
movie leaves clean). Built as an iPhone writes them, by the layouts ExifTool and Apple's QuickTime
documentation give."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.core import mp4_fixtures as fx
from tests.core.metadata.test_makernotes import _jpeg_with, ascii_entry, exif_with_note, ifd_bytes

IDENT = "8C3B2A19-4F5E-4D6C-9B7A-1E2D3C4B5A69"
OTHER = "0D9E8F7A-6B5C-4A3B-8C2D-1F0E9D8C7B6A"
MOVIE_PLACE = "+48.8584+002.2945+035.000/"
MOVIE_MAKE = "CANARY-LiveMake"


def apple_note(ident: str) -> bytes:
    head = b"Apple iOS\x00" + b"\x00\x01" + b"MM"
    entries = [(0x0001, 9, 1, struct.pack(">i", 14)), ascii_entry(0x0011, ident)]
    return head + ifd_bytes(entries, ">", len(head), 0)


def still_jpeg(path: Path, ident: str | None = IDENT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    from tests.core.jpeg_fixtures import base_jpeg

    data = _jpeg_with(exif_with_note("Apple", "iPhone 15 Pro", apple_note(ident))) if ident else base_jpeg()
    path.write_bytes(data)
    return path


def still_heic(path: Path, ident: str = IDENT) -> Path:
    from tests.core.heic_fixtures import real_heic

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(real_heic(exif_tiff=exif_with_note("Apple", "iPhone 15 Pro", apple_note(ident), bo=">")))
    return path


def movie_bytes(ident: str | None = IDENT, make: str = MOVIE_MAKE) -> bytes:
    """The muxer's MOV (moov after mdat, so a box appended to moov moves no sample) with an Apple
    ``meta`` box appended to ``moov``."""
    src = fx.plain("mov")
    moov = next(b for b in fx.walk(src) if b[0] == b"moov")
    assert moov[3] == len(src), "moov is expected last"
    keys = {"com.apple.quicktime.location.ISO6709": MOVIE_PLACE, "com.apple.quicktime.make": make}
    if ident:
        keys["com.apple.quicktime.content.identifier"] = ident
    return src[: moov[1]] + fx.box(b"moov", src[moov[1] + 8 : moov[3]], fx.apple_meta(keys))


def movie(path: Path, ident: str | None = IDENT, make: str = MOVIE_MAKE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(movie_bytes(ident, make))
    return path
