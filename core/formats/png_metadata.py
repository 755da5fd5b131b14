# SPDX-License-Identifier: GPL-3.0-or-later
"""The metadata chunks of a PNG read into items: eXIf and ImageMagick's raw EXIF profiles, XMP (in an
iTXt chunk or a raw profile), raw IPTC/8BIM profiles (shown, never copied), text chunks, the tIME
modification time and the value of each display or technical chunk. A chunk that cannot be read becomes
an unknown item (never a crash), its plan a drop."""

from __future__ import annotations

import dataclasses
import struct

from core.formats.base import Buffer
from core.formats.nested import with_thumbnail
from core.formats.png_chunks import (
    TEXT_NAMES,
    Chunk,
    TextChunk,
    chunk_payload,
    decode_raw_profile,
    decode_text_chunk,
    error_texts,
    iptc_from_irb,
    short,
    text_category,
    with_notes,
)
from core.formats.png_plan import RAW_PROFILE_PREFIX, XMP_KEYWORD, ChunkPlan, State
from core.metadata.exif import parse_exif
from core.metadata.iptc import parse_iim
from core.metadata.xmp import parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, ParseError


def exif_items(
    state: State,
    data: Buffer,
    chunk: Chunk,
    block: bytes,
    where: str,
    prefix: str,
    plan: ChunkPlan,
    carriable: bool = True,
    note: str = "",
) -> None:
    try:
        result = parse_exif(block, where=where, key_prefix=prefix)
    except ParseError as exc:
        state.unknown(data, chunk, f"unreadable EXIF: {exc}")
        return
    items = with_thumbnail(list(result.items), result)
    if not carriable:
        items = [dataclasses.replace(i, carriable=False, note=note) for i in items]
    errs = error_texts(result.errors)
    if not items:
        state.unknown(data, chunk, "; ".join(errs) or "the EXIF block holds no readable tags")
        return
    state.notes.extend(f"{where}: {e}" for e in errs)
    plan.exif = result
    state.add(chunk, with_notes(items, errs), plan, Category.TECHNICAL)
    if any(i.key == f"{prefix}:IFD0:0x0112" for i in items):
        if prefix == "exif":
            state.orientation = result.orientation
        else:
            state.raw_orientation = result.orientation


def _xmp_items(
    state: State, data: Buffer, chunk: Chunk, packet: bytes, where: str, prefix: str, plan: ChunkPlan
) -> None:
    result = parse_xmp(packet, where=where, key_prefix=prefix)
    errs = error_texts(result.errors)
    if not result.items:
        state.unknown(data, chunk, "; ".join(errs) or "the XMP packet holds no readable properties")
        return
    state.notes.extend(f"{where}: {e}" for e in errs)
    state.add(chunk, with_notes(list(result.items), errs), plan, Category.DESCRIPTION)


