# SPDX-License-Identifier: GPL-3.0-or-later
"""Photos and files are counted the same way everywhere that says what leaves: the Share dialog's plan,
the export's result, its receipt (in words too) and History; where they differ, the words say why. Real
library, real files (a plain photo, a Google motion photo, a Live Photo), real exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library import events as ev
from core.library import history
from core.library.consent import Decision
from core.library.service import LibraryService
from core.library.sharing_summary import summarize
from core.model.jobs import drive
from core.pipeline.file_counts import FileCount, of_entries, of_exported
from core.pipeline.receipt_words import receipt_words
from tests.core import live_fixtures as live
from tests.core import motion_fixtures as mo
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")

BOTH = ("3 photos (4 files: one Live Photo's movie goes with its photo as a file of its own; one motion "
        "photo's video is inside its photo's file)")


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Roll"
    make_jpeg(root / "plain.jpg", 1)
    (root / "PXL_motion.jpg").write_bytes(mo.google())
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    return root


def _library(tmp_path: Path, roll: Path, motion: str) -> LibraryService:
    policy = tmp_path / f"{motion}.toml"
    policy.write_text(f'name = "moving"\nmotion = "{motion}"\n')
    lib = LibraryService.open(tmp_path / "home")
    drive(lib.import_job([roll]))
    lib.add_recipient("Family", str(policy))
    lib.decide_album(lib.find_album("Roll").id, "Family", Decision.ALLOWED)
    return lib


def _history(lib: LibraryService) -> tuple[str, str]:
    """(sentence, result) of the last ledger entry, as History says them."""
    names = history.file_names((fp, path) for path, fp in lib.allowed_sources("Family"))
    item = history.item_of(lib.ledger_entries()[-1], names)
    return item.sentence, dict(history.entry_facts(item))["Result"]


def test_every_place_counts_photos_and_says_why_the_files_differ(tmp_path: Path, roll: Path,
                                                                 mem_keyring) -> None:
    with _library(tmp_path, roll, "keep") as lib:
        plan = summarize(lib, "Family")
        result = drive(lib.export_job("Family", tmp_path / "out"))
        sentence, said = _history(lib)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "photo-0001.jpg", "photo-0001.mov", "photo-0002.jpg", "photo-0003.jpg", "receipt.json"]
    files = result.receipt["files"]
    assert isinstance(files, list)
    assert plan.count == of_exported(result.exported) == of_entries(files) == FileCount(3, 1, 1)
    assert plan.count.words() == BOTH and plan.count.files == 4 == len(files)
    assert receipt_words(result.receipt).summary == BOTH.replace("photos (", "photos left (", 1) + (
        "; none was withheld.")
    assert said == BOTH.replace("photos (", "photos left (", 1) + "; none was withheld"
    # History names the photos; the Live Photo's movie goes with its still, as on its tile.
    assert sentence.startswith("Sent IMG_0001.JPG, PXL_motion.jpg and plain.jpg to Family")


def test_when_only_the_stills_leave_photos_and_files_are_one_number(tmp_path: Path, roll: Path,
                                                                    mem_keyring) -> None:
    with _library(tmp_path, roll, "remove") as lib:
        plan = summarize(lib, "Family")
        result = drive(lib.export_job("Family", tmp_path / "out"))
        _, said = _history(lib)
    assert plan.count == of_exported(result.exported) == FileCount(3)
    assert plan.count.words() == "3 photos" and plan.count.note == ""
    assert receipt_words(result.receipt).summary == "3 photos left; none was withheld."
    assert said == "3 photos left; none was withheld"


def test_photos_not_sent_yet_are_counted_in_files_too(tmp_path: Path, roll: Path, mem_keyring) -> None:
    with _library(tmp_path, roll, "keep") as lib:
        drive(lib.export_job("Family", tmp_path / "out"))
        live.still_jpeg(roll / "IMG_0005.JPG", live.OTHER)
        live.movie(roll / "IMG_0005.MOV", live.OTHER)
        drive(lib.import_job([roll]))
        plan = summarize(lib, "Family")
    assert plan.count == FileCount(4, 2, 1)
    assert plan.to_send(only_new=True) == plan.count_new == FileCount(1, 1, 0)
    assert plan.count_new.words("will be sent") == (
        "1 photo will be sent (2 files: one Live Photo's movie goes with its photo as a file of its own)")


def test_a_withheld_live_photo_is_one_photo_and_a_withheld_movie_is_said_apart(
    tmp_path: Path, roll: Path, mem_keyring
) -> None:
    with _library(tmp_path, roll, "keep") as lib:
        (roll / "IMG_0001.MOV").write_bytes(live.movie_bytes(make="CANARY-Changed"))  # changed since import
        result = drive(lib.export_job("Family", tmp_path / "out"))
        _, said = _history(lib)
        words = receipt_words(result.receipt)
        assert words.summary == (
            "3 photos left (3 files: one motion photo's video is inside its photo's file); the movie of one "
            "Live Photo was withheld; its photo left without it.")
        assert said == words.summary[:-1]
        (roll / "IMG_0001.JPG").write_bytes(b"changed")  # now the still itself is withheld, its movie too
        result = drive(lib.export_job("Family", tmp_path / "again"))
    assert receipt_words(result.receipt).summary == (
        "2 photos left (2 files: one motion photo's video is inside its photo's file); 1 photo was withheld "
        "(2 files: one Live Photo's movie stays with its photo).")


def test_history_counts_files_for_exports_recorded_before_live_photos_were(tmp_path: Path, roll: Path,
                                                                          mem_keyring) -> None:
    # An entry written before the ledger named a Live Photo's other half cannot tell its movie from a
    # video: History counts it in files, as it always did, rather than call the movie a photo.
    with _library(tmp_path, roll, "keep") as lib:
        files = [{"fingerprint": "a" * 64, "categories": [], "output": name, "faces_blurred": 0}
                 for name in ("photo-0001.jpg", "photo-0001.mov")]
        with lib.ctx.db.transaction():
            lib.ctx.ledger.append(ev.Exported("Family", "moving", {}, str(tmp_path), None, files, [], False))
        _, said = _history(lib)
    assert said == "2 files left, 0 withheld"
