# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the GUI tests: a generated camera roll, a real library in a temp home, the task runner
and the main window over them. `no_face_model` is opt-in (modules that do not test faces use it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.library.service import LibraryService
from core.model.jobs import drive
from gui.tasks import TaskRunner
from tests.core.library.test_gallery import make_jpeg
from tests.gui.window_helpers import WAIT, make_window


@pytest.fixture
def no_face_model(monkeypatch):
    # Face detection is tested in core; here it would only slow every selection down.
    from core.imaging import faces
    monkeypatch.setattr(faces, "detector_status", lambda: "face detection is off in these tests")


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Photos"
    make_jpeg(root / "a_top.jpg", 1)
    make_jpeg(root / "Holidays" / "beach.jpg", 2)
    make_jpeg(root / "Holidays" / "sunset.jpg", 3, gps=False)
    make_jpeg(root / "Family" / "dinner.jpg", 4)
    shutil.copy(root / "Holidays" / "beach.jpg", root / "Family" / "beach-copy.jpg")
    return root


@pytest.fixture
def service(tmp_path: Path, mem_keyring):
    lib = LibraryService.open(tmp_path / "home")
    yield lib
    lib.close()


@pytest.fixture
def runner(qtbot):
    tasks = TaskRunner()
    yield tasks
    assert tasks.shutdown(), "a worker was still running at the end of the test"
    assert tasks.active() == 0


@pytest.fixture
def window(qtbot, service: LibraryService, runner: TaskRunner, roll: Path, tmp_path: Path):
    drive(service.import_job([roll]))
    win = make_window(qtbot, service, runner, tmp_path)
    win.resize(1200, 800)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    yield win
    win.close()

