# SPDX-License-Identifier: GPL-3.0-or-later
"""TIFF as a photo format: itemise every IFD and rebuild a baseline TIFF from an allowlist.

Parsing reuses the EXIF walker (a TIFF file *is* a TIFF block): every IFD of the IFD0 chain, its
sub-IFDs and the Exif/GPS/Interop IFDs are itemised with the same tag table as EXIF, with keys
``tiff:IFD0:0x010f`` etc. The first image's strips or tiles are one ``tiff:image`` item (need=PIXELS);
later pages, sub-images and their tags are hidden media that is never carried. Embedded XMP (tag 700)
is itemised by core.metadata.xmp; IPTC (33723) and Photoshop resources (34377) are reported but never carried.

Cleaning writes a new file: the tags needed to decode the first image, Orientation, the ICC profile if
it leaves, the kept tags whose keys leave, and the strips or tiles copied byte for byte.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.metadata.exif import (
    TAG_EXIF_IFD,
    TAG_GPS_IFD,
    TAG_INTEROP_IFD,
    TAG_ORIENTATION,
    ExifEntry,
    Ifd,
    Walk,
    _bad_item,
    _numbers,
    base_ifd,
    entry_item,
    entry_key,
    ifd_label,
    is_pointer,
    make_of,
    siblings_of,
    swap_raw,
    walk,
    write_ifds,
)
from core.metadata.exif.reader import with_data
from core.metadata.exif.values import orientation_value
from core.metadata.exif.writer import rebuilt_orientation
from core.metadata.icc import icc_problem
from core.metadata.icc_clean import exported as exported_profile
from core.metadata.icc_clean import profile_items
from core.metadata.iptc import parse_iim, parse_irb
from core.metadata.vendor import opaque_value
from core.metadata.xmp import filter_xmp, parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment

if TYPE_CHECKING:
    from PIL import Image

KEY = "tiff"
WHERE = "TIFF"

TAG_XMP = 0x02BC
TAG_IPTC = 0x83BB
TAG_IRB = 0x8649
TAG_ICC = 0x8773
TAG_STRIP_OFFSETS, TAG_STRIP_COUNTS = 0x0111, 0x0117
TAG_TILE_OFFSETS, TAG_TILE_COUNTS = 0x0144, 0x0145
TAG_JPEG_IF, TAG_JPEG_IF_LEN = 0x0201, 0x0202
OFFSET_TAGS = {TAG_STRIP_OFFSETS: TAG_STRIP_COUNTS, TAG_TILE_OFFSETS: TAG_TILE_COUNTS}

# What a reader needs to decode the first image. Always written; need=PIXELS.
DECODE_TAGS = {
    0x00FE,  # NewSubfileType
    0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x010A,  # size, bits, compression, photometric, fill order
    0x0115, 0x0116, 0x011C,  # samples per pixel, rows per strip, planar configuration
    0x0124, 0x0125,  # T4/T6 options (fax)
    0x013D, 0x0140, 0x0142, 0x0143,  # predictor, colour map, tile size
    0x0152, 0x0153, 0x0154, 0x0155,  # extra samples, sample format, min/max sample value
    0x015B, 0x0211, 0x0212, 0x0214,  # JPEG tables, YCbCr coefficients / subsampling, reference black/white
    TAG_STRIP_COUNTS, TAG_TILE_COUNTS,
}
# The main image and the IFDs that describe it; everything else (pages, sub-images) is hidden media.
MAIN_IFDS = {"IFD0", "Exif", "GPS", "Interop"}
# More strips or tiles than this is a file built to exhaust memory (a large photo has a few thousand).
MAX_STRIPS = 100_000
_INTEGER = (3, 4)
# Decode tags that hold one number.
_SINGLE = {0x00FE, 0x0100, 0x0101, 0x0103, 0x0106, 0x010A, 0x0115, 0x0116, 0x011C, 0x0124, 0x0125,
           0x013D, 0x0142, 0x0143}
# Decode tags that hold one number per sample.
_PER_SAMPLE = {0x0102, 0x0153, 0x0154, 0x0155}


@dataclass(slots=True)
class _Image:
    label: str
    spans: list[tuple[int, int]]  # strips or tiles, in order
    width: int
    height: int
    error: str = ""
    offset_tag: int = TAG_STRIP_OFFSETS


def _tags(ifd: Ifd) -> dict[int, ExifEntry]:
    return {e.tag: e for e in ifd.entries}


def _first_int(entry: ExifEntry | None, bo: str) -> int | None:
    if entry is None or entry.type not in (1, 3, 4, 8, 9, 13):
        return None
    nums = _numbers(entry, bo)
    return int(nums[0]) if nums else None  # type: ignore[arg-type]


def _image_of(ifd: Ifd, bo: str, size: int) -> _Image | None:
    """The strips, tiles or (old-style) JPEG stream an IFD points to."""
    tags = _tags(ifd)
    width = _first_int(tags.get(0x0100), bo) or 0
    height = _first_int(tags.get(0x0101), bo) or 0
    if TAG_STRIP_OFFSETS in tags and TAG_TILE_OFFSETS in tags:
        return _Image(ifd.label, [], width, height, "the image claims both strips and tiles")
    for off_tag, count_tag in OFFSET_TAGS.items():
        if off_tag not in tags:
            continue
        if tags[off_tag].count > MAX_STRIPS:
            what = "strips" if off_tag == TAG_STRIP_OFFSETS else "tiles"
            raise ParseError(f"too complex to check: {tags[off_tag].count:,} {what} (at most {MAX_STRIPS:,})")
        offs = _numbers(tags[off_tag], bo) if tags[off_tag].type in (3, 4, 13) else []
        counts_e = tags.get(count_tag)
        counts = _numbers(counts_e, bo) if counts_e is not None and counts_e.type in (3, 4, 13) else []
        img = _Image(ifd.label, [], width, height, offset_tag=off_tag)
        if not offs or len(offs) != len(counts):
            img.error = "the image data offsets and byte counts do not match"
            return img
        for raw_o, raw_c in zip(offs, counts, strict=True):
            # Only SHORT/LONG/IFD types reach here (checked above), so each value is a plain int.
            o, c = int(raw_o), int(raw_c)  # type: ignore[arg-type]
            if o + c > size:
                img.error = f"image data at offset {o} ({c} bytes) lies outside the file"
                return img
            img.spans.append((o, c))
        return img
    if TAG_JPEG_IF in tags:
        jpeg_at = _first_int(tags[TAG_JPEG_IF], bo)
        jpeg_len = _first_int(tags.get(TAG_JPEG_IF_LEN), bo)
        img = _Image(ifd.label, [], width, height)
        if jpeg_at is None or jpeg_len is None or jpeg_at + jpeg_len > size:
            img.error = "the embedded JPEG stream lies outside the file"
        else:
            img.spans.append((jpeg_at, jpeg_len))
        return img
    return None


def _decode_tag_problem(e: ExifEntry, tags: dict[int, ExifEntry], bo: str) -> tuple[str, bool]:
    """Why a decode tag of the first image cannot be kept as it is: ('', False) when it can; (reason,
    False) when the image does not need it (it is dropped); (reason, True) when the image needs it but
    it is malformed (the file cannot be cleaned without changing how it decodes)."""
    photometric = _first_int(tags.get(0x0106), bo)
    compression = _first_int(tags.get(0x0103), bo) or 1
    spp = _first_int(tags.get(0x0115), bo) or 1
    bits = _first_int(tags.get(0x0102), bo) or 1
    tag, name = e.tag, f"tag 0x{e.tag:04x}"
    needed = {
        0x0140: (photometric == 3, "a colour map on an image that is not a palette image"),
        0x0211: (photometric == 6, "YCbCr coefficients on an image that is not YCbCr"),
        0x0212: (photometric == 6, "YCbCr subsampling on an image that is not YCbCr"),
        0x0214: (photometric in (2, 6), "a reference black and white on an image that is not RGB or YCbCr"),
        0x0124: (compression == 3, "fax (T4) options on an image that is not T4-compressed"),
        0x0125: (compression == 4, "fax (T6) options on an image that is not T6-compressed"),
        0x015B: (compression == 7, "JPEG tables on an image that is not JPEG-compressed"),
        0x013D: (compression in (5, 8, 32946), "a predictor on an image that is not LZW or Deflate"),
        0x0152: (spp > 1, "extra samples on a one-sample image"),
    }
    if tag in needed and not needed[tag][0]:
        return needed[tag][1], False
    if tag in _SINGLE and (e.type not in _INTEGER or e.count != 1):
        return f"the decode {name} does not hold exactly one number", True
    if tag in _PER_SAMPLE and (e.type not in _INTEGER or e.count != spp):
        return f"the decode {name} does not hold one number per sample", True
    if tag == 0x0140 and (e.type != 3 or e.count != 3 * (1 << min(bits, 16))):
        return "the colour map does not have one entry per palette colour", True
    if tag == 0x0152 and (e.type not in _INTEGER or e.count >= spp):
        return "the extra samples tag lists more samples than the image has", True
    if tag == 0x0212 and (e.type != 3 or e.count != 2):
        return "the YCbCr subsampling tag is malformed", True
    if tag == 0x0211 and (e.type != 5 or e.count != 3):
        return "the YCbCr coefficients tag is malformed", True
    if tag == 0x0214 and (e.type != 5 or e.count != 6):
        return "the reference black and white tag is malformed", True
    if tag == 0x015B and e.type != 7:
        return "the JPEG tables tag is malformed", True
    return "", False


def _overlap(walked: Walk, spans: list[tuple[int, int]]) -> str:
    """Why the first image's strips share bytes with each other or with any other structure (a tag value
    inside a strip would be copied with it), or ''."""
    ranges: list[tuple[int, int, bool]] = [(0, 8, False)]  # (start, end, is a strip of the image)
    ranges += [(o, o + c, True) for o, c in spans if c > 0]
    for ifd in walked.ifds:
        ranges.append((ifd.offset, ifd.offset + ifd.size, False))
        ranges += [(e.offset, e.offset + len(e.raw), False) for e in ifd.entries if e.offset >= 0 and e.raw]
    ranges.sort()
    reach, reach_strip = 0, False
    for start, end, strip in ranges:
        if start < reach and (strip or reach_strip):
            return "the image data overlaps other data in the file"
        if end > reach:
            reach, reach_strip = end, strip
        elif strip:
            reach_strip = True
    return ""


def _trimmed(img: _Image, tags: dict[int, ExifEntry], bo: str) -> int:
    """Cut uncompressed strips to the bytes their rows fill (readers ignore the rest, so it could carry
    anything); returns how many bytes were cut. Other layouts are left as they are."""
    if (_first_int(tags.get(0x0103), bo) or 1) != 1 or (_first_int(tags.get(0x011C), bo) or 1) != 1:
        return 0
    if img.offset_tag != TAG_STRIP_OFFSETS or not img.width or not img.height:
        return 0
    bits_entry = tags.get(0x0102)
    bits = [b for b in _numbers(bits_entry, bo) if isinstance(b, int)] if bits_entry is not None else [1]
    rows = min(_first_int(tags.get(0x0116), bo) or img.height, img.height)
    row_bytes = (img.width * sum(bits) + 7) // 8
    if rows <= 0 or len(img.spans) != (img.height + rows - 1) // rows:
        return 0
    cut = 0
    for i, (offset, count) in enumerate(img.spans):
        expected = min(rows, img.height - i * rows) * row_bytes
        if count > expected:
            img.spans[i] = (offset, expected)
            cut += count - expected
    return cut


def _is_main(label: str) -> bool:
    return label in MAIN_IFDS


def _embedded_items(entry: ExifEntry, where: str) -> list[Item]:
    """XMP, IPTC and Photoshop resources of the first image, itemised when the modules exist."""
    size = 12 + (len(entry.raw) if entry.offset >= 0 else 0)
    if entry.tag == TAG_XMP:
        return list(parse_xmp(entry.raw, f"{where} XMP (tag 700)", "xmp").items)
    if entry.tag == TAG_IPTC:
        name, category, key = "IPTC-NAA", Category.DESCRIPTION, f"{KEY}:iptc"
        loc = f"{where} IPTC (tag 33723)"
        items = list(parse_iim(entry.raw, loc).items)
    else:
        name, category, key = "PhotoshopSettings", Category.HIDDEN_MEDIA, f"{KEY}:irb"
        loc = f"{where} Photoshop resources (tag 34377)"
        items = list(parse_irb(entry.raw, loc).items)
    note = "IPTC and Photoshop resources inside a TIFF are not carried into a clean file"
    if items:
        # Rebuilding these records inside a TIFF is not supported: show them, never carry them.
        return [replace(i, carriable=False, note=note) for i in items]
    return [Item(category, name, f"{len(entry.raw)} bytes", loc, size, key, carriable=False, note=note)]


def _walk(data: Buffer) -> Walk:
    try:
        walked = walk(data)
    except ParseError as exc:
        raise ParseError(f"not a readable TIFF file: {exc}") from exc
    if walked.ifd("IFD0") is None:
        raise ParseError("damaged TIFF file: the first image directory is missing or outside the file")
    return walked


class TiffHandler(FormatHandler):
    name = "tiff"
    extensions = (".tif", ".tiff")
    reencodes = False

    def sniff(self, head: bytes) -> bool:
        return head[:4] in (b"II*\x00", b"MM\x00*")

    def _partial(self, walked: Walk, bo: str, sib: dict[str, dict[int, ExifEntry]], make: str) -> list[Item]:
        """The tags of a TIFF whose image data is damaged: shown as a partial read, never exported."""
        out: list[Item] = []
        for ifd in walked.ifds:
            for e in ifd.entries:
                try:
                    out += self._entry_items(e, ifd.label, bo, sib, make)
                except (ParseError, ValueError, IndexError, KeyError, struct.error):
                    continue
        return out

    def parse(self, data: Buffer) -> Parsed:
        size = len(data)
        walked = _walk(data)
        bo = walked.byte_order
        sib = siblings_of(walked)
        make = make_of(walked)
        items: list[Item] = []
        spans: list[tuple[int, int, str, Category]] = [(0, 8, "TIFF header", Category.TECHNICAL)]
        ifd0 = walked.ifd("IFD0")
        assert ifd0 is not None
        main = _image_of(ifd0, bo, size)
        if main is None or main.error or not main.spans:
            reason = main.error if main else "it holds no image data"
            raise ParseError(f"damaged TIFF file: {reason}", self._partial(walked, bo, sib, make))
        pixel_spans: list[tuple[int, int]] = []
        ifd0_tags = _tags(ifd0)
        full = list(main.spans)
        cut = _trimmed(main, ifd0_tags, bo)
        tables = ifd0_tags.get(0x015B)
        if tables is not None and tables.offset >= 0:
            pixel_spans.append((tables.offset, len(tables.raw)))
        pixel_spans += main.spans
        t0 = ifd0_tags
        compression = _first_int(t0.get(0x0103), bo) or 1
        kind = "tiles" if TAG_TILE_OFFSETS in t0 else "strips"
        items.append(Item(
            Category.TECHNICAL, "Image data",
            f"{main.width}×{main.height}, compression {compression}, {len(main.spans)} {kind}",
            f"{WHERE} IFD0", sum(c for _, c in main.spans), f"{KEY}:image", need=Need.PIXELS,
        ))
        for o, c in full:
            spans.append((o, c, "image data", Category.TECHNICAL))
        if cut:
            items.append(Item(Category.UNKNOWN, "Data after the image rows in its strips",
                              f"{cut} bytes no reader looks at", f"{WHERE} IFD0", cut, f"{KEY}:strip-tails",
                              carriable=False, note="never copied into a clean file"))
        for ifd in walked.ifds:
            hidden = not _is_main(ifd.label)
            dir_cat = Category.HIDDEN_MEDIA if hidden else Category.TECHNICAL
            spans.append((ifd.offset, ifd.size, f"{ifd_label(ifd.label)} directory", dir_cat))
            if hidden and base_ifd(ifd.label).startswith(("IFD", "SubIFD")):
                img = _image_of(ifd, bo, size)
                if img is not None:
                    loc = f"{WHERE} {ifd_label(ifd.label)}"
                    if img.error:
                        items.append(Item(Category.UNKNOWN, "Image data", img.error, loc, 0,
                                          f"{KEY}:{ifd.label}:image", carriable=False, note=img.error))
                    else:
                        items.append(Item(
                            Category.HIDDEN_MEDIA, "Image data",
                            f"{img.width}×{img.height} image ({sum(c for _, c in img.spans)} bytes)", loc,
                            sum(c for _, c in img.spans), f"{KEY}:{ifd.label}:image", carriable=False,
                            note="other pages and sub-images are not carried into a clean file",
                        ))
                        spans += [(o, c, f"{ifd_label(ifd.label)} image data", Category.HIDDEN_MEDIA)
                                  for o, c in img.spans]
            for e in ifd.entries:
                item_list = self._entry_items(e, ifd.label, bo, sib, make)
                items += item_list
                if e.offset >= 0:
                    cat = item_list[0].category if item_list else Category.TECHNICAL
                    if e.tag == TAG_XMP:
                        cat = Category.DESCRIPTION
                    name = f"{ifd_label(ifd.label)} tag 0x{e.tag:04x} value"
                    spans.append((e.offset, len(e.raw), name, cat))
        for i, bad in enumerate(walked.bad):
            items.append(_bad_item(bad, WHERE, KEY, i))
        overlap = _overlap(walked, full)
        if overlap:
            items.append(Item(Category.UNKNOWN, "Overlapping image data", overlap, f"{WHERE} IFD0", 0,
                              f"{KEY}:overlap", carriable=False, note="a file like this is never cleaned"))
        segments, gap_bytes, gap_count = _partition(spans, size, data)
        if gap_bytes:
            unreferenced = b"\x00".join(bytes(data[s.offset : s.offset + min(s.length, 1 << 16)])
                                        for s in segments if s.name == "unreferenced data")
            items.append(Item(
                Category.UNKNOWN, "Unreferenced data",
                opaque_value(f"{gap_bytes} bytes in {gap_count} range(s) that no TIFF directory points to",
                             unreferenced),
                f"{WHERE} file body", gap_bytes, f"{KEY}:unreferenced", carriable=False,
                note="unknown data is never passed on",
            ))
        stated = t0.get(TAG_ORIENTATION)
        orientation = (orientation_value(stated, bo) if stated is not None else None) or 1
        notes = list(walked.errors)
        items = with_data(items, [e for ifd in walked.ifds for e in ifd.entries], bo, KEY)
        return Parsed(items, segments, main.width, main.height, orientation, pixel_spans, notes, state=walked)

    def _entry_items(
        self, e: ExifEntry, label: str, bo: str, sib: dict[str, dict[int, ExifEntry]], make: str
    ) -> list[Item]:
        if is_pointer(e):
            return []
        hidden = not _is_main(label)
        kind = base_ifd(label)
        image_structure = kind.startswith(("IFD", "SubIFD")) and (
            e.tag in OFFSET_TAGS or e.tag in (TAG_STRIP_COUNTS, TAG_TILE_COUNTS, TAG_JPEG_IF, TAG_JPEG_IF_LEN)
        )
        if image_structure:
            return []  # covered by the image data item
        if label == "IFD0" and e.tag in (TAG_XMP, TAG_IPTC, TAG_IRB):
            return _embedded_items(e, f"{WHERE} IFD0")
        if label == "IFD0" and e.tag == TAG_ICC:
            if problem := icc_problem(e.raw):
                return [Item(Category.UNKNOWN, "Unusable ICC colour profile", problem, f"{WHERE} IFD0",
                             12 + len(e.raw), f"{KEY}:icc:unusable", carriable=False, note=problem)]
            return profile_items(e.raw, f"{KEY}:icc", f"{WHERE} IFD0", 12 + len(e.raw))
        item = entry_item(e, bo, WHERE, KEY, sib[label], make)
        if label == "IFD0" and e.tag in DECODE_TAGS:
            problem, _fatal = _decode_tag_problem(e, sib[label], bo)
            if problem:
                return [replace(item, category=Category.UNKNOWN, need=Need.NONE, carriable=False,
                                note=problem)]
            item = replace(item, category=Category.TECHNICAL, need=Need.PIXELS)
        if hidden:
            cat = item.category if item.category is Category.UNKNOWN else Category.HIDDEN_MEDIA
            item = replace(item, category=cat, need=Need.NONE, carriable=False,
                           note="other pages and sub-images are not carried into a clean file")
        return [item]

    def clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned:
        walked = state_of(parsed, Walk, lambda: _walk(data))
        if pixels is not None:
            return Cleaned(_rebuild(walked, data, parsed.items, leaving, pixels), "re-encoded", ".tif")
        return Cleaned(_rebuild(walked, data, parsed.items, leaving, None), "unchanged", ".tif")


def _partition(
    spans: list[tuple[int, int, str, Category]], size: int, data: Buffer
) -> tuple[list[Segment], int, int]:
    """Turn possibly overlapping spans into segments covering every byte once; gaps are unknown."""
    segments: list[Segment] = []
    cursor = 0
    gap_bytes = gap_count = 0

    def gap(start: int, end: int) -> None:
        nonlocal gap_bytes, gap_count
        # One or three bytes of zeros are word-alignment padding the TIFF specification asks for.
        if end - start <= 3 and not any(bytes(data[start:end])):
            segments.append(Segment(start, end - start, "padding", Category.TECHNICAL))
            return
        segments.append(Segment(start, end - start, "unreferenced data", Category.UNKNOWN))
        gap_bytes += end - start
        gap_count += 1

    for off, length, name, cat in sorted(spans, key=lambda s: (s[0], -s[1])):
        end = min(off + length, size)
        if length <= 0 or end <= cursor:
            continue
        start = max(off, cursor)
        if start > cursor:
            gap(cursor, start)
        segments.append(Segment(start, end - start, name, cat))
        cursor = end
    if cursor < size:
        gap(cursor, size)
    return segments, gap_bytes, gap_count


def _leaving_entry(e: ExifEntry, leaving: frozenset[str], carriable: set[str]) -> bool:
    key = entry_key(KEY, e.ifd, e.tag)
    return key in leaving and key in carriable


def _rebuild(
    walked: Walk, data: Buffer, parsed_items: list[Item], leaving: frozenset[str], pixels: Image.Image | None
) -> bytes:
    bo = walked.byte_order
    ifd0 = walked.ifd("IFD0")
    assert ifd0 is not None
    t0 = _tags(ifd0)
    if (_first_int(t0.get(0x0103), bo) or 1) == 6 or (TAG_JPEG_IF in t0 and not set(OFFSET_TAGS) & set(t0)):
        raise ParseError("old-style JPEG-compressed TIFF cannot be cleaned without re-encoding")
    source_image = _image_of(ifd0, bo, len(data))
    overlap = _overlap(walked, source_image.spans if source_image is not None else [])
    if overlap:
        raise ParseError(f"cannot be cleaned: {overlap}")
    for e in ifd0.entries:
        problem, fatal = _decode_tag_problem(e, t0, bo) if e.tag in DECODE_TAGS else ("", False)
        if fatal:
            raise ParseError(f"cannot be cleaned: {problem}")
    # The image source: the original strips, or freshly encoded pixels (faces blurred).
    if pixels is None:
        src_bo, src_tags, src_data = bo, t0, data
    else:
        src_data = _encode(pixels)
        src_walk = walk(src_data)
        src_bo = src_walk.byte_order
        src_ifd = src_walk.ifd("IFD0")
        assert src_ifd is not None
        src_tags = _tags(src_ifd)
    img = _image_of(Ifd("IFD0", 0, 0, list(src_tags.values())), src_bo, len(src_data))
    if img is None or img.error:
        raise ParseError(f"damaged TIFF file: {img.error if img else 'no image data'}")
    cut = _trimmed(img, src_tags, src_bo)
    off_tag = img.offset_tag
    carriable = {i.key for i in parsed_items if i.carriable and i.category is not Category.UNKNOWN}
    ifd0_out: list[ExifEntry] = []
    for tag, e in sorted(src_tags.items()):
        if tag == TAG_STRIP_COUNTS and cut:
            counts = [c for _, c in img.spans]
            raw = struct.pack(f"{src_bo}{len(counts)}I", *counts)
            ifd0_out.append(ExifEntry("IFD0", tag, 4, len(counts), raw, 0))
        elif tag in DECODE_TAGS and not _decode_tag_problem(e, src_tags, src_bo)[0]:
            ifd0_out.append(e)
    for e in ifd0.entries:
        if e.tag in DECODE_TAGS or e.tag in OFFSET_TAGS or is_pointer(e):
            continue
        if e.tag == TAG_ORIENTATION:
            rebuilt = rebuilt_orientation(e, bo)  # a valid Orientation always leaves (need=PIXELS)
            if rebuilt is not None:
                ifd0_out.append(rebuilt)
        elif e.tag == TAG_ICC:
            profile = exported_profile(e.raw, leaving) if f"{KEY}:icc" in leaving else None
            if profile is not None:
                ifd0_out.append(e if profile is e.raw else replace(e, count=len(profile), raw=profile))
        elif e.tag == TAG_XMP:
            xmp = _filtered_xmp(e.raw, leaving)
            if xmp:
                ifd0_out.append(ExifEntry("IFD0", TAG_XMP, 1, len(xmp), xmp, 0))
        elif e.tag in (TAG_IPTC, TAG_IRB, TAG_JPEG_IF, TAG_JPEG_IF_LEN):
            continue
        elif _leaving_entry(e, leaving, carriable):
            ifd0_out.append(e)
    kept: dict[str, list[ExifEntry]] = {"Exif": [], "GPS": [], "Interop": []}
    for label in kept:
        ifd = walked.ifd(label)
        if ifd is None:
            continue
        kept[label] = [e for e in ifd.entries if not is_pointer(e) and _leaving_entry(e, leaving, carriable)]
    n = len(img.spans)
    placeholder = ExifEntry("IFD0", off_tag, 4, n, b"\x00" * (4 * n), 0)
    pointers: dict[str, list[tuple[str, int]]] = {"IFD0": []}
    layout_tail: list[tuple[str, list[ExifEntry]]] = []
    if kept["Exif"] or kept["Interop"]:
        pointers["IFD0"].append(("Exif", TAG_EXIF_IFD))
        layout_tail.append(("Exif", kept["Exif"]))
        if kept["Interop"]:
            pointers["Exif"] = [("Interop", TAG_INTEROP_IFD)]
            layout_tail.append(("Interop", kept["Interop"]))
    if kept["GPS"]:
        pointers["IFD0"].append(("GPS", TAG_GPS_IFD))
        layout_tail.append(("GPS", kept["GPS"]))

    if src_bo != bo:
        # Re-encoded pixels come in Pillow's byte order: turn the carried values around to match.
        def swapped(entries: list[ExifEntry]) -> list[ExifEntry]:
            return [e if e.tag in DECODE_TAGS else replace(e, raw=swap_raw(e.raw, e.type)) for e in entries]

        ifd0_out = swapped(ifd0_out)
        layout_tail = [(label, swapped(es)) for label, es in layout_tail]

    def assemble(offsets_entry: ExifEntry) -> bytes:
        layout = [("IFD0", sorted([*ifd0_out, offsets_entry], key=lambda x: x.tag)), *layout_tail]
        return write_ifds(src_bo, layout, pointers, ["IFD0"])

    head = assemble(placeholder)
    pos = len(head) + (len(head) & 1)
    new_offsets = []
    for _, c in img.spans:
        new_offsets.append(pos)
        pos += c
    raw = struct.pack(f"{src_bo}{n}I", *new_offsets)
    head2 = assemble(ExifEntry("IFD0", off_tag, 4, n, raw, 0))
    assert len(head2) == len(head)
    out = bytearray(head2)
    if len(out) & 1:
        out += b"\x00"
    for o, c in img.spans:
        out += bytes(src_data[o : o + c])
    return bytes(out)


def _filtered_xmp(packet: bytes, leaving: frozenset[str]) -> bytes | None:
    return filter_xmp(packet, leaving, "xmp")


def _encode(pixels: Image.Image) -> bytes:
    """Re-encode pixels (faces blurred) as a lossless LZW TIFF whose strips the rebuild copies."""
    buf = io.BytesIO()
    image = pixels if pixels.mode in ("RGB", "RGBA", "L", "LA", "I;16", "CMYK") else pixels.convert("RGB")
    image.save(buf, format="TIFF", compression="tiff_lzw")
    return buf.getvalue()
