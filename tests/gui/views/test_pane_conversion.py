# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pane says, before anything leaves, that a HEIC leaves converted to a JPEG (its picture
saved again, not the original's); a JPEG that leaves as it is says nothing of the kind. Real library,
real files, the real window offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.library.service import LibraryService
from core.model.jobs import drive
from tests.core import heic_fixtures as hf
from tests.core.library.test_library import make_jpeg

pytestmark = pytest.mark.skipif(not hf.heic_encoder_available(), reason="no HEIC encoder")

CONVERTED = ("This photo leaves converted from HEIC to JPEG: the picture is saved again at high quality, so "
             "it is not an exact copy of the original.")


@pytest.mark.usefixtures("no_face_model")
def test_the_pane_says_a_heic_leaves_converted(
    qtbot: Any, service: LibraryService, runner: Any, tmp_path: Path
) -> None:
    from tests.gui.window_helpers import WAIT, make_window, select, settle

    roll = tmp_path / "Roll"
    make_jpeg(roll / "plain.jpg", 1)
    (roll / "IMG_0001.HEIC").write_bytes(hf.real_heic())
    drive(service.import_job([roll]))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    pane = win.pane
    select(win, ["IMG_0001.HEIC"])
    qtbot.waitUntil(lambda: pane.preview is not None and pane.preview.path.endswith(".HEIC"), timeout=WAIT)
    assert CONVERTED in pane.output.text()
    select(win, ["plain.jpg"])
    qtbot.waitUntil(lambda: pane.preview is not None and pane.preview.path.endswith("plain.jpg"),
                    timeout=WAIT)
    assert "converted" not in pane.output.text()
    settle(qtbot, win)
