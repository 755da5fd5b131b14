# SPDX-License-Identifier: GPL-3.0-or-later
"""The one ICC profile-name reader (core.metadata.icc), over real and crafted profiles."""

from __future__ import annotations

import struct

import pytest
from PIL import ImageCms

from core.metadata.icc import icc_description, tag_text


def _profile(tag: bytes) -> bytes:
    # A 128-byte header, a one-entry tag table pointing at ``tag``.
    table = struct.pack(">I", 1) + struct.pack(">4sII", b"desc", 144, len(tag))
    return b"\0" * 128 + table + tag


def _desc_v2(text: bytes) -> bytes:
    return b"desc\0\0\0\0" + struct.pack(">I", len(text) + 1) + text + b"\0"


def _mluc_v4(text: str) -> bytes:
    body = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(body), 28) + body


@pytest.mark.parametrize(
    ("profile", "name"),
    [
        (_profile(_desc_v2(b"sRGB IEC61966-2.1")), "sRGB IEC61966-2.1"),
        (_profile(_mluc_v4("Display P3")), "Display P3"),
        (_profile(_desc_v2(b"  spaced \t out  ")), "spaced out"),
        (_profile(_desc_v2(b"x" * 300)), "x" * 100 + "… (300 characters)"),
        (_profile(b"curv\0\0\0\0"), ""),  # a desc entry holding another tag type
        (_profile(_desc_v2(b"cut"))[:-3], ""),  # the tag runs past the end of the profile
        (b"\0" * 100, ""),  # shorter than a header
        (b"\0" * 128 + b"\xff\xff\xff\xff", ""),  # an absurd tag count
    ],
)
def test_profile_names(profile: bytes, name: str) -> None:
    assert icc_description(profile) == name


def test_a_real_profile_from_littlecms() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert "sRGB" in icc_description(profile)


def test_every_text_a_tag_holds_is_read() -> None:
    # A v2 description's Unicode copy and every record of a v4 'mluc' can say what the first does not.
    uni = "DELL U2515H".encode("utf-16-be")
    v2 = _desc_v2(b"Monitor") + struct.pack(">II", 0, len(uni) // 2) + uni + bytes(70)
    assert tag_text(v2) == "Monitor | DELL U2515H"
    en, de = "Display".encode("utf-16-be"), "Büro-Monitor Anna".encode("utf-16-be")
    mluc = (b"mluc\0\0\0\0" + struct.pack(">II", 2, 12) + b"enUS" + struct.pack(">II", len(en), 40)
            + b"deDE" + struct.pack(">II", len(de), 40 + len(en)) + en + de)
    assert tag_text(mluc) == "Display | Büro-Monitor Anna"
    assert tag_text(b"text\0\0\0\0Copyright Apple Inc., 2022\0") == "Copyright Apple Inc., 2022"
    assert tag_text(b"curv\0\0\0\0\0\0\0\0") == ""
    assert tag_text(b"mluc\0\0\0\0" + struct.pack(">II", 5, 12)) == ""  # records past the end
