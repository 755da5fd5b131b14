# SPDX-License-Identifier: GPL-3.0-or-later
"""The inventory of a HEIF file: one item per group of HEIF items (core.formats.heic_roles), the
metadata items read (Exif, XMP, IPTC: the primary image's carried, another image's never), the colour
description, a motion photo's video, and every byte accounted for: one segment per structural box, and
``mdat``/``idat`` split along the item extents, with any byte no item refers to reported as unknown.

Used by the HEIC handler and by the AVIF handler (``parse_walked`` with ``carries_xmp``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from core.formats import motion
from core.formats.base import Buffer, MotionVideo, Parsed
from core.formats.heic_items import (
    Heif,
    dimensions,
    exif_block,
    item_bytes,
    item_extents,
    orientation_of,
    primary_icc,
    walk,
)
from core.formats.heic_roles import Role, describes_primary, is_xmp, roles
from core.formats.isobmff import Box
from core.formats.nested import with_thumbnail
from core.formats.shared import segment_category
from core.metadata.icc import icc_problem
from core.metadata.icc_clean import profile_items
from core.metadata.vendor import opaque_value, sef_records
from core.metadata.xmp_motion import MotionFields, motion_fields
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment
from core.model.values import ByteSize

STRUCTURE_BOXES = {"hdlr", "pitm", "iinf", "iloc", "iref", "iprp", "dinf", "grpl", "idat", "ipro", "bitr"}

JPEG_ONLY = "a HEIC export is a JPEG that carries EXIF and the colour profile only"
PHOTO_ONLY = "a HEIC or AVIF export carries the main photo only: never thumbnails, auxiliary images or video"
OTHER_IMAGE = "belongs to another image in the file, which is never exported"


def _not_carried(items: list[Item], why: str) -> list[Item]:
    return [replace(i, carriable=False, note=i.note or why) for i in items]


@dataclass(slots=True)
class _Span:
    start: int
    length: int
    name: str
    category: Category


def _metadata_items(
    data: Buffer, heif: Heif, item_id: int, role: Role, carries_xmp: bool
) -> tuple[list[Item], Category]:
    """Items of one Exif/XMP/IPTC item; malformed metadata becomes an unknown item, never a crash."""
    info = heif.infos[item_id]
    payload = item_bytes(data, heif, item_id)
    primary = describes_primary(heif, item_id, "xmp" if is_xmp(info) else info.type)
    try:
        if info.type == "Exif":
            from core.metadata.exif import parse_exif

            prefix = "exif" if primary else f"heic:{item_id}:exif"
            result = parse_exif(exif_block(payload), where="HEIF Exif item · EXIF", key_prefix=prefix)
            items = with_thumbnail(list(result.items), result)
            if not primary:
                items = _not_carried(items, OTHER_IMAGE)
        elif is_xmp(info):
            from core.metadata.xmp import parse_xmp

            prefix = "xmp" if primary else f"heic:{item_id}:xmp"
            items = list(parse_xmp(payload, where="HEIF XMP item", key_prefix=prefix).items)
            if not (carries_xmp and primary):
                items = _not_carried(items, JPEG_ONLY if primary else OTHER_IMAGE)
        else:
            from core.metadata.iptc import parse_iim

            items = _not_carried(list(parse_iim(payload, "HEIF IPTC item").items), JPEG_ONLY)
    except ParseError as exc:
        items = [_bad_metadata(item_id, role.name, str(exc), len(payload))]
    return items, segment_category(items)


def _motion_fields(data: Buffer, heif: Heif) -> MotionFields:
    """What the primary image's XMP item says about its motion-photo video."""
    for item_id, info in sorted(heif.infos.items()):
        if is_xmp(info) and describes_primary(heif, item_id, "xmp"):
            return motion_fields(item_bytes(data, heif, item_id))
    return MotionFields()


def _bad_metadata(item_id: int, what: str, message: str, size: int = 0) -> Item:
    return Item(Category.UNKNOWN, f"Unreadable {what}", message, f"HEIF item {item_id}", size,
                f"heic:bad:{item_id}", note="damaged metadata is never passed on")


def _split(data: Buffer, container: Box, start: int, spans: list[_Span], out_segments: list[Segment],
           unknown: list[Item], label: str) -> None:
    """Segments for [start, container.end): item spans in order, gaps reported as unknown."""
    cursor = start
    for span in sorted(spans, key=lambda s: (s.start, -s.length)):
        s_start = max(span.start, cursor)
        s_end = min(span.start + span.length, container.end)
        if s_end <= s_start:
            continue  # outside this box, or already covered by an overlapping item
        if s_start > cursor:
            _gap(data, cursor, s_start, out_segments, unknown, label)
        out_segments.append(Segment(s_start, s_end - s_start, span.name, span.category))
        cursor = s_end
    if cursor < container.end:
        _gap(data, cursor, container.end, out_segments, unknown, label)


