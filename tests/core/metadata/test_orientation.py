# SPDX-License-Identifier: GPL-3.0-or-later
"""The one orientation table (core.metadata.orientation) against Pillow's own reading of the tag."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps

from core.metadata import orientation


def _marked(size: tuple[int, int] = (6, 4)) -> Image.Image:
    # Every pixel different, so that any wrong flip or turn shows.
    image = Image.new("RGB", size)
    image.putdata([(x * 40, y * 60, x * 7 + y) for y in range(size[1]) for x in range(size[0])])
    return image


@pytest.mark.parametrize("value", range(1, 9))
def test_make_upright_matches_pillows_exif_transpose(value: int) -> None:
    image = _marked()
    exif = Image.Exif()
    exif[0x0112] = value
    buf = io.BytesIO()
    image.save(buf, "PNG", exif=exif)
    with Image.open(io.BytesIO(buf.getvalue())) as stored:
        expected = ImageOps.exif_transpose(stored)
    got = orientation.make_upright(image, value)
    assert got.size == expected.size and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("value", [0, 9, -1])
def test_invalid_values_leave_the_image_as_stored(value: int) -> None:
    image = _marked()
    assert orientation.make_upright(image, value) is image


@pytest.mark.parametrize(
    ("first", "second", "result"),
    [
        (1, 6, 6),
        (6, 6, 3),  # two quarter turns clockwise: half a turn
        (6, 8, 1),  # a turn and its inverse
        (2, 2, 1),  # mirrored twice
        (1, 8, 8),
        (8, 8, 3),
        (2, 3, 4),  # mirror left-right, then rotate 180°: mirror top-bottom
    ],
)
def test_composition(first: int, second: int, result: int) -> None:
    assert orientation.then(first, second) == result


def test_every_value_has_a_name_and_an_inverse() -> None:
    assert set(orientation.NAMES) == set(range(1, 9))
    for value in range(1, 9):
        assert any(orientation.then(value, other) == 1 for other in range(1, 9))
