# SPDX-License-Identifier: GPL-3.0-or-later
"""XMP: stable keys, categories, readable values, round trip through filter_xmp, hostile packets."""

from __future__ import annotations

import pytest

from core.metadata.xmp import filter_xmp, parse_xmp
from core.model.categories import Category
from core.model.inventory import Need
from tests.core import jpeg_fixtures as fx

MAIN, EXT, GUID = fx.xmp_packets(orientation=3)


def by_key(packet: bytes, prefix: str = "xmp") -> dict[str, tuple[Category, str]]:
    return {i.key: (i.category, i.value) for i in parse_xmp(packet, key_prefix=prefix).items}


def test_items_keys_and_categories() -> None:
    items = by_key(MAIN)
    assert items["xmp:photoshop:City"] == (Category.LOCATION, "CANARY-XMP-CITY")
    assert items["xmp:exif:GPSLatitude"][0] is Category.LOCATION
    assert items["xmp:xmp:CreateDate"] == (Category.TIME, "2002-03-04T05:06:07")
    assert items["xmp:xmpMM:DocumentID"][0] is Category.HISTORY
    assert items["xmp:xmpMM:History"] == (Category.HISTORY, "action=saved; softwareAgent=CANARY-XMP-HISTORY")
    assert items["xmp:dc:creator"] == (Category.PEOPLE, "CANARY-XMP-CREATOR")
    assert items["xmp:dc:title"] == (Category.DESCRIPTION, "CANARY-XMP-TITLE")
    assert items["xmp:mwg-rs:Regions"] == (Category.PEOPLE, "1 face region: CANARY-MWG-FACE-NAME")
    assert items["xmp:MP:RegionInfo"] == (Category.PEOPLE, "1 face region: CANARY-MP-FACE-NAME")
    assert items["xmp:x:xmptk"][0] is Category.HISTORY
    # The Extended XMP pointer is structure, not an item.
    assert not any("HasExtendedXMP" in k for k in items)


def test_orientation_is_needed_for_pixels() -> None:
    [orientation] = [i for i in parse_xmp(MAIN).items if i.key == "xmp:tiff:Orientation"]
    assert orientation.need is Need.PIXELS and orientation.category is Category.TECHNICAL
    assert orientation.value == "3"


def test_hidden_media_and_encoded_values() -> None:
    [data] = [i for i in parse_xmp(EXT).items if i.key == "xmp:GDepth:Data"]
    assert data.category is Category.HIDDEN_MEDIA
    assert data.value.startswith("encoded data") and data.bytes > 70000


@pytest.mark.parametrize(
    ("prop", "category"),
    [
        ("GCamera:MicroVideo", Category.HIDDEN_MEDIA),
        ("GCamera:MotionPhoto", Category.HIDDEN_MEDIA),
        ("hdrgm:Version", Category.HIDDEN_MEDIA),
        ("aux:SerialNumber", Category.DEVICE),
        ("exifEX:BodySerialNumber", Category.DEVICE),
        ("tiff:Make", Category.DEVICE),
        ("xmp:CreatorTool", Category.HISTORY),
        ("photoshop:DateCreated", Category.TIME),
        ("exif:DateTimeOriginal", Category.TIME),
        ("crs:Exposure2012", Category.TECHNICAL),
        ("exif:FNumber", Category.TECHNICAL),
        ("exif:MakerNote", Category.DEVICE),  # a byte-list copy of the maker note: serials, owner
        ("Iptc4xmpCore:Location", Category.LOCATION),
        ("photoshop:Headline", Category.DESCRIPTION),
        ("xmpRights:UsageTerms", Category.PEOPLE),
        ("lr:hierarchicalSubject", Category.DESCRIPTION),
    ],
)
def test_category_table(prop: str, category: Category) -> None:
    uris = {
        "GCamera": "http://ns.google.com/photos/1.0/camera/", "hdrgm": "http://ns.adobe.com/hdr-gain-map/1.0/",
        "aux": "http://ns.adobe.com/exif/1.0/aux/", "exifEX": "http://cipa.jp/exif/1.0/",
        "tiff": "http://ns.adobe.com/tiff/1.0/", "xmp": "http://ns.adobe.com/xap/1.0/",
        "photoshop": "http://ns.adobe.com/photoshop/1.0/", "exif": "http://ns.adobe.com/exif/1.0/",
        "crs": "http://ns.adobe.com/camera-raw-settings/1.0/",
        "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
        "xmpRights": "http://ns.adobe.com/xap/1.0/rights/", "lr": "http://ns.adobe.com/lightroom/1.0/",
    }
    prefix, local = prop.split(":")
    packet = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
              f'<rdf:Description xmlns:q="{uris[prefix]}" q:{local}="v"/></rdf:RDF></x:xmpmeta>').encode()
    assert by_key(packet)[f"xmp:{prop}"] == (category, "v")


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def test_odd_prefixes_give_canonical_keys() -> None:
    packet = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
              '<rdf:Description xmlns:ns7="http://purl.org/dc/elements/1.1/" xmlns:zz="http://example.com/ns/">'
              '<ns7:description><rdf:Alt><rdf:li xml:lang="x-default">hello</rdf:li></rdf:Alt>'
              "</ns7:description>"
              "<zz:Secret>s3cret</zz:Secret></rdf:Description></rdf:RDF></x:xmpmeta>").encode()
    items = by_key(packet, "png-xmp")
    assert items["png-xmp:dc:description"] == (Category.DESCRIPTION, "hello")
    assert items["png-xmp:http://example.com/ns/:Secret"] == (Category.UNKNOWN, "s3cret")


