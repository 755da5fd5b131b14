# SPDX-License-Identifier: GPL-3.0-or-later
"""The sample roll's Phone album: what a camera roll holds besides photos, generated on this device.

- a Live Photo: an iPhone still (its maker note names the content identifier) and its movie (a MOV
  whose QuickTime keys name the same identifier, the place, the phone and the time), one tile;
- a motion photo: a still with a short video appended and Google's pointers to it in its XMP (the
  video carries its own place, time and phone);
- a video: an MP4 with its place and time.

The movies are encoded with PyAV (H.264 and AAC, a second or two of a moving gradient and a tone). Where
PyAV cannot encode (it is missing, or its FFmpeg has no H.264 encoder), the album holds what needs no
video: the photos of the sample roll stay the same either way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from core.library.sample import Shot, sample_photo, write_new

PHONE = "Phone"
LIVE_ID = "5B1E6C0A-3D2F-4A8B-9C7D-2E4F6A8B0C1D"
HARBOUR = (64.15050, -21.95120, 4.0)  # Reykjavík's old harbour
GION = (35.00370, 135.77850, 40.0)  # Kyoto, Gion

LIVE_STILL = Shot("Phone", "IMG_4001.JPG", "2025:02:22 18:05:12", "+00:00", HARBOUR, 1, live_id=LIVE_ID,
                  city="Reykjavík")
MOTION_STILL = Shot("Phone", "PXL_4002.MP.jpg", "2024:10:13 17:42:08", "+09:00", GION, 5, city="Kyoto")
LIVE_MOVIE = "IMG_4001.MOV"
VIDEO = "VID_4003.mp4"
VIDEO_SHOT = Shot("Phone", VIDEO, "2025:02:23 09:30:00", "+00:00", HARBOUR, 0)
# Indexes after the twelve photos of the sample roll, so the drawings differ from theirs.
LIVE_INDEX, MOTION_INDEX = 12, 13


def iso6709(place: tuple[float, float, float]) -> str:
    lat, lon, alt = place
    return f"{lat:+08.4f}{lon:+09.4f}{alt:+08.3f}/"


def _iso_time(shot: Shot) -> str:
    day, clock = shot.when.split(" ")
    return f"{day.replace(':', '-')}T{clock}{shot.offset.replace(':', '')}"


def _utc(shot: Shot) -> str:
    """The shot's moment in UTC, as FFmpeg writes a movie's creation time."""
    moment = datetime.strptime(f"{shot.when} {shot.offset}", "%Y:%m:%d %H:%M:%S %z")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def encode_clip(path: Path, fmt: str, metadata: Mapping[str, str], *, seconds: float = 1.5,
                size: tuple[int, int] = (320, 240), shade: int = 0) -> None:
    """A short H.264 + AAC clip written by FFmpeg's muxer; ``metadata`` become the movie's keys
    (QuickTime ``mdta`` keys, as phones write them)."""
    import av
    import numpy as np

    w, h = size
    rate = 10
    frames = int(seconds * rate)
    with av.open(str(path), "w", format=fmt, options={"movflags": "use_metadata_tags"}) as out:
        out.metadata.update(metadata)
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        audio = out.add_stream("aac", rate=8000, layout="mono")
        y, x = np.mgrid[0:h, 0:w]
        for i in range(frames):
            pixels = np.stack([(x + i * 8 + shade) % 256, (y + shade) % 256, (x + y + i * 4) % 256], axis=-1)
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        samples = int(seconds * 8000)
        for start in range(0, samples, 1024):
            tone = np.sin(np.arange(start, start + 1024) * 0.05).astype(np.float32)[None, :] * 0.2
            sound = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            sound.sample_rate, sound.pts, sound.time_base = 8000, start, Fraction(1, 8000)
            for packet in audio.encode(sound):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                out.mux(packet)


def _clip(fmt: str, metadata: Mapping[str, str], shade: int) -> bytes | None:
    """The clip's bytes, or None where this PyAV cannot encode one."""
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"clip.{fmt}"
            encode_clip(path, fmt, metadata, shade=shade)
            return path.read_bytes()
    except Exception:  # noqa: BLE001 - no PyAV, or no H.264 encoder in its FFmpeg: the album goes without
        return None


def make_phone_album(roll: Path, width: int = 1200, height: int = 900) -> Path:
    """Write the Phone album into the sample roll ``roll``; files already there are kept."""
    folder = Path(roll) / PHONE
    folder.mkdir(parents=True, exist_ok=True)
    live_still, live_movie = folder / LIVE_STILL.name, folder / LIVE_MOVIE
    if not live_movie.exists():
        movie = _clip("mov", {
            "com.apple.quicktime.content.identifier": LIVE_ID,
            "com.apple.quicktime.location.ISO6709": iso6709(HARBOUR),
            "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 15 Pro",
            "com.apple.quicktime.creationdate": _iso_time(LIVE_STILL),
        }, shade=40)
        if movie is not None:
            write_new(live_movie, movie)
    if not live_still.exists():
        write_new(live_still, sample_photo(LIVE_STILL, LIVE_INDEX, width, height))
    motion = folder / MOTION_STILL.name
    if not motion.exists():
        video = _clip("mp4", {
            "location": iso6709(GION),
            "creation_time": _utc(MOTION_STILL),
            "com.android.manufacturer": "Pixelfone",
            "com.android.model": "Pixelfone 8 Pro",
        }, shade=120)
        if video is not None:
            write_new(motion, sample_photo(MOTION_STILL, MOTION_INDEX, width, height, motion_video=video))
    clip = folder / VIDEO
    if not clip.exists():
        data = _clip("mp4", {
            "location": iso6709(HARBOUR),
            "creation_time": _utc(VIDEO_SHOT),
            "com.android.model": "Pixelfone 8 Pro",
        }, shade=200)
        if data is not None:
            write_new(clip, data)
    return folder
