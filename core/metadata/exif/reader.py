# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF reading: walk a TIFF block (IFD0 chain, Exif, GPS, Interop and sub-IFDs) and itemise every
entry. Malformed content (offsets outside the block, loops, absurd counts) never raises: it becomes an
``errors`` line and an ``unknown`` item, so nothing half-understood can leave."""

from __future__ import annotations

import mmap
import struct
from dataclasses import replace

from core.metadata.exif.tags import (
    IFD_LABELS,
    MAX_ENTRIES_TOTAL,
    MAX_IFDS,
    TAG_EXIF_IFD,
    TAG_GPS_IFD,
    TAG_INTEROP_IFD,
    TAG_MAKERNOTE,
    TAG_ORIENTATION,
    TAG_SUB_IFDS,
    TAG_THUMB_LENGTH,
    TAG_THUMB_OFFSET,
    TYPE_SIZES,
    BadEntry,
    ExifEntry,
    ExifResult,
    Ifd,
    Walk,
    base_ifd,
    tag_info,
)
from core.metadata.exif.values import _ascii, _numbers, entry_datum, format_value, orientation_value
from core.metadata.makernotes import Context, maker_of, read_makernote
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from core.model.values import ByteSize, Datum

# --- walking ----------------------------------------------------------------------------------------


def read_header(block: bytes | memoryview | mmap.mmap) -> tuple[str, int]:
    """Byte order and offset of IFD0; ParseError when this is not a TIFF header."""
    if len(block) < 8:
        raise ParseError("the EXIF block is too short to hold a TIFF header")
    head = bytes(block[:4])
    if head == b"II*\x00":
        bo = "<"
    elif head == b"MM\x00*":
        bo = ">"
    elif head[:2] in (b"II", b"MM") and head[2:4] in (b"+\x00", b"\x00+"):
        raise ParseError("BigTIFF files are not supported")
    else:
        raise ParseError("the EXIF block does not start with a TIFF header (II*\\0 or MM\\0*)")
    (first,) = struct.unpack(bo + "I", bytes(block[4:8]))
    return bo, first


def _sub_ifd_offsets(entry: ExifEntry, bo: str) -> list[int]:
    if entry.type not in (4, 13) or len(entry.raw) != 4 * entry.count:
        return []
    return list(struct.unpack(f"{bo}{entry.count}I", entry.raw))


def walk(block: bytes | memoryview | mmap.mmap) -> Walk:
    """Walk every IFD reachable from the header. Only the header can raise (ParseError).

    The IFD0 chain is IFD0, IFD1 (the EXIF thumbnail, or page 2 of a TIFF) ...; sub-IFDs of IFD0 are
    "Exif", "GPS", "Interop", "SubIFD0"..., those of later IFDs are prefixed ("IFD1.Exif").
    """
    bo, first = read_header(block)
    size = len(block)
    result = Walk(bo, [], [], [])
    visited: set[int] = set()
    total_entries = 0
    # queue of (label, offset, entry position that pointed here or -1)
    queue: list[tuple[str, int, int]] = [("IFD0", first, 4)]
    chain_index = 0
    while queue:
        label, off, ptr_pos = queue.pop(0)
        if len(result.ifds) >= MAX_IFDS:
            result.errors.append(f"more than {MAX_IFDS} IFDs; the rest were not read")
            result.bad.append(BadEntry(label, -1, ptr_pos, "too many IFDs"))
            break
        if off in visited:
            result.errors.append(f"{label}: IFD at offset {off} was already read (loop)")
            result.bad.append(BadEntry(label, -1, ptr_pos, f"IFD loop to offset {off}"))
            continue
        if off < 8 or off + 2 > size:
            result.errors.append(f"{label}: IFD offset {off} is outside the block ({size} bytes)")
            result.bad.append(BadEntry(label, -1, ptr_pos, f"IFD offset {off} outside the block"))
            continue
        visited.add(off)
        (n,) = struct.unpack(bo + "H", bytes(block[off : off + 2]))
        fits = max(0, (size - off - 2) // 12)
        if n > fits:
            result.errors.append(f"{label}: IFD claims {n} entries but only {fits} fit in the block")
            result.bad.append(BadEntry(label, -1, off, f"IFD truncated: {n} entries claimed, {fits} fit"))
            n = fits
        ifd_size = min(2 + 12 * n + 4, size - off)
        ifd = Ifd(label, off, ifd_size)
        result.ifds.append(ifd)
        seen_tags: set[int] = set()
        for i in range(n):
            total_entries += 1
            if total_entries > MAX_ENTRIES_TOTAL:
                result.errors.append(f"more than {MAX_ENTRIES_TOTAL} entries; the rest were not read")
                break
            pos = off + 2 + 12 * i
            tag, typ, count = struct.unpack(bo + "HHI", bytes(block[pos : pos + 8]))
            if tag in seen_tags:
                result.errors.append(f"{label}: tag 0x{tag:04x} appears twice")
                result.bad.append(BadEntry(label, tag, pos, "duplicate tag"))
                continue
            seen_tags.add(tag)
            unit = TYPE_SIZES.get(typ)
            if unit is None:
                result.errors.append(f"{label}: tag 0x{tag:04x} has unknown field type {typ}")
                result.bad.append(BadEntry(label, tag, pos, f"unknown field type {typ}"))
                continue
            length = unit * count
            if length <= 4:
                raw = bytes(block[pos + 8 : pos + 8 + length])
                value_off = -1
            else:
                (value_off,) = struct.unpack(bo + "I", bytes(block[pos + 8 : pos + 12]))
                if length > size or value_off + length > size:
                    result.errors.append(
                        f"{label}: tag 0x{tag:04x} points to {length} bytes at offset {value_off}, "
                        f"outside the block ({size} bytes)"
                    )
                    result.bad.append(BadEntry(label, tag, pos, "value outside the block"))
                    continue
                raw = bytes(block[value_off : value_off + length])
            entry = ExifEntry(label, tag, typ, count, raw, value_off)
            ifd.entries.append(entry)
        # Sub-IFDs reached from this one.
        kind = base_ifd(label)
        if kind.startswith(("IFD", "SubIFD")):
            prefix = "" if label == "IFD0" else f"{label}."
        else:
            prefix = label.rsplit(".", 1)[0] + "." if "." in label else ""
        for e in ifd.entries:
            targets: list[str] = []
            if kind.startswith("IFD") or kind.startswith("SubIFD"):
                if e.tag == TAG_EXIF_IFD:
                    targets = [f"{prefix}Exif"]
                elif e.tag == TAG_GPS_IFD:
                    targets = [f"{prefix}GPS"]
                elif e.tag == TAG_SUB_IFDS and kind.startswith("IFD"):
                    offs = _sub_ifd_offsets(e, bo)
                    targets = [f"{prefix}SubIFD{k}" for k in range(len(offs))]
            elif kind == "Exif" and e.tag == TAG_INTEROP_IFD:
                targets = [f"{prefix}Interop"]
            if not targets:
                continue
            offs = _sub_ifd_offsets(e, bo)
            if not offs:
                result.errors.append(f"{label}: pointer tag 0x{e.tag:04x} is malformed")
                result.bad.append(BadEntry(label, e.tag, off, "malformed IFD pointer"))
                continue
            for t, o in zip(targets, offs, strict=False):
                queue.append((t, o, off))
        # The next IFD in the chain (pages in TIFF, the thumbnail IFD1 in EXIF).
        if label.startswith("IFD") and "." not in label and ifd_size == 2 + 12 * n + 4:
            (nxt,) = struct.unpack(bo + "I", bytes(block[off + 2 + 12 * n : off + 6 + 12 * n]))
            if nxt:
                chain_index += 1
                queue.insert(0, (f"IFD{chain_index}", nxt, off + 2 + 12 * n))
    return result


# --- maker notes ------------------------------------------------------------------------------------

MAKERNOTE_NOTE = "maker notes cannot be moved without breaking them"


def makernote_value(raw: bytes, make: str, bo: str) -> str:
    """The MakerNote item's first summary, before its fields are read (``makernote_items``)."""
    return f"{len(raw)} bytes ({maker_of(raw, make)})"


