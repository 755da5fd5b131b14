# SPDX-License-Identifier: GPL-3.0-or-later
"""The metadata boxes of an MP4 movie, outside the playback allowlist: QuickTime ``udta`` atoms
(``©xyz`` location, ``©mak``/``©mod``/``©swr``/``©day`` and others), ``meta`` boxes with Apple's
``keys``/``ilst`` pairs (``com.apple.quicktime.location.ISO6709``, ``.make``, ``.model``, ...) or iTunes
``ilst`` atoms, 3GPP ``loci``, ``uuid`` and ``XMP_`` boxes holding XMP, the vendor boxes cameras and
phones add, padding, and boxes this app does not know.

Each is itemised by what it is. Only movie-level ``udta`` text atoms and Apple keys with one UTF-8 value
are carriable (the clean rebuilds them from their text); nothing else here is ever copied.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import datetime

from core.formats.base import Buffer
from core.formats.isobmff import Box, Reader
from core.formats.mp4_movie import (
    FMT,
    MAX_DEPTH,
    Movie,
    Track,
    add_item,
    child_boxes,
    container_header,
    movie_error,
    text_of,
)
from core.formats.mp4_names import ATOMS, KEY_SUFFIXES, VENDOR
from core.formats.shared import segment_category
from core.metadata.xmp import parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, ParseError, Segment
from core.model.values import ByteSize, Coordinates, Datum, Moment

XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
# Boxes with nothing personal that a player does without: listed, never copied.
HARMLESS = {
    "iods",
    "tapt",
    "load",
    "clip",
    "matt",
    "kmat",
    "gmhd",
    "hdlr",
    "elst",
    "dref",
    "prfl",
    "nmhd",
    "sthd",
    "hmhd",
    "cslg",
    "colr",
    "txas",
    "pasp",
}


def iso6709(text: str) -> Coordinates | None:
    """``+48.8584+002.2945+035.000/`` (degrees, optional altitude) as coordinates."""
    parts: list[str] = []
    for ch in text.strip().rstrip("/"):
        if ch in "+-":
            parts.append(ch)
        elif parts and (ch.isdigit() or ch == "."):
            parts[-1] += ch
        else:
            return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if len(values) < 2:
        return None
    return Coordinates(values[0], values[1], values[2] if len(values) > 2 else None)


def _moment(text: str) -> Moment | None:
    cleaned = text.strip().replace("Z", "+00:00")
    if len(cleaned) >= 5 and cleaned[-5] in "+-" and cleaned[-4:].isdigit():
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"  # Apple writes +0200
    try:
        return Moment(datetime.fromisoformat(cleaned))
    except ValueError:
        return None


def _plain(raw: bytes) -> str | None:
    """The text when a clean can carry it exactly as shown: UTF-8, printable, not cut for display."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and text_of(raw) == text else None


def _datum(category: Category, text: str) -> Datum | None:
    if category is Category.LOCATION:
        return iso6709(text)
    if category is Category.TIME:
        return _moment(text)
    return None


def other_box(
    data: Buffer, movie: Movie, box: Box, where: str, depth: int = 0, track: Track | None = None
) -> None:
    """A box outside the playback allowlist: itemised by what it is, never copied."""
    if depth > MAX_DEPTH:
        raise movie_error("damaged", "boxes nested too deeply")
    prefix = track.key if track is not None else "mp4"
    if box.type == "udta":
        container_header(movie, box)
        for child in child_boxes(data, box, movie):
            _atom(data, movie, child, f"{where} udta", f"{prefix}:udta", depth + 1, top=track is None)
        return
    if box.type == "meta":
        _meta(data, movie, box, where, f"{prefix}:meta", depth)
        return
    if box.type == "uuid":
        _uuid(data, movie, box, where, prefix)
        return
    if box.type in ("free", "skip", "wide"):
        body = bytes(data[box.body : min(box.end, box.body + 4096)])
        zero = not body.strip(b"\0") and not bytes(data[box.body : box.end]).strip(b"\0")
        category = Category.TECHNICAL if zero else Category.UNKNOWN
        value = "empty padding" if zero else f"padding holding data: {text_of(body[:48])!r}"
        add_item(
            movie,
            box,
            Item(
                category,
                f"'{box.type}' box",
                value,
                f"MP4 {where}",
                box.size,
                f"{prefix}:{box.type}@{box.start}",
                carriable=False,
                note="padding is never copied into a clean file",
            ),
        )
        return
    if box.type in VENDOR:
        category, what = VENDOR[box.type]
        if box.type == "XMP_":
            _xmp(data, movie, box, box.body, where, f"{prefix}:XMP_")
            return
        add_item(
            movie,
            box,
            Item(
                category,
                what,
                f"{box.size:,} bytes",
                f"MP4 {where}",
                box.size,
                f"{prefix}:{box.type}@{box.start}",
                carriable=False,
                datum=ByteSize(box.size),
                note="vendor data is never copied into a clean file",
            ),
        )
        return
    if box.type in HARMLESS or (track is not None and not track.kept):
        # Structure a player does without (or a dropped track's own tables, its item says what it is):
        # accounted for as bytes, not listed to a person, never copied.
        movie.segments.append(Segment(box.start, box.size, box.type, Category.TECHNICAL))
        return
    add_item(
        movie,
        box,
        Item(
            Category.UNKNOWN,
            f"'{text_of(box.type.encode('latin-1'))}' box",
            f"{box.size:,} bytes this app does not know",
            f"MP4 {where}",
            box.size,
            f"{prefix}:unknown:{box.start}",
            carriable=False,
            datum=ByteSize(box.size),
            note="unknown data is never copied into a clean file",
        ),
    )


