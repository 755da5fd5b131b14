# SPDX-License-Identifier: GPL-3.0-or-later
"""What a read of a PNG decides about each chunk, and the catalogue it decides from: which chunk types
make up the image, an APNG animation, the display hints, the harmless technical chunks and the text
chunks, and the payload size each fixed-size chunk must have.

``ChunkPlan`` is what the clean does with one chunk, ``State`` the inventory being built, ``Analysis``
everything a read hands to the clean (core.formats.png_clean), which writes from it alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.formats.base import Buffer
from core.formats.png_chunks import Chunk
from core.formats.shared import segment_category
from core.metadata.exif import ExifResult
from core.metadata.vendor import opaque_value
from core.model.categories import Category
from core.model.inventory import Item, Segment

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
# Chunks whose payload has one fixed size; a different size means bytes the reader never looks at.
EXACT_SIZES = {
    b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"pHYs": 9, b"cICP": 4, b"mDCV": 24, b"mDCv": 24,
    b"cLLI": 8, b"cLLi": 8, b"orNT": 1, b"tIME": 7, b"acTL": 8, b"fcTL": 26,
}


@dataclass(slots=True)
class ChunkPlan:
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
class State:
    items: list[Item] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: dict[int, ChunkPlan] = field(default_factory=dict)  # by chunk offset
    seen: dict[str, int] = field(default_factory=dict)
    orientation: int = 0
    raw_orientation: int = 0

    def unique(self, key: str) -> str:
        """Keys repeat when a chunk does (two Comment texts): number the repeats in file order."""
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        return key if n == 1 else f"{key}#{n}"

    def add(self, chunk: Chunk, items: list[Item], plan: ChunkPlan, default: Category) -> None:
        self.items.extend(items)
        plan.keys = [i.key for i in items]
        self.plans[chunk.offset] = plan
        self.segments.append(Segment(chunk.offset, chunk.size, chunk.name, segment_category(items, default)))

    def unknown(self, data: Buffer, chunk: Chunk, why: str) -> None:
        key = self.unique(f"png:unknown:{chunk.name}")
        payload = data[chunk.data_offset : chunk.data_offset + min(chunk.length, 1 << 16)]
        item = Item(Category.UNKNOWN, f"{chunk.name} chunk", opaque_value(why, payload),
                    f"PNG {chunk.name} chunk", chunk.size, key, note=why)
        self.add(chunk, [item], ChunkPlan("drop"), Category.UNKNOWN)


@dataclass(slots=True)
class Analysis:
    state: State
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
