# SPDX-License-Identifier: GPL-3.0-or-later
"""Samsung: phones and cameras write a bare IFD starting with MakerNoteVersion ("0100"); offsets are from
the EXIF block's header on some models and from the note on others, so the origin under which values
land inside the note is chosen. Cameras (NX) carry the body and lens serials; a face-recognition name may
be stored too. Older "STMN" notes (preview images) carry nothing that identifies."""

from __future__ import annotations

from core.metadata.makernotes.ifd import Context, Field, Spec, byte_order_at, fields, read_ifd

SPECS = {
    0x0123: Spec("FaceName", person="recognised face"),
    0xA002: Spec("SerialNumber", serial="body"),
    0xA005: Spec("InternalLensSerialNumber", serial="lens"),
}


def parse(note: bytes, ctx: Context) -> list[Field]:
    if note.startswith(b"STMN"):
        return []
    bo = byte_order_at(note, 0, ctx.byte_order)
    return fields(read_ifd(note, 0, bo, (-ctx.note_offset, 0)), SPECS)
