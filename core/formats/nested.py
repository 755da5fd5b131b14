# SPDX-License-Identifier: GPL-3.0-or-later
"""Metadata inside embedded media: the EXIF/XMP of an MPF secondary image, of the EXIF and Photoshop
thumbnails, and the creation time, place and device of a motion-photo video.

Each finding is an item of its own, a *child* of its container: its key is ``{container key}/{own key}``
and its place says where it lives, so a person sees what the hidden picture or video tells, the exposure
report counts it, and a policy decides on it by its own category. Children are never carriable, and a
container that holds any is made not carriable either: a policy that keeps hidden media can never carry,
inside a thumbnail, the location it removes elsewhere.
"""

from __future__ import annotations

import re
import struct
from dataclasses import replace
from datetime import datetime, timedelta

from core.formats.base import Buffer
from core.metadata.exif import ExifResult
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from core.model.values import Coordinates, Datum, Moment

# Embedded pictures inside embedded pictures are read this deep (a thumbnail inside a secondary image).
MAX_DEPTH = 2
INSIDE = "inside {what}: never copied"


def _children(found: list[Item], container: str, what: str) -> list[Item]:
    out = []
    for item in found:
        if item.need is not Need.NONE or item.category in (Category.TECHNICAL, Category.FILE):
            continue  # the picture's own structure says nothing about anyone
        if item.category is Category.UNKNOWN and (item.bytes < 64 or item.value.startswith("Zero padding")):
            continue  # a marker or padding of the embedded picture: nothing a person could read
        out.append(replace(item, key=f"{container}/{item.key}", where=f"{what} · {item.where}",
                           carriable=False, note=INSIDE.format(what=what)))
    return out


def _has_metadata(raw: bytes, start: int) -> bool:
    """Whether an embedded JPEG has any segment before its tables other than JFIF and Adobe (most
    thumbnails have none: walking them would find nothing)."""
    at = start + 2
    for _ in range(64):
        if at + 4 > len(raw) or raw[at] != 0xFF:
            return True  # not the plain layout: let the walker judge
        marker = raw[at + 1]
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            return False  # tables or the frame: the metadata segments, if any, came before
        if marker not in (0xE0, 0xEE):
            return True
        at += 2 + int.from_bytes(raw[at + 2: at + 4], "big")
    return True


def is_child(item: Item) -> bool:
    """Whether ``item`` was found inside embedded media (its bytes are counted by its container)."""
    return item.note.startswith("inside ") and item.note.endswith(": never copied")


def picture_items(raw: bytes, container: str, what: str, depth: int) -> list[Item]:
    """The metadata items of an embedded JPEG (what a damaged one showed before its damage)."""
    start = raw.find(b"\xff\xd8\xff", 0, 64)
    if start < 0 or depth >= MAX_DEPTH or not _has_metadata(raw, start):
        return []
    from core.formats import jpeg  # the JPEG walker reads embedded pictures with this module

    try:
        found = jpeg.walk(raw[start:], depth + 1).items
    except ParseError as exc:
        found = list(exc.partial)
    return _children(found, container, what)


def with_thumbnail(items: list[Item], exif: ExifResult, depth: int = 0) -> list[Item]:
    """EXIF ``items`` with what the IFD1 thumbnail's own EXIF/XMP says placed after it."""
    if not exif.thumbnail:
        return items
    key = f"{exif.key_prefix}:IFD1:thumbnail"
    return with_children(items, key, picture_items(bytes(exif.thumbnail), key, "the EXIF thumbnail", depth))


def with_children(items: list[Item], container: str, children: list[Item]) -> list[Item]:
    """``items`` with ``children`` placed after their container, which can then no longer be carried."""
    if not children:
        return items
    out: list[Item] = []
    for item in items:
        if item.key == container:
            note = "holds metadata of its own (listed with it); never copied"
            out.append(replace(item, carriable=False, note=note))
            out.extend(children)
        else:
            out.append(item)
    return out if len(out) > len(items) else items + children


