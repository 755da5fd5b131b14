# SPDX-License-Identifier: GPL-3.0-or-later
"""PNG: a lossless chunk filter.

``parse`` walks every chunk from the signature to IEND (checking CRCs), itemises what each carries and
accounts for anything after IEND. ``clean`` writes a new file from an allowlist: the chunks the image
needs (IHDR, PLTE, tRNS, IDAT, APNG frames, IEND) copied byte for byte, the display chunks and text
chunks whose keys leave, a rebuilt eXIf holding only the leaving EXIF tags, and nothing else.

Metadata found after IDAT (common with ImageMagick) is moved before the first IDAT in the clean file,
where every reader sees it. Item keys are the same in the input and the clean output, so the exporter
can compare them.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.nested import with_thumbnail
from core.formats.png_chunks import (
    MAX_TEXT_BYTES,
    SIGNATURE,
    TEXT_NAMES,
    Chunk,
    TextChunk,
    chunk_bytes,
    decode_raw_profile,
    decode_text_chunk,
    encode_raw_profile,
    error_texts,
    inflate_capped,
    inflate_pieces,
    iptc_from_irb,
    itxt_chunk,
    short,
    text_category,
    walk_chunks,
    with_notes,
    ztxt_chunk,
)
from core.formats.shared import segment_category, trailer
from core.metadata.exif import ExifResult, build_exif, parse_exif
from core.metadata.icc import icc_problem
from core.metadata.icc_clean import TEXT_KEY, profile_items
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.iptc import parse_iim
from core.metadata.vendor import opaque_value
from core.metadata.xmp import filter_xmp, parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment

if TYPE_CHECKING:
    from PIL import Image

XMP_KEYWORD = "XML:com.adobe.xmp"
RAW_PROFILE_PREFIX = "Raw profile type "

# Chunks that make up the image itself: copied byte for byte, and their payloads form pixel_spans.
IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
# APNG animation control and frames: carried byte for byte in their original order.
ANIMATION_CHUNKS = {b"acTL", b"fcTL", b"fdAT"}
# Colour-space hints a viewer needs to show the right colours.
DISPLAY_CHUNKS = {
    b"gAMA": "Gamma",
    b"cHRM": "Primary chromaticities",
    b"sRGB": "sRGB rendering intent",
    b"iCCP": "ICC colour profile",
    b"cICP": "Coding-independent code points",
    b"sBIT": "Significant bits",
    b"mDCV": "Mastering display colour volume",
    b"cLLI": "Content light level",
    b"mDCv": "Mastering display colour volume",
    b"cLLi": "Content light level",
    # ImageMagick's private orientation chunk: as harmless as EXIF Orientation and read by ImageMagick.
    b"orNT": "Orientation (ImageMagick)",
}
# Harmless technical chunks that a policy may keep or remove.
TECHNICAL_CHUNKS = {
    b"pHYs": "Pixel dimensions",
    b"bKGD": "Background colour",
    b"hIST": "Palette histogram",
}
TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt"}


# ---------------------------------------------------------------------------------------------------
# Parse


@dataclass(slots=True)
class _ChunkPlan:
    """What clean() does with one chunk; built by parse and looked up again by clean."""

    # image | animation | display | icc | technical | time | exif | xmp | rawexif | rawxmp | text | drop
    kind: str
    keys: list[str] = field(default_factory=list)  # keys of the items the chunk holds
    prefix: str = ""
    keyword: str = ""
    profile_name: str = ""
    exif_prefix: bytes = b""  # "Exif\0\0" when the raw profile had it
    exif: ExifResult | None = None  # for eXIf / raw exif, needed by build_exif
    icc: bytes | None = None  # the inflated profile of an iCCP chunk


@dataclass(slots=True)
class _State:
    items: list[Item] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: dict[int, _ChunkPlan] = field(default_factory=dict)  # by chunk offset
    seen: dict[str, int] = field(default_factory=dict)
    orientation: int = 0
    raw_orientation: int = 0

    def unique(self, key: str) -> str:
        """Keys repeat when a chunk does (two Comment texts): number the repeats in file order."""
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        return key if n == 1 else f"{key}#{n}"

    def add(self, chunk: Chunk, items: list[Item], plan: _ChunkPlan, default: Category) -> None:
        self.items.extend(items)
        plan.keys = [i.key for i in items]
        self.plans[chunk.offset] = plan
        self.segments.append(Segment(chunk.offset, chunk.size, chunk.name, segment_category(items, default)))

    def unknown(self, data: Buffer, chunk: Chunk, why: str) -> None:
        key = self.unique(f"png:unknown:{chunk.name}")
        payload = data[chunk.data_offset : chunk.data_offset + min(chunk.length, 1 << 16)]
        item = Item(Category.UNKNOWN, f"{chunk.name} chunk", opaque_value(why, payload),
                    f"PNG {chunk.name} chunk", chunk.size, key, note=why)
        self.add(chunk, [item], _ChunkPlan("drop"), Category.UNKNOWN)


_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
# Raw image data beyond this is more than any reader decodes (Pillow stops far below): refused.
MAX_RAW_BYTES = 1 << 30
# Chunks whose payload has one fixed size; a different size means bytes the reader never looks at.
EXACT_SIZES = {
    b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"pHYs": 9, b"cICP": 4, b"mDCV": 24, b"mDCv": 24,
    b"cLLI": 8, b"cLLi": 8, b"orNT": 1, b"tIME": 7, b"acTL": 8, b"fcTL": 26,
}


@dataclass(frozen=True, slots=True)
class Header:
    width: int
    height: int
    depth: int
    colour: int
    interlaced: bool

    def raw_size(self, width: int = 0, height: int = 0) -> int:
        """Bytes of filtered scanlines an image (or APNG frame) of this format inflates to."""
        width, height = width or self.width, height or self.height
        bits = _CHANNELS[self.colour] * self.depth
        if not self.interlaced:
            return height * (1 + (width * bits + 7) // 8)
        total = 0
        for x0, y0, dx, dy in _ADAM7:
            pw, ph = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
            if pw > 0 and ph > 0:
                total += ph * (1 + (pw * bits + 7) // 8)
        return total


def _ihdr(data: Buffer, chunk: Chunk) -> tuple[int, int, str]:
    h = _header(data, chunk)
    kinds = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale+alpha", 6: "RGBA"}
    return h.width, h.height, f"{kinds.get(h.colour, f'colour type {h.colour}')} {h.depth}-bit"


def _header(data: Buffer, chunk: Chunk) -> Header:
    if chunk.length != 13:
        raise ParseError("damaged PNG: the IHDR header chunk has the wrong size")
    if not chunk.crc_ok:
        raise ParseError("damaged PNG: the IHDR header chunk fails its checksum")
    w, h, depth, ctype, method, filt, interlace = struct.unpack(
        ">IIBBBBB", data[chunk.data_offset : chunk.data_offset + 13]
    )
    if not (0 < w < 2**31 and 0 < h < 2**31):
        raise ParseError(f"damaged PNG: impossible dimensions {w}×{h}")
    if depth not in _DEPTHS.get(ctype, ()) or method or filt or interlace > 1:
        raise ParseError(f"damaged PNG: the header declares an impossible format (colour type {ctype}, "
                         f"{depth}-bit)")
    return Header(w, h, depth, ctype, bool(interlace))


def _payload(data: Buffer, chunk: Chunk) -> bytes:
    return bytes(data[chunk.data_offset : chunk.data_offset + chunk.length])


def _exif_items(
    state: _State,
    data: Buffer,
    chunk: Chunk,
    block: bytes,
    where: str,
    prefix: str,
    plan: _ChunkPlan,
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
    state: _State, data: Buffer, chunk: Chunk, packet: bytes, where: str, prefix: str, plan: _ChunkPlan
) -> None:
    result = parse_xmp(packet, where=where, key_prefix=prefix)
    errs = error_texts(result.errors)
    if not result.items:
        state.unknown(data, chunk, "; ".join(errs) or "the XMP packet holds no readable properties")
        return
    state.notes.extend(f"{where}: {e}" for e in errs)
    state.add(chunk, with_notes(list(result.items), errs), plan, Category.DESCRIPTION)


def _raw_profile(state: _State, data: Buffer, chunk: Chunk, text: TextChunk) -> None:
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
        plan = _ChunkPlan(
            "rawexif", prefix=prefix, keyword=text.keyword, profile_name=name, exif_prefix=header
        )
        _exif_items(state, data, chunk, payload, where + "EXIF", prefix, plan)
    elif kind == "xmp":
        n = state.seen.get("rawxmp", 0)
        state.seen["rawxmp"] = n + 1
        prefix = "rawxmp" if n == 0 else f"rawxmp{n + 1}"
        plan = _ChunkPlan("rawxmp", prefix=prefix, keyword=text.keyword, profile_name=name)
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
        state.add(chunk, items, _ChunkPlan("drop"), Category.PEOPLE)
    else:
        state.unknown(data, chunk, f"an ImageMagick '{name.strip()}' profile this app does not read")


def _text(state: _State, data: Buffer, chunk: Chunk) -> None:
    try:
        text = decode_text_chunk(chunk.ctype, _payload(data, chunk))
    except ValueError as exc:
        state.unknown(data, chunk, f"unreadable {chunk.name} text chunk: {exc}")
        return
    where = f"PNG {chunk.name} chunk"
    if text.keyword == XMP_KEYWORD:
        n = state.seen.get("xmp", 0)
        state.seen["xmp"] = n + 1
        prefix = "xmp" if n == 0 else f"xmp{n + 1}"
        _xmp_items(state, data, chunk, text.text, f"{where} · XMP", prefix, _ChunkPlan("xmp", prefix=prefix))
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
    state.add(chunk, [item], _ChunkPlan("text"), category)


def _time(data: Buffer, chunk: Chunk) -> str:
    if chunk.length != 7:
        raise ValueError("the tIME chunk has the wrong size")
    y, mo, d, h, mi, s = struct.unpack(">HBBBBB", _payload(data, chunk))
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d} UTC"


def _display_value(data: Buffer, chunk: Chunk) -> str:
    payload = _payload(data, chunk)
    if chunk.ctype == b"gAMA" and chunk.length == 4:
        return f"{struct.unpack('>I', payload)[0] / 100000:g}"
    if chunk.ctype == b"sRGB" and chunk.length == 1:
        intents = ["perceptual", "relative colorimetric", "saturation", "absolute colorimetric"]
        return intents[payload[0]] if payload[0] < 4 else str(payload[0])
    if chunk.ctype == b"pHYs" and chunk.length == 9:
        x, y, unit = struct.unpack(">IIB", payload)
        return f"{round(x * 0.0254)}×{round(y * 0.0254)} dpi" if unit == 1 else f"{x}:{y}"
    return payload.hex(" ") if chunk.length <= 16 else f"{chunk.length} bytes"


@dataclass(slots=True)
class _Analysis:
    state: _State
    chunks: list[Chunk]
    end: int
    width: int
    height: int
    kind: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    image_bytes: int = 8
    animation_bytes: int = 0
    idat_count: int = 0
    # Bytes of each IDAT's payload the clean file keeps (by chunk offset): the zlib stream ends there.
    idat_keep: dict[int, int] = field(default_factory=dict)


def _size_problem(chunk: Chunk, head: Header, palette: int, payload: bytes) -> str:
    """Why an ancillary chunk's size or value is not what its type allows, or ''."""
    ctype = chunk.ctype
    expected = EXACT_SIZES.get(ctype)
    if ctype == b"sBIT":
        expected = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[head.colour]
    elif ctype == b"bKGD":
        expected = {0: 2, 4: 2, 2: 6, 6: 6, 3: 1}[head.colour]
    elif ctype == b"hIST":
        expected = 2 * palette if palette else -1
    if expected is not None and chunk.length != expected:
        if expected < 0:
            return f"a {chunk.name} chunk without a palette"
        return f"a {chunk.name} chunk of {chunk.length} bytes where {expected} are expected"
    if ctype == b"sRGB" and payload[0] > 3:
        return "an sRGB chunk with an undefined rendering intent"
    if ctype == b"pHYs" and payload[8] > 1:
        return "a pHYs chunk with an undefined unit"
    if ctype == b"orNT" and not 1 <= payload[0] <= 8:
        return "an orNT chunk with an orientation outside 1-8"
    if ctype == b"gAMA" and not any(payload):
        return "a gAMA chunk of zero"
    if ctype == b"iCCP":
        return _iccp_problem(payload)
    return ""