def test_filter_round_trip_keeps_keys_and_values() -> None:
    before = parse_xmp(MAIN).items
    for keep in (
        {i.key for i in before},
        {"xmp:tiff:Orientation"},
        {"xmp:dc:creator", "xmp:mwg-rs:Regions", "xmp:xmpMM:History", "xmp:x:xmptk"},
    ):
        out = filter_xmp(MAIN, frozenset(keep))
        assert out is not None
        after = {(i.key, i.category, i.value) for i in parse_xmp(out).items}
        assert after == {(i.key, i.category, i.value) for i in before if i.key in keep}
        removed = {i.value for i in before if i.key not in keep}
        for value in removed:
            if value.startswith("CANARY"):
                assert value.encode() not in out


def test_filter_nothing_left_is_none() -> None:
    assert filter_xmp(MAIN, frozenset()) is None
    assert filter_xmp(MAIN, frozenset({"xmp:not:there"})) is None


def test_filter_drops_rdf_about_identifier_unless_it_leaves() -> None:
    packet = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
              '<rdf:Description rdf:about="uuid:faf5bdd5-ba3d-11da" xmlns:dc="http://purl.org/dc/elements/1.1/"'
              ' dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>').encode()
    items = by_key(packet)
    assert items["xmp:rdf:about"] == (Category.HISTORY, "uuid:faf5bdd5-ba3d-11da")
    out = filter_xmp(packet, frozenset({"xmp:dc:format"}))
    assert out is not None and b"faf5bdd5" not in out
    out = filter_xmp(packet, frozenset({"xmp:dc:format", "xmp:rdf:about"}))
    assert out is not None and by_key(out)["xmp:rdf:about"][1] == "uuid:faf5bdd5-ba3d-11da"


def test_extended_guid_pointer() -> None:
    out = filter_xmp(MAIN, frozenset({"xmp:dc:creator"}), extended_guid=GUID)
    assert out is not None and GUID.encode() in out
    assert set(by_key(out)) == {"xmp:dc:creator"}


def test_billion_laughs_is_not_expanded() -> None:
    result = parse_xmp(fx.BILLION_LAUGHS, where="PNG iTXt")
    assert len(result.items) == 1 and result.errors
    [item] = result.items
    assert item.category is Category.UNKNOWN and item.bytes == len(fx.BILLION_LAUGHS)
    assert "entities" in item.value
    assert filter_xmp(fx.BILLION_LAUGHS, frozenset({item.key})) is None


def test_external_entity_is_not_followed() -> None:
    packet = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
              b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>')
    result = parse_xmp(packet)
    assert [i.category for i in result.items] == [Category.UNKNOWN]
    assert "root:" not in result.items[0].value


