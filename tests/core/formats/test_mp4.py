# SPDX-License-Identifier: GPL-3.0-or-later
"""MP4/MOV videos: the inventory finds every planted value; a clean removes each, keeps the video and
sound samples byte for byte and still plays (decoded with PyAV); damaged files are clear errors."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.formats import handler_for, handler_named
from core.formats.mp4_metadata import iso6709
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from core.model.policy import BUILTIN
from core.model.values import Coordinates, Moment
from core.pipeline.export import process_file
from core.pipeline.inspection import parse_buffer
from tests.core import mp4_fixtures as fx
from tests.core.heic_fixtures import rich_heif
from tests.oracle import needs_exiftool

pytest.importorskip("av")

WHEN = datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)
SAMPLES = {
    "mov": lambda: fx.encoded("mov"),
    "mp4": lambda: fx.encoded("mp4"),
    "mp4-faststart": lambda: fx.encoded("mp4", faststart=True),
    "rich": lambda: fx.rich(),
    "rich-co64": lambda: fx.rich(co64=True),
}


def items_of(data: bytes):
    handler, parsed = parse_buffer(data)
    assert handler.name == "mp4"
    return parsed


def _values(parsed, category: Category) -> list[str]:
    return [i.value for i in parsed.items if i.category is category]


@pytest.mark.parametrize("name", SAMPLES)
def test_inspect_finds_location_time_and_device(name: str) -> None:
    parsed = items_of(SAMPLES[name]())
    spots = [i.datum for i in parsed.items if isinstance(i.datum, Coordinates)]
    assert spots, "no location found"
    assert all(abs(c.latitude - fx.LAT) < 1e-3 and abs(c.longitude - fx.LON) < 1e-3 for c in spots)
    moments = {i.key: i.datum for i in parsed.items if isinstance(i.datum, Moment)}
    headers = (
        "mp4:mvhd:created",
        "mp4:track1:tkhd:created",
        "mp4:track1:mdhd:created",
        "mp4:track2:mdhd:modified",
    )
    for key in headers:
        assert moments[key] == Moment(WHEN), key  # seconds since 1904 read as UTC
    device = " ".join(_values(parsed, Category.DEVICE))
    assert "CANARY-Make" in device and "CANARY-Model" in device
    assert "CANARY-Title" in " ".join(_values(parsed, Category.DESCRIPTION))
    handler_names = {i.value for i in parsed.items if i.key.endswith(":handler-name")}
    assert handler_names & {"VideoHandler", "Core Media Video"}, handler_names  # who wrote the track
    # What wrote the track is the file's history, never a field about the camera.
    assert all(i.category is Category.HISTORY for i in parsed.items if i.key.endswith(":handler-name"))
    assert (parsed.width, parsed.height) == (64, 48)


def test_the_rich_sample_itemises_every_vector() -> None:
    parsed = items_of(fx.rich())
    by_name = {i.name: i for i in parsed.items}
    apple = {i.value for i in parsed.items if i.key.startswith("mp4:meta:com.apple.quicktime.")}
    assert set(fx.APPLE_KEYS.values()) <= apple
    assert by_name["Live Photo content identifier"].category is Category.HIDDEN_MEDIA
    assert by_name["Creation date"].datum is not None
    gps = [i for i in parsed.items if i.key == "mp4:track3"]
    assert gps and gps[0].category is Category.LOCATION and "gpmd" in gps[0].value and not gps[0].carriable
    assert "CANARY-XmpAuthor" in _values(parsed, Category.PEOPLE)
    assert any("smta" in i.name and i.category is Category.HIDDEN_MEDIA for i in parsed.items)
    assert any(i.category is Category.UNKNOWN and "CANARY-free" in i.value for i in parsed.items)
    # The telemetry samples inside mdat are a location segment, not video data.
    at = fx.rich().find(fx.GPS_SAMPLE)
    seg = next(s for s in parsed.segments if s.offset <= at < s.offset + s.length)
    assert seg.category is Category.LOCATION


def test_iso6709() -> None:
    assert iso6709("+48.8584+002.2945+035.000/") == Coordinates(48.8584, 2.2945, 35.0)
    assert iso6709("-33.8568+151.2153/") == Coordinates(-33.8568, 151.2153, None)
    assert iso6709("nowhere") is None


def _exiftool(path: Path) -> str:
    command = ["exiftool", "-a", "-G1", "-ee", "-u", "-j", str(path)]
    out = subprocess.run(command, capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("name", SAMPLES)
def test_minimal_removes_everything_and_keeps_the_media(name: str, tmp_path: Path) -> None:
    data = SAMPLES[name]()
    source = tmp_path / "video.mov"
    source.write_bytes(data)
    outcome = process_file(source, BUILTIN["minimal"])  # clean + verification against the preview
    assert not outcome.reason, outcome.reason
    out = outcome.data
    assert fx.CANARY not in out and b"48.8584" not in out and b"Lavf" not in out
    parsed = items_of(out)
    assert {i.need for i in parsed.items} == {Need.PIXELS}  # nothing but what plays the video
    assert [i.key for i in parsed.items if i.key.startswith("mp4:track") and ":" not in i.key[4:]] == [
        "mp4:track1",
        "mp4:track2",
    ]
    # moov before mdat: playable while it downloads
    assert out.find(b"moov") < out.find(b"mdat")
    # The samples are byte-identical, read by FFmpeg's demuxer, and the video decodes the same.
    assert fx.track_samples(out) == fx.track_samples(data)
    assert len(fx.track_samples(out)) == 2
    first, last, count = fx.frames(out)
    assert (first, last, count) == fx.frames(data) and count == 12


@needs_exiftool
@pytest.mark.parametrize("name", ["mov", "mp4", "rich", "rich-co64"])
def test_exiftool_finds_nothing_after_minimal(name: str, tmp_path: Path) -> None:
    data = SAMPLES[name]()
    src = tmp_path / "src.mov"
    src.write_bytes(data)
    before = _exiftool(src)
    assert "CANARY" in before and "GPS" in before and "2024" in before  # the oracle sees them before
    outcome = process_file(src, BUILTIN["minimal"])
    assert not outcome.reason, outcome.reason
    out = tmp_path / f"clean{outcome.extension}"
    out.write_bytes(outcome.data)
    found = {k: v for k, v in json.loads(_exiftool(out))[0].items() if not k.startswith(("System:", "File:"))}
    text = json.dumps(found)
    assert "CANARY" not in text and "GPS" not in text and "2024" not in text, text
    assert not any(k.endswith(":Error") or k.endswith(":Warning") for k in found), found


def test_the_gps_track_samples_do_not_leave() -> None:
    data = fx.rich(co64=True)
    parsed = items_of(data)
    cleaned = handler_named("mp4").clean(data, parsed, frozenset(i.key for i in parsed.items if i.need))
    assert fx.GPS_SAMPLE not in cleaned.data
    assert len(cleaned.data) < len(data) - 3 * len(fx.GPS_SAMPLE)
    assert b"tref" not in cleaned.data  # the GPS track's reference went with it


@pytest.mark.parametrize(
    ("codec", "handler", "category"),
    [
        (b"gpmd", b"meta", Category.LOCATION),  # GoPro GPMF telemetry
        (b"camm", b"camm", Category.LOCATION),  # camera motion metadata (GPS, IMU)
        (b"mebx", b"meta", Category.HIDDEN_MEDIA),  # Apple timed metadata
        (b"tx3g", b"text", Category.HIDDEN_MEDIA),  # a text track
        (b"tmcd", b"tmcd", Category.HIDDEN_MEDIA),  # a timecode track (time of day)
    ],
)
def test_every_timed_metadata_track_is_listed_and_removed(
    codec: bytes, handler: bytes, category: Category
) -> None:
    data = fx.rich(codec=codec, handler=handler)
    parsed = items_of(data)
    track = next(i for i in parsed.items if i.key == "mp4:track3")
    assert track.category is category and codec.decode() in track.value and not track.carriable
    cleaned = handler_named("mp4").clean(data, parsed, frozenset(i.key for i in parsed.items if i.carriable))
    assert fx.GPS_SAMPLE not in cleaned.data and codec not in cleaned.data
    assert fx.frames(cleaned.data) == fx.frames(data)


@pytest.mark.parametrize("name", ["mov", "mp4", "rich"])
def test_a_policy_that_keeps_time_and_device_carries_them(name: str, tmp_path: Path) -> None:
    data = SAMPLES[name]()
    source = tmp_path / "video.mov"
    source.write_bytes(data)
    outcome = process_file(source, BUILTIN["no-location"])  # verified against the preview
    assert not outcome.reason, outcome.reason
    parsed = items_of(outcome.data)
    kept = {i.key: i for i in parsed.items}
    assert kept["mp4:mvhd:created"].datum == Moment(WHEN)
    make = "mp4:meta:make" if name == "mp4" else "mp4:udta:©mak"  # mdta keys or QuickTime atoms
    assert kept[make].value == "CANARY-Make"
    if name == "rich":
        assert kept["mp4:meta:com.apple.quicktime.model"].value == "CANARY-iPhone"
        assert "mp4:meta:com.apple.quicktime.content.identifier" not in kept  # hidden media: removed
    assert not [i for i in parsed.items if i.category is Category.LOCATION]
    assert b"48.8584" not in outcome.data and b"+002.2945" not in outcome.data
    if shutil.which("exiftool"):  # the carried keys and atoms are where other readers look for them
        out = tmp_path / "clean.mov"
        out.write_bytes(outcome.data)
        found = json.loads(_exiftool(out))[0]
        assert "CANARY-Make" in {found.get("UserData:Make"), found.get("Keys:Make")}
        if name == "rich":
            assert found["Keys:Model"] == "CANARY-iPhone"
        assert not [k for k in found if "GPS" in k or k.endswith((":Error", ":Warning"))], found
    assert fx.track_samples(outcome.data) == fx.track_samples(data)


def test_header_times_are_zeroed_unless_they_leave() -> None:
    data = fx.encoded("mp4")
    parsed = items_of(data)
    handler = handler_named("mp4")
    structure = frozenset(i.key for i in parsed.items if i.need)
    zeroed = items_of(handler.clean(data, parsed, structure).data)
    assert not [i for i in zeroed.items if i.category is Category.TIME]
    one = items_of(handler.clean(data, parsed, structure | {"mp4:track1:tkhd:modified"}).data)
    assert [i.key for i in one.items if i.category is Category.TIME] == ["mp4:track1:tkhd:modified"]


def test_a_trailer_after_the_movie_is_unknown_and_never_copied() -> None:
    data = fx.encoded("mp4") + b"\x00\x07trailing CANARY junk"
    parsed = items_of(data)
    trailer = [i for i in parsed.items if i.key == "mp4:trailer"]
    assert trailer and trailer[0].category is Category.UNKNOWN
    cleaned = handler_named("mp4").clean(data, parsed, frozenset(i.key for i in parsed.items if i.carriable))
    assert b"CANARY junk" not in cleaned.data


def test_sniffing_tells_videos_from_heif_images() -> None:
    assert handler_for(fx.encoded("mov")[:64]).name == "mp4"
    assert handler_for(fx.encoded("mp4")[:64]).name == "mp4"
    assert handler_for(rich_heif()[:64]).name == "heic"
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
    assert handler_for(avif).name == "avif"


# ------------------------------------------------------------------------------------- bad input


def _patch_box(data: bytes, path: list[bytes], offset: int, value: bytes) -> bytes:
    """``data`` with ``value`` written at ``offset`` into the body of the box at ``path``."""
    node = next(b for b in fx.walk(data) if b[0] == path[0])
    for kind in path[1:]:
        node = fx.child(data, node, kind)
    at = node[1] + node[2] + offset
    return data[:at] + value + data[at + len(value) :]


STBL = [b"moov", b"trak", b"mdia", b"minf", b"stbl"]


def test_chunk_offsets_outside_the_file_are_refused() -> None:
    data = fx.encoded("mp4")
    bad = _patch_box(data, [*STBL, b"stco"], 8, struct.pack(">I", 0x7FFFFFF0))
    with pytest.raises(ParseError, match="outside the file"):
        handler_named("mp4").parse(bad)


def test_a_huge_sample_count_is_refused_at_once() -> None:
    data = fx.encoded("mp4")
    # Uniform sample size and four billion samples: must not loop over them.
    bad = _patch_box(data, [*STBL, b"stsz"], 4, struct.pack(">II", 100, 0xFFFFFFF0))
    with pytest.raises(ParseError, match="samples"):
        handler_named("mp4").parse(bad)


def test_a_64_bit_size_claiming_exabytes_is_truncation() -> None:
    data = fx.encoded("mp4")
    mdat = next(b for b in fx.walk(data) if b[0] == b"mdat")
    body = data[mdat[1] + 8 : mdat[3]]
    bad = data[: mdat[1]] + struct.pack(">I4sQ", 1, b"mdat", 1 << 62) + body + data[mdat[3] :]
    with pytest.raises(ParseError, match="past the end"):
        handler_named("mp4").parse(bad)


def test_deeply_nested_boxes_are_refused() -> None:
    data = fx.encoded("mp4")
    inner = b""
    for _ in range(200):
        inner = fx.box(b"udta", fx.box(b"meta", bytes(4), inner))
    moov = next(b for b in fx.walk(data) if b[0] == b"moov")
    body = data[moov[1] + 8 : moov[3]] + inner
    bad = data[: moov[1]] + fx.box(b"moov", body) + data[moov[3] :]
    with pytest.raises(ParseError, match="nested too deeply"):
        handler_named("mp4").parse(bad)


def test_chunks_overlapping_the_index_are_refused() -> None:
    data = fx.encoded("mp4")
    moov = next(b for b in fx.walk(data) if b[0] == b"moov")
    bad = _patch_box(data, [*STBL, b"stco"], 8, struct.pack(">I", moov[1]))
    with pytest.raises(ParseError, match="overlap|outside"):
        handler_named("mp4").parse(bad)


def test_an_unknown_codec_is_still_inventoried_and_cleaned() -> None:
    data = fx.encoded("mp4")
    bad = _patch_box(data, [*STBL, b"stsd"], 12, b"zzzz")
    parsed = handler_named("mp4").parse(bad)
    assert any(i.value.startswith("zzzz") for i in parsed.items)
    cleaned = handler_named("mp4").clean(bad, parsed, frozenset(i.key for i in parsed.items if i.need))
    assert b"CANARY" not in cleaned.data and b"zzzz" in cleaned.data


def test_an_audio_only_file_is_not_a_video() -> None:
    data = fx.encoded("mp4")
    bad = _patch_box(data, [b"moov", b"trak", b"mdia", b"hdlr"], 8, b"soun")
    with pytest.raises(ParseError, match="no video track"):
        handler_named("mp4").parse(bad)


def test_the_encoder_named_in_the_video_description_is_cleared() -> None:
    data = fx.encoded("mp4")
    stsd = next(b for b in fx.walk(data) if b[0] == b"moov")
    for kind in STBL[1:] + [b"stsd"]:
        stsd = fx.child(data, stsd, kind)
    entry = stsd[1] + 16  # stsd header, version and count
    name = b"CANARY AVC encoder"
    bad = data[: entry + 50] + bytes([len(name)]) + name.ljust(31, b"\0") + data[entry + 82 :]
    parsed = items_of(bad)
    found = [i for i in parsed.items if i.key == "mp4:track1:encoder-name"]
    assert found and "CANARY AVC encoder" in found[0].value and found[0].category is Category.DEVICE
    cleaned = handler_named("mp4").clean(bad, parsed, frozenset(i.key for i in parsed.items if i.need))
    assert b"CANARY" not in cleaned.data and b"FFMP" not in cleaned.data
    assert not [i for i in items_of(cleaned.data).items if i.key == "mp4:track1:encoder-name"]
    assert fx.frames(cleaned.data) == fx.frames(data)


def test_a_fragmented_video_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "fragmented.mp4"
    fx.encode(path, "mp4", options={"movflags": "frag_keyframe+empty_moov"})
    with pytest.raises(ParseError, match="fragmented"):
        handler_named("mp4").parse(path.read_bytes())


def test_a_rotated_video_keeps_its_display_matrix(tmp_path: Path) -> None:
    data = fx.encoded("mov")
    # An upright phone video: the track matrix turns the frames 90° clockwise (a=0, b=1, c=-1, d=0).
    matrix = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 48 << 16, 0, 0x40000000)
    rotated = _patch_box(data, [b"moov", b"trak", b"tkhd"], 40, matrix)
    assert items_of(rotated).orientation == 6
    source = tmp_path / "upright.mov"
    source.write_bytes(rotated)
    outcome = process_file(source, BUILTIN["minimal"])
    assert not outcome.reason, outcome.reason
    assert items_of(outcome.data).orientation == 6 and matrix in outcome.data


def test_tables_beyond_the_caps_are_too_complex(monkeypatch) -> None:
    from core.formats import mp4, mp4_tables

    data = fx.encoded("mp4")
    monkeypatch.setattr(mp4_tables, "MAX_CHUNKS", 2)
    with pytest.raises(ParseError, match="too complex to check: track 1 declares"):
        mp4.parse(data)


def test_a_video_too_large_to_clean_in_memory_is_refused_in_words(monkeypatch) -> None:
    from core.formats import mp4, mp4_clean

    data = fx.encoded("mp4")
    parsed = mp4.parse(data)
    monkeypatch.setattr(mp4_clean, "MAX_CLEAN_BYTES", 1000)
    with pytest.raises(ParseError, match="too large to clean yet"):
        mp4_clean.clean(data, parsed, frozenset())
