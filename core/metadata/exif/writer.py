# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF writing: a brand-new TIFF block holding only the entries whose item keys leave, their value
bytes copied unchanged so that parsing the new block yields the same keys and values."""

from __future__ import annotations

import struct

from core.metadata.exif.reader import entry_key, is_pointer
from core.metadata.exif.tags import (
    _SWAP_UNIT,
    TAG_EXIF_IFD,
    TAG_GPS_IFD,
    TAG_INTEROP_IFD,
    TAG_ORIENTATION,
    TAG_THUMB_LENGTH,
    TAG_THUMB_OFFSET,
    ExifEntry,
    ExifResult,
)
from core.metadata.exif.values import orientation_value
from core.model.categories import Category

# --- building ---------------------------------------------------------------------------------------


def swap_raw(raw: bytes, typ: int) -> bytes:
    """The same values in the other byte order."""
    unit = _SWAP_UNIT.get(typ, 1)
    if unit == 1:
        return raw
    return b"".join(raw[i : i + unit][::-1] for i in range(0, len(raw) - len(raw) % unit, unit)) + raw[
        len(raw) - len(raw) % unit :
    ]


def write_ifds(
    bo: str,
    layout: list[tuple[str, list[ExifEntry]]],
    pointers: dict[str, list[tuple[str, int]]],
    chain: list[str],
    blobs: dict[str, tuple[int, int, bytes]] | None = None,
    swap: bool = False,
) -> bytes:
    """Serialise IFDs into a new TIFF block.

    ``layout``: IFDs in the order they are written, with the entries to copy (raw values unchanged).
    ``pointers``: for an IFD label, pointer tags to add: (target label, tag). ``chain``: the IFD0 chain
    order (IFD0, IFD1 ...). ``blobs``: data referenced by an offset tag: label -> (offset tag, length tag,
    bytes), e.g. the IFD1 thumbnail; the offset tag is written as a LONG pointing at the copied bytes.
    Values are word-aligned as the TIFF specification requires.
    """
    blobs = blobs or {}
    sizes = {}
    for label, entries in layout:
        n = len(entries) + len(pointers.get(label, [])) + (2 if label in blobs else 0)
        sizes[label] = n
    # First pass: offsets of each IFD and of its value area.
    offsets: dict[str, int] = {}
    pos = 8
    for label, entries in layout:
        offsets[label] = pos
        pos += 2 + 12 * sizes[label] + 4
        for e in entries:
            if len(e.raw) > 4:
                pos += len(e.raw) + (len(e.raw) & 1)
        if label in blobs:
            blob = blobs[label][2]
            pos += len(blob) + (len(blob) & 1)
    out = bytearray(struct.pack(bo + "2sHI", b"II" if bo == "<" else b"MM", 42, 8))
    for label, entries in layout:
        assert len(out) == offsets[label]
        rows: list[tuple[int, int, int, bytes]] = []  # tag, type, count, raw value
        for e in entries:
            raw = swap_raw(e.raw, e.type) if swap else e.raw
            rows.append((e.tag, e.type, e.count, raw))
        for target, tag in pointers.get(label, []):
            rows.append((tag, 4, 1, struct.pack(bo + "I", offsets[target])))
        blob_rows = []
        if label in blobs:
            off_tag, len_tag, blob = blobs[label]
            blob_rows = [(off_tag, len_tag, blob)]
            rows.append((len_tag, 4, 1, struct.pack(bo + "I", len(blob))))
            rows.append((off_tag, 4, 1, b""))  # patched below
        rows.sort(key=lambda r: r[0])
        value_pos = offsets[label] + 2 + 12 * len(rows) + 4
        body = bytearray()
        values = bytearray()
        blob_fixups: list[int] = []
        for tag, typ, count, raw in rows:
            entry = bytearray(struct.pack(bo + "HHI", tag, typ, count))
            if blob_rows and tag == blob_rows[0][0] and not raw:
                blob_fixups.append(len(body) + 8)
                entry += b"\x00\x00\x00\x00"
            elif len(raw) <= 4:
                entry += raw + b"\x00" * (4 - len(raw))
            else:
                entry += struct.pack(bo + "I", value_pos + len(values))
                values += raw
                if len(raw) & 1:
                    values += b"\x00"
            body += entry
        nxt = 0
        if label in chain and chain.index(label) + 1 < len(chain):
            nxt = offsets[chain[chain.index(label) + 1]]
        out += struct.pack(bo + "H", len(rows)) + body + struct.pack(bo + "I", nxt) + values
        if blob_rows:
            blob = blob_rows[0][2]
            blob_off = len(out)
            for fix in blob_fixups:
                at = offsets[label] + 2 + fix
                out[at : at + 4] = struct.pack(bo + "I", blob_off)
            out += blob + (b"\x00" if len(blob) & 1 else b"")
    return bytes(out)


def build_exif(result: ExifResult, leaving: frozenset[str], byte_order: str | None = None) -> bytes | None:
    """A brand-new TIFF block holding only the entries whose item keys leave (MakerNote never)."""
    bo = byte_order or result.byte_order
    swap = bo != result.byte_order
    prefix = result.key_prefix
    carriable = {i.key for i in result.items if i.carriable and i.category is not Category.UNKNOWN}
    kept: dict[str, list[ExifEntry]] = {"IFD0": [], "Exif": [], "GPS": [], "Interop": [], "IFD1": []}
    for e in result.entries:
        if e.ifd not in kept or is_pointer(e):
            continue
        key = entry_key(prefix, e.ifd, e.tag)
        if key in leaving and key in carriable:
            if e.ifd == "IFD0" and e.tag == TAG_ORIENTATION:
                rebuilt = rebuilt_orientation(e, result.byte_order)
                if rebuilt is not None:
                    kept["IFD0"].append(rebuilt)
                continue
            kept[e.ifd].append(e)
    thumb_key = f"{prefix}:IFD1:thumbnail"
    thumb = result.thumbnail if (result.thumbnail and thumb_key in leaving) else None
    has_ifd1 = bool(kept["IFD1"]) or thumb is not None
    has_exif = bool(kept["Exif"]) or bool(kept["Interop"])
    if not (kept["IFD0"] or has_exif or kept["GPS"] or has_ifd1):
        return None
    layout: list[tuple[str, list[ExifEntry]]] = [("IFD0", kept["IFD0"])]
    pointers: dict[str, list[tuple[str, int]]] = {"IFD0": []}
    if has_exif:
        layout.append(("Exif", kept["Exif"]))
        pointers["IFD0"].append(("Exif", TAG_EXIF_IFD))
        if kept["Interop"]:
            layout.append(("Interop", kept["Interop"]))
            pointers["Exif"] = [("Interop", TAG_INTEROP_IFD)]
    if kept["GPS"]:
        layout.append(("GPS", kept["GPS"]))
        pointers["IFD0"].append(("GPS", TAG_GPS_IFD))
    chain = ["IFD0"]
    blobs: dict[str, tuple[int, int, bytes]] = {}
    if has_ifd1:
        layout.append(("IFD1", kept["IFD1"]))
        chain.append("IFD1")
        if thumb is not None:
            blobs["IFD1"] = (TAG_THUMB_OFFSET, TAG_THUMB_LENGTH, thumb)
    return write_ifds(bo, layout, pointers, chain, blobs, swap)


def rebuilt_orientation(entry: ExifEntry, bo: str, value: int | None = None) -> ExifEntry | None:
    """The Orientation entry written fresh (one SHORT, byte order ``bo`` like the entry's), or None when
    the entry is not a valid orientation: its bytes are never copied, so nothing can ride along in it.
    ``value`` replaces the stated one (1 when the pixels were made upright)."""
    stated = orientation_value(entry, bo)
    if stated is None:
        return None
    return ExifEntry("IFD0", TAG_ORIENTATION, 3, 1, struct.pack(bo + "H", value or stated), -1)
