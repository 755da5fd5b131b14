# SPDX-License-Identifier: GPL-3.0-or-later
"""The metadata segments of a JPEG: what each application segment (APP0-APP15) holds, and the data that
spans several segments joined once the walk has seen them all.

APP0 JFIF/JFXX, APP1 EXIF, XMP and Extended XMP, APP2 ICC profile chunks and the MPF index, vendor
segments read by core.metadata.vendor (APP9 Media Jukebox, APP0 CIFF, APP11 JUMBF/C2PA), the catalogue of
known segments that are never copied (``_KNOWN_APPS``), and any other one shown by its text excerpt.
After the walk, ``finish_metadata`` joins the ICC profile, the Photoshop block, the comments, Extended
XMP and JUMBF, and gives their segments the category of what they held. Functions of the walker
(core.formats.jpeg_walk), which calls them for each of these segments."""

from __future__ import annotations

import struct
from dataclasses import replace
from typing import TYPE_CHECKING

from core.formats.jpeg_markers import (
    APP0,
    APP1,
    APP2,
    EXIF_HEADER,
    EXT_XMP_HEADER,
    ICC_HEADER,
    JUMBF_CI,
    MPF_HEADER,
    XMP_HEADER,
)
from core.formats.nested import picture_items, with_children, with_thumbnail
from core.formats.shared import segment_category
from core.metadata.exif import parse_exif
from core.metadata.icc import icc_problem, profile_size
from core.metadata.icc_clean import profile_items
from core.metadata.iptc import THUMBNAIL_RESOURCES, parse_irb
from core.metadata.vendor import (
    MEDIA_JUKEBOX,
    NEVER_COPIED,
    ciff,
    is_ciff,
    jumbf,
    media_jukebox,
    opaque_value,
)
from core.metadata.xmp import DAMAGED, parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, human_size

if TYPE_CHECKING:
    from core.formats.jpeg_walk import Walker


# Known application segments that are never copied but whose category is plain.
_KNOWN_APPS: dict[tuple[int, str], tuple[Category, str]] = {
    (0xEC, "Ducky"): (Category.DESCRIPTION, "Adobe Save for Web data (quality, comment, copyright)"),
    (0xEE, "Adobe_CM"): (Category.TECHNICAL, "Adobe colour management data"),
    (0xE1, "FLIR"): (Category.HIDDEN_MEDIA, "FLIR thermal data (raw thermal image, camera serials)"),
    (0xE2, "FPXR"): (Category.HIDDEN_MEDIA, "FlashPix data (may hold a preview image)"),
    (0xEA, "AROT"): (Category.TECHNICAL, "Apple rotation data"),
}


def _text(raw: bytes) -> str:
    raw = raw.rstrip(b"\x00")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = " ".join(text.replace("\x00", " ").split())
    return text if len(text) <= 200 else f"{text[:100]}… ({len(text):,} characters)"


def app0(walker: Walker, start: int, length: int, payload: bytes) -> None:
    if payload.startswith(b"JFIF\x00") and len(payload) >= 14 and walker.w.jfif is None:
        walker.w.jfif = payload
        major, minor, units, xd, yd, tw, th = struct.unpack_from(">BBBHHBB", payload, 5)
        unit = {0: "", 1: " dpi", 2: " dots/cm"}.get(units, "")
        value = f"version {major}.{minor:02d}, density {xd}×{yd}{unit}"
        items = [Item(Category.TECHNICAL, "JFIF header", value, "JPEG APP0 JFIF", 18, "jpeg:jfif",
                      need=Need.DISPLAY)]
        if tw and th:
            items.append(Item(Category.HIDDEN_MEDIA, "JFIF thumbnail", f"{tw}×{th} pixels",
                              "JPEG APP0 JFIF", length - 18, "jpeg:jfif-thumbnail", carriable=False,
                              note="thumbnails are never copied"))
        walker.seg(start, length, "APP0 JFIF", items)
    elif payload.startswith(b"JFXX\x00"):
        item = Item(Category.HIDDEN_MEDIA, "JFIF extension thumbnail", human_size(length), "JPEG APP0 JFXX",
                    length, "jpeg:jfxx", carriable=False, note="thumbnails are never copied")
        walker.seg(start, length, "APP0 JFXX", [item])
    else:
        other_app(walker, APP0, start, length, payload)


