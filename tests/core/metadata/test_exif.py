# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF parsing and rebuilding: categories, readable values, round trips, hostile input."""

from __future__ import annotations

import io
import struct

import piexif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.metadata.exif import build_exif, capture_time, gps_decimal, parse_exif
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from tests.core.exif_fixtures import Ptr, piexif_block, tiff_block
from tests.oracle import exiftool_tags, needs_exiftool


def by_name(result):
    return {i.name: i for i in result.items}


def triples(result, only_carriable=True):
    return {(i.key, i.category, i.value) for i in result.items if i.carriable or not only_carriable}


def test_piexif_block_items_categories_and_values():
    r = parse_exif(piexif_block(), where="JPEG APP1 · EXIF")
    assert r.byte_order == ">"
    assert r.errors == []
    items = by_name(r)
    cats = {i.category for i in r.items}
    for cat in (Category.LOCATION, Category.TIME, Category.DEVICE, Category.PEOPLE, Category.DESCRIPTION,
                Category.HIDDEN_MEDIA, Category.HISTORY, Category.TECHNICAL):
        assert cat in cats, cat
    assert items["GPSLatitude"].value == "-48.858300"
    assert items["GPSLatitude"].key == "exif:GPS:0x0002"
    assert items["GPSLatitude"].where == "JPEG APP1 · EXIF GPS IFD"
    assert items["GPSLongitude"].value == "-2.294500"
    assert items["GPSAltitude"].value == "-12.5 m"
    assert items["GPSDateStamp"].category is Category.TIME
    assert items["GPSDateStamp"].value == "2024-05-01"
    assert items["GPSTimeStamp"].category is Category.TIME
    assert items["GPSTimeStamp"].value == "12:32:10.5"
    assert items["DateTimeOriginal"].value == "2024-05-01T14:32:10"
    assert items["ModifyDate"].value == "2024-05-02T09:00:00"
    assert items["OffsetTimeOriginal"].category is Category.TIME
    assert items["SubSecTimeOriginal"].category is Category.TIME
    assert items["XPComment"].value == "Grüße aus Köln"
    assert items["XPComment"].category is Category.DESCRIPTION
    assert items["XPAuthor"].category is Category.PEOPLE
    assert items["UserComment"].value == "secret note"
    assert items["Make"].category is Category.DEVICE and items["Make"].where == "JPEG APP1 · EXIF IFD0"
    assert items["SerialNumber"].value == "SN-0042" and items["SerialNumber"].category is Category.DEVICE
    assert items["LensModel"].category is Category.DEVICE
    assert items["Software"].category is Category.DEVICE
    assert items["Artist"].category is Category.PEOPLE
    assert items["Copyright"].category is Category.PEOPLE
    assert items["OwnerName"].category is Category.PEOPLE
    assert items["ImageDescription"].category is Category.DESCRIPTION
    assert items["ImageUniqueID"].category is Category.HISTORY
    assert items["ExposureTime"].value == "0.008" and items["ExposureTime"].category is Category.TECHNICAL
    assert items["FNumber"].value == "2.8"
    assert items["ColorSpace"].need is Need.NONE
    orient = items["Orientation"]
    assert orient.need is Need.PIXELS and orient.category is Category.TECHNICAL
    assert orient.value.startswith("8 ")
    assert r.orientation == 8
    thumb = items["ThumbnailImage"]
    assert thumb.key == "exif:IFD1:thumbnail" and thumb.category is Category.HIDDEN_MEDIA
    assert thumb.where == "JPEG APP1 · EXIF IFD1 (thumbnail)"
    assert r.thumbnail is not None and r.thumbnail.startswith(b"\xff\xd8")
    maker = items["MakerNote"]
    assert maker.key == "exif:Exif:0x927c" and maker.category is Category.DEVICE
    assert not maker.carriable and "maker notes" in maker.note
    assert "Canon" in maker.value and "1234567" in maker.value
    # Pointer tags are structure, not items.
    assert not any(i.key.endswith(("0x8769", "0x8825", "0xa005", "0x0201", "0x0202")) for i in r.items)
    # bytes: 12 for an inline value, 12 + value size otherwise.
    assert items["ColorSpace"].bytes == 12
    assert items["GPSLatitude"].bytes == 12 + 24


