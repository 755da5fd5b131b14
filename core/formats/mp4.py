# SPDX-License-Identifier: GPL-3.0-or-later
"""MP4, QuickTime MOV, 3GP and M4V videos (ISO/IEC 14496-12 and 14496-14, Apple QTFF): a box walker for the
inventory and a lossless rewrite for the clean.

The walk accounts for every byte. ``moov`` is the movie's index: ``mvhd`` and each track's ``tkhd`` and
``mdhd`` hold creation and modification times (seconds since 1904-01-01 UTC), ``udta`` holds QuickTime
``©xyz`` (location), ``©mak``/``©mod``/``©swr``/``©day`` and others, ``meta`` boxes hold Apple's
``keys``/``ilst`` pairs (``com.apple.quicktime.location.ISO6709``, ``.make``, ``.model``, ...) or iTunes
``ilst`` atoms, ``uuid`` boxes may hold XMP. Each track's sample tables (``stsc``/``stsz``/``stco``/``co64``)
say where its samples lie in ``mdat``; ``mdat`` is partitioned along them, and bytes no track refers to are
unknown data. Timed-metadata tracks (Apple ``mebx``, GoPro ``gpmd`` GPMF telemetry, ``camm`` camera motion,
text and subtitle tracks) are items of their own, with their samples.

Cleaning writes a new file from an allowlist: the ``ftyp`` brands, a rebuilt ``moov`` holding only the
video and audio tracks and, at each level, only the boxes a player needs (the tables copied byte for byte,
``hdlr`` names and ``dinf`` rewritten to neutral values, header times zeroed unless the time items
leave), then one ``mdat`` rebuilt from the kept tracks' chunks alone, with ``stco``/``co64`` rewritten for
the new layout, ``moov`` first ("faststart"). Rebuilding ``mdat`` rather than copying it whole is what
keeps a dropped GPS track's samples from leaving inside the media bytes; zeroing them in place would cost
the same copy and still leave their size and placement behind.

``pixel_spans`` are each kept track's sample description (``stsd``) followed by its samples, chunk by
chunk: the clean reproduces them byte for byte, and the exporter checks that.
"""

from __future__ import annotations

import mmap
import struct
from array import array
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

from core.formats.base import Buffer, Cleaned, FormatHandler, Parsed, state_of
from core.formats.isobmff import Box, Reader, read_boxes
from core.formats.shared import HANDLER_NAME, classify_trailer, segment_category
from core.metadata.xmp import parse_xmp
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, Segment
from core.model.values import ByteSize, Coordinates, Datum, Moment

if TYPE_CHECKING:
    from PIL import Image

