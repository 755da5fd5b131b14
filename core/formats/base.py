# SPDX-License-Identifier: GPL-3.0-or-later
"""The one shape every format handler has, and the values it hands over.

A handler does two things for one container format:
- ``parse`` walks the whole structure and returns items and segments that account for every byte;
  damaged input raises ``ParseError`` with a message a person understands. The handler's own walk goes
  back to the caller in ``Parsed.state``.
- ``clean`` writes a *new* file from an allowlist, from that same walk (``state_of``): an export walks
  the original once. It copies only the structure the image needs plus the items whose keys are in
  ``leaving``, and drops everything else (unknown segments, trailers, ...). With ``pixels`` given, it
  encodes those pixels instead of copying the compressed image data (used to blur faces); the output
  then reports ``pixels="re-encoded"``.

This module imports nothing heavy: the registry in ``core.formats`` loads a handler's module only when
a file needs it.
"""

from __future__ import annotations

import mmap
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from core.model.inventory import Item, Segment

if TYPE_CHECKING:
    from PIL import Image

Buffer = bytes | mmap.mmap

# Pillow refuses to decode past ~179 MP by default; panoramas up to this size are fine, anything larger
# is treated as a decompression bomb and never decoded.
MAX_PIXELS = 250_000_000
S = TypeVar("S")


# The key of a motion photo's video, the same in every still format (the clean of a HEIC is a JPEG): the
# video's own metadata items are its children, ``motion:video/{the MP4 handler's key}``.
MOTION_KEY = "motion:video"


@dataclass(frozen=True, slots=True)
class MotionVideo:
    """A motion photo's video as one file holds it: where its MP4 lies, where the still's pointers say it
    starts, and the spans of its samples (what a clean must reproduce byte for byte)."""

    start: int
    end: int
    # (pointer, the offset it says the video starts at): GCamera:MicroVideoOffset, Container:Directory
    claims: tuple[tuple[str, int], ...] = ()
    flagged: bool = False  # the XMP says this is a motion photo (GCamera:MotionPhoto or MicroVideo = 1)
    micro: bool = False  # the XMP uses the older MicroVideo layout
    timestamp_us: int = -1  # the still's presentation time in the video; -1: not given
    spans: tuple[tuple[int, int], ...] = ()  # sample descriptions and samples, offsets in this file
    problem: str = ""  # why the video cannot be carried; empty when it can


@dataclass(slots=True)
class Parsed:
    items: list[Item]
    segments: list[Segment]
    width: int = 0
    height: int = 0
    orientation: int = 1
    # Byte ranges (offset, length) of the compressed image data and the tables needed to decode it.
    # A lossless clean must reproduce their concatenation byte for byte; the exporter checks that.
    pixel_spans: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The handler's own walk of the file, handed back to its clean() so it need not walk again.
    state: object = None
    motion: MotionVideo | None = None  # the video inside a motion photo


@dataclass(frozen=True, slots=True)
class Cleaned:
    data: bytes
    pixels: str  # "unchanged" | "re-encoded"
    extension: str  # e.g. ".jpg"; HEIC may be written as JPEG
    # What follows ``data`` in the output, in order: the source's byte ranges [start, end) (a video's
    # media, a JPEG's scans: a writer copies them from the source file instead of through memory) and
    # new bytes between them. Empty: ``data`` is the whole output.
    runs: tuple[tuple[int, int] | bytes, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data) + sum(
            len(run) if isinstance(run, bytes) else run[1] - run[0] for run in self.runs
        )

    def whole(self, source: Buffer) -> bytes:
        """The output as one byte string (for a zip entry, or a caller without a file to write to)."""
        if not self.runs:
            return self.data
        view = memoryview(source)
        try:
            parts: list[bytes | memoryview] = [self.data]
            parts.extend(run if isinstance(run, bytes) else view[run[0] : run[1]] for run in self.runs)
            joined = b"".join(parts)
            parts.clear()  # release the views before the mapping is closed
            return joined
        finally:
            view.release()


class FormatHandler(ABC):
    """One container format: recognise it, inventory it, write an allowlisted copy of it."""

    name: str  # "jpeg", "png", ...
    extensions: tuple[str, ...]
    # True when clean() always re-encodes the image (HEIC): the preview says so up front.
    reencodes: bool = False

    @abstractmethod
    def sniff(self, head: bytes) -> bool:
        """Whether the file's leading bytes are this format (never judged by the extension)."""

    @abstractmethod
    def parse(self, data: Buffer) -> Parsed:
        """Every item and a segment for every byte; ``ParseError`` for what cannot be read."""

    @abstractmethod
    def clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned:
        """A new file holding only what ``leaving`` allows, built from ``parsed.state``."""

    def parse_again(self, data: Buffer, source: Buffer, parsed: Parsed) -> Parsed:
        """``parse`` of a clean of ``source`` (``parsed`` is the source's parse): a handler may compare
        what the clean copied instead of reading it again, as long as the result is ``parse``'s."""
        return self.parse(data)

    def clean_streamed(self, data: Buffer, parsed: Parsed, leaving: frozenset[str]) -> Cleaned:
        """The lossless clean for a writer that copies from the source file: the output may end in
        ``Cleaned.runs`` of the source instead of holding every byte (videos). By default ``clean``."""
        return self.clean(data, parsed, leaving)


def state_of(parsed: Parsed, kind: type[S], walk: Callable[[], S]) -> S:
    """The walk ``parse`` left in ``parsed``; walks again only for a ``Parsed`` made elsewhere
    (a caller that built one by hand), never in an export."""
    state = parsed.state
    return state if isinstance(state, kind) else walk()
