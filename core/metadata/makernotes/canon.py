# SPDX-License-Identifier: GPL-3.0-or-later
"""Canon: a bare IFD, offsets from the EXIF block's TIFF header. Carries the owner's name as set in the
camera, the body serial number (a number, printed by model as ExifTool does), the lens model, an internal
serial number, the lens serial number (LensInfo) and the image's unique ID."""

from __future__ import annotations

import re
import struct

from core.metadata.exif.tags import ExifEntry
from core.metadata.exif.values import _ascii
from core.metadata.makernotes.ifd import (
    Context,
    Field,
    Spec,
    byte_order_at,
    field_of,
    fields,
    hex_text,
    read_ifd,
)
from core.model.categories import Category

TAG_SERIAL = 0x000C
TAG_LENS_INFO = 0x4019

SPECS = {
    0x0009: Spec("OwnerName", person="owner"),
    0x0028: Spec("ImageUniqueID", hex_text, Category.HISTORY),
    0x0095: Spec("LensModel"),
}
TAG_INTERNAL = 0x0096
INTERNAL_SERIAL = Spec("InternalSerialNumber", serial="internal")
LENS_SERIAL = Spec("LensSerialNumber", serial="lens")
BODY_SERIAL = Spec("SerialNumber", serial="body")


def serial_text(e: ExifEntry, bo: str, model: str) -> str:
    if e.type != 4 or len(e.raw) != 4:
        return ""
    (n,) = struct.unpack(bo + "I", e.raw)
    if re.search(r"EOS D30\b", model):
        return f"{n >> 16:04x}{n & 0xFFFF:05d}"
    if "EOS-1D" in model:
        return f"{n:06d}"
    return f"{n:010d}"


def internal_serial(e: ExifEntry, model: str) -> str:
    """0x0096: the text itself (trailing 0xff padding dropped), or on EOS 5D bodies a record whose
    internal serial starts at byte 9."""
    raw = e.raw[9:] if re.search(r"EOS 5D", model) else e.raw
    return _ascii(raw.split(b"\x00", 1)[0].rstrip(b"\xff")) if e.type in (1, 2, 7) else ""


def parse(note: bytes, ctx: Context) -> list[Field]:
    bo = byte_order_at(note, 0, ctx.byte_order)
    ifd = read_ifd(note, 0, bo, (-ctx.note_offset, 0))
    out = fields(ifd, SPECS)
    internal = ifd.entries.get(TAG_INTERNAL)
    if internal is not None:
        found = field_of(f"0x{TAG_INTERNAL:04x}", internal_serial(internal, ctx.model), INTERNAL_SERIAL)
        out += [found] if found else []
    serial = ifd.entries.get(TAG_SERIAL)
    if serial is not None:
        found = field_of(f"0x{TAG_SERIAL:04x}", serial_text(serial, bo, ctx.model), BODY_SERIAL)
        out += [found] if found else []
    lens = ifd.entries.get(TAG_LENS_INFO)
    if lens is not None and lens.type in (1, 7) and len(lens.raw) >= 5:
        lens_serial = lens.raw[:5].hex() if lens.raw[:5].strip(b"\0") else ""
        found = field_of(f"0x{TAG_LENS_INFO:04x}.0x0000", lens_serial, LENS_SERIAL)
        out += [found] if found else []
    return out
