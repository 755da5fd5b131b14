# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog, its message after the export and the receipt viewer count what leaves the same way:
photos, and in the same sentence the files they are where the two differ (a Live Photo's movie is a file
of its own, a motion photo's video is inside its photo). A real library with a Live Photo and a motion
photo, a real export, the real dialogs offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QTextDocumentFragment

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from gui.dialogs.share_dialog import ShareDialog, State
from gui.tasks import TaskRunner
from tests.core import live_fixtures as live
from tests.core import motion_fixtures as mo
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")

NOTE = ("4 files: one Live Photo's movie goes with its photo as a file of its own; one motion photo's video "
        "is inside its photo's file")


def plain(rich: str) -> str:
    return QTextDocumentFragment.fromHtml(rich).toPlainText()


def test_the_dialog_the_message_and_the_receipt_say_the_same_count(qtbot, tmp_path: Path,
                                                                    mem_keyring) -> None:
    root = tmp_path / "Phone"
    make_jpeg(root / "plain.jpg", 1)
    (root / "PXL_motion.jpg").write_bytes(mo.google())
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "moving"\nmotion = "keep"\n')
    runner = TaskRunner()
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([root]))
        lib.add_recipient("Family", str(policy))
        lib.decide_album(lib.find_album("Phone").id, "Family", Decision.ALLOWED)
        dlg = ShareDialog(lib, runner, "Family")
        qtbot.addWidget(dlg)
        dlg.open_url = lambda url: None
        dlg.show()
        qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=10_000)
        assert plain(dlg.photos_label.text()) == f"3 photos you allowed for Family ({NOTE})"
        dlg.set_destination(tmp_path / "out")
        dlg.start_export()
        qtbot.waitUntil(lambda: dlg.state is State.DONE, timeout=20_000)
        assert plain(dlg.status_label.text()).startswith(f"Exported 3 photos ({NOTE}) into the folder ")
        assert plain(dlg.status_label.text()).endswith(" None was withheld.")
        dlg.show_receipt()
        assert dlg.receipt_view is not None
        said = dlg.receipt_view.plain_text().splitlines()
        assert said[1] == f"3 photos left ({NOTE}); none was withheld."
        assert len(list((tmp_path / "out").glob("photo-*"))) == 4  # the files the words promise
    assert runner.shutdown()
