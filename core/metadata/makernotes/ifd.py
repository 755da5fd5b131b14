# SPDX-License-Identifier: GPL-3.0-or-later
"""The IFD walk maker notes share, and the field model their parsers return.

Most maker notes are one TIFF-style IFD (sometimes with a sub-IFD) after a maker header, but each maker
picks its own byte order and its own origin for value offsets (the maker note, an inner TIFF header, or
the EXIF block's TIFF header). Offsets here are always turned into positions inside the maker note's own
bytes, and a value is only read when it lies inside them: a note never makes us read elsewhere.

Anything malformed in what a parser needs raises ``NoteError``; the caller then shows the note as one
opaque block "that could not be read". Work is linear: one pass per IFD, entries capped.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.metadata.exif.tags import TYPE_SIZES, ExifEntry
from core.metadata.exif.values import _ascii, _numbers
from core.model.categories import Category
from core.model.values import Datum, PersonName, SerialNumber

MAX_NOTE_ENTRIES = 1024  # the largest real notes (Sony, Canon) hold a few hundred entries


class NoteError(Exception):
    """The maker note is not laid out as its maker documents it (or was damaged)."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a parser knows besides the note's bytes."""

    make: str  # IFD0 Make, as written
    model: str  # IFD0 Model, as written
    byte_order: str  # the EXIF block's ("<" or ">")
    note_offset: int  # where the note starts in the EXIF block (origin of TIFF-relative offsets)


@dataclass(frozen=True, slots=True)
class Field:
    """One value read from a maker note, with what it means."""

    path: str  # tag path inside the note, "0x000c" or "0x2010.0x0101": stable, part of the item key
    name: str  # ExifTool's tag name
    value: str
    category: Category
    datum: Datum | None = None


@dataclass(frozen=True, slots=True)
class NoteIfd:
    byte_order: str
    entries: dict[int, ExifEntry]  # tag -> entry; raw is b"" when the value lies outside the note
    start: int  # position of the directory in the note


def _count(note: bytes, start: int, bo: str) -> int:
    return int(struct.unpack(bo + "H", note[start : start + 2])[0])


def _plausible(note: bytes, start: int, bo: str) -> bool:
    n = _count(note, start, bo)
    if not 0 < n <= MAX_NOTE_ENTRIES or start + 2 + 12 * n > len(note):
        return False
    typ = struct.unpack(bo + "H", note[start + 4 : start + 6])[0]
    return typ in TYPE_SIZES


def byte_order_at(note: bytes, start: int, preferred: str) -> str:
    """The byte order an IFD at ``start`` is written in (makers differ from the EXIF block's)."""
    if start < 0 or start + 6 > len(note):
        raise NoteError(f"the maker note's directory at {start} lies outside its {len(note)} bytes")
    other = "<" if preferred == ">" else ">"
    for bo in (preferred, other):
        if _plausible(note, start, bo):
            return bo
    raise NoteError("the maker note's directory has no plausible entry count")


def header_order(mark: bytes) -> str | None:
    """"II"/"MM" as a byte order, None for anything else."""
    return {b"II": "<", b"MM": ">"}.get(mark)


def _entries(note: bytes, start: int, bo: str, origin: int, label: str) -> tuple[dict[int, ExifEntry], int]:
    n = _count(note, start, bo)
    entries: dict[int, ExifEntry] = {}
    misses = copied = 0
    for i in range(n):
        pos = start + 2 + 12 * i
        tag, typ, count = struct.unpack(bo + "HHI", note[pos : pos + 8])
        unit = TYPE_SIZES.get(typ)
        if unit is None or tag in entries:
            continue  # a field we could not size or a repeat: never read, never shown
        length = unit * count
        if length <= 4:
            entries[tag] = ExifEntry(label, tag, typ, count, note[pos + 8 : pos + 8 + length], -1)
            continue
        (off,) = struct.unpack(bo + "I", note[pos + 8 : pos + 12])
        at = origin + off
        if length > len(note) or at < 0 or at + length > len(note):
            misses += 1
            entries[tag] = ExifEntry(label, tag, typ, count, b"", at)
        else:
            copied += length
            if copied > 2 * len(note) + 4096:
                # Real values do not overlap; many entries sharing one big value would make this quadratic.
                raise NoteError("the maker note's values overlap each other")
            entries[tag] = ExifEntry(label, tag, typ, count, note[at : at + length], at)
    return entries, misses


