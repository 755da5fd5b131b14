# SPDX-License-Identifier: GPL-3.0-or-later
"""The grid model reads pages ahead of the scroll in a worker: on a real 600-photo library, pages ahead
arrive without a query on the GUI thread, hold what a direct read holds (also after a decision changed),
and a page read before a refresh is never shown."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import keyring
import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.library.consent import Decision
from core.library.gallery import GalleryRow
from core.library.service import LibraryService
from core.model.jobs import drive
from gui.models.photo_model import PAGE, READ_AHEAD, PhotoModel, Roles
from gui.tasks import TaskRunner
from tests.core.memkeyring import MemoryKeyring

PHOTOS = 600
ALBUM = 150


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryService]:
    base = tmp_path_factory.mktemp("ahead")
    for i in range(PHOTOS):
        folder = base / "photos" / f"album-{i // ALBUM}"
        if i % ALBUM == 0:
            folder.mkdir(parents=True)
        # The comment makes every content distinct (similar colours can compress to the same bytes).
        Image.new("RGB", (8, 8), (i % 256, i // 256, 9)).save(
            folder / f"IMG_{i:04d}.jpg", "JPEG", comment=f"photo {i}".encode()
        )
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    lib = LibraryService.open(base / "home")
    drive(lib.import_job([base / "photos"]))
    assert lib.status()["photos"] == {"files": PHOTOS, "distinct": PHOTOS}  # no copy shares a decision
    yield lib
    lib.close()
    keyring.set_keyring(previous)


@pytest.fixture
def recipient(library: LibraryService, request: pytest.FixtureRequest) -> str:
    """A recipient of this test's own, so decisions made by one test do not reach another."""
    return library.add_recipient(request.node.name[:60]).name


@pytest.fixture
def gui_reads(library: LibraryService, monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The pages read on the GUI thread (the real query still answers every read)."""
    reads: list[list[int]] = []
    real = library.gallery_rows

    def gallery_rows(ids: Sequence[int], recipient: str) -> dict[int, GalleryRow]:
        if threading.current_thread() is threading.main_thread():
            reads.append(list(ids))
        return real(ids, recipient)

    monkeypatch.setattr(library, "gallery_rows", gallery_rows)
    return reads


def settle(runner: TaskRunner) -> None:
    """Let the workers finish, then deliver what they sent (their results are queued to this thread)."""
    assert runner.wait(10_000)
    QApplication.processEvents()


def test_pages_ahead_of_the_scroll_arrive_without_a_query_on_the_gui_thread(
    qtbot: QtBot, library: LibraryService, recipient: str, runner: TaskRunner, gui_reads: list[list[int]]
) -> None:
    model = PhotoModel(library, recipient, runner=runner)
    ids = library.gallery(recipient)
    model.set_ids(ids)
    assert model.index(0).data() == "IMG_0000.jpg"  # page 0, read here: it is painted now
    assert len(gui_reads) == 1
    settle(runner)
    ahead = ids[PAGE : (1 + READ_AHEAD) * PAGE]
    assert all(i in model._rows for i in ahead)
    assert ids[(1 + READ_AHEAD) * PAGE] not in model._rows  # only so far ahead
    for row in range(PAGE, (1 + READ_AHEAD) * PAGE):
        assert model.index(row).data() == f"IMG_{row:04d}.jpg"
    assert len(gui_reads) == 1  # every row of the pages ahead came from the worker
    # A jump reads nothing ahead (the pages around it may never be painted); scrolling up reads upwards.
    model = PhotoModel(library, recipient, runner=runner)
    model.set_ids(ids)
    last_page = (len(ids) - 1) // PAGE
    assert last_page - 1 - READ_AHEAD == 1
    model.index(len(ids) - 1).data()  # the last page, painted first (nothing below it)
    settle(runner)
    model.index(last_page * PAGE - 1).data()  # the page above: read here, the ones above it ahead
    settle(runner)
    assert all(i in model._rows for i in ids[PAGE : (last_page - 1) * PAGE])
    assert ids[PAGE - 1] not in model._rows
    model.index(PAGE).data()  # a jump of two pages up (its page is cached): page 0 is not read ahead
    assert not model._ahead


def test_pages_read_ahead_hold_what_a_direct_read_holds_after_a_decision(
    qtbot: QtBot, library: LibraryService, recipient: str, runner: TaskRunner
) -> None:
    model = PhotoModel(library, recipient, runner=runner)
    ids = library.gallery(recipient)
    model.set_ids(ids)
    model.index(0).data()
    settle(runner)
    album = next(a for a in library.albums() if a.name == "album-1")
    library.decide_album(album.id, recipient, Decision.ALLOWED)
    fp = model.index(PAGE + 5).data(Roles.Fingerprint)  # in album-0, a page read ahead before
    library.decide_photos([fp], recipient, Decision.ALLOWED)
    model.refresh_all()  # what the window does after an album decision
    model.index(0).data()
    settle(runner)
    direct = library.gallery_rows(ids, recipient)
    shown = 0
    for row, file_id in enumerate(ids[: (1 + READ_AHEAD) * PAGE]):
        assert model._rows[file_id] == direct[file_id]
        index = model.index(row)
        in_album = ALBUM <= row < 2 * ALBUM
        assert index.data(Roles.Allowed) is (in_album or row == PAGE + 5)
        assert index.data(Roles.Decision) == ("allowed" if row == PAGE + 5 else "inherit")
        shown += 1
    assert shown == (1 + READ_AHEAD) * PAGE


@pytest.mark.parametrize("refresh", ["ids", "all", "recipient"])
def test_a_page_read_before_a_refresh_is_never_shown(
    qtbot: QtBot, library: LibraryService, recipient: str, runner: TaskRunner, refresh: str
) -> None:
    model = PhotoModel(library, recipient, runner=runner)
    ids = library.gallery(recipient)
    model.set_ids(ids)
    model.index(0).data()  # reads pages 1 and 2 ahead
    assert runner.wait(10_000)  # read, but not delivered yet: their results wait in this thread's queue
    row = PAGE + 7
    fp = library.gallery_rows([ids[row]], recipient)[ids[row]].fingerprint
    assert fp is not None
    if refresh == "recipient":
        other = library.add_recipient(f"{recipient[:50]} 2").name
        library.decide_photos([fp], other, Decision.ALLOWED)
        model.set_recipient(other)
    else:
        library.decide_photos([fp], recipient, Decision.ALLOWED)
        if refresh == "ids":
            model.refresh_ids(library.file_ids_of([fp]))
        else:
            model.refresh_all()
    QApplication.processEvents()  # the stale pages arrive now
    assert ids[row] not in model._rows
    assert model.index(row).data(Roles.Allowed) is True
    assert model.index(row).data(Roles.Decision) == "allowed"
    settle(runner)


def test_reading_ahead_through_the_library_reuses_the_workers_connections(
    qtbot: QtBot, library: LibraryService, recipient: str, runner: TaskRunner
) -> None:
    # Qt's pool threads run each task in a fresh Python thread state: a connection per thread state
    # would leave one open connection (and its page cache) per page read ahead.
    model = PhotoModel(library, recipient, runner=runner)
    ids = library.gallery(recipient)
    model.set_ids(ids)
    model.index(0).data()
    settle(runner)
    before = len(library.ctx.db._all)
    reads = 0
    for _ in range(3):
        for row in range(0, len(ids), PAGE):
            model.refresh_all()  # every page ahead is read again
            model.index(row).data()
            reads += len(model._ahead)
            settle(runner)
    assert reads >= 10
    assert len(library.ctx.db._all) - before <= runner.pools["view"].maxThreadCount()