def _atom(data: Buffer, movie: Movie, box: Box, where: str, prefix: str, depth: int, top: bool) -> None:
    """One udta child: a ©-text atom (itemised, and carriable when at movie level), meta, or other."""
    if box.type in ("meta", "uuid", "XMP_") or box.type in VENDOR or box.type not in ATOMS:
        other_box(data, movie, box, where, depth)
        return
    category, name = ATOMS[box.type]
    texts: list[tuple[str, int]] = []
    raws: list[bytes] = []
    if box.type.startswith("©"):
        r = Reader(data, box.body, box.end, box.type, FMT)
        while r.left() >= 4:
            n, lang = r.uint(2), r.uint(2)
            if n > r.left():
                texts = []
                break
            raws.append(r.take(n))
            texts.append((text_of(raws[-1]), lang))
    key = f"{prefix}:{box.type}"
    if len(texts) == 1 and top and key not in movie.atoms and _plain(raws[0]) is not None:
        text, lang = texts[0]
        movie.atoms[key] = (box.type, text, lang)
        add_item(
            movie,
            box,
            Item(
                category, name, text, f"MP4 {where} {box.type}", box.size, key, datum=_datum(category, text)
            ),
        )
        return
    if box.type == "loci":
        _loci(data, movie, box, where, prefix)
        return
    if not box.type.startswith("©") and box.size > box.header + 6:
        texts = [(text_of(bytes(data[box.body + 6 : box.end])), 0)]  # 3GPP: full box, language, text
    value = "; ".join(t for t, _ in texts) or f"{box.size - box.header:,} bytes"
    add_item(
        movie,
        box,
        Item(
            category,
            name,
            value,
            f"MP4 {where} {box.type}",
            box.size,
            f"{key}@{box.start}",
            carriable=False,
            datum=_datum(category, value) if texts else None,
            note="not copied into a clean file",
        ),
    )


def _loci(data: Buffer, movie: Movie, box: Box, where: str, prefix: str) -> None:
    """3GPP location information: a place name, then longitude, latitude and altitude in 16.16 fixed point."""
    r = Reader(data, box.body, box.end, "loci", FMT)
    datum: Coordinates | None = None
    try:
        r.full_box()
        r.uint(2)  # language
        place = text_of(r.cstring().encode("utf-8"))
        r.uint(1)  # role
        lon, lat, alt = (int.from_bytes(r.take(4), "big", signed=True) / 65536 for _ in range(3))
        datum = Coordinates(lat, lon, alt)
        value = f"{lat:.6f}, {lon:.6f}" + (f" ({place})" if place else "")
    except ParseError:
        value = f"{box.size:,} bytes (unreadable)"
    add_item(
        movie,
        box,
        Item(
            Category.LOCATION,
            "Location information",
            value,
            f"MP4 {where} loci",
            box.size,
            f"{prefix}:loci@{box.start}",
            carriable=False,
            datum=datum,
            note="not copied into a clean file",
        ),
    )