def _raw_profile(state: State, data: Buffer, chunk: Chunk, text: TextChunk) -> None:
    kind = text.keyword[len(RAW_PROFILE_PREFIX) :].strip().lower()
    where = f"PNG {chunk.name} '{text.keyword}' · "
    try:
        name, payload = decode_raw_profile(text.text)
    except ValueError as exc:
        state.unknown(data, chunk, f"malformed ImageMagick profile: {exc}")
        return
    if kind in ("exif", "app1"):
        header = b""
        if payload.startswith(b"Exif\0\0"):
            header, payload = payload[:6], payload[6:]
        if kind == "app1" and not payload.startswith((b"II*\0", b"MM\0*")):
            state.unknown(data, chunk, "an APP1 profile that is not EXIF")
            return
        n = state.seen.get("rawexif", 0)
        state.seen["rawexif"] = n + 1
        prefix = "rawexif" if n == 0 else f"rawexif{n + 1}"
        plan = ChunkPlan(
            "rawexif", prefix=prefix, keyword=text.keyword, profile_name=name, exif_prefix=header
        )
        exif_items(state, data, chunk, payload, where + "EXIF", prefix, plan)
    elif kind == "xmp":
        n = state.seen.get("rawxmp", 0)
        state.seen["rawxmp"] = n + 1
        prefix = "rawxmp" if n == 0 else f"rawxmp{n + 1}"
        plan = ChunkPlan("rawxmp", prefix=prefix, keyword=text.keyword, profile_name=name)
        _xmp_items(state, data, chunk, payload, where + "XMP", prefix, plan)
    elif kind in ("iptc", "8bim"):
        # There is no IPTC-IIM writer: these items stay on the device whatever the policy says.
        note = "ImageMagick IPTC profiles are never copied into a clean file"
        iim, others = (payload, []) if payload[:1] == b"\x1c" else iptc_from_irb(payload)
        items: list[Item] = []
        if iim:
            items = [
                dataclasses.replace(i, carriable=False, note=note)
                for i in parse_iim(iim, where=where + "IPTC").items
            ]
        if others or not items:
            label = f"Photoshop resources {', '.join(others)}" if others else "unreadable IPTC profile"
            items.append(
                Item(
                    Category.UNKNOWN,
                    "Photoshop image resources",
                    label,
                    where + "8BIM",
                    chunk.size,
                    state.unique(f"png:rawprofile:{kind}"),
                    carriable=False,
                    note=note,
                )
            )
        state.add(chunk, items, ChunkPlan("drop"), Category.PEOPLE)
    else:
        state.unknown(data, chunk, f"an ImageMagick '{name.strip()}' profile this app does not read")


def text_items(state: State, data: Buffer, chunk: Chunk) -> None:
    try:
        text = decode_text_chunk(chunk.ctype, chunk_payload(data, chunk))
    except ValueError as exc:
        state.unknown(data, chunk, f"unreadable {chunk.name} text chunk: {exc}")
        return
    where = f"PNG {chunk.name} chunk"
    if text.keyword == XMP_KEYWORD:
        n = state.seen.get("xmp", 0)
        state.seen["xmp"] = n + 1
        prefix = "xmp" if n == 0 else f"xmp{n + 1}"
        _xmp_items(state, data, chunk, text.text, f"{where} · XMP", prefix, ChunkPlan("xmp", prefix=prefix))
        return
    if text.keyword.startswith(RAW_PROFILE_PREFIX):
        _raw_profile(state, data, chunk, text)
        return
    category = text_category(text.keyword)
    value = short(text.text.decode(text.encoding, "replace"))
    item = Item(
        category,
        TEXT_NAMES.get(text.keyword, text.keyword),
        value,
        where,
        chunk.size,
        state.unique(f"png:text:{text.keyword}"),
    )
    state.add(chunk, [item], ChunkPlan("text"), category)


def modified_time(data: Buffer, chunk: Chunk) -> str:
    if chunk.length != 7:
        raise ValueError("the tIME chunk has the wrong size")
    y, mo, d, h, mi, s = struct.unpack(">HBBBBB", chunk_payload(data, chunk))
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d} UTC"


def display_value(data: Buffer, chunk: Chunk) -> str:
    payload = chunk_payload(data, chunk)
    if chunk.ctype == b"gAMA" and chunk.length == 4:
        return f"{struct.unpack('>I', payload)[0] / 100000:g}"
    if chunk.ctype == b"sRGB" and chunk.length == 1:
        intents = ["perceptual", "relative colorimetric", "saturation", "absolute colorimetric"]
        return intents[payload[0]] if payload[0] < 4 else str(payload[0])
    if chunk.ctype == b"pHYs" and chunk.length == 9:
        x, y, unit = struct.unpack(">IIB", payload)
        return f"{round(x * 0.0254)}×{round(y * 0.0254)} dpi" if unit == 1 else f"{x}:{y}"
    return payload.hex(" ") if chunk.length <= 16 else f"{chunk.length} bytes"