def app1(walker: Walker, start: int, length: int, payload: bytes) -> None:
    if payload.startswith(EXIF_HEADER):
        walker.exif_count += 1
        where = "JPEG APP1 EXIF" if walker.exif_count == 1 else f"JPEG APP1 EXIF (block {walker.exif_count})"
        try:
            result = parse_exif(payload[6:], where=where)
        except ParseError as exc:
            walker.unknown(start, length, "Unreadable EXIF block", str(exc), where)
            return
        items = list(result.items)
        items = with_thumbnail(items, result, walker.depth)
        if walker.exif_count == 1:
            walker.w.exif = result
        else:
            # Readers use the first EXIF block; a second one is reported but never copied.
            items = [replace(i, key=f"jpeg:exif{walker.exif_count}:{i.key}", carriable=False,
                             note="a second EXIF block is never copied") for i in items]
        walker.seg(start, length, "APP1 EXIF", items)
    elif payload.startswith(XMP_HEADER):
        walker.xmp_count += 1
        packet = payload[len(XMP_HEADER):]
        where = "JPEG APP1 XMP" if walker.xmp_count == 1 else f"JPEG APP1 XMP (packet {walker.xmp_count})"
        xmp = parse_xmp(packet, where=where)
        items = list(xmp.items)
        if walker.xmp_count == 1 and not xmp.errors:
            walker.w.xmp = packet
        else:
            # What a tolerant read found in a damaged packet keeps its category and its note.
            items = [i if i.note == DAMAGED else
                     replace(i, key=f"jpeg:xmp{walker.xmp_count}:{i.key}", carriable=False,
                             category=Category.UNKNOWN if xmp.errors else i.category,
                             note="only the first readable XMP packet is copied") for i in items]
            if walker.xmp_count > 1:
                items = [replace(i, key=f"jpeg:xmp{walker.xmp_count}:{i.key}") if i.note == DAMAGED else i
                         for i in items]
        walker.seg(start, length, "APP1 XMP", items)
    elif payload.startswith(EXT_XMP_HEADER) and len(payload) >= len(EXT_XMP_HEADER) + 40:
        at = len(EXT_XMP_HEADER)
        guid = payload[at: at + 32]
        total, offset = struct.unpack_from(">II", payload, at + 32)
        walker.ext_chunks.setdefault(guid, {})[offset] = payload[at + 40:]
        walker.ext_total[guid] = total
        walker.ext_bytes += length
        walker.seg(start, length, "APP1 Extended XMP", [])
    else:
        other_app(walker, APP1, start, length, payload)


def app2(walker: Walker, start: int, length: int, payload: bytes) -> None:
    if payload.startswith(ICC_HEADER) and len(payload) >= 14:
        walker.icc_chunks.append((payload[12], payload[13], payload[14:]))
        walker.icc_bytes += length
        walker.seg(start, length, "APP2 ICC profile", [])
    elif payload.startswith(MPF_HEADER):
        mpf_index(walker, start, length, payload)
    else:
        other_app(walker, APP2, start, length, payload)


