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
from tests.core import heic_fixtures as hf
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
    dialog shows the count), in order, and stops reading when cancelled."""
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
        assert len(read) == sharing_summary.PROGRESS_EVERY < n


def _receipt_removed(result: object, policy: object) -> Counter[str]:
    """Photos each label is removed from, from what the export really did: every row of the original
    (read again from its file) that the receipt does not list among what left, by the Share dialog's
    words for its category. A Live Photo's movie counts with its still; a motion photo's video that stays
    is one short video; rows of one that leaves count as removed from the photo; a Samsung trailer that
    records the capture time is a time that stays."""
    from core.formats.base import MOTION_KEY
    from core.library.sharing_summary import removed_label
    from core.model.inventory import Need
    from core.pipeline.description import MOTION_PREFIX, is_structure, sef_capture_moment
    from core.pipeline.inspection import inspect_path
    from core.pipeline.preview_words import LAYOUT

    entries = {e["output"]: e for e in result.receipt["files"]}  # type: ignore[attr-defined]
    photos: dict[str, set[str]] = {}
    for exported in result.exported:  # type: ignore[attr-defined]
        entry = entries[Path(exported.output).name]
        partner = entry.get("live_photo_with", "")
        is_movie = bool(partner) and entry["output"].lower().endswith(".mov")
        unit = photos.setdefault(partner if is_movie else entry["output"], set())
        left = {(i["name"], i["where"]) for i in entry["items"]}
        for item in inspect_path(exported.source).items:
            if item.need is Need.PIXELS or (item.name, item.where) in left:
                continue
            if item.key == MOTION_KEY or item.need is Need.MOTION or item.key.startswith(MOTION_PREFIX):
                if not entry.get("motion_video"):
                    unit.add(SHORT_VIDEO)
                elif item.key.startswith(MOTION_PREFIX):
                    unit.add(str(item.category))
                continue
            unit.add(LAYOUT if is_structure(item) else str(item.category))
            if sef_capture_moment([item]):
                unit.add(str(Category.TIME))  # Samsung's trailer records the capture time: the pane's Time
    return Counter(removed_label(key, policy) for keys in photos.values() for key in keys)  # type: ignore


def test_removed_says_everything_the_pane_lists_as_staying(tmp_path: Path, phone: Path,
                                                           mem_keyring) -> None:
    """Under a policy that sends the time and what displays the photo, the camera settings and the
    original's file name stay behind, as the preview pane says: Share's "Removed" says so too, and it is
    what the receipt shows did not leave."""
    from core.library.sample import make_sample_roll
    from core.library.sharing_summary import FILE_NAME_AND_DATE, OTHER_TECHNICAL
    from core.model.policy import load_policy

    make_sample_roll(phone, width=120, height=90)  # the sample roll's albums inside Phone
    policy = tmp_path / "family.toml"
    policy.write_text(
        'name = "family"\nmotion = "keep"\n[categories]\ntime = "keep"\ntechnical = "display"\n')
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([phone]))
        lib.add_recipient("Family", str(policy))
        lib.decide_album(lib.find_album(phone).id, "Family", Decision.ALLOWED)
        summary = summarize(lib, "Family")
        result = drive(lib.export_job("Family", tmp_path / "out"))
    # The Live Photos' movies (this folder's and the sample roll's) are files of their own.
    assert not result.withheld and summary.count.movies == 2
    assert len(result.exported) == summary.count.files == summary.photos + 2
    removed = dict(summary.removed)
    assert dict(_receipt_removed(result, load_policy(policy))) == removed
    # Every sample photo's camera settings stay (the pane's "Technical: camera settings"), and every
    # original's name and date (the pane's "File: name …, changed …").
    assert removed[OTHER_TECHNICAL] >= 12 and removed[FILE_NAME_AND_DATE] == summary.photos
    assert "Orientation and colour profile" in dict(summary.leaving)


def _sent_before(tmp_path: Path, lib: LibraryService) -> None:
    """Two plain photos sent to Family once; then two motion photos allowed too, not sent yet."""
    old, new = tmp_path / "Roll" / "Old", tmp_path / "Roll" / "New"
    make_jpeg(old / "a.jpg", 1)
    make_jpeg(old / "b.jpg", 2, gps=False)
    new.mkdir(parents=True)
    (new / "PXL_motion.jpg").write_bytes(mo.google())
    (new / "samsung_motion.jpg").write_bytes(mo.samsung())
    drive(lib.import_job([tmp_path / "Roll"]))
    lib.add_recipient("Family", _policy(tmp_path, "keep"))
    lib.decide_album(lib.find_album("Old").id, "Family", Decision.ALLOWED)
    drive(lib.export_job("Family", tmp_path / "first"))
    lib.decide_album(lib.find_album("New").id, "Family", Decision.ALLOWED)


def test_what_leaves_is_counted_for_the_photos_that_will_be_sent(tmp_path: Path, mem_keyring) -> None:
    """With photos sent before, the summary counts what leaves twice: for the photos not sent yet (what
    the export sends by default) and for all of them again; each is what that export's receipt says."""
    with LibraryService.open(tmp_path / "home") as lib:
        _sent_before(tmp_path, lib)
        summary = summarize(lib, "Family")
        only_new = drive(lib.export_job("Family", tmp_path / "new", only_new=True))
        again = drive(lib.export_job("Family", tmp_path / "again"))
        policy = lib.policy_of(lib.recipient("Family"))
    assert summary.to_send(only_new=True).photos == 2 == len(only_new.exported)
    assert summary.to_send(only_new=False).photos == 4 == len(again.exported)
    new, every = summary.outgoing(only_new=True), summary.outgoing(only_new=False)
    assert dict(new.leaving) == dict(_receipt_counts(only_new.receipt))
    assert dict(every.leaving) == dict(_receipt_counts(again.receipt))
    assert dict(new.removed) == dict(_receipt_removed(only_new, policy))
    assert dict(every.removed) == dict(_receipt_removed(again, policy))
    # The two old photos have a place; the new ones' videos are theirs alone.
    assert dict(new.leaving)[SHORT_VIDEO] == 2 == dict(every.leaving)[SHORT_VIDEO]
    assert dict(new.removed)["Location"] < dict(every.removed)["Location"]


