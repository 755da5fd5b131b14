# SPDX-License-Identifier: GPL-3.0-or-later
"""Pentax and Ricoh. Pentax notes start "AOC\\0" (IFD at 6) or "PENTAX \\0" (IFD at 10, offsets from the
note), followed by the byte order; Ricoh's Pentax-made bodies write "RICOH\\0II" with Pentax's tags;
older Ricoh notes ("Ricoh\\0" or "RICOH\\0") have their own table. Offsets of "AOC\\0" notes vary by model,
so the origin under which the values land inside the note is chosen. Fields: the body serial, an
internal serial (CameraInfo), the artist and copyright the owner set in the camera."""

from __future__ import annotations

import re
import struct

from core.metadata.makernotes.ifd import (
    Context,
    Field,
    NoteIfd,
    Spec,
    byte_order_at,
    field_of,
    fields,
    header_order,
    read_ifd,
)
from core.model.categories import Category

TAG_CAMERA_INFO = 0x0215

PENTAX = {
    0x0229: Spec("SerialNumber", serial="body"),
    0x022E: Spec("Artist", person="author"),
    0x022F: Spec("Copyright", category=Category.PEOPLE),
}
TAG_RICOH_SERIAL = 0x0005
INTERNAL = Spec("InternalSerialNumber", serial="internal")


def internal_serial(ifd: NoteIfd) -> list[Field]:
    """CameraInfo: five LONGs, the fifth an internal serial number."""
    e = ifd.entries.get(TAG_CAMERA_INFO)
    if e is None or e.type != 4 or e.count < 5 or len(e.raw) < 20:
        return []
    (n,) = struct.unpack(ifd.byte_order + "I", e.raw[16:20])
    found = field_of(f"0x{TAG_CAMERA_INFO:04x}.4", str(n) if n else "", INTERNAL)
    return [found] if found else []


def ricoh_serial(ifd: NoteIfd) -> list[Field]:
    """Ricoh's 0x0005: a printable serial (the camera's stamped one ends with its last 8 characters),
    otherwise an internal serial shown in hex."""
    e = ifd.entries.get(TAG_RICOH_SERIAL)
    if e is None or e.type not in (1, 2, 7) or not e.raw:
        return []
    if re.fullmatch(rb"[-\w ]+", e.raw):
        t = e.raw.decode("ascii")
        shown = f"({t[:-8]}){t[-8:]}" if len(t) > 8 else t
        found = field_of("0x0005", shown, Spec("SerialNumber", serial="body"))
    else:
        found = field_of("0x0005", e.raw.hex() if e.raw.strip(b"\x00") else "",
                         Spec("InternalSerialNumber", serial="internal"))
    return [found] if found else []


def is_ricoh_own(note: bytes) -> bool:
    return note[:6].lower() == b"ricoh\x00" and header_order(note[6:8]) is None


def parse(note: bytes, ctx: Context) -> list[Field]:
    tiff, own = -ctx.note_offset, 0
    if is_ricoh_own(note):
        bo = byte_order_at(note, 8, ctx.byte_order)
        return ricoh_serial(read_ifd(note, 8, bo, (tiff, own)))
    if note.startswith(b"PENTAX \x00"):
        start, mark, origins = 10, note[8:10], (own, tiff)
    elif note.startswith(b"RICOH\x00"):
        start, mark, origins = 8, note[6:8], (own, tiff)
    else:  # "AOC\0"
        start, mark, origins = 6, note[4:6], (tiff, own)
    bo = byte_order_at(note, start, header_order(mark) or ctx.byte_order)
    ifd = read_ifd(note, start, bo, origins)
    return fields(ifd, PENTAX) + internal_serial(ifd)