def mpf_index(walker: Walker, start: int, length: int, payload: bytes) -> None:
    base = start + 8  # MP offsets count from the TIFF header that follows "MPF\0"
    tiff = payload[4:]
    images: list[tuple[int, int, int]] = []
    try:
        bo = "<" if tiff[:2] == b"II" else ">"
        ifd = struct.unpack_from(bo + "I", tiff, 4)[0]
        count = struct.unpack_from(bo + "H", tiff, ifd)[0]
        for i in range(min(count, 64)):
            tag, _typ, cnt, val = struct.unpack_from(bo + "HHII", tiff, ifd + 2 + 12 * i)
            if tag != 0xB002:
                continue
            for k in range(min(cnt // 16, 64)):
                attr, size, off = struct.unpack_from(bo + "III", tiff, val + 16 * k)
                if off:  # the primary image has offset 0
                    images.append((base + off, size, attr))
    except struct.error:
        walker.unknown(start, length, "Unreadable MPF index", f"{length} bytes", "JPEG APP2 MPF")
        return
    walker.mpf.extend(images)
    item = Item(Category.HIDDEN_MEDIA, "Multi-picture index (MPF)",
                f"{len(images)} secondary image{'s' if len(images) != 1 else ''}", "JPEG APP2 MPF",
                length, "jpeg:mpf", carriable=False, note="secondary images are never copied")
    walker.seg(start, length, "APP2 MPF", [item])


def other_app(walker: Walker, marker: int, start: int, length: int, payload: bytes) -> None:
    ident = payload[:16].split(b"\x00")[0][:24]
    label = ident.decode("latin-1") if ident and all(32 <= c < 127 for c in ident) else ""
    where = f"JPEG APP{marker - 0xE0}" + (f" {label}" if label else "")
    if marker == 0xE9 and payload.startswith(MEDIA_JUKEBOX):
        items = media_jukebox(payload, where, length)
        items.insert(0, Item(Category.DESCRIPTION, "Media Jukebox data", f"{length:,} bytes", where,
                             length, "jpeg:app9:mj", carriable=False, note=NEVER_COPIED))
        walker.seg(start, length, where, items)
        return
    if marker == APP0 and is_ciff(payload):
        where = "JPEG APP0 CIFF"
        items = ciff(payload, where, length)
        items.insert(0, Item(Category.DEVICE, "Canon CIFF camera data", f"{length:,} bytes", where,
                             length, "jpeg:app0:ciff", carriable=False, note=NEVER_COPIED))
        walker.seg(start, length, where, items)
        return
    if marker == 0xEB and payload.startswith(JUMBF_CI) and len(payload) >= 16:
        instance, sequence = struct.unpack_from(">HI", payload, 2)
        walker.jumbf_parts.setdefault(instance, []).append((sequence, payload[8 if sequence <= 1 else 16:]))
        walker.jumbf_bytes += length
        walker.seg(start, length, "APP11 JUMBF", [])
        return
    hit = _KNOWN_APPS.get((marker, label))
    if marker == 0xEC and payload.startswith(b"[picture info]"):
        hit = (Category.DEVICE, "Camera picture info (APP12)")
    if hit:
        key = f"jpeg:app{marker - 0xE0}:{label}"
        item = Item(hit[0], hit[1], opaque_value(f"{length:,} bytes", payload), where, length, key,
                    carriable=False, note="this segment is never copied")
        walker.seg(start, length, where, [item])
        return
    walker.unknown(start, length, f"Unknown APP{marker - 0xE0} segment" + (f" ({label})" if label else ""),
                   opaque_value(f"{length:,} bytes", payload), where)


def jumbf_boxes(walker: Walker) -> None:
    where = "JPEG APP11 JUMBF"
    items: list[Item] = []
    for instance, parts in walker.jumbf_parts.items():
        joined = b"".join(part for _, part in sorted(parts, key=lambda p: p[0]))
        found = jumbf(joined, where, sum(len(p) for _, p in parts))
        if len(walker.jumbf_parts) > 1:
            found = [replace(i, key=f"{i.key}:{instance}") for i in found]
        items.extend(found)
    walker.w.items.extend(items)
    mark(walker, "APP11 JUMBF", segment_category(items) if items else Category.UNKNOWN)


def finish_metadata(walker: Walker) -> None:
    if walker.icc_chunks:
        icc_profile(walker, )
    if walker.irb_chunks:
        irb = parse_irb(b"".join(walker.irb_chunks), where="JPEG APP13 Photoshop")
        walker.w.irb = irb
        items = list(irb.items)
        for res in irb.resources:
            if res.id in THUMBNAIL_RESOURCES:
                inside = picture_items(res.data, res.key, "the Photoshop thumbnail", walker.depth)
                items = with_children(items, res.key, inside)
        walker.w.items.extend(items)
        mark(walker, "APP13 Photoshop", segment_category(items) if items else Category.TECHNICAL)
    if walker.w.comments:
        value = " | ".join(_text(c) for c in walker.w.comments)
        walker.w.items.append(Item(Category.DESCRIPTION, "JPEG comment", value, "JPEG COM",
                                   sum(len(c) + 4 for c in walker.w.comments), "jpeg:comment"))
        mark(walker, "COM", Category.DESCRIPTION)
    if walker.ext_chunks:
        extended_xmp(walker, )
    if walker.jumbf_parts:
        jumbf_boxes(walker, )


def icc_profile(walker: Walker) -> None:
    """Keep the profile only when its chunks join to exactly one profile; trailing bytes after its
    declared size are trimmed (reported), anything else leaves the profile behind."""
    where = "JPEG APP2 ICC profile"
    chunks = sorted(walker.icc_chunks, key=lambda c: c[0])
    total = len(chunks)
    numbered = [c[0] for c in chunks] == list(range(1, total + 1)) and all(c[1] == total for c in chunks)
    profile = b"".join(chunk for _, _, chunk in chunks)
    declared = profile_size(profile)
    problem = "" if numbered else "the colour profile's chunks are missing, repeated or misnumbered"
    if not problem and declared and len(profile) > declared:
        extra = len(profile) - declared
        walker.w.items.append(Item(Category.UNKNOWN, "Data appended to the ICC profile", human_size(extra),
                                   where, extra, "jpeg:icc:appended", carriable=False,
                                   note="bytes after the profile's declared size are never copied"))
        profile = profile[:declared]
    problem = problem or icc_problem(profile)
    if problem:
        walker.w.items.append(Item(Category.UNKNOWN, "Unusable ICC colour profile", problem, where,
                                   walker.icc_bytes, "jpeg:icc:unusable", carriable=False, note=problem))
        mark(walker, "APP2 ICC profile", Category.UNKNOWN)
        return
    walker.w.icc = profile
    walker.w.items.extend(profile_items(profile, "jpeg:icc", where, walker.icc_bytes))
    mark(walker, "APP2 ICC profile", Category.TECHNICAL)


def extended_xmp(walker: Walker) -> None:
    where = "JPEG APP1 Extended XMP"
    items: list[Item] = []
    for guid, chunks in walker.ext_chunks.items():
        packet = b"".join(chunks[o] for o in sorted(chunks))
        complete = len(packet) == walker.ext_total[guid] and sorted(chunks)[0] == 0
        if not complete or walker.w.ext_xmp is not None:
            key = f"jpeg:ext-xmp:{guid.decode('latin-1')}"
            items.append(Item(Category.UNKNOWN, "Incomplete or extra Extended XMP", human_size(len(packet)),
                              where, len(packet), key, carriable=False))
            continue
        result = parse_xmp(packet, where=where)
        if result.errors:
            items.extend(result.items)
            continue
        walker.w.ext_xmp = packet
        items.extend(result.items)
    walker.w.items.extend(items)
    mark(walker, "APP1 Extended XMP", segment_category(items) if items else Category.UNKNOWN)


def mark(walker: Walker, name: str, category: Category) -> None:
    """Give the segments collected under ``name`` the category of the items they produced."""
    walker.pending = [(o, ln, nm, category if nm == name and cat is None else cat)
                      for o, ln, nm, cat in walker.pending]

