# SPDX-License-Identifier: GPL-3.0-or-later
"""A receipt in words: when, to whom, which policy, each file that left and what left with it, each one
withheld and why, and an interrupted export said so; from real exports of a real library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.service import LibraryService
from core.model.jobs import drive
from core.model.policy import BUILTIN, CUSTOM_LABEL
from core.pipeline.description import plain_error
from core.pipeline.receipt_words import reason_words, receipt_words
from core.pipeline.receipts import build_receipt
from tests.core import live_fixtures as live
from tests.core import motion_fixtures as mo
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    root = tmp_path / "Roll"
    make_jpeg(root / "beach.jpg", 1)
    (root / "PXL_motion.jpg").write_bytes(mo.google())
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    return root


def _export(tmp_path: Path, roll: Path, policy: str) -> tuple[dict[str, object], Path]:
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        lib.add_recipient("Family", policy)
        lib.decide_album(lib.find_album("Roll").id, "Family", Decision.ALLOWED)
        (roll / "beach.jpg").write_bytes(b"changed after import")  # withheld: not the photo decided on
        result = drive(lib.export_job("Family", tmp_path / "out"))
        return result.receipt, Path(result.receipt_path)


def test_an_export_in_words(tmp_path: Path, roll: Path, mem_keyring) -> None:
    policy = tmp_path / "moving.toml"
    policy.write_text('name = "custom for Family"\nmotion = "keep"\n[categories]\ntime = "keep"\n')
    receipt, path = _export(tmp_path, roll, str(policy))
    words = receipt_words(json.loads(path.read_text()))  # from the file, as History reads it
    assert words == receipt_words(receipt)
    assert words.headline.startswith("Sent to Family on ") and "(UTC+00:00)" in words.headline
    assert words.policy == (f"Policy: {CUSTOM_LABEL}. It kept time; faces left as they are; neutral file "
                            "names; Live and motion photos with their video.")
    # Counted as the Share dialog counts: photos, and the files they are where the two differ.
    assert words.summary == (
        "2 photos left (3 files: one Live Photo's movie goes with its photo as a file of its own; one motion "
        "photo's video is inside its photo's file); 1 photo was withheld."
    )
    assert words.interrupted == ""
    lines = {f.name: f.line for f in words.sent}
    assert lines == {
        "photo-0001.jpg": "photo-0001.jpg: no metadata; with its Live Photo movie photo-0001.mov.",
        "photo-0001.mov": "photo-0001.mov: no metadata; the movie of the Live Photo photo-0001.jpg.",
        "photo-0002.jpg": "photo-0002.jpg: left with time and a short video (motion photo).",
    }
    # The policy removes hidden media and keeps motion: the receipt never says hidden media left, and
    # records the motion photo's video under its own key (its rows too).
    [motion] = [f for f in receipt["files"] if f["output"] == "photo-0002.jpg"]  # type: ignore[index]
    assert receipt["policy"]["categories"]["hidden_media"] == "remove"  # type: ignore[index]
    assert motion["motion_video"] is True and motion["categories"] == ["time"]
    assert {i["category"] for i in motion["items"]} == {"time", "motion_video"}
    assert not any("hidden_media" in f["categories"] for f in receipt["files"])  # type: ignore[union-attr]
    assert all(len(f.sha256) == 64 for f in words.sent)  # kept for the technical details
    # Under neutral names the receipt names no original: the withheld file is counted, never named.
    [held] = words.held
    assert held.name == "File 1" and "beach" not in " ".join(words.lines())
    assert held.reason and held.detail in json.dumps(receipt)
    assert "{" not in "\n".join(words.lines())  # words, not JSON


def test_a_policy_that_keeps_names_names_the_withheld_file_and_the_originals(
    tmp_path: Path, roll: Path, mem_keyring
) -> None:
    receipt, _ = _export(tmp_path, roll, "no-location")
    words = receipt_words(receipt)
    assert words.policy.startswith("Policy: no-location. It kept time, device, ")
    assert "original file names; Live and motion photos as the still alone" in words.policy
    assert [h.name for h in words.held] == ["beach.jpg"]
    assert {f.source for f in words.sent} == {"IMG_0001.JPG", "PXL_motion.jpg"}
    assert all(f"from {f.source}" in f.notes for f in words.sent)


def test_an_interrupted_export_says_so(tmp_path: Path) -> None:
    from core.pipeline.receipts import ExportResult, Withheld

    result = ExportResult(str(tmp_path), BUILTIN["minimal"], "Family", cancelled=True)
    result.withheld.append(Withheld("/x/a.jpg", "not exported: the export was cancelled"))
    words = receipt_words(build_receipt(result, "2024-05-01T10:00:00+02:00"))
    assert words.headline == "Sent to Family on Wed 1 May 2024, 10:00 (UTC+02:00)."
    assert words.interrupted.startswith("The export was stopped before its end")
    assert words.summary == "No photo left; 1 photo was withheld."
    assert words.held[0].reason == "Not sent: the export stopped before this file (the export was cancelled)."
    result.error = "the destination is full"
    stopped = receipt_words(build_receipt(result, "2024-05-01T10:00:00+02:00"))
    assert stopped.interrupted.startswith("The export stopped before its end: the destination is full.")


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("truncated JPEG: the file ends inside the image data", plain_error("truncated")),
        ("the cleaned file still carries Make (device), which the policy removes",
         "Not sent: the app could not prove its cleaned copy clean, so it kept it back."),
        ("Videos cannot have faces blurred yet, so this video was withheld.",
         plain_error("cannot have faces blurred yet")),
        ("the file changed since it was imported; rescan the library first",
         "The file changed since it was imported; rescan the library first."),
        ("the policy sends motion, but the video is damaged, so the photo is withheld",
         "The policy sends motion, but the video is damaged, so the photo is withheld."),
    ],
)
def test_why_a_file_was_withheld_in_one_sentence(reason: str, words: str) -> None:
    assert reason_words(reason) == words


def test_a_damaged_receipt_is_read_for_what_it_says() -> None:
    words = receipt_words({"recipient": 7, "created": "yesterday", "policy": "minimal",
                           "files": [{"output": "photo-0001.jpg", "categories": "time"}, "junk"],
                           "withheld": [{}]})
    assert words.headline == "Exported."
    assert words.policy == "Policy: not recorded in this receipt."
    assert [f.line for f in words.sent] == ["photo-0001.jpg: no metadata."]
    assert words.held[0].reason == "No reason recorded."


def test_a_receipt_written_before_the_motion_video_had_its_own_key_reads_the_same() -> None:
    old = {"output": "photo-0002.jpg", "categories": ["hidden_media", "time"], "items": [
        {"category": "hidden_media", "name": "XMP GCamera:MicroVideo", "where": "XMP"},
        {"category": "hidden_media", "name": "Motion-photo video (MP4)", "where": "after the JPEG end"},
        {"category": "time", "name": "Creation time", "where": "inside the motion-photo video"}]}
    [sent] = receipt_words({"files": [old]}).sent
    assert sent.carried == "left with time and a short video (motion photo)"
    thumb = {**old, "items": [*old["items"], {"category": "hidden_media", "name": "Thumbnail image",
                                              "where": "EXIF IFD1"}]}
    [sent] = receipt_words({"files": [thumb]}).sent
    assert sent.carried == "left with time, an embedded thumbnail and a short video (motion photo)"
