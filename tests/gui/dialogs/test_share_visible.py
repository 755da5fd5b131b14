# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog at 1280×800: every text wraps and is fully visible before, during and after the
export; a second export to the same recipient offers only the photos not sent yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.dialogs.share_dialog import ShareDialog, State
from gui.tasks import TaskRunner
from tests.gui.dialogs.helpers import META, allow_album
from tests.gui.visible import clipped_texts, fit_screen


@pytest.fixture
def runner():
    r = TaskRunner()
    yield r
    assert r.shutdown()


def open_dialog(qtbot, library, runner, recipient: str = META) -> ShareDialog:
    dlg = ShareDialog(library, runner, recipient)
    qtbot.addWidget(dlg)
    dlg.confirm_stop = lambda: True
    dlg.open_url = lambda url: None
    dlg.show()
    qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=5000)
    qtbot.wait(50)
    fit_screen(dlg)
    return dlg


def test_empty_library_text_fully_visible(qtbot, library, runner):
    dlg = open_dialog(qtbot, library, runner)
    assert "Allow albums or photos" in dlg.photos_label.text()
    assert clipped_texts(dlg) == []


def test_text_fully_visible_before_during_and_after(qtbot, library, runner, tmp_path: Path):
    library.set_recipient_policy(META, "minimal")
    for album in ("Holidays", "Family"):
        allow_album(library, album)
    dlg = open_dialog(qtbot, library, runner)
    assert clipped_texts(dlg) == []
    dlg.set_destination(tmp_path / "out")
    dlg.start_export()
    assert dlg.state is State.EXPORTING
    fit_screen(dlg)
    assert clipped_texts(dlg) == []
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=20000)
    qtbot.wait(50)
    fit_screen(dlg)
    assert clipped_texts(dlg) == []


def test_second_export_offers_only_new(qtbot, library, runner, tmp_path: Path):
    allow_album(library, "Holidays")
    dlg = open_dialog(qtbot, library, runner)
    assert not dlg.sent_box.isVisible()  # nothing was sent yet: no choice to make
    dlg.set_destination(tmp_path / "first")
    dlg.start_export()
    qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=20000)
    assert dlg.exported_count() == 2

    again = open_dialog(qtbot, library, runner)
    assert again.sent_box.isVisible()
    assert again.sent_label.text().startswith(f"2 of these 2 photos were already sent to {META} on ")
    assert again.only_new.isChecked() and not again.all_again.isChecked()  # the default
    assert not again.export_button.isEnabled()  # nothing new to send
    assert "Nothing new" in again.status_label.text()
    assert clipped_texts(again) == []

    allow_album(library, "Family")  # one more photo: only that one goes
    third = open_dialog(qtbot, library, runner)
    assert third.sent_label.text().startswith("2 of these 3 photos were already sent")
    third.set_destination(tmp_path / "second")
    third.start_export()
    qtbot.waitUntil(lambda: third.state is State.DONE, timeout=20000)
    assert third.exported_count() == 1
    assert "Left out 2 already sent" in third.status_label.text()

    fourth = open_dialog(qtbot, library, runner)
    fourth.all_again.setChecked(True)
    assert fourth.export_button.isEnabled()
    fourth.set_destination(tmp_path / "third")
    fourth.start_export()
    qtbot.waitUntil(lambda: fourth.state is State.DONE, timeout=20000)
    assert fourth.exported_count() == 3
