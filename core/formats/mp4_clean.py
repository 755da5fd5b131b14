# SPDX-License-Identifier: GPL-3.0-or-later
"""The clean of an MP4 movie: a new file written from an allowlist.

The ``ftyp`` brands, a rebuilt ``moov`` holding only the video and audio tracks and, at each level, only
the boxes a player needs (the tables copied byte for byte, ``hdlr`` names and ``dinf`` rewritten to neutral
values, header times zeroed unless the time items leave, the carriable ``udta`` atoms and Apple keys
rebuilt from their text), then one ``mdat`` rebuilt from the kept tracks' chunks alone, with
``stco``/``co64`` rewritten for the new layout, ``moov`` first ("faststart"). Rebuilding ``mdat`` rather
than copying it whole is what keeps a dropped GPS track's samples from leaving inside the media bytes;
zeroing them in place would cost the same copy and still leave their size and placement behind.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, Parsed, state_of
from core.formats.isobmff import Box, read_boxes
from core.formats.mp4_movie import FMT, STBL_KEEP, Movie, Track
from core.formats.mp4_tables import description_out
from core.formats.mp4_walk import walk
from core.model.inventory import ParseError

if TYPE_CHECKING:
    from PIL import Image

# The media a clean holds in memory (the export verifies bytes in memory): larger videos are refused.
MAX_CLEAN_BYTES = 2_000_000_000


def _box(kind: str, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind.encode("latin-1")) + body


def _copy(data: Buffer, box: Box) -> bytes:
    return bytes(data[box.start : box.end])


def _zeroed(data: Buffer, box: Box, times: dict[str, tuple[int, int]], what: str, keep: set[str]) -> bytes:
    out = bytearray(data[box.start : box.end])
    for name in ("created", "modified"):
        offset, width = times[f"{what}:{name}"]
        if name not in keep:
            out[offset - box.start : offset - box.start + width] = bytes(width)
    return bytes(out)


def _kept_times(leaving: frozenset[str], key: str) -> set[str]:
    return {name for name in ("created", "modified") if f"{key}:{name}" in leaving}


@dataclass(frozen=True, slots=True)
class Layout:
    """A clean video as written: ``head`` (ftyp, moov, the mdat header), then the source's bytes in
    ``runs`` ([start, end) ranges of kept chunks, adjacent ones merged), in order."""

    head: bytes
    runs: list[tuple[int, int]]
    extension: str


def clean(
    data: Buffer, parsed: Parsed, leaving: frozenset[str], pixels: Image.Image | None = None
) -> Cleaned:
    if pixels is not None:
        raise ParseError("a video cannot be re-encoded: blurring faces in videos is not supported")
    streamed = clean_streamed(data, parsed, leaving)
    if isinstance(data, mmap.mmap) and hasattr(data, "madvise"):
        # One pass through the media: read-ahead in large steps instead of a page fault every 4 KB
        # (about a third of the time of a clean on a 100 MB video).
        data.madvise(mmap.MADV_SEQUENTIAL)
    # One copy of the media in all, straight from the buffer.
    return Cleaned(streamed.whole(data), pixels="unchanged", extension=streamed.extension)


def clean_streamed(data: Buffer, parsed: Parsed, leaving: frozenset[str]) -> Cleaned:
    """The clean as its new head (ftyp, moov, the mdat header) and the source ranges of the kept media:
    an export copies those with the kernel (``os.copy_file_range``), as ``cp`` does."""
    plan = layout(data, parsed, leaving)
    return Cleaned(plan.head, pixels="unchanged", extension=plan.extension, runs=tuple(plan.runs))


def layout(data: Buffer, parsed: Parsed, leaving: frozenset[str]) -> Layout:
    """What ``clean`` writes, without copying the media: a writer that streams from the source file
    (``os.copy_file_range``) can produce the same bytes without holding them in memory."""
    movie = state_of(parsed, Movie, lambda: walk(data))
    tracks = [t for t in movie.tracks if t.kept]
    kept_ids = {t.track_id for t in tracks}
    ftyp = _copy(data, movie.ftyp)
    assert movie.mvhd is not None
    mvhd = _zeroed(data, movie.mvhd, movie.times, "mvhd", _kept_times(leaving, "mp4:mvhd"))
    udta = _udta(movie, leaving)
    # The new mdat: the kept tracks' chunks in their original order (interleaving kept).
    order = sorted((off, size, t.index, n) for t in tracks for n, (off, size) in enumerate(t.chunks))
    total = sum(size for _, size, _, _ in order)
    if total > MAX_CLEAN_BYTES:
        raise ParseError(
            f"this video is too large to clean yet ({total / 1e9:.1f} GB of media; the limit is "
            f"{MAX_CLEAN_BYTES / 1e9:.0f} GB)"
        )
    large = total + 8 > 0xFFFFFFFF
    mdat_header = (
        struct.pack(">I4sQ", 1, b"mdat", total + 16) if large else struct.pack(">I4s", total + 8, b"mdat")
    )
    new_offsets: dict[int, list[int]] = {t.index: [0] * len(t.chunks) for t in tracks}
    pos = 0
    for _, size, index, n in order:
        new_offsets[index][n] = pos
        pos += size
    use64 = False
    moov = b""
    for _ in range(2):  # the offsets depend on moov's size, which depends on whether they need 64 bits
        base = len(ftyp) + len(moov) + len(mdat_header)
        use64 = base + total > 0xFFFFFFFF
        traks = [
            _trak_out(data, t, leaving, kept_ids, [base + o for o in new_offsets[t.index]], use64)
            for t in tracks
        ]
        moov = _box("moov", mvhd, *traks, udta, _meta_out(movie, leaving))
    base = len(ftyp) + len(moov) + len(mdat_header)
    assert use64 == (base + total > 0xFFFFFFFF)
    runs: list[tuple[int, int]] = []
    for off, size, _, _ in order:
        if runs and runs[-1][1] == off:
            runs[-1] = (runs[-1][0], off + size)
        else:
            runs.append((off, off + size))
    return Layout(ftyp + moov + mdat_header, runs, _extension(movie, data))


def _extension(movie: Movie, data: Buffer) -> str:
    major = bytes(data[movie.ftyp.body : movie.ftyp.body + 4])
    if major == b"qt  ":
        return ".mov"
    if major.startswith(b"3g"):
        return ".3gp"
    if major.startswith(b"M4V"):
        return ".m4v"
    return ".mp4"


def _udta(movie: Movie, leaving: frozenset[str]) -> bytes:
    atoms = []
    for key, (kind, text, lang) in movie.atoms.items():
        if key in leaving:
            raw = text.encode("utf-8")
            atoms.append(_box(kind, struct.pack(">HH", len(raw), lang), raw))
    return _box("udta", *atoms) if atoms else b""


def _meta_out(movie: Movie, leaving: frozenset[str]) -> bytes:
    """The leaving Apple metadata keys as a QuickTime meta box: hdlr 'mdta', keys, ilst (UTF-8 values)."""
    kept = [(name, text) for key, (name, text) in movie.keyvals.items() if key in leaving]
    if not kept:
        return b""
    hdlr = _box("hdlr", bytes(8), b"mdta", bytes(12), b"\0")
    names = _box(
        "keys", struct.pack(">II", 0, len(kept)), *(_box("mdta", n.encode("utf-8")) for n, _ in kept)
    )
    entries = [
        _box(
            struct.pack(">I", i).decode("latin-1"), _box("data", struct.pack(">II", 1, 0), t.encode("utf-8"))
        )
        for i, (_, t) in enumerate(kept, 1)
    ]
    # QuickTime style, as Apple writes it: no version and flags before the children (ExifTool and
    # QuickTime read a full-box header there as a terminator).
    return _box("meta", hdlr, names, _box("ilst", *entries))


def _trak_out(
    data: Buffer, track: Track, leaving: frozenset[str], kept_ids: set[int], offsets: list[int], use64: bool
) -> bytes:
    c = track.children
    tkhd = _zeroed(data, c["tkhd"], track.times, "tkhd", _kept_times(leaving, f"{track.key}:tkhd"))
    mdhd = _zeroed(data, c["mdhd"], track.times, "mdhd", _kept_times(leaving, f"{track.key}:mdhd"))
    hdlr = _box("hdlr", bytes(8), track.handler.encode("latin-1"), bytes(12), b"\0")
    dinf = _box("dinf", _box("dref", struct.pack(">II", 0, 1), _box("url ", struct.pack(">I", 1))))
    table: list[bytes] = []
    for kind in STBL_KEEP:
        if kind == "co64":
            continue  # written once, in the place of stco
        if kind == "stco":
            if use64:
                table.append(_box("co64", struct.pack(f">II{len(offsets)}Q", 0, len(offsets), *offsets)))
            else:
                table.append(_box("stco", struct.pack(f">II{len(offsets)}I", 0, len(offsets), *offsets)))
        elif kind == "stsd":
            table.append(description_out(data, track))
        elif kind in c:
            table.append(_copy(data, c[kind]))
    media_header = [_copy(data, c[k]) for k in ("vmhd", "smhd") if k in c]
    minf = _box("minf", *media_header, dinf, _box("stbl", *table))
    parts = [tkhd]
    tref = _tref(data, track, kept_ids)
    if tref:
        parts.append(tref)
    if "edts" in c and "elst" in c:
        parts.append(_box("edts", _copy(data, c["elst"])))
    parts.append(_box("mdia", mdhd, hdlr, minf))
    return _box("trak", *parts)


def _tref(data: Buffer, track: Track, kept_ids: set[int]) -> bytes:
    """The track references that point at tracks which stay; references to dropped tracks go."""
    box = track.children.get("tref")
    if box is None:
        return b""
    refs = []
    for ref in read_boxes(data, box.body, box.end, "the 'tref' box", FMT):
        ids = [int.from_bytes(data[p : p + 4], "big") for p in range(ref.body, ref.end - 3, 4)]
        ids = [i for i in ids if i in kept_ids]
        if ids:
            refs.append(_box(ref.type, struct.pack(f">{len(ids)}I", *ids)))
    return _box("tref", *refs) if refs else b""
