# SPDX-License-Identifier: GPL-3.0-or-later
"""WebP: a lossless RIFF chunk filter.

``parse`` walks every RIFF chunk (even-padded), checks the RIFF size against the file size and accounts
for data beyond it. ``clean`` writes a new RIFF from an allowlist: the image chunks (VP8, VP8L, ALPH,
ANIM, ANMF frames) copied byte for byte, plus the ICC profile, a rebuilt EXIF and a filtered XMP packet
when their keys leave, under a VP8X header whose flags say exactly what is kept. When nothing but a
still VP8/VP8L image remains, the output is a simple-format WebP.

Animation frames (ANMF) are rebuilt from their known sub-chunks only, so an unknown chunk hidden inside
a frame never leaves; ``pixel_spans`` cover the frame header and the known sub-chunks, which the clean
file reproduces byte for byte.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.nested import with_thumbnail
from core.formats.png_chunks import error_texts, with_notes
from core.formats.shared import segment_category, trailer
from core.metadata.exif import ExifResult, build_exif, parse_exif
from core.metadata.icc import icc_problem, profile_size
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.icc_clean import profile_items
from core.metadata.vendor import opaque_value
from core.metadata.xmp import filter_xmp, parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment

if TYPE_CHECKING:
    from PIL import Image

IMAGE_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}
FRAME_SUB_CHUNKS = {b"ALPH", b"VP8 ", b"VP8L"}
EXIF_HEADER = b"Exif\0\0"

# VP8X flag bits
FLAG_ANIMATION = 0x02
FLAG_XMP = 0x04
FLAG_EXIF = 0x08
FLAG_ALPHA = 0x10
FLAG_ICC = 0x20


@dataclass(frozen=True, slots=True)
class Chunk:
    offset: int  # of the fourcc
    fourcc: bytes
    length: int  # of the payload, without the pad byte
    padded: int  # bytes from the fourcc to the next chunk (header + payload + pad)

    @property
    def data_offset(self) -> int:
        return self.offset + 8

    @property
    def name(self) -> str:
        text = self.fourcc.decode("latin-1")
        return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text).strip()


# More chunks than this is a file built to be slow to check (a long animation has a few thousand).
MAX_CHUNKS = 50_000


def walk_chunks(data: Buffer, start: int, end: int, what: str = "WebP") -> list[Chunk]:
    """Chunks between ``start`` and ``end``; the final pad byte may be missing (a common writer slip)."""
    chunks: list[Chunk] = []
    pos = start
    while pos < end:
        if len(chunks) >= MAX_CHUNKS:
            raise ParseError(f"too complex to check: more than {MAX_CHUNKS:,} chunks")
        if pos + 8 > end:
            raise ParseError(f"damaged {what}: an incomplete chunk header at byte {pos}")
        fourcc, length = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + length > end:
            raise ParseError(
                f"truncated {what}: the '{fourcc.decode('latin-1')}' chunk at byte {pos} runs past the end"
            )
        padded = 8 + length + (length & 1)
        if pos + padded > end:
            padded = end - pos
        chunks.append(Chunk(pos, fourcc, length, padded))
        pos += padded
    return chunks


def riff_end(data: Buffer) -> int:
    """Where the RIFF ends; raises ParseError unless this is a complete RIFF/WEBP file."""
    size = len(data)
    if size < 12 or bytes(data[:4]) != b"RIFF" or bytes(data[8:12]) != b"WEBP":
        raise ParseError("not a WebP file (the RIFF/WEBP header is missing)")
    riff_size: int = struct.unpack("<I", data[4:8])[0]
    if riff_size + 8 > size:
        raise ParseError(f"truncated WebP: the header declares {riff_size + 8} bytes but the file has {size}")
    if riff_size < 4:
        raise ParseError("damaged WebP: the RIFF size is too small")
    return riff_size + 8


def vp8_size(payload: bytes) -> tuple[int, int]:
    """Width and height from a lossy VP8 key frame header."""
    if len(payload) < 10 or payload[3:6] != b"\x9d\x01\x2a":
        raise ParseError("damaged WebP: the VP8 image header is invalid")
    w, h = struct.unpack("<HH", payload[6:10])
    return w & 0x3FFF, h & 0x3FFF


def vp8l_info(payload: bytes) -> tuple[int, int, bool]:
    """Width, height and the alpha hint from a lossless VP8L header."""
    if len(payload) < 5 or payload[0] != 0x2F:
        raise ParseError("damaged WebP: the VP8L image header is invalid")
    bits = struct.unpack("<I", payload[1:5])[0]
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)


@dataclass(slots=True)
class _Analysis:
    chunks: list[Chunk]
    end: int
    width: int = 0
    height: int = 0
    vp8x_flags: int = 0
    has_vp8x: bool = False
    alpha: bool = False
    animated: bool = False
    lossless: bool = False
    items: list[Item] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    image: list[tuple[Chunk, list[Chunk]]] = field(default_factory=list)  # (chunk, known frame sub-chunks)
    icc: bytes | None = None  # exactly the profile (bytes appended after its declared size cut off)
    unknown_counts: dict[str, int] = field(default_factory=dict)
    exif: ExifResult | None = None
    exif_keys: list[str] = field(default_factory=list)
    xmp: bytes | None = None
    xmp_keys: list[str] = field(default_factory=list)
    orientation: int = 1
    image_bytes: int = 12


def _payload(data: Buffer, chunk: Chunk) -> bytes:
    return bytes(data[chunk.data_offset : chunk.data_offset + chunk.length])


def _head(data: Buffer, chunk: Chunk, n: int) -> bytes:
    return bytes(data[chunk.data_offset : chunk.data_offset + min(n, chunk.length)])


def _unknown(a: _Analysis, chunk: Chunk, why: str, data: Buffer | None = None) -> None:
    # Counted, not searched for: a file of thousands of unknown chunks must stay linear.
    n = a.unknown_counts.get(chunk.name, 0)
    a.unknown_counts[chunk.name] = n + 1
    key = f"webp:unknown:{chunk.name}" + (f"#{n + 1}" if n else "")
    value = why
    if data is not None:
        value = opaque_value(why, data[chunk.data_offset : chunk.data_offset + min(chunk.length, 1 << 16)])
    a.items.append(
        Item(
            Category.UNKNOWN,
            f"{chunk.name} chunk",
            value,
            f"WebP {chunk.name} chunk",
            chunk.padded,
            key,
            note=why,
        )
    )
    a.segments.append(Segment(chunk.offset, chunk.padded, chunk.name, Category.UNKNOWN))


def _image_chunk(data: Buffer, a: _Analysis, chunk: Chunk) -> None:
    payload_start = chunk.data_offset
    subs: list[Chunk] = []
    if chunk.fourcc == b"ANMF":
        if chunk.length < 16:
            raise ParseError("damaged WebP: an animation frame is too short")
        # 16-byte frame header, then ALPH/VP8/VP8L sub-chunks and possibly unknown ones.
        a.spans.append((payload_start, 16))
        inner = walk_chunks(data, payload_start + 16, payload_start + chunk.length, "WebP animation frame")
        # A frame is an optional ALPH then VP8, or one VP8L; any other sub-chunk is dropped.
        kept = _still_image(inner)
        for sub in inner:
            if sub in kept:
                subs.append(sub)
                a.lossless = a.lossless or sub.fourcc == b"VP8L"
                a.spans.append((sub.offset, 8 + sub.length))
            else:
                a.notes.append(
                    f"an unknown or repeated '{sub.name}' chunk inside an animation frame is dropped when "
                    "cleaning"
                )
        if not kept:
            raise ParseError("damaged WebP: an animation frame holds no image")
    elif chunk.fourcc == b"ANIM":
        if chunk.length < 6:
            raise ParseError("damaged WebP: the animation header (ANIM) is too short")
        a.spans.append((payload_start, 6))
        if chunk.length > 6:
            _extra(a, chunk, 6)
    else:
        a.spans.append((payload_start, chunk.length))
    a.image.append((chunk, subs))
    a.image_bytes += chunk.padded
    a.segments.append(Segment(chunk.offset, chunk.padded, chunk.name, Category.TECHNICAL))


def _still_image(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks of one still image among ``chunks``: an ALPH right before a VP8, or the first VP8 or
    VP8L alone; [] when there is none. Readers show only these; a second ALPH or image is never kept."""
    for i, c in enumerate(chunks):
        if c.fourcc == b"VP8L":
            return [c]
        if c.fourcc == b"VP8 ":
            return [chunks[i - 1], c] if i and chunks[i - 1].fourcc == b"ALPH" else [c]
    return []


