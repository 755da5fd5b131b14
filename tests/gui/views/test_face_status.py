# SPDX-License-Identifier: GPL-3.0-or-later
"""The pane's sentence about faces agrees with the exposure report: "No faces found" only once the
detector looked at the photo (the face store's record), "not looked for yet" otherwise, and never the
previous photo's sentence while the next one loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.imaging.face_words import NOT_ANALYSED, faces_hint
from core.imaging.rendering import Picture
from core.library.service import LibraryService
from core.model.jobs import drive
from core.report.exposure import report_job
from tests.core.library.test_gallery import make_jpeg
from tests.gui.window_helpers import META, WAIT, make_window, select, settle


def test_the_words_depend_on_whether_the_detector_looked() -> None:
    looked = Picture(4, 4, b"\0" * 48, analysed=True)
    never = Picture(4, 4, b"\0" * 48, analysed=False)
    assert faces_hint(looked, False) == "No faces found in the picture."
    assert faces_hint(never, False) == NOT_ANALYSED
    assert "not looked for" in faces_hint(Picture(4, 4, b"\0" * 48, video=True, analysed=False), False)


@pytest.mark.usefixtures("no_face_model")
def test_without_a_detector_the_pane_does_not_claim_no_faces_and_the_report_agrees(
    qtbot: Any, service: LibraryService, runner: Any, tmp_path: Path
) -> None:
    make_jpeg(tmp_path / "Roll" / "a.jpg", 1)
    make_jpeg(tmp_path / "Roll" / "b.jpg", 2)
    drive(service.import_job([tmp_path / "Roll"]))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    pane = win.pane
    select(win, ["a.jpg"])
    qtbot.waitUntil(lambda: pane.picture is not None and pane.name == "a.jpg", timeout=WAIT)
    assert pane.faces_hint.text() == NOT_ANALYSED
    report = drive(report_job(service, META, namer=None))
    assert report.all_access.faces_not_analysed == 2  # the report says the same of both photos
    settle(qtbot, win)


def test_a_photo_the_pane_looked_at_counts_as_analysed_in_the_report(
    qtbot: Any, service: LibraryService, runner: Any, tmp_path: Path
) -> None:
    from core.imaging import faces

    if faces.detector_status() is not None:
        pytest.skip(f"no face detector here: {faces.detector_status()}")
    make_jpeg(tmp_path / "Roll" / "a.jpg", 1)
    make_jpeg(tmp_path / "Roll" / "b.jpg", 2)
    drive(service.import_job([tmp_path / "Roll"]))
    win = make_window(qtbot, service, runner, tmp_path)
    with qtbot.waitSignal(win.view_refreshed, timeout=WAIT):
        win.show()
    pane = win.pane
    select(win, ["a.jpg"])
    qtbot.waitUntil(lambda: pane.picture is not None and pane.name == "a.jpg", timeout=WAIT)
    assert pane.faces_hint.text().startswith("No faces found")
    # The next photo: the sentence of the one before is gone at once, before its answer arrives (the
    # answer comes back through the event loop, never within this call).
    b = next(p.fingerprint for p in service.photos() if p.path.name == "b.jpg")
    pane.show_photo(b, "b.jpg", META)
    assert pane.faces_hint.text() == ""
    qtbot.waitUntil(lambda: pane.picture is not None and pane.name == "b.jpg", timeout=WAIT)
    settle(qtbot, win)
    report = drive(report_job(service, META, namer=None))
    assert report.all_access.faces_not_analysed == 0  # both were looked at by the pane, and stored
    settle(qtbot, win)