# What clean() names a profile whose own name may not leave; names like these say nothing.
NEUTRAL_ICCP_NAME = "ICC profile"
_NEUTRAL_ICCP_NAMES = {NEUTRAL_ICCP_NAME, "ICC Profile", "icc"}
ICCP_NAME_KEY = TEXT_KEY + "png-name"


def _iccp(data: Buffer, chunk: Chunk) -> tuple[list[Item], _ChunkPlan]:
    """The profile's items, and its name's (libpng writes the profile's description there; a name
    can be the owner's monitor as well as any text field)."""
    name, _, rest = _payload(data, chunk).partition(b"\0")
    profile = inflate_capped(rest[1:])  # _iccp_problem has checked it inflates to one whole profile
    where = f"PNG {chunk.name} chunk"
    items = profile_items(profile, "png:iCCP", where, chunk.size)
    label = name.decode("latin-1")
    if label not in _NEUTRAL_ICCP_NAMES:
        items.append(Item(Category.DEVICE, "ICC profile name (PNG)", label, where, len(name), ICCP_NAME_KEY))
    return items, _ChunkPlan("icc", keyword=label, icc=profile)


def _iccp_chunk(data: Buffer, chunk: Chunk, plan: _ChunkPlan, leaving: frozenset[str]) -> bytes | None:
    if plan.icc is None or "png:iCCP" not in leaving:
        return None
    profile = exported_profile(plan.icc, leaving)
    keep_name = plan.keyword in _NEUTRAL_ICCP_NAMES or ICCP_NAME_KEY in leaving
    if profile is plan.icc and keep_name:
        return bytes(data[chunk.offset : chunk.end])
    name = plan.keyword if keep_name else NEUTRAL_ICCP_NAME
    return chunk_bytes(b"iCCP", name.encode("latin-1") + b"\0\0" + zlib.compress(profile, 9))