@pytest.mark.parametrize(
    "packet", [b"", b"<x:xmpmeta", b"\x00\x01\x02", b"<a><b></a>", "é".encode("latin-1")]
)
def test_malformed_packets_never_raise(packet: bytes) -> None:
    result = parse_xmp(packet)
    assert result.errors and [i.category for i in result.items] == [Category.UNKNOWN]


def test_trailing_nul_padding_is_tolerated() -> None:
    assert by_key(MAIN + b"\x00" * 50) == by_key(MAIN)


def _nested_packet(levels: int) -> bytes:
    inner = "<rdf:li>deep</rdf:li>"
    for _ in range(levels):
        inner = f"<rdf:Bag><rdf:li>{inner}</rdf:li></rdf:Bag>"
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:subject>{inner}</dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def test_deeply_nested_packet_is_one_unknown_item_with_a_reason() -> None:
    from core.metadata.xmp_packet import MAX_DEPTH

    packet = _nested_packet(1000)  # 2,000 levels: far past Python's recursion limit if walked naively
    result = parse_xmp(packet)
    assert [i.category for i in result.items] == [Category.UNKNOWN]
    assert f"more than {MAX_DEPTH} levels deep" in result.items[0].value
    assert result.errors == [result.items[0].value]
    assert filter_xmp(packet, frozenset({"xmp:dc:subject"})) is None


def test_a_moderately_nested_packet_is_still_read() -> None:
    result = parse_xmp(_nested_packet(20))
    assert [i.key for i in result.items] == ["xmp:dc:subject"]
    assert "deep" in result.items[0].value


def test_deep_xmp_in_a_jpeg_inspects_with_a_per_file_reason() -> None:
    from core.pipeline.inspection import parse_buffer

    _, parsed = parse_buffer(fx.with_xmp(_nested_packet(1000)))
    unknown = [i for i in parsed.items if i.category is Category.UNKNOWN]
    assert unknown and "levels deep" in unknown[0].value


@pytest.mark.parametrize(
    ("orientation", "carried"),
    [
        ('tiff:Orientation="6"', True),
        ('tiff:Orientation="SECRET-ORIENTATION-TEXT"', False),
        ('tiff:Orientation="9"', False),
    ],
)
def test_xmp_orientation_leaves_only_as_a_number_from_1_to_8(orientation: str, carried: bool) -> None:
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" {orientation}/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    item = next(i for i in parse_xmp(packet).items if i.key == "xmp:tiff:Orientation")
    assert item.carriable is carried and (item.need is Need.PIXELS) is carried
    out = filter_xmp(packet, frozenset(i.key for i in parse_xmp(packet).items if i.carriable))
    assert (out is not None and b"tiff:Orientation" in out) is carried


def test_xmp_orientation_with_attributes_is_never_carried() -> None:
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/">'
        b'<tiff:Orientation xml:lang="SECRET-IN-LANG">6</tiff:Orientation>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    item = next(i for i in parse_xmp(packet).items if i.key == "xmp:tiff:Orientation")
    assert not item.carriable


QUOTING = ["plain", "a&b<c>d", 'say "hi"', "it's", "both \" and '", "tab\there\nline\rend",
           "&amp; kept as &amp;amp;", "", "ünïcødé ✓", "'\"'\"<>&\t\n\r"]


@pytest.mark.parametrize("text", QUOTING)
def test_escapes_match_the_standard_library(text: str) -> None:
    """The packet writer's escapes are xml.sax.saxutils' (kept local: that module is slow to import)."""
    from xml.sax import saxutils

    from core.metadata import xmp_packet

    assert xmp_packet.escape(text) == saxutils.escape(text)
    assert xmp_packet.quoteattr(text) == saxutils.quoteattr(text)


def test_escapes_match_the_standard_library_on_any_text() -> None:
    from xml.sax import saxutils

    from hypothesis import given
    from hypothesis import strategies as st

    from core.metadata import xmp_packet

    @given(st.text(alphabet=st.sampled_from("ab&<>\"'\t\n\r é"), max_size=30))
    def check(text: str) -> None:
        assert xmp_packet.escape(text) == saxutils.escape(text)
        assert xmp_packet.quoteattr(text) == saxutils.quoteattr(text)

    check()
