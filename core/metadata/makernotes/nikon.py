# SPDX-License-Identifier: GPL-3.0-or-later
"""Nikon: type 3 notes ("Nikon\\0\\x02") hold a whole TIFF block after a 10-byte header, offsets from that
inner header; headerless notes (D1) are a bare IFD with offsets from the EXIF block's header; type 2
("Nikon\\0\\x01", early Coolpix) carries nothing that identifies. Fields: the body serial number (0x001d,
and 0x00a0 on Coolpix) and the lens (focal and aperture range)."""

from __future__ import annotations

import struct

from core.metadata.exif.tags import ExifEntry
from core.metadata.exif.values import _float_text, _numbers
from core.metadata.makernotes.ifd import (
    Context,
    Field,
    NoteError,
    Spec,
    byte_order_at,
    fields,
    header_order,
    read_ifd,
)


def lens_text(e: ExifEntry, bo: str) -> str:
    """Four rationals (min/max focal length, min/max f-number) as "17-35mm f/2.8"."""
    nums = _numbers(e, bo) if e.type == 5 and e.count == 4 else []
    vals = [v[0] / v[1] for v in nums if isinstance(v, tuple) and v[1]]
    if len(vals) != 4 or not vals[0]:
        return ""
    focal = _float_text(vals[0]) if vals[0] == vals[1] else f"{_float_text(vals[0])}-{_float_text(vals[1])}"
    f_no = _float_text(vals[2]) if vals[2] == vals[3] else f"{_float_text(vals[2])}-{_float_text(vals[3])}"
    return f"{focal}mm f/{f_no}"


SPECS = {
    0x001D: Spec("SerialNumber", serial="body"),
    0x0084: Spec("Lens", lens_text),
    0x00A0: Spec("SerialNumber", serial="body"),
}


def parse(note: bytes, ctx: Context) -> list[Field]:
    if note.startswith(b"Nikon\x00\x01"):
        return []
    if note.startswith(b"Nikon\x00\x02"):
        bo = header_order(note[10:12])
        if bo is None or len(note) < 18:
            raise NoteError("the Nikon maker note has no inner TIFF header")
        (first,) = struct.unpack(bo + "I", note[14:18])
        return fields(read_ifd(note, 10 + first, bo, (10,)), SPECS)
    bo = byte_order_at(note, 0, ctx.byte_order)
    return fields(read_ifd(note, 0, bo, (-ctx.note_offset, 0)), SPECS)
