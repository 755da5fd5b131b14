# SPDX-License-Identifier: GPL-3.0-or-later
"""WebP handler: every RIFF chunk itemised, clean rebuilds VP8X with matching flags, pixels identical."""

from __future__ import annotations

import csv
import json
import struct
import subprocess
from pathlib import Path

import pytest

from core.formats.webp import FLAG_ALPHA, FLAG_ANIMATION, FLAG_EXIF, FLAG_ICC, FLAG_XMP, WebpHandler
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from tests.core import png_webp_fixtures as fx
from tests.oracle import CORPUS, corpus_files, exiftool_tags, needs_corpus, needs_exiftool

H = WebpHandler()

EXPECTED = {
    "exif_artist": Category.PEOPLE,
    "exif_desc": Category.DESCRIPTION,
    "exif_make": Category.DEVICE,
    "exif_gps_area": Category.LOCATION,
    "xmp_creator": Category.PEOPLE,
    "xmp_city": Category.LOCATION,
}
WEBP_CANARIES = [fx.CANARIES[k] for k in (*EXPECTED, "unknown_chunk", "trailer")]


def _flags(data: bytes) -> int | None:
    chunks = fx.webp_chunks(data)
    return chunks[0][1][0] if chunks[0][0] == b"VP8X" else None


@pytest.mark.parametrize("prefix", [False, True], ids=["plain", "exif-header-quirk"])
def test_parse_finds_every_vector_in_its_category(prefix: bool) -> None:
    data = fx.rich_webp(exif_prefix=prefix)
    parsed = H.parse(data)
    for name, category in EXPECTED.items():
        assert {i.category for i in parsed.items if fx.CANARIES[name] in i.value} == {category}, name
    keys = {i.key: i for i in parsed.items}
    assert keys["webp:image"].need is Need.PIXELS
    assert keys["webp:ICCP"].need is Need.DISPLAY
    assert keys["exif:IFD0:0x0112"].need is Need.PIXELS
    assert keys["webp:unknown:prVt"].category is Category.UNKNOWN
    assert keys["webp:trailer"].category is Category.HIDDEN_MEDIA
    assert (parsed.width, parsed.height, parsed.orientation) == (24, 16, 6)
    pos = 0
    for seg in parsed.segments:
        assert seg.offset == pos
        pos += seg.length
    assert pos == len(data)


@pytest.mark.parametrize("prefix", [False, True], ids=["plain", "exif-header-quirk"])
def test_minimal_clean_removes_canaries_and_sets_flags(prefix: bool) -> None:
    data = fx.rich_webp(exif_prefix=prefix)
    parsed = H.parse(data)
    _, out, reparsed = fx.check_clean(H, data, fx.display_keys(parsed))
    for canary in WEBP_CANARIES:
        assert canary.encode() not in out, canary
    assert _flags(out) == FLAG_ICC | FLAG_EXIF
    exif = dict(fx.webp_chunks(out))[b"EXIF"]
    assert exif[:4] in (b"II*\0", b"MM\0*")  # written the standard way, without "Exif\0\0"
    assert reparsed.orientation == 6
    assert struct.unpack("<I", out[4:8])[0] + 8 == len(out)


def test_keep_all_carries_xmp_and_exif_but_not_unknown_or_trailer() -> None:
    data = fx.rich_webp()
    parsed = H.parse(data)
    _, out, _ = fx.check_clean(H, data, fx.carriable_keys(parsed))
    assert _flags(out) == FLAG_ICC | FLAG_EXIF | FLAG_XMP
    assert fx.CANARIES["xmp_creator"].encode() in out and fx.CANARIES["exif_artist"].encode() in out
    assert fx.CANARIES["unknown_chunk"].encode() not in out and fx.CANARIES["trailer"].encode() not in out
    assert [f for f, _ in fx.webp_chunks(out)] == [b"VP8X", b"ICCP", b"VP8 ", b"EXIF", b"XMP "]


def test_technical_removed_gives_a_simple_file_when_only_the_image_is_left() -> None:
    data = fx.plain_webp(exif=fx.exif_block(orientation=1), icc_profile=fx.srgb_icc())
    assert {"webp:ICCP", "exif:IFD0:0x0112"} <= {i.key for i in H.parse(data).items}
    pixels_only = frozenset({"webp:image"})
    _, out, _ = fx.check_clean(H, data, pixels_only)
    assert _flags(out) is None and fx.webp_chunks(out)[0][0] == b"VP8 "


@needs_exiftool
def test_exiftool_sees_nothing_removed(tmp_path: Path) -> None:
    data = fx.rich_webp(exif_prefix=True)
    parsed = H.parse(data)
    path = tmp_path / "out.webp"
    path.write_bytes(H.clean(data, parsed, fx.display_keys(parsed)).data)
    tags = exiftool_tags(path)
    assert fx.oracle_leaks(tags, WEBP_CANARIES) == []
    assert tags.get("IFD0:Orientation") == "Rotate 90 CW"


