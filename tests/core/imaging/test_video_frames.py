# SPDX-License-Identifier: GPL-3.0-or-later
"""The picture that stands for a video (grid thumbnail, preview pane): cover art, else a frame about a
second in, upright; bounded, and a sentence for what cannot be decoded."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from core.imaging.thumbnails import make_thumbnail, thumbnail_job
from core.library.paths import thumbnails_dir
from core.model.jobs import drive
from core.security.vault import open_vault
from tests.core import mp4_fixtures as fx

av = pytest.importorskip("av")

from core.imaging import video_frames  # noqa: E402 - after the skip: it needs PyAV
from core.imaging.video_frames import representative_frame  # noqa: E402


def decoded(path: Path) -> list[tuple[float, bytes]]:
    """Every frame as (seconds, RGB bytes), decoded here with PyAV directly."""
    with av.open(str(path)) as movie:
        return [(float(f.time), f.to_image().tobytes()) for f in movie.decode(video=0)]


def test_a_frame_about_a_second_in(tmp_path: Path) -> None:
    path = fx.video_file(tmp_path / "long.mp4", frames=40)  # 4 s at 10 fps
    frames = decoded(path)
    expected = next(rgb for t, rgb in frames if t >= 1.0)
    assert expected != frames[0][1]  # the pattern moves: the first frame would not pass
    image = representative_frame(path)
    assert image.mode == "RGB" and image.size == (64, 48)
    assert image.tobytes() == expected


def test_a_short_clip_shows_its_first_frame(tmp_path: Path) -> None:
    path = fx.video_file(tmp_path / "short.mov", "mov", frames=12)
    assert representative_frame(path).tobytes() == decoded(path)[0][1]


def test_the_frame_is_upright_as_the_display_matrix_says(tmp_path: Path) -> None:
    data = fx.encoded("mov")
    # The first track's matrix turns the frames 90° clockwise (a phone held upright).
    moov = next(b for b in fx.walk(data) if b[0] == b"moov")
    tkhd = fx.child(data, fx.child(data, moov, b"trak"), b"tkhd")
    at = tkhd[1] + tkhd[2] + 40
    matrix = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 48 << 16, 0, 0x40000000)
    (tmp_path / "flat.mov").write_bytes(data)
    (tmp_path / "upright.mov").write_bytes(data[:at] + matrix + data[at + len(matrix) :])
    flat = representative_frame(tmp_path / "flat.mov")
    upright = representative_frame(tmp_path / "upright.mov")
    assert upright.size == (48, 64)
    assert upright.tobytes() == flat.transpose(Image.Transpose.ROTATE_270).tobytes()


def test_cover_art_stands_for_the_video(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 160)).save(buf, "JPEG", quality=95)
    path = tmp_path / "cover.mov"
    path.write_bytes(fx.with_cover(fx.encoded("mov"), buf.getvalue()))
    image = representative_frame(path)
    assert image.size == (40, 30)
    r, g, b = image.getpixel((20, 15))
    assert abs(r - 200) < 8 and abs(g - 30) < 8 and abs(b - 160) < 8


def test_the_size_limit_applies(tmp_path: Path) -> None:
    path = fx.video_file(tmp_path / "v.mp4", size=(320, 240))
    assert max(representative_frame(path, 100).size) == 100


def test_huge_frames_are_refused_before_decoding(tmp_path: Path, monkeypatch) -> None:
    path = fx.video_file(tmp_path / "v.mp4")
    monkeypatch.setattr(video_frames, "MAX_FRAME_PIXELS", 64 * 48 - 1)
    with pytest.raises(ValueError, match=r"too large to show \(64×48\)"):
        representative_frame(path)


def test_a_codec_nothing_decodes_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "odd.mp4"
    path.write_bytes(fx.unknown_codec(fx.encoded("mp4")))
    with pytest.raises(ValueError, match="^the video's codec cannot be decoded by this app$"):
        representative_frame(path)
    with pytest.raises(ValueError, match="codec cannot be decoded"):
        make_thumbnail(path)


def test_a_truncated_video_is_a_sentence(tmp_path: Path) -> None:
    data = fx.encoded("mov")
    path = tmp_path / "cut.mov"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="^the video cannot be decoded \\(.+\\)$"):
        representative_frame(path)


def test_thumbnails_of_videos_share_the_photo_cache_and_bad_ones_fail_alone(
    tmp_path: Path, mem_keyring
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    from core.imaging.thumbnails import ThumbnailCache

    cache = ThumbnailCache(thumbnails_dir(home), open_vault(home, "cache"))
    good = fx.video_file(tmp_path / "good.mp4", size=(320, 240))
    odd = tmp_path / "odd.mp4"
    odd.write_bytes(fx.unknown_codec(fx.encoded("mp4")))
    photo = tmp_path / "p.png"
    Image.new("RGB", (300, 200), (10, 200, 10)).save(photo)
    result = drive(thumbnail_job([("v", good), ("o", odd), ("p", photo)], cache, workers=1, size=128))
    assert result.made == 2
    assert result.failed == [("o", "the video's codec cannot be decoded by this app")]
    thumb = Image.open(io.BytesIO(cache.get("v", 128) or b""))
    assert thumb.format == "JPEG" and thumb.size == (128, 96)
