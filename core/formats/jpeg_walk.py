# SPDX-License-Identifier: GPL-3.0-or-later
"""The walk of a JPEG: every marker segment from SOI to the first EOI, then everything after it, with
every byte accounted for.

``Walker`` holds what the walk has read so far and the ledger of byte ranges and items (``seg``,
``image_seg``, ``unknown``); ``run`` steps from marker to marker (fill bytes, stray bytes between
segments, standalone markers) and, after each scan header, finds where the entropy-coded data ends
(core.formats.jpeg_scan). ``segment`` sends each segment to its reader: the image's tables and headers
to core.formats.jpeg_tables, application segments to core.formats.jpeg_metadata (the one-field ones,
DRI, APP13 Photoshop chunks, APP14 Adobe and COM, are read in place); what follows EOI to
core.formats.jpeg_trailer. The readers are plain functions of the walker, called directly: the walk is
on the hot path of every inventory and export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.formats.base import Buffer
from core.formats.jpeg_markers import (
    APP0,
    APP1,
    APP2,
    APP13,
    APP14,
    COM,
    DAC,
    DHT,
    DQT,
    DRI,
    EOI,
    MAX_SEGMENTS,
    NOT_NEEDED,
    SOF,
    SOI,
    SOS,
    STANDALONE,
    TOO_COMPLEX,
    TRUNCATED,
)
from core.formats.jpeg_metadata import app0, app1, app2, finish_metadata, other_app
from core.formats.jpeg_parts import Part, Walk
from core.formats.jpeg_scan import Searched, end_of_scan, known_end
from core.formats.jpeg_tables import dac, dht, dqt, frame, scan
from core.formats.jpeg_trailer import trailer
from core.formats.shared import segment_category
from core.metadata.iptc import PHOTOSHOP_HEADER
from core.metadata.vendor import opaque_value
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment

if TYPE_CHECKING:
    from core.formats import motion


class Walker:
    """One walk of one JPEG: the state its readers share (what the frame declared, the image parts and
    the tables the scans use, metadata collected over several segments) and the ledger of byte ranges."""

    def __init__(self, data: Buffer, depth: int = 0, searched: Searched | None = None) -> None:
        self.data = data
        self.searched = searched
        self.depth = depth  # 0 for the file; 1 for a picture embedded in it (core.formats.nested)
        self.w = Walk()
        self.exif_count = 0
        self.xmp_count = 0
        self.icc_chunks: list[tuple[int, int, bytes]] = []  # (sequence number, count, bytes)
        self.icc_bytes = 0
        self.irb_chunks: list[bytes] = []
        self.irb_bytes = 0
        self.ext_chunks: dict[bytes, dict[int, bytes]] = {}
        self.ext_total: dict[bytes, int] = {}
        self.ext_bytes = 0
        self.mpf: list[tuple[int, int, int]] = []  # (absolute offset, size, attribute) of secondary images
        self.image_bytes = 0
        self.jumbf_parts: dict[int, list[tuple[int, bytes]]] = {}  # box instance -> (sequence, bytes)
        self.jumbf_bytes = 0
        self.unknown_n = 0
        self.video: motion.Embedded | None = None
        self.scans = 0
        self.segments_n = 0
        self.frame_marker = 0
        self.frame_tables: dict[int, int] = {}  # component id -> quantisation table id
        self.latched: set[int] = set()  # components whose quantisation table a scan already fixed
        self.parts: list[Part] = []  # every parsed image part; the used ones go to w.parts
        self.used: set[int] = set()  # indexes into self.parts
        self.current: dict[tuple[object, ...], int] = {}  # table identity -> latest definition
        self.bad_tables: set[int] = set()  # Huffman tables with repeated or impossible symbols
        # (offset, length, name, category); None until the segment's items are known (multi-segment data)
        self.pending: list[tuple[int, int, str, Category | None]] = []

    # Each metadata segment takes the category of the most sensitive item it produced.
    def seg(self, offset: int, length: int, name: str, items: list[Item]) -> None:
        self.pending.append((offset, length, name, segment_category(items) if items else None))
        self.w.items.extend(items)

    def image_seg(self, offset: int, length: int, name: str) -> None:
        self.pending.append((offset, length, name, Category.TECHNICAL))
        self.image_bytes += length

    def part(self, part: Part, always: bool = False) -> None:
        if part.kind:
            self.current[part.kind] = len(self.parts)
        if always:
            self.used.add(len(self.parts))
        self.parts.append(part)

    def use(self, kind: tuple[object, ...]) -> None:
        at = self.current.get(kind)
        if at is not None:
            self.used.add(at)

    def extra_bytes(self, start: int, length: int, used: int, name: str) -> None:
        """A segment whose fields end before its declared length: the rest is reported, never copied."""
        self.image_seg(start, used, name)
        self.unknown(start + used, length - used, f"Extra bytes in a {name} segment",
                     f"{length - used:,} bytes after the {name} fields", f"JPEG {name}")

    def unknown(self, offset: int, length: int, name: str, value: str, where: str, key: str = "") -> None:
        self.unknown_n += 1
        item = Item(Category.UNKNOWN, name, value, where, length, key or f"jpeg:unknown:{self.unknown_n}",
                    carriable=False, note="unknown data is never passed through")
        self.seg(offset, length, name, [item])

    def stray(self, start: int, pos: int) -> int:
        """Account for bytes between segments up to the next marker (an FF followed by neither 00 nor
        FF); they are reported as unknown padding and never copied. Returns where the marker starts."""
        data, n = self.data, len(self.data)
        nxt = data.find(b"\xff", pos)
        while nxt >= 0 and nxt + 1 < n and data[nxt + 1] == 0x00:
            nxt = data.find(b"\xff", nxt + 2)
        if nxt < 0 or nxt + 1 >= n:
            raise ParseError(TRUNCATED)
        raw = bytes(data[start:nxt])
        value = opaque_value(f"{nxt - start:,} bytes of padding that decoders skip", raw)
        self.unknown(start, nxt - start, "Stray bytes between segments", value, "JPEG structure")
        return nxt

    def run(self) -> Walk:
        data, n = self.data, len(self.data)
        if n < 4 or data[0] != 0xFF or data[1] != SOI:
            raise ParseError("not a JPEG file")
        self.image_seg(0, 2, "SOI")
        pos = 2
        while True:
            if pos >= n:
                raise ParseError(TRUNCATED)
            if data[pos] != 0xFF:
                pos = self.stray(pos, pos)
                continue
            start = pos
            while pos < n and data[pos] == 0xFF:  # fill bytes before a marker
                pos += 1
            if pos >= n:
                raise ParseError(TRUNCATED)
            if pos - start > 1:
                self.image_seg(start, pos - start - 1, "Fill bytes")
                start = pos - 1
            marker = data[pos]
            pos += 1
            if marker == EOI:
                self.image_seg(start, 2, "EOI")
                self.w.eoi = pos
                break
            if marker in STANDALONE:
                # Outside entropy-coded data a restart marker means nothing: not copied.
                self.image_seg(start, 2, f"marker FF{marker:02X}")
                continue
            self.segments_n += 1
            if self.segments_n > MAX_SEGMENTS:
                raise ParseError(TOO_COMPLEX.format(n=self.segments_n, what="segments", cap=MAX_SEGMENTS))
            if marker == 0x00:
                # A stuffed FF00 outside a scan is no marker: stray bytes (Photoshop CS6 writes FF 00 00 02
                # after APP14) that decoders skip up to the next marker.
                self.segments_n -= 1
                pos = self.stray(start, pos)
                continue
            if marker == SOI:
                raise ParseError(f"damaged JPEG: unexpected marker FF{marker:02X} at byte {start}")
            if pos + 2 > n:
                raise ParseError(TRUNCATED)
            length = (data[pos] << 8) | data[pos + 1]
            if length < 2:
                raise ParseError(f"damaged JPEG: segment FF{marker:02X} at byte {start} has a bad length")
            end = pos + length
            if end > n:
                raise ParseError(TRUNCATED)
            payload = bytes(data[pos + 2: end])
            self.segment(marker, start, end - start, payload)
            pos = end
            if marker == SOS:
                known = self.searched
                scan_end = -1 if known is None else known_end(data, pos, known, self.scans - 1)
                if scan_end < 0:
                    scan_end = end_of_scan(data, pos)
                if scan_end > pos:
                    self.image_seg(pos, scan_end - pos, "Entropy-coded data")
                    self.part(Part(0, ((pos, scan_end - pos),)), always=True)
                pos = scan_end
        if not self.w.width or not self.w.height:
            if not any(s[2].startswith("SOF") for s in self.pending):
                raise ParseError("damaged JPEG: no frame header (SOF) before the end of the image")
            raise ParseError("damaged JPEG: the image declares a width or height of zero")
        if not self.scans:
            raise ParseError("damaged JPEG: the image has no scan")
        if self.bad_tables & self.used:
            raise ParseError("damaged JPEG: a Huffman table (DHT) holds repeated or impossible symbols")
        self.w.parts = [p for i, p in enumerate(self.parts) if i in self.used]
        unused = len(self.parts) - len(self.w.parts)
        if unused:
            self.w.notes.append(f"{unused} table{'s' if unused != 1 else ''} that no scan uses "
                              f"{'are' if unused != 1 else 'is'} not copied")
        finish_metadata(self)
        trailer(self, self.w.eoi)
        self.w.segments = [
            Segment(o, ln, name, cat or Category.UNKNOWN) for o, ln, name, cat in sorted(self.pending)
        ]
        self.w.items.insert(0, self.image_item())
        return self.w

    def image_item(self) -> Item:
        w = self.w
        kind = "progressive" if w.progressive else "baseline"
        sub = {(2, 2): ", 4:2:0", (2, 1): ", 4:2:2", (1, 1): ", 4:4:4"}.get(w.sampling, "")
        value = f"{w.width}×{w.height} {kind}, {w.components} components{sub}"
        return Item(Category.TECHNICAL, "JPEG image data", value, "JPEG tables and scans", self.image_bytes,
                    "jpeg:image", need=Need.PIXELS)

    # One marker segment (marker + length + payload).
    def segment(self, marker: int, start: int, length: int, payload: bytes) -> None:
        if marker in SOF:
            frame(self, marker, start, length, payload)
        elif marker == SOS:
            scan(self, start, length, payload)
        elif marker == DQT:
            dqt(self, start, length, payload)
        elif marker == DHT:
            dht(self, start, length, payload)
        elif marker == DAC:
            dac(self, start, length, payload)
        elif marker == DRI:
            if len(payload) < 2:
                raise ParseError("damaged JPEG: the restart interval segment (DRI) is too short")
            self.part(Part(DRI, ((start + 1, 1), (start + 4, 2)), ("dri",)))
            if len(payload) > 2:
                self.extra_bytes(start, length, 6, "DRI")
            else:
                self.image_seg(start, length, "DRI")
        elif marker in NOT_NEEDED:
            self.unknown(start, length, f"{NOT_NEEDED[marker]} segment", f"{length:,} bytes, not needed "
                         "to show the image", f"JPEG FF{marker:02X}")
        elif marker == APP0:
            app0(self, start, length, payload)
        elif marker == APP1:
            app1(self, start, length, payload)
        elif marker == APP2:
            app2(self, start, length, payload)
        elif marker == APP13 and payload.startswith(PHOTOSHOP_HEADER):
            self.irb_chunks.append(payload[len(PHOTOSHOP_HEADER):])
            self.irb_bytes += length
            self.seg(start, length, "APP13 Photoshop", [])
        elif marker == APP14 and payload.startswith(b"Adobe") and len(payload) >= 12:
            if self.w.adobe is None:
                # Exactly the 12 bytes of its fields are written back; anything after them is dropped.
                self.w.adobe = payload[:12]
                transform = {0: "RGB or CMYK", 1: "YCbCr", 2: "YCCK"}.get(payload[11], f"code {payload[11]}")
                item = Item(Category.TECHNICAL, "Adobe colour transform", f"transform: {transform}",
                            "JPEG APP14 Adobe", length, "jpeg:adobe", need=Need.DISPLAY)
                self.seg(start, length, "APP14 Adobe", [item])
            else:
                self.unknown(start, length, "Second Adobe APP14 segment", f"{length} bytes", "JPEG APP14")
        elif marker == COM:
            self.w.comments.append(payload)
            self.seg(start, length, "COM", [])
        elif 0xE0 <= marker <= 0xEF:
            other_app(self, marker, start, length, payload)
        else:
            self.unknown(start, length, f"Unknown JPEG segment FF{marker:02X}", f"{length:,} bytes",
                         f"JPEG FF{marker:02X}")


def walk(data: Buffer, depth: int = 0, searched: Searched | None = None) -> Walk:
    walker = Walker(data, depth, searched)
    try:
        return walker.run()
    except ParseError as exc:
        # What was read before the damage goes with the error: the preview shows it, marked partial.
        raise ParseError(str(exc), [*exc.partial, *walker.w.items]) from exc