FMT = "MP4"
EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
MAX_DEPTH = 24  # boxes nest a dozen levels deep at most; deeper is a crafted file
MAX_TRACKS = 256
# Per track. Ten hours of 30 fps video is 1.1 M samples (AAC sound at 48 kHz: 1.7 M); real files keep
# a chunk per half second or so. The tables are held as arrays, so these bound memory too.
MAX_SAMPLES = 5_000_000
MAX_CHUNKS = 1_000_000
# The media a clean holds in memory (the export verifies bytes in memory): larger videos are refused.
MAX_CLEAN_BYTES = 2_000_000_000
MAX_TEXT = 200

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
STRUCTURE = {"moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "tref"}
# Boxes with nothing personal that a player does without: listed, never copied.
HARMLESS = {
    "iods",
    "tapt",
    "load",
    "clip",
    "matt",
    "kmat",
    "gmhd",
    "hdlr",
    "elst",
    "dref",
    "prfl",
    "nmhd",
    "sthd",
    "hmhd",
    "cslg",
    "colr",
    "txas",
    "pasp",
}

# What the QuickTime ©-atoms and Apple's mdta keys mean (the same names in udta and ilst).
ATOMS: dict[str, tuple[Category, str]] = {
    "©xyz": (Category.LOCATION, "Location"),
    "©day": (Category.TIME, "Creation date"),
    "©mak": (Category.DEVICE, "Camera make"),
    "©mod": (Category.DEVICE, "Camera model"),
    "©swr": (Category.DEVICE, "Software"),
    "©too": (Category.DEVICE, "Encoder"),
    "©enc": (Category.DEVICE, "Encoded by"),
    "©fmt": (Category.TECHNICAL, "Format"),
    "©nam": (Category.DESCRIPTION, "Title"),
    "©des": (Category.DESCRIPTION, "Description"),
    "©cmt": (Category.DESCRIPTION, "Comment"),
    "©inf": (Category.DESCRIPTION, "Information"),
    "©key": (Category.DESCRIPTION, "Keywords"),
    "©gen": (Category.DESCRIPTION, "Genre"),
    "©alb": (Category.DESCRIPTION, "Album"),
    "©lyr": (Category.DESCRIPTION, "Lyrics"),
    "©ART": (Category.PEOPLE, "Artist"),
    "©aut": (Category.PEOPLE, "Author"),
    "©prd": (Category.PEOPLE, "Producer"),
    "©dir": (Category.PEOPLE, "Director"),
    "©wrt": (Category.PEOPLE, "Writer"),
    "©cpy": (Category.PEOPLE, "Copyright"),
    "cprt": (Category.PEOPLE, "Copyright"),
    "desc": (Category.DESCRIPTION, "Description"),
    "ldes": (Category.DESCRIPTION, "Long description"),
    "titl": (Category.DESCRIPTION, "Title"),
    "auth": (Category.PEOPLE, "Author"),
    "perf": (Category.PEOPLE, "Performer"),
    "kywd": (Category.DESCRIPTION, "Keywords"),
    "loci": (Category.LOCATION, "Location information"),
    "yrrc": (Category.TIME, "Recording year"),
}
KEY_SUFFIXES: dict[str, tuple[Category, str]] = {
    "location.ISO6709": (Category.LOCATION, "Location"),
    "make": (Category.DEVICE, "Camera make"),
    "manufacturer": (Category.DEVICE, "Camera make"),  # com.android.manufacturer
    "model": (Category.DEVICE, "Camera model"),
    "software": (Category.DEVICE, "Software"),
    "creationdate": (Category.TIME, "Creation date"),
    "content.identifier": (Category.HIDDEN_MEDIA, "Live Photo content identifier"),
    "author": (Category.PEOPLE, "Author"),
    "artist": (Category.PEOPLE, "Artist"),
    "copyright": (Category.PEOPLE, "Copyright"),
    "title": (Category.DESCRIPTION, "Title"),
    "description": (Category.DESCRIPTION, "Description"),
    "comment": (Category.DESCRIPTION, "Comment"),
    "keywords": (Category.DESCRIPTION, "Keywords"),
    "displayname": (Category.DESCRIPTION, "Display name"),
    "location": (Category.LOCATION, "Location"),
    "creation_time": (Category.TIME, "Creation time"),
    "date": (Category.TIME, "Date"),
    "encoder": (Category.DEVICE, "Encoder"),
}
# Boxes cameras and phones add: named so a person knows what they are; never copied.
VENDOR: dict[str, tuple[Category, str]] = {
    "smta": (Category.HIDDEN_MEDIA, "Samsung metadata (smta)"),
    "sefd": (Category.HIDDEN_MEDIA, "Samsung extra data (sefd)"),
    "SDLN": (Category.HIDDEN_MEDIA, "Samsung data (SDLN)"),
    "svss": (Category.HIDDEN_MEDIA, "Samsung data (svss)"),
    "GPMF": (Category.DEVICE, "GoPro settings (GPMF, may hold the camera serial number)"),
    "FIRM": (Category.DEVICE, "GoPro firmware version"),
    "CAME": (Category.DEVICE, "GoPro camera serial"),
    "LENS": (Category.DEVICE, "GoPro lens"),
    "MUID": (Category.DEVICE, "GoPro media unique id"),
    "HMMT": (Category.HIDDEN_MEDIA, "GoPro highlight marks"),
    "XMP_": (Category.DESCRIPTION, "XMP packet"),
    "AllF": (Category.DEVICE, "Camera data (AllF)"),
    "MVTG": (Category.DEVICE, "Camera data (MVTG)"),
    "Xtra": (Category.HIDDEN_MEDIA, "Microsoft Xtra metadata"),
    "PANA": (Category.DEVICE, "Panasonic camera data"),
    "NCDT": (Category.DEVICE, "Nikon camera data"),
    "CNCV": (Category.DEVICE, "Canon camera data"),
    "LOOP": (Category.TECHNICAL, "Looping hint"),
    "SNum": (Category.DEVICE, "Serial number"),
}
TRACK_KINDS: dict[str, tuple[Category, str]] = {
    "gpmd": (Category.LOCATION, "GoPro GPMF telemetry track (GPS positions, motion, camera settings)"),
    "camm": (Category.LOCATION, "Camera motion metadata track (GPS, orientation)"),
    "mebx": (Category.HIDDEN_MEDIA, "Apple timed metadata track (may hold location, faces, motion)"),
    "tx3g": (Category.HIDDEN_MEDIA, "Text track"),
    "text": (Category.HIDDEN_MEDIA, "Text track"),
    "wvtt": (Category.HIDDEN_MEDIA, "Subtitle track"),
    "stpp": (Category.HIDDEN_MEDIA, "Subtitle track"),
    "c608": (Category.HIDDEN_MEDIA, "Closed captions track"),
    "tmcd": (Category.HIDDEN_MEDIA, "Timecode track (may hold the recording time of day)"),
}


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


def _err(kind: str, text: str) -> ParseError:
    return ParseError(f"{kind} {FMT}: {text}")


def _printable(kind: str) -> bool:
    return all(c.isalnum() or c in " ©_-.@$" for c in kind)


def _top_boxes(data: Buffer) -> tuple[list[Box], int]:
    """The top-level boxes and where unreadable data after the last one starts (-1: none)."""
    boxes: list[Box] = []
    pos, end = 0, len(data)
    seen_moov = False
    while pos < end:
        if len(boxes) >= 10_000:
            raise _err("damaged", "more than 10,000 top-level boxes")
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
            raise _err(
                "truncated" if end - pos < 16 else "damaged",
                f"unreadable data at offset {pos} where a box should start",
            )
        if pos + size > end and seen_moov and kind not in TOP_LEVEL:
            return boxes, pos  # data after a complete movie that only looks like a box header
        if pos + size > end:
            raise _err(
                "truncated",
                f"the '{kind}' box at offset {pos} runs past the end of the file "
                f"({pos + size - end:,} bytes missing)",
            )
        boxes.append(Box(kind, pos, header, pos + size))
        seen_moov = seen_moov or kind == "moov"
        pos += size
    return boxes, -1


def _children(data: Buffer, box: Box, movie: Movie, skip: int = 0) -> list[Box]:
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


def _time(value: int) -> datetime | None:
    if value <= 0:
        return None
    try:
        return EPOCH_1904 + timedelta(seconds=value)
    except OverflowError:
        return None


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").rstrip("\0")
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}… ({len(text)} characters)"


