# SPDX-License-Identifier: GPL-3.0-or-later
"""Photoshop image resources and IPTC-IIM: names, categories, allowlist rebuild, damaged data."""

from __future__ import annotations

import pytest

from core.metadata.iptc import build_iim, build_irb, parse_iim, parse_irb
from core.model.categories import Category
from tests.core import jpeg_fixtures as fx
from tests.core.jpeg_fixtures import iim, resource

C = fx.CANARIES


def values(items: list) -> dict[str, tuple[Category, str, str]]:
    return {i.key: (i.category, i.name, i.value) for i in items}


def test_irb_items() -> None:
    result = parse_irb(fx.irb_block(), where="JPEG APP13")
    assert not result.errors
    items = values(result.items)
    assert items["iptc:2:90"] == (Category.LOCATION, "IPTC City", "CANARY-IPTC-CITY")
    assert items["iptc:2:80"] == (Category.PEOPLE, "IPTC By-line", "CANARY-IPTC-BYLINE")
    assert items["iptc:2:120"] == (Category.DESCRIPTION, "IPTC Caption-Abstract", "CANARY-IPTC-CAPTION")
    assert items["iptc:2:25"][2] == "kw-one, kw-two"  # repeated datasets become one item
    assert items["irb:thumbnail"][0] is Category.HIDDEN_MEDIA
    assert items["irb:0x03ed"][0] is Category.TECHNICAL
    # Character set and record version are structure, not items.
    assert "iptc:1:90" not in items and "iptc:2:0" not in items


def test_build_irb_keeps_only_leaving_datasets() -> None:
    result = parse_irb(fx.irb_block())
    out = build_irb(result, frozenset({"iptc:2:80", "irb:0x03ed"}))
    assert out is not None and out.startswith(b"Photoshop 3.0\x00")
    assert C["iptc_byline"] in out
    for name in ("iptc_city", "iptc_caption", "irb_thumbnail"):
        assert C[name] not in out
    again = values(parse_irb(out).items)
    assert set(again) == {"iptc:2:80", "irb:0x03ed"}
    assert again["iptc:2:80"] == values(result.items)["iptc:2:80"]
    assert b"\x1b%G" in out  # the UTF-8 declaration travels with the record


def test_build_irb_nothing_leaves() -> None:
    assert build_irb(parse_irb(fx.irb_block()), frozenset()) is None


def test_build_irb_everything_round_trips() -> None:
    result = parse_irb(fx.irb_block())
    keys = frozenset(i.key for i in result.items)
    out = build_irb(result, keys)
    assert out is not None
    assert values(parse_irb(out).items) == values(result.items)


def test_exif_and_xmp_resources_are_never_copied() -> None:
    block = b"Photoshop 3.0\x00" + resource(0x0422, b"MM\x00*secret-exif") + resource(0x0424, b"<x:xmpmeta/>")
    result = parse_irb(block)
    assert all(not i.carriable for i in result.items)
    assert build_irb(result, frozenset(i.key for i in result.items)) is None


def test_unknown_resource_is_unknown_and_dropped() -> None:
    block = b"Photoshop 3.0\x00" + resource(0x7777, b"mystery") + resource(0x0404, iim(2, 105, b"Head"))
    result = parse_irb(block)
    items = values(result.items)
    assert items["irb:0x7777"][0] is Category.UNKNOWN
    out = build_irb(result, frozenset(items))
    assert out is not None and b"mystery" not in out and b"Head" in out


def test_parse_iim_raw_latin1_and_dates() -> None:
    data = iim(2, 0, b"\x00\x04") + iim(2, 55, b"20240501") + iim(2, 101, "Österreich".encode("latin-1"))
    result = parse_iim(data, where="PNG Raw profile")
    items = values(result.items)
    assert items["iptc:2:55"] == (Category.TIME, "IPTC DateCreated", "2024-05-01")
    assert items["iptc:2:101"][2] == "Österreich"
    assert items["iptc:2:101"][0] is Category.LOCATION


def test_build_iim_adds_record_version_and_orders_records() -> None:
    result = parse_iim(iim(2, 116, b"(c) me") + iim(1, 90, b"\x1b%G"))
    out = build_iim(result.datasets, frozenset({"iptc:2:116"}))
    assert out is not None
    assert out.index(b"\x1c\x01\x5a") < out.index(b"\x1c\x02\x00") < out.index(b"(c) me")


def test_extended_length_dataset() -> None:
    preview = b"\xff\xd8" + b"P" * 40000
    data = b"\x1c\x02\xca\x80\x04" + len(preview).to_bytes(4, "big") + preview
    items = values(parse_iim(data).items)
    assert items["iptc:2:202"][0] is Category.HIDDEN_MEDIA
    assert "40,002 bytes" in items["iptc:2:202"][2]


@pytest.mark.parametrize(
    "data",
    [
        b"\x1c\x02",  # header cut off
        iim(2, 5, b"ok") + b"\x1c\x02\x78\x10\x00short",  # length past the end
        iim(2, 5, b"ok") + b"garbage!",
        b"\x1c\x02\x05\x80\x09",  # absurd extended length
    ],
)
def test_damaged_iim_becomes_unknown(data: bytes) -> None:
    result = parse_iim(data)
    assert result.errors
    unknown = [i for i in result.items if i.category is Category.UNKNOWN]
    assert unknown and sum(i.bytes for i in unknown) > 0


def test_zero_padding_after_iim_is_harmless() -> None:
    result = parse_iim(iim(2, 5, b"Title") + b"\x00\x00\x00")
    assert not result.errors and [i.key for i in result.items] == ["iptc:2:5"]


@pytest.mark.parametrize(
    "block",
    [
        b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\xff\xff\xff\xff",
        b"Photoshop 3.0\x008BIM\x04",
        b"Photoshop 3.0\x00not a resource at all",
        b"",
    ],
)
def test_damaged_irb_never_raises(block: bytes) -> None:
    result = parse_irb(block)
    assert build_irb(result, frozenset(i.key for i in result.items)) is None or result.items
    assert all(i.category is Category.UNKNOWN for i in result.items)