def test_helpers_gps_and_capture_time():
    r = parse_exif(piexif_block())
    lat, lon = gps_decimal(r)
    assert lat == pytest.approx(-48.8583) and lon == pytest.approx(-2.2945)
    assert capture_time(r) == "2024-05-01T14:32:10+02:00"
    empty = parse_exif(tiff_block({"IFD0": [(0x0112, 3, 1)]}))
    assert gps_decimal(empty) is None and capture_time(empty) is None


def test_round_trip_everything_leaves():
    r = parse_exif(piexif_block())
    leaving = frozenset(i.key for i in r.items)
    out = build_exif(r, leaving)
    assert out is not None
    r2 = parse_exif(out)
    assert r2.errors == []
    assert triples(r2) == triples(r)  # every carriable item, same key, category and value
    assert "exif:Exif:0x927c" not in {i.key for i in r2.items}  # MakerNote never written
    assert r2.thumbnail == r.thumbnail
    assert r2.orientation == 8
    # An independent reader agrees.
    loaded = piexif.load(b"Exif\x00\x00" + out)
    assert loaded["GPS"][piexif.GPSIFD.GPSLatitudeRef] == b"S"
    assert loaded["0th"][piexif.ImageIFD.Artist] == b"Jane Doe"
    assert loaded["thumbnail"] == r.thumbnail


@pytest.mark.parametrize("order", ["<", ">"])
def test_round_trip_in_either_byte_order(order):
    r = parse_exif(piexif_block())
    leaving = frozenset(i.key for i in r.items)
    out = build_exif(r, leaving, byte_order=order)
    assert out[:2] == (b"II" if order == "<" else b"MM")
    r2 = parse_exif(out)
    assert triples(r2) == triples(r)


def test_subset_only_keeps_leaving_keys():
    r = parse_exif(piexif_block())
    keep = {i.key for i in r.items if i.category is Category.LOCATION} | {"exif:IFD0:0x0112"}
    out = build_exif(r, frozenset(keep))
    r2 = parse_exif(out)
    assert {i.key for i in r2.items} == keep
    assert r2.thumbnail is None
    assert b"Jane" not in out and b"SN-0042" not in out and b"secret" not in out
    # Interop alone still needs the Exif IFD to reach it.
    out = build_exif(r, frozenset({"exif:Interop:0x0001"}))
    assert {i.key for i in parse_exif(out).items} == {"exif:Interop:0x0001"}
    # The thumbnail leaves only when its key does.
    out = build_exif(r, frozenset({"exif:IFD1:thumbnail", "exif:IFD1:0x0103"}))
    r3 = parse_exif(out)
    assert r3.thumbnail == r.thumbnail
    assert {i.key for i in r3.items} == {"exif:IFD1:thumbnail", "exif:IFD1:0x0103"}


def test_nothing_left_is_none_and_makernote_alone_is_none():
    r = parse_exif(piexif_block())
    assert build_exif(r, frozenset()) is None
    assert build_exif(r, frozenset({"exif:Exif:0x927c"})) is None
    assert build_exif(r, frozenset({"not-a-key"})) is None


