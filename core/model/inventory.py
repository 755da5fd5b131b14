# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything a file carries, itemised.

Two views of one file:
- ``segments`` partition the file: contiguous byte ranges from offset 0 to the file size, each with a
  category. They prove that every byte is accounted for; anything a parser cannot classify is a segment
  (and an item) in category ``unknown``.
- ``items`` are what a person reads: each metadata field with its category, name, readable value, where
  it lives and its size. Structural items (pixel data, tables) carry ``need`` so a policy never strips
  what the image needs to display.

Each item has a ``key`` that stays the same when a sanitizer carries the item into a cleaned file
(e.g. ``exif:GPS:0x0002``). The exporter uses keys to tell the sanitizer what may leave and to verify
that the cleaned file holds exactly that.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from core.model.categories import Category
from core.model.values import Datum


class Need(StrEnum):
    """Why an item may have to leave even when its category is removed."""

    NONE = ""
    PIXELS = "pixels"  # image data and the structure to decode it, and Orientation: always leaves
    DISPLAY = "display"  # colour profile and colour-space hints: leave unless `technical` is removed
    # A motion photo's video and the pointers to it: leave exactly when the policy keeps motion.
    MOTION = "motion"


@dataclass(frozen=True, slots=True)
class Item:
    category: Category
    name: str
    value: str
    where: str
    bytes: int
    key: str
    need: Need = Need.NONE
    # False when the sanitizer cannot carry this item into a clean file without risk (e.g. a MakerNote,
    # whose internal offsets break when moved). Such items stay on the device whatever the policy says.
    carriable: bool = True
    note: str = ""
    # What the value means, when the parser understands it (core.model.values); None for plain text.
    datum: Datum | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "category": str(self.category),
            "name": self.name,
            "value": self.value,
            "where": self.where,
            "bytes": self.bytes,
            "key": self.key,
        }
        if self.need:
            data["need"] = str(self.need)
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class Segment:
    offset: int
    length: int
    name: str
    category: Category


@dataclass(slots=True)
class Inventory:
    path: str
    format: str  # "jpeg", "png", "webp", "tiff", "heic", or "" when unknown
    size: int
    items: list[Item] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    error: str = ""  # non-empty: the file cannot be read or cleaned; it is never exported
    width: int = 0
    height: int = 0
    orientation: int = 1

    @property
    def ok(self) -> bool:
        return not self.error

    def accounted_bytes(self) -> int:
        return sum(s.length for s in self.segments)

    def categories(self) -> set[Category]:
        return {i.category for i in self.items}

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.path,
            "format": self.format,
            "status": "error" if self.error else "ok",
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "items": [i.to_json() for i in self.items],
            "segments": [
                {"offset": s.offset, "length": s.length, "name": s.name, "category": str(s.category)}
                for s in self.segments
            ],
        }
        if self.error:
            data["error"] = self.error
        return data


class ParseError(Exception):
    """The file is not what it claims to be, or is damaged: a message a person understands.

    ``partial`` holds the items read before the damage (e.g. the EXIF of a truncated camera JPEG): they
    are shown, marked as a partial read, and the file is still never exported."""

    def __init__(self, message: str = "", partial: Sequence[Item] = ()) -> None:
        super().__init__(message)
        self.partial: tuple[Item, ...] = tuple(partial)


def human_size(n: int) -> str:
    """Byte sizes as people read them (decimal units, like file managers)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as text a person (or a JSON document) can hold: file names that are not valid UTF-8 are
    kept internally as surrogate escapes, which no encoder accepts; show them with a replacement mark."""
    return os.fsencode(path).decode("utf-8", "replace")


def file_items(path: Path, size: int, mtime_iso: str) -> list[Item]:
    """What lives outside the image bytes: the name and the file's timestamp."""
    return [
        Item(Category.FILE, "File name", path.name, "file system", 0, "file:name"),
        Item(Category.FILE, "File modification time", mtime_iso, "file system", 0, "file:mtime"),
    ]
