# SPDX-License-Identifier: GPL-3.0-or-later
"""A camera roll with videos: the library imports them as items, and what cannot handle a video (face
detection; the thumbnailer for a codec nothing decodes) says so for that file while the rest goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.imaging.thumbnails import make_thumbnail, thumbnail_job
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core import mp4_fixtures as fx
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Roll"
    make_jpeg(root / "photo.jpg", 1)
    (root / "clip.mov").write_bytes(fx.encoded("mov"))
    (root / "gopro.mp4").write_bytes(fx.rich(co64=True))
    return root


def test_a_folder_with_videos_imports_them_as_items(
    roll: Path,
    tmp_path: Path,
    mem_keyring,
) -> None:
    lib = LibraryService.open(tmp_path / "home")
    try:
        result = drive(lib.import_job([roll]))
        assert result.added == 3 and not result.unsupported and not result.problems, result.to_json()
        names = {Path(p.path).name for p in lib.photos()}
        assert names == {"photo.jpg", "clip.mov", "gopro.mp4"}
        faces = drive(lib.faces_job())  # a video is that file's failure, never the job's
        assert faces.analysed + faces.failed >= 1
    finally:
        lib.close()


def test_thumbnails_of_videos_are_frames_and_a_video_nothing_decodes_fails_alone(
    roll: Path,
    tmp_path: Path,
    mem_keyring,
) -> None:
    assert make_thumbnail(roll / "clip.mov").startswith(b"\xff\xd8")
    odd = roll / "odd.mp4"
    odd.write_bytes(fx.unknown_codec(fx.encoded("mp4")))
    lib = LibraryService.open(tmp_path / "home")
    try:
        files = [("a", roll / "photo.jpg"), ("b", odd), ("c", roll / "clip.mov")]
        result = drive(thumbnail_job(files, lib.thumbnail_cache, workers=1))
        assert result.made == 2
        assert result.failed == [("b", "the video's codec cannot be decoded by this app")]
    finally:
        lib.close()


def test_a_policy_that_blurs_faces_withholds_videos_with_that_reason(roll: Path) -> None:
    from core.model.policy import BUILTIN
    from core.pipeline.export import process_file

    outcome = process_file(roll / "clip.mov", BUILTIN["blur-faces"])
    assert outcome.reason == "Videos cannot have faces blurred yet, so this video was withheld."
    assert not outcome.data
