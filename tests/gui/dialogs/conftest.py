# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the dialog tests: a small generated roll and a real library in a temp home
(with the in-memory keyring)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library.service import LibraryService
from core.model.jobs import drive
from tests.gui.dialogs.helpers import make_jpeg


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Photos"
    make_jpeg(root / "top.jpg", 1)
    make_jpeg(root / "Holidays" / "beach.jpg", 2)
    make_jpeg(root / "Holidays" / "sunset.jpg", 3, gps=False)
    make_jpeg(root / "Family" / "dinner.jpg", 4)
    return root


@pytest.fixture
def library(tmp_path: Path, roll: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([roll]))
    yield service
    service.close()
