# SPDX-License-Identifier: GPL-3.0-or-later
"""One picture that stands for a video: its embedded cover art (an MP4 ``covr`` atom) if it has one, else
the frame about a second in (the first frame of a shorter video), upright as the track's display matrix
says. The grid's thumbnails and the preview pane use it.

Decoding is bounded: frames larger than ``MAX_FRAME_PIXELS`` are refused before anything is decoded, at
most ``MAX_PACKETS`` packets are read and the whole decode stops after ``DECODE_SECONDS``. A codec FFmpeg
cannot decode, or a damaged stream, is a ``ValueError`` with one sentence: the grid then shows a
placeholder for that video and the rest goes on. The MP4 handler's inventory and clean never need this.

PyAV (FFmpeg) is heavy to import; it is imported the first time a video needs a picture.
"""

from __future__ import annotations

import io
import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

# 8K video is 33 MP; a frame claiming more is refused (FFmpeg would allocate it before decoding).
MAX_FRAME_PIXELS = 40_000_000
MAX_COVER_BYTES = 20_000_000
MAX_PACKETS = 600  # a keyframe every 10 s at 60 fps is reached well within this
DECODE_SECONDS = 3.0
FRAME_AT = 1.0  # seconds into the video


def representative_frame(path: str | os.PathLike[str], size: int | None = None) -> Image.Image:
    """An RGB picture for the video at ``path``, upright, at most ``size`` pixels on its long side."""
    import av
    import av.error

    try:
        with av.open(os.fspath(path), "r", metadata_errors="ignore") as movie:
            image = _cover(movie) or _frame(movie)
    except av.error.FFmpegError as exc:
        raise ValueError(f"the video cannot be decoded ({_reason(exc)})") from exc
    if size:
        from PIL import Image

        image.thumbnail((size, size), Image.Resampling.BILINEAR)
    return image


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip().rstrip(".") or exc.__class__.__name__


def _cover(movie: Any) -> Image.Image | None:
    """The cover art FFmpeg exposes as an attached picture (JPEG or PNG bytes), decoded by Pillow."""
    import av.stream
    from PIL import Image

    from core.formats.base import MAX_PIXELS

    for stream in movie.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            continue
        for packet in movie.demux(stream):
            raw = bytes(packet)
            if not raw or len(raw) > MAX_COVER_BYTES:
                break
            try:
                with Image.open(io.BytesIO(raw)) as im:
                    if im.width * im.height > MAX_PIXELS:
                        break
                    im.load()
                    return im.convert("RGB")
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                break  # a damaged cover: the video's own frames stand for it instead
        movie.seek(0)
    return None


def _frame(movie: Any) -> Image.Image:
    import av.stream

    streams = [s for s in movie.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not streams:
        raise ValueError("the video has no picture track")
    stream = streams[0]
    ctx = stream.codec_context
    if ctx is None:  # FFmpeg has no decoder for the track's sample entry (its codec fourcc)
        raise ValueError("the video's codec cannot be decoded by this app")
    width, height = ctx.width or 0, ctx.height or 0
    if width * height > MAX_FRAME_PIXELS:
        raise ValueError(f"the video's frames are too large to show ({width}×{height})")
    ctx.thread_type = "NONE"  # one small frame: threads would only cost start-up time
    import av.error

    target = _target(movie, stream)
    if target is not None:
        # To the keyframe at or before the target; the frames from there are decoded up to it.
        try:
            movie.seek(target, stream=stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            target = None  # an index FFmpeg cannot seek in: the first frame stands for the video
            movie.seek(0)
    deadline = time.monotonic() + DECODE_SECONDS
    chosen = None
    for packets, packet in enumerate(movie.demux(stream), start=1):
        if packets > MAX_PACKETS or time.monotonic() > deadline:
            break
        for frame in packet.decode():
            chosen = frame
            if target is None or frame.pts is None or frame.pts >= target:
                return _upright(frame)
    if chosen is None:
        raise ValueError("no frame of the video could be decoded")
    return _upright(chosen)


def _target(movie: Any, stream: Any) -> int | None:
    """The timestamp (in the stream's time base) of the frame to show, None for the first frame."""
    seconds = None
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
    elif movie.duration:
        seconds = movie.duration / 1_000_000
    if not seconds or seconds < 2 * FRAME_AT or not stream.time_base:
        return None  # a short clip: its first frame
    start = stream.start_time or 0
    return int(start + FRAME_AT / stream.time_base)


def _upright(frame: Any) -> Image.Image:
    image: Image.Image = frame.to_image()  # RGB
    # FFmpeg gives the display matrix as degrees counter-clockwise; Pillow's rotate turns the same way.
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    if rotation:
        image = image.rotate(rotation, expand=True)
    return image