def read_ifd(note: bytes, start: int, bo: str, origins: tuple[int, ...], label: str = "MakerNote") -> NoteIfd:
    """The IFD at ``start`` (a position in ``note``). ``origins`` are where value offset 0 may lie, as
    positions in ``note`` (negative: before it, e.g. the TIFF header), the documented one first; some
    makers (Pentax, Samsung) switch between them by model, so the one under which every value lands
    inside the note wins. ExifTool does the same ("FixBase")."""
    if start < 0 or start + 2 > len(note):
        raise NoteError(f"the maker note's directory at {start} lies outside its {len(note)} bytes")
    n = _count(note, start, bo)
    if n == 0 or n > MAX_NOTE_ENTRIES or start + 2 + 12 * n > len(note):
        raise NoteError(f"the maker note's directory claims {n} entries that do not fit in it")
    best: tuple[dict[int, ExifEntry], int] | None = None
    for origin in origins:
        found = _entries(note, start, bo, origin, label)
        if best is None or found[1] < best[1]:
            best = found
        if found[1] == 0:
            break
    assert best is not None
    return NoteIfd(bo, best[0], start)


def sub_ifd(parent: NoteIfd, tag: int, origins: tuple[int, ...], note: bytes, label: str) -> NoteIfd | None:
    """A sub-IFD a parent entry points to: either an IFD offset (LONG/IFD type) or the IFD's own bytes
    (UNDEFINED, as older Olympus notes store it). None when the tag is absent."""
    e = parent.entries.get(tag)
    if e is None:
        return None
    if e.type in (4, 13) and e.count == 1 and len(e.raw) == 4:
        (off,) = struct.unpack(parent.byte_order + "I", e.raw)
        for origin in origins:
            at = origin + off
            if at != parent.start and 0 <= at < len(note) and _plausible(note, at, parent.byte_order):
                return read_ifd(note, at, parent.byte_order, origins, label)
        raise NoteError(f"the maker note's sub-directory 0x{tag:04x} points outside the note or back to it")
    if e.type == 7 and e.offset >= 0 and e.raw and e.offset != parent.start:
        return read_ifd(note, e.offset, parent.byte_order, origins, label)
    raise NoteError(f"the maker note's sub-directory 0x{tag:04x} is malformed")


# --- values ---------------------------------------------------------------------------------------------


def _value_bytes(e: ExifEntry) -> bytes:
    if e.count and not e.raw:
        raise NoteError(f"maker-note tag 0x{e.tag:04x} points outside the note")
    return e.raw


def text(e: ExifEntry, bo: str) -> str:
    """ASCII (or UNDEFINED holding text), trailing NULs and padding dropped."""
    return _ascii(_value_bytes(e))


def hex_text(e: ExifEntry, bo: str) -> str:
    raw = _value_bytes(e)
    return "" if not raw.strip(b"\x00") else raw.hex()


def integer(e: ExifEntry, bo: str) -> str:
    _value_bytes(e)
    nums = _numbers(e, bo)
    return str(nums[0]) if nums and isinstance(nums[0], int) else ""


Reader = Callable[[ExifEntry, str], str]


@dataclass(frozen=True, slots=True)
class Spec:
    """How to read one tag: ExifTool's name, a reader, and what the value is."""

    name: str
    read: Reader = text
    category: Category = Category.DEVICE
    serial: str = ""  # SerialNumber device ("body", "lens", "internal", ...) when the value is one
    person: str = ""  # PersonName role ("owner", ...) when the value names a person


def field_of(path: str, value: str, spec: Spec) -> Field | None:
    value = value.strip()
    if not value or (spec.serial and not value.strip("0 ")):
        return None  # an unset serial ("0", "0000") identifies nothing; ExifTool does not show it either
    datum: Datum | None = None
    category = spec.category
    if spec.serial:
        datum = SerialNumber(value, spec.serial)
    elif spec.person:
        datum, category = PersonName(value, spec.person), Category.PEOPLE
    return Field(path, spec.name, value, category, datum)


def fields(ifd: NoteIfd, specs: Mapping[int, Spec], prefix: str = "") -> list[Field]:
    """The fields of ``specs`` present in ``ifd``, in tag order; a present tag whose value lies outside
    the note raises (the note is damaged), a malformed value of the right size is simply empty."""
    out: list[Field] = []
    for tag in sorted(specs):
        e = ifd.entries.get(tag)
        if e is None:
            continue
        spec = specs[tag]
        try:
            value = spec.read(e, ifd.byte_order)
        except (struct.error, ValueError, IndexError):
            value = ""
        found = field_of(f"{prefix}0x{tag:04x}", value, spec)
        if found is not None:
            out.append(found)
    return out
