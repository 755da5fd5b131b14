# SPDX-License-Identifier: GPL-3.0-or-later
"""Rules every format handler applies the same way: which category a byte range holding several items
is filed under, and what the bytes after the end of an image are."""

from __future__ import annotations

from core.formats.base import Buffer
from core.model.categories import Category
from core.model.inventory import Item, Segment
from core.model.values import ByteSize

# Most sensitive first: a range holding one unknown item is unknown, one holding a location is location.
CATEGORY_PRIORITY = (
    Category.UNKNOWN, Category.LOCATION, Category.PEOPLE, Category.DEVICE, Category.TIME,
    Category.DESCRIPTION, Category.HIDDEN_MEDIA, Category.HISTORY, Category.TECHNICAL,
)


def segment_category(items: list[Item], default: Category = Category.TECHNICAL) -> Category:
    """One category for a byte range holding several items: the most sensitive one wins."""
    present = {i.category for i in items}
    for category in CATEGORY_PRIORITY:
        if category in present:
            return category
    return default


_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "Embedded JPEG image"),
    (0, b"\x89PNG\r\n\x1a\n", "Embedded PNG image"),
    (4, b"ftyp", "Embedded MP4/QuickTime/HEIF stream"),
    (0, b"RIFF", "Embedded RIFF (WebP/AVI/WAV) stream"),
    (0, b"GIF87a", "Embedded GIF image"),
    (0, b"GIF89a", "Embedded GIF image"),
    (0, b"PK\x03\x04", "Embedded ZIP archive"),
)


def classify_trailer(data: Buffer, start: int, end: int) -> tuple[Category, str]:
    """What the bytes in [start, end) after the end of an image are, by the stricter of the readings the
    handlers had: anything that is or holds a picture, a video or vendor media data (searched for in the
    whole range, not only at its start) is hidden media; everything else, zeros included, is unknown (the
    most sensitive category: nothing vouches for it). Never copied either way."""
    head = bytes(data[start : min(end, start + 16)])
    if data.find(b"SEFH", start, end) >= 0 or bytes(data[max(start, end - 4) : end]) == b"SEFT":
        return Category.HIDDEN_MEDIA, "Samsung trailer (SEF: may hold video, depth, edit data)"
    for at, magic, label in _MAGIC:
        if head[at : at + len(magic)] == magic:
            return Category.HIDDEN_MEDIA, label
    if data.find(b"\xff\xd8\xff", start, end) >= 0:
        return Category.HIDDEN_MEDIA, "Data holding an embedded JPEG image"
    if not bytes(data[start:end]).strip(b"\x00"):
        return Category.UNKNOWN, "Zero padding"
    return Category.UNKNOWN, "Unidentified data"


def trailer(data: Buffer, start: int, where: str, key: str, segment_name: str) -> tuple[Item, Segment]:
    """The item and segment for everything from ``start`` to the end of the file (never copied)."""
    size = len(data) - start
    category, what = classify_trailer(data, start, len(data))
    item = Item(category, "Data after the end of the image", f"{size} bytes: {what}", where, size, key,
                carriable=False, note="never copied into a clean file", datum=ByteSize(size))
    return item, Segment(start, size, segment_name, category)
