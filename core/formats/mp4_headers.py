# SPDX-License-Identifier: GPL-3.0-or-later
"""The header boxes of an MP4 movie and its tracks: ``mvhd``, ``tkhd`` and ``mdhd`` (creation and
modification times, seconds since 1904-01-01 UTC; a track's id, display matrix and size) and ``hdlr``
(the track's kind and the handler name a program wrote there), with the orientation the video track's
matrix gives.

A header's times are items of their own: the clean zeroes them in place unless they leave, so the walk
records where each one lies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.formats.base import Buffer
from core.formats.isobmff import Box, Reader
from core.formats.mp4_movie import FMT, Movie, Track, add_item, text_of
from core.formats.shared import HANDLER_NAME, segment_category
from core.model.categories import Category
from core.model.inventory import Item, Segment
from core.model.values import Moment

EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)


def _time(value: int) -> datetime | None:
    if value <= 0:
        return None
    try:
        return EPOCH_1904 + timedelta(seconds=value)
    except OverflowError:
        return None


def header_times(
    data: Buffer, movie: Movie, box: Box, what: str, label: str, into: dict[str, tuple[int, int]], key: str
) -> None:
    """The creation and modification times of a ``mvhd``, ``tkhd`` or ``mdhd`` box: items when set, and
    where each lies (``into``), so the clean can zero them in place."""
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


def read_hdlr(data: Buffer, movie: Movie, track: Track, box: Box) -> None:
    """The handler box: the track's kind (``vide``, ``soun``, ``meta``, ...) and its handler name."""
    r = Reader(data, box.body, box.end, "hdlr", FMT)
    r.full_box()
    r.uint(4)
    track.handler = r.take(4).decode("latin-1")
    name = text_of(bytes(data[box.body + 24 : box.end])).strip()
    _handler_name(movie, track, box, name)


def _handler_name(movie: Movie, track: Track, box: Box, name: str) -> None:
    """A track's handler name says which program or device wrote it ("Core Media Video", "GoPro AVC"):
    the history of the file, like a photo's CreatorTool, not a field about the camera (it never names
    one camera, and counting it as a device field would make the pane and the report overstate it)."""
    if not name or not track.kept:
        movie.segments.append(Segment(box.start, box.size, box.type, Category.TECHNICAL))
        return
    add_item(
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


def read_tkhd(data: Buffer, movie: Movie, track: Track, box: Box) -> None:
    """The track header: the track's id, display matrix and size, and its times."""
    r = Reader(data, box.body, box.end, "tkhd", FMT)
    version, _ = r.full_box()
    width = 8 if version == 1 else 4
    r.take(2 * width)
    track.track_id = r.uint(4)
    r.take(4 + width + 8 + 4 + 4)  # reserved, duration, reserved, layer+group, volume+reserved
    m = [int.from_bytes(r.take(4), "big", signed=True) for _ in range(9)]
    track.matrix = (m[0], m[1], m[3], m[4])
    track.width, track.height = r.uint(4) >> 16, r.uint(4) >> 16
    header_times(data, movie, box, "tkhd", f"{track.label} header", track.times, f"{track.key}:tkhd")


def orientation(movie: Movie) -> int:
    """The EXIF orientation the video track's display matrix amounts to (1 when it only scales)."""
    video = next(t for t in movie.tracks if t.handler == "vide")
    a, b, c, d = video.matrix
    return {(0, 1, -1, 0): 6, (-1, 0, 0, -1): 3, (0, -1, 1, 0): 8}.get(
        (_sign(a), _sign(b), _sign(c), _sign(d)), 1
    )


def _sign(v: int) -> int:
    return (v > 0) - (v < 0)
