# SPDX-License-Identifier: GPL-3.0-or-later
"""Apple (iPhone, iPad, Vision Pro): "Apple iOS\\0", a version, "MM", then an IFD whose offsets count
from the start of the note. Apple notes name no serial number; what identifies is the media-group UUID
that pairs a Live Photo with its video (and groups it with other files of the same capture), the burst
UUID and the image's unique ID."""

from __future__ import annotations

from core.metadata.makernotes.ifd import Context, Field, Spec, byte_order_at, fields, header_order, read_ifd
from core.model.categories import Category

HEADER = b"Apple iOS\x00"
_IDS = Category.HISTORY

SPECS = {
    0x000B: Spec("BurstUUID", category=_IDS),
    0x0011: Spec("MediaGroupUUID", category=_IDS),  # the Live Photo content identifier (formerly so named)
    0x0015: Spec("ImageUniqueID", category=_IDS),
}


def parse(note: bytes, ctx: Context) -> list[Field]:
    bo = byte_order_at(note, 14, header_order(note[12:14]) or ">")
    return fields(read_ifd(note, 14, bo, (0,)), SPECS)
