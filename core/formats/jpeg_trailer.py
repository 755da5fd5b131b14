# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything after a JPEG's end marker, none of which is ever copied: MPF secondary images (read for the
metadata inside them), a motion photo's MP4 video (checked against the XMP's pointers to it, cleaned as a
video by core.formats.motion only when the policy sends motion), Samsung SEF records, padding and unknown
trailers (core.formats.shared names them). Functions of the walker (core.formats.jpeg_walk), which calls
``trailer`` once it has met the end marker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.formats.nested import picture_items
from core.formats.shared import classify_trailer, trailer_value
from core.metadata.xmp_motion import MotionFields, motion_fields
from core.model.categories import Category
from core.model.inventory import Item, human_size

if TYPE_CHECKING:
    # Imported where a motion photo's video is met: it loads the MP4 reader, start-up every JPEG paid.
    from core.formats import motion
    from core.formats.jpeg_walk import Walker


def trailer(walker: Walker, eoi: int) -> None:
    n = len(walker.data)
    if eoi >= n:
        return
    where = "data after the JPEG end marker"
    ranges: list[tuple[int, int, str, Category, str]] = []
    for i, (off, size, attr) in enumerate(sorted(walker.mpf), start=1):
        if off < eoi or size <= 0 or off + size > n:
            continue
        if ranges and off < ranges[-1][0] + ranges[-1][1]:
            continue  # overlapping entries: the gap classifier below covers the rest
        kind = {0x030000: "", 0x010001: " (large thumbnail)", 0x010002: " (large thumbnail)",
                0x020001: " (panorama)", 0x020002: " (disparity/stereo)", 0x020003: " (multi-angle)"}
        label = kind.get(attr & 0x00FFFFFF, "")
        name = f"MPF secondary image {i}{label}"
        ranges.append((off, size, name, Category.HIDDEN_MEDIA, f"jpeg:mpf:{i}"))
    pos, k = eoi, 0
    for off, size, name, cat, key in ranges:
        if off > pos:
            k = gap(walker, pos, off, where, k)
        children = picture_items(bytes(walker.data[off: off + size]), key, name.replace("MPF", "the MPF"),
                                 walker.depth)
        trailer_item(walker, off, size, name, f"{name}: {human_size(size)}", cat, key, where, children)
        pos = off + size
    if pos < n:
        gap(walker, pos, n, where, k)
    if walker.video is not None:
        motion_video(walker, walker.video)


def motion_video(walker: Walker, video: motion.Embedded) -> None:
    """Check the XMP's pointers against where the video is; they leave with it, rewritten."""
    from core.formats import motion

    fields = motion_fields(walker.w.xmp) if walker.w.xmp is not None else MotionFields()
    found = motion.located(video, fields, len(walker.data))
    walker.w.motion = found
    if found.problem and not video.problem:
        walker.w.items = motion.with_problem(walker.w.items, found.problem)
    elif not found.problem:
        walker.w.items = motion.pointers(walker.w.items)


def gap(walker: Walker, start: int, end: int, where: str, k: int) -> int:
    data = walker.data
    size = end - start
    ftyp = data.find(b"ftyp", start, min(end, start + 1024 * 1024 * 64))
    if walker.video is None and ftyp >= start + 4 and data.find(b"\x00", ftyp - 4, ftyp) == ftyp - 4:
        mp4_start = ftyp - 4
        if mp4_start > start and bytes(data[end - 4 : end]) == b"SEFT":
            # Samsung's records before its MotionPhoto_Data video, named from the whole trailer.
            k += 1
            category, label = classify_trailer(data, start, end)
            trailer_item(walker, start, mp4_start - start, "Data after the end of the image",
                         trailer_value(label, mp4_start - start), category, f"jpeg:trailer:{k}",
                         where)
        elif mp4_start > start:
            k = gap(walker, start, mp4_start, where, k)
        from core.formats import motion

        walker.video = video = motion.read_video(data, mp4_start, end)
        walker.seg(mp4_start, video.end - mp4_start, "Motion-photo video (MP4)", motion.items(video, where))
        return gap(walker, video.end, end, where, k) if video.end < end else k
    k += 1
    key = f"jpeg:trailer:{k}"
    category, label = classify_trailer(data, start, end)
    trailer_item(walker, start, size, "Data after the end of the image", trailer_value(label, size),
                 category, key, where)
    return k


def trailer_item(walker: Walker, offset: int, size: int, name: str, value: str, category: Category, key: str,
                 where: str, children: list[Item] | None = None) -> None:
    item = Item(category, name, value, where, size, key, carriable=False,
                note="nothing after the end of the image is ever copied")
    walker.seg(offset, size, name, [item, *(children or [])])

