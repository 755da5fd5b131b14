# SPDX-License-Identifier: GPL-3.0-or-later
"""PNG handler: parse finds every leak vector, clean keeps only what leaves, pixels stay identical."""

from __future__ import annotations

import csv
import json
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from core.formats.base import Parsed
from core.formats.png import PngHandler
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from tests.core import png_webp_fixtures as fx
from tests.oracle import CORPUS, corpus_files, exiftool_tags, needs_corpus, needs_exiftool

H = PngHandler()

EXPECTED = {
    "exif_artist": Category.PEOPLE,
    "exif_desc": Category.DESCRIPTION,
    "exif_make": Category.DEVICE,
    "exif_gps_area": Category.LOCATION,
    "xmp_creator": Category.PEOPLE,
    "xmp_city": Category.LOCATION,
    "text_author": Category.PEOPLE,
    "text_comment": Category.DESCRIPTION,
    "itxt_title": Category.DESCRIPTION,
    "sd_prompt": Category.DESCRIPTION,
    "comfy_workflow": Category.DESCRIPTION,
    "software": Category.DEVICE,
    "raw_iptc_byline": Category.PEOPLE,
}


def _by_canary(parsed: Parsed) -> dict[str, set[Category]]:
    found: dict[str, set[Category]] = {}
    for name, canary in fx.CANARIES.items():
        found[name] = {i.category for i in parsed.items if canary in i.value}
    return found


def test_parse_finds_every_vector_in_its_category() -> None:
    data = fx.rich_png()
    parsed = H.parse(data)
    found = _by_canary(parsed)
    for name, category in EXPECTED.items():
        assert found[name] == {category}, name
    keys = {i.key: i for i in parsed.items}
    assert keys["png:tIME"].category is Category.TIME
    assert keys["png:iCCP"].need is Need.DISPLAY and keys["png:gAMA"].need is Need.DISPLAY
    assert keys["png:image"].need is Need.PIXELS
    assert keys["exif:IFD0:0x0112"].need is Need.PIXELS  # eXIf found after IDAT
    assert keys["png:unknown:prVt"].category is Category.UNKNOWN
    assert keys["png:trailer"].category is Category.HIDDEN_MEDIA
    assert any(i.category is Category.LOCATION and i.key.startswith("exif:GPS:") for i in parsed.items)
    assert (parsed.width, parsed.height, parsed.orientation) == (24, 16, 6)
    assert sum(s.length for s in parsed.segments) == len(data)
    # Segments are a partition in order.
    pos = 0
    for seg in parsed.segments:
        assert seg.offset == pos
        pos += seg.length


def test_minimal_clean_removes_every_canary_and_keeps_pixels_and_orientation() -> None:
    data = fx.rich_png()
    parsed = H.parse(data)
    _, out, reparsed = fx.check_clean(H, data, fx.display_keys(parsed))
    for name, canary in fx.CANARIES.items():
        assert canary.encode() not in out, name
    keys = {i.key for i in reparsed.items}
    assert {"png:image", "png:iCCP", "png:gAMA", "exif:IFD0:0x0112"} <= keys
    assert reparsed.orientation == 6
    assert not keys & {"png:tIME", "png:pHYs", "png:trailer"}
    assert out.endswith(fx.chunk(b"IEND", b""))


def test_keep_all_carries_metadata_but_never_unknown_or_trailer() -> None:
    data = fx.rich_png()
    parsed = H.parse(data)
    _, out, reparsed = fx.check_clean(H, data, fx.carriable_keys(parsed))
    for name in ("exif_artist", "xmp_creator", "text_author", "text_comment", "sd_prompt", "comfy_workflow"):
        assert fx.CANARIES[name].encode() in out or name in ("text_comment",), name
    for name in ("unknown_chunk", "trailer", "raw_iptc_byline"):
        assert fx.CANARIES[name].encode() not in out, name
    # The eXIf found after IDAT now comes before it.
    types = [t for t, _ in fx.png_chunks(out)]
    assert types.index(b"eXIf") < types.index(b"IDAT")
    assert next(i for i in reparsed.items if i.key == "png:text:Comment").value == fx.CANARIES["text_comment"]


def test_only_some_exif_tags_leave() -> None:
    data = fx.rich_png()
    parsed = H.parse(data)
    leaving = fx.display_keys(parsed) | {"exif:IFD0:0x013b"}  # Artist, not GPS
    _, out, reparsed = fx.check_clean(H, data, leaving)
    assert fx.CANARIES["exif_artist"].encode() in out
    assert fx.CANARIES["exif_gps_area"].encode() not in out
    assert not [i for i in reparsed.items if i.category is Category.LOCATION]


@needs_exiftool
def test_exiftool_sees_nothing_removed(tmp_path: Path) -> None:
    data = fx.rich_png()
    cleaned = H.clean(data, H.parse(data), fx.display_keys(H.parse(data)))
    path = tmp_path / "out.png"
    path.write_bytes(cleaned.data)
    tags = exiftool_tags(path)
    assert fx.oracle_leaks(tags, list(fx.CANARIES.values())) == []
    assert tags.get("IFD0:Orientation") == "Rotate 90 CW"