def _extra(a: _Analysis, chunk: Chunk, used: int) -> None:
    extra = chunk.length - used
    why = f"{extra} bytes after the {chunk.name} fields, which readers ignore"
    a.items.append(Item(Category.UNKNOWN, f"Extra bytes in the {chunk.name} chunk", why,
                        f"WebP {chunk.name} chunk", extra, f"webp:extra:{chunk.name}", carriable=False,
                        note="never copied"))


def _icc(data: Buffer, a: _Analysis, chunk: Chunk) -> None:
    profile = _payload(data, chunk)
    declared = profile_size(profile)
    appended = len(profile) - declared if declared and len(profile) > declared else 0
    problem = icc_problem(profile[: len(profile) - appended])
    if problem:
        _unknown(a, chunk, problem)
        return
    if appended:
        a.items.append(Item(Category.UNKNOWN, "Data appended to the ICC profile", f"{appended} bytes",
                            "WebP ICCP chunk", appended, "webp:ICCP:appended", carriable=False,
                            note="bytes after the profile's declared size are never copied"))
    a.icc = profile[: len(profile) - appended]
    a.items.extend(profile_items(a.icc, "webp:ICCP", "WebP ICCP chunk", chunk.padded))
    a.segments.append(Segment(chunk.offset, chunk.padded, "ICCP", Category.TECHNICAL))


