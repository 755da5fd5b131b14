# SPDX-License-Identifier: GPL-3.0-or-later
"""The walk of an MP4, QuickTime MOV, 3GP or M4V file into a ``Movie``: every byte accounted for.

The top-level boxes first (unreadable data after a complete movie is a trailer), then ``moov``: the movie
header, each track's boxes at each level (the ones a player needs are kept by path; the others are
itemised once the track's kind is known), its sample tables, then ``mdat`` partitioned along the tracks'
chunks, where bytes no track refers to are unknown data. Timed-metadata tracks (Apple ``mebx``, GoPro
``gpmd`` GPMF telemetry, ``camm`` camera motion, text and subtitle tracks) are items of their own, with
their samples.
"""

from __future__ import annotations

from dataclasses import replace

from core.formats.base import Buffer
from core.formats.isobmff import Box
from core.formats.mp4_headers import header_times, read_hdlr, read_tkhd
from core.formats.mp4_metadata import other_box
from core.formats.mp4_movie import (
    MAX_DEPTH,
    MDIA_KEEP,
    MINF_KEEP,
    STBL_KEEP,
    TRAK_KEEP,
    Movie,
    Track,
    child_boxes,
    container_header,
    movie_error,
)
from core.formats.mp4_names import TRACK_KINDS
from core.formats.mp4_tables import encoder_item, read_chunks, read_description
from core.formats.shared import classify_trailer
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment
from core.model.values import ByteSize

MAX_TRACKS = 256

# Top-level boxes of a movie: one of them running past the end of the file means the file is cut short.
TOP_LEVEL = {
    "ftyp",
    "moov",
    "mdat",
    "free",
    "skip",
    "wide",
    "uuid",
    "meta",
    "pnot",
    "PICT",
    "udta",
    "moof",
    "mfra",
    "sidx",
    "styp",
    "pdin",
    "sefd",
}


def _printable(kind: str) -> bool:
    return all(c.isalnum() or c in " ©_-.@$" for c in kind)


def _top_boxes(data: Buffer) -> tuple[list[Box], int]:
    """The top-level boxes and where unreadable data after the last one starts (-1: none)."""
    boxes: list[Box] = []
    pos, end = 0, len(data)
    seen_moov = False
    while pos < end:
        if len(boxes) >= 10_000:
            raise movie_error("damaged", "more than 10,000 top-level boxes")
        head = bytes(data[pos : pos + 16])
        kind = head[4:8].decode("latin-1") if len(head) >= 8 else ""
        size = int.from_bytes(head[:4], "big") if len(head) >= 4 else 0
        header = 8
        if size == 1 and len(head) >= 16:
            size, header = int.from_bytes(head[8:16], "big"), 16
        elif size == 0 and len(head) >= 8:
            size = end - pos
        if kind == "uuid":
            header += 16
        valid = len(head) >= 8 and _printable(kind) and size >= header
        if not valid:
            if seen_moov and boxes:
                return boxes, pos  # junk after a complete movie: a trailer, never copied
            raise movie_error(
                "truncated" if end - pos < 16 else "damaged",
                f"unreadable data at offset {pos} where a box should start",
            )
        if pos + size > end and seen_moov and kind not in TOP_LEVEL:
            return boxes, pos  # data after a complete movie that only looks like a box header
        if pos + size > end:
            raise movie_error(
                "truncated",
                f"the '{kind}' box at offset {pos} runs past the end of the file "
                f"({pos + size - end:,} bytes missing)",
            )
        boxes.append(Box(kind, pos, header, pos + size))
        seen_moov = seen_moov or kind == "moov"
        pos += size
    return boxes, -1


def walk(data: Buffer) -> Movie:
    if len(data) < 8 or bytes(data[4:8]) != b"ftyp":
        raise ParseError("not a MP4 file: it does not start with an 'ftyp' box")
    boxes, trailer = _top_boxes(data)
    ftyp = boxes[0]
    moovs = [b for b in boxes if b.type == "moov"]
    if not moovs:
        raise movie_error("truncated", "the movie index ('moov' box) is missing")
    if len(moovs) > 1:
        raise movie_error("damaged", "the file holds more than one movie index ('moov' box)")
    movie = Movie(boxes, ftyp, moovs[0], [b for b in boxes if b.type == "mdat"], trailer)
    _ftyp(data, movie)
    for box in boxes[1:]:
        if box.type == "moov":
            _moov(data, movie, box)
        elif box.type == "mdat":
            continue  # after the tracks, which say what its bytes are
        else:
            other_box(data, movie, box, "file")
    if not any(t.handler == "vide" for t in movie.tracks):
        raise ParseError("not a supported video: the file has no video track")
    if any(b.type == "moof" for b in boxes) or movie.fragmented:
        # Its samples live in movie fragments this walker does not read: a clean would hold no video.
        raise ParseError("fragmented MP4 videos (a streaming format) are not supported yet")
    if not any(t.samples for t in movie.tracks if t.handler == "vide"):
        raise movie_error("damaged", "the video track holds no frames")
    _media(data, movie)
    if trailer >= 0:
        size = len(data) - trailer
        category, what = classify_trailer(data, trailer, len(data))
        movie.items.append(
            Item(
                category,
                "Data after the last box",
                f"{size} bytes: {what}",
                "after the movie",
                size,
                "mp4:trailer",
                carriable=False,
                note="never copied into a clean file",
                datum=ByteSize(size),
            )
        )
        movie.segments.append(Segment(trailer, size, "trailer", category))
    return movie


