# SPDX-License-Identifier: GPL-3.0-or-later
"""JPEG: a lossless segment filter.

``parse`` walks every marker segment from SOI to the first EOI, finds the end of each scan's
entropy-coded data with one regular-expression search (never a Python loop over bytes), and accounts for
everything after EOI (MPF secondary images, motion-photo MP4, Samsung SEF, padding, unknown trailers).
Stray bytes between segments (Photoshop CS6 writes ``FF 00 00 02`` after APP14) are unknown padding,
never copied. Vendor segments are read by core.metadata.vendor (APP9 Media Jukebox, APP0 CIFF, APP11
JUMBF/C2PA; any other shows its text excerpt), and the EXIF/XMP inside embedded pictures and videos by
core.formats.nested, as children of their container.

``clean`` writes a new file from an allowlist: SOI, a JFIF header, a rebuilt EXIF block, filtered XMP
(and Extended XMP), the ICC profile, a rebuilt Photoshop/IPTC block, the Adobe APP14 marker and COM, each
only when its item keys leave; then the tables and scans copied byte for byte (or those of a re-encode
when ``pixels`` is given), then EOI. Nothing after EOI is ever written but a motion photo's video, cleaned
by the MP4 handler, when the policy sends motion (core.formats.motion).
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from core.formats.base import MOTION_KEY, Buffer, Cleaned, FormatHandler, MotionVideo, Parsed, state_of
from core.formats.nested import picture_items, with_children, with_thumbnail
from core.formats.shared import classify_trailer, segment_category, trailer_value
from core.metadata.exif import ExifResult, build_exif, parse_exif
from core.metadata.icc import icc_problem, profile_size
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.icc_clean import profile_items
from core.metadata.iptc import PHOTOSHOP_HEADER, THUMBNAIL_RESOURCES, IrbResult, build_irb, parse_irb
from core.metadata.vendor import (
    MEDIA_JUKEBOX,
    NEVER_COPIED,
    ciff,
    is_ciff,
    jumbf,
    media_jukebox,
    opaque_value,
)
from core.metadata.xmp import DAMAGED, filter_xmp, parse_xmp
from core.metadata.xmp_motion import MotionFields, motion_fields
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment

if TYPE_CHECKING:
    from PIL import Image

    # Imported where a motion photo's video is met: it loads the MP4 reader, start-up every JPEG paid.
    from core.formats import motion

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP13, APP14, COM = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE
EXIF_HEADER = b"Exif\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXT_XMP_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
MPF_HEADER = b"MPF\x00"
JUMBF_CI = b"JP"  # APP11 common identifier of JUMBF (ISO 19566-5)
TRUNCATED = "truncated JPEG: the file ends inside the image data"

# Frame headers a decoder reads (baseline, extended, progressive, lossless; Huffman or arithmetic).
# Differential frames belong to hierarchical JPEG, which no common decoder reads: never copied.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCA, 0xCB}
_DIFFERENTIAL_SOF = {0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF}
_ARITHMETIC = {0xC9, 0xCA, 0xCB}
_LOSSLESS = {0xC3, 0xCB}
DHT, DAC, DQT, DNL, DRI, DHP, EXP = 0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Segments the image does not need (DNL repeats the height, DHP/EXP are hierarchical): never copied.
_NOT_NEEDED = {DNL: "DNL (number of lines)", DHP: "DHP (hierarchical progression)",
               EXP: "EXP (expand reference components)", **{m: f"SOF{m - 0xC0} (hierarchical frame)"
                                                           for m in _DIFFERENTIAL_SOF}}
# More scans than this is a file built to be slow to check (a progressive photo has about ten).
MAX_SCANS = 1000
# More marker segments than this likewise (a photo has a few dozen).
MAX_SEGMENTS = 100_000
TOO_COMPLEX = "too complex to check: {n:,} {what} (at most {cap:,})"
# End of entropy-coded data: 0xFF followed by anything but a stuffed zero or a restart marker.
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _scan_end(data: Buffer, pos: int) -> int:
    """Offset of the first marker after entropy-coded data starting at ``pos``: inside a scan every FF
    byte is followed by 00 or a restart marker (D0-D7), so the first other FFxx ends it."""
    end = _find_marker(data, pos)
    if end < 0:
        raise ParseError(TRUNCATED)
    return end


@dataclass(frozen=True, slots=True)
class _Searched:
    """The entropy-coded data of another file (the source of a clean), already searched for its end,
    in file order: a clean copies it byte for byte, so its end in the clean needs no second search."""

    data: Buffer
    runs: tuple[tuple[int, int], ...]  # (start, end): end is where the search found the next marker


def _known_end(data: Buffer, pos: int, searched: _Searched, k: int) -> int:
    """Where the search from ``pos`` would stop, when the bytes there are the ``k``-th searched run of
    ``searched`` followed by a marker; -1 otherwise (the caller searches). Exact: inside the run no FF
    starts a marker in either file (the bytes are equal; the run's last byte is not FF, or the source's
    search would have stopped there, since FF follows it), and a marker follows it here too."""
    if k >= len(searched.runs) or not isinstance(data, bytes):
        return -1
    start, end = searched.runs[k]
    n = end - start
    stop = pos + n
    if stop + 1 >= len(data) or data[stop] != 0xFF or data[stop + 1] in _NOT_MARKERS:
        return -1
    with memoryview(searched.data) as view:
        if not data.startswith(view[start:end], pos):
            return -1
    return stop


_NOT_MARKERS = frozenset([0x00, *range(0xD0, 0xD8)])


def _find_marker(data: Buffer, pos: int) -> int:
    """The compiled search (core/formats/_scan.c: memchr from one FF byte to the next, about 8× the
    regular expression's speed on camera photos, which made it most of an inventory's time), or, where
    it was not built, one regular-expression search in C with the same answer. Either searches a mapped
    file in place and stops at the first marker, so the many short scans of a progressive JPEG cost one
    pass over the file in all."""
    if _compiled_find is not None:
        return _compiled_find(data, pos)
    return _regex_find(data, pos)


def _regex_find(data: Buffer, pos: int) -> int:
    found = _MARKER.search(data, pos)
    return -1 if found is None else found.start()


_compiled_find: Callable[[Buffer, int], int] | None
try:
    from core.formats._scan import find_marker as _compiled_find
except ImportError:  # no C compiler where the package was installed (setup.py): the regex serves
    _compiled_find = None


# Max payload of one segment (the 2-byte length counts itself).
_MAX_PAYLOAD = 65533
_ICC_CHUNK = _MAX_PAYLOAD - len(ICC_HEADER) - 2
_EXT_XMP_CHUNK = 65400


# Known application segments that are never copied but whose category is plain.
_KNOWN_APPS: dict[tuple[int, str], tuple[Category, str]] = {
    (0xEC, "Ducky"): (Category.DESCRIPTION, "Adobe Save for Web data (quality, comment, copyright)"),
    (0xEE, "Adobe_CM"): (Category.TECHNICAL, "Adobe colour management data"),
    (0xE1, "FLIR"): (Category.HIDDEN_MEDIA, "FLIR thermal data (raw thermal image, camera serials)"),
    (0xE2, "FPXR"): (Category.HIDDEN_MEDIA, "FlashPix data (may hold a preview image)"),
    (0xEA, "AROT"): (Category.TECHNICAL, "Apple rotation data"),
}


@dataclass(frozen=True, slots=True)
class _Part:
    """One piece of the image as the clean file writes it.

    ``marker`` 0 is entropy-coded data, written as the bytes of its one span. Otherwise a marker
    segment holding exactly one table (or one frame/scan/restart header), re-serialised from its parsed
    fields: the first span is the marker byte, the others the field bytes, so the clean file's segment
    has an exact length and no padding. The spans of all kept parts are ``pixel_spans``: a lossless
    clean reproduces their concatenation byte for byte, and the verifier's re-parse checks that."""

    marker: int
    spans: tuple[tuple[int, int], ...]
    kind: tuple[object, ...] = ()  # ("dqt", id), ("dht", class, id), ("dac", class, id), ("dri",)


