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
from tests.core import heic_fixtures as hf
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
        assert plain(dlg.names_label.text()).splitlines()[1:] == [
            "Live Photos: the still and its movie, both cleaned (photo-0001.jpg + photo-0001.mov).",
            "Motion photos: the video stays inside the photo's file, cleaned.",
        ]
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


def test_what_leaves_follows_the_sent_before_choice(qtbot, tmp_path: Path, mem_keyring) -> None:
    """Two photos were sent before, two are new: "Leaves with them" and "Removed" count the two new ones
    while "Only photos not sent yet" is chosen, and all four once "All again" is."""
    from tests.core.library.test_sharing_summary import _sent_before

    runner = TaskRunner()
    with LibraryService.open(tmp_path / "home") as lib:
        _sent_before(tmp_path, lib)
        dlg = ShareDialog(lib, runner, "Family")
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=10_000)
        assert dlg.only_new.isChecked() and dlg.to_send() == 2
        assert dlg.summary is not None
        for only_new, button in ((True, dlg.only_new), (False, dlg.all_again), (True, dlg.only_new)):
            button.setChecked(True)
            out = dlg.summary.outgoing(only_new)
            leaving, removed = plain(dlg.leaving_label.text()), plain(dlg.removed_label.text())
            assert leaving == ", ".join(f"{label} ({n} photo{'s' * (n != 1)})" for label, n in out.leaving)
            assert removed == ", ".join(f"{label} ({n} photo{'s' * (n != 1)})" for label, n in out.removed)
            assert f"Time ({4 - 2 * only_new} photos)" in leaving
            which = "the 2 photos not sent yet" if only_new else "all 4 photos again"
            assert dlg.summary_box.title() == f"What will leave this device: {which}"
            assert f"{4 - 2 * only_new} photos will be sent" in plain(dlg.status_label.text())
    assert runner.shutdown()


@pytest.mark.skipif(not hf.heic_encoder_available(), reason="no HEIC encoder")
def test_a_conversion_has_a_line_of_its_own_only_when_there_is_one(qtbot, tmp_path: Path,
                                                                    mem_keyring) -> None:
    root = tmp_path / "Phone"
    make_jpeg(root / "plain.jpg", 1)
    (root / "IMG_0001.HEIC").write_bytes(hf.real_heic())
    runner = TaskRunner()
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([root]))
        lib.add_recipient("Family", "minimal")
        lib.decide_album(lib.find_album("Phone").id, "Family", Decision.ALLOWED)
        dlg = ShareDialog(lib, runner, "Family")
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitUntil(lambda: dlg.state is State.READY, timeout=10_000)
        assert dlg.converted_label.isVisible()
        assert plain(dlg.converted_label.text()) == (
            "1 photo, from HEIC to JPEG: the picture is saved again at high quality, so it is not an exact "
            "copy of the original.")
        assert dlg.summary_form.labelForField(dlg.converted_label).text() == "Converted:"
        lib.decide_photos([lib.fingerprint_of(root / "IMG_0001.HEIC")], "Family", Decision.DENIED)
        only_jpeg = ShareDialog(lib, runner, "Family")
        qtbot.addWidget(only_jpeg)
        only_jpeg.show()
        qtbot.waitUntil(lambda: only_jpeg.state is State.READY, timeout=10_000)
        assert not only_jpeg.converted_label.isVisible()
        assert not only_jpeg.summary_form.labelForField(only_jpeg.converted_label).isVisible()
    assert runner.shutdown()
