# SPDX-License-Identifier: GPL-3.0-or-later
"""DJI drones: a bare IFD (offsets from the EXIF block's header) with the drone's make, speed and
attitude. It names no serial (DJI writes the drone's serial in XMP and EXIF), but the flight speed and
the gimbal's direction tell where the camera was going and looking, so they are shown."""

from __future__ import annotations

import struct

from core.metadata.exif.tags import ExifEntry
from core.metadata.exif.values import _float_text
from core.metadata.makernotes.ifd import Context, Field, Spec, byte_order_at, fields, read_ifd
from core.model.categories import Category


def real(e: ExifEntry, bo: str) -> str:
    if e.type != 11 or len(e.raw) != 4:
        return ""
    return _float_text(struct.unpack(bo + "f", e.raw)[0])


_LOC = Category.LOCATION
SPECS = {
    0x0003: Spec("SpeedX", real, _LOC),
    0x0004: Spec("SpeedY", real, _LOC),
    0x0005: Spec("SpeedZ", real, _LOC),
    0x000A: Spec("CameraYaw", real, _LOC),
}


def parse(note: bytes, ctx: Context) -> list[Field]:
    bo = byte_order_at(note, 0, ctx.byte_order)
    return fields(read_ifd(note, 0, bo, (-ctx.note_offset, 0)), SPECS)
