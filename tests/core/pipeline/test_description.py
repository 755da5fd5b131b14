# SPDX-License-Identifier: GPL-3.0-or-later
"""The plain-language description: table-driven over items, then over real generated files and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.cli.main import main
from core.library.consent import Decision, consent_of
from core.library.sample import make_sample_roll
from core.library.service import LibraryService
from core.metadata.places import gazetteer_available
from core.model.categories import Category
from core.model.inventory import Item, Need
from core.model.jobs import drive
from core.model.values import ByteSize, Coordinates, Moment, PersonName, SerialNumber
from core.pipeline.description import PICTURE, Risk, describe, plain_error
from core.pipeline.inspection import inspect_path

ENDS = "This file is damaged: it ends in the middle of the picture."
DAMAGED = "This file is damaged: the picture inside cannot be read."
L, T, D, P = Category.LOCATION, Category.TIME, Category.DEVICE, Category.PEOPLE


def item(cat: Category, name: str, value: str, key: str = "", size: int = 12, **kw: object) -> Item:
    return Item(cat, name, value, "test", size, key or f"exif:{name}", **kw)  # type: ignore[arg-type]


GPS = [
    item(L, "GPSLatitudeRef", "N"),
    item(L, "GPSLatitude", "64.146600"),
    item(L, "GPSLongitudeRef", "W"),
    item(L, "GPSLongitude", "21.942600"),  # unsigned, the reference says west
    item(L, "GPSAltitudeRef", "0"),
    item(L, "GPSAltitude", "35 m"),
    item(L, "GPSVersionID", "2.2.0.0"),
]

# (items, category, text that must appear, text that must not appear, risk)
CASES = [
    (GPS, "location", "(64.1466, −21.9426), altitude 35 m", "GPSLatitude", Risk.HIGH),
    ([item(L, "Position", "", datum=Coordinates(48.8583, 2.2945, None))], "location", "(48.8583, 2.2945)",
     "altitude", Risk.HIGH),
    # Below sea level by less than half a metre is at sea level: "0 m", never "−0 m"; so for a degree.
    ([item(L, "Position", "", datum=Coordinates(48.8583, 2.2945, -0.3))], "location", "altitude 0 m", "−0",
     Risk.HIGH),
    ([item(L, "Position", "", datum=Coordinates(-0.00001, -2.5, -12.4))], "location",
     "(0.0000, −2.5000), altitude −12 m", "−0.0000", Risk.HIGH),
    ([item(L, "XMP photoshop:City", "Reykjavík", "xmp:photoshop:City")], "location", "Reykjavík", "GPS",
     Risk.HIGH),
    ([item(L, "GPSVersionID", "2.2.0.0")], "location", "without a position", "2.2.0.0", Risk.LOW),
    ([item(T, "DateTimeOriginal", "2025-02-20T12:10:33"), item(T, "OffsetTimeOriginal", "+05:00"),
      item(T, "ModifyDate", "2026-01-01T00:00:00")], "time", "Thu 20 Feb 2025, 12:10 (UTC+05:00)", "2026",
     Risk.MEDIUM),
    ([item(T, "DateTimeOriginal", "2024:05:03 09:12:44")], "time", "Fri 3 May 2024, 09:12 (no time zone)",
     "UTC", Risk.MEDIUM),
    ([item(T, "XMP xmp:CreateDate", "2023-10-31T11:44:00-03:30", "xmp:xmp:CreateDate")], "time",
     "Tue 31 Oct 2023, 11:44 (UTC−03:30)", "+", Risk.MEDIUM),
    ([item(T, "When", "?", datum=Moment(datetime(2020, 1, 2, 3, 4, tzinfo=UTC)))], "time",
     "Thu 2 Jan 2020, 03:04 (UTC+00:00)", "?", Risk.MEDIUM),
    ([item(D, "Make", "Pixelfone"), item(D, "Model", "Pixelfone 8 Pro"),
      item(D, "SerialNumber", "PF8P-2023-0042-7781")], "device", "Pixelfone 8 Pro, with its serial number",
     "PF8P", Risk.HIGH),
    ([item(D, "Make", "Canon"), item(D, "Model", "EOS R5")], "device", "Canon EOS R5", "serial", Risk.MEDIUM),
    ([item(D, "Make", "X"), item(D, "BodyId", "77", datum=SerialNumber("77", "body"))], "device",
     "with its serial number", "77", Risk.HIGH),
    ([item(P, "Artist", "Alex Sample"), item(P, "XMP dc:creator", "Alex Sample", "xmp:dc:creator"),
      item(P, "XMP mwg-rs:Regions", "2 face regions: Ann, Bo", "xmp:mwg-rs:Regions")], "people",
     "“Alex Sample” named as the author; 2 named face regions (“Ann”, “Bo”)", "Artist", Risk.HIGH),
    ([item(P, "Owner", "?", datum=PersonName("Kim Lee", "owner")), item(P, "XMP xmpRights:Marked", "True")],
     "people", "“Kim Lee” named as the owner; 1 other field about people", "True", Risk.HIGH),
    ([item(Category.DESCRIPTION, "ImageDescription", "Picnic by the tower")], "description",
     "caption “Picnic by the tower”", "ImageDescription", Risk.MEDIUM),
    ([item(Category.HIDDEN_MEDIA, "Compression", "6"), item(Category.HIDDEN_MEDIA, "ThumbnailImage",
      "1874 bytes (JPEG image)", size=1874), item(Category.HIDDEN_MEDIA, "MotionPhotoVideo", "video",
      "jpeg:trailer:video", size=10, datum=ByteSize(2_100_000))], "hidden_media",
     "a motion-photo video (2.1 MB) and an embedded thumbnail (1.9 KB)", "Compression", Risk.HIGH),
    ([item(Category.HISTORY, "XMP xmp:CreatorTool", "PixelCamera 8.4.2", "xmp:xmp:CreatorTool")], "history",
     "made with PixelCamera 8.4.2", "XMP", Risk.LOW),
    ([item(Category.HISTORY, "Track handler name", "Core Media Video", "mp4:track1:handler-name"),
      item(Category.HISTORY, "Track handler name", "Core Media Audio", "mp4:track2:handler-name"),
      item(Category.HISTORY, "Track handler name", "Core Media Video", "mp4:track3:handler-name")], "history",
     "the video names the program or device that wrote it (“Core Media Video” and “Core Media Audio”)",
     "edit record", Risk.LOW),
    ([item(D, "Camera make", "Apple", "mp4:meta:com.apple.quicktime.make"),
      item(D, "Camera model", "iPhone 15", "mp4:meta:com.apple.quicktime.model"),
      item(D, "Software", "17.4", "mp4:meta:com.apple.quicktime.software")], "device", "Apple iPhone 15",
     "camera field", Risk.MEDIUM),
    ([item(Category.TECHNICAL, "ICC colour profile", "Display P3, 536 B", "jpeg:icc", need=Need.DISPLAY),
      item(Category.TECHNICAL, "ExposureTime", "0.00303"), item(Category.TECHNICAL, "FNumber", "168/100")],
     "technical", "colour profile Display P3; camera settings (1/330 s, f/1.68)", "0.00303", Risk.LOW),
    ([item(Category.TECHNICAL, "JPEG image data", "1200×900 baseline, 3 components", "jpeg:image",
           need=Need.PIXELS),
      item(Category.TECHNICAL, "JFIF header", "version 1.01, density 1×1", "jpeg:jfif", need=Need.DISPLAY),
      item(Category.TECHNICAL, "Orientation", "1 (Horizontal (normal))", need=Need.PIXELS)],
     PICTURE, "1200 × 900 pixels", "JFIF", Risk.LOW),
    ([item(Category.UNKNOWN, "Unknown APP9", "100 bytes", size=100)], "unknown", "cannot read (100 B)",
     "APP9",
     Risk.MEDIUM),
]


@pytest.mark.parametrize(("items", "category", "says", "hides", "risk"), CASES)
def test_each_category_in_plain_words(items, category, says, hides, risk) -> None:
    facts = describe(items)
    assert [f.category for f in facts] == [category]
    fact = facts[0]
    assert says in fact.text
    assert hides not in fact.text
    assert fact.risk is risk
    assert fact.items == tuple(items)  # the raw details stay available
    assert fact.to_json() == {"category": category, "text": fact.text, "risk": str(risk)}


def test_structure_is_never_listed_as_metadata() -> None:
    facts = describe(CASES[-2][0] + GPS)
    assert [f.category for f in facts] == [PICTURE, "location"]
    assert not any("JFIF" in f.text or "density" in f.text for f in facts)


@pytest.mark.skipif(not gazetteer_available(), reason="offline gazetteer not installed")
def test_location_is_named_from_the_offline_gazetteer() -> None:
    fact = describe(GPS)[0]
    assert fact.text.startswith("near ") and "Iceland" in fact.text


def test_moment_offsets_both_ways() -> None:
    east = describe([item(T, "When", "", datum=Moment(datetime(2025, 2, 20, 12, 10,
                                                               tzinfo=timezone(timedelta(hours=5)))))])
    assert east[0].text == "Thu 20 Feb 2025, 12:10 (UTC+05:00)"


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        ("truncated JPEG: the file ends inside the image data", ENDS),
        ("OSError: image file is truncated (3 bytes not processed)", ENDS),
        ("not a photo: the file contains text", "This is a text file with a photo's name."),
        ("empty file (0 bytes)", "This file is empty: it holds no picture."),
        ("cannot read the file: permission denied", "The app is not allowed to read this file."),
        ("damaged PNG: the IHDR header chunk fails its checksum", DAMAGED),
    ],
)
def test_errors_in_words(error: str, sentence: str) -> None:
    assert plain_error(error) == sentence


def test_sample_photo_described_from_the_real_file(tmp_path: Path) -> None:
    roll = make_sample_roll(tmp_path / "roll", width=240, height=180)
    inv = inspect_path(roll / "Paris" / "IMG_1002.jpg")
    facts = {f.category: f for f in describe(inv.items)}
    assert "(48.8583, 2.2945), altitude 35 m" in facts["location"].text
    assert facts["time"].text == "Fri 3 May 2024, 11:40 (UTC+02:00)"
    assert facts["device"].text.startswith("Pixelfone 8 Pro") and "serial number" in facts["device"].text
    assert facts["people"].text == "“Alex Sample” named as the author"
    assert facts["description"].text == "caption “Picnic by the tower”"
    assert facts["hidden_media"].text.startswith("an embedded thumbnail (")
    assert facts[PICTURE].text == "240 × 180 pixels"
    assert {f.category for f in describe(inv.items) if f.risk is Risk.HIGH} == {
        "location", "device", "people", "hidden_media"}


def test_preview_json_has_summary_and_consent(tmp_path: Path, capsys, mem_keyring) -> None:
    roll = make_sample_roll(tmp_path / "roll", width=240, height=180)
    home = tmp_path / "home"
    with LibraryService.open(home) as lib:
        drive(lib.import_job([roll]))
        lib.add_recipient("Family", "minimal")
        paris = lib.find_album(roll / "Paris")
        lib.decide_album(paris.id, "Family", Decision.ALLOWED)
    photo, other = roll / "Paris" / "IMG_1001.jpg", roll / "Kyoto" / "IMG_2001.jpg"
    code = main(["--home", str(home), "preview", "--json", "--recipient", "Family", str(photo), str(other)])
    assert code == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert files[0]["consent"] == {"state": "shared", "because": "album Paris is shared"}
    assert files[1]["consent"]["state"] == "private"
    assert "private until you share them" in files[1]["consent"]["because"]
    # minimal removes everything but the picture itself
    assert files[0]["summary"] == [{"category": PICTURE, "text": "240 × 180 pixels", "risk": "low"}]
    assert "leaves" in files[0] and "stays" in files[0]

    code = main(["--home", str(home), "preview", "--recipient", "Family", str(other)])
    text = capsys.readouterr().out.splitlines()
    assert text[1].startswith("  Private from Family — nothing leaves (nothing was decided yet")
    assert " Would leave if you shared it:" in text


def test_preview_json_summary_under_original(tmp_path: Path, capsys) -> None:
    roll = make_sample_roll(tmp_path / "roll", width=240, height=180)
    photo = roll / "Iceland" / "IMG_3001.jpg"
    assert main(["preview", "--json", "--policy", "original", str(photo)]) == 0
    doc = json.loads(capsys.readouterr().out)["files"][0]
    assert "consent" not in doc
    categories = [s["category"] for s in doc["summary"]]
    assert categories[0] == PICTURE and "location" in categories
    assert doc["summary"] == [f.to_json() for f in describe(inspect_path(photo).items)]


def test_consent_reasons() -> None:
    from core.library.consent import resolve

    assert consent_of(resolve(None, [("People", False)])).because == "album People is private"
    overridden = consent_of(resolve(True, [("People", False)]))
    assert overridden.shared
    assert overridden.because == "you made this photo shared, although album People is private"
    private = consent_of(resolve(None, [("People", False)]))
    assert private.headline("Meta") == "Private from Meta — nothing leaves"


def test_a_videos_device_line_names_its_camera_and_not_what_wrote_its_tracks(tmp_path: Path) -> None:
    pytest.importorskip("av")
    import os

    from core.model.policy import BUILTIN
    from core.pipeline.preview import plan_file
    from tests.core import mp4_fixtures as fx

    path = fx.video_file(tmp_path / "clip.mp4")
    data = path.read_bytes()
    preview = plan_file(path, data, os.stat(path), BUILTIN["original"]).preview
    facts = {f.category: f for f in describe(preview.leaves)}
    device = facts["device"]
    # The camera by its name; the tracks' handler names are not counted as camera fields.
    assert device.text.startswith("CANARY-Make CANARY-Model")
    handlers = [i for i in preview.leaves if i.key.endswith(":handler-name")]
    assert handlers and not any(i in device.items for i in handlers)
    assert "the video names the program or device that wrote it" in facts["history"].text
    assert "VideoHandler" in facts["history"].text