def _ifd0_text(entries: list[ExifEntry], tag: int) -> str:
    return next((_ascii(e.raw) for e in entries if e.ifd == "IFD0" and e.tag == tag and e.type == 2), "")


def makernote_items(item: Item, entry: ExifEntry, entries: list[ExifEntry], bo: str) -> list[Item]:
    """The MakerNote item with what its note says, then one child item per field read from it (under
    the note's key). Children are never carried, like the note; a note that could not be read stays one
    opaque item that says so."""
    ctx = Context(_ifd0_text(entries, 0x010F), _ifd0_text(entries, 0x0110), bo, entry.offset)
    note = read_makernote(entry.raw, ctx)
    if note.error:
        summary = f"{len(entry.raw)} bytes ({note.maker}; could not be read)"
        why = f"{MAKERNOTE_NOTE}; this one could not be read: {note.error}"
        return [replace(item, value=summary, note=why)]
    extra = f", serial number {note.serial}" if note.serial else ""
    out = [replace(item, value=f"{len(entry.raw)} bytes ({note.maker}{extra})")]
    where = f"{item.where} · MakerNote ({note.maker})"
    for f in note.fields:
        out.append(Item(f.category, f"{note.maker} {f.name}", f.value, where, 0, f"{item.key}:{f.path}",
                        carriable=False, note="inside the maker note, which is never carried", datum=f.datum))
    return out