def _iccp_problem(payload: bytes) -> str:
    name, sep, rest = payload.partition(b"\0")
    if not sep or not 1 <= len(name) <= 79 or not rest or rest[0] != 0:
        return "an iCCP chunk with a malformed header"
    try:
        info = inflate_pieces([rest[1:]], MAX_TEXT_BYTES)
        profile = inflate_capped(rest[1:]) if info.complete and info.produced <= MAX_TEXT_BYTES else b""
    except (zlib.error, ValueError):
        return "an iCCP chunk whose compressed profile is corrupt"
    if not info.complete or info.consumed != len(rest) - 1:
        return "an iCCP chunk holding bytes after its compressed profile"
    return icc_problem(profile)


def _animation_problem(data: Buffer, chunks: list[Chunk], head: Header) -> str:
    """'' when the APNG chunks form a valid animation; else why they are dropped (a still image stays)."""
    anim = [c for c in chunks if c.ctype in ANIMATION_CHUNKS]
    if not anim:
        return ""
    actl = [c for c in anim if c.ctype == b"acTL"]
    first_idat = next(i for i, c in enumerate(chunks) if c.ctype == b"IDAT")
    if len(actl) != 1 or chunks.index(actl[0]) > first_idat:
        return "APNG frame chunks without exactly one animation header (acTL) before the image"
    for c in anim:
        if not c.crc_ok or (c.ctype in EXACT_SIZES and c.length != EXACT_SIZES[c.ctype]) or c.length < 4:
            return f"an APNG {c.name} chunk of the wrong size or checksum"
    frames_declared = struct.unpack(">I", _payload(data, actl[0])[:4])[0]
    frames: list[tuple[int, int, list[bytes | memoryview]]] = []  # (width, height, data pieces)
    sequence = 0
    idat_frame = False
    for i, c in enumerate(chunks):
        if c.ctype not in (b"fcTL", b"fdAT"):
            continue
        number = struct.unpack(">I", _payload(data, c)[:4])[0]
        if number != sequence:
            return "APNG chunks out of sequence"
        sequence += 1
        if c.ctype == b"fcTL":
            fw, fh, fx, fy = struct.unpack(">IIII", _payload(data, c)[4:20])
            if not fw or not fh or fx + fw > head.width or fy + fh > head.height:
                return "an APNG frame outside the image"
            if i < first_idat:
                idat_frame = True  # the default image is the first frame; its data is the IDAT stream
                if (fw, fh, fx, fy) != (head.width, head.height, 0, 0):
                    return "an APNG first frame that does not cover the image"
                continue
            frames.append((fw, fh, []))
        else:
            if not frames:
                return "APNG frame data (fdAT) without a frame header before it"
            frames[-1][2].append(_payload(data, c)[4:])
    if frames_declared != len(frames) + idat_frame or not frames_declared:
        return "an APNG header whose frame count does not match its frames"
    for fw, fh, pieces in frames:
        expected = head.raw_size(fw, fh)
        try:
            info = inflate_pieces(pieces, expected)
        except zlib.error:
            return "APNG frame data that is corrupt"
        if not info.complete or info.produced != expected or info.consumed != sum(len(p) for p in pieces):
            return "APNG frame data that is not exactly one frame's compressed image"
    return ""


