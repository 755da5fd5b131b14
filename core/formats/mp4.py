# SPDX-License-Identifier: GPL-3.0-or-later
"""MP4, QuickTime MOV, 3GP and M4V videos (ISO/IEC 14496-12 and 14496-14, Apple QTFF): a box walker for the
inventory and a lossless rewrite for the clean. This module is the handler: which files are videos (their
``ftyp`` brands), the inventory a walk gives, and how long a video plays.

The reader and the cleaner live beside it, one concept a module: ``mp4_movie`` (what a walk finds: the
movie, its tracks, the playback allowlist), ``mp4_walk`` (every byte of the file accounted for),
``mp4_headers`` (the header times, track ids, display matrix and handler names), ``mp4_tables`` (the
sample description and where the samples lie), ``mp4_metadata`` (QuickTime atoms, Apple keys, XMP, vendor
boxes), ``mp4_names`` (what those names and the kinds of track mean) and ``mp4_clean`` (the rebuilt
``moov`` and ``mdat``). Importing any of them is what the start-up and the photo words avoid: they load
only when a file turns out to be a video.

``pixel_spans`` are each kept track's sample description (``stsd``) followed by its samples, chunk by
chunk: the clean reproduces them byte for byte, and the exporter checks that.
"""

from __future__ import annotations

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.isobmff import Reader
from core.formats.mp4_clean import clean, clean_streamed
from core.formats.mp4_headers import orientation
from core.formats.mp4_movie import FMT, Movie
from core.formats.mp4_tables import description_spans
from core.formats.mp4_walk import walk

VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"iso7",
    b"iso8",
    b"iso9",
    b"mp41",
    b"mp42",
    b"mp71",
    b"avc1",
    b"qt  ",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3gp7",
    b"3gp8",
    b"3gp9",
    b"3g2a",
    b"3g2b",
    b"3g2c",
    b"3ge6",
    b"3ge7",
    b"3gg6",
    b"MSNV",
    b"XAVC",
    b"mmp4",
    b"dash",
}
# Image formats that share the box structure: left to their own handlers (or to none).
NOT_VIDEO_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"heim",
    b"heis",
    b"hevm",
    b"hevs",
    b"hevx",
    b"mif1",
    b"msf1",
    b"mif2",
    b"miaf",
    b"avif",
    b"avis",
    b"crx ",
    b"jp2 ",
    b"M4A ",
    b"M4B ",
}


def parse(data: Buffer) -> Parsed:
    movie = walk(data)
    video = next(t for t in movie.tracks if t.handler == "vide")
    spans: list[tuple[int, int]] = []
    for track in movie.tracks:
        if track.kept and track.stsd is not None:
            spans.extend(description_spans(track))
            spans.extend((o, n) for o, n in track.chunks if n)
    notes = list(movie.notes)
    if any(not t.kept for t in movie.tracks):
        notes.append("metadata, text and timecode tracks are removed from a clean video with their samples")
    width, height = video.width, video.height
    movie.segments.sort(key=lambda s: s.offset)
    return Parsed(
        movie.items,
        movie.segments,
        width=width,
        height=height,
        orientation=orientation(movie),
        pixel_spans=spans,
        notes=notes,
        state=movie,
    )


def duration(data: Buffer, parsed: Parsed) -> float | None:
    """How long the video plays, in seconds: the movie header's duration, else the video track's media
    header's (a header that says nothing, or an impossible value, gives None)."""
    movie = state_of(parsed, Movie, lambda: walk(data))
    video = next((t for t in movie.tracks if t.handler == "vide"), None)
    for box in (movie.mvhd, video.children.get("mdhd") if video else None):
        if box is None:
            continue
        r = Reader(data, box.body, box.end, box.type, FMT)
        version, _ = r.full_box()
        width = 8 if version == 1 else 4
        r.take(2 * width)  # creation and modification times
        timescale, length = r.uint(4), r.uint(width)
        # All ones means "unknown" (ISO/IEC 14496-12); a day-long phone video is already implausible.
        if timescale and 0 < length < (1 << (8 * width)) - 1 and length / timescale < 1_000_000:
            return length / timescale
    return None


def sniff_brands(head: bytes) -> bool:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    return bool(brands & VIDEO_BRANDS) and not brands & NOT_VIDEO_BRANDS


class Mp4Handler(FormatHandler):
    name = "mp4"
    extensions = (".mp4", ".mov", ".m4v", ".3gp")
    parse = staticmethod(parse)
    clean = staticmethod(clean)

    def clean_streamed(self, data: Buffer, parsed: Parsed, leaving: frozenset[str]) -> Cleaned:
        return clean_streamed(data, parsed, leaving)

    def sniff(self, head: bytes) -> bool:
        return sniff_brands(head)
