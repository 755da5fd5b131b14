# SPDX-License-Identifier: GPL-3.0-or-later
"""The rules every handler shares: segment categories and trailer verdicts (one copy, core.formats.shared)."""

from __future__ import annotations

import pytest

from core.formats.shared import classify_trailer, segment_category
from core.model.categories import Category
from core.model.inventory import Item
from tests.core import jpeg_fixtures, png_webp_fixtures


def _item(category: Category) -> Item:
    return Item(category, "x", "x", "here", 1, f"k:{category.value}")


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ([], Category.TECHNICAL),
        ([Category.TECHNICAL], Category.TECHNICAL),
        ([Category.TECHNICAL, Category.TIME], Category.TIME),
        ([Category.DEVICE, Category.LOCATION, Category.PEOPLE], Category.LOCATION),
        ([Category.LOCATION, Category.UNKNOWN], Category.UNKNOWN),  # unknown outranks everything
        ([Category.HISTORY, Category.HIDDEN_MEDIA], Category.HIDDEN_MEDIA),
    ],
)
def test_segment_category_is_the_most_sensitive(categories: list[Category], expected: Category) -> None:
    assert segment_category([_item(c) for c in categories]) is expected


@pytest.mark.parametrize(
    ("tail", "category", "label"),
    [
        (b"\0" * 64, Category.UNKNOWN, "Zero padding"),
        (jpeg_fixtures.base_jpeg(8, 8), Category.HIDDEN_MEDIA, "Embedded JPEG image"),
        (png_webp_fixtures.plain_png(), Category.HIDDEN_MEDIA, "Embedded PNG image"),
        (b"\0\0\0\x18ftypmp42" + b"\0" * 16, Category.HIDDEN_MEDIA, "Embedded MP4"),
        (b"GIF89a" + b"\0" * 10, Category.HIDDEN_MEDIA, "Embedded GIF"),
        (b"PK\x03\x04" + b"\0" * 10, Category.HIDDEN_MEDIA, "Embedded ZIP"),
        (b"junk" * 10 + b"SEFH" + b"\0" * 8 + b"SEFT", Category.HIDDEN_MEDIA, "Samsung SEF trailer"),
        # The stricter reading: a picture further in is found, not only one at the start.
        (b"vendor header " * 20 + jpeg_fixtures.base_jpeg(8, 8), Category.HIDDEN_MEDIA, "Data holding"),
        (b"\x01\x02random vendor data", Category.UNKNOWN, "Unidentified data"),
    ],
)
def test_trailer_verdicts(tail: bytes, category: Category, label: str) -> None:
    image = b"IMAGE-BYTES"
    data = image + tail
    got_category, got_label = classify_trailer(data, len(image), len(data))
    assert got_category is category and got_label.startswith(label), got_label