# --- the embedded video of a motion photo ---------------------------------------------------------------

_EPOCH_1904 = datetime(1904, 1, 1)
_VIDEO_KEYS: dict[str, tuple[Category, str]] = {
    "com.apple.quicktime.make": (Category.DEVICE, "Make"),
    "com.apple.quicktime.model": (Category.DEVICE, "Model"),
    "com.apple.quicktime.software": (Category.HISTORY, "Software"),
    "com.apple.quicktime.creationdate": (Category.TIME, "CreationDate"),
    "com.apple.quicktime.location.ISO6709": (Category.LOCATION, "GPSCoordinates"),
    "com.android.manufacturer": (Category.DEVICE, "Make"),
    "com.android.model": (Category.DEVICE, "Model"),
    "com.android.capture.fps": (Category.TECHNICAL, "CaptureFps"),
}
_UDTA: dict[bytes, tuple[Category, str]] = {
    b"\xa9xyz": (Category.LOCATION, "GPSCoordinates"),
    b"\xa9mak": (Category.DEVICE, "Make"),
    b"\xa9mod": (Category.DEVICE, "Model"),
    b"\xa9day": (Category.TIME, "ContentCreateDate"),
    b"\xa9swr": (Category.HISTORY, "Software"),
}
_MAX_BOXES = 2000
_MAX_MOOV = 1 << 24  # a phone clip's movie box is a few hundred kilobytes


def _boxes(data: Buffer, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, body start, end) of the boxes in [start, end); stops at the first malformed one."""
    out: list[tuple[bytes, int, int]] = []
    at = start
    while at + 8 <= end and len(out) < _MAX_BOXES:
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1 and at + 16 <= end:
            size, head = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            break
        out.append((kind, at + head, at + size))
        at += size
    return out


def _child(data: Buffer, boxes: list[tuple[bytes, int, int]], kind: bytes) -> tuple[bytes, int, int] | None:
    return next((b for b in boxes if b[0] == kind), None)


def iso6709(text: str) -> Coordinates | None:
    """ "+48.8584+002.2945+035.000/" -> Coordinates (ISO 6709 decimal degrees, as phones write them)."""
    match = re.match(r"\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?", text)
    if not match:
        return None
    alt = float(match.group(3)) if match.group(3) else None
    return Coordinates(float(match.group(1)), float(match.group(2)), alt)


def video_metadata(data: bytes) -> list[tuple[Category, str, str, Datum | None]]:
    """(category, tag, value, datum) of what an MP4/QuickTime stream says about its capture: the movie
    header's creation time, QuickTime/Android ``mdta`` keys (make, model, ISO 6709 location, creation
    date) and ``udta`` text atoms (©xyz, ©mak, ©mod, ©day). Best effort, never an exception.

    Kept minimal and in this one function: the MP4 handler's reader can replace it."""
    out: list[tuple[Category, str, str, Datum | None]] = []
    moov = _child(data, _boxes(data, 0, len(data)), b"moov")
    if moov is None:
        return out
    inner = _boxes(data, moov[1], moov[2])
    mvhd = _child(data, inner, b"mvhd")
    if mvhd is not None and mvhd[2] - mvhd[1] >= 12:
        version = data[mvhd[1]]
        seconds = (struct.unpack_from(">Q", data, mvhd[1] + 4)[0] if version == 1 and mvhd[2] - mvhd[1] >= 20
                   else struct.unpack_from(">I", data, mvhd[1] + 4)[0])
        if seconds:
            when = _EPOCH_1904 + timedelta(seconds=min(seconds, 10**10))
            out.append((Category.TIME, "CreateDate", when.strftime("%Y:%m:%d %H:%M:%S"), Moment(when)))
    udta = _child(data, inner, b"udta")
    if udta is not None:
        for kind, start, end in _boxes(data, udta[1], udta[2]):
            if kind in _UDTA and end - start > 4:
                length = struct.unpack_from(">H", data, start)[0]
                text = data[start + 4: min(end, start + 4 + length)].decode("utf-8", "replace").strip("\x00 ")
                category, tag = _UDTA[kind]
                if text:
                    out += _position(text) if category is Category.LOCATION else [(category, tag, text, None)]
    meta = _child(data, inner, b"meta")
    if meta is not None:
        out += _mdta(data, meta[1], meta[2])
    return out


