# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs written straight into the destination: a video's media copied from the source file by the
kernel, and the output checked and hashed as it landed, not as it was planned."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.formats import handler_named
from core.model.jobs import drive
from core.model.policy import BUILTIN
from core.pipeline import cleaning, staging
from core.pipeline.cleaning import process_file
from core.pipeline.export import export_job
from core.pipeline.inspection import parse_buffer
from tests.core.jpeg_fixtures import base_jpeg
from tests.core.mp4_fixtures import encoded, frames, rich, track_samples

MINIMAL = BUILTIN["minimal"]


def test_a_video_clean_is_its_head_and_the_source_media(tmp_path: Path) -> None:
    data = rich(co64=True)
    handler = handler_named("mp4")
    _, parsed = parse_buffer(data)
    leaving = frozenset(i.key for i in parsed.items if i.need)
    streamed = handler.clean_streamed(data, parsed, leaving)
    assert streamed.runs, "the media is left in the source, not copied into memory"
    assert len(streamed.data) < len(data) // 2
    assert streamed.whole(data) == handler.clean(data, parsed, leaving).data
    assert streamed.size == len(streamed.whole(data))


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_staged_parts_are_the_head_and_the_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool
) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 4096)
    if not kernel_copy:
        # Between two file systems that cannot copy to each other the copy goes through memory.
        def refuse(*args: object) -> int:
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    fd = os.open(source, os.O_RDONLY)
    try:
        tmp = staging.write_temp_parts(
            tmp_path, ".t-", b"HEAD", fd, [(10, 20), (5000, 1_000_000)], 1_700_000_000.0, 0o640
        )
    finally:
        os.close(fd)
    raw = source.read_bytes()
    assert Path(tmp).read_bytes() == b"HEAD" + raw[10:20] + raw[5000:1_000_000]
    assert os.stat(tmp).st_mode & 0o777 == 0o640
    assert os.stat(tmp).st_mtime == 1_700_000_000.0


def test_a_source_shorter_than_planned_is_withheld_and_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"x" * 1000)
    fd = os.open(source, os.O_RDONLY)
    try:
        with pytest.raises(staging.ShortSource):
            staging.write_temp_parts(tmp_path, ".t-", b"H", fd, [(0, 5000)], 0.0, 0o644)
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.bin"]


def test_an_exported_video_is_streamed_checked_and_identical_to_the_in_memory_clean(tmp_path: Path) -> None:
    video = tmp_path / "clip.mov"
    video.write_bytes(encoded("mov"))
    out = tmp_path / "out"
    out.mkdir()
    stage = staging.TempFolder(out, ".pc-test-", 1_700_000_000.0, 0o644)
    staged = process_file(video, MINIMAL, stage=stage)
    in_memory = process_file(video, MINIMAL)
    assert staged.reason == "" and in_memory.reason == ""
    assert staged.tmp and staged.data == b""
    written = Path(staged.tmp).read_bytes()
    assert written == in_memory.data
    assert staged.sha256 == hashlib.sha256(written).hexdigest() == in_memory.sha256
    assert staged.source_sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    assert track_samples(written) == track_samples(video.read_bytes())
    assert frames(written) == frames(video.read_bytes())


def _noisy_jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((96, 64), 60).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


class _Damaging(staging.TempFolder):
    """A destination that does not keep what it was given (a faulty disk, a buggy writer)."""

    def write(self, head: bytes, source_fd: int, runs: Sequence[tuple[int, int]]) -> str:
        tmp = super().write(head, source_fd, runs)
        raw = bytearray(Path(tmp).read_bytes())
        if self.prefix.endswith("cut-"):
            del raw[-100:]
        else:
            raw[-100] ^= 0xFF  # inside the last sample
        Path(tmp).write_bytes(bytes(raw))
        return tmp


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("cut-", "the cleaned file was not written whole"),
        ("flip-", "changed during a lossless clean"),
    ],
)
@pytest.mark.parametrize("kind", ["video", "photo"])
def test_what_is_checked_is_what_landed(tmp_path: Path, damage: str, reason: str, kind: str) -> None:
    video = tmp_path / ("clip.mp4" if kind == "video" else "photo.jpg")
    video.write_bytes(encoded("mp4") if kind == "video" else _noisy_jpeg())
    out = tmp_path / "out"
    out.mkdir()
    outcome = process_file(video, MINIMAL, stage=_Damaging(out, f".pc-{damage}", 0.0, 0o644))
    assert reason in outcome.reason
    assert outcome.tmp == "" and outcome.sha256 == ""
    assert list(out.iterdir()) == [], "a withheld output leaves no temporary file"


