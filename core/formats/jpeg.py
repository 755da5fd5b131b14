# SPDX-License-Identifier: GPL-3.0-or-later
"""JPEG: a lossless segment filter.

``parse`` walks every marker segment from SOI to the first EOI (core.formats.jpeg_walk), finds the end
of each scan's entropy-coded data with one search in C, never a Python loop over bytes
(core.formats.jpeg_scan), and accounts for everything after EOI (MPF secondary images, motion-photo MP4,
Samsung SEF, padding, unknown trailers: core.formats.jpeg_trailer). Stray bytes between segments
(Photoshop CS6 writes ``FF 00 00 02`` after APP14) are unknown padding, never copied. The image's tables
and headers are read by core.formats.jpeg_tables, the application segments by core.formats.jpeg_metadata
(vendor ones by core.metadata.vendor: APP9 Media Jukebox, APP0 CIFF, APP11 JUMBF/C2PA; any other shows its
text excerpt), and the EXIF/XMP inside embedded pictures and videos by core.formats.nested, as children of
their container.

``clean`` writes a new file from an allowlist (core.formats.jpeg_clean): the metadata blocks whose item
keys leave, rebuilt, then the tables and scans copied byte for byte (or those of a re-encode when
``pixels`` is given), then EOI. Nothing after EOI is ever written but a motion photo's video, cleaned
by the MP4 handler, when the policy sends motion (core.formats.motion).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed
from core.formats.jpeg_clean import clean_in_pieces
from core.formats.jpeg_parts import Walk
from core.formats.jpeg_scan import Searched
from core.formats.jpeg_walk import walk

if TYPE_CHECKING:
    from PIL import Image


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
        if not isinstance(parsed.state, Walk):
            return self.parse(data)
        runs = tuple((a, a + n) for part in parsed.state.parts if part.marker == 0 for a, n in part.spans)
        return self._parsed(walk(data, searched=Searched(source, runs)))

    def _parsed(self, w: Walk) -> Parsed:
        orientation = w.exif.orientation if w.exif is not None else 1
        spans = [span for part in w.parts for span in part.spans]
        return Parsed(w.items, w.segments, w.width, w.height, orientation, spans, list(w.notes), state=w,
                      motion=w.motion)

    def clean(
        self, data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
    ) -> Cleaned:
        cleaned = clean_in_pieces(data, parsed, leaving, pixels)
        return replace(cleaned, data=cleaned.whole(data), runs=())

    def clean_streamed(self, data: Buffer, parsed: Parsed, leaving: frozenset[str]) -> Cleaned:
        return clean_in_pieces(data, parsed, leaving)