def _analyse(data: Buffer) -> _Analysis:
    end = riff_end(data)
    a = _Analysis(walk_chunks(data, 12, end), end)
    a.segments.append(Segment(0, 12, "RIFF header", Category.TECHNICAL))
    if not a.chunks:
        raise ParseError("damaged WebP: there are no chunks")
    first = a.chunks[0]
    if first.fourcc == b"VP8X":
        if first.length < 10:
            raise ParseError("damaged WebP: the VP8X header is too short")
        head = _payload(data, first)
        a.has_vp8x, a.vp8x_flags = True, head[0]
        a.width = int.from_bytes(head[4:7], "little") + 1
        a.height = int.from_bytes(head[7:10], "little") + 1
        a.alpha = bool(a.vp8x_flags & FLAG_ALPHA)
        a.image_bytes += first.padded
        a.segments.append(Segment(first.offset, first.padded, "VP8X", Category.TECHNICAL))
    elif first.fourcc not in (b"VP8 ", b"VP8L"):
        raise ParseError(f"damaged WebP: the first chunk is '{first.name}', not an image header")
    if a.has_vp8x and first.length > 10:
        _extra(a, first, 10)
    rest = a.chunks[1 if a.has_vp8x else 0 :]
    # The image is one still image (ALPH+VP8, VP8, VP8L) or ANIM followed by ANMF frames; every other
    # image chunk (a second ALPH, a second image, frames without ANIM) is reported and never kept.
    image_chunks = [c for c in rest if c.fourcc in IMAGE_CHUNKS]
    anim = next((c for c in image_chunks if c.fourcc == b"ANIM"), None)
    if a.has_vp8x and image_chunks and image_chunks[0] is anim:
        kept = {id(anim), *(id(c) for c in image_chunks if c.fourcc == b"ANMF")}
    else:
        kept = {id(c) for c in _still_image(image_chunks if a.has_vp8x else image_chunks[:1])}
    for chunk in rest:
        fourcc = chunk.fourcc
        if fourcc in IMAGE_CHUNKS:
            if id(chunk) not in kept:
                why = f"a repeated or misplaced '{chunk.name}' chunk, which readers ignore"
                _unknown(a, chunk, why, data)
                continue
            _image_chunk(data, a, chunk)
            if fourcc == b"VP8 " and not (a.width and a.height):
                a.width, a.height = vp8_size(_head(data, chunk, 10))
            elif fourcc == b"VP8L":
                a.lossless = True
                w, h, alpha = vp8l_info(_head(data, chunk, 5))
                if not (a.width and a.height):
                    a.width, a.height = w, h
                a.alpha = a.alpha or alpha
            elif fourcc in (b"ANIM", b"ANMF"):
                a.animated = True
            elif fourcc == b"ALPH":
                a.alpha = True
        elif fourcc == b"ICCP" and a.has_vp8x and a.icc is None and (
            not image_chunks or chunk.offset < image_chunks[0].offset
        ):
            _icc(data, a, chunk)
        elif fourcc == b"EXIF" and a.has_vp8x and a.exif is None:
            _exif(data, a, chunk)
        elif fourcc in (b"XMP ", b"XMP\0") and a.has_vp8x and a.xmp is None:
            # "XMP\0" is a known writer slip (metadata-extractor issue 473): readable XMP all the same.
            _xmp(data, a, chunk)
        else:
            _unknown(a, chunk, f"an unknown or repeated '{chunk.name}' chunk", data)
    if not any(c.fourcc in (b"VP8 ", b"VP8L", b"ANMF") for c, _ in a.image):
        raise ParseError("damaged WebP: there is no image data")
    return a