@pytest.mark.parametrize("motion", ["keep", "remove"])
def test_live_and_motion_photos_are_said_only_as_they_leave(tmp_path: Path, phone: Path, motion: str,
                                                             mem_keyring) -> None:
    """One sentence per kind of moving photo among those that leave, as the export treats it: a Live
    Photo's movie is a file of its own, named like its still (as the export names it); a motion photo's
    video is inside the photo's file; or the still goes alone. Photos that are neither: no sentence."""
    from core.library.sharing_summary import moving_words

    plain_only = tmp_path / "Plain"
    make_jpeg(plain_only / "a.jpg", 3)
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([phone, plain_only]))
        lib.add_recipient("Family", _policy(tmp_path, motion))
        lib.decide_album(lib.find_album("Phone").id, "Family", Decision.ALLOWED)
        summary = summarize(lib, "Family")
        result = drive(lib.export_job("Family", tmp_path / "out"))
        lib.add_recipient("Friends", _policy(tmp_path, motion))
        lib.decide_album(lib.find_album("Plain").id, "Friends", Decision.ALLOWED)
        plain_summary = summarize(lib, "Friends")
    assert plain_summary.policy is not None and moving_words(plain_summary.policy, plain_summary.every) == []
    assert summary.policy is not None
    words = moving_words(summary.policy, summary.every)
    names = sorted(Path(e.output).name for e in result.exported)
    if motion == "keep":
        movie = next(n for n in names if n.endswith(".mov"))
        still = next(n for n in names if n != movie and Path(n).stem == Path(movie).stem)
        assert words == [
            "Live Photos: the still and its movie, both cleaned (photo-0001.jpg + photo-0001.mov).",
            "Motion photos: the video stays inside the photo's file, cleaned.",
        ]
        assert (Path(still).suffix, Path(movie).suffix) == (".jpg", ".mov")  # as the example says
    else:
        assert not [n for n in names if n.endswith(".mov")]
        assert words == [
            "Live Photos: the still only; the movie stays on this device.",
            "Motion photos: the still only; the video stays on this device.",
        ]


@pytest.mark.skipif(not hf.heic_encoder_available(), reason="no HEIC encoder")
def test_a_conversion_is_said_before_the_export_as_the_receipt_says_after(tmp_path: Path,
                                                                         mem_keyring) -> None:
    """Two HEICs (one a motion photo) leave as JPEGs: the summary says so before the export, with the
    count the receipt then records as re-encoded."""
    from core.library.sharing_summary import converted_words

    roll = tmp_path / "Roll"
    make_jpeg(roll / "Old" / "a.jpg", 1)
    (roll / "New").mkdir(parents=True)
    (roll / "New" / "IMG_0001.HEIC").write_bytes(hf.real_heic())
    (roll / "New" / "motion.heic").write_bytes(mo.heic())
    with LibraryService.open(tmp_path / "home") as lib:
        drive(lib.import_job([roll]))
        lib.add_recipient("Family", _policy(tmp_path, "keep"))
        lib.decide_album(lib.find_album("Old").id, "Family", Decision.ALLOWED)
        before = summarize(lib, "Family")
        drive(lib.export_job("Family", tmp_path / "first"))
        lib.decide_album(lib.find_album("New").id, "Family", Decision.ALLOWED)
        summary = summarize(lib, "Family")
        result = drive(lib.export_job("Family", tmp_path / "out", only_new=True))
    assert converted_words(before.every) == ""  # a JPEG leaves as it is
    said = converted_words(summary.outgoing(only_new=True))
    assert said == ("2 photos, from HEIC to JPEG: each picture is saved again at high quality, so none is an "
                    "exact copy of its original.")
    files = result.receipt["files"]
    assert isinstance(files, list) and not result.withheld
    reencoded = [f for f in files if f["pixels"] == "re-encoded"]
    assert len(reencoded) == 2 == len(files) and all(f["output"].endswith(".jpg") for f in reencoded)
    assert converted_words(summary.outgoing(only_new=False)) == said  # all again adds the JPEG, as it is
    # The receipt viewer says it in the same words after the export.
    from core.pipeline.receipt_words import receipt_words

    notes = [n for f in receipt_words(result.receipt).sent for n in f.notes if n.startswith("converted")]
    assert notes == ["converted to JPEG: the picture is saved again at high quality, so it is not an exact "
                     "copy of the original"] * 2
