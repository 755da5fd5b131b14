# SPDX-License-Identifier: GPL-3.0-or-later
"""What the MP4 walk finds, and the few steps every part of it takes: the ``Movie`` and its ``Track``s
(the boxes a clean copies, where the samples lie, the header times), the playback allowlist per level,
and the helpers that read a container's children and account for their bytes.

The walk (``mp4_walk``), the header readers (``mp4_headers``), the sample tables (``mp4_tables``), the
metadata boxes (``mp4_metadata``) and the clean (``mp4_clean``) all build on these; keeping them here
lets those modules import one another without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.formats.base import Buffer
from core.formats.isobmff import Box, read_boxes
from core.model.categories import Category
from core.model.inventory import Item, ParseError, Segment

FMT = "MP4"
MAX_DEPTH = 24  # boxes nest a dozen levels deep at most; deeper is a crafted file
MAX_TEXT = 200

KEPT_HANDLERS = {"vide", "soun"}
# The boxes a player needs, per level; everything else in moov is dropped.
TRAK_KEEP = ("tkhd", "tref", "edts", "mdia")
MDIA_KEEP = ("mdhd", "hdlr", "minf")
MINF_KEEP = ("vmhd", "smhd", "dinf", "stbl")
STBL_KEEP = (
    "stsd",
    "stts",
    "ctts",
    "cslg",
    "stss",
    "stps",
    "sdtp",
    "stsc",
    "stsz",
    "stz2",
    "stco",
    "co64",
    "sgpd",
    "sbgp",
)


@dataclass(slots=True)
class Track:
    index: int  # in file order
    trak: Box
    track_id: int = 0
    handler: str = ""
    codec: str = ""
    stsd: Box | None = None
    children: dict[str, Box] = field(default_factory=dict)  # the kept boxes found at each level, by path
    chunks: list[tuple[int, int]] = field(default_factory=list)  # (offset, size) in file order
    samples: int = 0
    width: int = 0
    height: int = 0
    matrix: tuple[int, int, int, int] = (0x10000, 0, 0, 0x10000)
    times: dict[str, tuple[int, int]] = field(default_factory=dict)  # "tkhd:created" -> (offset, width)
    names: list[int] = field(default_factory=list)  # offsets of visual sample entries (encoder fields)

    @property
    def kept(self) -> bool:
        return self.handler in KEPT_HANDLERS

    @property
    def label(self) -> str:
        return f"track {self.track_id or self.index + 1}"

    @property
    def key(self) -> str:
        return f"mp4:track{self.track_id or self.index + 1}"


@dataclass(slots=True)
class Movie:
    boxes: list[Box]
    ftyp: Box
    moov: Box
    mdats: list[Box] = field(default_factory=list)
    trailer: int = -1  # offset of unreadable data after the last box
    tracks: list[Track] = field(default_factory=list)
    mvhd: Box | None = None
    times: dict[str, tuple[int, int]] = field(default_factory=dict)  # "mvhd:created" -> (offset, width)
    items: list[Item] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    # Carriable udta atoms: key -> (type, text, language), rebuilt from their text in a clean.
    atoms: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    # Carriable Apple metadata keys: key -> (key name, text), rebuilt as one moov/meta in a clean.
    keyvals: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fragmented: bool = False


def movie_error(kind: str, text: str) -> ParseError:
    return ParseError(f"{kind} {FMT}: {text}")


def child_boxes(data: Buffer, box: Box, movie: Movie, skip: int = 0) -> list[Box]:
    """The boxes inside ``box``; QuickTime allows a 32-bit zero terminator after the last one."""
    start, end = box.body + skip, box.end
    boxes = read_boxes(data, start, end - (_terminator(data, start, end)), f"the '{box.type}' box", FMT)
    pad = _terminator(data, start, end)
    if pad:
        movie.segments.append(Segment(end - pad, pad, f"{box.type} terminator", Category.TECHNICAL))
    return boxes


def _terminator(data: Buffer, start: int, end: int) -> int:
    """Length of trailing zero bytes (fewer than 8) that cannot be a box, 0 when there are none."""
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size == 1 and pos + 16 <= end:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if size < 8:
            break
        pos += size
    tail = end - pos
    if 0 < tail < 8 and not bytes(data[pos:end]).strip(b"\0"):
        return tail
    return 0


def text_of(raw: bytes) -> str:
    """A text field as a person reads it: printable characters only, cut after ``MAX_TEXT``."""
    text = raw.decode("utf-8", "replace").rstrip("\0")
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}… ({len(text)} characters)"


def container_header(movie: Movie, box: Box) -> None:
    """The header of a container whose children are accounted for one by one."""
    movie.segments.append(Segment(box.start, box.header, box.type, Category.TECHNICAL))


def add_item(movie: Movie, box: Box, item: Item) -> None:
    """An item that is the whole of ``box``: listed, and its bytes accounted for under its category."""
    movie.items.append(item)
    movie.segments.append(Segment(box.start, box.size, box.type, item.category))