def _mdta(data: bytes, start: int, end: int) -> list[tuple[Category, str, str, Datum | None]]:
    children = _boxes(data, start, end)
    if not children or children[0][0] not in (b"hdlr", b"keys", b"ilst"):
        children = _boxes(data, start + 4, end)  # a full box (QuickTime metas are not)
    keys_box, ilst = _child(data, children, b"keys"), _child(data, children, b"ilst")
    if keys_box is None or ilst is None or keys_box[2] - keys_box[1] < 8:
        return []
    names: list[str] = []
    at, count = keys_box[1] + 8, struct.unpack_from(">I", data, keys_box[1] + 4)[0]
    for _ in range(min(count, 256)):
        if at + 8 > keys_box[2]:
            break
        size = struct.unpack_from(">I", data, at)[0]
        if size < 8 or at + size > keys_box[2]:
            break
        names.append(data[at + 8: at + size].decode("utf-8", "replace"))
        at += size
    out: list[tuple[Category, str, str, Datum | None]] = []
    for kind, body, stop in _boxes(data, ilst[1], ilst[2]):
        index = int.from_bytes(kind, "big")
        if not 1 <= index <= len(names) or names[index - 1] not in _VIDEO_KEYS:
            continue
        value = _child(data, _boxes(data, body, stop), b"data")
        if value is None or value[2] - value[1] < 8:
            continue
        text = data[value[1] + 8: value[2]].decode("utf-8", "replace").strip("\x00 ")
        category, tag = _VIDEO_KEYS[names[index - 1]]
        if text:
            out += _position(text) if category is Category.LOCATION else [(category, tag, text, None)]
    return out


def _position(text: str) -> list[tuple[Category, str, str, Datum | None]]:
    """An ISO 6709 position as GPSLatitude and GPSLongitude (the names every reader of positions knows),
    or as the text it is when it does not parse."""
    where = iso6709(text)
    if where is None:
        return [(Category.LOCATION, "GPSCoordinates", text, None)]
    return [(Category.LOCATION, "GPSLatitude", f"{where.latitude:g}", where),
            (Category.LOCATION, "GPSLongitude", f"{where.longitude:g}", where)]


def video_items(data: Buffer, start: int, end: int, container: str, what: str) -> list[Item]:
    """The capture metadata of the video in [start, end) as children of ``container``."""
    try:
        # Only the movie box is copied out of the (mapped) file: the media data can be megabytes.
        moov = _child(data, _boxes(data, start, end), b"moov")
        size = moov[2] - moov[1] if moov is not None else 0
        found = []
        if moov is not None and size <= _MAX_MOOV:
            found = video_metadata(struct.pack(">I", 8 + size) + b"moov" + bytes(data[moov[1]: moov[2]]))
    except (struct.error, ValueError, OverflowError):
        found = []
    items = []
    seen: set[str] = set()
    for category, tag, value, datum in found:
        if tag in seen:
            continue
        seen.add(tag)
        items.append(Item(category, f"Video {tag}", value, f"{what} · MP4 metadata", len(value),
                          f"{container}/mp4:{tag}", carriable=False, note=INSIDE.format(what=what),
                          datum=datum))
    return items


__all__ = ["MAX_DEPTH", "is_child", "iso6709", "picture_items", "video_items", "video_metadata",
           "with_children", "with_thumbnail"]
