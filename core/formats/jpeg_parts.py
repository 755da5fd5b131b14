# SPDX-License-Identifier: GPL-3.0-or-later
"""What a walk of a JPEG hands on: the image parts a clean writes (``Part``) and everything else the walk
learned that the handler and the clean need (``Walk``).

Their own module because the walk, the readers of the image's tables and the clean all build or read
them, and none of those should import another to get a record."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.formats.base import MotionVideo
from core.metadata.exif import ExifResult
from core.metadata.iptc import IrbResult
from core.model.inventory import Item, Segment


@dataclass(frozen=True, slots=True)
class Part:
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
class Walk:
    """What parse learned and clean needs (kept on Parsed.notes would lose types, so parse is re-run)."""

    segments: list[Segment] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)  # kept image parts, in file order
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