def _check_idat(data: Buffer, a: _Analysis, head: Header, idats: list[Chunk]) -> None:
    """The IDAT chunks hold exactly one zlib stream of exactly the image's scanlines. Bytes after the
    stream's end are trimmed (reported); a stream that is too long or too short is reported as unknown,
    so the verifier, which sees the same in the clean file, withholds it."""
    expected = head.raw_size()
    if expected > MAX_RAW_BYTES:
        raise ParseError(f"too complex to check: the image inflates to {expected:,} bytes")
    pieces: list[bytes | memoryview] = [
        memoryview(bytes(data[c.data_offset : c.data_offset + c.length])) for c in idats
    ]
    try:
        info = inflate_pieces(pieces, expected)
    except zlib.error as exc:
        raise ParseError(f"damaged PNG: the compressed image data is corrupt ({exc})") from exc
    state = a.state
    total = sum(c.length for c in idats)
    if not info.complete or info.produced != expected:
        why = ("the compressed image data ends before the image does" if info.produced < expected
               else "the compressed image data holds more than the image")
        state.items.append(Item(Category.UNKNOWN, "Image data of the wrong size", why, "PNG IDAT chunks",
                                total, state.unique("png:unknown:IDAT"), carriable=False, note=why))
        return
    left = info.consumed
    for c in idats:
        a.idat_keep[c.offset] = min(c.length, left)
        left -= a.idat_keep[c.offset]
    if info.consumed < total:
        extra = total - info.consumed
        state.items.append(Item(Category.UNKNOWN, "Data after the end of the compressed image",
                                f"{extra:,} bytes inside IDAT after the zlib stream", "PNG IDAT chunks",
                                extra,
                                state.unique("png:unknown:IDAT"), carriable=False,
                                note="bytes after the end of the image data are never copied"))


