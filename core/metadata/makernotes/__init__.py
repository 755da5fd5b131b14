# SPDX-License-Identifier: GPL-3.0-or-later
"""Maker notes: what the camera maker's private block (EXIF tag 0x927c) says about the device and person.

A maker note is never carried into a clean file (its offsets break when moved), but a person must see
what it holds before deciding: body, lens and internal serial numbers, the owner's name, the lens model,
image and Live Photo identifiers. ``read_makernote`` tells the maker from the note's header (or the
camera's Make) and reads those fields with that maker's layout, one module per maker family (tag numbers
and layouts as ExifTool documents them). Google Pixel phones write no EXIF maker note (their HDR+ note is
in XMP); other makers' notes are shown as one opaque block.

Maker notes are hostile input: a parser reads only inside the note, caps its work, and anything out of
shape makes the whole note "could not be read" (``MakerNote.error``) instead of raising.
"""

from __future__ import annotations

import importlib
import struct
from collections.abc import Callable
from dataclasses import dataclass

from core.metadata.makernotes.ifd import Context, Field, NoteError

Parser = Callable[[bytes, Context], list[Field]]

# The module that reads each maker's layout, imported the first time a note of that maker is read: most
# photos carry one maker's note or none, and importing all of them is start-up every command pays.
PARSERS: dict[str, str] = {
    "Apple": "apple",
    "Canon": "canon",
    "DJI": "dji",
    "Fujifilm": "fujifilm",
    "Nikon": "nikon",
    "Olympus": "olympus",
    "OM System": "olympus",
    "Panasonic": "panasonic",
    "Pentax": "pentax",
    "Ricoh": "pentax",
    "Samsung": "samsung",
    "Sony": "sony",
}
# Headers of Sony's notes: telling the maker needs them before the Sony module is loaded.
SONY_HEADERS = (b"SONY DSC ", b"SONY CAM ", b"SONY MOBILE")


def parser_for(maker: str) -> Parser | None:
    module = PARSERS.get(maker)
    if module is None:
        return None
    parse: Parser = importlib.import_module(f"core.metadata.makernotes.{module}").parse
    return parse


@dataclass(frozen=True, slots=True)
class MakerNote:
    maker: str  # "Canon", "Apple", ... or the camera's make when no parser knows the note
    fields: tuple[Field, ...] = ()
    error: str = ""  # non-empty: the note could not be read (why); it stays one opaque block
    read: bool = False  # a parser for this maker read the note

    @property
    def serial(self) -> str:
        """The first body serial number found, for the note's one-line summary."""
        return next((f.value for f in self.fields if f.name == "SerialNumber"), "")


def maker_of(note: bytes, make: str) -> str:
    """Which maker's layout a note has: its header first (notes outlive a changed Make), then the Make."""
    upper = make.strip().upper()
    if note.startswith(b"Apple iOS\x00"):
        return "Apple"
    if note.startswith(b"Nikon\x00") or (upper.startswith("NIKON") and not note.startswith(b"Nikon")):
        return "Nikon"
    if note.startswith(b"OM SYSTEM\x00"):
        return "OM System"
    if note.startswith((b"OLYMP\x00", b"OLYMPUS\x00", b"EPSON\x00")):
        return "Olympus"
    if note.startswith((b"FUJIFILM", b"GENERALE")):
        return "Fujifilm"
    if note.startswith(b"Panasonic"):
        return "Panasonic"
    if note.startswith(SONY_HEADERS) or (
        upper.startswith("SONY") and not note.startswith((b"\x01\x00", b"SEMC"))
    ):
        return "Sony"
    if note.startswith((b"AOC\x00", b"PENTAX \x00")):
        return "Pentax"
    if note[:6].lower() == b"ricoh\x00":
        return "Ricoh"
    if upper.startswith("CANON"):
        return "Canon"
    if upper == "SAMSUNG":
        return "Samsung"
    if upper == "DJI" and not note.startswith(b"[ae_dbg_info:"):
        return "DJI"
    first = make.split(" ", 1)[0].strip()
    return first.capitalize() if first else "unknown maker"


def read_makernote(note: bytes, ctx: Context) -> MakerNote:
    """The note's fields; never raises: a note out of shape comes back with ``error`` and no fields."""
    maker = maker_of(note, ctx.make)
    parser = parser_for(maker)
    if parser is None:
        return MakerNote(maker)
    try:
        found = parser(note, ctx)
    except (NoteError, struct.error, IndexError, ValueError, OverflowError, UnicodeError) as exc:
        return MakerNote(maker, error=str(exc) or "its layout is damaged")
    unique = {f.path: f for f in found}
    return MakerNote(maker, tuple(unique.values()), read=True)


__all__ = ["Context", "Field", "MakerNote", "maker_of", "read_makernote"]