def test_hand_built_big_endian_odd_counts_and_unicode_comment():
    ucs = "Hé ☃".encode("utf-16-be")
    block = tiff_block(
        {
            "IFD0": [
                (0x010F, 2, "Nikon"),  # 6 bytes: out of line, even
                (0x0110, 2, "D850x"),  # 6 bytes
                (0x013B, 2, "Ann"),  # 4 bytes: inline
                (0x010E, 2, "odd!"),  # 5 bytes with NUL: odd length out of line
                (0x0112, 3, 3),
                (0x8769, 4, Ptr("Exif")),
                (0xC68B, 2, "private tag"),  # not in the table: unknown, never carried
            ],
            "Exif": [
                (0x9286, 7, b"UNICODE\x00" + ucs),
                (0x9000, 7, b"0232"),
                (0x9010, 2, "-05:00"),
                (0xA002, 4, 4000),
                (0xA404, 5, [(0, 0)]),
            ],
        },
        bo=">",
    )
    r = parse_exif(block)
    items = by_name(r)
    assert r.byte_order == ">" and r.errors == []
    assert items["Make"].value == "Nikon"
    assert items["ImageDescription"].value == "odd!"
    assert items["UserComment"].value == "Hé ☃"
    assert items["ExifVersion"].value == "0232"
    assert items["ExifImageWidth"].value == "4000"
    assert items["DigitalZoomRatio"].value == "0/0"
    assert r.orientation == 3
    unknown = items["Tag 0xc68b"]
    assert unknown.category is Category.UNKNOWN and not unknown.carriable
    out = build_exif(r, frozenset(i.key for i in r.items))
    r2 = parse_exif(out)
    assert triples(r2) == triples(r)
    assert b"private tag" not in out
    # Values are word aligned in the output.
    for e in r2.entries:
        if e.offset >= 0:
            assert e.offset % 2 == 0


def test_invalid_orientation_defaults_to_one():
    r = parse_exif(tiff_block({"IFD0": [(0x0112, 3, 9)]}))
    assert r.orientation == 1
    assert "invalid" in by_name(r)["Orientation"].value


# --- malformed input -------------------------------------------------------------------------------


BAD_HEADERS = [b"", b"II*", b"XX*\x00\x08\x00\x00\x00", b"MM\x00+\x00\x08\x00\x00\x00\x00"]


@pytest.mark.parametrize("block", BAD_HEADERS)
def test_bad_header_raises_parse_error(block):
    with pytest.raises(ParseError):
        parse_exif(block)


def _unknowns(r):
    return [i for i in r.items if i.category is Category.UNKNOWN]


def test_offset_outside_block_is_an_error_and_unknown_item():
    block = bytearray(tiff_block({"IFD0": [(0x010F, 2, "Canon"), (0x013B, 2, "Jane Doe")]}))
    # Point Artist's value far outside the block.
    entry = 8 + 2 + 12 * 1
    block[entry + 8 : entry + 12] = struct.pack("<I", 10_000)
    r = parse_exif(bytes(block))
    assert any("outside" in e for e in r.errors)
    assert by_name(r)["Make"].value == "Canon"
    assert len(_unknowns(r)) == 1 and not _unknowns(r)[0].carriable
    assert "exif:IFD0:0x013b" not in {i.key for i in r.items}
    out = build_exif(r, frozenset(i.key for i in r.items))
    assert {i.key for i in parse_exif(out).items} == {"exif:IFD0:0x010f"}


def test_ifd_loop_is_detected():
    block = bytearray(tiff_block({"IFD0": [(0x0112, 3, 1), (0x8769, 4, Ptr("IFD0"))]}))
    r = parse_exif(bytes(block))
    assert any("loop" in e for e in r.errors)
    # And a next-IFD pointer back to IFD0.
    block = bytearray(tiff_block({"IFD0": [(0x0112, 3, 1)]}))
    block[8 + 2 + 12 : 8 + 2 + 12 + 4] = struct.pack("<I", 8)
    r = parse_exif(bytes(block))
    assert any("loop" in e for e in r.errors)
    assert r.orientation == 1 and _unknowns(r)


def test_huge_counts_and_bad_types():
    entries = [(0x010E, 2, "hello world"), (0x0110, 2, "Model X"), (0x0112, 3, 6)]
    block = bytearray(tiff_block({"IFD0": entries}))
    block[8 + 2 + 4 : 8 + 2 + 8] = struct.pack("<I", 0xFFFFFFFF)  # count of entry 0
    block[8 + 2 + 12 + 2 : 8 + 2 + 12 + 4] = struct.pack("<H", 99)  # type of entry 1
    r = parse_exif(bytes(block))
    assert len(r.errors) == 2
    assert r.orientation == 6
    assert len(_unknowns(r)) == 2


