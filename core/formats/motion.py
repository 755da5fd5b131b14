# SPDX-License-Identifier: GPL-3.0-or-later
"""Motion photos: the short MP4 a phone appends to a still (Google ``MotionPhoto``/``MicroVideo`` JPEGs,
Samsung's ``MotionPhoto_Data`` record in its SEF trailer, the ``mpvd`` box of a HEIC).

The video is read by the MP4 handler (one reader for every video): its items are children of the video's
item (``motion:video``), so a person sees where and when it was filmed and with what. The video and the
pointers to it (``GCamera:MicroVideoOffset``, the ``Container:Directory`` entry and the motion flags)
have ``Need.MOTION``: they leave exactly when the policy sends motion, and a still never leaves claiming a
video it does not have.

When motion leaves, the clean writes the still (JPEG), then the video cleaned by the MP4 handler under
the same policy, then nothing: Google's layout, whatever the source's. The pointers are written anew from
the cleaned video's length (the source's never leave). A Samsung SEF trailer is not rebuilt: its other
records (capture time, edit history, depth) never leave, and Google's layout is what galleries and
ExifTool read. A video that cannot be read, or that the pointers do not locate exactly, is not carried:
under a policy that sends motion the photo is then withheld, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.formats import mp4
from core.formats.base import MOTION_KEY, Buffer, MotionVideo, Parsed
from core.formats.mp4_clean import clean as clean_video
from core.formats.mp4_movie import Movie
from core.formats.nested import video_items
from core.metadata.xmp import filter_xmp
from core.metadata.xmp_motion import POINTER, DirectoryEntry, MotionFields
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError, human_size

WHAT = "the motion-photo video"
CARRIED = "sent, cleaned, when the policy sends motion; the still alone otherwise"
REWRITTEN = "rewritten to point at the cleaned video when the policy sends motion"


@dataclass(frozen=True, slots=True)
class Embedded:
    """The MP4 found at ``start``: its inventory, where it ends, or why it cannot be read."""

    start: int
    end: int
    parsed: Parsed | None
    problem: str = ""


def read_video(data: Buffer, start: int, end: int) -> Embedded:
    """The MP4 in [start, end), which ends where its last box does (a Samsung SEF directory may follow).

    Copied out of the file: a phone's clip is a few megabytes, and the MP4 walk reads from the start
    of its buffer."""
    raw = bytes(data[start:end])
    try:
        parsed = mp4.parse(raw)
        movie = parsed.state
        if isinstance(movie, Movie) and movie.trailer >= 0:
            end = start + movie.trailer
            parsed = mp4.parse(raw[: movie.trailer])
    except ParseError as exc:
        return Embedded(start, end, None, f"the motion-photo video is damaged ({exc})")
    return Embedded(start, end, parsed)


def items(video: Embedded, where: str) -> list[Item]:
    """The video's item and, after it, its children (the MP4 handler's items)."""
    size = video.end - video.start
    value = f"Motion-photo video (MP4): {human_size(size)}"
    if video.parsed is not None:
        value += f", {video.parsed.width}×{video.parsed.height}"
    if video.problem:
        value += f" — {video.problem}"
    item = Item(Category.HIDDEN_MEDIA, "Motion-photo video (MP4)", value, where, size, MOTION_KEY,
                need=Need.MOTION, carriable=not video.problem, note=video.problem or CARRIED)
    children = video_items(video.parsed.items, MOTION_KEY, WHAT) if video.parsed is not None else []
    return [item, *children]


def claims(fields: MotionFields, size: int) -> tuple[tuple[str, int], ...]:
    """Where each pointer of a file of ``size`` bytes says its video starts."""
    out: list[tuple[str, int]] = []
    if fields.micro_offset is not None:
        out.append(("GCamera:MicroVideoOffset", size - fields.micro_offset))
    entries = fields.directory
    at = next((n for n, e in enumerate(entries) if n and (e.semantic == "MotionPhoto"
                                                         or e.mime.startswith("video/"))), 0)
    if at:
        # Items follow the primary image in order: counted back from the end of the file.
        after = sum(e.length + e.padding for e in entries[at + 1 :])
        out.append(("Container:Directory", size - after - entries[at].length))
    return tuple(out)


def located(video: Embedded, fields: MotionFields, size: int, check_claims: bool = True) -> MotionVideo:
    """The motion video of a file of ``size`` bytes: where it is, where its pointers say it is, and
    why it cannot be carried when they disagree (a pointer outside the file or at the wrong place)."""
    found = claims(fields, size)
    problem = video.problem
    if not problem and check_claims:
        for name, at in found:
            if at != video.start:
                where = "outside the file" if not 0 <= at < size else f"at byte {at:,}"
                problem = (f"the photo's {name} points {where} instead of at its video (byte "
                           f"{video.start:,})")
                break
    spans: tuple[tuple[int, int], ...] = ()
    if video.parsed is not None:
        spans = tuple((video.start + o, n) for o, n in video.parsed.pixel_spans)
    micro = fields.micro_video or fields.micro_offset is not None
    return MotionVideo(video.start, video.end, found, fields.flagged, micro, fields.timestamp_us, spans,
                       problem)


def with_problem(found: list[Item], problem: str) -> list[Item]:
    """The video's item made not carriable, for a reason found after it was read."""
    return [replace(i, carriable=False, note=problem, value=f"{i.value} — {problem}") if i.key == MOTION_KEY
            else i for i in found]


def pointers(found: list[Item]) -> list[Item]:
    """The XMP pointers to the video, which leave (rewritten) exactly when the video does."""
    return [replace(i, need=Need.MOTION, carriable=True, note=REWRITTEN) if i.note == POINTER else i
            for i in found]


def cleaned(data: Buffer, motion: MotionVideo, leaving: frozenset[str]) -> bytes:
    """The video cleaned by the MP4 handler, with the keys of its children that leave."""
    prefix = f"{MOTION_KEY}/"
    raw = bytes(data[motion.start : motion.end])
    try:
        parsed = mp4.parse(raw)  # the still's parse keeps only where the video lies
    except ParseError as exc:
        raise ParseError(f"the motion-photo video is damaged ({exc})") from exc
    own = frozenset(k[len(prefix):] for k in leaving if k.startswith(prefix))
    return clean_video(raw, parsed, own).data


def fields_for(motion: MotionVideo, length: int, still_mime: str = "image/jpeg") -> MotionFields:
    """The pointers of a clean file whose ``length``-byte video directly follows the still: Motion
    Photo 1.0 (flag and directory), plus the older MicroVideo fields when the source used them."""
    return MotionFields(
        motion_photo=True,
        micro_video=motion.micro,
        micro_offset=length,
        timestamp_us=motion.timestamp_us,
        directory=(DirectoryEntry(still_mime, "Primary", 0, 0), DirectoryEntry("video/mp4", "MotionPhoto",
                                                                                length, 0)),
    )


def xmp_packet(fields: MotionFields) -> bytes:
    """A packet holding only the pointers to a motion photo's video (for a still written anew)."""
    packet = filter_xmp(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", frozenset(), motion=fields)
    assert packet is not None  # a packet with motion fields always has content
    return packet


__all__ = ["CARRIED", "Embedded", "claims", "cleaned", "fields_for", "items", "located", "pointers",
           "read_video", "with_problem", "xmp_packet"]
