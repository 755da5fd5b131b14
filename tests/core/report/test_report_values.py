# SPDX-License-Identifier: GPL-3.0-or-later
"""What the report counts as a name, a position and a time bin: tricky values from real files."""

from __future__ import annotations

import pytest

from core.model.categories import Category
from core.model.inventory import Item
from core.model.values import Coordinates, PersonName
from core.report import exposure as rp
from core.report import words
from core.report.facts import facts_from_items
from core.report.names import looks_like_name


def people(name: str, value: str, datum: object = None) -> Item:
    return Item(Category.PEOPLE, name, value, "EXIF", len(value), f"exif:{name}", datum=datum)


def gps(lat: str, lon: str, *extra: Item) -> list[Item]:
    return [
        Item(Category.LOCATION, "GPSLatitude", lat, "EXIF", 24, "exif:GPS:0x0002"),
        Item(Category.LOCATION, "GPSLongitude", lon, "EXIF", 24, "exif:GPS:0x0004"),
        *extra,
    ]


NAMES = [
    (people("Artist", "Alice Example"), ("Alice Example",)),
    (people("XMP dc:creator", "Jane van der Berg"), ("Jane van der Berg",)),
    (people("OwnerName", "O'Neil"), ("O'Neil",)),
    (people("Artist", "4 bytes"), ()),
    (people("XMP MP:RegionInfo", "1 bytes"), ()),
    (people("XMP mwg-rs:Marked", "True"), ()),
    (people("XMP Iptc4xmpCore:CreatorContactInfo", "CiAdrCity=Creator's CI: City, CiAdrCtry=Country"), ()),
    (people("Copyright", "© 2020 Jane Doe. All rights reserved. No reproduction without permission."), ()),
    (people("XMP dc:rights", "Jane Doe"), ()),  # a rights field is a notice, never a name
    (people("Artist", "12345"), ()),
    (people("Artist", "http://example.com/jane"), ()),
    (people("Artist", "jane@example.com"), ()),
    (people("Artist", "Unknown"), ()),
    (people("Artist", "A very long sentence that somebody typed into the artist field of the camera"), ()),
    (people("XMP mwg-rs:Regions", "3 face regions: Ann, 0x1F, Ben"), ("Ann", "Ben")),
    (people("XMP mwg-rs:Regions", "1 face region, no names"), ()),
    (people("Author", "Dr Who", PersonName("Dr Who", "author")), ("Dr Who",)),
    # Seen in real files' creator and artist fields: roles, labels and sentences, not people.
    (people("XMP dc:creator", "Contributor"), ()),
    (people("Artist", "I wrote it"), ()),
    (people("Artist", "Official Photographer"), ()),
    (people("XMP dc:creator", "Digitized By Jonathan Pfeifer"), ()),
    (people("Artist", "CREDIT"), ()),
    (people("Artist", "NBC"), ()),
    (people("Artist", "me"), ()),
    (people("Artist", "Thomas Meyer-Boudnik"), ("Thomas Meyer-Boudnik",)),
    (people("Copyright", "Jane Doe", PersonName("Jane Doe", "copyright holder")), ()),
]


@pytest.mark.parametrize(("item", "expected"), NAMES, ids=[f"{i.name}={i.value[:20]}" for i, _ in NAMES])
def test_only_person_names_count_as_names(item: Item, expected: tuple[str, ...]):
    assert facts_from_items([item]).names == expected


def test_notices_and_other_fields_are_counted_not_named():
    items = [
        people("Copyright", "© 2020 Jane Doe. All rights reserved."),
        people("XMP mwg-rs:Marked", "True"),
        people("Artist", "Alice Example"),
    ]
    side = rp.build_side([facts_from_items(items)] * 2)
    assert side.names == {"Alice Example": 2}
    assert side.notices == {"© 2020 Jane Doe. All rights reserved.": 2}
    assert side.other_people_fields == 2
    assert dict(words.figures(side))["Copyright notices"] == "1"


@pytest.mark.parametrize("text", ["Ann", "Ann-Marie Lévesque", "José María Olazábal"])
def test_names_from_many_languages(text: str):
    assert looks_like_name(text)


@pytest.mark.parametrize(
    ("items", "position", "invalid"),
    [
        (gps("0", "0"), None, True),  # an unset GPS block
        (gps("91.5", "10"), None, True),  # out of range
        (gps("45.5", "200"), None, True),
        (gps("45.5", "4.5", Item(Category.LOCATION, "GPSStatus", "V", "EXIF", 2, "exif:GPS:9")), None, True),
        (gps("45.5", "4.5"), (45.5, 4.5), False),
        ([Item(Category.LOCATION, "GPSPosition", "45.5, 4.5", "EXIF", 48, "exif:GPS",
               datum=Coordinates(45.5, 4.5, void=True))], None, True),
        ([], None, False),
    ],
    ids=["zero", "lat-range", "lon-range", "void-status", "valid", "void-datum", "none"],
)
def test_invalid_positions_are_ignored_and_counted(items, position, invalid):
    facts = facts_from_items(items)
    assert facts.position == position and facts.invalid_position is invalid


def test_zero_zero_is_no_place():
    side = rp.build_side([facts_from_items(gps("0", "0"))] * 3 + [facts_from_items(gps("45.5", "4.5"))])
    assert side.located == 1 and len(side.places) == 1
    assert side.invalid_positions == 3
    assert dict(words.figures(side))["Photos with a position"] == "1 (3 more state no real position: ignored)"


def test_lists_show_five_and_say_how_many_more():
    cameras = {f"Camera {chr(65 + i)}": 50 - i for i in range(50)}
    text = words.top(cameras)
    assert text.count(",") == 4 and text.endswith(" and 45 more")
    assert words.top({"One": 1}) == "One"
    assert words.top({}) == "—"


@pytest.mark.parametrize(
    ("first", "last", "unit", "bins"),
    [
        ("2024-03", "2024-07", "month", 5),
        ("2019-01", "2024-12", "quarter", 24),
        ("1988-05", "2025-02", "year", 38),
    ],
)
def test_time_chart_bins_fit_the_span(first: str, last: str, unit: str, bins: int):
    got_unit, labels = words.time_bins([{first: 2, last: 3}])
    assert (got_unit, len(labels)) == (unit, bins)
    counts = words.binned({first: 2, last: 3}, got_unit, labels)
    assert sum(counts) == 5 and counts[0] == 2 and counts[-1] == 3
