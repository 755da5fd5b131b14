# SPDX-License-Identifier: GPL-3.0-or-later
"""One sample file per format handler for the contract suite, each full of canaries ("CANARY...").

``rich(name)`` is the richest file the format's fixtures build (every leak vector, not always
decodable); ``decodable(name, exif_tiff)`` a small real picture carrying the given EXIF block, so that a
whole export (decode, clean, verify) runs on it. Tests get them through the ``format_sample`` fixture in
tests/conftest.py.
"""

from __future__ import annotations

import io

from tests.core import (
    avif_fixtures,
    exif_fixtures,
    gif_fixtures,
    heic_fixtures,
    jpeg_fixtures,
    mp4_fixtures,
    png_webp_fixtures,
)

CANARY = b"CANARY"


def rich(name: str) -> bytes:
    if name == "jpeg":
        return jpeg_fixtures.kitchen_sink()
    if name == "png":
        return png_webp_fixtures.rich_png()
    if name == "webp":
        return png_webp_fixtures.rich_webp()
    if name == "tiff":
        return exif_fixtures.canary_tiff()
    if name == "heic":
        return heic_fixtures.rich_heif()
    if name == "mp4":
        return mp4_fixtures.rich(co64=True)
    if name == "gif":
        return gif_fixtures.rich()
    if name == "avif":
        return avif_fixtures.rich()
    raise KeyError(name)


def decodable(name: str, exif_tiff: bytes) -> bytes:
    """A 24×16 picture of the format with ``exif_tiff`` as its EXIF (for TIFF: its own IFD0 holds the
    block's first IFD0 entry, the one under test)."""
    from PIL import Image

    if name == "heic":
        return heic_fixtures.real_heic(exif_tiff=exif_tiff)
    if name == "avif":
        return avif_fixtures.with_exif(exif_tiff)
    if name == "tiff":
        raise ValueError("build TIFF samples with exif_fixtures.canary_tiff(orientation=...)")
    image = png_webp_fixtures.pattern_image()
    out = io.BytesIO()
    fmt = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[name]
    image.save(out, fmt, exif=b"Exif\0\0" + exif_tiff)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).size == (24, 16)
    return data


def disguised_text(name: str) -> bytes:
    """Text that starts with the format's own signature, as a renamed or crafted file would."""
    head = {
        "jpeg": b"\xff\xd8\xff\xe0",
        "png": b"\x89PNG\r\n\x1a\n",
        "webp": b"RIFF\x40\x00\x00\x00WEBP",
        "tiff": b"II*\x00",
        "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
        "gif": b"GIF89a",
        "avif": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
    }[name]
    return head + b"Dear reader, this is a letter and not a photo at all.\n" * 8