def _exif(data: Buffer, a: _Analysis, chunk: Chunk) -> None:
    block = _payload(data, chunk)
    where = "WebP EXIF chunk · EXIF"
    if block.startswith(EXIF_HEADER):
        # Some writers (old Pillow, Apple) copy the JPEG APP1 header into the chunk; skip it.
        block = block[len(EXIF_HEADER) :]
    try:
        result = parse_exif(block, where=where, key_prefix="exif")
    except ParseError as exc:
        _unknown(a, chunk, f"unreadable EXIF: {exc}")
        return
    items = with_thumbnail(list(result.items), result)
    if not items:
        _unknown(a, chunk, "; ".join(error_texts(result.errors)) or "the EXIF block holds no readable tags")
        return
    errs = error_texts(result.errors)
    a.notes.extend(f"{where}: {e}" for e in errs)
    a.exif, a.exif_keys = result, [i.key for i in items]
    a.items.extend(with_notes(items, errs))
    a.segments.append(Segment(chunk.offset, chunk.padded, "EXIF", segment_category(items)))
    if any(i.key == "exif:IFD0:0x0112" for i in items):
        a.orientation = result.orientation


def _xmp(data: Buffer, a: _Analysis, chunk: Chunk) -> None:
    packet = _payload(data, chunk)
    result = parse_xmp(packet, where="WebP XMP chunk · XMP", key_prefix="xmp")
    items = list(result.items)
    if not items:
        _unknown(a, chunk, "; ".join(error_texts(result.errors)) or "an empty XMP packet")
        return
    a.xmp, a.xmp_keys = packet, [i.key for i in items]
    a.items.extend(items)
    a.segments.append(
        Segment(chunk.offset, chunk.padded, "XMP", segment_category(items, Category.DESCRIPTION))
    )


def _partial(data: Buffer) -> list[Item]:
    """The EXIF and XMP chunks of a WebP that cannot be read to its end (shown as a partial read)."""
    items: list[Item] = []
    pos = 12
    while pos + 8 <= len(data) and len(items) < 10_000:
        fourcc, length = bytes(data[pos : pos + 4]), struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if pos + 8 + length > len(data):
            break
        payload = bytes(data[pos + 8 : pos + 8 + length])
        try:
            if fourcc == b"EXIF":
                block = payload[len(EXIF_HEADER) :] if payload.startswith(EXIF_HEADER) else payload
                items += parse_exif(block, where="WebP EXIF chunk · EXIF", key_prefix="exif").items
            elif fourcc in (b"XMP ", b"XMP\0"):
                items += parse_xmp(payload, where="WebP XMP chunk · XMP", key_prefix="xmp").items
        except (ParseError, ValueError, IndexError, KeyError, struct.error):
            pass  # one more damaged chunk: what the others say is still shown
        pos += 8 + length + (length & 1)
    return items