def iso6709(text: str) -> Coordinates | None:
    """``+48.8584+002.2945+035.000/`` (degrees, optional altitude) as coordinates."""
    parts: list[str] = []
    for ch in text.strip().rstrip("/"):
        if ch in "+-":
            parts.append(ch)
        elif parts and (ch.isdigit() or ch == "."):
            parts[-1] += ch
        else:
            return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if len(values) < 2:
        return None
    return Coordinates(values[0], values[1], values[2] if len(values) > 2 else None)


def _moment(text: str) -> Moment | None:
    cleaned = text.strip().replace("Z", "+00:00")
    if len(cleaned) >= 5 and cleaned[-5] in "+-" and cleaned[-4:].isdigit():
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"  # Apple writes +0200
    try:
        return Moment(datetime.fromisoformat(cleaned))
    except ValueError:
        return None


def _plain(raw: bytes) -> str | None:
    """The text when a clean can carry it exactly as shown: UTF-8, printable, not cut for display."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and _text(raw) == text else None


def _datum(category: Category, text: str) -> Datum | None:
    if category is Category.LOCATION:
        return iso6709(text)
    if category is Category.TIME:
        return _moment(text)
    return None


# ---------------------------------------------------------------------------------------------- walk


def walk(data: Buffer) -> Movie:
    if len(data) < 8 or bytes(data[4:8]) != b"ftyp":
        raise ParseError("not a MP4 file: it does not start with an 'ftyp' box")
    boxes, trailer = _top_boxes(data)
    ftyp = boxes[0]
    moovs = [b for b in boxes if b.type == "moov"]
    if not moovs:
        raise _err("truncated", "the movie index ('moov' box) is missing")
    if len(moovs) > 1:
        raise _err("damaged", "the file holds more than one movie index ('moov' box)")
    movie = Movie(boxes, ftyp, moovs[0], [b for b in boxes if b.type == "mdat"], trailer)
    _ftyp(data, movie)
    for box in boxes[1:]:
        if box.type == "moov":
            _moov(data, movie, box)
        elif box.type == "mdat":
            continue  # after the tracks, which say what its bytes are
        else:
            _other(data, movie, box, "file")
    if not any(t.handler == "vide" for t in movie.tracks):
        raise ParseError("not a supported video: the file has no video track")
    if any(b.type == "moof" for b in boxes) or movie.fragmented:
        # Its samples live in movie fragments this walker does not read: a clean would hold no video.
        raise ParseError("fragmented MP4 videos (a streaming format) are not supported yet")
    if not any(t.samples for t in movie.tracks if t.handler == "vide"):
        raise _err("damaged", "the video track holds no frames")
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
        raise _err("damaged", "the file type ('ftyp') box has an impossible size")
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


def _header(movie: Movie, box: Box) -> None:
    """The header of a container whose children are accounted for one by one."""
    movie.segments.append(Segment(box.start, box.header, box.type, Category.TECHNICAL))


def _moov(data: Buffer, movie: Movie, moov: Box) -> None:
    _header(movie, moov)
    for box in _children(data, moov, movie):
        if box.type == "mvhd":
            movie.mvhd = box
            _times(data, movie, box, "mvhd", "movie header", movie.times, "mp4:mvhd")
        elif box.type == "mvex":
            movie.fragmented = True
            _other(data, movie, box, "moov", 1)
        elif box.type == "trak":
            if len(movie.tracks) >= MAX_TRACKS:
                raise _err("damaged", f"more than {MAX_TRACKS} tracks")
            _trak(data, movie, box)
        else:
            _other(data, movie, box, "moov", 1)
    if movie.mvhd is None:
        raise _err("damaged", "the movie header ('mvhd' box) is missing")


def _times(
    data: Buffer, movie: Movie, box: Box, what: str, label: str, into: dict[str, tuple[int, int]], key: str
) -> None:
    r = Reader(data, box.body, box.end, box.type, FMT)
    version, _ = r.full_box()
    width = 8 if version == 1 else 4
    items: list[Item] = []
    for name, title in (("created", "creation time"), ("modified", "modification time")):
        offset = r.pos
        when = _time(r.uint(width))
        into[f"{what}:{name}"] = (offset, width)
        if when is not None:
            items.append(
                Item(
                    Category.TIME,
                    f"{label.capitalize()} {title}",
                    when.isoformat(),
                    f"MP4 {box.type} box",
                    width,
                    f"{key}:{name}",
                    datum=Moment(when),
                )
            )
    r.take(8 if box.type == "mdhd" or box.type == "mvhd" else 4)  # timescale+duration head / track id
    movie.items.extend(items)
    movie.segments.append(Segment(box.start, box.size, box.type, segment_category(items)))


def _trak(data: Buffer, movie: Movie, trak: Box) -> None:
    track = Track(len(movie.tracks), trak)
    movie.tracks.append(track)
    _header(movie, trak)
    pending: list[tuple[Box, int]] = []  # other boxes: itemised once the track's kind is known
    _structure(data, movie, track, trak, "trak", pending, 1)
    if track.track_id and any(t.track_id == track.track_id for t in movie.tracks[:-1]):
        raise _err("damaged", f"two tracks share the id {track.track_id}")
    if not {"tkhd", "mdhd", "hdlr"} <= track.children.keys():
        raise _err("damaged", f"{track.label} lacks its header boxes")
    if (
        track.stsd is None
        or "stsc" not in track.children
        or not ({"stsz", "stz2"} & track.children.keys() and {"stco", "co64"} & track.children.keys())
    ):
        raise _err("damaged", f"{track.label} lacks its sample tables")
    _stsd(data, track)
    _chunks(data, track)
    if track.kept:
        _names_item(data, movie, track)
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
        _other(data, movie, box, track.label, depth, track)
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
        raise _err("damaged", "boxes nested too deeply")
    keep = {"trak": TRAK_KEEP, "mdia": MDIA_KEEP, "minf": MINF_KEEP, "stbl": STBL_KEEP, "edts": ("elst",)}
    allowed = keep.get(box.type, ())
    for child in _children(data, box, movie):
        if child.type not in allowed or child.type in track.children:
            pending.append((child, depth + 1))
            continue
        track.children[child.type] = child
        if child.type in ("mdia", "minf", "stbl", "edts"):
            _header(movie, child)
            _structure(data, movie, track, child, f"{path}/{child.type}", pending, depth + 1)
        elif child.type == "tkhd":
            _tkhd(data, movie, track, child)
        elif child.type == "mdhd":
            _times(data, movie, child, "mdhd", f"{track.label} media", track.times, f"{track.key}:mdhd")
        elif child.type == "hdlr":
            r = Reader(data, child.body, child.end, "hdlr", FMT)
            r.full_box()
            r.uint(4)
            track.handler = r.take(4).decode("latin-1")
            name = _text(bytes(data[child.body + 24 : child.end])).strip()
            _handler_name(movie, track, child, name)
        elif child.type == "stsd":
            track.stsd = child
            movie.segments.append(Segment(child.start, child.size, "stsd", Category.TECHNICAL))
        else:
            movie.segments.append(Segment(child.start, child.size, child.type, Category.TECHNICAL))



def _handler_name(movie: Movie, track: Track, box: Box, name: str) -> None:
    """A track's handler name says which program or device wrote it ("Core Media Video", "GoPro AVC"):
    the history of the file, like a photo's CreatorTool, not a field about the camera (it never names
    one camera, and counting it as a device field would make the pane and the report overstate it)."""
    if not name or not track.kept:
        movie.segments.append(Segment(box.start, box.size, box.type, Category.TECHNICAL))
        return
    _item(
        movie,
        box,
        Item(
            Category.HISTORY,
            "Track handler name",
            name,
            f"MP4 {track.label} hdlr",
            box.size,
            f"{track.key}:{HANDLER_NAME}",
            carriable=False,
            note="rewritten to nothing in a clean file",
        ),
    )


def _tkhd(data: Buffer, movie: Movie, track: Track, box: Box) -> None:
    r = Reader(data, box.body, box.end, "tkhd", FMT)
    version, _ = r.full_box()
    width = 8 if version == 1 else 4
    r.take(2 * width)
    track.track_id = r.uint(4)
    r.take(4 + width + 8 + 4 + 4)  # reserved, duration, reserved, layer+group, volume+reserved
    m = [int.from_bytes(r.take(4), "big", signed=True) for _ in range(9)]
    track.matrix = (m[0], m[1], m[3], m[4])
    track.width, track.height = r.uint(4) >> 16, r.uint(4) >> 16
    _times(data, movie, box, "tkhd", f"{track.label} header", track.times, f"{track.key}:tkhd")


def _stsd(data: Buffer, track: Track) -> None:
    assert track.stsd is not None
    r = Reader(data, track.stsd.body, track.stsd.end, "stsd", FMT)
    r.full_box()
    count = r.uint(4)
    if count < 1 or r.left() < 8:
        raise _err("damaged", f"{track.label} has no sample description")
    entry = r.pos
    r.uint(4)
    track.codec = _text(r.take(4)).strip() or "?"
    if track.handler == "vide" and r.left() >= 32:
        r.take(24)
        w, h = r.uint(2), r.uint(2)
        if not (track.width and track.height):
            track.width, track.height = w, h
    if track.handler != "vide":
        return
    # Each visual sample entry names its encoder (vendor and compressor name: "GoPro AVC encoder"):
    # decoders ignore both, so a clean clears them.
    for _ in range(min(count, 64)):
        if entry + 82 > track.stsd.end:
            break
        size = int.from_bytes(data[entry : entry + 4], "big")
        if size < 82 or entry + size > track.stsd.end:
            break
        track.names.append(entry)
        entry += size


def _names_item(data: Buffer, movie: Movie, track: Track) -> None:
    texts = []
    for entry in track.names:
        vendor = bytes(data[entry + 20 : entry + 24])
        raw = bytes(data[entry + 50 : entry + 82])
        name = _text(raw[1 : 1 + min(raw[0], 31)]).strip() if raw[0] else _text(raw).strip()
        if vendor.strip(b"\0"):
            texts.append(f"vendor {_text(vendor).strip()}")
        if name:
            texts.append(name)
    if texts:
        movie.items.append(
            Item(
                Category.DEVICE,
                "Encoder named in the video description",
                "; ".join(texts),
                f"MP4 {track.label} stsd",
                36 * len(track.names),
                f"{track.key}:encoder-name",
                carriable=False,
                note="cleared in a clean file",
            )
        )


def _stsd_spans(track: Track) -> list[tuple[int, int]]:
    """The sample description without the encoder fields a clean clears."""
    assert track.stsd is not None
    spans, pos = [], track.stsd.start
    for entry in track.names:
        for start, end in ((entry + 20, entry + 24), (entry + 50, entry + 82)):
            spans.append((pos, start - pos))
            pos = end
    spans.append((pos, track.stsd.end - pos))
    return spans


def _stsd_out(data: Buffer, track: Track) -> bytes:
    assert track.stsd is not None
    out = bytearray(data[track.stsd.start : track.stsd.end])
    for entry in track.names:
        at = entry - track.stsd.start
        out[at + 20 : at + 24] = bytes(4)
        out[at + 50 : at + 82] = bytes(32)
    return bytes(out)


def _table(data: Buffer, box: Box, entry: int, what: str) -> tuple[int, int]:
    """(count, offset of the first entry) of a full-box table, checked to fit its box."""
    r = Reader(data, box.body, box.end, box.type, FMT)
    r.full_box()
    count = r.uint(4)
    if count * entry > r.left():
        raise _err("damaged", f"{what} declares {count:,} entries but its box holds {r.left() // entry:,}")
    return count, r.pos


def _u32s(data: Buffer, offset: int, count: int) -> array[int]:
    values = array("I")
    values.frombytes(bytes(data[offset : offset + 4 * count]))
    if values.itemsize != 4:
        raise ParseError("unsupported platform: 32-bit arrays are not 4 bytes")
    values.byteswap()  # big-endian in the file; array is native (little-endian on every target)
    return values


def _chunks(data: Buffer, track: Track) -> None:
    """Every chunk of the track as (offset, size), from stco/co64, stsc and stsz/stz2 (linear)."""
    c = track.children
    label = f"{track.label}'s"
    wide = "co64" in c
    n, at = _table(data, c["co64" if wide else "stco"], 8 if wide else 4, f"{label} chunk offset table")
    if n > MAX_CHUNKS:
        raise ParseError(f"too complex to check: {track.label} declares {n:,} chunks")
    offsets: array[int] | list[int] = (
        list(struct.unpack(f">{n}Q", bytes(data[at : at + 8 * n]))) if wide else _u32s(data, at, n)
    )
    if "stsz" in c:
        r = Reader(data, c["stsz"].body, c["stsz"].end, "stsz", FMT)
        r.full_box()
        uniform, count = r.uint(4), r.uint(4)
        if count > MAX_SAMPLES:
            raise _err("damaged", f"{track.label} declares {count:,} samples, more than any real video")
        sizes: array[int] | None = None
        if uniform == 0:
            if count * 4 > r.left():
                raise _err(
                    "damaged",
                    f"{label} sample size table declares {count:,} samples but holds {r.left() // 4:,}",
                )
            sizes = _u32s(data, r.pos, count)
    else:
        r = Reader(data, c["stz2"].body, c["stz2"].end, "stz2", FMT)
        r.full_box()
        bits = r.uint(4) & 0xFF
        count = r.uint(4)
        if bits not in (4, 8, 16) or count > MAX_SAMPLES or (count * bits + 7) // 8 > r.left():
            raise _err("damaged", f"{label} compact sample size table is invalid")
        raw = r.take((count * bits + 7) // 8)
        uniform = 0
        if bits == 16:
            sizes = array("I", struct.unpack(f">{count}H", raw))
        elif bits == 8:
            sizes = array("I", raw)
        else:
            sizes = array("I", [(raw[i // 2] >> (0 if i % 2 else 4)) & 15 for i in range(count)])
    runs_n, runs_at = _table(data, c["stsc"], 12, f"{label} sample-to-chunk table")
    runs = _u32s(data, runs_at, 3 * runs_n)
    prefix = array("q", accumulate(sizes, initial=0)) if sizes is not None else array("q")
    chunks: list[tuple[int, int]] = []
    sample = 0
    for i in range(runs_n):
        first, per = runs[3 * i], runs[3 * i + 1]
        last = runs[3 * i + 3] - 1 if i + 1 < runs_n else n
        if first < 1 or last > n or (i + 1 < runs_n and last < first):
            raise _err("damaged", f"{label} sample-to-chunk table is out of order")
        for chunk in range(first - 1, last):
            if sample + per > count:
                raise _err("damaged", f"{label} chunks hold more samples than it declares")
            size = prefix[sample + per] - prefix[sample] if sizes is not None else per * uniform
            chunks.append((offsets[chunk], size))
            sample += per
    if sample != count:
        raise _err("damaged", f"{label} chunks hold {sample:,} samples but it declares {count:,}")
    track.chunks, track.samples = chunks, count


def _track_kind(track: Track) -> tuple[Category, str]:
    if track.codec in TRACK_KINDS:
        return TRACK_KINDS[track.codec]
    if track.handler in ("text", "sbtl", "subt", "clcp"):
        return Category.HIDDEN_MEDIA, "Text or subtitle track"
    if track.handler == "meta":
        return Category.HIDDEN_MEDIA, "Timed metadata track"
    return Category.HIDDEN_MEDIA, f"'{track.handler}' track"


def _other(
    data: Buffer, movie: Movie, box: Box, where: str, depth: int = 0, track: Track | None = None
) -> None:
    """A box outside the playback allowlist: itemised by what it is, never copied."""
    if depth > MAX_DEPTH:
        raise _err("damaged", "boxes nested too deeply")
    prefix = track.key if track is not None else "mp4"
    if box.type == "udta":
        _header(movie, box)
        for child in _children(data, box, movie):
            _atom(data, movie, child, f"{where} udta", f"{prefix}:udta", depth + 1, top=track is None)
        return
    if box.type == "meta":
        _meta(data, movie, box, where, f"{prefix}:meta", depth)
        return
    if box.type == "uuid":
        _uuid(data, movie, box, where, prefix)
        return
    if box.type in ("free", "skip", "wide"):
        body = bytes(data[box.body : min(box.end, box.body + 4096)])
        zero = not body.strip(b"\0") and not bytes(data[box.body : box.end]).strip(b"\0")
        category = Category.TECHNICAL if zero else Category.UNKNOWN
        value = "empty padding" if zero else f"padding holding data: {_text(body[:48])!r}"
        _item(
            movie,
            box,
            Item(
                category,
                f"'{box.type}' box",
                value,
                f"MP4 {where}",
                box.size,
                f"{prefix}:{box.type}@{box.start}",
                carriable=False,
                note="padding is never copied into a clean file",
            ),
        )
        return
    if box.type in VENDOR:
        category, what = VENDOR[box.type]
        if box.type == "XMP_":
            _xmp(data, movie, box, box.body, where, f"{prefix}:XMP_")
            return
        _item(
            movie,
            box,
            Item(
                category,
                what,
                f"{box.size:,} bytes",
                f"MP4 {where}",
                box.size,
                f"{prefix}:{box.type}@{box.start}",
                carriable=False,
                datum=ByteSize(box.size),
                note="vendor data is never copied into a clean file",
            ),
        )
        return
    if box.type in HARMLESS or (track is not None and not track.kept):
        # Structure a player does without (or a dropped track's own tables, its item says what it is):
        # accounted for as bytes, not listed to a person, never copied.
        movie.segments.append(Segment(box.start, box.size, box.type, Category.TECHNICAL))
        return
    _item(
        movie,
        box,
        Item(
            Category.UNKNOWN,
            f"'{_text(box.type.encode('latin-1'))}' box",
            f"{box.size:,} bytes this app does not know",
            f"MP4 {where}",
            box.size,
            f"{prefix}:unknown:{box.start}",
            carriable=False,
            datum=ByteSize(box.size),
            note="unknown data is never copied into a clean file",
        ),
    )


def _item(movie: Movie, box: Box, item: Item) -> None:
    movie.items.append(item)
    movie.segments.append(Segment(box.start, box.size, box.type, item.category))


def _atom(data: Buffer, movie: Movie, box: Box, where: str, prefix: str, depth: int, top: bool) -> None:
    """One udta child: a ©-text atom (itemised, and carriable when at movie level), meta, or other."""
    if box.type in ("meta", "uuid", "XMP_") or box.type in VENDOR or box.type not in ATOMS:
        _other(data, movie, box, where, depth)
        return
    category, name = ATOMS[box.type]
    texts: list[tuple[str, int]] = []
    raws: list[bytes] = []
    if box.type.startswith("©"):
        r = Reader(data, box.body, box.end, box.type, FMT)
        while r.left() >= 4:
            n, lang = r.uint(2), r.uint(2)
            if n > r.left():
                texts = []
                break
            raws.append(r.take(n))
            texts.append((_text(raws[-1]), lang))
    key = f"{prefix}:{box.type}"
    if len(texts) == 1 and top and key not in movie.atoms and _plain(raws[0]) is not None:
        text, lang = texts[0]
        movie.atoms[key] = (box.type, text, lang)
        _item(
            movie,
            box,
            Item(
                category, name, text, f"MP4 {where} {box.type}", box.size, key, datum=_datum(category, text)
            ),
        )
        return
    if box.type == "loci":
        _loci(data, movie, box, where, prefix)
        return
    if not box.type.startswith("©") and box.size > box.header + 6:
        texts = [(_text(bytes(data[box.body + 6 : box.end])), 0)]  # 3GPP: full box, language, text
    value = "; ".join(t for t, _ in texts) or f"{box.size - box.header:,} bytes"
    _item(
        movie,
        box,
        Item(
            category,
            name,
            value,
            f"MP4 {where} {box.type}",
            box.size,
            f"{key}@{box.start}",
            carriable=False,
            datum=_datum(category, value) if texts else None,
            note="not copied into a clean file",
        ),
    )


def _loci(data: Buffer, movie: Movie, box: Box, where: str, prefix: str) -> None:
    """3GPP location information: a place name, then longitude, latitude and altitude in 16.16 fixed point."""
    r = Reader(data, box.body, box.end, "loci", FMT)
    datum: Coordinates | None = None
    try:
        r.full_box()
        r.uint(2)  # language
        place = _text(r.cstring().encode("utf-8"))
        r.uint(1)  # role
        lon, lat, alt = (int.from_bytes(r.take(4), "big", signed=True) / 65536 for _ in range(3))
        datum = Coordinates(lat, lon, alt)
        value = f"{lat:.6f}, {lon:.6f}" + (f" ({place})" if place else "")
    except ParseError:
        value = f"{box.size:,} bytes (unreadable)"
    _item(
        movie,
        box,
        Item(
            Category.LOCATION,
            "Location information",
            value,
            f"MP4 {where} loci",
            box.size,
            f"{prefix}:loci@{box.start}",
            carriable=False,
            datum=datum,
            note="not copied into a clean file",
        ),
    )


def _meta(data: Buffer, movie: Movie, box: Box, where: str, prefix: str, depth: int) -> None:
    """A ``meta`` box: ISO style (a full box) or QuickTime style (a plain container)."""
    skip = 4 if bytes(data[box.body : box.body + 4]) == b"\0\0\0\0" else 0
    movie.segments.append(Segment(box.start, box.header + skip, "meta", Category.TECHNICAL))
    children = _children(data, box, movie, skip)
    keys: list[str] = []
    for child in children:
        if child.type == "keys":
            r = Reader(data, child.body, child.end, "keys", FMT)
            r.full_box()
            for _ in range(min(r.uint(4), r.left() // 8)):
                n = r.uint(4)
                r.take(4)  # namespace, 'mdta'
                keys.append(_text(r.take(max(n - 8, 0))))
            movie.segments.append(Segment(child.start, child.size, "keys", Category.TECHNICAL))
    for child in children:
        if child.type == "keys":
            continue
        if child.type == "ilst":
            movie.segments.append(Segment(child.start, child.header, "ilst", Category.TECHNICAL))
            for entry in _children(data, child, movie):
                _ilst_entry(data, movie, entry, keys, where, prefix)
        elif child.type == "hdlr":
            movie.segments.append(Segment(child.start, child.size, "hdlr", Category.TECHNICAL))
        else:
            _other(data, movie, child, f"{where} meta", depth + 1)


def _ilst_entry(data: Buffer, movie: Movie, entry: Box, keys: list[str], where: str, prefix: str) -> None:
    index = int.from_bytes(entry.type.encode("latin-1"), "big")
    if keys and 1 <= index <= len(keys):
        name_key = keys[index - 1]
        suffix = name_key.removeprefix("com.apple.quicktime.").removeprefix("com.android.")
        category, name = KEY_SUFFIXES.get(suffix, (Category.UNKNOWN, name_key))
        if category is Category.UNKNOWN and "location" in name_key.lower():
            category = Category.LOCATION
        label = name_key
    else:
        category, name = ATOMS.get(entry.type, (Category.UNKNOWN, f"'{entry.type}' tag"))
        label = entry.type
    values: list[str] = []
    texts: list[str | None] = []  # UTF-8 values a clean can carry
    pos = entry.body
    while pos + 16 <= entry.end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size < 16 or pos + size > entry.end:
            break
        if bytes(data[pos + 4 : pos + 8]) == b"data":
            kind = int.from_bytes(data[pos + 8 : pos + 12], "big") & 0xFFFFFF
            raw = bytes(data[pos + 16 : pos + size])
            if kind in (1, 4):
                values.append(_text(raw))
                texts.append(_plain(raw) if kind == 1 else None)
            elif kind == 23 and len(raw) == 4:
                values.append(f"{struct.unpack('>f', raw)[0]:g}")
            elif kind in (21, 22) and 1 <= len(raw) <= 8:
                values.append(str(int.from_bytes(raw, "big", signed=kind == 21)))
            else:
                values.append(f"{len(raw)} bytes")
        pos += size
    value = "; ".join(values) or f"{entry.size:,} bytes"
    stable = f"{prefix}:{label}"
    text = texts[0] if len(texts) == 1 and len(values) == 1 else None
    movie_level = prefix == "mp4:meta"  # a clean writes carried keys in the movie's own meta box
    if (
        movie_level
        and keys
        and 1 <= index <= len(keys)
        and text is not None
        and stable not in movie.keyvals
        and _plain(label.encode("utf-8")) == label
        and category is not Category.UNKNOWN
    ):
        # An Apple metadata key with one UTF-8 value: rebuilt from its name and text in a clean.
        movie.keyvals[stable] = (label, text)
        _item(
            movie,
            entry,
            Item(
                category,
                name,
                value,
                f"MP4 {where} meta {label}",
                entry.size,
                stable,
                datum=_datum(category, value),
            ),
        )
        return
    key = f"{prefix}:{_text(label.encode('utf-8'))}@{entry.start}"
    _item(
        movie,
        entry,
        Item(
            category,
            name,
            value,
            f"MP4 {where} meta {label}",
            entry.size,
            key,
            carriable=False,
            datum=_datum(category, value),
            note="only metadata keys with one text value are copied into a clean video",
        ),
    )


def _uuid(data: Buffer, movie: Movie, box: Box, where: str, prefix: str) -> None:
    ident = bytes(data[box.start + box.header - 16 : box.start + box.header])
    if ident == XMP_UUID:
        _xmp(data, movie, box, box.body, where, f"{prefix}:uuid-xmp")
        return
    _item(
        movie,
        box,
        Item(
            Category.UNKNOWN,
            "uuid box",
            f"{ident.hex()}: {box.size:,} bytes",
            f"MP4 {where}",
            box.size,
            f"{prefix}:uuid:{ident.hex()}@{box.start}",
            carriable=False,
            datum=ByteSize(box.size),
            note="unknown data is never copied into a clean file",
        ),
    )


def _xmp(data: Buffer, movie: Movie, box: Box, start: int, where: str, prefix: str) -> None:
    result = parse_xmp(
        bytes(data[start : box.end]), where=f"MP4 {where} XMP", key_prefix=f"{prefix}@{box.start}"
    )
    items = [
        replace(i, carriable=False, note=i.note or "XMP is not copied into a clean video")
        for i in result.items
    ]
    if not items:
        items = [
            Item(
                Category.UNKNOWN,
                "Empty XMP packet",
                f"{box.size:,} bytes",
                f"MP4 {where}",
                box.size,
                f"{prefix}@{box.start}",
                carriable=False,
            )
        ]
    movie.items.extend(items)
    movie.segments.append(Segment(box.start, box.size, "XMP", segment_category(items, Category.DESCRIPTION)))


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
                raise _err("damaged", "chunks of media overlap or lie outside the media data ('mdat' box)")
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
        raise _err(
            "truncated" if off + size > len(data) else "damaged",
            f"{movie.tracks[index].label} points to media {where} (offset {off:,})",
        )
    if not movie.mdats and spans:
        raise _err("damaged", "the media data ('mdat' box) is missing")
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


def _orientation(movie: Movie) -> int:
    video = next(t for t in movie.tracks if t.handler == "vide")
    a, b, c, d = video.matrix
    return {(0, 1, -1, 0): 6, (-1, 0, 0, -1): 3, (0, -1, 1, 0): 8}.get(
        (_sign(a), _sign(b), _sign(c), _sign(d)), 1
    )


def _sign(v: int) -> int:
    return (v > 0) - (v < 0)


def parse(data: Buffer) -> Parsed:
    movie = walk(data)
    video = next(t for t in movie.tracks if t.handler == "vide")
    spans: list[tuple[int, int]] = []
    for track in movie.tracks:
        if track.kept and track.stsd is not None:
            spans.extend(_stsd_spans(track))
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
        orientation=_orientation(movie),
        pixel_spans=spans,
        notes=notes,
        state=movie,
    )


# --------------------------------------------------------------------------------------------- clean


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
            table.append(_stsd_out(data, track))
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


# ------------------------------------------------------------------------------------------- duration


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


# --------------------------------------------------------------------------------------------- handler


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
