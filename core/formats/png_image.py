# SPDX-License-Identifier: GPL-3.0-or-later
"""The chunks a PNG's picture is made of, checked as a decoder reads them: the IHDR header (size, bit
depth, colour type, interlacing), an APNG animation's control and frame chunks (in sequence, each frame
exactly one compressed frame), and the IDAT chunks (exactly one zlib stream of exactly the image's
scanlines; bytes after the stream are trimmed, a stream of the wrong size is reported)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from core.formats.base import Buffer
from core.formats.png_chunks import Chunk, chunk_payload, inflate_pieces
from core.formats.png_plan import ANIMATION_CHUNKS, EXACT_SIZES, Analysis
from core.model.categories import Category
from core.model.inventory import Item, ParseError

_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
# Raw image data beyond this is more than any reader decodes (Pillow stops far below): refused.
MAX_RAW_BYTES = 1 << 30


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


def ihdr(data: Buffer, chunk: Chunk) -> tuple[int, int, str]:
    h = header(data, chunk)
    kinds = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale+alpha", 6: "RGBA"}
    return h.width, h.height, f"{kinds.get(h.colour, f'colour type {h.colour}')} {h.depth}-bit"


def header(data: Buffer, chunk: Chunk) -> Header:
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


def animation_problem(data: Buffer, chunks: list[Chunk], head: Header) -> str:
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
    frames_declared = struct.unpack(">I", chunk_payload(data, actl[0])[:4])[0]
    frames: list[tuple[int, int, list[bytes | memoryview]]] = []  # (width, height, data pieces)
    sequence = 0
    idat_frame = False
    for i, c in enumerate(chunks):
        if c.ctype not in (b"fcTL", b"fdAT"):
            continue
        number = struct.unpack(">I", chunk_payload(data, c)[:4])[0]
        if number != sequence:
            return "APNG chunks out of sequence"
        sequence += 1
        if c.ctype == b"fcTL":
            fw, fh, fx, fy = struct.unpack(">IIII", chunk_payload(data, c)[4:20])
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
            frames[-1][2].append(chunk_payload(data, c)[4:])
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


def check_idat(data: Buffer, a: Analysis, head: Header, idats: list[Chunk]) -> None:
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