def parse(data: Buffer) -> Parsed:
    try:
        a = _analyse(data)
    except ParseError as exc:
        raise ParseError(str(exc), [*exc.partial, *_partial(data)]) from exc
    kinds = sorted({c.name for c, _ in a.image})
    detail = ", animated" if a.animated else ""
    pixel = Item(
        Category.TECHNICAL,
        "WebP image data",
        f"{a.width}×{a.height}, {'lossless' if a.lossless else 'lossy'}{detail} ({'/'.join(kinds)})",
        "WebP RIFF header and image chunks",
        a.image_bytes,
        "webp:image",
        need=Need.PIXELS,
    )
    items = [pixel, *a.items]
    size = len(data)
    segments = sorted(a.segments, key=lambda s: s.offset)
    if a.end < size:
        item, segment = trailer(data, a.end, "after the WebP RIFF size", "webp:trailer", "after RIFF")
        items.append(item)
        segments.append(segment)
    return Parsed(
        items=items,
        segments=segments,
        width=a.width,
        height=a.height,
        orientation=a.orientation,
        pixel_spans=a.spans,
        notes=a.notes,
        state=a,
    )


# ---------------------------------------------------------------------------------------------------
# Clean


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")


def _copy(data: Buffer, chunk: Chunk) -> bytes:
    # Re-pad rather than copy the pad byte: a missing final pad is fixed, the payload is identical.
    return _chunk(chunk.fourcc, _payload(data, chunk))


def _image_chunks(data: Buffer, a: _Analysis) -> list[bytes]:
    out = []
    for chunk, subs in a.image:
        if chunk.fourcc == b"ANMF":
            frame = _payload(data, chunk)[:16] + b"".join(_copy(data, s) for s in subs)
            out.append(_chunk(b"ANMF", frame))
        elif chunk.fourcc == b"ANIM":
            out.append(_chunk(b"ANIM", _payload(data, chunk)[:6]))
        else:
            out.append(_copy(data, chunk))
    return out


def _reencoded(pixels: Image.Image, lossless: bool) -> tuple[list[bytes], bool]:
    """The image chunks of ``pixels`` encoded by Pillow, and whether it has an alpha channel."""
    buf = BytesIO()
    pixels.save(buf, format="WEBP", lossless=lossless, quality=95, exact=True)
    out = buf.getvalue()
    fresh = walk_chunks(out, 12, riff_end(out))
    chunks = [_copy(out, c) for c in fresh if c.fourcc in (b"ALPH", b"VP8 ", b"VP8L")]
    return chunks, "A" in pixels.getbands()


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    a = state_of(parsed, _Analysis, lambda: _analyse(data))
    if pixels is None:
        image, alpha, animated = _image_chunks(data, a), a.alpha, a.animated
    else:
        image, alpha = _reencoded(pixels, a.lossless)
        animated = False
    profile = exported_profile(a.icc, leaving) if a.icc is not None and "webp:ICCP" in leaving else None
    icc = _chunk(b"ICCP", profile) if profile is not None else None
    exif_block = build_exif(a.exif, leaving) if a.exif is not None and set(a.exif_keys) & leaving else None
    xmp_packet = filter_xmp(a.xmp, leaving, key_prefix="xmp") if a.xmp and set(a.xmp_keys) & leaving else None
    simple = (
        icc is None
        and exif_block is None
        and xmp_packet is None
        and not animated
        and len(image) == 1
        and image[0][:4] in (b"VP8 ", b"VP8L")
    )
    parts: list[bytes] = []
    if not simple:
        flags = (
            (FLAG_ICC if icc else 0)
            | (FLAG_ALPHA if alpha else 0)
            | (FLAG_EXIF if exif_block else 0)
            | (FLAG_XMP if xmp_packet else 0)
            | (FLAG_ANIMATION if animated else 0)
        )
        width, height = pixels.size if pixels is not None else (a.width, a.height)
        vp8x = (
            bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        )
        parts.append(_chunk(b"VP8X", vp8x))
        if icc:
            parts.append(icc)
    parts.extend(image)
    if exif_block:
        parts.append(_chunk(b"EXIF", exif_block))
    if xmp_packet:
        parts.append(_chunk(b"XMP ", xmp_packet))
    body = b"WEBP" + b"".join(parts)
    out = b"RIFF" + struct.pack("<I", len(body)) + body
    return Cleaned(out, "unchanged" if pixels is None else "re-encoded", ".webp")


class WebpHandler(FormatHandler):
    name = "webp"
    extensions = (".webp",)
    reencodes = False
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