def test_raw_profile_exif_is_reencoded() -> None:
    data = fx.raw_exif_png()
    parsed = H.parse(data)
    artist = next(i for i in parsed.items if i.key == "rawexif:IFD0:0x013b")
    assert artist.category is Category.PEOPLE and artist.value == fx.CANARIES["raw_exif_artist"]
    assert parsed.orientation == 3
    _, out, reparsed = fx.check_clean(H, data, fx.display_keys(parsed))
    assert fx.CANARIES["raw_exif_artist"].encode() not in out
    assert reparsed.orientation == 3
    _, out, _ = fx.check_clean(H, data, fx.carriable_keys(parsed))
    assert b"Raw profile type exif" in out


def test_stable_diffusion_and_comfyui_prompts_are_descriptions() -> None:
    data = fx.insert_chunks(
        fx.plain_png(),
        before_idat=[
            fx.text("prompt", '{"3": {"inputs": {"text": "PROMPTCANARY"}}}'),
            fx.itxt("workflow", "{}"),
        ],
    )
    items = {i.key: i for i in H.parse(data).items}
    assert items["png:text:prompt"].category is Category.DESCRIPTION
    assert "PROMPTCANARY" in items["png:text:prompt"].value
    assert "ComfyUI" in items["png:text:workflow"].name


def test_repeated_text_keywords_get_distinct_stable_keys() -> None:
    repeated = [fx.text("Comment", "one"), fx.text("Comment", "two")]
    data = fx.insert_chunks(fx.plain_png(), before_idat=repeated)
    parsed = H.parse(data)
    assert {"png:text:Comment", "png:text:Comment#2"} <= {i.key for i in parsed.items}
    fx.check_clean(H, data, fx.carriable_keys(parsed))


def test_ztxt_bomb_is_refused_not_expanded() -> None:
    data = fx.bomb_png()
    parsed = H.parse(data)
    bomb = [i for i in parsed.items if i.category is Category.UNKNOWN]
    assert len(bomb) == 1 and "decompression bomb" in bomb[0].note
    _, out, _ = fx.check_clean(H, data, fx.carriable_keys(parsed), reference=fx.plain_png())
    assert b"zTXt" not in out


def test_apng_frames_are_carried() -> None:
    data = fx.apng()
    parsed = H.parse(data)
    assert {"png:image", "png:animation"} <= {i.key for i in parsed.items}
    _, out, _ = fx.check_clean(H, data, fx.display_keys(parsed))
    assert len(fx.pixels_of(out)) == 2


def test_palette_png_keeps_plte_and_trns() -> None:
    im = fx.pattern_image("P")
    data = fx.plain_png(im, transparency=0)
    parsed = H.parse(data)
    _, out, _ = fx.check_clean(H, data, fx.display_keys(parsed))
    assert {b"PLTE", b"tRNS"} <= {t for t, _ in fx.png_chunks(out)}


def test_text_after_iend_is_an_unknown_trailer() -> None:
    data = fx.plain_png() + b"hello " + fx.CANARIES["trailer"].encode()
    parsed = H.parse(data)
    trailer = next(i for i in parsed.items if i.key == "png:trailer")
    assert trailer.category is Category.UNKNOWN and trailer.bytes == 6 + len(fx.CANARIES["trailer"])
    assert sum(s.length for s in parsed.segments) == len(data)
    _, out, _ = fx.check_clean(H, data, fx.carriable_keys(parsed))
    assert fx.CANARIES["trailer"].encode() not in out


def test_reencoded_pixels_replace_the_image_data() -> None:
    data = fx.rich_png()
    parsed = H.parse(data)
    blurred = fx.pattern_image().transpose(fx.Image.Transpose.FLIP_TOP_BOTTOM)
    cleaned = H.clean(data, parsed, fx.display_keys(parsed), pixels=blurred)
    assert cleaned.pixels == "re-encoded"
    out = H.parse(cleaned.data)
    assert out.orientation == 6
    with fx.Image.open(fx.BytesIO(cleaned.data)) as im:
        assert im.convert("RGB").tobytes() == blurred.tobytes()


# ------------------------------------------------------------------------------------------ bad input


def test_truncated_chunk_is_a_parse_error() -> None:
    data = fx.plain_png()
    with pytest.raises(ParseError, match="truncated"):
        H.parse(data[: data.index(b"IDAT") + 10])
    with pytest.raises(ParseError, match="IEND"):
        H.parse(data[: data.index(b"IEND") - 4])


def test_bad_crc_on_critical_chunk_is_a_parse_error() -> None:
    chunks = fx.png_chunks(fx.plain_png())
    raw = fx.PNG_SIG + b"".join(fx.chunk(t, p, bad_crc=t == b"IDAT") for t, p in chunks)
    with pytest.raises(ParseError, match="checksum"):
        H.parse(raw)


