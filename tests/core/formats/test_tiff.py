# SPDX-License-Identifier: GPL-3.0-or-later
"""TIFF as a photo format: inventory, byte accounting, lossless allowlist clean, corpus files."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, TiffImagePlugin

from core.formats.tiff import TiffHandler
from core.metadata.icc_clean import neutral_copy
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from core.model.policy import BUILTIN
from core.pipeline.inspection import parse_buffer
from core.pipeline.preview import decide
from tests.core.exif_fixtures import CANARIES, canary_tiff
from tests.oracle import STRUCTURAL_GROUPS, corpus_files, exiftool_tags, needs_corpus, needs_exiftool

HANDLER = TiffHandler()


def check_partition(parsed, size):
    pos = 0
    for seg in parsed.segments:
        assert seg.offset == pos and seg.length > 0
        pos += seg.length
    assert pos == size


def spans(data, parsed):
    return b"".join(bytes(data[o : o + n]) for o, n in parsed.pixel_spans)


def leaving_for(parsed, policy_name):
    policy = BUILTIN[policy_name]
    return frozenset(i.key for i in parsed.items if not decide(i, policy))


def exporter_check(before, after, leaving):
    """What the exporter requires of a cleaned file (core/preview.py contract)."""
    left = {(i.key, i.category, i.value) for i in before.items if i.key in leaving}
    for item in after.items:
        assert item.category is not Category.UNKNOWN, item
        if item.need is not Need.PIXELS:
            assert (item.key, item.category, item.value) in left, item
    out_keys = {i.key for i in after.items}
    for item in before.items:
        if item.key in leaving and item.need is not Need.PIXELS:
            assert item.key in out_keys, item


def pillow_tiff(order="<"):
    im = Image.new("RGB", (40, 30))
    im.putdata([(x * 6 % 256, y * 8 % 256, (x * y) % 256) for y in range(30) for x in range(40)])
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[0x010E] = CANARIES["description"]
    ifd[0x013B] = CANARIES["people"]
    ifd[0x0112] = 6
    ifd[0x8769] = {0x9003: CANARIES["time"], 0xA431: CANARIES["device"]}
    ifd[0x8825] = {1: "N", 2: (48.0, 51.0, 29.88), 0x12: CANARIES["location"]}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    # Uncompressed: Pillow's libtiff path (used for compression) cannot write sub-IFDs.
    im.save(buf, "TIFF", tiffinfo=ifd, icc_profile=icc)
    return buf.getvalue()


def test_sniff():
    assert HANDLER.sniff(b"II*\x00\x08\x00\x00\x00")
    assert HANDLER.sniff(b"MM\x00*\x00\x00\x00\x08")
    assert not HANDLER.sniff(b"\xff\xd8\xff\xe0")


@pytest.mark.parametrize("order", ["<", ">"])
def test_canary_tiff_inventory(order):
    data = canary_tiff(order)
    handler, parsed = parse_buffer(data)
    assert handler.name == "tiff"
    check_partition(parsed, len(data))
    assert (parsed.width, parsed.height, parsed.orientation) == (12, 8, 6)
    items = {i.key: i for i in parsed.items}
    expect = {
        "tiff:IFD0:0x010e": Category.DESCRIPTION,
        "tiff:IFD0:0x013b": Category.PEOPLE,
        "tiff:IFD0:0x010f": Category.DEVICE,
        "tiff:IFD0:0x87b1": Category.LOCATION,
        "tiff:Exif:0x9003": Category.TIME,
        "tiff:Exif:0xa431": Category.DEVICE,
        "tiff:Exif:0xa420": Category.HISTORY,
        "tiff:GPS:0x0002": Category.LOCATION,
        "tiff:IFD1:0x010e": Category.HIDDEN_MEDIA,
        "tiff:IFD1:image": Category.HIDDEN_MEDIA,
        "tiff:icc": Category.TECHNICAL,
        "tiff:image": Category.TECHNICAL,
    }
    for key, cat in expect.items():
        assert items[key].category is cat, key
    assert items["tiff:GPS:0x0002"].value == "-48.858300"
    assert items["tiff:GPS:0x0002"].where == "TIFF GPS IFD"
    assert items["tiff:Exif:0x9003"].value == "2011-11-11T11:11:11"
    assert items["tiff:icc"].need is Need.DISPLAY
    assert items["tiff:image"].need is Need.PIXELS
    assert items["tiff:IFD0:0x0112"].need is Need.PIXELS
    assert not items["tiff:IFD1:image"].carriable and not items["tiff:IFD1:0x010e"].carriable
    # XMP and IPTC are itemised by their own parsers; IPTC is shown but never carried raw.
    xmp_values = " ".join(i.value for i in parsed.items if i.key.startswith("xmp:"))
    assert CANARIES["xmp"] in xmp_values
    [byline] = [i for i in parsed.items if "IPTC" in i.where and i.value == CANARIES["iptc"]]
    assert byline.category is Category.PEOPLE and not byline.carriable
    # The pixel spans are exactly the two strips.
    assert len(parsed.pixel_spans) == 2


@pytest.mark.parametrize("order", ["<", ">"])
def test_clean_minimal_removes_canaries_keeps_pixels_and_orientation(order):
    data = canary_tiff(order)
    _, parsed = parse_buffer(data)
    leaving = leaving_for(parsed, "minimal")
    cleaned = HANDLER.clean(data, parsed, leaving)
    assert cleaned.pixels == "unchanged" and cleaned.extension == ".tif"
    out = cleaned.data
    for canary in CANARIES.values():
        assert canary.encode() not in out, canary
    assert b"CanonCanary" not in out and b"CANARY-PAGE-TWO" not in out
    _, after = parse_buffer(out)
    check_partition(after, len(out))
    assert after.orientation == 6
    assert spans(out, after) == spans(data, parsed)
    exporter_check(parsed, after, leaving)
    assert "tiff:icc" in {i.key for i in after.items}  # the colour profile leaves under minimal
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(out)) as b:
        assert a.tobytes() == b.tobytes() and a.size == b.size
        assert getattr(b, "n_frames", 1) == 1


def test_clean_keeps_exactly_the_leaving_items():
    data = canary_tiff(">")
    _, parsed = parse_buffer(data)
    leaving = leaving_for(parsed, "no-location")
    cleaned = HANDLER.clean(data, parsed, leaving)
    _, after = parse_buffer(cleaned.data)
    exporter_check(parsed, after, leaving)
    assert CANARIES["people"].encode() in cleaned.data
    assert CANARIES["location"].encode() not in cleaned.data
    assert not any(i.key.startswith("tiff:GPS") for i in after.items)
    # IPTC inside a TIFF is shown but never carried.
    assert CANARIES["iptc"].encode() not in cleaned.data


def test_pillow_tiff_with_sub_ifds_and_icc():
    data = pillow_tiff()
    _, parsed = parse_buffer(data)
    check_partition(parsed, len(data))
    cats = {i.key: i.category for i in parsed.items}
    assert cats["tiff:GPS:0x0002"] is Category.LOCATION
    assert cats["tiff:Exif:0xa431"] is Category.DEVICE
    leaving = leaving_for(parsed, "minimal")
    out = HANDLER.clean(data, parsed, leaving).data
    for canary in CANARIES.values():
        assert canary.encode() not in out
    _, after = parse_buffer(out)
    exporter_check(parsed, after, leaving)
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(out)) as b:
        assert a.tobytes() == b.tobytes()
        # littleCMS's sRGB carries its creator and date: the neutral sRGB leaves in its place.
        assert a.info.get("icc_profile") != neutral_copy("sRGB")
        assert b.info.get("icc_profile") == neutral_copy("sRGB")


@needs_exiftool
def test_exiftool_sees_no_removed_category(tmp_path):
    data = canary_tiff("<")
    _, parsed = parse_buffer(data)
    path = tmp_path / "clean.tif"
    path.write_bytes(HANDLER.clean(data, parsed, leaving_for(parsed, "minimal")).data)
    tags = exiftool_tags(path)
    groups = {k.split(":", 1)[0] for k in tags if ":" in k} - STRUCTURAL_GROUPS
    assert {g for g in groups if not g.startswith("ICC")} == {"IFD0"}, groups
    ifd0 = {k.split(":", 1)[1] for k in tags if k.startswith("IFD0:")}
    assert ifd0 <= {
        "ImageWidth", "ImageHeight", "BitsPerSample", "Compression", "PhotometricInterpretation",
        "StripOffsets", "Orientation", "SamplesPerPixel", "RowsPerStrip", "StripByteCounts",
        "PlanarConfiguration",
    }, ifd0
    assert "ExifTool:Warning" not in tags


def test_reencoded_pixels_path():
    data = canary_tiff(">")
    _, parsed = parse_buffer(data)
    leaving = leaving_for(parsed, "minimal")
    blurred = Image.new("RGB", (12, 8), (10, 200, 30))
    cleaned = HANDLER.clean(data, parsed, leaving, pixels=blurred)
    assert cleaned.pixels == "re-encoded"
    _, after = parse_buffer(cleaned.data)
    assert after.orientation == 6
    exporter_check(parsed, after, leaving)
    with Image.open(io.BytesIO(cleaned.data)) as b:
        assert b.tobytes() == blurred.tobytes()


def test_damaged_files_raise_parse_error():
    data = canary_tiff()
    with pytest.raises(ParseError):
        parse_buffer(data[:-20])  # strips run past the end of the file
    with pytest.raises(ParseError):
        parse_buffer(b"II*\x00\xff\xff\xff\x00" + b"\x00" * 20)  # IFD0 outside the file
    with pytest.raises(ParseError):
        parse_buffer(b"II*\x00")


@needs_corpus
@pytest.mark.parametrize("path", corpus_files("tiff"), ids=lambda p: p.name)
def test_corpus_tiff(path):
    data = path.read_bytes()
    _, parsed = parse_buffer(data)
    check_partition(parsed, len(data))
    leaving = leaving_for(parsed, "minimal")
    out = HANDLER.clean(data, parsed, leaving).data
    _, after = parse_buffer(out)
    exporter_check(parsed, after, leaving)
    assert spans(out, after) == spans(data, parsed)
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(out)) as b:
        assert a.tobytes() == b.tobytes()
    removed = {i.value for i in parsed.items if i.key not in leaving and len(i.value) >= 8
               and i.category in (Category.PEOPLE, Category.DEVICE, Category.LOCATION)}
    for value in removed:
        assert value.encode() not in out, value
