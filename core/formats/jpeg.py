# SPDX-License-Identifier: GPL-3.0-or-later
"""JPEG: a lossless segment filter.

``parse`` walks every marker segment from SOI to the first EOI, finds the end of each scan's
entropy-coded data with one regular-expression search (never a Python loop over bytes), and accounts for
everything after EOI (MPF secondary images, motion-photo MP4, Samsung SEF, padding, unknown trailers).

``clean`` writes a new file from an allowlist: SOI, a JFIF header, a rebuilt EXIF block, filtered XMP
(and Extended XMP), the ICC profile, a rebuilt Photoshop/IPTC block, the Adobe APP14 marker and COM, each
only when its item keys leave; then the tables and scans copied byte for byte (or those of a re-encode
when ``pixels`` is given), then EOI. Nothing after EOI is ever written.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.shared import classify_trailer, segment_category
from core.metadata.exif import ExifResult, build_exif, parse_exif
from core.metadata.icc import icc_description
from core.metadata.iptc import PHOTOSHOP_HEADER, IrbResult, build_irb, parse_irb
from core.metadata.xmp import filter_xmp, parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment

if TYPE_CHECKING:
    from PIL import Image

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP13, APP14, COM = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE
EXIF_HEADER = b"Exif\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXT_XMP_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
MPF_HEADER = b"MPF\x00"
TRUNCATED = "truncated JPEG: the file ends inside the image data"

# Markers that make up the image: tables, frame and scan headers, restart markers. Copied byte for byte.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_IMAGE_MARKERS = _SOF | {0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# End of entropy-coded data: 0xFF followed by anything but a stuffed zero or a restart marker.


def _scan_end(data: Buffer, pos: int) -> int:
    """Offset of the first marker after entropy-coded data starting at ``pos``: inside a scan every FF
    byte is followed by 00 or a restart marker (D0-D7), so the first other FFxx ends it.

    numpy finds the FF bytes and checks only their successors: about twice as fast as a regex over
    the megabytes of a photo's scan, and it releases the GIL. The window grows from 256 KB so the many
    short scans of a progressive JPEG are not searched to the end of the file each time."""
    end = _find_marker(data, pos)
    if end < 0:
        # Raised here, where no numpy view of the mapped file is alive: a traceback holding one would
        # keep the caller from closing the mapping.
        raise ParseError(TRUNCATED)
    return end


def _find_marker(data: Buffer, pos: int) -> int:
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    last = len(arr) - 1  # a marker needs its second byte
    start, window = pos, 1 << 18
    while start < last:
        stop = min(last, start + window)
        ff = np.flatnonzero(arr[start:stop] == 0xFF)
        if ff.size:
            following = arr[ff + (start + 1)]
            marker = np.flatnonzero((following != 0) & ((following < 0xD0) | (following > 0xD7)))
            if marker.size:
                return start + int(ff[marker[0]])
        start, window = stop, min(window * 2, 1 << 23)
    return -1

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


@dataclass(slots=True)
class _Walk:
    """What parse learned and clean needs (kept on Parsed.notes would lose types, so parse is re-run)."""

    segments: list[Segment] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    image_spans: list[tuple[int, int]] = field(default_factory=list)
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
    eoi: int = 0


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
    def __init__(self, data: Buffer) -> None:
        self.data = data
        self.w = _Walk()
        self.exif_count = 0
        self.xmp_count = 0
        self.icc_chunks: list[tuple[int, bytes]] = []
        self.icc_bytes = 0
        self.irb_chunks: list[bytes] = []
        self.irb_bytes = 0
        self.ext_chunks: dict[bytes, dict[int, bytes]] = {}
        self.ext_total: dict[bytes, int] = {}
        self.ext_bytes = 0
        self.mpf: list[tuple[int, int, int]] = []  # (absolute offset, size, attribute) of secondary images
        self.image_bytes = 0
        self.unknown_n = 0
        # (offset, length, name, category); None until the segment's items are known (multi-segment data)
        self.pending: list[tuple[int, int, str, Category | None]] = []

    # Each metadata segment takes the category of the most sensitive item it produced.
    def seg(self, offset: int, length: int, name: str, items: list[Item]) -> None:
        self.pending.append((offset, length, name, segment_category(items) if items else None))
        self.w.items.extend(items)

    def image_seg(self, offset: int, length: int, name: str, span: bool = True) -> None:
        self.pending.append((offset, length, name, Category.TECHNICAL))
        self.image_bytes += length
        if span:
            self.w.image_spans.append((offset, length))

    def unknown(self, offset: int, length: int, name: str, value: str, where: str, key: str = "") -> None:
        self.unknown_n += 1
        item = Item(Category.UNKNOWN, name, value, where, length, key or f"jpeg:unknown:{self.unknown_n}",
                    carriable=False, note="unknown data is never passed through")
        self.seg(offset, length, name, [item])

    def run(self) -> _Walk:
        data, n = self.data, len(self.data)
        if n < 4 or data[0] != 0xFF or data[1] != SOI:
            raise ParseError("not a JPEG file")
        self.image_seg(0, 2, "SOI", span=False)
        pos = 2
        while True:
            if pos >= n:
                raise ParseError(TRUNCATED)
            if data[pos] != 0xFF:
                nxt = data.find(b"\xff", pos)
                if nxt < 0:
                    raise ParseError(TRUNCATED)
                self.unknown(pos, nxt - pos, "Unexpected bytes between segments", f"{nxt - pos:,} bytes",
                             "JPEG structure")
                pos = nxt
                continue
            start = pos
            while pos < n and data[pos] == 0xFF:  # fill bytes before a marker
                pos += 1
            if pos >= n:
                raise ParseError(TRUNCATED)
            if pos - start > 1:
                self.image_seg(start, pos - start - 1, "Fill bytes", span=False)
                start = pos - 1
            marker = data[pos]
            pos += 1
            if marker == EOI:
                self.image_seg(start, 2, "EOI", span=False)
                self.w.eoi = pos
                break
            if marker in _STANDALONE:
                self.image_seg(start, 2, f"marker FF{marker:02X}")
                continue
            if marker == SOI or marker == 0x00:
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
                scan_end = _scan_end(data, pos)
                if scan_end > pos:
                    self.image_seg(pos, scan_end - pos, "Entropy-coded data")
                pos = scan_end
        if not self.w.width or not self.w.height:
            if not any(s[2].startswith("SOF") for s in self.pending):
                raise ParseError("damaged JPEG: no frame header (SOF) before the end of the image")
            raise ParseError("damaged JPEG: the image declares a width or height of zero")
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
        if marker in _IMAGE_MARKERS:
            name = "SOF" if marker in _SOF else {0xC4: "DHT", 0xDB: "DQT", 0xDA: "SOS", 0xDD: "DRI"}.get(
                marker, f"FF{marker:02X}")
            if marker in _SOF:
                self.frame(marker, payload)
                name = f"SOF{marker - 0xC0}"
            self.image_seg(start, length, name)
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
                self.w.adobe = payload
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

    def frame(self, marker: int, payload: bytes) -> None:
        if len(payload) < 6:
            raise ParseError("damaged JPEG: frame header (SOF) is too short")
        if self.w.width:
            return  # a second frame header (e.g. hierarchical JPEG): the first one describes the image
        height, width, comps = struct.unpack_from(">HHB", payload, 1)
        self.w.width, self.w.height, self.w.components = width, height, comps
        self.w.progressive = marker in (0xC2, 0xC6, 0xCA, 0xCE)
        if comps >= 1 and len(payload) >= 9:
            factor = payload[7]
            self.w.sampling = (factor >> 4, factor & 0x0F)
        if not width or not height:
            raise ParseError("damaged JPEG: the image declares a width or height of zero")

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
            result = parse_xmp(packet, where=where)
            items = list(result.items)
            if self.xmp_count == 1 and not result.errors:
                self.w.xmp = packet
            else:
                items = [replace(i, key=f"jpeg:xmp{self.xmp_count}:{i.key}", carriable=False,
                                 category=Category.UNKNOWN if result.errors else i.category,
                                 note="only the first readable XMP packet is copied") for i in items]
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
            self.icc_chunks.append((payload[12], payload[14:]))
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
        hit = _KNOWN_APPS.get((marker, label))
        if marker == 0xEC and payload.startswith(b"[picture info]"):
            hit = (Category.DEVICE, "Camera picture info (APP12)")
        if hit:
            key = f"jpeg:app{marker - 0xE0}:{label}"
            item = Item(hit[0], hit[1], f"{length:,} bytes", where, length, key, carriable=False,
                        note="this segment is never copied")
            self.seg(start, length, where, [item])
            return
        self.unknown(start, length, f"Unknown APP{marker - 0xE0} segment" + (f" ({label})" if label else ""),
                     f"{length:,} bytes", where)

    def finish_metadata(self) -> None:
        if self.icc_chunks:
            profile = b"".join(chunk for _, chunk in sorted(self.icc_chunks, key=lambda c: c[0]))
            self.w.icc = profile
            desc = icc_description(profile)
            value = f"{desc}, {_size(len(profile))}" if desc else _size(len(profile))
            self.w.items.append(Item(Category.TECHNICAL, "ICC colour profile", value, "JPEG APP2 ICC profile",
                                     self.icc_bytes, "jpeg:icc", need=Need.DISPLAY))
            self.mark("APP2 ICC profile", Category.TECHNICAL)
        if self.irb_chunks:
            irb = parse_irb(b"".join(self.irb_chunks), where="JPEG APP13 Photoshop")
            self.w.irb = irb
            self.w.items.extend(irb.items)
            self.mark("APP13 Photoshop", segment_category(irb.items) if irb.items else Category.TECHNICAL)
        if self.w.comments:
            value = " | ".join(_text(c) for c in self.w.comments)
            self.w.items.append(Item(Category.DESCRIPTION, "JPEG comment", value, "JPEG COM",
                                     sum(len(c) + 4 for c in self.w.comments), "jpeg:comment"))
            self.mark("COM", Category.DESCRIPTION)
        if self.ext_chunks:
            self.extended_xmp()

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
            self.trailer_item(off, size, f"{name}: {_size(size)}", cat, key, where)
            pos = off + size
        if pos < n:
            self.gap(pos, n, where, k)

    def gap(self, start: int, end: int, where: str, k: int) -> int:
        data = self.data
        size = end - start
        ftyp = data.find(b"ftyp", start, min(end, start + 1024 * 1024 * 64))
        if ftyp >= start + 4 and data.find(b"\x00", ftyp - 4, ftyp) == ftyp - 4:
            mp4_start = ftyp - 4
            if mp4_start > start:
                k = self.gap(start, mp4_start, where, k)
            k += 1
            value = f"Motion-photo video (MP4): {_size(end - mp4_start)}"
            key = f"jpeg:trailer:{k}"
            self.trailer_item(mp4_start, end - mp4_start, value, Category.HIDDEN_MEDIA, key, where)
            return k
        k += 1
        key = f"jpeg:trailer:{k}"
        category, label = classify_trailer(data, start, end)
        self.trailer_item(start, size, f"{label}: {_size(size)}", category, key, where)
        return k

    def trailer_item(self, offset: int, size: int, value: str, category: Category, key: str,
                     where: str) -> None:
        name = value.split(":")[0]
        item = Item(category, name, value, where, size, key, carriable=False,
                    note="nothing after the end of the image is ever copied")
        self.seg(offset, size, name, [item])


def walk(data: Buffer) -> _Walk:
    return _Walker(data).run()


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


def _xmp_segments(w: _Walk, leaving: frozenset[str]) -> list[bytes]:
    ext = filter_xmp(w.ext_xmp, leaving) if w.ext_xmp is not None else None
    guid = hashlib.md5(ext).hexdigest().upper() if ext else ""  # the GUID is defined as the packet's MD5
    main = None
    if w.xmp is not None or guid:
        main = filter_xmp(w.xmp or b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", leaving, extended_guid=guid)
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
    return [encoded[o: o + ln] for o, ln in fresh.image_spans]


class JpegHandler(FormatHandler):
    name = "jpeg"
    extensions = (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo")
    reencodes = False

    def sniff(self, head: bytes) -> bool:
        return head[:3] == b"\xff\xd8\xff"

    def parse(self, data: Buffer) -> Parsed:
        w = walk(data)
        orientation = w.exif.orientation if w.exif is not None else 1
        return Parsed(w.items, w.segments, w.width, w.height, orientation, list(w.image_spans), state=w)

    def clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned:
        w = state_of(parsed, _Walk, lambda: walk(data))
        out: list[bytes] = [b"\xff\xd8"]
        if w.jfif is not None and "jpeg:jfif" in leaving:
            out.append(_app(APP0, _jfif_payload(w.jfif)))
        if w.exif is not None:
            block = build_exif(w.exif, leaving)
            if block:
                out.append(_app(APP1, EXIF_HEADER + b"\x00" + block))
        out.extend(_xmp_segments(w, leaving))
        if w.icc is not None and "jpeg:icc" in leaving:
            out.extend(_icc_segments(w.icc))
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
        else:
            # Views, not copies: the megabytes of scan data are copied once, by the join below.
            with memoryview(data) as view:
                out.extend(view[o: o + ln] for o, ln in w.image_spans)
                out.append(b"\xff\xd9")
                joined = b"".join(out)
                out.clear()  # release the views before the caller closes the mapping
            return Cleaned(joined, "unchanged", ".jpg")
        out.append(b"\xff\xd9")
        return Cleaned(b"".join(out), "re-encoded", ".jpg")