def _analyse(data: Buffer) -> _Analysis:
    """Classify every chunk; parse() turns this into items, clean() into the allowlisted output."""
    chunks, end = walk_chunks(data)
    if chunks[0].ctype != b"IHDR":
        raise ParseError("damaged PNG: the first chunk is not IHDR")
    width, height, kind = _ihdr(data, chunks[0])
    head = _header(data, chunks[0])
    state = _State()
    state.segments.append(Segment(0, 8, "PNG signature", Category.TECHNICAL))
    a = _Analysis(state, chunks, end, width, height, kind)
    seen_types: set[bytes] = set()
    single = set(DISPLAY_CHUNKS) | set(TECHNICAL_CHUNKS) | {b"tIME", b"eXIf"}
    animation = _animation_problem(data, chunks, head)
    palette = 0
    idats: list[Chunk] = []
    idat_spans: list[int] = []  # indexes into a.spans
    idat_done = False  # a chunk other than IDAT followed the image data
    for chunk in chunks:
        ctype = chunk.ctype
        idat_done = idat_done or (ctype != b"IDAT" and bool(idats))
        if ctype in IMAGE_CHUNKS or ctype in ANIMATION_CHUNKS:
            if not chunk.crc_ok:
                raise ParseError(
                    f"damaged PNG: the {chunk.name} chunk at byte {chunk.offset} fails its checksum"
                )
            if ctype == b"IHDR" and chunk is not chunks[0]:
                raise ParseError("damaged PNG: a second IHDR chunk")
            problem = ""
            if ctype in ANIMATION_CHUNKS:
                problem = animation
            elif ctype == b"PLTE":
                if palette or idats or chunk.length % 3 or not 3 <= chunk.length <= 768:
                    problem = "a repeated, misplaced or wrongly sized palette"
                elif head.colour in (0, 4):
                    problem = "a palette in a greyscale image, which readers ignore"
                else:
                    palette = chunk.length // 3
            elif ctype == b"tRNS":
                size = {0: 2, 2: 6}.get(head.colour, palette if head.colour == 3 else 0)
                if b"tRNS" in seen_types or idats or not size or not 1 <= chunk.length <= size or (
                    head.colour != 3 and chunk.length != size
                ):
                    problem = "a repeated, misplaced or wrongly sized transparency chunk"
                seen_types.add(b"tRNS")
            elif ctype == b"IDAT":
                if idat_done:
                    problem = "image data (IDAT) separated from the rest of the image data"
            elif ctype == b"IEND" and chunk.length:
                problem = "an end chunk (IEND) that is not empty"
            if problem:
                state.unknown(data, chunk, problem)
                continue
            if ctype == b"IDAT":
                idat_spans.append(len(a.spans))
                idats.append(chunk)
            a.spans.append((chunk.data_offset, chunk.length))
            a.idat_count += ctype == b"IDAT"
            if ctype in ANIMATION_CHUNKS:
                a.animation_bytes += chunk.size
                state.plans[chunk.offset] = _ChunkPlan("animation", keys=["png:animation"])
            else:
                a.image_bytes += chunk.size
                state.plans[chunk.offset] = _ChunkPlan("image", keys=["png:image"])
            state.segments.append(Segment(chunk.offset, chunk.size, chunk.name, Category.TECHNICAL))
            continue
        if chunk.critical:
            if ctype == b"CgBI":
                raise ParseError("an Apple-optimised PNG (CgBI), which only Apple software can decode")
            raise ParseError(f"uses a PNG extension this app does not know (critical chunk {chunk.name})")
        if not chunk.crc_ok:
            state.unknown(data, chunk, "the chunk fails its checksum (damaged)")
            continue
        repeat = ctype in seen_types
        seen_types.add(ctype)
        if repeat and ctype in single:
            state.unknown(data, chunk, f"a second {chunk.name} chunk, which readers ignore")
            continue
        if ctype in single and (problem := _size_problem(chunk, head, palette, _payload(data, chunk))):
            state.unknown(data, chunk, problem)
        elif ctype == b"iCCP":
            state.add(chunk, *_iccp(data, chunk), Category.TECHNICAL)
        elif ctype in DISPLAY_CHUNKS or ctype in TECHNICAL_CHUNKS:
            display = ctype in DISPLAY_CHUNKS
            item = Item(
                Category.TECHNICAL,
                DISPLAY_CHUNKS.get(ctype) or TECHNICAL_CHUNKS[ctype],
                _display_value(data, chunk),
                f"PNG {chunk.name} chunk",
                chunk.size,
                f"png:{chunk.name}",
                need=Need.DISPLAY if display else Need.NONE,
            )
            state.add(chunk, [item], _ChunkPlan("copy"), Category.TECHNICAL)
        elif ctype == b"tIME":
            try:
                value = _time(data, chunk)
            except (ValueError, struct.error):
                state.unknown(data, chunk, "a malformed tIME chunk")
                continue
            item = Item(
                Category.TIME, "Last modification time", value, "PNG tIME chunk", chunk.size, "png:tIME"
            )
            state.add(chunk, [item], _ChunkPlan("copy"), Category.TIME)
        elif ctype == b"eXIf":
            _exif_items(
                state,
                data,
                chunk,
                _payload(data, chunk),
                "PNG eXIf chunk · EXIF",
                "exif",
                _ChunkPlan("exif", prefix="exif"),
            )
        elif ctype in TEXT_CHUNKS:
            _text(state, data, chunk)
        elif ctype == b"iDOT":
            state.unknown(data, chunk, "Apple private chunk (iDOT, multi-threaded decoding hints)")
        else:
            state.unknown(data, chunk, f"an unknown {chunk.name} chunk")
    if a.idat_count == 0:
        raise ParseError("damaged PNG: there is no image data (IDAT)")
    _check_idat(data, a, head, idats)
    if a.idat_keep:
        for at, chunk in zip(idat_spans, idats, strict=True):
            a.spans[at] = (chunk.data_offset, a.idat_keep[chunk.offset])
    return a


