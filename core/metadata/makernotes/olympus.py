# SPDX-License-Identifier: GPL-3.0-or-later
"""Olympus and OM System. Old notes ("OLYMP\\0", also Epson) put an IFD at 8 with offsets from the EXIF
block's header; new ones ("OLYMPUS\\0II", "OM SYSTEM\\0...II") at 12 or 16 with offsets from the note. The
Equipment sub-IFD (0x2010) names the body serial, an internal serial, the lens model and serial, and the
serials of an extender and a flash."""

from __future__ import annotations

from core.metadata.makernotes.ifd import (
    Context,
    Field,
    Spec,
    byte_order_at,
    fields,
    header_order,
    read_ifd,
    sub_ifd,
)

TAG_EQUIPMENT = 0x2010

MAIN = {
    0x0404: Spec("SerialNumber", serial="body"),
    0x101A: Spec("SerialNumber", serial="body"),
}
EQUIPMENT = {
    0x0101: Spec("SerialNumber", serial="body"),
    0x0102: Spec("InternalSerialNumber", serial="internal"),
    0x0202: Spec("LensSerialNumber", serial="lens"),
    0x0203: Spec("LensModel"),
    0x0302: Spec("ExtenderSerialNumber", serial="extender"),
    0x1003: Spec("FlashSerialNumber", serial="flash"),
}


def parse(note: bytes, ctx: Context) -> list[Field]:
    origins: tuple[int, ...]
    if note.startswith(b"OM SYSTEM\x00"):
        start, mark, origins = 16, note[12:14], (0,)
    elif note.startswith(b"OLYMPUS\x00"):
        start, mark, origins = 12, note[8:10], (0,)
    else:
        start, mark, origins = 8, b"", (-ctx.note_offset, 0)
    bo = byte_order_at(note, start, header_order(mark) or ctx.byte_order)
    main = read_ifd(note, start, bo, origins)
    out = fields(main, MAIN)
    equipment = sub_ifd(main, TAG_EQUIPMENT, origins, note, "MakerNote.Equipment")
    if equipment is not None:
        out += fields(equipment, EQUIPMENT, f"0x{TAG_EQUIPMENT:04x}.")
    return out
