# SPDX-License-Identifier: GPL-3.0-or-later
"""The typed datum the metadata readers attach to items: position, moment, serial number, person, size.

Each row is a field as a file writes it and the datum the reader must give it (or None)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.metadata.exif import parse_exif
from core.metadata.iptc import parse_iim
from core.metadata.xmp import parse_xmp
from core.model.inventory import Item
from core.model.values import ByteSize, Coordinates, Moment, PersonName, SerialNumber
from tests.core.exif_fixtures import Blob, Ptr, tiff_block
from tests.core.jpeg_fixtures import iim

PLUS2 = timezone(timedelta(hours=2))
PARIS = [(48, 1), (51, 1), (2376, 100)]  # 48°51'23.76"
EAST = [(2, 1), (21, 1), (792, 100)]  # 2°21'7.92"


def _gps(*entries: tuple[int, int, object]) -> bytes:
    return tiff_block({"IFD0": [(0x8825, 4, Ptr("GPS"))], "GPS": list(entries)})


def _by_key(items: list[Item]) -> dict[str, Item]:
    return {i.key: i for i in items}


def _close(a: Coordinates, b: Coordinates) -> bool:
    alt = (a.altitude_m is None) == (b.altitude_m is None) and (
        a.altitude_m is None or abs(a.altitude_m - b.altitude_m) < 1e-6)  # type: ignore[operator]
    return abs(a.latitude - b.latitude) < 1e-6 and abs(a.longitude - b.longitude) < 1e-6 and alt and \
        a.void == b.void


GPS_CASES = [
    # (entries, expected position, plausible)
    ([(1, 2, "N"), (2, 5, PARIS), (3, 2, "E"), (4, 5, EAST), (5, 1, b"\0"), (6, 5, [(35, 1)])],
     Coordinates(48.8566, 2.3522, 35.0), True),
    ([(1, 2, "S"), (2, 5, PARIS), (3, 2, "W"), (4, 5, EAST), (5, 1, b"\x01"), (6, 5, [(7, 2)])],
     Coordinates(-48.8566, -2.3522, -3.5), True),
    ([(2, 5, [(0, 1), (0, 1), (0, 1)]), (4, 5, [(0, 1), (0, 1), (0, 1)])], Coordinates(0.0, 0.0), False),
    ([(1, 2, "N"), (2, 5, PARIS), (3, 2, "E"), (4, 5, EAST), (9, 2, "V")],
     Coordinates(48.8566, 2.3522, None, void=True), False),
]


@pytest.mark.parametrize(("entries", "expected", "plausible"), GPS_CASES)
def test_exif_gps_is_one_position(entries: list, expected: Coordinates, plausible: bool) -> None:
    items = _by_key(parse_exif(_gps(*entries)).items)
    for key in ("exif:GPS:0x0002", "exif:GPS:0x0004"):
        datum = items[key].datum
        assert isinstance(datum, Coordinates) and _close(datum, expected), datum
        assert datum.plausible is plausible


def test_exif_gps_without_a_longitude_has_no_position() -> None:
    items = _by_key(parse_exif(_gps((1, 2, "N"), (2, 5, PARIS))).items)
    assert items["exif:GPS:0x0002"].datum is None


EXIF_CASES = [
    # (IFD0 entries, Exif entries, item key, expected datum)
    ([], [(0x9003, 2, "2024:05:01 14:32:10"), (0x9011, 2, "+02:00")], "exif:Exif:0x9003",
     Moment(datetime(2024, 5, 1, 14, 32, 10, tzinfo=PLUS2))),
    ([(0x0132, 2, "2024:05:01 14:32:10")], [], "exif:IFD0:0x0132", Moment(datetime(2024, 5, 1, 14, 32, 10))),
    ([(0x0132, 2, "2024:05:01 14:32:10")], [(0x9010, 2, "-05:30")], "exif:IFD0:0x0132",
     Moment(datetime(2024, 5, 1, 14, 32, 10, tzinfo=timezone(-timedelta(hours=5, minutes=30))))),
    ([], [(0x9004, 2, "0000:00:00 00:00:00")], "exif:Exif:0x9004", None),
    ([], [(0x9004, 2, "2024:13:45 99:00:00")], "exif:Exif:0x9004", None),
    ([], [(0xA431, 2, "SN-0042-XYZ")], "exif:Exif:0xa431", SerialNumber("SN-0042-XYZ", "body")),
    ([], [(0xA435, 2, "LENS-777")], "exif:Exif:0xa435", SerialNumber("LENS-777", "lens")),
    ([(0x013B, 2, "Ada Lovelace")], [], "exif:IFD0:0x013b", PersonName("Ada Lovelace", "author")),
    ([], [(0xA430, 2, "Grace Hopper")], "exif:Exif:0xa430", PersonName("Grace Hopper", "owner")),
    ([], [(0x927C, 7, b"Nikon\0" + b"\x01" * 40)], "exif:Exif:0x927c", ByteSize(46)),
    ([], [(0xEEEE, 7, b"\x05" * 30)], "exif:Exif:0xeeee", ByteSize(30)),  # an unknown tag: opaque
    ([(0x010F, 2, "CanonCanary")], [], "exif:IFD0:0x010f", None),  # Make: text is all it is
]


@pytest.mark.parametrize(("ifd0", "exif", "key", "expected"), EXIF_CASES)
def test_exif_fields(ifd0: list, exif: list, key: str, expected: object) -> None:
    block = tiff_block({"IFD0": [*ifd0, (0x8769, 4, Ptr("Exif"))], "Exif": exif})
    assert _by_key(parse_exif(block).items)[key].datum == expected


def test_exif_thumbnail_is_a_size() -> None:
    thumb = b"\xff\xd8\xff\xdb" + b"\0" * 60
    block = tiff_block({
        "IFD0": [(0x010F, 2, "Cam")],
        "IFD1": [(0x0103, 3, 6), (0x0201, 4, Blob(thumb)), (0x0202, 4, len(thumb))],
    })
    assert _by_key(parse_exif(block).items)["exif:IFD1:thumbnail"].datum == ByteSize(len(thumb))


def _xmp(body: str, attrs: str = "") -> bytes:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f"{attrs}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


REGIONS = (
    '<mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>'
    '<rdf:li rdf:parseType="Resource"><mwg-rs:Name>Alice</mwg-rs:Name>'
    "<mwg-rs:Type>Face</mwg-rs:Type></rdf:li>"
    '<rdf:li rdf:parseType="Resource"><mwg-rs:Name>Bob</mwg-rs:Name></rdf:li>'
    "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>"
)

XMP_CASES = [
    ('', 'xmp:CreateDate="2024-05-01T14:32:10+02:00"', "xmp:xmp:CreateDate",
     Moment(datetime(2024, 5, 1, 14, 32, 10, tzinfo=PLUS2))),
    ('', 'xmp:ModifyDate="2024-05-01T14:32:10Z"', "xmp:xmp:ModifyDate",
     Moment(datetime(2024, 5, 1, 14, 32, 10, tzinfo=UTC))),
    ('', 'exif:DateTimeOriginal="2024-05-01T14:32:10"', "xmp:exif:DateTimeOriginal",
     Moment(datetime(2024, 5, 1, 14, 32, 10))),
    ('', 'xmp:CreateDate="2024"', "xmp:xmp:CreateDate", None),  # a year is not a moment
    ('', 'aux:SerialNumber="0123456789"', "xmp:aux:SerialNumber", SerialNumber("0123456789", "body")),
    ('', 'aux:LensSerialNumber="L-55"', "xmp:aux:LensSerialNumber", SerialNumber("L-55", "lens")),
    ("<dc:creator><rdf:Seq><rdf:li>Ada Lovelace</rdf:li></rdf:Seq></dc:creator>", "", "xmp:dc:creator",
     PersonName("Ada Lovelace", "author")),
    ("<xmpRights:Owner><rdf:Bag><rdf:li>Grace</rdf:li></rdf:Bag></xmpRights:Owner>", "",
     "xmp:xmpRights:Owner", PersonName("Grace", "owner")),
    ("<Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Carol</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>", "",
     "xmp:Iptc4xmpExt:PersonInImage", PersonName("Carol", "person in image")),
    (REGIONS, "", "xmp:mwg-rs:Regions", PersonName("Alice, Bob", "face region")),
]


@pytest.mark.parametrize(("body", "attrs", "key", "expected"), XMP_CASES)
def test_xmp_fields(body: str, attrs: str, key: str, expected: object) -> None:
    assert _by_key(parse_xmp(_xmp(body, attrs)).items)[key].datum == expected


def test_xmp_gps_is_one_position() -> None:
    items = _by_key(parse_xmp(_xmp("", 'exif:GPSLatitude="48,51.396N" exif:GPSLongitude="2,21.132W" '
                                       'exif:GPSAltitude="351/10" exif:GPSAltitudeRef="1"')).items)
    for key in ("xmp:exif:GPSLatitude", "xmp:exif:GPSLongitude"):
        datum = items[key].datum
        assert isinstance(datum, Coordinates)
        assert _close(datum, Coordinates(48.8566, -2.3522, -35.1)) and datum.plausible


IPTC_CASES = [
    (iim(2, 80, b"Ada Lovelace"), "iptc:2:80", PersonName("Ada Lovelace", "author")),
    (iim(2, 55, b"20240501") + iim(2, 60, b"143210+0200"), "iptc:2:55",
     Moment(datetime(2024, 5, 1, 14, 32, 10, tzinfo=PLUS2))),
    (iim(2, 62, b"20240501") + iim(2, 63, b"143210"), "iptc:2:62", Moment(datetime(2024, 5, 1, 14, 32, 10))),
    (iim(2, 55, b"20240501"), "iptc:2:55", None),  # a date alone
    (iim(2, 90, b"Paris"), "iptc:2:90", None),
    (iim(2, 199, b"\x01\x02\x03"), "iptc:2:199", ByteSize(8)),  # an unknown dataset: opaque
]


@pytest.mark.parametrize(("data", "key", "expected"), IPTC_CASES)
def test_iptc_fields(data: bytes, key: str, expected: object) -> None:
    items = _by_key(parse_iim(data).items)
    assert items[key].datum == expected, {k: i.datum for k, i in items.items()}


def test_a_tiff_files_own_tags_carry_the_same_data() -> None:
    from core.formats import handler_named
    from tests.core.exif_fixtures import CANARIES, canary_tiff

    items = _by_key(handler_named("tiff").parse(canary_tiff()).items)
    assert items["tiff:IFD0:0x013b"].datum == PersonName(CANARIES["people"], "author")
    assert items["tiff:Exif:0xa431"].datum == SerialNumber(CANARIES["device"], "body")
    position = items["tiff:GPS:0x0002"].datum
    assert isinstance(position, Coordinates) and position.latitude < 0 and position.longitude < 0
    assert items["tiff:Exif:0x9003"].datum == Moment(datetime(2011, 11, 11, 11, 11, 11))