def _ftyp(data: Buffer, movie: Movie) -> None:
    box = movie.ftyp
    if box.size < 16 or (box.size - 16) % 4:
        raise movie_error("damaged", "the file type ('ftyp') box has an impossible size")
    major = bytes(data[box.body : box.body + 4]).decode("latin-1")
    movie.items.append(
        Item(
            Category.TECHNICAL,
            "File type",
            major.strip() or "(none)",
            "MP4 ftyp box",
            box.size,
            "mp4:ftyp",
            need=Need.PIXELS,
        )
    )
    movie.segments.append(Segment(box.start, box.size, "ftyp", Category.TECHNICAL))


def _moov(data: Buffer, movie: Movie, moov: Box) -> None:
    container_header(movie, moov)
    for box in child_boxes(data, moov, movie):
        if box.type == "mvhd":
            movie.mvhd = box
            header_times(data, movie, box, "mvhd", "movie header", movie.times, "mp4:mvhd")
        elif box.type == "mvex":
            movie.fragmented = True
            other_box(data, movie, box, "moov", 1)
        elif box.type == "trak":
            if len(movie.tracks) >= MAX_TRACKS:
                raise movie_error("damaged", f"more than {MAX_TRACKS} tracks")
            _trak(data, movie, box)
        else:
            other_box(data, movie, box, "moov", 1)
    if movie.mvhd is None:
        raise movie_error("damaged", "the movie header ('mvhd' box) is missing")


def _trak(data: Buffer, movie: Movie, trak: Box) -> None:
    track = Track(len(movie.tracks), trak)
    movie.tracks.append(track)
    container_header(movie, trak)
    pending: list[tuple[Box, int]] = []  # other boxes: itemised once the track's kind is known
    _structure(data, movie, track, trak, "trak", pending, 1)
    if track.track_id and any(t.track_id == track.track_id for t in movie.tracks[:-1]):
        raise movie_error("damaged", f"two tracks share the id {track.track_id}")
    if not {"tkhd", "mdhd", "hdlr"} <= track.children.keys():
        raise movie_error("damaged", f"{track.label} lacks its header boxes")
    if (
        track.stsd is None
        or "stsc" not in track.children
        or not ({"stsz", "stz2"} & track.children.keys() and {"stco", "co64"} & track.children.keys())
    ):
        raise movie_error("damaged", f"{track.label} lacks its sample tables")
    read_description(data, track)
    read_chunks(data, track)
    if track.kept:
        encoder_item(data, movie, track)
    kind_cat, kind_text = _track_kind(track)
    where = f"MP4 {track.label}"
    if track.kept:
        what = "Video" if track.handler == "vide" else "Audio"
        size = f" {track.width}×{track.height}" if track.handler == "vide" else ""
        movie.items.append(
            Item(
                Category.TECHNICAL,
                f"{what} track",
                f"{track.codec}{size}, {track.samples:,} samples",
                where,
                trak.size,
                track.key,
                need=Need.PIXELS,
            )
        )
    else:
        movie.items.append(
            Item(
                kind_cat,
                kind_text,
                f"{track.handler}/{track.codec}: {track.samples:,} samples, "
                f"{sum(n for _, n in track.chunks):,} bytes",
                where,
                trak.size,
                track.key,
                carriable=False,
                note="only video and sound tracks are copied into a clean file",
            )
        )
    for box, depth in pending:
        other_box(data, movie, box, track.label, depth, track)
    if not track.kept:
        # A dropped track's header times leave with nothing: the clean writes no such track.
        prefix = f"{track.key}:"
        movie.items = [
            replace(i, carriable=False, note="only video and sound tracks are copied into a clean file")
            if i.carriable and i.key.startswith(prefix) else i
            for i in movie.items
        ]