@dataclass(slots=True)
class _Walk:
    """What parse learned and clean needs (kept on Parsed.notes would lose types, so parse is re-run)."""

    segments: list[Segment] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)  # kept image parts, in file order
    width: int = 0
    height: int = 0
    sampling: tuple[int, int] = (0, 0)
    components: int = 0
    progressive: bool = False
    jfif: bytes | None = None  # APP0 payload
    exif: ExifResult | None = None
    xmp: bytes | None = None
    ext_xmp: bytes | None = None
    icc: bytes | None = None
    adobe: bytes | None = None
    irb: IrbResult | None = None
    comments: list[bytes] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    eoi: int = 0
    motion: MotionVideo | None = None  # the motion-photo video after EOI


def _prefix_code(counts: bytes) -> bool:
    """Whether code-length counts describe a Huffman code decoders accept (no length overflows)."""
    code = 0
    for bits, count in enumerate(counts, start=1):
        code += count
        if code > 1 << bits:
            return False
        code <<= 1
    return True


def _huffman_symbols(table_class: int, symbols: bytes) -> bool:
    """Whether a Huffman table's symbols are distinct and each one a coder can emit: a DC table codes a
    bit count (0-16), an AC table a run of zeros (0-15) and a bit count (0-14; 0 is an end-of-band run).
    Text and most other arbitrary bytes fail this (letters repeat)."""
    if len(set(symbols)) != len(symbols):
        return False
    if table_class == 0:
        return all(s <= 16 for s in symbols)
    return all(s & 0x0F <= 14 for s in symbols)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _text(raw: bytes) -> str:
    raw = raw.rstrip(b"\x00")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = " ".join(text.replace("\x00", " ").split())
    return text if len(text) <= 200 else f"{text[:100]}… ({len(text):,} characters)"


# --- parsing -----------------------------------------------------------------------------------------


