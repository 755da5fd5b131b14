# SPDX-License-Identifier: GPL-3.0-or-later
"""Metadata inside embedded media: the EXIF/XMP of an MPF secondary image, of the EXIF and Photoshop
thumbnails, and everything the MP4 handler finds in a motion-photo video.

Each finding is an item of its own, a *child* of its container: its key is ``{container key}/{own key}``
and its place says where it lives, so a person sees what the hidden picture or video tells, the exposure
report counts it, and a policy decides on it by its own category. A picture's children are never
carriable, and a picture that holds any is made not carriable either: a policy that keeps hidden media can
never carry, inside a thumbnail, the location it removes elsewhere. A motion photo's video is the exception:
it leaves only when the policy sends motion, cleaned by the MP4 handler, and its children leave (or stay)
with it, each by its own category.
"""

from __future__ import annotations

from dataclasses import replace

from core.metadata.exif import ExifResult
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError

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
    return item.note.startswith("inside ") and item.note.endswith((": never copied", "cleaned as a video"))


def picture_items(raw: bytes, container: str, what: str, depth: int) -> list[Item]:
    """The metadata items of an embedded JPEG (what a damaged one showed before its damage)."""
    start = raw.find(b"\xff\xd8\xff", 0, 64)
    if start < 0 or depth >= MAX_DEPTH or not _has_metadata(raw, start):
        return []
    from core.formats import jpeg_walk  # the JPEG walker reads embedded pictures with this module

    try:
        found = jpeg_walk.walk(raw[start:], depth + 1).items
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

INSIDE_VIDEO = "inside {what}: leaves only with it, cleaned as a video"


def video_items(found: list[Item], container: str, what: str) -> list[Item]:
    """The metadata items of an embedded video (what the MP4 handler's walk finds) as children of
    ``container``, each in its own category. Unlike a picture's, they can be carried: when the policy
    sends the motion, the video is cleaned by the MP4 handler under the same policy, and an item the
    handler can carry leaves inside it if its category does."""
    out = []
    for item in found:
        if item.need is not Need.NONE or item.category in (Category.TECHNICAL, Category.FILE):
            continue  # the video's structure and samples: checked as samples, said nothing about anyone
        note = (INSIDE_VIDEO if item.carriable else INSIDE).format(what=what)
        out.append(replace(item, key=f"{container}/{item.key}", where=f"{what} · {item.where}", note=note))
    return out


__all__ = ["MAX_DEPTH", "is_child", "picture_items", "video_items", "with_children", "with_thumbnail"]