def test_lossless_alpha_image() -> None:
    image = fx.pattern_image("RGBA")
    image.putalpha(128)  # a real alpha channel, so the encoder keeps it
    data = fx.plain_webp(image, lossless=True, exif=fx.exif_block(orientation=8))
    parsed = H.parse(data)
    assert (parsed.width, parsed.height, parsed.orientation) == (24, 16, 8)
    _, out, _ = fx.check_clean(H, data, fx.display_keys(parsed))
    assert _flags(out) & FLAG_ALPHA and _flags(out) & FLAG_EXIF


def test_animation_is_carried_and_unknown_frame_subchunks_dropped() -> None:
    data = fx.animated_webp()
    chunks = fx.webp_chunks(data)
    # Hide an unknown chunk inside the first animation frame.
    i = next(n for n, (f, _) in enumerate(chunks) if f == b"ANMF")
    chunks[i] = (b"ANMF", chunks[i][1] + fx.riff_chunk(b"zzzz", fx.CANARIES["unknown_chunk"].encode()))
    data = fx.webp_from(chunks)
    parsed = H.parse(data)
    assert parsed.notes  # the hidden chunk is mentioned
    _, out, _ = fx.check_clean(H, data, fx.display_keys(parsed))
    assert fx.CANARIES["unknown_chunk"].encode() not in out
    assert _flags(out) & FLAG_ANIMATION
    assert len(fx.pixels_of(out)) == 2


def test_reencoded_pixels() -> None:
    data = fx.rich_webp()
    parsed = H.parse(data)
    blurred = fx.pattern_image().transpose(fx.Image.Transpose.FLIP_TOP_BOTTOM)
    cleaned = H.clean(data, parsed, fx.display_keys(parsed), pixels=blurred)
    assert cleaned.pixels == "re-encoded"
    out = H.parse(cleaned.data)
    assert out.orientation == 6 and (out.width, out.height) == blurred.size


# ------------------------------------------------------------------------------------------ bad input


def test_riff_size_larger_than_file_is_truncated() -> None:
    data = fx.plain_webp()
    with pytest.raises(ParseError, match="truncated"):
        H.parse(data[:-10])


def test_data_beyond_riff_size_is_a_trailer() -> None:
    data = fx.plain_webp() + b"\0\0\0\0"
    parsed = H.parse(data)
    trailer = next(i for i in parsed.items if i.key == "webp:trailer")
    assert trailer.category is Category.UNKNOWN and trailer.bytes == 4
    _, out, _ = fx.check_clean(H, data, fx.display_keys(parsed))
    assert len(out) == len(data) - 4


def test_truncated_chunk_is_a_parse_error() -> None:
    data = fx.plain_webp()
    bad = data[:4] + struct.pack("<I", len(data) - 8 - 6) + data[8:-6]
    with pytest.raises(ParseError):
        H.parse(bad)


def test_chunk_length_past_riff_is_a_parse_error() -> None:
    data = bytearray(fx.plain_webp())
    data[16:20] = struct.pack("<I", 0xFFFFFF00)
    with pytest.raises(ParseError):
        H.parse(bytes(data))


def test_garbage_exif_and_xmp_do_not_crash() -> None:
    chunks = fx.webp_chunks(fx.rich_webp())
    chunks = [
        (f, b"MM\0*\0\0\0\x08\xff" if f == b"EXIF" else b"<x:xmpmeta" if f == b"XMP " else p)
        for f, p in chunks
    ]
    data = fx.webp_from(chunks)
    parsed = H.parse(data)
    assert sum(s.length for s in parsed.segments) == len(data)
    fx.check_clean(H, data, fx.carriable_keys(parsed))


# ------------------------------------------------------------------------------------------------ corpus


def _manifest() -> dict[str, dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as f:
        return {row["path"]: row for row in csv.DictReader(f, delimiter="\t")}


@needs_corpus
@pytest.mark.parametrize("path", corpus_files("webp"), ids=lambda p: p.name)
def test_corpus_webp_parses_and_cleans(path: Path) -> None:
    data = path.read_bytes()
    parsed = H.parse(data)
    assert sum(s.length for s in parsed.segments) == len(data)
    row = _manifest()[str(path.relative_to(CORPUS))]
    if row["gps"].startswith("yes"):
        assert any(i.category is Category.LOCATION for i in parsed.items)
    _, out, reparsed = fx.check_clean(H, data, fx.display_keys(parsed))
    assert not [i for i in reparsed.items if i.category is not Category.TECHNICAL]
    for value in row["people_names_contact"].split(";"):
        name = value.partition("=")[2].strip().rstrip(",")
        if len(name) >= 4:
            assert name.encode() not in out, name
    fx.check_clean(H, data, fx.carriable_keys(parsed), decode=False)


@needs_corpus
@needs_exiftool
def test_corpus_webp_exiftool_sees_no_metadata_after_minimal(tmp_path: Path) -> None:
    outputs = []
    for n, path in enumerate(corpus_files("webp")):
        data = path.read_bytes()
        parsed = H.parse(data)
        out = tmp_path / f"{n}.webp"
        out.write_bytes(H.clean(data, parsed, fx.display_keys(parsed)).data)
        outputs.append(out)
    result = subprocess.run(
        ["exiftool", "-a", "-u", "-G1", "-j", *map(str, outputs)], check=True, capture_output=True, text=True
    )
    for tags in json.loads(result.stdout):
        assert fx.oracle_leaks(tags, []) == [], tags["SourceFile"]