def test_bad_crc_on_ancillary_chunk_is_unknown() -> None:
    bad = fx.chunk(b"tEXt", b"Author\0someone", bad_crc=True)
    data = fx.insert_chunks(fx.plain_png(), before_idat=[bad])
    parsed = H.parse(data)
    item = next(i for i in parsed.items if i.category is Category.UNKNOWN)
    assert "checksum" in item.note
    _, out, _ = fx.check_clean(H, data, fx.carriable_keys(parsed), reference=fx.plain_png())
    assert b"someone" not in out


def test_unknown_critical_chunk_is_refused() -> None:
    data = fx.insert_chunks(fx.plain_png(), before_idat=[fx.chunk(b"ZZZZ", b"x")])
    with pytest.raises(ParseError, match="critical"):
        H.parse(data)


def test_huge_chunk_length_is_a_parse_error() -> None:
    data = fx.plain_png()
    pos = data.index(b"IDAT") - 4
    hostile = data[:pos] + struct.pack(">I", 0xFFFFFFF0) + data[pos + 4 :]
    with pytest.raises(ParseError):
        H.parse(hostile)


def test_corrupt_ztxt_and_malformed_raw_profile_are_unknown() -> None:
    bad_z = fx.chunk(b"zTXt", b"Comment\0\0" + b"not zlib")
    bad_raw = fx.text("Raw profile type exif", "\nexif\n   10\nzz")
    data = fx.insert_chunks(fx.plain_png(), before_idat=[bad_z, bad_raw])
    parsed = H.parse(data)
    assert len([i for i in parsed.items if i.category is Category.UNKNOWN]) == 2
    fx.check_clean(H, data, fx.carriable_keys(parsed))


def test_garbage_exif_chunk_does_not_crash() -> None:
    data = fx.insert_chunks(fx.plain_png(), before_idat=[fx.chunk(b"eXIf", b"MM\0*\0\0\0\x08\xff\xff")])
    parsed = H.parse(data)
    assert sum(s.length for s in parsed.segments) == len(data)
    fx.check_clean(H, data, fx.carriable_keys(parsed))


def test_no_idat_is_refused() -> None:
    chunks = [(t, p) for t, p in fx.png_chunks(fx.plain_png()) if t != b"IDAT"]
    with pytest.raises(ParseError, match="IDAT"):
        H.parse(fx.png_from(chunks))


def test_clean_crcs_are_valid() -> None:
    data = fx.rich_png()
    out = H.clean(data, H.parse(data), fx.carriable_keys(H.parse(data))).data
    pos = 8
    while pos < len(out):
        n, t = struct.unpack(">I4s", out[pos : pos + 8])
        stored = struct.unpack(">I", out[pos + 8 + n : pos + 12 + n])[0]
        assert zlib.crc32(out[pos + 4 : pos + 8 + n]) == stored
        pos += 12 + n
    assert pos == len(out)


# ------------------------------------------------------------------------------------------------ corpus


def _manifest_people() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            values = [v.partition("=")[2].strip() for v in row["people_names_contact"].split(";") if "=" in v]
            names[row["path"]] = [v for v in values if len(v) >= 4]
    return names


def _corpus_pngs() -> list[Path]:
    return [p for p in corpus_files("png") + corpus_files("faces") if p.suffix.lower() == ".png"]


@needs_corpus
@pytest.mark.parametrize("path", _corpus_pngs(), ids=lambda p: p.name)
def test_corpus_png_parses_and_cleans(path: Path, tmp_path: Path) -> None:
    data = path.read_bytes()
    parsed = H.parse(data)
    assert sum(s.length for s in parsed.segments) == len(data)
    _, out, reparsed = fx.check_clean(H, data, fx.display_keys(parsed))
    for name in _manifest_people()[str(path.relative_to(CORPUS))]:
        assert name.encode() not in out and name.encode("utf-16-le") not in out, name
    assert not [i for i in reparsed.items if i.category not in (Category.TECHNICAL,)]
    fx.check_clean(H, data, fx.carriable_keys(parsed), decode=False)


@needs_corpus
@needs_exiftool
def test_corpus_png_exiftool_sees_no_metadata_after_minimal(tmp_path: Path) -> None:
    outputs = []
    for n, path in enumerate(_corpus_pngs()):
        data = path.read_bytes()
        parsed = H.parse(data)
        out = tmp_path / f"{n}.png"
        out.write_bytes(H.clean(data, parsed, fx.display_keys(parsed)).data)
        outputs.append(out)
    result = subprocess.run(
        ["exiftool", "-a", "-u", "-G1", "-j", *map(str, outputs)], check=True, capture_output=True, text=True
    )
    for tags in json.loads(result.stdout):
        assert fx.oracle_leaks(tags, []) == [], tags["SourceFile"]