def _gap(data: Buffer, start: int, end: int, out_segments: list[Segment], unknown: list[Item],
         label: str) -> None:
    out_segments.append(Segment(start, end - start, f"{label}: bytes no item refers to", Category.UNKNOWN))
    value = opaque_value(f"{end - start} bytes", data[start : min(end, start + (1 << 16))])
    unknown.append(Item(Category.UNKNOWN, f"Unreferenced data in {label}", value,
                        f"{label} at offset {start}", end - start, f"heic:unreferenced:{start}"))


def _top_level_item(data: Buffer, box: Box) -> Item | None:
    size = box.size
    where = f"top-level '{box.type}' box at offset {box.start}"
    if box.type == "mpvd":
        return Item(Category.HIDDEN_MEDIA, "Motion-photo video", f"video clip, {size:,} bytes", where, size,
                    f"heic:box:mpvd:{box.start}", carriable=False, note=PHOTO_ONLY)
    if box.type == "moov":
        return Item(Category.HIDDEN_MEDIA, "Video track", f"{size:,} bytes", where, size,
                    f"heic:box:moov:{box.start}", carriable=False, note=PHOTO_ONLY)
    if box.type == "sefd":
        return Item(Category.HIDDEN_MEDIA, "Samsung SEF data", _sef_summary(data, box), where, size,
                    f"heic:box:sefd:{box.start}", carriable=False,
                    note="vendor data (capture info, edit history, sometimes video); never exported")
    if box.type in ("free", "skip"):
        body = bytes(data[box.body : box.end])
        if body.count(0) == len(body):
            return None
        if body.startswith(b"cdif"):
            return Item(Category.DEVICE, "Samsung camera debug data (cdif)", f"{size:,} bytes", where, size,
                        f"heic:box:cdif:{box.start}", carriable=False,
                        note="vendor debug data; never exported")
        return Item(Category.UNKNOWN, f"Data in a '{box.type}' box", opaque_value(f"{size:,} bytes", body),
                    where, size, f"heic:box:{box.type}:{box.start}")
    head = data[box.body : min(box.end, box.body + (1 << 16))]
    return Item(Category.UNKNOWN, f"Unknown '{box.type}' box", opaque_value(f"{size:,} bytes", head),
                where, size, f"heic:box:{box.type.strip() or 'blank'}:{box.start}")


def _sef_summary(data: Buffer, box: Box) -> str:
    """Names of the records in a Samsung SEF block (e.g. Image_UTC_Data, MotionPhoto_Data), best effort."""
    names = sef_records(data[box.body : box.end])
    return f"{box.size:,} bytes" + (f": {', '.join(names)}" if names else "")


def _summary(heif: Heif, ids: list[int], width: int, height: int) -> str:
    kinds = Counter(heif.infos[i].type for i in ids)
    head = heif.infos[ids[0]].type
    coding = {"hvc1": "HEVC", "grid": "HEVC grid", "jpeg": "JPEG", "av01": "AV1", "tmap": "tone map"}.get(
        head, head)
    tiles = sum(n for t, n in kinds.items() if t != "grid") if head == "grid" else 0
    size = f"{width}×{height} " if width and height else ""
    return f"{size}{coding}" + (f" of {tiles} tiles" if tiles else "")


def parse(data: Buffer) -> Parsed:
    return parse_walked(data, walk(data))


