# SPDX-License-Identifier: GPL-3.0-or-later
"""PNG's building blocks: the chunk walker (CRC-checked), text chunks (tEXt, zTXt, iTXt) and their
categories, ImageMagick's "Raw profile type" hex dumps, and the capped inflate and note helpers that the
WebP and GIF handlers share. ``core.formats.png_analysis`` itemises a whole file with them,
``core.formats.png_clean`` cleans it."""

from __future__ import annotations

import dataclasses
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from core.formats.base import Buffer
from core.model.categories import Category
from core.model.inventory import Item, ParseError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text chunks are decompressed to show them; a chunk that inflates beyond this is a decompression bomb
# and is reported as unknown instead of being expanded.
MAX_TEXT_BYTES = 8 * 1024 * 1024
# Readable values are cut to this many characters (the full text still leaves or stays as a whole).
MAX_VALUE_CHARS = 2000


# ---------------------------------------------------------------------------------------------------
# Helpers shared with the WebP handler


def short(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    text = text.strip("\0")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def inflate_capped(data: bytes, limit: int = MAX_TEXT_BYTES) -> bytes:
    """zlib-decompress at most ``limit`` bytes; raise ValueError on bombs and corrupt streams."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"compressed text is corrupt ({exc})") from exc
    if len(out) > limit or d.unconsumed_tail:
        raise ValueError(
            f"compressed text inflates beyond {limit // (1024 * 1024)} MB; refused as a decompression bomb"
        )
    return out


@dataclass(frozen=True, slots=True)
class Inflated:
    """What inflating a zlib stream split over chunks showed, without keeping its output."""

    produced: int  # bytes of output (counting stops just past ``limit``)
    consumed: int  # bytes of input up to the stream's end (all of it when the stream never ends)
    complete: bool  # the stream reached its end marker


def inflate_pieces(pieces: list[bytes | memoryview], limit: int) -> Inflated:
    """Inflate a zlib stream given in pieces, counting output in slices so memory stays small; stops once
    the output exceeds ``limit``. Raises zlib.error on a corrupt stream."""
    d = zlib.decompressobj()
    produced = consumed = 0
    for piece in pieces:
        if d.eof:
            break
        buf: bytes | memoryview = piece
        while buf and not d.eof and produced <= limit:
            produced += len(d.decompress(buf, 1 << 20))
            buf = d.unconsumed_tail
        if produced > limit:
            return Inflated(produced, consumed + len(piece) - len(buf), d.eof)
        consumed += len(piece) - (len(d.unused_data) if d.eof else 0)
    return Inflated(produced, consumed, d.eof)


def with_notes(items: list[Item], notes: list[str]) -> list[Item]:
    """Attach parser warnings to the first item so that a person sees them next to the data."""
    if not items or not notes:
        return items
    first = items[0]
    note = "; ".join([first.note, *notes]) if first.note else "; ".join(notes)
    return [dataclasses.replace(first, note=note), *items[1:]]


def error_texts(errors: Iterable[object] | None) -> list[str]:
    return [str(e) for e in (errors or [])]


# ---------------------------------------------------------------------------------------------------
# Chunk walker


@dataclass(frozen=True, slots=True)
class Chunk:
    offset: int  # of the length field
    ctype: bytes
    length: int  # of the payload
    crc_ok: bool

    @property
    def data_offset(self) -> int:
        return self.offset + 8

    @property
    def end(self) -> int:
        return self.offset + 12 + self.length

    @property
    def size(self) -> int:
        return self.length + 12

    @property
    def name(self) -> str:
        return self.ctype.decode("latin-1")

    @property
    def critical(self) -> bool:
        return not self.ctype[0] & 0x20  # bit 5 of the first letter: uppercase means critical


def chunk_payload(data: Buffer, chunk: Chunk) -> bytes:
    return bytes(data[chunk.data_offset : chunk.data_offset + chunk.length])


def walk_chunks(data: Buffer) -> tuple[list[Chunk], int]:
    """All chunks from after the signature through IEND, and the offset where IEND ends."""
    size = len(data)
    if size < 8 or bytes(data[:8]) != SIGNATURE:
        raise ParseError("not a PNG file (the PNG signature is missing)")
    chunks: list[Chunk] = []
    pos = 8
    while True:
        if pos == size:
            raise ParseError("truncated PNG: the file ends before the IEND chunk")
        if pos + 12 > size:
            raise ParseError(f"truncated PNG: an incomplete chunk header at byte {pos}")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if not all(65 <= c <= 90 or 97 <= c <= 122 for c in ctype):
            raise ParseError(f"damaged PNG: an invalid chunk type at byte {pos}")
        if length > 0x7FFFFFFF or pos + 12 + length > size:
            raise ParseError(
                f"truncated PNG: the {ctype.decode('latin-1')} chunk at byte {pos} runs past the end "
                "of the file"
            )
        stored = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        crc = zlib.crc32(data[pos + 4 : pos + 8 + length]) & 0xFFFFFFFF
        chunk = Chunk(pos, ctype, length, crc == stored)
        chunks.append(chunk)
        pos = chunk.end
        if ctype == b"IEND":
            return chunks, pos


def chunk_bytes(ctype: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(ctype)) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


# ---------------------------------------------------------------------------------------------------
# Text chunks


@dataclass(slots=True)
class TextChunk:
    keyword: str
    text: bytes  # decoded bytes: Latin-1 for tEXt/zTXt, UTF-8 for iTXt
    encoding: str
    language: str = ""


def decode_text_chunk(ctype: bytes, payload: bytes) -> TextChunk:
    """Split a tEXt/zTXt/iTXt payload; raises ValueError when malformed or a decompression bomb."""
    keyword_raw, sep, rest = payload.partition(b"\0")
    if not sep or not 1 <= len(keyword_raw) <= 79:
        raise ValueError("the text chunk has no valid keyword")
    keyword = keyword_raw.decode("latin-1")
    if ctype == b"tEXt":
        return TextChunk(keyword, rest, "latin-1")
    if ctype == b"zTXt":
        if not rest or rest[0] != 0:
            raise ValueError("unknown compression method")
        return TextChunk(keyword, inflate_capped(rest[1:]), "latin-1")
    # iTXt: flag, method, language \0 translated keyword \0 text
    if len(rest) < 2:
        raise ValueError("the iTXt chunk is too short")
    flag, method = rest[0], rest[1]
    language, sep1, rest = rest[2:].partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2):
        raise ValueError("the iTXt chunk is malformed")
    if flag:
        if method != 0:
            raise ValueError("unknown compression method")
        text = inflate_capped(text)
    return TextChunk(keyword, text, "utf-8", language.decode("latin-1", "replace"))


TEXT_NAMES = {
    "parameters": "parameters (Stable Diffusion generation prompt)",
    "prompt": "prompt (ComfyUI generation prompt)",
    "workflow": "workflow (ComfyUI workflow)",
}


def text_category(keyword: str) -> Category:
    """Which category a free-text chunk belongs to, from its keyword (registered or tool-specific)."""
    k = keyword.lower()
    if k.startswith("icc:"):  # ImageMagick copies of the ICC profile's own description strings
        return Category.TECHNICAL
    if any(w in k for w in ("gps", "latitude", "longitude", "location", "city", "country", "altitude")):
        return Category.LOCATION
    if any(w in k for w in ("creatortool", "history", "documentid", "instanceid", "uniqueid", "derived")):
        return Category.HISTORY
    if any(w in k for w in ("date", "time")):
        return Category.TIME
    if any(w in k for w in ("author", "artist", "copyright", "creator", "owner", "by-line", "rights")):
        return Category.PEOPLE
    if any(
        w in k
        for w in ("software", "source", "make", "model", "serial", "lens", "camera", "device", "hostcomputer")
    ):
        return Category.DEVICE
    # Title, Description, Comment, Disclaimer, Warning, AI prompts and anything else a person wrote.
    return Category.DESCRIPTION


# ---------------------------------------------------------------------------------------------------
# ImageMagick "Raw profile type xxx" texts: a hex dump of a binary profile


def decode_raw_profile(text: bytes) -> tuple[str, bytes]:
    """Returns (profile name line, payload); raises ValueError when the hex dump is malformed."""
    lines = text.decode("latin-1").split("\n")
    # "\n<name>\n<spaces><length>\n<hex...>"
    if len(lines) < 4 or lines[0].strip():
        raise ValueError("the raw profile text has no header")
    name = lines[1]
    try:
        length = int(lines[2].strip())
    except ValueError as exc:
        raise ValueError("the raw profile text has no length") from exc
    hexdata = "".join("".join(lines[3:]).split())
    payload = bytes.fromhex(hexdata)
    if len(payload) < length:
        raise ValueError(f"the raw profile declares {length} bytes but holds {len(payload)}")
    return name, payload[:length]


def encode_raw_profile(name: str, payload: bytes) -> bytes:
    """The ImageMagick layout: newline, name, length in 8 columns, hex in lines of 72 characters."""
    hexed = payload.hex()
    lines = [hexed[i : i + 72] for i in range(0, len(hexed), 72)]
    return f"\n{name}\n{len(payload):8d}\n{chr(10).join(lines)}\n".encode("latin-1")


def ztxt_chunk(keyword: str, text: bytes) -> bytes:
    return chunk_bytes(b"zTXt", keyword.encode("latin-1") + b"\0\0" + zlib.compress(text, 9))


def itxt_chunk(keyword: str, text: bytes) -> bytes:
    return chunk_bytes(b"iTXt", keyword.encode("latin-1") + b"\0\0\0\0\0" + text)


def iptc_from_irb(irb: bytes) -> tuple[bytes | None, list[str]]:
    """The IPTC-IIM block (resource 0x0404) inside Photoshop image resources, and other resource ids."""
    pos, iptc, others = 0, None, []
    while pos + 12 <= len(irb) and irb[pos : pos + 4] == b"8BIM":
        rid = struct.unpack(">H", irb[pos + 4 : pos + 6])[0]
        name_len = irb[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)
        if pos + 4 > len(irb):
            break
        size = struct.unpack(">I", irb[pos : pos + 4])[0]
        body = irb[pos + 4 : pos + 4 + size]
        pos += 4 + size + (size & 1)
        if rid == 0x0404:
            iptc = body
        else:
            others.append(f"0x{rid:04X}")
    return iptc, others