def _partial(data: Buffer) -> list[Item]:
    """The EXIF and text chunks of a PNG that cannot be read to its end (shown as a partial read)."""
    state = _State()
    pos, size = 8, len(data)
    while pos + 12 <= size:
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or pos + 12 + length > size or ctype == b"IEND":
            break
        chunk = Chunk(pos, ctype, length, True)
        try:
            if ctype == b"eXIf":
                _exif_items(state, data, chunk, _payload(data, chunk), "PNG eXIf chunk · EXIF", "exif",
                            _ChunkPlan("exif", prefix="exif"))
            elif ctype in TEXT_CHUNKS:
                _text(state, data, chunk)
        except (ParseError, ValueError, IndexError, KeyError, struct.error):
            pass  # one more damaged chunk: what the others say is still shown
        pos = chunk.end
    return state.items


def parse(data: Buffer) -> Parsed:
    try:
        a = _analyse(data)
    except ParseError as exc:
        raise ParseError(str(exc), [*exc.partial, *_partial(data)]) from exc
    state = a.state
    items = [
        Item(
            Category.TECHNICAL,
            "PNG image data",
            f"{a.width}×{a.height}, {a.kind}, {a.idat_count} IDAT chunks",
            "PNG IHDR/PLTE/tRNS/IDAT/IEND chunks",
            a.image_bytes,
            "png:image",
            need=Need.PIXELS,
        )
    ]
    if a.animation_bytes:
        items.append(
            Item(
                Category.TECHNICAL,
                "APNG animation frames",
                "animated PNG",
                "PNG acTL/fcTL/fdAT chunks",
                a.animation_bytes,
                "png:animation",
                need=Need.PIXELS,
            )
        )
    items.extend(state.items)
    size = len(data)
    if a.end < size:
        item, segment = trailer(data, a.end, "after the PNG IEND chunk", "png:trailer", "after IEND")
        items.append(item)
        state.segments.append(segment)
    state.segments.sort(key=lambda s: s.offset)
    return Parsed(
        items=items,
        segments=state.segments,
        width=a.width,
        height=a.height,
        orientation=state.orientation or state.raw_orientation or 1,
        pixel_spans=a.spans,
        notes=state.notes,
        state=a,
    )