# --- items ------------------------------------------------------------------------------------------

STRUCTURE_TAGS_BY_KIND = {
    "IFD": {TAG_EXIF_IFD, TAG_GPS_IFD, TAG_SUB_IFDS},
    "Exif": {TAG_INTEROP_IFD},
}


def is_pointer(entry: ExifEntry) -> bool:
    kind = base_ifd(entry.ifd)
    if kind.startswith(("IFD", "SubIFD")):
        if entry.tag in (TAG_EXIF_IFD, TAG_GPS_IFD, TAG_SUB_IFDS):
            return True
        return kind == "IFD1" and entry.tag in (TAG_THUMB_OFFSET, TAG_THUMB_LENGTH)
    return kind == "Exif" and entry.tag == TAG_INTEROP_IFD


def entry_key(key_prefix: str, ifd: str, tag: int) -> str:
    return f"{key_prefix}:{ifd}:0x{tag:04x}"


def ifd_label(ifd: str) -> str:
    if ifd in IFD_LABELS:
        return IFD_LABELS[ifd]
    if "." in ifd:
        parent, kind = ifd.rsplit(".", 1)
        return f"{parent} {IFD_LABELS.get(kind, kind)}"
    return ifd


def entry_bytes(entry: ExifEntry) -> int:
    return 12 + (len(entry.raw) if entry.offset >= 0 else 0)


def entry_item(
    entry: ExifEntry, bo: str, where: str, key_prefix: str, siblings: dict[int, ExifEntry], make: str = ""
) -> Item:
    name, category = tag_info(entry.ifd, entry.tag)
    kind = base_ifd(entry.ifd)
    key = entry_key(key_prefix, entry.ifd, entry.tag)
    loc = f"{where} {ifd_label(entry.ifd)}"
    size = entry_bytes(entry)
    if entry.tag == TAG_MAKERNOTE and kind == "Exif":
        return Item(
            Category.DEVICE,
            "MakerNote",
            makernote_value(entry.raw, make, bo),
            loc,
            size,
            key,
            carriable=False,
            note=MAKERNOTE_NOTE,
        )
    value = format_value(entry, bo, siblings)
    need = Need.NONE
    carriable, note = True, ""
    if kind == "IFD0" and entry.tag == TAG_ORIENTATION:
        if orientation_value(entry, bo) is None:
            carriable, note = False, "not a valid orientation (one number from 1 to 8): never carried"
        else:
            need = Need.PIXELS
    elif kind == "IFD0" and entry.tag == 0x8773:
        need = Need.DISPLAY
    if entry.ifd != "IFD0" and base_ifd(entry.ifd).startswith(("IFD", "SubIFD")) or "." in entry.ifd:
        # Tags of the thumbnail, later pages and sub-images describe hidden images: they go with them.
        if category is not Category.UNKNOWN:
            category = Category.HIDDEN_MEDIA
        if entry.ifd != "IFD1":
            carriable, note = False, "sub-images are not carried into a clean file"
        elif entry.tag in (0x0111, 0x0117, 0x0144, 0x0145):
            carriable, note = False, "an uncompressed thumbnail is not carried into a clean file"
    if category is Category.UNKNOWN:
        carriable = False
    return Item(category, name, value, loc, size, key, need=need, carriable=carriable, note=note)


def _bad_item(bad: BadEntry, where: str, key_prefix: str, index: int) -> Item:
    what = f"tag 0x{bad.tag:04x}" if bad.tag >= 0 else "IFD"
    return Item(
        Category.UNKNOWN,
        f"Malformed {what}",
        bad.message,
        f"{where} {ifd_label(bad.ifd)}",
        12 if bad.tag >= 0 else 0,
        f"{key_prefix}:{bad.ifd}:malformed{index}",
        carriable=False,
        note="malformed EXIF data is never passed on",
    )


