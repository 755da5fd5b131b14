# SPDX-License-Identifier: GPL-3.0-or-later
"""Panasonic (Lumix, and Leica bodies built on it): "Panasonic\\0\\0\\0", then an IFD with offsets from the
EXIF block's header. Besides the internal serial, lens type and serial and an accessory's serial, the
camera stores what its owner typed in: a baby's or pet's name, a title, the travel destination (country,
state, city, landmark) and the names of faces it recognised."""

from __future__ import annotations

import struct

from core.metadata.exif.values import _ascii
from core.metadata.makernotes.ifd import (
    Context,
    Field,
    NoteIfd,
    Spec,
    byte_order_at,
    field_of,
    fields,
    read_ifd,
)
from core.model.categories import Category

TAG_FACE_REC = 0x0061
_LOC = Category.LOCATION

SPECS = {
    0x0025: Spec("InternalSerialNumber", serial="internal"),
    0x0051: Spec("LensType"),
    0x0052: Spec("LensSerialNumber", serial="lens"),
    0x0054: Spec("AccessorySerialNumber", serial="accessory"),
    0x0065: Spec("Title", category=Category.DESCRIPTION),
    0x0066: Spec("BabyName", person="baby or pet"),
    0x0069: Spec("Country", category=_LOC),
    0x006B: Spec("State", category=_LOC),
    0x006D: Spec("City", category=_LOC),
    0x006F: Spec("Landmark", category=_LOC),
    0x0080: Spec("City2", category=_LOC),
}
# FaceRecInfo: a count, then one 48-byte record per face whose first 20 bytes are the name.
FACE_NAMES = ((4, "RecognizedFace1Name"), (52, "RecognizedFace2Name"), (100, "RecognizedFace3Name"))


def face_names(ifd: NoteIfd) -> list[Field]:
    e = ifd.entries.get(TAG_FACE_REC)
    if e is None or e.type not in (1, 7) or len(e.raw) < 2:
        return []
    (count,) = struct.unpack(ifd.byte_order + "H", e.raw[:2])
    out = []
    for at, name in FACE_NAMES[: min(count, len(FACE_NAMES))]:
        found = field_of(f"0x{TAG_FACE_REC:04x}.0x{at:04x}", _ascii(e.raw[at : at + 20]),
                         Spec(name, person="recognised face"))
        out += [found] if found else []
    return out


def parse(note: bytes, ctx: Context) -> list[Field]:
    bo = byte_order_at(note, 12, ctx.byte_order)
    ifd = read_ifd(note, 12, bo, (-ctx.note_offset, 0))
    return fields(ifd, SPECS) + face_names(ifd)
