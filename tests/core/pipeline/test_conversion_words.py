# SPDX-License-Identifier: GPL-3.0-or-later
"""A photo whose picture leaves converted (a HEIC leaves as a JPEG) says so before it leaves, in the
pane's words; a photo that leaves as it is, or whose faces alone are blurred, says nothing. Real files,
planned as the export plans them."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model.policy import load_policy
from core.pipeline.inspection import open_readonly
from core.pipeline.preview import plan_file
from core.pipeline.preview_words import conversion_of, conversion_words, format_name
from tests.core import heic_fixtures as hf
from tests.core.library.test_library import make_jpeg


def _preview(path: Path, policy: str = "minimal"):
    with open_readonly(path) as (data, st):
        return plan_file(path, data, st, load_policy(policy)).preview


@pytest.mark.skipif(not hf.heic_encoder_available(), reason="no HEIC encoder")
def test_a_heic_says_it_leaves_converted_to_jpeg(tmp_path: Path) -> None:
    heic = tmp_path / "IMG_0001.HEIC"
    heic.write_bytes(hf.real_heic())
    preview = _preview(heic)
    assert conversion_of(preview) == ("HEIC", "JPEG")
    assert conversion_words(preview) == (
        "This photo leaves converted from HEIC to JPEG: the picture is saved again at high quality, so it is "
        "not an exact copy of the original.")
    # Byte for byte, it is the original: nothing to say.
    assert conversion_words(_preview(heic, "original")) == ""


def test_a_jpeg_leaves_as_it_is_and_says_nothing(tmp_path: Path) -> None:
    jpeg = make_jpeg(tmp_path / "IMG_0002.jpeg", 1)
    assert conversion_of(_preview(jpeg)) is None and conversion_words(_preview(jpeg)) == ""
    assert conversion_words(_preview(jpeg, "blur-faces")) == ""  # the faces line says what blurring does


def test_formats_by_the_names_people_know() -> None:
    assert [format_name(n) for n in ("a.HEIC", "b.jpeg", "c.JPG", "d.tif", "e.png", "f.heif")] == [
        "HEIC", "JPEG", "JPEG", "TIFF", "PNG", "HEIF"]