def siblings_of(walked: Walk) -> dict[str, dict[int, ExifEntry]]:
    return {ifd.label: {e.tag: e for e in ifd.entries} for ifd in walked.ifds}


def make_of(walked: Walk) -> str:
    ifd0 = walked.ifd("IFD0")
    if ifd0:
        for e in ifd0.entries:
            if e.tag == 0x010F and e.type == 2:
                return _ascii(e.raw)
    return ""


def parse_exif(block: bytes | memoryview, where: str = "EXIF", key_prefix: str = "exif") -> ExifResult:
    """Itemise a TIFF-structured block; only an invalid TIFF header raises ParseError."""
    data = bytes(block)
    walked = walk(data)
    bo = walked.byte_order
    sib = siblings_of(walked)
    make = make_of(walked)
    entries: list[ExifEntry] = []
    items: list[Item] = []
    orientation = 1
    thumbnail: bytes | None = None
    thumb_span: tuple[int, int] | None = None
    errors = list(walked.errors)
    for ifd in walked.ifds:
        for e in ifd.entries:
            entries.append(e)
            if is_pointer(e):
                continue
            items.append(entry_item(e, bo, where, key_prefix, sib[ifd.label], make))
            if ifd.label == "IFD0" and e.tag == TAG_ORIENTATION:
                orientation = orientation_value(e, bo) or orientation
    ifd1 = sib.get("IFD1", {})
    if TAG_THUMB_OFFSET in ifd1:
        off_e, len_e = ifd1[TAG_THUMB_OFFSET], ifd1.get(TAG_THUMB_LENGTH)
        off_v = _numbers(off_e, bo)
        len_v = _numbers(len_e, bo) if len_e else []
        loc = f"{where} {ifd_label('IFD1')}"
        if off_v and len_v and isinstance(off_v[0], int) and isinstance(len_v[0], int) and len_v[0] == 0:
            pass  # a declared but empty thumbnail: nothing hidden there
        elif off_v and len_v and isinstance(off_v[0], int) and isinstance(len_v[0], int):
            t_off, t_len = int(off_v[0]), int(len_v[0])
            if t_off >= 8 and t_len > 0 and t_off + t_len <= len(data):
                thumbnail = data[t_off : t_off + t_len]
                thumb_span = (t_off, t_len)
                kind = "JPEG image" if thumbnail.startswith(b"\xff\xd8") else "image"
                items.append(
                    Item(Category.HIDDEN_MEDIA, "ThumbnailImage", f"{t_len} bytes ({kind})", loc, t_len,
                         f"{key_prefix}:IFD1:thumbnail")
                )
            else:
                errors.append(f"IFD1: thumbnail of {t_len} bytes at offset {t_off} is outside the block")
                items.append(
                    Item(Category.UNKNOWN, "ThumbnailImage", "thumbnail outside the block", loc, 0,
                         f"{key_prefix}:IFD1:thumbnail-bad", carriable=False,
                         note="malformed EXIF data is never passed on")
                )
    for i, bad in enumerate(walked.bad):
        items.append(_bad_item(bad, where, key_prefix, i))
    result = ExifResult(bo, entries, items, thumbnail, orientation, errors, key_prefix, thumb_span)
    result.items = with_data(items, entries, bo, key_prefix)
    return result


def with_data(items: list[Item], entries: list[ExifEntry], bo: str, key_prefix: str) -> list[Item]:
    """The items with their typed datum (position, moment, serial number, person, opaque size), and
    the fields read from a maker note as child items after it."""
    by_key = {entry_key(key_prefix, e.ifd, e.tag): e for e in entries if not is_pointer(e)}
    out = []
    for item in items:
        entry = by_key.get(item.key)
        datum: Datum | None = None
        if item.key.endswith(":IFD1:thumbnail"):
            datum = ByteSize(item.bytes)
        elif entry is not None:
            if entry.tag == TAG_MAKERNOTE or item.category is Category.UNKNOWN:
                datum = ByteSize(len(entry.raw))
            else:
                datum = entry_datum(entry, entries, bo, item.value)
        item = replace(item, datum=datum) if datum is not None else item
        if entry is not None and entry.tag == TAG_MAKERNOTE and base_ifd(entry.ifd) == "Exif":
            out += makernote_items(item, entry, entries, bo)  # both EXIF blocks and TIFF files come here
        else:
            out.append(item)
    return out
