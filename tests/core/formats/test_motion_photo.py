# SPDX-License-Identifier: GPL-3.0-or-later
"""Motion photos (Google MotionPhoto/MicroVideo JPEGs and HEICs, Samsung SEF ``MotionPhoto_Data``): the
video is itemised by the MP4 handler, as children of the video; a policy that removes motion removes the
video and every pointer to it; a policy that sends motion carries the video cleaned as a video, after the
still, with pointers that locate it exactly; damaged input is withheld in one sentence."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from core.formats.base import MOTION_KEY, Cleaned
from core.model.categories import Category
from core.model.inventory import Item, Need
from core.model.policy import BUILTIN, Action, Policy
from core.model.values import Coordinates, Moment
from core.pipeline.cleaning import process_file
from core.pipeline.inspection import inspect_path, open_readonly
from core.pipeline.preview import make_preview, plan_file
from core.pipeline.verification import verify_clean
from tests.core import motion_fixtures as mo
from tests.core import mp4_fixtures as mf
from tests.oracle import CORPUS, needs_corpus, needs_exiftool

MINIMAL = BUILTIN["minimal"]
MINIMAL_MOTION = dataclasses.replace(MINIMAL, name="minimal-motion", motion=Action.KEEP)
NO_LOCATION_MOTION = dataclasses.replace(BUILTIN["no-location"], name="no-location-motion",
                                         motion=Action.KEEP)
POINTERS = (b"MotionPhoto", b"MicroVideo", b"Container", b"GCamera", b"ftyp")


def children(items: list[Item]) -> list[Item]:
    return [i for i in items if i.key.startswith(f"{MOTION_KEY}/")]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def export(path: Path, policy: Policy) -> bytes:
    outcome = process_file(path, policy)
    assert not outcome.reason, outcome.reason
    return outcome.data


def exiftool(path: Path, *args: str) -> str:
    return subprocess.run(["exiftool", "-a", "-G1", "-ee", *args, str(path)], capture_output=True,
                          check=True).stdout.decode("utf-8", "replace")


# --- inspect ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [mo.google, mo.samsung], ids=["google", "samsung"])
def test_inspect_shows_the_videos_own_metadata_as_children(tmp_path: Path, build: object) -> None:
    data = build()  # type: ignore[operator]
    inventory = inspect_path(write(tmp_path, "motion.jpg", data))
    assert inventory.ok, inventory.error
    video = next(i for i in inventory.items if i.key == MOTION_KEY)
    assert video.category is Category.HIDDEN_MEDIA and video.need is Need.MOTION and video.carriable
    assert video.bytes == len(mo.video())  # the MP4 alone: a SEF directory after it is an item of its own
    found = children(inventory.items)
    where = next(c for c in found if c.category is Category.LOCATION and isinstance(c.datum, Coordinates))
    assert round(where.datum.latitude, 4) == mo.LAT and round(where.datum.longitude, 4) == mo.LON  # type: ignore[union-attr]
    assert any(c.category is Category.TIME and isinstance(c.datum, Moment)
               and c.datum.when.year == 2021 for c in found)
    device = {c.value for c in found if c.category is Category.DEVICE}
    assert {"CANARY-VIDEO-MAKER", "CANARY-VIDEO-PHONE"} <= device
    assert any(c.value == "CANARY-VIDEO-TITLE" and c.category is Category.DESCRIPTION for c in found)
    # Every byte is still accounted for, the video in its own segment.
    assert inventory.accounted_bytes() == len(data)
    assert any(s.offset == data.find(b"ftyp") - 4 and s.length == len(mo.video()) for s in inventory.segments)


def test_the_samsung_sef_records_are_listed_and_never_carried(tmp_path: Path) -> None:
    inventory = inspect_path(write(tmp_path, "sef.jpg", mo.samsung()))
    sef = next(i for i in inventory.items if "Samsung SEF trailer" in i.value)
    assert sef.category is Category.HIDDEN_MEDIA and not sef.carriable
    assert "MotionPhoto_Data" in sef.value and "Image_UTC_Data" in sef.value


# --- motion removed -------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [mo.google, mo.samsung, lambda: mo.samsung(xmp=True)],
                         ids=["google", "samsung", "samsung+xmp"])
def test_without_motion_no_video_and_no_pointer_leaves(tmp_path: Path, build: object) -> None:
    path = write(tmp_path, "motion.jpg", build())  # type: ignore[operator]
    for policy in (MINIMAL, BUILTIN["no-location"]):
        data = export(path, policy)
        for marker in (*POINTERS, b"CANARY", b"SEFH", b"SEFT", b"MotionPhoto_Data"):
            assert marker not in data, (policy.name, marker)
        # The still's own XMP is filtered as ever: what the policy keeps of it stays.
        assert (b"PhoneCamera 1.0" in data) is (policy.action(Category.HISTORY) is Action.KEEP
                                                and build is mo.google)
        out = write(tmp_path, f"clean-{policy.name}.jpg", data)
        inventory = inspect_path(out)
        assert not any(i.need is Need.MOTION or i.key.startswith(MOTION_KEY) for i in inventory.items)
        if shutil.which("exiftool"):
            text = exiftool(out)
            assert "Embedded Video" not in text and "GCamera" not in text and "Container" not in text


def test_the_preview_says_why_the_video_stays(tmp_path: Path) -> None:
    inventory = inspect_path(write(tmp_path, "motion.jpg", mo.google()))
    preview = make_preview(inventory, BUILTIN["no-location"])  # keeps time and device, not motion
    stays = {s.item.key: s.reason for s in preview.stays}
    assert "without its motion video" in stays[MOTION_KEY]
    assert "without its motion video" in stays["xmp:GCamera:MicroVideoOffset"]
    # The video's device keys would leave by their category, but they are inside a video that stays.
    make = next(c.key for c in children(inventory.items) if c.value == "CANARY-VIDEO-MAKER")
    assert stays[make].startswith("inside media that stays")


# --- motion sent ------------------------------------------------------------------------------------


def assert_motion_photo(data: bytes, source_clip: bytes, timestamp: int = mo.TIMESTAMP_US) -> bytes:
    """The cleaned file is a still followed by one MP4 that its pointers locate exactly; that MP4 plays
    (first and last frames as the source's) and holds the source's samples. Returns the MP4."""
    clip = mo.embedded_video(data)
    start = len(data) - len(clip)
    assert data[start - 2 : start] == b"\xff\xd9"  # the video directly follows the still's EOI
    assert b'GCamera:MotionPhoto="1"' in data
    assert f'Item:Length="{len(clip)}"'.encode() in data
    assert f'GCamera:MotionPhotoPresentationTimestampUs="{timestamp}"'.encode() in data
    assert mf.frames(clip)[2] == mf.frames(source_clip)[2]
    assert mf.frames(clip)[:2] == mf.frames(source_clip)[:2]
    assert mf.track_samples(clip) == mf.track_samples(source_clip)
    return clip


def test_minimal_with_motion_carries_a_clean_video_the_pointers_locate(tmp_path: Path) -> None:
    path = write(tmp_path, "motion.jpg", mo.google())
    data = export(path, MINIMAL_MOTION)
    clip = assert_motion_photo(data, mo.video())
    assert f'GCamera:MicroVideoOffset="{len(clip)}"'.encode() in data  # from the video's start to the end
    for canary in (b"CANARY", b"46.5197", b"+46.", b"2021-03-31"):
        assert canary not in data, canary
    out = inspect_path(write(tmp_path, "clean.jpg", data))
    assert out.ok and not [c for c in children(out.items) if c.category is not Category.TECHNICAL]


def test_a_policy_that_keeps_devices_keeps_them_inside_the_video_too(tmp_path: Path) -> None:
    path = write(tmp_path, "motion.jpg", mo.google())
    data = export(path, NO_LOCATION_MOTION)
    clip = assert_motion_photo(data, mo.video())
    assert b"CANARY-VIDEO-PHONE" in clip and b"CANARY-VIDEO-TITLE" in clip
    assert b"46.5197" not in data and b"+46." not in data
    inside = {c.value for c in children(inspect_path(write(tmp_path, "clean.jpg", data)).items)}
    assert "CANARY-VIDEO-PHONE" in inside and not any("46.5197" in v for v in inside)


@pytest.mark.parametrize("xmp", [False, True], ids=["sef", "sef+xmp"])
def test_a_samsung_sef_motion_photo_leaves_in_googles_layout(tmp_path: Path, xmp: bool) -> None:
    path = write(tmp_path, "sef.jpg", mo.samsung(xmp=xmp))
    data = export(path, MINIMAL_MOTION)
    # A SEF trailer gives no timestamp ("not specified"); Google's pointers beside it give theirs.
    clip = assert_motion_photo(data, mo.video(), timestamp=mo.TIMESTAMP_US if xmp else -1)
    assert (f'GCamera:MicroVideoOffset="{len(clip)}"'.encode() in data) is xmp
    for marker in (b"SEFH", b"SEFT", b"MotionPhoto_Data", b"Image_UTC_Data", b"CANARY"):
        assert marker not in data, marker


def test_a_heic_motion_photo_leaves_as_a_jpeg_motion_photo(tmp_path: Path) -> None:
    from tests.core import heic_fixtures as hf

    if not hf.heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    path = write(tmp_path, "motion.heic", mo.heic())
    inventory = inspect_path(path)
    assert any(c.value == "CANARY-VIDEO-PHONE" for c in children(inventory.items))
    assert not any(b"ftyp" in export(path, p) for p in (MINIMAL, BUILTIN["no-location"]))
    outcome = process_file(path, MINIMAL_MOTION)
    assert not outcome.reason, outcome.reason
    assert outcome.extension == ".jpg" and outcome.data[:2] == b"\xff\xd8"
    assert_motion_photo(outcome.data, mo.video(), timestamp=-1)
    assert b"CANARY" not in outcome.data


@needs_exiftool
def test_exiftool_reads_the_export_as_a_motion_photo_without_the_removed_metadata(tmp_path: Path) -> None:
    path = write(tmp_path, "motion.jpg", mo.google())
    out = write(tmp_path, "clean.jpg", export(path, MINIMAL_MOTION))
    clip = mo.embedded_video(out.read_bytes())
    text = exiftool(out)
    assert "Motion Photo                    : 1" in text
    assert f"Micro Video Offset              : {len(clip)}" in text
    assert f"Directory Item Length           : {len(clip)}" in text
    # ExifTool finds the video where the pointers say: the bytes it extracts are the MP4.
    extracted = subprocess.run(["exiftool", "-ee", "-b", "-EmbeddedVideo", str(out)], capture_output=True,
                               check=True).stdout
    assert extracted == clip
    inner = exiftool(write(tmp_path, "inner.mp4", extracted))
    for canary in ("CANARY", "46.5197", "46 deg", "2021:03:31"):
        assert canary not in inner and canary not in text, canary
    assert "Track Duration" in inner  # ExifTool reads it as a movie


# --- the verifier -----------------------------------------------------------------------------------


def cleaned_and_plan(tmp_path: Path, data: bytes, policy: Policy) -> tuple[bytes, Cleaned, object]:
    path = write(tmp_path, "motion.jpg", data)
    with open_readonly(path) as (buf, st):
        source = bytes(buf)
        plan = plan_file(path, buf, st, policy)
        assert plan.ok and plan.handler is not None and plan.parsed is not None
        cleaned = plan.handler.clean(buf, plan.parsed, plan.preview.leaving_keys)
        assert verify_clean(policy, plan.preview, buf, plan.parsed, cleaned) == ""
    return source, cleaned, plan


def verdict(source: bytes, plan: object, policy: Policy, data: bytes) -> str:
    return verify_clean(policy, plan.preview, source, plan.parsed, Cleaned(data, "unchanged", ".jpg"))  # type: ignore[attr-defined]


def test_the_verifier_refuses_pointers_that_miss_the_video(tmp_path: Path) -> None:
    source, cleaned, plan = cleaned_and_plan(tmp_path, mo.google(), MINIMAL_MOTION)
    clip = mo.embedded_video(cleaned.data)
    good = f'GCamera:MicroVideoOffset="{len(clip)}"'.encode()
    bad = f'GCamera:MicroVideoOffset="{len(clip) + 8}"'.encode()
    assert good in cleaned.data
    reason = verdict(source, plan, MINIMAL_MOTION, cleaned.data.replace(good, bad[: len(good)]))
    assert "MicroVideoOffset points at byte" in reason and "instead of at its video" in reason, reason


def test_the_verifier_refuses_changed_samples_and_a_missing_video(tmp_path: Path) -> None:
    source, cleaned, plan = cleaned_and_plan(tmp_path, mo.google(), MINIMAL_MOTION)
    data = cleaned.data
    # One byte of the last sample flipped: same layout, different media.
    tampered = data[:-1] + bytes([data[-1] ^ 0xFF])
    assert "changed during the clean" in verdict(source, plan, MINIMAL_MOTION, tampered)
    still = data[: len(data) - len(mo.embedded_video(data))]
    assert verdict(source, plan, MINIMAL_MOTION, still)  # pointers to nothing, and no video: refused


def test_the_verifier_refuses_a_video_the_policy_removes(tmp_path: Path) -> None:
    source, cleaned, plan = cleaned_and_plan(tmp_path, mo.google(), MINIMAL)
    reason = verdict(source, plan, MINIMAL, cleaned.data + mo.video())
    assert reason == "the cleaned file still holds the motion photo's video, which the policy removes"


# --- bad input ----------------------------------------------------------------------------------------


def one_sentence(reason: str) -> None:
    assert reason and reason.count(". ") == 0 and "\n" not in reason and "Traceback" not in reason


def test_an_offset_pointing_outside_the_file_is_withheld_when_motion_is_sent(tmp_path: Path) -> None:
    clip = mo.video()
    path = write(tmp_path, "bad.jpg", mo.google(offset=10 * len(clip) + 10**6))
    video = next(i for i in inspect_path(path).items if i.key == MOTION_KEY)
    assert not video.carriable and "outside the file" in video.note
    outcome = process_file(path, MINIMAL_MOTION)
    assert not outcome.data and "outside the file" in outcome.reason
    one_sentence(outcome.reason)
    # Without motion the still leaves as ever, with nothing of the video.
    data = export(path, MINIMAL)
    assert not any(p in data for p in POINTERS)


def test_a_truncated_video_in_the_trailer_is_withheld_when_motion_is_sent(tmp_path: Path) -> None:
    clip = mo.video()
    cut = clip[: len(clip) // 2]
    path = write(tmp_path, "cut.jpg", mo.with_xmp(mo.still(), mo.packet(len(clip))) + cut)
    inventory = inspect_path(path)
    assert inventory.ok, inventory.error
    video = next(i for i in inventory.items if i.key == MOTION_KEY)
    assert not video.carriable and "video is damaged (truncated MP4" in video.note
    outcome = process_file(path, MINIMAL_MOTION)
    assert not outcome.data and "withheld" in outcome.reason and "video" in outcome.reason
    one_sentence(outcome.reason)
    assert not any(p in export(path, MINIMAL) for p in POINTERS)


def test_blurring_faces_withholds_a_motion_photo_whose_video_would_leave(tmp_path: Path) -> None:
    inventory = inspect_path(write(tmp_path, "motion.jpg", mo.google()))
    blur_motion = dataclasses.replace(BUILTIN["blur-faces"], motion=Action.KEEP)
    preview = make_preview(inventory, blur_motion)
    assert "faces in videos cannot be blurred" in preview.error and not preview.leaves
    assert not make_preview(inventory, BUILTIN["blur-faces"]).error


# --- real motion photos (the shared corpus) -----------------------------------------------------------

CORPUS_MOTION = ["jpeg/PXL_20200710_061629144.MP.jpg", "heic/motionphoto.heic"]


@needs_corpus
@pytest.mark.parametrize("name", CORPUS_MOTION)
def test_a_real_motion_photo_leaves_with_or_without_its_video(tmp_path: Path, name: str) -> None:
    from core.pipeline.inspection import parse_buffer

    source = CORPUS / name
    _, parsed = parse_buffer(source.read_bytes())
    assert parsed.motion is not None and not parsed.motion.problem
    clip = source.read_bytes()[parsed.motion.start : parsed.motion.end]
    inventory = inspect_path(source)
    assert any(c.category is Category.TIME for c in children(inventory.items))
    assert not any(b"ftyp" in export(source, p) for p in (MINIMAL, BUILTIN["no-location"]))
    data = export(source, NO_LOCATION_MOTION)
    out_clip = mo.embedded_video(data)
    assert mf.track_samples(out_clip) == mf.track_samples(clip)
    first, last, count = mf.frames(out_clip)
    assert (first, last, count) == mf.frames(clip)
    out = write(tmp_path, "clean.jpg", data)
    assert not any(c.category is Category.LOCATION for c in children(inspect_path(out).items))
    if shutil.which("exiftool"):
        extracted = subprocess.run(["exiftool", "-ee", "-b", "-EmbeddedVideo", str(out)], capture_output=True,
                                   check=True).stdout
        assert extracted == out_clip
        inner = exiftool(write(tmp_path, "inner.mp4", extracted))
        assert "GPS" not in inner and "Location" not in inner