class _Walker:
    def __init__(self, data: Buffer, depth: int = 0, searched: _Searched | None = None) -> None:
        self.data = data
        self.searched = searched
        self.depth = depth  # 0 for the file; 1 for a picture embedded in it (core.formats.nested)
        self.w = _Walk()
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
        self.parts: list[_Part] = []  # every parsed image part; the used ones go to w.parts
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

    def part(self, part: _Part, always: bool = False) -> None:
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

    def run(self) -> _Walk:
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
            if marker in _STANDALONE:
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
                scan_end = -1 if known is None else _known_end(data, pos, known, self.scans - 1)
                if scan_end < 0:
                    scan_end = _scan_end(data, pos)
                if scan_end > pos:
                    self.image_seg(pos, scan_end - pos, "Entropy-coded data")
                    self.part(_Part(0, ((pos, scan_end - pos),)), always=True)
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
        self.finish_metadata()
        self.trailer(self.w.eoi)
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
        if marker in _SOF:
            self.frame(marker, start, length, payload)
        elif marker == SOS:
            self.scan(start, length, payload)
        elif marker == DQT:
            self.dqt(start, length, payload)
        elif marker == DHT:
            self.dht(start, length, payload)
        elif marker == DAC:
            self.dac(start, length, payload)
        elif marker == DRI:
            if len(payload) < 2:
                raise ParseError("damaged JPEG: the restart interval segment (DRI) is too short")
            self.part(_Part(DRI, ((start + 1, 1), (start + 4, 2)), ("dri",)))
            if len(payload) > 2:
                self.extra_bytes(start, length, 6, "DRI")
            else:
                self.image_seg(start, length, "DRI")
        elif marker in _NOT_NEEDED:
            self.unknown(start, length, f"{_NOT_NEEDED[marker]} segment", f"{length:,} bytes, not needed "
                         "to show the image", f"JPEG FF{marker:02X}")
        elif marker == APP0:
            self.app0(start, length, payload)
        elif marker == APP1:
            self.app1(start, length, payload)
        elif marker == APP2:
            self.app2(start, length, payload)
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
            self.other_app(marker, start, length, payload)
        else:
            self.unknown(start, length, f"Unknown JPEG segment FF{marker:02X}", f"{length:,} bytes",
                         f"JPEG FF{marker:02X}")

    def frame(self, marker: int, start: int, length: int, payload: bytes) -> None:
        name = f"SOF{marker - 0xC0}"
        if self.frame_marker:
            self.unknown(start, length, f"Second frame header ({name})", f"{length:,} bytes", f"JPEG {name}")
            return
        if len(payload) < 6:
            raise ParseError("damaged JPEG: frame header (SOF) is too short")
        precision, height, width, comps = struct.unpack_from(">BHHB", payload, 0)
        used = 6 + 3 * comps
        if not 1 <= comps <= 4 or len(payload) < used:
            raise ParseError("damaged JPEG: the frame header (SOF) lists an impossible number of components")
        if precision not in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
            raise ParseError(f"damaged JPEG: the frame header declares {precision}-bit samples")
        for k in range(comps):
            cid, factor, tq = payload[6 + 3 * k: 9 + 3 * k]
            if cid in self.frame_tables or not (1 <= factor >> 4 <= 4 and 1 <= factor & 0x0F <= 4) or tq > 3:
                raise ParseError("damaged JPEG: the frame header (SOF) describes a component it cannot have")
            self.frame_tables[cid] = tq
        self.frame_marker = marker
        self.w.width, self.w.height, self.w.components = width, height, comps
        self.w.progressive = marker in (0xC2, 0xCA)
        self.w.sampling = (payload[7] >> 4, payload[7] & 0x0F)
        if not width or not height:
            raise ParseError("damaged JPEG: the image declares a width or height of zero")
        self.part(_Part(marker, ((start + 1, 1), (start + 4, used))), always=True)
        if len(payload) > used:
            self.extra_bytes(start, length, used + 4, name)
        else:
            self.image_seg(start, length, name)

    def scan(self, start: int, length: int, payload: bytes) -> None:
        if not self.frame_marker:
            raise ParseError("damaged JPEG: a scan starts before the frame header (SOF)")
        self.scans += 1
        if self.scans > MAX_SCANS:
            raise ParseError(TOO_COMPLEX.format(n=self.scans, what="scans", cap=MAX_SCANS))
        count = payload[0] if payload else 0
        used = 4 + 2 * count
        if not 1 <= count <= 4 or len(payload) < used:
            raise ParseError("damaged JPEG: a scan header (SOS) lists an impossible number of components")
        ss, se, approx = payload[used - 3: used]
        arithmetic = self.frame_marker in _ARITHMETIC
        lossless = self.frame_marker in _LOSSLESS
        table = "dac" if arithmetic else "dht"
        # Which tables this scan reads: DC for a first DC scan (every lossless scan), AC for any AC band.
        dc = lossless or (ss == 0 and approx >> 4 == 0)
        ac = not lossless and se > 0
        for k in range(count):
            cid, tables = payload[1 + 2 * k: 3 + 2 * k]
            if cid not in self.frame_tables or tables >> 4 > 3 or tables & 0x0F > 3:
                raise ParseError("damaged JPEG: a scan header (SOS) names a component or table that "
                                 "does not exist")
            if cid not in self.latched:
                # Decoders fix a component's quantisation table when its first scan starts.
                self.latched.add(cid)
                self.use(("dqt", self.frame_tables[cid]))
            if dc:
                self.use((table, 0, tables >> 4))
            if ac:
                self.use((table, 1, tables & 0x0F))
        self.use(("dri",))
        self.part(_Part(SOS, ((start + 1, 1), (start + 4, used))), always=True)
        if len(payload) > used:
            self.extra_bytes(start, length, used + 4, "SOS")
        else:
            self.image_seg(start, length, "SOS")

    def dqt(self, start: int, length: int, payload: bytes) -> None:
        at = 0
        while at < len(payload):
            pq, tq = payload[at] >> 4, payload[at] & 0x0F
            size = 1 + 64 * (pq + 1)
            if pq > 1 or tq > 3 or at + size > len(payload):
                break
            self.part(_Part(DQT, ((start + 1, 1), (start + 4 + at, size)), ("dqt", tq)))
            at += size
        if at == 0:
            raise ParseError("damaged JPEG: a quantisation table (DQT) is invalid")
        if at < len(payload):
            self.extra_bytes(start, length, at + 4, "DQT")
        else:
            self.image_seg(start, length, "DQT")

    def dht(self, start: int, length: int, payload: bytes) -> None:
        at = 0
        while at + 17 <= len(payload):
            tc, th = payload[at] >> 4, payload[at] & 0x0F
            counts = payload[at + 1: at + 17]
            size = 17 + sum(counts)
            if tc > 1 or th > 3 or sum(counts) > 256 or at + size > len(payload) or not _prefix_code(counts):
                break
            if not _huffman_symbols(tc, payload[at + 17: at + size]):
                # Decoders accept such a table, so a scan that uses it refuses the file (see run).
                self.bad_tables.add(len(self.parts))
            self.part(_Part(DHT, ((start + 1, 1), (start + 4 + at, size)), ("dht", tc, th)))
            at += size
        if at == 0:
            raise ParseError("damaged JPEG: a Huffman table (DHT) is invalid")
        if at < len(payload):
            self.extra_bytes(start, length, at + 4, "DHT")
        else:
            self.image_seg(start, length, "DHT")

    def dac(self, start: int, length: int, payload: bytes) -> None:
        # Arithmetic-coding conditioning: two bytes each. Used only by arithmetic-coded scans, so in a
        # Huffman-coded image no scan marks them used and they are never copied.
        at = 0
        while at + 2 <= len(payload):
            tc, tb, value = payload[at] >> 4, payload[at] & 0x0F, payload[at + 1]
            if tc > 1 or tb > 3 or (tc == 0 and (value & 0x0F) > (value >> 4)) or (tc == 1 and not
                                                                                     1 <= value <= 63):
                break
            self.part(_Part(DAC, ((start + 1, 1), (start + 4 + at, 2)), ("dac", tc, tb)))
            at += 2
        if at < len(payload) or at == 0:
            self.extra_bytes(start, length, at + 4, "DAC")
        else:
            self.image_seg(start, length, "DAC")

    def app0(self, start: int, length: int, payload: bytes) -> None:
        if payload.startswith(b"JFIF\x00") and len(payload) >= 14 and self.w.jfif is None:
            self.w.jfif = payload
            major, minor, units, xd, yd, tw, th = struct.unpack_from(">BBBHHBB", payload, 5)
            unit = {0: "", 1: " dpi", 2: " dots/cm"}.get(units, "")
            value = f"version {major}.{minor:02d}, density {xd}×{yd}{unit}"
            items = [Item(Category.TECHNICAL, "JFIF header", value, "JPEG APP0 JFIF", 18, "jpeg:jfif",
                          need=Need.DISPLAY)]
            if tw and th:
                items.append(Item(Category.HIDDEN_MEDIA, "JFIF thumbnail", f"{tw}×{th} pixels",
                                  "JPEG APP0 JFIF", length - 18, "jpeg:jfif-thumbnail", carriable=False,
                                  note="thumbnails are never copied"))
            self.seg(start, length, "APP0 JFIF", items)
        elif payload.startswith(b"JFXX\x00"):
            item = Item(Category.HIDDEN_MEDIA, "JFIF extension thumbnail", _size(length), "JPEG APP0 JFXX",
                        length, "jpeg:jfxx", carriable=False, note="thumbnails are never copied")
            self.seg(start, length, "APP0 JFXX", [item])
        else:
            self.other_app(APP0, start, length, payload)

    def app1(self, start: int, length: int, payload: bytes) -> None:
        if payload.startswith(EXIF_HEADER):
            self.exif_count += 1
            where = "JPEG APP1 EXIF" if self.exif_count == 1 else f"JPEG APP1 EXIF (block {self.exif_count})"
            try:
                result = parse_exif(payload[6:], where=where)
            except ParseError as exc:
                self.unknown(start, length, "Unreadable EXIF block", str(exc), where)
                return
            items = list(result.items)
            items = with_thumbnail(items, result, self.depth)
            if self.exif_count == 1:
                self.w.exif = result
            else:
                # Readers use the first EXIF block; a second one is reported but never copied.
                items = [replace(i, key=f"jpeg:exif{self.exif_count}:{i.key}", carriable=False,
                                 note="a second EXIF block is never copied") for i in items]
            self.seg(start, length, "APP1 EXIF", items)
        elif payload.startswith(XMP_HEADER):
            self.xmp_count += 1
            packet = payload[len(XMP_HEADER):]
            where = "JPEG APP1 XMP" if self.xmp_count == 1 else f"JPEG APP1 XMP (packet {self.xmp_count})"
            xmp = parse_xmp(packet, where=where)
            items = list(xmp.items)
            if self.xmp_count == 1 and not xmp.errors:
                self.w.xmp = packet
            else:
                # What a tolerant read found in a damaged packet keeps its category and its note.
                items = [i if i.note == DAMAGED else
                         replace(i, key=f"jpeg:xmp{self.xmp_count}:{i.key}", carriable=False,
                                 category=Category.UNKNOWN if xmp.errors else i.category,
                                 note="only the first readable XMP packet is copied") for i in items]
                if self.xmp_count > 1:
                    items = [replace(i, key=f"jpeg:xmp{self.xmp_count}:{i.key}") if i.note == DAMAGED else i
                             for i in items]
            self.seg(start, length, "APP1 XMP", items)
        elif payload.startswith(EXT_XMP_HEADER) and len(payload) >= len(EXT_XMP_HEADER) + 40:
            at = len(EXT_XMP_HEADER)
            guid = payload[at: at + 32]
            total, offset = struct.unpack_from(">II", payload, at + 32)
            self.ext_chunks.setdefault(guid, {})[offset] = payload[at + 40:]
            self.ext_total[guid] = total
            self.ext_bytes += length
            self.seg(start, length, "APP1 Extended XMP", [])
        else:
            self.other_app(APP1, start, length, payload)

    def app2(self, start: int, length: int, payload: bytes) -> None:
        if payload.startswith(ICC_HEADER) and len(payload) >= 14:
            self.icc_chunks.append((payload[12], payload[13], payload[14:]))
            self.icc_bytes += length
            self.seg(start, length, "APP2 ICC profile", [])
        elif payload.startswith(MPF_HEADER):
            self.mpf_index(start, length, payload)
        else:
            self.other_app(APP2, start, length, payload)

    def mpf_index(self, start: int, length: int, payload: bytes) -> None:
        base = start + 8  # MP offsets count from the TIFF header that follows "MPF\0"
        tiff = payload[4:]
        images: list[tuple[int, int, int]] = []
        try:
            bo = "<" if tiff[:2] == b"II" else ">"
            ifd = struct.unpack_from(bo + "I", tiff, 4)[0]
            count = struct.unpack_from(bo + "H", tiff, ifd)[0]
            for i in range(min(count, 64)):
                tag, _typ, cnt, val = struct.unpack_from(bo + "HHII", tiff, ifd + 2 + 12 * i)
                if tag != 0xB002:
                    continue
                for k in range(min(cnt // 16, 64)):
                    attr, size, off = struct.unpack_from(bo + "III", tiff, val + 16 * k)
                    if off:  # the primary image has offset 0
                        images.append((base + off, size, attr))
        except struct.error:
            self.unknown(start, length, "Unreadable MPF index", f"{length} bytes", "JPEG APP2 MPF")
            return
        self.mpf.extend(images)
        item = Item(Category.HIDDEN_MEDIA, "Multi-picture index (MPF)",
                    f"{len(images)} secondary image{'s' if len(images) != 1 else ''}", "JPEG APP2 MPF",
                    length, "jpeg:mpf", carriable=False, note="secondary images are never copied")
        self.seg(start, length, "APP2 MPF", [item])

    def other_app(self, marker: int, start: int, length: int, payload: bytes) -> None:
        ident = payload[:16].split(b"\x00")[0][:24]
        label = ident.decode("latin-1") if ident and all(32 <= c < 127 for c in ident) else ""
        where = f"JPEG APP{marker - 0xE0}" + (f" {label}" if label else "")
        if marker == 0xE9 and payload.startswith(MEDIA_JUKEBOX):
            items = media_jukebox(payload, where, length)
            items.insert(0, Item(Category.DESCRIPTION, "Media Jukebox data", f"{length:,} bytes", where,
                                 length, "jpeg:app9:mj", carriable=False, note=NEVER_COPIED))
            self.seg(start, length, where, items)
            return
        if marker == APP0 and is_ciff(payload):
            where = "JPEG APP0 CIFF"
            items = ciff(payload, where, length)
            items.insert(0, Item(Category.DEVICE, "Canon CIFF camera data", f"{length:,} bytes", where,
                                 length, "jpeg:app0:ciff", carriable=False, note=NEVER_COPIED))
            self.seg(start, length, where, items)
            return
        if marker == 0xEB and payload.startswith(JUMBF_CI) and len(payload) >= 16:
            instance, sequence = struct.unpack_from(">HI", payload, 2)
            self.jumbf_parts.setdefault(instance, []).append((sequence, payload[8 if sequence <= 1 else 16:]))
            self.jumbf_bytes += length
            self.seg(start, length, "APP11 JUMBF", [])
            return
        hit = _KNOWN_APPS.get((marker, label))
        if marker == 0xEC and payload.startswith(b"[picture info]"):
            hit = (Category.DEVICE, "Camera picture info (APP12)")
        if hit:
            key = f"jpeg:app{marker - 0xE0}:{label}"
            item = Item(hit[0], hit[1], opaque_value(f"{length:,} bytes", payload), where, length, key,
                        carriable=False, note="this segment is never copied")
            self.seg(start, length, where, [item])
            return
        self.unknown(start, length, f"Unknown APP{marker - 0xE0} segment" + (f" ({label})" if label else ""),
                     opaque_value(f"{length:,} bytes", payload), where)

    def jumbf_boxes(self) -> None:
        where = "JPEG APP11 JUMBF"
        items: list[Item] = []
        for instance, parts in self.jumbf_parts.items():
            joined = b"".join(part for _, part in sorted(parts, key=lambda p: p[0]))
            found = jumbf(joined, where, sum(len(p) for _, p in parts))
            if len(self.jumbf_parts) > 1:
                found = [replace(i, key=f"{i.key}:{instance}") for i in found]
            items.extend(found)
        self.w.items.extend(items)
        self.mark("APP11 JUMBF", segment_category(items) if items else Category.UNKNOWN)

    def finish_metadata(self) -> None:
        if self.icc_chunks:
            self.icc_profile()
        if self.irb_chunks:
            irb = parse_irb(b"".join(self.irb_chunks), where="JPEG APP13 Photoshop")
            self.w.irb = irb
            items = list(irb.items)
            for res in irb.resources:
                if res.id in THUMBNAIL_RESOURCES:
                    inside = picture_items(res.data, res.key, "the Photoshop thumbnail", self.depth)
                    items = with_children(items, res.key, inside)
            self.w.items.extend(items)
            self.mark("APP13 Photoshop", segment_category(items) if items else Category.TECHNICAL)
        if self.w.comments:
            value = " | ".join(_text(c) for c in self.w.comments)
            self.w.items.append(Item(Category.DESCRIPTION, "JPEG comment", value, "JPEG COM",
                                     sum(len(c) + 4 for c in self.w.comments), "jpeg:comment"))
            self.mark("COM", Category.DESCRIPTION)
        if self.ext_chunks:
            self.extended_xmp()
        if self.jumbf_parts:
            self.jumbf_boxes()

    def icc_profile(self) -> None:
        """Keep the profile only when its chunks join to exactly one profile; trailing bytes after its
        declared size are trimmed (reported), anything else leaves the profile behind."""
        where = "JPEG APP2 ICC profile"
        chunks = sorted(self.icc_chunks, key=lambda c: c[0])
        total = len(chunks)
        numbered = [c[0] for c in chunks] == list(range(1, total + 1)) and all(c[1] == total for c in chunks)
        profile = b"".join(chunk for _, _, chunk in chunks)
        declared = profile_size(profile)
        problem = "" if numbered else "the colour profile's chunks are missing, repeated or misnumbered"
        if not problem and declared and len(profile) > declared:
            extra = len(profile) - declared
            self.w.items.append(Item(Category.UNKNOWN, "Data appended to the ICC profile", _size(extra),
                                     where, extra, "jpeg:icc:appended", carriable=False,
                                     note="bytes after the profile's declared size are never copied"))
            profile = profile[:declared]
        problem = problem or icc_problem(profile)
        if problem:
            self.w.items.append(Item(Category.UNKNOWN, "Unusable ICC colour profile", problem, where,
                                     self.icc_bytes, "jpeg:icc:unusable", carriable=False, note=problem))
            self.mark("APP2 ICC profile", Category.UNKNOWN)
            return
        self.w.icc = profile
        self.w.items.extend(profile_items(profile, "jpeg:icc", where, self.icc_bytes))
        self.mark("APP2 ICC profile", Category.TECHNICAL)

    def extended_xmp(self) -> None:
        where = "JPEG APP1 Extended XMP"
        items: list[Item] = []
        for guid, chunks in self.ext_chunks.items():
            packet = b"".join(chunks[o] for o in sorted(chunks))
            complete = len(packet) == self.ext_total[guid] and sorted(chunks)[0] == 0
            if not complete or self.w.ext_xmp is not None:
                key = f"jpeg:ext-xmp:{guid.decode('latin-1')}"
                items.append(Item(Category.UNKNOWN, "Incomplete or extra Extended XMP", _size(len(packet)),
                                  where, len(packet), key, carriable=False))
                continue
            result = parse_xmp(packet, where=where)
            if result.errors:
                items.extend(result.items)
                continue
            self.w.ext_xmp = packet
            items.extend(result.items)
        self.w.items.extend(items)
        self.mark("APP1 Extended XMP", segment_category(items) if items else Category.UNKNOWN)

    def mark(self, name: str, category: Category) -> None:
        """Give the segments collected under ``name`` the category of the items they produced."""
        self.pending = [(o, ln, nm, category if nm == name and cat is None else cat)
                        for o, ln, nm, cat in self.pending]

    # Everything after the first EOI.
    def trailer(self, eoi: int) -> None:
        n = len(self.data)
        if eoi >= n:
            return
        where = "data after the JPEG end marker"
        ranges: list[tuple[int, int, str, Category, str]] = []
        for i, (off, size, attr) in enumerate(sorted(self.mpf), start=1):
            if off < eoi or size <= 0 or off + size > n:
                continue
            if ranges and off < ranges[-1][0] + ranges[-1][1]:
                continue  # overlapping entries: the gap classifier below covers the rest
            kind = {0x030000: "", 0x010001: " (large thumbnail)", 0x010002: " (large thumbnail)",
                    0x020001: " (panorama)", 0x020002: " (disparity/stereo)", 0x020003: " (multi-angle)"}
            label = kind.get(attr & 0x00FFFFFF, "")
            name = f"MPF secondary image {i}{label}"
            ranges.append((off, size, name, Category.HIDDEN_MEDIA, f"jpeg:mpf:{i}"))
        pos, k = eoi, 0
        for off, size, name, cat, key in ranges:
            if off > pos:
                k = self.gap(pos, off, where, k)
            children = picture_items(bytes(self.data[off: off + size]), key, name.replace("MPF", "the MPF"),
                                     self.depth)
            self.trailer_item(off, size, name, f"{name}: {_size(size)}", cat, key, where, children)
            pos = off + size
        if pos < n:
            self.gap(pos, n, where, k)
        if self.video is not None:
            self.motion_video(self.video)

    def motion_video(self, video: motion.Embedded) -> None:
        """Check the XMP's pointers against where the video is; they leave with it, rewritten."""
        from core.formats import motion

        fields = motion_fields(self.w.xmp) if self.w.xmp is not None else MotionFields()
        found = motion.located(video, fields, len(self.data))
        self.w.motion = found
        if found.problem and not video.problem:
            self.w.items = motion.with_problem(self.w.items, found.problem)
        elif not found.problem:
            self.w.items = motion.pointers(self.w.items)

    def gap(self, start: int, end: int, where: str, k: int) -> int:
        data = self.data
        size = end - start
        ftyp = data.find(b"ftyp", start, min(end, start + 1024 * 1024 * 64))
        if self.video is None and ftyp >= start + 4 and data.find(b"\x00", ftyp - 4, ftyp) == ftyp - 4:
            mp4_start = ftyp - 4
            if mp4_start > start and bytes(data[end - 4 : end]) == b"SEFT":
                # Samsung's records before its MotionPhoto_Data video, named from the whole trailer.
                k += 1
                category, label = classify_trailer(data, start, end)
                self.trailer_item(start, mp4_start - start, "Data after the end of the image",
                                  trailer_value(label, mp4_start - start), category, f"jpeg:trailer:{k}",
                                  where)
            elif mp4_start > start:
                k = self.gap(start, mp4_start, where, k)
            from core.formats import motion

            self.video = video = motion.read_video(data, mp4_start, end)
            self.seg(mp4_start, video.end - mp4_start, "Motion-photo video (MP4)", motion.items(video, where))
            return self.gap(video.end, end, where, k) if video.end < end else k
        k += 1
        key = f"jpeg:trailer:{k}"
        category, label = classify_trailer(data, start, end)
        self.trailer_item(start, size, "Data after the end of the image", trailer_value(label, size),
                          category, key, where)
        return k

    def trailer_item(self, offset: int, size: int, name: str, value: str, category: Category, key: str,
                     where: str, children: list[Item] | None = None) -> None:
        item = Item(category, name, value, where, size, key, carriable=False,
                    note="nothing after the end of the image is ever copied")
        self.seg(offset, size, name, [item, *(children or [])])


def walk(data: Buffer, depth: int = 0, searched: _Searched | None = None) -> _Walk:
    walker = _Walker(data, depth, searched)
    try:
        return walker.run()
    except ParseError as exc:
        # What was read before the damage goes with the error: the preview shows it, marked partial.
        raise ParseError(str(exc), [*exc.partial, *walker.w.items]) from exc


# --- cleaning ----------------------------------------------------------------------------------------


def _app(marker: int, payload: bytes) -> bytes:
    if len(payload) > _MAX_PAYLOAD:
        raise ParseError(f"cannot write a clean file: a metadata block of {_size(len(payload))} is too large "
                         "for one JPEG segment")
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _jfif_payload(source: bytes) -> bytes:
    # Version, units and density from the source; no thumbnail.
    return source[:12] + b"\x00\x00"


def _icc_segments(profile: bytes) -> list[bytes]:
    chunks = [profile[i: i + _ICC_CHUNK] for i in range(0, len(profile), _ICC_CHUNK)] or [b""]
    return [_app(APP2, ICC_HEADER + bytes((i, len(chunks))) + c) for i, c in enumerate(chunks, start=1)]


def _xmp_segments(w: _Walk, leaving: frozenset[str], moving: MotionFields | None = None) -> list[bytes]:
    import hashlib  # here: reading a JPEG needs no hash, and its import is a start-up cost

    ext = filter_xmp(w.ext_xmp, leaving) if w.ext_xmp is not None else None
    guid = hashlib.md5(ext).hexdigest().upper() if ext else ""  # the GUID is defined as the packet's MD5
    main = None
    if w.xmp is not None or guid or moving is not None:
        main = filter_xmp(w.xmp or b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", leaving, extended_guid=guid,
                          motion=moving)
    out = [_app(APP1, XMP_HEADER + main)] if main else []
    if ext:
        for off in range(0, len(ext), _EXT_XMP_CHUNK):
            out.append(_app(APP1, EXT_XMP_HEADER + guid.encode() + struct.pack(">II", len(ext), off)
                            + ext[off: off + _EXT_XMP_CHUNK]))
    return out


def _reencode(image: Image.Image, w: _Walk) -> list[bytes]:
    """Tables and scans of ``image`` encoded by Pillow at high quality, in the source's subsampling."""
    subsampling = {(1, 1): 0, (2, 1): 1, (2, 2): 2}.get(w.sampling, 2)
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95, subsampling=subsampling if image.mode == "RGB" else -1,
               progressive=w.progressive)
    encoded = buf.getvalue()
    fresh = walk(encoded)
    return [_emit(encoded, p) for p in fresh.parts]


def _emit(data: Buffer | memoryview, part: _Part) -> bytes:
    if not part.marker:
        offset, length = part.spans[0]
        return bytes(data[offset: offset + length])
    fields = b"".join(bytes(data[o: o + ln]) for o, ln in part.spans[1:])
    return bytes((0xFF, part.marker)) + struct.pack(">H", len(fields) + 2) + fields


class JpegHandler(FormatHandler):
    name = "jpeg"
    extensions = (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo")
    reencodes = False

    def sniff(self, head: bytes) -> bool:
        return head[:3] == b"\xff\xd8\xff"

    def parse(self, data: Buffer) -> Parsed:
        return self._parsed(walk(data))

    def parse_again(self, data: Buffer, source: Buffer, parsed: Parsed) -> Parsed:
        """``parse`` of a clean of ``source``: the entropy-coded data the clean copied is compared with
        the source's (memcmp) instead of searched again for its end; the result is ``parse``'s."""
        if not isinstance(parsed.state, _Walk):
            return self.parse(data)
        runs = tuple((a, a + n) for part in parsed.state.parts if part.marker == 0 for a, n in part.spans)
        return self._parsed(walk(data, searched=_Searched(source, runs)))

    def _parsed(self, w: _Walk) -> Parsed:
        orientation = w.exif.orientation if w.exif is not None else 1
        spans = [span for part in w.parts for span in part.spans]
        return Parsed(w.items, w.segments, w.width, w.height, orientation, spans, list(w.notes), state=w,
                      motion=w.motion)

    def clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned:
        cleaned = self._clean(data, parsed, leaving, pixels)
        return replace(cleaned, data=cleaned.whole(data), runs=())

    def _clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned:
        w = state_of(parsed, _Walk, lambda: walk(data))
        # A motion photo's video, cleaned as a video, follows the still when the policy sends motion.
        video = b""
        moving = None
        if w.motion is not None:
            from core.formats import motion

            if MOTION_KEY in leaving:
                video = motion.cleaned(data, w.motion, leaving)
            moving = motion.fields_for(w.motion, len(video)) if video else None
        out: list[bytes | memoryview] = [b"\xff\xd8"]
        if w.jfif is not None and "jpeg:jfif" in leaving:
            out.append(_app(APP0, _jfif_payload(w.jfif)))
        if w.exif is not None:
            block = build_exif(w.exif, leaving)
            if block:
                out.append(_app(APP1, EXIF_HEADER + b"\x00" + block))
        out.extend(_xmp_segments(w, leaving, moving))
        if w.icc is not None and "jpeg:icc" in leaving:
            out.extend(_icc_segments(exported_profile(w.icc, leaving)))
        if w.irb is not None:
            irb = build_irb(w.irb, leaving)
            if irb:
                out.append(_app(APP13, irb))
        if w.adobe is not None and "jpeg:adobe" in leaving:
            out.append(_app(APP14, w.adobe))
        if w.comments and "jpeg:comment" in leaving:
            out.extend(_app(COM, c) for c in w.comments)
        if pixels is not None:
            out.extend(_reencode(pixels, w))
            out.append(b"\xff\xd9" + video)
            return Cleaned(b"".join(out), "re-encoded", ".jpg")
        # The megabytes of scan data stay in the source: ranges that the writer copies (with the kernel,
        # into a file) or that ``Cleaned.whole`` joins once.
        pieces: list[bytes | tuple[int, int]] = []
        written = [b"".join(out)]
        with memoryview(data) as view:
            for part in w.parts:
                if part.marker:
                    written.append(_emit(view, part))
                    continue
                offset, length = part.spans[0]
                pieces.append(b"".join(written))
                pieces.append((offset, offset + length))
                written = []
        written.append(b"\xff\xd9" + video)
        pieces.append(b"".join(written))
        head = pieces[0]
        assert isinstance(head, bytes)
        return Cleaned(head, "unchanged", ".jpg", runs=tuple(p for p in pieces[1:] if p))

    def clean_streamed(self, data: Buffer, parsed: Parsed, leaving: frozenset[str]) -> Cleaned:
        return self._clean(data, parsed, leaving)