def parse_walked(data: Buffer, heif: Heif, *, carries_xmp: bool = False) -> Parsed:
    """The inventory of a walked HEIF file; ``carries_xmp`` when the clean can carry the primary image's
    XMP (an AVIF box rewrite does, a HEIC export as JPEG does not)."""
    size = len(data)
    role_of = roles(heif)
    items: list[Item] = []
    unknown: list[Item] = []
    spans: list[_Span] = []
    group_bytes: Counter[str] = Counter()
    group_first: dict[str, int] = {}
    pixel_spans: list[tuple[int, int]] = []

    for item_id in sorted(heif.infos):
        role = role_of[item_id]
        extents = item_extents(heif, item_id, size)
        category = role.category
        label = f"{role.name}: item {item_id} ({heif.infos[item_id].type.strip()})"
        if role.key.startswith(("heic:exif:", "heic:xmp:", "heic:iptc:")):
            meta_items, category = _metadata_items(data, heif, item_id, role, carries_xmp)
            items += meta_items
            label = f"{role.name} (item {item_id})"
        else:
            group_bytes[role.key] += sum(n for _, n in extents)
            group_first.setdefault(role.key, item_id)
            if role.key == "heic:image":
                pixel_spans += extents
        spans += [_Span(o, n, label, category) for o, n in extents]

    width, height = dimensions(heif)
    groups: dict[str, list[int]] = {}
    for item_id, r in role_of.items():
        groups.setdefault(r.key, []).append(item_id)
    for key, first in sorted(group_first.items(), key=lambda kv: kv[1]):
        role = role_of[first]
        members = groups[key]
        if key == "heic:image":
            value = _summary(heif, members, width, height)
            items.insert(0, Item(Category.TECHNICAL, role.name, value, "HEIF items", group_bytes[key], key,
                                 need=Need.PIXELS))
            continue
        root = int(key.rsplit(":", 1)[1]) if key.rsplit(":", 1)[1].isdigit() else first
        dims = heif.prop(root, "ispe")
        w, h = dims if isinstance(dims, tuple) else (0, 0)
        carriable = role.category is not Category.HIDDEN_MEDIA
        members.sort(key=lambda i: (i != root, i))
        items.append(Item(role.category, role.name, _summary(heif, members, w, h),
                          f"HEIF item {root}", group_bytes[key], key, carriable=carriable,
                          note="" if carriable else PHOTO_ONLY))

    icc = primary_icc(heif)
    if icc is not None and (problem := icc_problem(icc)):
        items.append(Item(Category.UNKNOWN, "Unusable ICC colour profile", problem, "HEIF colr property",
                          len(icc), "heic:icc:unusable", carriable=False, note=problem))
    elif icc is not None:
        items.extend(profile_items(icc, "heic:icc", "HEIF colr property", len(icc)))
    for prop in heif.props_of(heif.primary, "colr"):
        if isinstance(prop.value, tuple) and prop.value[0] == "nclx" and isinstance(prop.value[1], tuple):
            nclx = prop.value[1]
            items.append(Item(Category.TECHNICAL, "Colour description (nclx)",
                              "primaries {}, transfer {}, matrix {}, {} range".format(
                                  nclx[0], nclx[1], nclx[2], "full" if nclx[3] else "limited"),
                              "HEIF colr property", prop.box.size, "heic:nclx", need=Need.PIXELS,
                              note="applied when the image is decoded"))
    orientation = orientation_of(heif, heif.primary)

    segments: list[Segment] = []
    video: MotionVideo | None = None
    for box in heif.boxes:
        if box.type == "mpvd" and video is None:
            # Google's motion photo: the MP4 in a box of its own after the image's boxes.
            found = motion.read_video(data, box.body, box.end)
            # The box locates the video; the XMP item's pointers give only the still's timestamp.
            video = motion.located(found, _motion_fields(data, heif), size, check_claims=False)
            inside = motion.items(found, f"top-level 'mpvd' box at offset {box.start}")
            items += inside
            segments.append(Segment(box.start, box.size, "Motion-photo video", segment_category(inside)))
        elif box.type == "mdat":
            segments.append(Segment(box.start, box.header, "mdat box header", Category.TECHNICAL))
            _split(data, box, box.body, spans, segments, unknown, f"mdat at offset {box.start}")
        elif box is heif.meta:
            segments.append(Segment(box.start, box.header + 4, "meta box header", Category.TECHNICAL))
            for child in heif.meta_children:
                if child is heif.idat:
                    segments.append(Segment(child.start, child.header, "idat box header", Category.TECHNICAL))
                    _split(data, child, child.body, spans, segments, unknown, "idat")
                elif child.type in STRUCTURE_BOXES:
                    segments.append(Segment(child.start, child.size, f"meta/{child.type}",
                                            Category.TECHNICAL))
                else:
                    segments.append(Segment(child.start, child.size, f"meta/{child.type}", Category.UNKNOWN))
                    head = data[child.body : min(child.end, child.body + (1 << 16))]
                    unknown.append(Item(Category.UNKNOWN, f"Unknown '{child.type}' box in meta",
                                        opaque_value(f"{child.size:,} bytes", head),
                                        f"meta box at offset {child.start}",
                                        child.size, f"heic:meta:{child.type.strip()}:{child.start}"))
        elif box.type == "ftyp":
            segments.append(Segment(box.start, box.size, "ftyp (file type)", Category.TECHNICAL))
        else:
            item = _top_level_item(data, box)
            if item is None:
                segments.append(Segment(box.start, box.size, f"{box.type} (padding)", Category.TECHNICAL))
            else:
                items.append(item)
                segments.append(Segment(box.start, box.size, item.name, item.category))
    items += unknown
    if video is not None and not video.problem:
        items = motion.pointers(items)  # the XMP item's pointers: rewritten for a clean that sends motion
    # Hidden images, video and unknown blocks are opaque here: their size is what they are.
    items = [replace(i, datum=ByteSize(i.bytes)) if i.datum is None and i.category in _OPAQUE else i
             for i in items]
    return Parsed(items=items, segments=segments, width=width, height=height, orientation=orientation,
                  pixel_spans=pixel_spans, state=heif, motion=video)


_OPAQUE = (Category.HIDDEN_MEDIA, Category.UNKNOWN)

