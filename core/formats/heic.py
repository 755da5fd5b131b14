# SPDX-License-Identifier: GPL-3.0-or-later
"""HEIC/HEIF (ISO/IEC 23008-12): a pure box walker for the inventory, a re-encode to JPEG for the clean.

A HEIF file is a list of ISOBMFF boxes. The ``meta`` box describes *items* (the primary image, its grid
tiles, thumbnails, auxiliary images such as depth maps and HDR gain maps, Exif/XMP/IPTC blobs) and
``iloc`` says where each item's bytes live, usually inside ``mdat``. The walker accounts for every byte:
one segment per structural box, and ``mdat``/``idat`` split along the item extents, with any byte no
item refers to reported as ``unknown``.

Cleaning never copies the container: HEIF items reference each other by id and offset, so carrying a
subset safely means rewriting it. Instead the primary image is decoded (with its rotation and mirroring
applied) and written as a new JPEG that holds only the pixels, a rebuilt EXIF block with the leaving
EXIF keys (Orientation forced to 1 because the pixels are already upright) and, if it leaves, the colour
profile. Thumbnails, auxiliary images, XMP and IPTC never leave a HEIC export. A motion photo's video
(``mpvd`` box) is the exception: when the policy sends motion it follows the JPEG, cleaned by the MP4
handler, located by a new XMP packet (core.formats.motion).
"""

from __future__ import annotations

import io
from collections import Counter, deque
from collections.abc import Container
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.formats import isobmff, motion
from core.formats.base import (
    MAX_PIXELS,
    MOTION_KEY,
    Buffer,
    Cleaned,
    FormatHandler,
    MotionVideo,
    Parsed,
    state_of,
)
from core.formats.isobmff import Box, ItemFile, ItemInfo, read_item_file
from core.formats.nested import with_thumbnail
from core.formats.shared import library_error, segment_category
from core.metadata import orientation
from core.metadata.icc import icc_problem
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.icc_clean import profile_items
from core.metadata.vendor import opaque_value, sef_records
from core.metadata.xmp_motion import MotionFields, motion_fields
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment
from core.model.values import ByteSize

if TYPE_CHECKING:
    from PIL import Image

    from core.metadata.exif import ExifEntry

HEVC_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"hevx"}
GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2", b"miaf"}
AVIF_BRANDS = {b"avif", b"avis"}

IMAGE_TYPES = {"hvc1", "hvc2", "grid", "iden", "iovl", "jpeg", "av01", "unci", "tmap", "mski", "vvc1",
               "j2k1", "hvt1", "lhv1"}
STRUCTURE_BOXES = {"hdlr", "pitm", "iinf", "iloc", "iref", "iprp", "dinf", "grpl", "idat", "ipro", "bitr"}

JPEG_QUALITY = 95
JPEG_ONLY = "a HEIC export is a JPEG that carries EXIF and the colour profile only"
PHOTO_ONLY = "a HEIC or AVIF export carries the main photo only: never thumbnails, auxiliary images or video"
FMT = "HEIF"
OTHER_IMAGE = "belongs to another image in the file, which is never exported"

# The walk of a HEIF file is the generic ISO-BMFF item walk.
Heif = ItemFile


def read_heif(data: Buffer, what: str = FMT) -> Heif:
    """The item walk of any HEIF image (HEIC or AVIF), with its primary image described."""
    if len(data) < 16 or bytes(data[4:8]) != b"ftyp":
        raise ParseError(f"not a {what} file: it does not start with an 'ftyp' box")
    heif = read_item_file(data, FMT)
    if heif.meta is None:
        raise ParseError("damaged HEIF: there is no 'meta' box describing the image")
    if heif.primary not in heif.infos:
        raise ParseError("damaged HEIF: the primary image is not described in the file")
    return heif


def walk(data: Buffer) -> Heif:
    heif = read_heif(data)
    if heif.infos[heif.primary].type == "av01":
        raise ParseError("an AVIF image labelled as HEIC: not supported")
    return heif


# ---------------------------------------------------------------------------------------- orientation

def orientation_of(heif: Heif, item_id: int) -> int:
    """The EXIF orientation equivalent to the item's irot/imir properties, applied in their listed order.

    HEIF readers (libheif, Apple, browsers) display by irot/imir and ignore the Exif Orientation tag.
    """
    value = 1
    for index in heif.associations.get(item_id, []):
        if not 0 < index <= len(heif.properties):
            continue
        prop = heif.properties[index - 1]
        if prop.type == "irot" and isinstance(prop.value, int):
            for _ in range(prop.value):  # anticlockwise quarter turns
                value = orientation.then(value, 8)
        elif prop.type == "imir" and isinstance(prop.value, int):
            # axis 0 is a vertical axis: a left-right mirror; axis 1 mirrors top-bottom.
            value = orientation.then(value, 2 if prop.value == 0 else 4)
    return value