# ---------------------------------------------------------------------------------------------------
# Clean


def _reencoded_image_chunks(pixels: Image.Image) -> list[bytes]:
    """IHDR/PLTE/tRNS/IDAT of ``pixels`` encoded by Pillow (used when faces are blurred)."""
    buf = BytesIO()
    pixels.save(buf, format="PNG", compress_level=6)
    out = buf.getvalue()
    chunks, _ = walk_chunks(out)
    return [bytes(out[c.offset : c.end]) for c in chunks if c.ctype in (b"IHDR", b"PLTE", b"tRNS", b"IDAT")]


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    analysis = state_of(parsed, _Analysis, lambda: _analyse(data))
    before: list[bytes] = []  # everything up to the first IDAT, in file order
    moved: list[bytes] = []  # metadata found after IDAT: written just before the first IDAT
    image: list[bytes] = []  # IDAT and APNG frames from the first IDAT on, in file order
    seen_idat = False
    for chunk in analysis.chunks:
        plan = analysis.state.plans.get(chunk.offset, _ChunkPlan("drop"))
        seen_idat = seen_idat or chunk.ctype == b"IDAT"
        if plan.kind in ("image", "animation"):
            # IEND is written fresh; with new pixels the re-encoded image replaces every image chunk.
            if chunk.ctype != b"IEND" and pixels is None:
                (image if seen_idat else before).append(_image_chunk(data, chunk, analysis))
            continue
        out = _clean_chunk(data, chunk, plan, leaving)
        if out:
            (moved if seen_idat else before).append(out)
    if pixels is not None:
        fresh = _reencoded_image_chunks(pixels)
        by_type = {t: [c for c in fresh if c[4:8] == t] for t in (b"IHDR", b"PLTE", b"tRNS", b"IDAT")}
        # PNG order: IHDR, colour-space chunks, PLTE, then tRNS/bKGD and the rest.
        colour = [c for c in before if c[4:8] in DISPLAY_CHUNKS]
        other = [c for c in before if c[4:8] not in DISPLAY_CHUNKS]
        before = [*by_type[b"IHDR"], *colour, *by_type[b"PLTE"], *by_type[b"tRNS"], *other]
        image = by_type[b"IDAT"]
    out = b"".join([SIGNATURE, *before, *moved, *image, chunk_bytes(b"IEND", b"")])
    return Cleaned(out, "unchanged" if pixels is None else "re-encoded", ".png")