def test_truncated_ifd_and_bad_sub_ifd_pointer():
    full = tiff_block({"IFD0": [(0x010F, 2, "Canon"), (0x0112, 3, 6), (0x8825, 4, 123456)]})
    r = parse_exif(full)
    assert any("outside" in e for e in r.errors)
    cut = full[: 8 + 2 + 12 + 5]
    r = parse_exif(cut)
    assert any("entries" in e for e in r.errors)
    assert _unknowns(r)


def test_duplicate_tag_is_reported_not_carried():
    block = bytearray(tiff_block({"IFD0": [(0x010F, 2, "AAA"), (0x0110, 2, "BBB")]}))
    block[8 + 2 + 12 : 8 + 2 + 14] = struct.pack("<H", 0x010F)  # second entry also claims Make
    r = parse_exif(bytes(block))
    assert any("twice" in e for e in r.errors)
    assert [i.value for i in r.items if i.key == "exif:IFD0:0x010f"] == ["AAA"]


_HEADERS = st.sampled_from([b"II*\x00\x08\x00\x00\x00", b"MM\x00*\x00\x00\x00\x08"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HEADERS, st.binary(max_size=400))
def test_fuzz_random_bytes_after_header(header, body):
    try:
        r = parse_exif(header + body)
    except ParseError:
        return
    out = build_exif(r, frozenset(i.key for i in r.items))
    if out is not None:
        parse_exif(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=12))
def test_fuzz_mutated_real_block(mutations):
    block = bytearray(piexif_block())
    for pos, value in mutations:
        block[pos % len(block)] = value
    try:
        r = parse_exif(bytes(block))
    except ParseError:
        return
    out = build_exif(r, frozenset(i.key for i in r.items))
    if out is not None:
        r2 = parse_exif(out)
        assert r2.errors == []


@needs_exiftool
def test_exiftool_reads_built_block(tmp_path):
    r = parse_exif(piexif_block())
    keep = frozenset(i.key for i in r.items if i.category in (Category.LOCATION, Category.TECHNICAL))
    out = build_exif(r, keep)
    jpeg = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(jpeg, "JPEG")
    path = tmp_path / "x.jpg"
    buf = io.BytesIO()
    piexif.insert(b"Exif\x00\x00" + out, jpeg.getvalue(), buf)
    path.write_bytes(buf.getvalue())
    tags = exiftool_tags(path)
    assert tags.get("GPS:GPSLatitudeRef") in ("S", "South")
    assert "IFD0:Orientation" in tags
    gone_tags = ("IFD0:Artist", "IFD0:Make", "ExifIFD:SerialNumber", "ExifIFD:DateTimeOriginal",
                 "IFD1:ThumbnailImage", "ExifIFD:MakerNote", "IFD0:XPComment")
    for gone in gone_tags:
        assert gone not in tags, gone


@pytest.mark.parametrize(
    ("typ", "value", "valid"),
    [
        (3, 6, True),  # one SHORT from 1 to 8: the only shape kept
        (3, 1, True),
        (4, 6, False),  # a LONG
        (2, "SECRET-TEXT-IN-ORIENTATION", False),  # text: shown for what it is, never carried
        (5, [(6, 1)], False),  # a RATIONAL (once a TypeError while formatting the value)
        (3, [6, 6], False),  # two values
        (3, 0, False),
        (3, 9, False),
        (7, b"\x06\x00", False),  # UNDEFINED bytes
    ],
)
def test_orientation_is_kept_only_as_one_short_from_1_to_8(typ: int, value: object, valid: bool) -> None:
    block = tiff_block({"IFD0": [(0x0112, typ, value), (0x010F, 2, "Cam")]})
    r = parse_exif(block)
    item = by_name(r)["Orientation"]
    assert r.orientation == (6 if valid and value == 6 else 1)
    assert item.carriable is valid
    assert ("invalid" in item.value) is not valid
    leaving = frozenset(i.key for i in r.items if i.carriable)
    out = build_exif(r, leaving)
    assert out is not None
    again = parse_exif(out)
    kept = [e for e in again.entries if e.tag == 0x0112]
    if valid:
        assert [(e.type, e.count) for e in kept] == [(3, 1)] and again.orientation == r.orientation
    else:
        assert kept == [] and b"SECRET" not in out