def test_a_full_destination_stops_with_its_sentence(tmp_path: Path) -> None:
    class Full(staging.TempFolder):
        def write(self, head: bytes, source_fd: int, runs: Sequence[tuple[int, int]]) -> str:
            raise OSError(errno.ENOSPC, "No space left on device")

    video = tmp_path / "clip.mp4"
    video.write_bytes(encoded("mp4"))
    outcome = process_file(video, MINIMAL, stage=Full(tmp_path, ".pc-", 0.0, 0o644))
    assert outcome.write_failed
    assert "is full; the export stopped there" in outcome.reason


def test_a_large_file_hashed_on_a_second_thread_still_refuses_a_changed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cleaning, "PARALLEL_HASH_BYTES", 0)  # every file counts as large
    video = tmp_path / "clip.mp4"
    video.write_bytes(encoded("mp4"))
    out = tmp_path / "out"
    out.mkdir()
    stage = staging.TempFolder(out, ".pc-", 0.0, 0o644)
    changed = process_file(video, MINIMAL, fingerprint="0" * 64, stage=stage)
    assert changed.reason == cleaning.CHANGED_SINCE_IMPORT
    assert changed.tmp == "" and list(out.iterdir()) == []
    assert changed.source_sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    real = hashlib.sha256(video.read_bytes()).hexdigest()
    same = process_file(video, MINIMAL, fingerprint=real, stage=stage)
    assert same.reason == "" and same.source_sha256 == real and Path(same.tmp).is_file()


@pytest.mark.parametrize("parallel", ["thread", "process"])
def test_export_job_streams_videos_next_to_photos_and_keeps_originals_exact(
    tmp_path: Path, parallel: str
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(rich(co64=True))
    movie = tmp_path / "clip2.mov"
    movie.write_bytes(encoded("mov"))
    photos = []
    for n in range(3):
        photo = tmp_path / f"photo{n}.jpg"
        photo.write_bytes(base_jpeg(color=(n * 40, 10, 90)))
        photos.append(photo)
    out = tmp_path / "out"
    result = drive(export_job([video, movie, *photos], MINIMAL, out, parallel=parallel))
    assert not result.withheld
    landed = {Path(e.source).name: Path(e.output) for e in result.exported}
    assert {landed["clip.mp4"].suffix, landed["clip2.mov"].suffix} <= {".mp4", ".mov"}
    for name in ("clip.mp4", "clip2.mov"):
        src = (tmp_path / name).read_bytes()
        cleaned = landed[name].read_bytes()
        assert track_samples(cleaned) == track_samples(src)
        entry = next(e for e in result.exported if Path(e.source).name == name)
        assert entry.sha256 == hashlib.sha256(cleaned).hexdigest()
        assert entry.source_sha256 == hashlib.sha256(src).hexdigest()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]
    original = drive(export_job([video], BUILTIN["original"], tmp_path / "orig", parallel=parallel))
    assert Path(original.exported[0].output).read_bytes() == video.read_bytes()


def test_a_jpeg_clean_leaves_its_scans_in_the_source() -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((160, 120), 60).convert("RGB").save(buf, "JPEG", quality=90, progressive=True)
    data = buf.getvalue()
    handler = handler_named("jpeg")
    parsed = handler.parse(data)
    leaving = frozenset(i.key for i in parsed.items if i.need)
    streamed = handler.clean_streamed(data, parsed, leaving)
    ranges = [r for r in streamed.runs if not isinstance(r, bytes)]
    assert len(ranges) > 1, "each scan of a progressive JPEG is a range of the source"
    assert sum(b - a for a, b in ranges) > len(data) // 2
    assert streamed.whole(data) == handler.clean(data, parsed, leaving).data