def _image_chunk(data: Buffer, chunk: Chunk, analysis: _Analysis) -> bytes:
    keep = analysis.idat_keep.get(chunk.offset, chunk.length)
    if keep == chunk.length:
        return bytes(data[chunk.offset : chunk.end])
    # The zlib stream ended earlier: only its bytes are written (an IDAT past its end holds none).
    return chunk_bytes(b"IDAT", _payload(data, chunk)[:keep]) if keep else b""


def _clean_chunk(data: Buffer, chunk: Chunk, plan: _ChunkPlan, leaving: frozenset[str]) -> bytes | None:
    kind = plan.kind
    if kind in ("copy", "text"):
        # One key per chunk: copied byte for byte (the CRC was checked by the walker).
        return bytes(data[chunk.offset : chunk.end]) if plan.keys and plan.keys[0] in leaving else None
    if kind == "icc":
        return _iccp_chunk(data, chunk, plan, leaving)
    if not any(k in leaving for k in plan.keys):
        return None
    if kind == "exif" and plan.exif is not None:
        block = build_exif(plan.exif, leaving)
        return chunk_bytes(b"eXIf", block) if block else None
    if kind == "rawexif" and plan.exif is not None:
        block = build_exif(plan.exif, leaving)
        if not block:
            return None
        return ztxt_chunk(plan.keyword, encode_raw_profile(plan.profile_name, plan.exif_prefix + block))
    text = decode_text_chunk(chunk.ctype, _payload(data, chunk))
    if kind == "xmp":
        packet = filter_xmp(text.text, leaving, key_prefix=plan.prefix)
        return itxt_chunk(XMP_KEYWORD, packet) if packet else None
    if kind == "rawxmp":
        _name, payload = decode_raw_profile(text.text)
        packet = filter_xmp(payload, leaving, key_prefix=plan.prefix)
        return ztxt_chunk(plan.keyword, encode_raw_profile(plan.profile_name, packet)) if packet else None
    return None


class PngHandler(FormatHandler):
    name = "png"
    extensions = (".png",)
    reencodes = False
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return head.startswith(SIGNATURE)
