# SPDX-License-Identifier: GPL-3.0-or-later
"""Fujifilm (and GE): "FUJIFILM", then the IFD's offset (little-endian, from the note's start); always
little-endian. Carries an internal serial number (camera serial and manufacture date)."""

from __future__ import annotations

import struct

from core.metadata.makernotes.ifd import Context, Field, NoteError, Spec, fields, read_ifd

SPECS = {0x0010: Spec("InternalSerialNumber", serial="internal")}


def parse(note: bytes, ctx: Context) -> list[Field]:
    if len(note) < 12:
        raise NoteError("the Fujifilm maker note is too short")
    (start,) = struct.unpack("<I", note[8:12])
    return fields(read_ifd(note, start, "<", (0,)), SPECS)
