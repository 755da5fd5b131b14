# SPDX-License-Identifier: GPL-3.0-or-later
"""History's selected entry: a tile for every file that left (a Live Photo's movie on its still's tile,
said in its name and tooltip), names elided to the tile's width, and Details in words before the raw
entry (under "Technical details", as the receipt dialog shows a receipt). Real library, real export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.model.policy import BUILTIN, KEEP, Policy
from gui.dialogs.history_dialog import TILE_WIDTH, HistoryDialog, tiles_of
from tests.core import live_fixtures as live
from tests.gui.dialogs.helpers import META, make_jpeg


def test_every_file_gets_a_tile_and_a_movie_rides_on_its_still() -> None:
    files = ["a", "b", "still", "movie", "c"]
    assert tiles_of(files, {"still": "movie"}) == [("a", ""), ("b", ""), ("still", "movie"), ("c", "")]
    # The still did not leave: its movie has a tile of its own.
    assert tiles_of(["movie", "a"], {"still": "movie"}) == [("movie", ""), ("a", "")]


def test_an_export_of_nine_files_shows_nine_files(qtbot: Any, tmp_path: Path, mem_keyring: object) -> None:
    root = tmp_path / "Roll"
    for i in range(8):
        make_jpeg(root / f"PXL_20240501_{i:02d}_long_name_motion.jpg", 30 * i)
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    policy = tmp_path / "moving.toml"
    policy.write_text(Policy("moving", dict(BUILTIN["minimal"].categories), motion=KEEP).to_toml())
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([root]))
        lib.add_recipient("Friends", str(policy))
        lib.decide_album(lib.find_album("Roll").id, "Friends", Decision.ALLOWED)
        drive(lib.export_job("Friends", tmp_path / "out"))
        dlg = HistoryDialog(lib)
        qtbot.addWidget(dlg)
        dlg.show()
        entry = json.loads(dlg.details.toPlainText())["payload"]
        assert entry["kind"] == "export" and len(entry["files"]) == 10  # 9 photos and the Live movie
        # Ten files: nine tiles, the movie on its still's tile; none left out.
        assert len(dlg.thumb_labels) == len(dlg.name_labels) == 9
        assert all(not label.pixmap().isNull() for label in dlg.thumb_labels)
        live_tile = [n for n in dlg.name_labels if n.toolTip().startswith("IMG_0001.JPG")]
        assert len(live_tile) == 1 and "Live Photo movie IMG_0001.MOV" in live_tile[0].toolTip()
        assert live_tile[0].text().endswith("\n+ its movie")
        # The entry's list of photos counts them as its tiles do: the movie goes with its still.
        assert "IMG_0001.JPG and its movie" in dlg.entry_label.text()
        assert "IMG_0001.MOV" not in dlg.entry_label.text()
        for name in dlg.name_labels:  # elided to the tile, the whole name in the tooltip
            first = name.text().split("\n")[0]
            assert name.fontMetrics().horizontalAdvance(first) <= TILE_WIDTH
            assert name.toolTip().startswith(first.split("…")[0])
        long = [n for n in dlg.name_labels if "long_name" in n.toolTip()]
        assert long and all("…" in n.text() for n in long)
        # Details: the entry in words first; the raw entry only under Technical details.
        assert not dlg.details_box.isVisible()
        dlg.details_button.setChecked(True)
        said = dlg.details_words.text()
        assert dlg.details_words.isVisible() and not dlg.details.isVisible()
        for label in ("What", "When", "Who", "Recipient", "Result", "Signature"):
            assert f"<b>{label}</b>" in said
        # Counted as the Share dialog and the receipt count them: photos, and why the files are more.
        assert ("9 photos left (10 files: one Live Photo's movie goes with its photo as a file of its own); "
                "none was withheld") in said and "Friends" in said
        assert "mac" not in said and "{" not in said
        dlg.technical_button.setChecked(True)
        assert dlg.details.isVisible() and '"previous_mac"' in dlg.details.toPlainText()
        assert dlg.technical_button.text() == "Hide technical details"


def test_details_of_a_consent_change_say_its_result(qtbot: Any, library: LibraryService) -> None:
    from tests.gui.dialogs.helpers import allow_album

    allow_album(library, "Holidays")
    dlg = HistoryDialog(library)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.details_button.setChecked(True)
    said = dlg.details_words.text()
    assert "Shared album Holidays with" in said and "<b>Result</b>" in said and "Shared</td>" in said
    assert META in said