def _structure(
    data: Buffer, movie: Movie, track: Track, box: Box, path: str, pending: list[tuple[Box, int]], depth: int
) -> None:
    if depth > MAX_DEPTH:
        raise movie_error("damaged", "boxes nested too deeply")
    keep = {"trak": TRAK_KEEP, "mdia": MDIA_KEEP, "minf": MINF_KEEP, "stbl": STBL_KEEP, "edts": ("elst",)}
    allowed = keep.get(box.type, ())
    for child in child_boxes(data, box, movie):
        if child.type not in allowed or child.type in track.children:
            pending.append((child, depth + 1))
            continue
        track.children[child.type] = child
        if child.type in ("mdia", "minf", "stbl", "edts"):
            container_header(movie, child)
            _structure(data, movie, track, child, f"{path}/{child.type}", pending, depth + 1)
        elif child.type == "tkhd":
            read_tkhd(data, movie, track, child)
        elif child.type == "mdhd":
            header_times(data, movie, child, "mdhd", f"{track.label} media", track.times, f"{track.key}:mdhd")
        elif child.type == "hdlr":
            read_hdlr(data, movie, track, child)
        elif child.type == "stsd":
            track.stsd = child
            movie.segments.append(Segment(child.start, child.size, "stsd", Category.TECHNICAL))
        else:
            movie.segments.append(Segment(child.start, child.size, child.type, Category.TECHNICAL))


def _track_kind(track: Track) -> tuple[Category, str]:
    if track.codec in TRACK_KINDS:
        return TRACK_KINDS[track.codec]
    if track.handler in ("text", "sbtl", "subt", "clcp"):
        return Category.HIDDEN_MEDIA, "Text or subtitle track"
    if track.handler == "meta":
        return Category.HIDDEN_MEDIA, "Timed metadata track"
    return Category.HIDDEN_MEDIA, f"'{track.handler}' track"


def _media(data: Buffer, movie: Movie) -> None:
    """Partition each mdat along the tracks' chunks; every chunk must lie inside one mdat."""
    spans = sorted((off, size, t.index) for t in movie.tracks for off, size in t.chunks if size)
    i = 0
    for mdat in sorted(movie.mdats, key=lambda b: b.start):
        movie.segments.append(Segment(mdat.start, mdat.header, "mdat header", Category.TECHNICAL))
        pos, gaps = mdat.body, 0
        run: tuple[int, int, Category] | None = None  # adjacent chunks of one category: one segment
        while i < len(spans) and spans[i][0] < mdat.end:
            off, size, index = spans[i]
            if off < pos:
                raise movie_error(
                    "damaged", "chunks of media overlap or lie outside the media data ('mdat' box)"
                )
            if off + size > mdat.end:
                break
            track = movie.tracks[index]
            category = Category.TECHNICAL if track.kept else _track_kind(track)[0]
            if off > pos:
                gaps += off - pos
                _flush(movie, run)
                run = None
                movie.segments.append(Segment(pos, off - pos, "unreferenced media data", Category.UNKNOWN))
            if run is not None and run[1] == off and run[2] == category:
                run = (run[0], off + size, category)
            else:
                _flush(movie, run)
                run = (off, off + size, category)
            pos = off + size
            i += 1
        _flush(movie, run)
        if pos < mdat.end:
            gaps += mdat.end - pos
            movie.segments.append(Segment(pos, mdat.end - pos, "unreferenced media data", Category.UNKNOWN))
        if gaps:
            movie.items.append(
                Item(
                    Category.UNKNOWN,
                    "Media data no track refers to",
                    f"{gaps:,} bytes",
                    "MP4 mdat box",
                    gaps,
                    f"mp4:mdat-unreferenced@{mdat.start}",
                    carriable=False,
                    datum=ByteSize(gaps),
                    note="never copied into a clean file",
                )
            )
    if i < len(spans):
        off, size, index = spans[i]
        where = "outside the file" if off + size > len(data) else "outside the media data ('mdat' box)"
        raise movie_error(
            "truncated" if off + size > len(data) else "damaged",
            f"{movie.tracks[index].label} points to media {where} (offset {off:,})",
        )
    if not movie.mdats and spans:
        raise movie_error("damaged", "the media data ('mdat' box) is missing")
    total = sum(n for t in movie.tracks if t.kept for _, n in t.chunks)
    movie.items.append(
        Item(
            Category.TECHNICAL,
            "Video and sound samples",
            f"{total:,} bytes",
            "MP4 mdat box",
            total,
            "mp4:samples",
            need=Need.PIXELS,
        )
    )


def _flush(movie: Movie, run: tuple[int, int, Category] | None) -> None:
    if run is not None:
        start, end, category = run
        movie.segments.append(Segment(start, end - start, "media samples", category))
