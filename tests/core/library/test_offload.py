# SPDX-License-Identifier: GPL-3.0-or-later
"""Heavy per-file work in worker processes gives exactly what the calling thread would, and a worker that
dies does not lose the work."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from core.imaging import faces
from core.library.offload import Offload
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import make_jpeg


def double_or_die(x: int) -> int:
    if multiprocessing.parent_process() is not None and x == 3:
        os._exit(3)  # a crash in a native decoder, say
    return x * 2


def pid(_: int) -> int:
    return os.getpid()


@pytest.fixture
def offload():
    o = Offload()
    o.use_processes(2)
    yield o
    o.close()


def test_calls_run_in_other_processes(offload: Offload):
    assert offload.call(pid, 0) != os.getpid()
    assert [r for r in offload.map(double_or_die, [(1,), (2,)])] == [2, 4]
    assert offload.calls_in_process == 3


def niceness(_: int) -> int:
    return os.nice(0)


def test_background_workers_yield_the_processor_to_the_window(offload: Offload):
    # Face detection fills both cores; at the window's priority it starved the painting thread
    # (frames of 150 ms in benchmarks/gui.py --busy), below it the window paints on time.
    assert offload.call(niceness, 0) > os.nice(0)
    command_line = Offload()
    command_line.use_processes(1, method="fork", background=False)
    try:
        assert command_line.call(niceness, 0) == os.nice(0)  # a command's own work: full speed
    finally:
        command_line.close()


def test_a_dying_worker_loses_nothing(offload: Offload):
    assert offload.map(double_or_die, [(1,), (3,), (5,)]) == [2, 6, 10]  # redone in this thread
    assert offload.call(pid, 0) != os.getpid()  # and a fresh pool for the next call


def records(home: Path, roll: Path, processes: int) -> list[tuple[object, ...]]:
    with LibraryService.open(home) as lib:
        lib.ctx.offload.use_processes(processes)
        try:
            drive(lib.import_job([roll]))
            used = lib.ctx.offload.calls_in_process
            out = []
            for p in lib.photos():
                thumb = lib.thumbnail(p.fingerprint, p.path, 64)
                size = (thumb.width, thumb.height, thumb.rgb) if thumb is not None else None
                instant = lib.thumbnail(p.fingerprint, p.path, 64, embedded=True)
                quick = (instant.width, instant.height, instant.rgb) if instant is not None else None
                out.append((p.path.name, p.fingerprint, p.photo.categories, p.photo.status, size, quick))
        finally:
            lib.ctx.offload.close()
    assert (used > 0) == (processes > 0)
    assert sum(row[-2] is not None for row in out) == 6  # the broken file has none
    return sorted(out, key=lambda r: str(r[0]))


def test_import_and_thumbnails_in_processes_match_in_thread(tmp_path: Path, mem_keyring):
    roll = tmp_path / "P"
    for i in range(6):
        make_jpeg(roll / f"A{i % 2}" / f"p{i}.jpg", 30 * i + 5)
    (roll / "A0" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage")
    assert records(tmp_path / "h1", roll, 0) == records(tmp_path / "h2", roll, 2)


def face_counts(home: Path, roll: Path, processes: int) -> tuple[int, dict[str, int]]:
    lib = LibraryService.open(home)
    lib.ctx.offload.use_processes(processes)
    try:
        drive(lib.import_job([roll]))
        before = lib.ctx.offload.calls_in_process
        fingerprints = sorted(fp for fp, _path in lib.ctx.gallery.without_faces())
        assert lib.detector_status() is None
        counts = {}
        for fp in fingerprints:
            rec = lib.ensure_faces(fp)  # what the preview pane asks for the selected photo
            counts[fp] = len(rec.detected)
        return lib.ctx.offload.calls_in_process - before, counts
    finally:
        lib.ctx.offload.close()
        lib.close()


@pytest.mark.skipif(faces.detector_status() is not None, reason="face model not installed")
def test_the_selected_photos_faces_are_found_in_a_worker_process(tmp_path: Path, mem_keyring):
    roll = tmp_path / "P"
    for i in range(3):
        make_jpeg(roll / f"p{i}.jpg", 40 * i + 5)
    in_process, here = face_counts(tmp_path / "h1", roll, 2)
    in_thread, there = face_counts(tmp_path / "h2", roll, 0)
    assert here == there and len(here) == 3
    assert in_process == 1 + 3 and in_thread == 0  # the model check, then one detection per photo
