# SPDX-License-Identifier: GPL-3.0-or-later
"""GIF (87a/89a): a lossless block filter.

A GIF is a header, a logical screen descriptor with an optional global colour table, then blocks:
image descriptors (with an optional local colour table and LZW data in sub-blocks), extensions
introduced by 0x21 and a label (graphic control 0xF9, comment 0xFE, application 0xFF, plain text 0x01),
and the trailer 0x3B. Every extension's data is a chain of sub-blocks (a length byte, that many bytes)
ended by an empty one; the walker follows each chain to its end, so every byte belongs to one segment.

``clean`` writes a new GIF from an allowlist: the header, colour tables, graphic control extensions and
image data copied byte for byte, the NETSCAPE2.0/ANIMEXTS1.0 looping block rebuilt from its loop count,
and the comments, plain texts, XMP packet and ICC profile rebuilt when their keys leave. Other
application extensions, unknown extensions and data after the trailer never leave.

XMP sits in an "XMP DataXMP" application extension as raw text followed by a 258-byte "magic trailer"
that makes the packet's bytes read as a chain of sub-blocks ending in the trailer (XMP specification
part 3); the packet is what lies between the identifier and that trailer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.png_chunks import error_texts, short
from core.formats.shared import segment_category, trailer
from core.metadata.icc import icc_problem
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.icc_clean import profile_items
from core.metadata.vendor import opaque_value
from core.metadata.xmp import filter_xmp, parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment
from core.model.values import ByteSize

if TYPE_CHECKING:
    from PIL import Image

FMT = "GIF"
LOOP_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
XMP_APP = b"XMP DataXMP"
ICC_APP = b"ICCRGBG1012"
XMP_MAGIC = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
# A long animation has a few thousand blocks, and a 100 MB one some 400,000 sub-blocks (of 255 bytes);
# more than this is a file built to be slow to check.
MAX_BLOCKS = 50_000
MAX_SUB_BLOCKS = 1_000_000
MAX_TEXT = 1 << 20  # bytes of a comment or plain text read for the inventory (all of it is rewritten)


@dataclass(slots=True)
class _Part:
    """One block of the file in the order of the file, and how the clean writes it."""

    kind: str  # "image" (copied), "loop", "comment", "text", "xmp", "icc" (rebuilt), "drop"
    start: int
    end: int
    keys: tuple[str, ...] = ()
    body: bytes = b""  # comment or plain text; plain text's 12-byte header; loop data; packet; profile
    text: bytes = b""  # a plain text's characters
    gce: bytes = b""  # the graphic control extension a plain text is drawn with


@dataclass(slots=True)
class _Gif:
    version: bytes
    width: int
    height: int
    head_end: int  # after the logical screen descriptor and global colour table
    trailer_end: int = 0
    parts: list[_Part] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    frames: int = 0
    image_bytes: int = 0
    loop: int | None = None
    seen: dict[str, int] = field(default_factory=dict)
    sub_blocks: int = 0

    def unique(self, key: str) -> str:
        """Keys repeat when a block does (two comments): number the repeats in file order."""
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        return key if n == 0 else f"{key}#{n + 1}"


# ------------------------------------------------------------------------------------------------ walk


def _chain_end(data: Buffer, a: _Gif, pos: int, what: str, start: int) -> int:
    """Where the sub-block chain starting at ``pos`` ends (after its empty terminator)."""
    size = len(data)
    left = MAX_SUB_BLOCKS - a.sub_blocks
    count = 0
    # The one loop that runs per sub-block: kept minimal (the count is checked against the cap at the end).
    while pos < size and count <= left:
        n = data[pos]
        if n == 0:
            a.sub_blocks += count
            return pos + 1
        pos += n + 1
        count += 1
    if count > left:
        raise ParseError(f"too complex to check: more than {MAX_SUB_BLOCKS:,} data blocks")
    raise ParseError(f"truncated GIF: the {what} at byte {start} runs past the end of the file")


def _joined(data: Buffer, pos: int, end: int, limit: int = 1 << 62) -> bytes:
    """The payload of the sub-block chain in [pos, end) without its length bytes (at most ``limit``)."""
    parts: list[bytes] = []
    total = 0
    while pos < end - 1 and total < limit:
        n = data[pos]
        parts.append(data[pos + 1 : pos + 1 + n])
        total += n
        pos += 1 + n
    return b"".join(parts)


def _sub_blocks(payload: bytes) -> bytes:
    """``payload`` as a chain of sub-blocks of up to 255 bytes, with its terminator."""
    chunks = [payload[i : i + 255] for i in range(0, len(payload), 255)]
    return b"".join(bytes([len(c)]) + c for c in chunks) + b"\x00"


def _header(data: Buffer) -> _Gif:
    size = len(data)
    if size < 6 or bytes(data[:6]) not in (b"GIF87a", b"GIF89a"):
        raise ParseError("not a GIF file (the GIF87a/GIF89a header is missing)")
    if size < 13:
        raise ParseError("truncated GIF: the file ends inside its screen descriptor")
    width = int.from_bytes(data[6:8], "little")
    height = int.from_bytes(data[8:10], "little")
    packed = data[10]
    head_end = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    if head_end > size:
        raise ParseError("truncated GIF: the global colour table runs past the end of the file")
    if not width or not height:
        raise ParseError("damaged GIF: the screen size is zero")
    return _Gif(bytes(data[:6]), width, height, head_end)


def _walk(data: Buffer) -> _Gif:
    a = _header(data)
    a.segments.append(Segment(0, a.head_end, "GIF header and colour table", Category.TECHNICAL))
    a.spans.append((0, a.head_end))
    a.image_bytes = a.head_end
    size = len(data)
    pos = a.head_end
    gce: tuple[int, int] | None = None  # the graphic control extension waiting for its image
    blocks = 0
    while True:
        if pos >= size:
            raise ParseError("truncated GIF: the file ends before its trailer (the last byte, 0x3B), "
                             "cut short")
        blocks += 1
        if blocks > MAX_BLOCKS:
            raise ParseError(f"too complex to check: more than {MAX_BLOCKS:,} blocks")
        kind = data[pos]
        if kind == 0x3B:
            if gce is not None:
                _orphan_gce(a, gce)
            a.segments.append(Segment(pos, 1, "GIF trailer", Category.TECHNICAL))
            a.trailer_end = pos + 1
            break
        if kind == 0x2C:
            pos = _image(data, a, pos, gce)
            gce = None
            continue
        if kind != 0x21:
            raise ParseError(f"damaged GIF: an unknown block (0x{kind:02X}) at byte {pos}")
        if pos + 2 > size:
            raise ParseError(f"truncated GIF: the extension at byte {pos} runs past the end of the file")
        label = data[pos + 1]
        if label == 0xF9:
            if gce is not None:
                _orphan_gce(a, gce)
            end = _chain_end(data, a, pos + 2, "graphic control extension", pos)
            if end - pos == 8 and data[pos + 2] == 4:
                gce = (pos, end)
            else:
                _unknown(data, a, pos, end, "Malformed graphic control extension",
                         "a graphic control extension of the wrong size, which readers ignore")
            pos = end
        elif label == 0x01:
            pos = _plain_text(data, a, pos, gce)
            gce = None
        elif label == 0xFE:
            pos = _comment(data, a, pos)
        elif label == 0xFF:
            pos = _application(data, a, pos)
        else:
            end = _chain_end(data, a, pos + 2, f"extension 0x{label:02X}", pos)
            _unknown(data, a, pos, end, f"Unknown extension 0x{label:02X}",
                     f"an extension of an unknown kind (0x{label:02X})")
            pos = end
    if not a.frames:
        raise ParseError("damaged GIF: there is no image in the file")
    return a


def _image(data: Buffer, a: _Gif, pos: int, gce: tuple[int, int] | None) -> int:
    size = len(data)
    if pos + 10 > size:
        raise ParseError(f"truncated GIF: the image descriptor at byte {pos} runs past the end of the file")
    packed = data[pos + 9]
    lct = 3 << ((packed & 7) + 1) if packed & 0x80 else 0
    lzw = pos + 10 + lct
    if lzw >= size:
        raise ParseError(f"truncated GIF: the image at byte {pos} runs past the end of the file")
    if not 1 <= data[lzw] <= 12:
        raise ParseError(f"damaged GIF: the image at byte {pos} declares an impossible LZW code size")
    end = _chain_end(data, a, lzw + 1, "image data", pos)
    if gce is not None:
        # Timing, disposal and transparency of this frame: part of how the picture shows.
        a.segments.append(Segment(gce[0], gce[1] - gce[0], "graphic control extension", Category.TECHNICAL))
        a.spans.append((gce[0], gce[1] - gce[0]))
        a.image_bytes += gce[1] - gce[0]
        a.parts.append(_Part("image", gce[0], gce[1]))
    a.segments.append(Segment(pos, end - pos, f"image {a.frames + 1}", Category.TECHNICAL))
    a.spans.append((pos, end - pos))
    a.image_bytes += end - pos
    a.parts.append(_Part("image", pos, end))
    a.frames += 1
    return end


def _orphan_gce(a: _Gif, gce: tuple[int, int]) -> None:
    # Controls no image (another control block or the trailer follows): harmless, and never copied.
    a.segments.append(Segment(gce[0], gce[1] - gce[0], "unused graphic control extension",
                              Category.TECHNICAL))
    a.parts.append(_Part("drop", gce[0], gce[1]))
    a.notes.append("a graphic control extension that controls no image is dropped when cleaning")


def _unknown(data: Buffer, a: _Gif, start: int, end: int, name: str, why: str, body_at: int = 0,
             raw: bool = False) -> None:
    # ``raw``: text written over the sub-block structure (XMP), whose length bytes fall inside words.
    at = body_at or start + 2
    payload = bytes(data[at : min(end, at + (1 << 16))]) if raw else _joined(data, at, end, 1 << 16)
    key = a.unique(f"gif:unknown:{name}")
    a.items.append(Item(Category.UNKNOWN, name, opaque_value(f"{end - start:,} bytes", payload),
                        f"GIF block at byte {start}", end - start, key, note=why,
                        datum=ByteSize(end - start)))
    a.segments.append(Segment(start, end - start, name, Category.UNKNOWN))
    a.parts.append(_Part("drop", start, end))


def _text_of(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # the spec says 7-bit ASCII; old writers used their code page


def _comment(data: Buffer, a: _Gif, pos: int) -> int:
    end = _chain_end(data, a, pos + 2, "comment", pos)
    text = _joined(data, pos + 2, end)
    key = a.unique("gif:comment")
    value = short(_text_of(text[:MAX_TEXT]))
    a.items.append(Item(Category.DESCRIPTION, "Comment", value, "GIF comment extension", end - pos, key))
    a.segments.append(Segment(pos, end - pos, "comment extension", Category.DESCRIPTION))
    a.parts.append(_Part("comment", pos, end, (key,), text))
    return end


def _plain_text(data: Buffer, a: _Gif, pos: int, gce: tuple[int, int] | None) -> int:
    end = _chain_end(data, a, pos + 2, "plain-text extension", pos)
    start = gce[0] if gce is not None else pos
    if data[pos + 2] != 12 or end - pos < 16:
        if gce is not None:
            _orphan_gce(a, gce)
        _unknown(data, a, pos, end, "Malformed plain-text extension",
                 "a plain-text extension of the wrong size, which readers ignore")
        return end
    header = bytes(data[pos + 3 : pos + 15])
    text = _joined(data, pos + 15, end)
    key = a.unique("gif:text")
    value = short(_text_of(text[:MAX_TEXT]))
    a.items.append(Item(Category.DESCRIPTION, "Text drawn over the picture", value,
                        "GIF plain-text extension", end - start, key,
                        note="few viewers show it, but anyone reading the file does"))
    a.segments.append(Segment(start, end - start, "plain-text extension", Category.DESCRIPTION))
    control = bytes(data[gce[0] : gce[1]]) if gce is not None else b""
    a.parts.append(_Part("text", start, end, (key,), header, text, control))
    return end


def _application(data: Buffer, a: _Gif, pos: int) -> int:
    size = len(data)
    if pos + 14 > size:
        raise ParseError(f"truncated GIF: the application extension at byte {pos} runs past the end of "
                         "the file")
    if data[pos + 2] != 11:
        end = _chain_end(data, a, pos + 2, "application extension", pos)
        _unknown(data, a, pos, end, "Malformed application extension",
                 "an application extension without its 11-byte identifier")
        return end
    app = bytes(data[pos + 3 : pos + 14])
    name = app.decode("latin-1")
    name = "".join(c if c.isprintable() else "?" for c in name)
    if app == XMP_APP and "xmp" not in a.seen:
        # Searched for once (a repeated XMP block is unknown data): many of them must not each scan the
        # rest of the file.
        a.seen["xmp"] = 1
        at = data.find(XMP_MAGIC, pos + 14)
        # The packet is text: a zero byte before the magic trailer means it belongs to another block.
        if at >= 0 and data.find(b"\x00", pos + 14, at) < 0:
            end = at + len(XMP_MAGIC)
            _xmp(a, pos, end, bytes(data[pos + 14 : at]))
            return end
    end = _chain_end(data, a, pos + 14, f"'{name}' application extension", pos)
    if app in LOOP_APPS and a.loop is None and data[pos + 14] == 3 and data[pos + 15] == 1:
        loop = int.from_bytes(data[pos + 16 : pos + 18], "little")
        a.loop = loop
        value = "repeats for ever" if loop == 0 else f"plays {loop + 1} times"
        a.items.append(Item(Category.TECHNICAL, "Animation looping", value,
                            f"GIF {name} application extension", 19, "gif:loop", need=Need.PIXELS))
        length = 19 if end == pos + 19 else 18  # without the terminator when more blocks follow
        a.segments.append(Segment(pos, length, "looping extension", Category.TECHNICAL))
        a.spans.append((pos + 2, 16))  # identifier and loop count: rebuilt byte for byte
        a.image_bytes += 19
        a.parts.append(_Part("loop", pos, pos + 19, body=bytes(data[pos + 14 : pos + 18])))
        if end > pos + 19:
            _unknown(data, a, pos + 18, end, f"Extra data in the {name} extension",
                     "data blocks after the loop count, which readers ignore", body_at=pos + 18)
        return end
    if app == ICC_APP and "gif:icc" not in a.seen:
        profile = _joined(data, pos + 14, end)
        problem = icc_problem(profile)
        if not problem:
            a.seen["gif:icc"] = 1
            items = profile_items(profile, "gif:icc", "GIF ICCRGBG1 application extension", end - pos)
            a.items.extend(items)
            a.segments.append(Segment(pos, end - pos, "ICC profile extension", segment_category(items)))
            a.parts.append(_Part("icc", pos, end, ("gif:icc",), profile))
            return end
        _unknown(data, a, pos, end, "Unusable ICC colour profile", problem, body_at=pos + 14)
        return end
    why = (f"a repeated or malformed '{name}' block" if app in (XMP_APP, ICC_APP, *LOOP_APPS)
           else f"data a program stored in the file under the name '{name}'")
    _unknown(data, a, pos, end, f"Application extension '{name.strip()}'", why, body_at=pos + 14,
             raw=app == XMP_APP)
    return end


def _xmp(a: _Gif, pos: int, end: int, packet: bytes) -> None:
    result = parse_xmp(packet, where="GIF XMP application extension · XMP", key_prefix="xmp")
    items = list(result.items)
    if not items:
        why = "; ".join(error_texts(result.errors)) or "an empty XMP packet"
        items = [Item(Category.UNKNOWN, "Empty XMP packet", why, "GIF XMP application extension", end - pos,
                      "gif:xmp:empty", datum=ByteSize(end - pos))]
    a.items.extend(items)
    a.segments.append(Segment(pos, end - pos, "XMP extension", segment_category(items, Category.DESCRIPTION)))
    keys = tuple(i.key for i in items if i.category is not Category.UNKNOWN)
    a.parts.append(_Part("xmp", pos, end, keys, packet))


# ------------------------------------------------------------------------------------------------ parse


def parse(data: Buffer) -> Parsed:
    try:
        a = _walk(data)
    except ParseError as exc:
        raise ParseError(str(exc), [*exc.partial, *_partial(data)]) from exc
    frames = f", {a.frames} frames" if a.frames > 1 else ""
    pixel = Item(Category.TECHNICAL, "GIF image data",
                 f"{a.width}×{a.height}{frames} ({a.version.decode('ascii')})",
                 "GIF header, colour tables and image blocks", a.image_bytes, "gif:image", need=Need.PIXELS)
    items = [pixel, *a.items]
    segments = a.segments
    if a.trailer_end < len(data):
        item, segment = trailer(data, a.trailer_end, "after the GIF trailer", "gif:trailer", "after trailer")
        items.append(item)
        segments.append(segment)
    return Parsed(items=items, segments=segments, width=a.width, height=a.height, pixel_spans=a.spans,
                  notes=a.notes, state=a)


def _partial(data: Buffer) -> list[Item]:
    """What the blocks before the damage say (comments, XMP), shown as a partial read."""
    try:
        a = _header(data)
    except ParseError:
        return []
    pos = a.head_end
    try:
        while pos < len(data) and len(a.items) < 10_000:
            kind = data[pos]
            if kind == 0x2C:
                packed = data[pos + 9]
                lct = 3 << ((packed & 7) + 1) if packed & 0x80 else 0
                pos = _chain_end(data, a, pos + 11 + lct, "image data", pos)
            elif kind == 0x21 and data[pos + 1] == 0xFE:
                pos = _comment(data, a, pos)
            elif kind == 0x21 and data[pos + 1] == 0xFF:
                pos = _application(data, a, pos)
            elif kind == 0x21:
                pos = _chain_end(data, a, pos + 2, "extension", pos)
            else:
                break
    except (ParseError, IndexError):
        pass  # the damage itself: what came before it is still shown
    return [i for i in a.items if i.category is not Category.UNKNOWN]


# ------------------------------------------------------------------------------------------------ clean


def _extension(label: int, body: bytes) -> bytes:
    return bytes([0x21, label]) + body


def _metadata(part: _Part, leaving: frozenset[str]) -> bytes:
    """The rebuilt block of a comment, plain text, XMP packet or profile that leaves, else b""."""
    if not set(part.keys) & leaving:
        return b""
    if part.kind == "comment":
        return _extension(0xFE, _sub_blocks(part.body))
    if part.kind == "text":
        return part.gce + _extension(0x01, b"\x0c" + part.body + _sub_blocks(part.text))
    if part.kind == "xmp":
        packet = filter_xmp(part.body, leaving, key_prefix="xmp")
        return _extension(0xFF, b"\x0b" + XMP_APP + packet + XMP_MAGIC) if packet else b""
    if part.kind == "icc":
        profile = exported_profile(part.body, leaving)
        return _extension(0xFF, b"\x0b" + ICC_APP + _sub_blocks(profile))
    return b""


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    a = state_of(parsed, _Gif, lambda: _walk(data))
    out = bytearray()
    if pixels is None:
        out += data[: a.head_end]
        for part in a.parts:
            if part.kind == "image":
                out += data[part.start : part.end]
            elif part.kind == "loop":
                out += _extension(0xFF, b"\x0b" + bytes(data[part.start + 3 : part.start + 14]) + part.body
                                  + b"\x00")
            else:
                out += _metadata(part, leaving)
        return Cleaned(bytes(out + b"\x3b"), "unchanged", ".gif")
    # Blurred pixels are one still picture (the frame the faces were found in): the other frames, which
    # were not searched for faces, never leave.
    fresh = _reencoded(pixels)
    walked = _walk(fresh)
    out += fresh[: walked.head_end]
    for part in walked.parts:
        if part.kind == "image":
            out += fresh[part.start : part.end]
    for part in a.parts:
        if part.kind in ("comment", "text", "xmp", "icc"):
            out += _metadata(part, leaving)
    return Cleaned(bytes(out + b"\x3b"), "re-encoded", ".gif")


def _reencoded(pixels: Image.Image) -> bytes:
    image = pixels.copy()
    image.info = {k: v for k, v in pixels.info.items() if k == "transparency"}
    buf = io.BytesIO()
    try:
        image.save(buf, "GIF")
    except (ValueError, OSError) as exc:
        raise ParseError(f"cannot write the cleaned GIF: {exc}") from exc
    return buf.getvalue()


class GifHandler(FormatHandler):
    name = "gif"
    extensions = (".gif",)
    reencodes = False
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def sniff(self, head: bytes) -> bool:
        return head[:6] in (b"GIF87a", b"GIF89a")
