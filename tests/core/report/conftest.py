# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the report tests: a real library over a generated roll (in-memory keyring)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core.report.test_report import make_roll


@pytest.fixture
def lib(tmp_path: Path, mem_keyring):
    service = LibraryService.open(tmp_path / "home")
    drive(service.import_job([make_roll(tmp_path / "Photos")]))
    yield service
    service.close()
