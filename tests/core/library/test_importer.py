# SPDX-License-Identifier: GPL-3.0-or-later
"""The import's fast path gives what a plain one would: files in many chunks and batches, in threads or
worker processes; a known content is not inventoried again; a bad file among many still gets its one
sentence."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from core.library import importer
from core.library.offload import Offload
from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.library.test_library import make_jpeg


def square_or_die(x: int) -> list[int]:
    if multiprocessing.parent_process() is not None and x == 4:
        os._exit(3)  # a crash in a native decoder, say
    return [x * x]


def test_stream_gives_results_in_order_and_reads_chunks_as_work_is_handed_out():
    offload = Offload()
    offload.use_processes(2)
    handed: list[int] = []

    def chunks():
        for x in range(10):
            handed.append(x)
            yield (x,)

    try:
        stream = offload.stream(square_or_die, chunks(), ahead=3)
        assert next(stream) == [0]
        assert len(handed) <= 4  # three in the workers, then one more for the slot the first left
        assert list(stream) == [[x * x] for x in range(1, 10)]  # 4 killed its worker: redone here
        assert offload.calls_in_process >= 5  # the others ran in the workers (a fresh pool after 4)
    finally:
        offload.close()


def parsers_loaded() -> bool:
    import sys

    return "core.formats.jpeg" in sys.modules and "numpy" in sys.modules


def test_workers_start_with_the_parsers_loaded():
    offload = Offload()
    offload.use_processes(1)
    try:
        assert offload.call(parsers_loaded)
    finally:
        offload.close()


def test_stream_without_processes_runs_in_this_thread():
    offload = Offload()
    assert list(offload.stream(square_or_die, [(2,), (4,)])) == [[4], [16]]
    assert offload.calls_in_process == 0


def roll(folder: Path) -> Path:
    for i in range(11):
        make_jpeg(folder / f"A{i % 3}" / f"p{i:02d}.jpg", 20 * i + 3, gps=i % 2 == 0)
    (folder / "A0" / "copy.jpg").write_bytes((folder / "A1" / "p01.jpg").read_bytes())
    (folder / "A1" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage")
    (folder / "A2" / "notes.txt").write_text("not a photo")
    good = (folder / "A2" / "p02.jpg").read_bytes()
    (folder / "A2" / "cut.jpg").write_bytes(good[: len(good) // 2])
    return folder


def records(home: Path, folder: Path, processes: int = 0) -> tuple[object, ...]:
    with LibraryService.open(home) as lib:
        lib.ctx.offload.use_processes(processes)
        try:
            result = drive(lib.import_job([folder]))
        finally:
            lib.ctx.offload.close()
        photos = sorted(
            (p.path.relative_to(folder).as_posix(), p.album_id, p.fingerprint, p.photo.categories)
            + (p.photo.status,)
            for p in lib.photos()
        )
        problems = sorted((r.path.name, r.state, r.reason) for r in lib.problems())
    return photos, problems, sorted(result.problems), sorted(result.unsupported), result.added


@pytest.mark.parametrize("processes", [0, 2])
def test_many_chunks_and_batches_record_what_one_chunk_does(
    tmp_path: Path, monkeypatch, mem_keyring, processes
):
    folder = roll(tmp_path / "Roll")
    plain = records(tmp_path / "plain", folder)
    monkeypatch.setattr(importer, "CHUNK", 2)
    monkeypatch.setattr(importer, "BATCH", 3)
    chunked = records(tmp_path / f"chunked-{processes}", folder, processes)
    assert chunked == plain
    photos, problems, result_problems, unsupported, added = plain
    assert added == 14 and len(photos) == 14  # 11 + the copy + the broken and the cut JPEG (errors)
    assert {name for name, _, _ in problems} == {"notes.txt"} and not result_problems
    copies = [fp for path, _, fp, _, _ in photos if path in ("A0/copy.jpg", "A1/p01.jpg")]
    assert len(copies) == 2 and copies[0] == copies[1]


def test_a_known_content_is_not_inventoried_again(tmp_path: Path, monkeypatch, mem_keyring):
    folder = roll(tmp_path / "Roll")
    inventoried: list[str] = []
    real = importer.inventory_from

    def counting(path, data, st):
        inventoried.append(Path(path).name)
        return real(path, data, st)

    monkeypatch.setattr(importer, "inventory_from", counting)
    monkeypatch.setattr(importer, "CHUNK", 2)
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([folder]))
        inventoried.clear()
        more = tmp_path / "More"
        for name in ("p03.jpg", "p06.jpg"):
            more.mkdir(exist_ok=True)
            (more / f"again-{name}").write_bytes((folder / "A0" / name).read_bytes())
        make_jpeg(more / "new.jpg", 250)
        result = drive(lib.import_job([more]))
        assert result.added == 3
        assert inventoried == ["new.jpg"]  # the copies were known by their fingerprint
        again = {p.path.name: p.fingerprint for p in lib.photos() if p.path.parent == more}
        first = {p.path.name: p.fingerprint for p in lib.photos() if p.path.parent == folder / "A0"}
        assert again["again-p03.jpg"] == first["p03.jpg"] and again["again-p06.jpg"] == first["p06.jpg"]


def test_a_pool_that_broke_before_the_next_chunk_is_replaced():
    """A worker can die between two chunks handed out (its future not read yet): the next chunk goes to
    a fresh pool instead of failing the import (seen once in the full suite as a race)."""
    from concurrent.futures.process import BrokenProcessPool

    offload = Offload()
    offload.use_processes(1)
    try:
        pool = offload._get_pool()
        assert pool is not None
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 3).result()  # the worker dies; the offload does not know yet
        assert list(offload.stream(square_or_die, [(2,), (3,)])) == [[4], [9]]
        assert offload.calls_in_process == 2
    finally:
        offload.close()