# ------------------------------------------------------------------------------------------ item roles

AUX_KINDS = (
    ("urn:mpeg:hevc:2015:auxid:1", "alpha"),
    ("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "alpha"),
    ("urn:mpeg:hevc:2015:auxid:2", "depth map"),
    ("urn:mpeg:mpegB:cicp:systems:auxiliary:depth", "depth map"),
    ("urn:com:apple:photo:2020:aux:hdrgainmap", "HDR gain map (Apple)"),
    ("urn:com:samsung:photo:2024:aux:hdrgainmap", "HDR gain map (Samsung)"),
    ("urn:com:apple:photo:2018:aux:portraiteffectsmatte", "portrait matte (a silhouette of the people)"),
    ("urn:com:apple:photo:2019:aux:semanticskinmatte", "skin segmentation matte"),
    ("urn:com:apple:photo:2019:aux:semantichairmatte", "hair segmentation matte"),
    ("urn:com:apple:photo:2019:aux:semanticteethmatte", "teeth segmentation matte"),
    ("urn:com:apple:photo:2020:aux:semanticglassesmatte", "glasses segmentation matte"),
    ("urn:com:apple:photo:2023:aux:semanticskymatte", "sky segmentation matte"),
)


def aux_kind(urn: str) -> str:
    for prefix, label in AUX_KINDS:
        if urn.startswith(prefix):
            return label
    if "matte" in urn:
        return f"segmentation matte ({urn})"
    if "gainmap" in urn.lower():
        return f"HDR gain map ({urn})"
    return f"auxiliary image ({urn or 'no type given'})"


def _closure(heif: Heif, roots: list[int], done: Container[int] = ()) -> list[int]:
    """The roots and every image they are derived from (grid tiles, overlays), in a stable order.

    Items in ``done`` already have a role, and so has everything they derive from: the walk stops
    there, so that many roots sharing a long chain of derived images stay linear."""
    order: list[int] = []
    seen: set[int] = set()
    queue = deque(roots)
    while queue:
        item = queue.popleft()
        if item in seen or item in done or item not in heif.infos:
            continue
        seen.add(item)
        order.append(item)
        queue.extend(heif.targets("dimg", item))
    return order


def is_xmp(info: ItemInfo) -> bool:
    ct = info.content_type.lower()
    return info.type == "mime" and ("rdf+xml" in ct or "xmp" in ct)


@dataclass(slots=True)
class Role:
    """What one item is, for the inventory: which group of items it belongs to."""

    key: str
    name: str
    category: Category
    need: Need = Need.NONE


def roles(heif: Heif) -> dict[int, Role]:
    role: dict[int, Role] = {}
    for item in _closure(heif, [heif.primary]):
        role[item] = Role("heic:image", "Primary image", Category.TECHNICAL, Need.PIXELS)
    alpha_ids = []
    for aux in [s for k, s, _ in heif.refs if k == "auxl"]:
        kind = aux_kind(str(heif.prop(aux, "auxC") or ""))
        masters = heif.targets("auxl", aux)
        if kind == "alpha" and heif.primary in masters:
            alpha_ids.append(aux)
            continue
        for item in _closure(heif, [aux], role):
            role.setdefault(item, Role(f"heic:aux:{aux}", kind[0].upper() + kind[1:], Category.HIDDEN_MEDIA))
    for item in _closure(heif, alpha_ids, role):
        # Transparency of the primary image: part of what the picture looks like.
        role.setdefault(item, Role("heic:image", "Primary image", Category.TECHNICAL, Need.PIXELS))
    for thumb in [s for k, s, _ in heif.refs if k == "thmb"]:
        for item in _closure(heif, [thumb], role):
            role.setdefault(item, Role(f"heic:thumbnail:{thumb}", "Thumbnail image", Category.HIDDEN_MEDIA))
    for item_id, info in heif.infos.items():
        if info.type == "tmap":
            for item in _closure(heif, [item_id], role):
                role.setdefault(item, Role(f"heic:aux:{item_id}", "HDR gain map (tone-map item)",
                                           Category.HIDDEN_MEDIA))
    # Other images: derived ones (grids) first so that their tiles are grouped with them.
    tiles = {t for k, _, ts in heif.refs if k == "dimg" for t in ts}
    others = sorted((item_id in tiles, item_id) for item_id, info in heif.infos.items()
                    if info.type in IMAGE_TYPES and item_id not in role)
    stereo = {e for kind, ids in heif.groups if kind == "ster" for e in ids}
    for _, item_id in others:
        name = ("The other eye's image of a stereo pair" if item_id in stereo
                else "Another image stored in the file")
        for item in _closure(heif, [item_id], role):
            role.setdefault(item, Role(f"heic:other:{item_id}", name, Category.HIDDEN_MEDIA))
    for item_id, info in sorted(heif.infos.items()):
        if item_id in role:
            continue
        if info.type == "Exif":
            role[item_id] = Role(f"heic:exif:{item_id}", "Exif metadata", Category.TECHNICAL)
        elif is_xmp(info):
            role[item_id] = Role(f"heic:xmp:{item_id}", "XMP metadata", Category.TECHNICAL)
        elif info.type == "iptc":
            role[item_id] = Role(f"heic:iptc:{item_id}", "IPTC metadata", Category.TECHNICAL)
        else:
            label = info.content_type or info.type.strip() or "untyped"
            role[item_id] = Role(f"heic:item:{item_id}", f"Unrecognised item ({label})", Category.UNKNOWN)
    return role


def describes_primary(heif: Heif, item_id: int, kind: str) -> bool:
    """Whether a metadata item belongs to the primary image (or, with no cdsc at all, is the first one)."""
    described = heif.targets("cdsc", item_id)
    if described:
        return heif.primary in described
    return _first_undescribed(heif).get(kind) == item_id


def _first_undescribed(heif: Heif) -> dict[str, int]:
    """Per metadata kind, the lowest item id with no cdsc reference (computed once per walk: a file
    with thousands of Exif items must not cost a scan of all items for each)."""
    cached = heif.memo.get("first_undescribed")
    if isinstance(cached, dict):
        return cached
    first: dict[str, int] = {}
    for i in sorted(heif.infos):
        if heif.targets("cdsc", i):
            continue
        info = heif.infos[i]
        first.setdefault("xmp" if is_xmp(info) else info.type, i)
        first.setdefault(info.type, i)
    heif.memo["first_undescribed"] = first
    return first


# ------------------------------------------------------------------------------------------ item bytes


def item_extents(heif: Heif, item_id: int, size: int) -> list[tuple[int, int]]:
    return isobmff.item_extents(heif, item_id, size, FMT)


def item_bytes(data: Buffer, heif: Heif, item_id: int) -> bytes:
    return isobmff.item_bytes(data, heif, item_id, FMT)


def exif_block(payload: bytes) -> bytes:
    """The TIFF block of a HEIF Exif item: a 4-byte offset to the TIFF header, then the data."""
    if len(payload) < 4:
        return b""
    offset = int.from_bytes(payload[:4], "big")
    block = payload[4 + offset :] if 4 + offset < len(payload) else b""
    if block[:4] in (b"MM\0*", b"II*\0"):
        return block
    # Some writers get the offset wrong (or count the "Exif\0\0" header differently): look for the header.
    for marker in (b"MM\0*", b"II*\0"):
        at = payload.find(marker, 4, 64)
        if at >= 0:
            return payload[at:]
    return block


# ------------------------------------------------------------------------------------------------- ICC


def primary_icc(heif: Heif) -> bytes | None:
    for prop in heif.props_of(heif.primary, "colr"):
        if isinstance(prop.value, tuple) and prop.value[0] == "icc":
            return bytes(prop.value[1])
    return None


# ------------------------------------------------------------------------------------------------ parse


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

    width, height = _dimensions(heif)
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


def _dimensions(heif: Heif) -> tuple[int, int]:
    """Size of the primary image before irot/imir (like a JPEG's frame size beside its Orientation):
    the ispe size, cropped by a clean aperture when there is one."""
    dims = heif.prop(heif.primary, "ispe")
    if not isinstance(dims, tuple):
        return (0, 0)
    crop = heif.prop(heif.primary, "clap")
    if isinstance(crop, tuple) and 0 < crop[0] <= dims[0] and 0 < crop[1] <= dims[1]:
        return crop
    return dims


# ------------------------------------------------------------------------------------------------ clean


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    heif = state_of(parsed, Heif, lambda: walk(data))
    width, height = _dimensions(heif)
    if width * height > MAX_PIXELS:
        raise ParseError(f"declares enormous dimensions ({width}×{height}); refused as a possible "
                         "decompression bomb")
    image = pixels if pixels is not None else decode_primary(data)
    exif = exif_for_output(data, heif, leaving)
    source_icc = primary_icc(heif) if "heic:icc" in leaving else None
    icc = exported_profile(source_icc, leaving) if source_icc is not None else None
    jpeg = encode_jpeg(image, exif, icc)
    if parsed.motion is not None and MOTION_KEY in leaving:
        # A JPEG motion photo: the still, then the video cleaned as a video, located by a new XMP packet.
        video = motion.cleaned(data, parsed.motion, leaving)
        jpeg = with_xmp(jpeg, motion.xmp_packet(motion.fields_for(parsed.motion, len(video)))) + video
    return Cleaned(data=jpeg, pixels="re-encoded", extension=".jpg")


def decode_primary(data: Buffer) -> Image.Image:
    """The primary image as libheif displays it: irot/imir applied, 8 bits per channel."""
    import pillow_heif
    from PIL import Image

    try:
        heif_file = pillow_heif.open_heif(io.BytesIO(bytes(data)), convert_hdr_to_8bit=True)
        w, h = heif_file.size
        if w * h > MAX_PIXELS:
            raise ParseError(
                f"declares enormous dimensions ({w}×{h}); refused as a possible decompression bomb"
            )
        image = heif_file.to_pillow()
        image.load()
    except ParseError:
        raise
    except (ValueError, IndexError, EOFError, SyntaxError, RuntimeError, OSError, MemoryError) as exc:
        # IndexError: libheif found no decodable image in the file at all.
        reason = library_error(exc) if str(exc) else "no image found"
        raise ParseError(f"cannot decode the HEIC image: {reason}") from exc
    if image.mode in ("RGBA", "LA", "RGBa", "La") or "A" in image.mode:
        # JPEG has no transparency: flatten onto white, as a viewer would show it on a light page.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return image


def exif_for_output(data: Buffer, heif: Heif, leaving: frozenset[str], *, upright_pixels: bool = True
                     ) -> bytes | None:
    """A rebuilt EXIF block with only the leaving keys of the primary image's Exif item.

    The pixels are written upright (libheif applies irot/imir), so the Orientation entry, which always
    leaves, is rewritten as 1: any other value would make a viewer rotate the pixels a second time.
    Without ``upright_pixels`` (an AVIF box rewrite keeps irot/imir and the stored pixels) it is kept.
    """
    from core.metadata.exif import build_exif, parse_exif

    for item_id, info in sorted(heif.infos.items()):
        if info.type == "Exif" and describes_primary(heif, item_id, "Exif"):
            block = exif_block(item_bytes(data, heif, item_id))
            break
    else:
        return None
    if not block:
        return None
    try:
        result = parse_exif(block, where="HEIF Exif item · EXIF", key_prefix="exif")
    except ParseError:
        return None  # unreadable Exif: nothing of it leaves (the inventory shows it as unknown)
    if upright_pixels:
        result.entries = [u for e in result.entries if (u := upright(e, result.byte_order)) is not None]
    return build_exif(result, leaving)


def upright(entry: ExifEntry, byte_order: str) -> ExifEntry | None:
    """The IFD0 Orientation entry rebuilt with the value 1 (top-left), other entries unchanged; an
    Orientation that is not a valid one is dropped."""
    from core.metadata.exif.writer import rebuilt_orientation

    if entry.ifd != "IFD0" or entry.tag != 0x0112:
        return entry
    return rebuilt_orientation(entry, byte_order, value=1)


def encode_jpeg(image: Image.Image, exif: bytes | None, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": JPEG_QUALITY, "optimize": True}
    if exif:
        options["exif"] = exif if exif.startswith(b"Exif\0\0") else b"Exif\0\0" + exif
    if icc:
        options["icc_profile"] = icc
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    try:
        image.save(out, "JPEG", **options)
    except (ValueError, OSError) as exc:
        raise ParseError(f"cannot write the cleaned JPEG: {exc}") from exc
    return strip_jfif(out.getvalue())


def with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    """``jpeg`` with an XMP segment after its EXIF segment (or after SOI when it has none)."""
    at = 2
    if jpeg[2:4] == b"\xff\xe1" and jpeg[6:12] == b"Exif\0\0":
        at = 4 + int.from_bytes(jpeg[4:6], "big")
    payload = b"http://ns.adobe.com/xap/1.0/\0" + packet
    if len(payload) + 2 > 0xFFFF:
        raise ParseError("cannot write a clean file: the motion photo's XMP is too large for one segment")
    return jpeg[:at] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[at:]


def strip_jfif(jpeg: bytes) -> bytes:
    """Drop the JFIF APP0 segment Pillow always writes.

    It is optional (camera JPEGs carry EXIF instead) and holds nothing of the photo, but it is a display
    structure the exporter would find in the output without a matching item in the HEIC's inventory.
    """
    if jpeg[:4] == b"\xff\xd8\xff\xe0" and jpeg[6:11] == b"JFIF\0":
        length = int.from_bytes(jpeg[4:6], "big")
        return jpeg[:2] + jpeg[4 + length :]
    return jpeg


# --------------------------------------------------------------------------------------------- handler


def sniff_brands(head: bytes) -> bool:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    brands = {major} | compatible
    if major in AVIF_BRANDS:
        return False
    if brands & HEVC_BRANDS:
        return True
    # A generic HEIF brand with an AVIF brand is an AVIF file: left to no handler.
    return bool(brands & GENERIC_BRANDS) and not brands & AVIF_BRANDS


class HeicHandler(FormatHandler):
    name = "heic"
    extensions = (".heic", ".heif", ".hif")
    reencodes = True
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return sniff_brands(head)