def _meta(data: Buffer, movie: Movie, box: Box, where: str, prefix: str, depth: int) -> None:
    """A ``meta`` box: ISO style (a full box) or QuickTime style (a plain container)."""
    skip = 4 if bytes(data[box.body : box.body + 4]) == b"\0\0\0\0" else 0
    movie.segments.append(Segment(box.start, box.header + skip, "meta", Category.TECHNICAL))
    children = child_boxes(data, box, movie, skip)
    keys: list[str] = []
    for child in children:
        if child.type == "keys":
            r = Reader(data, child.body, child.end, "keys", FMT)
            r.full_box()
            for _ in range(min(r.uint(4), r.left() // 8)):
                n = r.uint(4)
                r.take(4)  # namespace, 'mdta'
                keys.append(text_of(r.take(max(n - 8, 0))))
            movie.segments.append(Segment(child.start, child.size, "keys", Category.TECHNICAL))
    for child in children:
        if child.type == "keys":
            continue
        if child.type == "ilst":
            movie.segments.append(Segment(child.start, child.header, "ilst", Category.TECHNICAL))
            for entry in child_boxes(data, child, movie):
                _ilst_entry(data, movie, entry, keys, where, prefix)
        elif child.type == "hdlr":
            movie.segments.append(Segment(child.start, child.size, "hdlr", Category.TECHNICAL))
        else:
            other_box(data, movie, child, f"{where} meta", depth + 1)


def _ilst_entry(data: Buffer, movie: Movie, entry: Box, keys: list[str], where: str, prefix: str) -> None:
    index = int.from_bytes(entry.type.encode("latin-1"), "big")
    if keys and 1 <= index <= len(keys):
        name_key = keys[index - 1]
        suffix = name_key.removeprefix("com.apple.quicktime.").removeprefix("com.android.")
        category, name = KEY_SUFFIXES.get(suffix, (Category.UNKNOWN, name_key))
        if category is Category.UNKNOWN and "location" in name_key.lower():
            category = Category.LOCATION
        label = name_key
    else:
        category, name = ATOMS.get(entry.type, (Category.UNKNOWN, f"'{entry.type}' tag"))
        label = entry.type
    values: list[str] = []
    texts: list[str | None] = []  # UTF-8 values a clean can carry
    pos = entry.body
    while pos + 16 <= entry.end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size < 16 or pos + size > entry.end:
            break
        if bytes(data[pos + 4 : pos + 8]) == b"data":
            kind = int.from_bytes(data[pos + 8 : pos + 12], "big") & 0xFFFFFF
            raw = bytes(data[pos + 16 : pos + size])
            if kind in (1, 4):
                values.append(text_of(raw))
                texts.append(_plain(raw) if kind == 1 else None)
            elif kind == 23 and len(raw) == 4:
                values.append(f"{struct.unpack('>f', raw)[0]:g}")
            elif kind in (21, 22) and 1 <= len(raw) <= 8:
                values.append(str(int.from_bytes(raw, "big", signed=kind == 21)))
            else:
                values.append(f"{len(raw)} bytes")
        pos += size
    value = "; ".join(values) or f"{entry.size:,} bytes"
    stable = f"{prefix}:{label}"
    text = texts[0] if len(texts) == 1 and len(values) == 1 else None
    movie_level = prefix == "mp4:meta"  # a clean writes carried keys in the movie's own meta box
    if (
        movie_level
        and keys
        and 1 <= index <= len(keys)
        and text is not None
        and stable not in movie.keyvals
        and _plain(label.encode("utf-8")) == label
        and category is not Category.UNKNOWN
    ):
        # An Apple metadata key with one UTF-8 value: rebuilt from its name and text in a clean.
        movie.keyvals[stable] = (label, text)
        add_item(
            movie,
            entry,
            Item(
                category,
                name,
                value,
                f"MP4 {where} meta {label}",
                entry.size,
                stable,
                datum=_datum(category, value),
            ),
        )
        return
    key = f"{prefix}:{text_of(label.encode('utf-8'))}@{entry.start}"
    add_item(
        movie,
        entry,
        Item(
            category,
            name,
            value,
            f"MP4 {where} meta {label}",
            entry.size,
            key,
            carriable=False,
            datum=_datum(category, value),
            note="only metadata keys with one text value are copied into a clean video",
        ),
    )


def _uuid(data: Buffer, movie: Movie, box: Box, where: str, prefix: str) -> None:
    ident = bytes(data[box.start + box.header - 16 : box.start + box.header])
    if ident == XMP_UUID:
        _xmp(data, movie, box, box.body, where, f"{prefix}:uuid-xmp")
        return
    add_item(
        movie,
        box,
        Item(
            Category.UNKNOWN,
            "uuid box",
            f"{ident.hex()}: {box.size:,} bytes",
            f"MP4 {where}",
            box.size,
            f"{prefix}:uuid:{ident.hex()}@{box.start}",
            carriable=False,
            datum=ByteSize(box.size),
            note="unknown data is never copied into a clean file",
        ),
    )


def _xmp(data: Buffer, movie: Movie, box: Box, start: int, where: str, prefix: str) -> None:
    result = parse_xmp(
        bytes(data[start : box.end]), where=f"MP4 {where} XMP", key_prefix=f"{prefix}@{box.start}"
    )
    items = [
        replace(i, carriable=False, note=i.note or "XMP is not copied into a clean video")
        for i in result.items
    ]
    if not items:
        items = [
            Item(
                Category.UNKNOWN,
                "Empty XMP packet",
                f"{box.size:,} bytes",
                f"MP4 {where}",
                box.size,
                f"{prefix}@{box.start}",
                carriable=False,
            )
        ]
    movie.items.extend(items)
    movie.segments.append(Segment(box.start, box.size, "XMP", segment_category(items, Category.DESCRIPTION)))
