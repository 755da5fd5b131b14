# SPDX-License-Identifier: GPL-3.0-or-later
"""Over the shared corpus of real files: no opaque block is only a size, and embedded media is opened."""

from __future__ import annotations

import re

from core.pipeline.inspection import inspect_path
from tests.oracle import corpus_files, needs_corpus

_ONLY_A_SIZE = re.compile(r"^[\d,.]+ (bytes|B|KB|MB)$")


@needs_corpus
def test_no_unknown_block_or_trailer_is_only_a_size() -> None:
    bare = []
    for path in corpus_files():
        inventory = inspect_path(path)
        for item in inventory.items:
            trailer = item.name == "Data after the end of the image"
            if (item.category.value == "unknown" or trailer) and _ONLY_A_SIZE.match(item.value):
                bare.append(f"{path.name}: {item.name} = {item.value}")
            assert not item.value.startswith("Unidentified data:"), (path.name, item.value)
            assert "\x00" not in item.value, (path.name, item.name)
    assert not bare, bare


@needs_corpus
def test_real_vendor_segments_and_nested_media_are_read() -> None:
    by_name = {p.name: p for p in corpus_files()}
    exiftool = inspect_path(by_name["ExifTool.jpg"]).items  # ExifTool's own sample of many vendors
    names = {i.name for i in exiftool}
    assert {"Media Jukebox People", "CIFF Camera make and model", "Content Credentials (C2PA)"} <= names
    mpo = inspect_path(by_name["frozenpond.mpo"]).items  # a Nintendo 3DS stereo pair
    assert any(i.key.startswith("jpeg:mpf:1/") and i.value == "Nintendo 3DS" for i in mpo)
