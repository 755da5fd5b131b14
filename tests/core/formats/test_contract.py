# SPDX-License-Identifier: GPL-3.0-or-later
"""What every format handler promises, checked the same way for each (parametrised over HANDLERS):

- hostile mutations never crash it: ``parse`` and ``clean`` raise ``ParseError`` or succeed;
- every byte of the file belongs to exactly one segment;
- a truncated file is a ``ParseError`` that says so;
- text dressed up with the format's signature is refused;
- after a ``minimal`` clean, ExifTool finds none of the sample's canaries;
- an export walks the original once (the clean reuses the parse's walk);
- an Orientation that is not a SHORT from 1 to 8 (text holding a secret) never leaves.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.formats import HANDLERS, Parsed, handler_named
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from core.model.policy import BUILTIN
from core.pipeline.export import process_file
from core.pipeline.inspection import parse_buffer
from tests.core import gif_fixtures
from tests.core.exif_fixtures import canary_tiff, tiff_block
from tests.core.format_fixtures import CANARY, decodable, disguised_text
from tests.core.heic_fixtures import heic_encoder_available, real_heic
from tests.core.mp4_fixtures import encoded as decodable_video
from tests.oracle import needs_exiftool

NAMES = [entry.name for entry in HANDLERS]
# The function each handler walks a file with (module in core.formats, name): an export must call it
# once for the original.
WALKERS = {
    "jpeg": ("jpeg_walk", "walk"), "png": ("png_analysis", "analyse"), "webp": ("webp", "_analyse"),
    "tiff": ("tiff", "_walk"), "heic": ("heic_items", "walk"), "mp4": ("mp4_walk", "walk"),
    "gif": ("gif", "_walk"), "avif": ("avif", "walk"),
}
# Videos and GIFs have no EXIF Orientation: the orientation cases do not apply to them.
NO_EXIF = {"mp4", "gif"}
needs_heic = pytest.mark.skipif(not heic_encoder_available(), reason="no HEIF encoder in pillow-heif")


def assert_partition(data: bytes, parsed: Parsed) -> None:
    pos = 0
    for seg in sorted(parsed.segments, key=lambda s: s.offset):
        assert seg.offset == pos, f"gap or overlap at byte {pos}: {seg}"
        assert seg.length > 0, seg
        pos += seg.length
    assert pos == len(data)


def minimal_keys(parsed: Parsed) -> frozenset[str]:
    return frozenset(i.key for i in parsed.items if i.need in (Need.PIXELS, Need.DISPLAY) and i.carriable)


def carriable_keys(parsed: Parsed) -> frozenset[str]:
    """What a keep-all policy lets leave (unknown data never does)."""
    return frozenset(i.key for i in parsed.items if i.carriable and i.category is not Category.UNKNOWN)


def test_every_handler_is_covered() -> None:
    assert set(WALKERS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_byte_is_accounted_for(name: str, format_sample) -> None:
    data = format_sample(name)
    assert_partition(data, handler_named(name).parse(data))


def _mutations(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.random()
    if kind < 0.2:
        return bytes(out[: rng.randrange(1, len(out))])
    if kind < 0.3:
        at = rng.randrange(len(out))
        return bytes(out[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + out[at:])
    for _ in range(rng.randint(1, 8)):
        # Most flips land in the structure at the front, where they matter most.
        span = min(len(out), 2048) if rng.random() < 0.8 else len(out)
        out[rng.randrange(span)] ^= 1 << rng.randrange(8)
    return bytes(out)


@pytest.mark.parametrize("name", NAMES)
def test_mutations_never_crash(name: str, format_sample) -> None:
    handler = handler_named(name)
    original = format_sample(name)
    rng = random.Random(f"contract-{name}")  # fixed seed: the same 300 cases every run
    parsed_ok = 0
    for _ in range(300):
        data = _mutations(original, rng)
        try:
            parsed = handler.parse(data)
        except ParseError as exc:
            assert str(exc).strip()
            continue
        parsed_ok += 1
        assert_partition(data, parsed)
        try:
            cleaned = handler.clean(data, parsed, carriable_keys(parsed))
        except ParseError as exc:
            assert str(exc).strip()
            continue
        try:
            parse_buffer(cleaned.data)
        except ParseError as exc:
            assert str(exc).strip()
    assert parsed_ok, "no mutation parsed: the cases test nothing beyond the first check"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fraction", [0.25, 0.5])
def test_truncated_file_is_a_clear_error(name: str, fraction: float, format_sample) -> None:
    data = format_sample(name)
    with pytest.raises(ParseError) as info:
        handler_named(name).parse(data[: int(len(data) * fraction)])
    message = str(info.value)
    clear = ("truncated", "cut short", "past the end", "outside the file", "missing", "shorter")
    assert any(w in message for w in clear), message


@pytest.mark.parametrize("name", NAMES)
def test_text_disguised_as_the_format_is_refused(name: str) -> None:
    handler = handler_named(name)
    with pytest.raises(ParseError) as info:
        handler.parse(disguised_text(name))
    assert str(info.value).strip()
    plain = b"Dear reader, this is a letter and not a photo at all.\n" * 8
    assert not handler.sniff(plain[:64])
    label = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "tiff": "TIFF", "heic": "HEIF", "mp4": "MP4",
             "gif": "GIF", "avif": "AVIF"}[name]
    with pytest.raises(ParseError, match=f"not a (readable )?{label} file"):
        handler.parse(plain)
    with pytest.raises(ParseError, match="text"):
        parse_buffer(plain)


def _exiftool_json(path: Path) -> str:
    out = subprocess.run(["exiftool", "-a", "-u", "-G1", "-j", str(path)], capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


@needs_exiftool
@pytest.mark.parametrize("name", NAMES)
def test_exiftool_finds_nothing_removed_after_a_minimal_clean(
    name: str, format_sample, tmp_path: Path
) -> None:
    if name == "heic":
        if not heic_encoder_available():
            pytest.skip("no HEIF encoder in pillow-heif")
        data = real_heic()  # the rich HEIF sample is not decodable, and a HEIC clean decodes
    else:
        data = format_sample(name)
    handler = handler_named(name)
    source = tmp_path / f"source.{name}"
    source.write_bytes(data)
    assert "CANARY" in _exiftool_json(source)  # the oracle sees the canaries before
    parsed = handler.parse(data)
    cleaned = handler.clean(data, parsed, minimal_keys(parsed))
    out = tmp_path / f"clean{cleaned.extension}"
    out.write_bytes(cleaned.data)
    assert CANARY not in cleaned.data and "CANARY".encode("utf-16-le") not in cleaned.data
    found = _exiftool_json(out)
    assert "CANARY" not in found, found
    assert '"ExifTool:Error"' not in found


@pytest.mark.parametrize("name", NAMES)
def test_an_export_walks_the_original_once(name: str, tmp_path: Path, monkeypatch) -> None:
    import importlib

    if name == "heic" and not heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    where, function = WALKERS[name]
    real = getattr(importlib.import_module(f"core.formats.{where}"), function)
    calls: list[int] = []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    # Every module of the handler that holds the walker (each imports it where it is called).
    handler_named(name)
    for loaded in [m for n, m in sys.modules.items() if n.startswith("core.formats.")]:
        for attr, value in list(vars(loaded).items()):
            if value is real:
                monkeypatch.setattr(loaded, attr, counting)
    source = tmp_path / f"photo.{name}"
    source.write_bytes(_export_sample(name))
    outcome = process_file(source, BUILTIN["minimal"])
    assert not outcome.reason, outcome.reason
    # The original once; a same-format output once more, by the verifier (HEIC leaves as JPEG).
    assert len(calls) == (1 if name == "heic" else 2)


def _export_sample(name: str) -> bytes:
    """A small real file of the format that a whole export (decode, clean, verify) runs on."""
    if name == "mp4":
        return decodable_video()
    if name == "gif":
        return gif_fixtures.animated()
    return _orientation_sample(name, 6)


# ----------------------------------------------------------------------------------- Orientation

SECRET = "SECRET-IN-ORIENTATION-5521"


def _orientation_sample(name: str, value: int | str) -> bytes:
    typ = 2 if isinstance(value, str) else 3
    entry = (0x0112, typ, value)
    if name == "tiff":
        return canary_tiff(orientation=entry)
    return decodable(name, tiff_block({"IFD0": [(0x010F, 2, "OrientationCam"), entry]}))


@pytest.mark.parametrize("name", NAMES)
def test_text_in_the_orientation_tag_never_leaves(name: str, tmp_path: Path) -> None:
    if name in NO_EXIF:
        pytest.skip("videos and GIFs carry no EXIF Orientation")
    if name == "heic" and not heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    data = _orientation_sample(name, SECRET)
    assert SECRET.encode() in data
    source = tmp_path / f"photo.{name}"
    source.write_bytes(data)
    _, parsed = parse_buffer(data)
    orientation = [i for i in parsed.items if i.name == "Orientation"]
    assert orientation and not any(i.carriable for i in orientation)
    assert parsed.orientation == 1
    outcome = process_file(source, BUILTIN["minimal"])
    assert not outcome.reason, outcome.reason
    assert SECRET.encode() not in outcome.data
    if shutil.which("exiftool"):
        out = tmp_path / f"clean{outcome.extension}"
        out.write_bytes(outcome.data)
        found = _exiftool_json(out)
        assert SECRET not in found
        assert "IFD0:Orientation" not in json.loads(found)[0]


@pytest.mark.parametrize("name", NAMES)
def test_a_valid_orientation_is_rebuilt_and_kept(name: str, tmp_path: Path) -> None:
    if name in NO_EXIF:
        pytest.skip("videos and GIFs carry no EXIF Orientation")
    if name == "heic" and not heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    source = tmp_path / f"photo.{name}"
    source.write_bytes(_orientation_sample(name, 6))
    outcome = process_file(source, BUILTIN["minimal"])
    assert not outcome.reason, outcome.reason
    _, out = parse_buffer(outcome.data)
    # HEIC pixels are written upright, with Orientation 1 to match.
    assert out.orientation == (1 if name == "heic" else 6)
