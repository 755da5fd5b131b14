# SPDX-License-Identifier: GPL-3.0-or-later
"""Colour profiles leave without what identifies (core.metadata.icc_clean), through the real export of
JPEG, PNG, WebP and TIFF files: no planted text in the bytes or in ExifTool's ICC groups, the same
colours, the profile as it is under `no-location`, and the shipped neutral profiles as the script builds
them."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from core.metadata.icc import icc_problem, tags
from core.metadata.icc_clean import (
    NEUTRAL_COPYRIGHT,
    SPACES,
    ProfileNotNeutral,
    build_standard,
    exported,
    neutral,
    neutral_copy,
    opens,
    profile_items,
    profile_name,
    rewritten,
    standard_space,
    text_items,
)
from core.model.categories import Category
from core.model.policy import BUILTIN, load_policy
from core.pipeline.cleaning import process_file
from core.pipeline.description import describe
from core.pipeline.preview_words import summary_of, text_lines
from core.resources import resource_path
from tests.core.metadata.icc_fixtures import (
    COPYRIGHT,
    MONITOR,
    SECRETS,
    display_p3_with_text,
    gamma_curve,
    littlecms_srgb_with_text,
    max_delta_e,
    mean_delta_e,
    monitor_profile_v2,
    profile,
)
from tests.oracle import needs_exiftool

ROOT = Path(__file__).resolve().parents[3]
# The chart's Lab comes back from littleCMS in 8 bits: steps of 0.39 in L and 1 in a and b. A neutral
# copy of a standard space differs from a maker's copy by rounding (1/65536 in the colorants), which can
# move a value across one step: at most one step in each channel is sqrt(0.39² + 1 + 1) < 1.5, and the
# mean over the chart stays well under one step. A rewritten profile keeps its colour tags byte for byte,
# so its chart is the very same.
STANDARD_TOLERANCE = 1.5
STANDARD_MEAN_TOLERANCE = 0.5
REWRITTEN_TOLERANCE = 0.5

PROFILES = {
    "display-p3": display_p3_with_text,
    "monitor-v2": monitor_profile_v2,
    "littlecms-srgb": littlecms_srgb_with_text,
}
FORMATS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "heic": ".heic"}


def _photo(path: Path, icc: bytes) -> Path:
    image = Image.new("RGB", (48, 32))
    image.putdata([((x * 5) % 256, (y * 8) % 256, (x * y) % 256) for y in range(32) for x in range(48)])
    fmt = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".tif": "TIFF", ".heic": "HEIF"}[path.suffix]
    if fmt == "HEIF":
        pillow_heif.register_heif_opener()
    options: dict[str, object] = {"icc_profile": icc}
    if fmt == "WEBP":
        options["lossless"] = True
    image.save(path, fmt, **options)
    return path


def _icc_of(data: bytes) -> bytes | None:
    with Image.open(io.BytesIO(data)) as image:
        icc = image.info.get("icc_profile")
    return bytes(icc) if icc else None


def _exiftool_icc(path: Path) -> dict[str, str]:
    out = subprocess.run(["exiftool", "-s", "-G1", "-a", "-ICC_Profile:all", "-ICC-header:all", str(path)],
                         check=True, capture_output=True, text=True).stdout
    fields = {}
    for line in out.splitlines():
        name, _, value = line.partition(":")
        fields[" ".join(name.split())] = value.strip()
    return fields


# --- recognition and the neutral profiles ----------------------------------------------------------------


def test_shipped_profiles_are_what_the_script_builds() -> None:
    for space in SPACES:
        shipped = resource_path(f"resources/icc/{space.file}").read_bytes()
        assert shipped == build_standard(space), space.file
        assert standard_space(shipped) == space and opens(shipped) and not icc_problem(shipped)
        assert text_items(shipped, "") == []  # nothing in a neutral profile identifies anything
    script = ROOT / "resources" / "icc" / "build_profiles.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_spaces_are_recognised_by_their_numbers_not_their_names() -> None:
    p3 = display_p3_with_text()
    assert profile_name(p3) == "Display P3"  # its description says "DELL U2515H"
    assert profile_name(littlecms_srgb_with_text()) == "sRGB"
    # sRGB's primaries with a plain 2.2 gamma are not sRGB; Display P3's primaries with DCI's white are not
    # Display P3.
    srgb = neutral_copy("sRGB")
    found = tags(srgb)
    gamma = profile([(sig, gamma_curve(2.2) if sig.endswith(b"TRC") else data)
                     for sig, data in found.items()])
    assert standard_space(gamma) is None and profile_name(gamma) == "RGB display profile"
    assert profile_name(neutral_copy("DCI-P3")) == "DCI-P3"
    # The chart tells the spaces apart, so the colour checks below can fail.
    assert max_delta_e(neutral_copy("sRGB"), neutral_copy("Adobe RGB (1998)")) > 10
    assert max_delta_e(neutral_copy("Display P3"), neutral_copy("DCI-P3")) > 2


@pytest.mark.parametrize("make", PROFILES.values(), ids=PROFILES.keys())
def test_neutral_profile_keeps_the_colours_and_no_text(make: Callable[[], bytes]) -> None:
    source = make()
    out = neutral(source)
    assert out is not None and not icc_problem(out) and opens(out)
    for secret in SECRETS:
        assert secret not in out
    assert text_items(out, "") == []
    assert profile_name(out) == profile_name(source)
    tolerance = STANDARD_TOLERANCE if standard_space(source) else REWRITTEN_TOLERANCE
    assert max_delta_e(source, out) < tolerance
    assert mean_delta_e(source, out) < STANDARD_MEAN_TOLERANCE


def test_a_rewritten_profile_keeps_its_colour_tags_byte_for_byte() -> None:
    source = monitor_profile_v2()
    out = rewritten(source)
    before, after = tags(source), tags(out)
    assert set(after) == {b"desc", b"cprt", b"wtpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC"}
    for sig in (b"wtpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC"):
        assert after[sig] == before[sig]
    assert out[8] == 2 and after[b"desc"][:4] == b"desc" and after[b"cprt"][:4] == b"text"  # v2 types
    assert NEUTRAL_COPYRIGHT.encode() in after[b"cprt"]


def test_a_colour_tag_of_the_wrong_type_is_dropped() -> None:
    # Text planted in a tag colour management reads, under its signature: never carried.
    source = monitor_profile_v2()
    planted = profile([(s, b"text\0\0\0\0CANARY-VCGT-OWNER\0" if s == b"bkpt" else d)
                       for s, d in [*tags(source).items(), (b"bkpt", b"")]], version=2)
    out = neutral(planted)
    assert out is not None and b"CANARY" not in out
    assert any(i.key == "icc:other" for i in text_items(planted, ""))


ONLY_TEXT = profile([(b"desc", b"desc\0\0\0\0\0\0\0\x05DELL\0"), (b"cprt", b"text\0\0\0\0x\0")])


def test_a_profile_that_cannot_be_made_neutral_is_not_written() -> None:
    # Only text, no colour: the rewrite would not open, so nothing is made of it.
    assert neutral(ONLY_TEXT) is None
    with pytest.raises(ProfileNotNeutral):
        exported(ONLY_TEXT, frozenset())
    assert exported(ONLY_TEXT, frozenset(i.key for i in text_items(ONLY_TEXT, ""))) == ONLY_TEXT


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif"])
def test_a_photo_whose_profile_cannot_be_made_neutral_is_withheld(tmp_path: Path, suffix: str) -> None:
    src = _photo(tmp_path / f"in{suffix}", ONLY_TEXT)
    outcome = process_file(src, BUILTIN["minimal"])
    assert "colour profile cannot be kept" in outcome.reason and not outcome.data
    kept = process_file(src, BUILTIN["no-location"])  # the profile may leave as it is
    assert kept.reason == "" and _icc_of(kept.data) == ONLY_TEXT


# --- through the export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS.values(), ids=FORMATS.keys())
@pytest.mark.parametrize("make", PROFILES.values(), ids=PROFILES.keys())
def test_minimal_export_carries_none_of_the_profile_text(
    tmp_path: Path, suffix: str, make: Callable[[], bytes]
) -> None:
    source = make()
    src = _photo(tmp_path / f"in{suffix}", source)
    assert _icc_of(src.read_bytes()) == source
    outcome = process_file(src, BUILTIN["minimal"])
    assert outcome.reason == "" and outcome.data
    for secret in SECRETS:
        assert secret not in outcome.data
    icc = _icc_of(outcome.data)
    assert icc is not None and text_items(icc, "") == []
    tolerance = STANDARD_TOLERANCE if standard_space(source) else REWRITTEN_TOLERANCE
    assert max_delta_e(source, icc) < tolerance
    if suffix != ".heic":  # the others are cleaned losslessly: a new profile leaves the pixels alone
        with Image.open(src) as a, Image.open(io.BytesIO(outcome.data)) as b:
            assert a.tobytes() == b.tobytes()
    preview = outcome.preview
    assert preview is not None
    staying = {s.item.key for s in preview.stays}
    assert {"icc:desc", "icc:manufacturer", "icc:date", "icc:id"} <= staying
    assert not any(i.key.startswith("icc:") for i in preview.leaves)


@needs_exiftool
@pytest.mark.parametrize("suffix", FORMATS.values(), ids=FORMATS.keys())
def test_exiftool_finds_only_neutral_icc_text(tmp_path: Path, suffix: str) -> None:
    src = _photo(tmp_path / f"in{suffix}", display_p3_with_text())
    before = _exiftool_icc(src)
    assert before["[ICC_Profile] ProfileDescription"] == MONITOR  # the oracle sees what was planted
    outcome = process_file(src, BUILTIN["minimal"])
    assert outcome.reason == ""
    out = tmp_path / f"out{suffix}"
    out.write_bytes(outcome.data)
    fields = _exiftool_icc(out)
    assert fields["[ICC_Profile] ProfileDescription"] == "Display P3"
    assert fields["[ICC_Profile] ProfileCopyright"] == NEUTRAL_COPYRIGHT
    for name in ("ProfileCMMType", "DeviceManufacturer", "DeviceModel", "ProfileCreator"):
        assert fields.get(f"[ICC-header] {name}", "") in ("", "Unknown ()")
    assert fields["[ICC-header] ProfileDateTime"] == "0000:00:00 00:00:00"
    assert fields["[ICC-header] ProfileID"] == "0"
    text = "\n".join(fields.values())
    for word in ("DELL", "Samsung", "U2312HM", "2022", "CANARY"):
        assert word not in text


@pytest.mark.parametrize("suffix", FORMATS.values(), ids=FORMATS.keys())
def test_no_location_copies_the_profile_and_lists_its_text(tmp_path: Path, suffix: str) -> None:
    source = display_p3_with_text()
    src = _photo(tmp_path / f"in{suffix}", source)
    outcome = process_file(src, BUILTIN["no-location"])
    assert outcome.reason == ""
    assert _icc_of(outcome.data) == source
    preview = outcome.preview
    assert preview is not None
    text = {i.key: i for i in preview.leaves if i.key.startswith("icc:")}
    assert text["icc:desc"].value == MONITOR and text["icc:desc"].category is Category.DEVICE
    assert text["icc:cprt"].value == COPYRIGHT
    assert text["icc:dmdd"].value == "DELL U2312HM Color Profile"
    assert text["icc:date"].value == "2022-05-04 13:37:42"
    assert text["icc:manufacturer"].value == "SMSG" and text["icc:model"].value == "U251"
    assert text["icc:id"].value == bytes(range(0xA1, 0xB1)).hex()


def test_original_lists_the_profile_text_under_device(tmp_path: Path) -> None:
    src = _photo(tmp_path / "in.jpg", monitor_profile_v2())
    outcome = process_file(src, BUILTIN["original"])
    assert outcome.data == src.read_bytes()
    assert outcome.preview is not None
    desc = next(i for i in outcome.preview.leaves if i.key == "icc:desc")
    assert desc.category is Category.DEVICE and desc.value == MONITOR


def test_preview_says_the_identifying_text_is_removed(tmp_path: Path) -> None:
    src = _photo(tmp_path / "in.jpg", display_p3_with_text())
    minimal = process_file(src, BUILTIN["minimal"]).preview
    assert minimal is not None
    technical = next(f for f in summary_of(minimal) if f.category == "technical")
    assert technical.text == "colour profile Display P3 (identifying text removed)"
    assert any("Display P3 (identifying text removed)" in line for line in text_lines(minimal))
    kept = process_file(src, BUILTIN["no-location"]).preview
    assert kept is not None
    facts = {f.category: f for f in summary_of(kept)}
    assert facts["technical"].text == "colour profile Display P3"
    assert "icc:desc" in {i.key for i in facts["device"].items}


def test_a_profile_without_identifying_text_says_nothing_was_removed(tmp_path: Path) -> None:
    src = _photo(tmp_path / "in.png", neutral_copy("Adobe RGB (1998)"))
    preview = process_file(src, BUILTIN["minimal"]).preview
    assert preview is not None
    technical = next(f for f in summary_of(preview) if f.category == "technical")
    assert technical.text == "colour profile Adobe RGB (1998)"


def test_profile_text_never_leaves_without_its_profile(tmp_path: Path) -> None:
    # A custom policy that keeps the device but removes technical data: the profile stays, so its text
    # stays with it, and the export is clean rather than withheld.
    policy_file = tmp_path / "device-only.toml"
    policy_file.write_text('[categories]\ndevice = "keep"\ntechnical = "remove"\n')
    src = _photo(tmp_path / "in.jpg", display_p3_with_text())
    outcome = process_file(src, load_policy(policy_file))
    assert outcome.reason == ""
    assert _icc_of(outcome.data) is None
    assert outcome.preview is not None
    reasons = {s.item.key: s.reason for s in outcome.preview.stays}
    assert reasons["icc:desc"] == "the colour profile that holds it stays"


def test_the_profile_text_is_named_as_such_under_device(tmp_path: Path) -> None:
    src = _photo(tmp_path / "in.png", display_p3_with_text())
    preview = process_file(src, BUILTIN["minimal"]).preview
    assert preview is not None
    stays = {f.category: f for f in describe(s.item for s in preview.stays)}
    assert stays["device"].text == "the colour profile's text (“DELL U2515H”)"


def test_a_custom_profile_is_described_as_custom(tmp_path: Path) -> None:
    src = _photo(tmp_path / "in.jpg", monitor_profile_v2())
    preview = process_file(src, BUILTIN["minimal"]).preview
    assert preview is not None
    technical = next(f for f in summary_of(preview) if f.category == "technical")
    assert technical.text == "a custom RGB display profile (identifying text removed)"


def test_damaged_profiles_never_break_the_inventory_or_the_rewrite() -> None:
    # Random byte changes in real profiles: itemising never fails, and a neutral profile is either made
    # (and then carries none of the planted text) or refused in words.
    rng = random.Random(13)
    bases = [make() for make in PROFILES.values()]
    tried = 0
    for _ in range(400):
        data = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged = bytes(data)
        if icc_problem(damaged):
            continue
        tried += 1
        items = profile_items(damaged, "jpeg:icc", "test", len(damaged))
        assert items[0].key == "jpeg:icc"
        try:
            out = exported(damaged, frozenset())
        except ProfileNotNeutral:
            continue
        assert text_items(out, "") == [] and MONITOR.encode("utf-16-be") not in out
    assert tried > 100
