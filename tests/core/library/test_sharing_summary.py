# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog's summary says what the export sends: checked against real exports of the same
photos (a Live Photo, a video, a Google and a Samsung motion photo, a plain photo), under a policy that
keeps motion and one that does not; the summary changes with the motion setting."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from core.library.consent import Decision
from core.library.service import LibraryService
from core.library.sharing_summary import SHORT_VIDEO, summarize
from core.model.categories import LABELS, Category
from core.model.jobs import drive
from tests.core import live_fixtures as live
from tests.core import motion_fixtures as mo
from tests.core import mp4_fixtures as fx
from tests.core.library.test_library import make_jpeg

pytest.importorskip("av")


@pytest.fixture
def phone(tmp_path: Path) -> Path:
    root = tmp_path / "Phone"
    make_jpeg(root / "plain.jpg", 1)
    (root / "PXL_motion.jpg").write_bytes(mo.google())
    (root / "samsung_motion.jpg").write_bytes(mo.samsung())
    live.still_jpeg(root / "IMG_0001.JPG")
    live.movie(root / "IMG_0001.MOV")
    fx.video_file(root / "clip.mp4", frames=10, size=(64, 48))
    return root


def _policy(tmp_path: Path, motion: str) -> str:
    path = tmp_path / f"family-{motion}.toml"
    path.write_text(f'name = "moving"\nmotion = "{motion}"\n[categories]\ntime = "keep"\n')
    return str(path)


def _receipt_counts(receipt: dict[str, object]) -> Counter[str]:
    """Photos carrying each label, as the receipt says: a Live Photo's movie counts with its still."""
    photos: dict[str, set[str]] = {}
    files = receipt["files"]
    assert isinstance(files, list)
    for entry in files:
        partner = entry.get("live_photo_with", "")
        is_movie = bool(partner) and entry["output"].lower().endswith(".mov")
        unit = photos.setdefault(partner if is_movie else entry["output"], set())
        unit |= {LABELS[Category(c)] for c in entry["categories"] if c not in ("faces", "file")}
        if entry.get("motion_video") or is_movie:
            unit.add(SHORT_VIDEO)
    return Counter(label for labels in photos.values() for label in labels)


@pytest.mark.parametrize("motion", ["keep", "remove"])
def test_the_summary_counts_what_the_receipt_says_left(tmp_path: Path, phone: Path, motion: str,
                                                       mem_keyring) -> None:
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([phone]))
        lib.add_recipient("Family", _policy(tmp_path, motion))
        lib.decide_album(lib.find_album("Phone").id, "Family", Decision.ALLOWED)
        summary = summarize(lib, "Family")
        result = drive(lib.export_job("Family", tmp_path / "out"))
        logged = lib.ledger_entries()[-1].data()
    assert not result.withheld
    # The policy removes hidden media: neither the receipt nor the ledger says hidden media left.
    assert logged["kind"] == "export" and not [
        f for f in logged["files"] if "hidden_media" in f["categories"]  # type: ignore[union-attr]
    ]
    assert not [f for f in result.receipt["files"] if "hidden_media" in f["categories"]]  # type: ignore
    assert dict(summary.leaving) == dict(_receipt_counts(result.receipt))
    leaving, removed = dict(summary.leaving), dict(summary.removed)
    if motion == "keep":
        # The plain photo and the video have a time, the motion photos' videos each one; the Live Photo's
        # movie leaves with its still.
        assert leaving == {"Time": 4, SHORT_VIDEO: 3}
        assert "Hidden media" not in leaving and SHORT_VIDEO not in removed
    else:
        assert leaving == {"Time": 2}  # the motion photos' times stay in their videos
        assert removed[SHORT_VIDEO] == 3
    assert "Hidden media" in removed  # Samsung's trailer never leaves


def test_the_summary_changes_with_the_motion_setting(tmp_path: Path, phone: Path, mem_keyring) -> None:
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([phone]))
        lib.add_recipient("Family", _policy(tmp_path, "keep"))
        lib.decide_album(lib.find_album("Phone").id, "Family", Decision.ALLOWED)
        keeping = summarize(lib, "Family")
        lib.set_recipient_policy("Family", _policy(tmp_path, "remove"))
        removing = summarize(lib, "Family")
    assert dict(keeping.leaving)["Time"] == 4 and dict(removing.leaving)["Time"] == 2
    assert keeping.photos == removing.photos


def _allowed_roll(tmp_path: Path, lib: LibraryService, n: int) -> None:
    root = tmp_path / "Roll"
    for i in range(n):
        when = f"2024:05:01 10:{i // 60:02d}:{i % 60:02d}"  # every photo distinct
        make_jpeg(root / f"IMG_{i:04d}.jpg", i, when=when)
    drive(lib.import_job([root]))
    lib.add_recipient("Family", "minimal")
    lib.decide_album(lib.find_album("Roll").id, "Family", Decision.ALLOWED)


def test_a_large_selection_says_how_far_it_got_and_stops_when_cancelled(
    tmp_path: Path, mem_keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary reads every photo it would send: on a large selection it reports the files read (the
    dialog shows the count), reads them two at a time in order, and stops reading when cancelled."""
    from core.library import sharing_summary
    from core.model.jobs import CancelToken, Progress

    n = 2 * sharing_summary.PROGRESS_EVERY + 7
    with LibraryService.open(tmp_path / "home") as lib:
        _allowed_roll(tmp_path, lib, n)
        seen: list[Progress] = []
        whole = drive(sharing_summary.summary_job(lib, "Family"), seen.append)
        assert [(p.done, p.total) for p in seen] == [(50, n), (100, n)]
        assert seen[-1].message == f"Reading the photos: 100 of {n}"
        assert whole.photos == n and whole.count.photos == n
        assert max(count for _label, count in whole.leaving) == n  # the picture leaves with every one
        assert whole == summarize(lib, "Family")  # the same answer whichever way it is run

        read: list[Path] = []
        plan = sharing_summary._plan

        def counted(path: Path, policy: object) -> object:
            read.append(path)
            return plan(path, policy)

        monkeypatch.setattr(sharing_summary, "_plan", counted)
        token = CancelToken()
        job = sharing_summary.summary_job(lib, "Family", token)
        first = next(job)
        assert first.done == sharing_summary.PROGRESS_EVERY
        token.cancel()
        with pytest.raises(StopIteration):
            next(job)
        # What was being read when it stopped finishes; nothing after it is started.
        assert len(read) <= sharing_summary.PROGRESS_EVERY + 2 * sharing_summary.PLANNERS + 1 < n
