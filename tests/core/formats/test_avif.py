# SPDX-License-Identifier: GPL-3.0-or-later
"""AVIF: the HEIF inventory, a lossless box rewrite for the clean, a re-encode for blurred faces."""

from __future__ import annotations

import dataclasses
import io
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from core.formats import handler_for, handler_named
from core.formats.isobmff import read_item_file
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from core.model.policy import BUILTIN
from core.pipeline.export import process_file
from core.pipeline.inspection import parse_buffer
from tests.core import avif_fixtures as fx
from tests.core.heic_fixtures import box
from tests.core.png_webp_fixtures import CANARIES as XMP_CANARIES
from tests.core.png_webp_fixtures import pattern_image, srgb_icc, xmp_packet
from tests.oracle import STRUCTURAL_GROUPS, exiftool_tags, needs_exiftool

HANDLER = handler_named("avif")
KEEP_ALL = dataclasses.replace(BUILTIN["original"], name="keep-all", passthrough=False)
ALL_CANARIES = [*fx.CANARIES.values(), XMP_CANARIES["xmp_city"], XMP_CANARIES["xmp_creator"]]


def _export(tmp_path: Path, data: bytes, policy: str = "minimal") -> bytes:
    source = tmp_path / "photo.avif"
    source.write_bytes(data)
    outcome = process_file(source, KEEP_ALL if policy == "keep-all" else BUILTIN[policy])
    assert not outcome.reason, outcome.reason
    assert outcome.extension == ".avif"
    assert outcome.preview is not None
    return outcome.data


def _coded(data: bytes) -> bytes:
    """The primary image's AV1 bytes, read with the generic box walker."""
    return fx.av1_parts(data)[0]


def _by_canary(data: bytes) -> dict[str, Item]:
    _, parsed = parse_buffer(data)
    return {c: i for i in parsed.items for c in ALL_CANARIES if c in i.value}


# ------------------------------------------------------------------------------------------- inventory


def test_avif_is_its_own_format_and_heic_is_not_confused_with_it() -> None:
    data = fx.rich()
    handler = handler_for(data[:64])
    assert handler is not None and handler.name == "avif" and not handler.reencodes
    assert handler_named("heic").sniff(data[:64]) is False
    assert handler_named("mp4").sniff(data[:64]) is False


def test_the_inventory_finds_every_value_in_its_category() -> None:
    found = _by_canary(fx.rich())
    assert found[fx.CANARIES["make"]].category is Category.DEVICE
    assert found[fx.CANARIES["artist"]].category is Category.PEOPLE
    assert found[XMP_CANARIES["xmp_city"]].category is Category.LOCATION
    assert found[XMP_CANARIES["xmp_creator"]].category is Category.PEOPLE
    assert found[fx.CANARIES["free"]].category is Category.UNKNOWN
    assert found[fx.CANARIES["unknown"]].category is Category.UNKNOWN
    _, parsed = parse_buffer(fx.rich())
    image = next(i for i in parsed.items if i.key == "heic:image")
    assert image.need is Need.PIXELS and image.value == "48×32 AV1"
    assert any(i.key == "heic:icc" and i.need is Need.DISPLAY for i in parsed.items)
    # An AVIF export carries XMP (a HEIC export, written as JPEG, does not).
    assert found[XMP_CANARIES["xmp_city"]].carriable


def test_thumbnails_and_unreferenced_bytes_are_found() -> None:
    found = _by_canary(fx.with_thumbnail())
    assert found[fx.CANARIES["gap"]].category is Category.UNKNOWN
    assert found[fx.CANARIES["free"]].category is Category.UNKNOWN
    _, parsed = parse_buffer(fx.with_thumbnail())
    thumb = next(i for i in parsed.items if i.key.startswith("heic:thumbnail:"))
    assert thumb.category is Category.HIDDEN_MEDIA and not thumb.carriable
    assert found[fx.CANARIES["make"]].category is Category.DEVICE


# ------------------------------------------------------------------------------------------------ clean


@pytest.mark.parametrize("build", [fx.rich, fx.with_thumbnail])
def test_minimal_removes_every_value_and_keeps_the_coded_picture(
    tmp_path: Path, build: Callable[[], bytes]
) -> None:
    data = build()
    out = _export(tmp_path, data)
    assert b"CANARY" not in out
    assert _coded(out) == _coded(data)  # the AV1 bytes, identical
    assert fx.decoded(out) == fx.decoded(data)
    walked = read_item_file(out, "AVIF")
    assert [b.type for b in walked.boxes] == ["ftyp", "meta", "mdat"]
    assert sorted(i.type for i in walked.infos.values()) == ["av01"]
    assert all(info.name == "" for info in walked.infos.values())  # item names never leave


def test_keep_all_carries_exif_and_xmp_but_never_unknown_or_hidden(tmp_path: Path) -> None:
    data = fx.with_thumbnail()
    out = _export(tmp_path, data, "keep-all")
    for kept in (fx.CANARIES["make"], fx.CANARIES["artist"], XMP_CANARIES["xmp_city"]):
        assert kept.encode() in out, kept
    for dropped in (fx.CANARIES["thumbnail"], fx.CANARIES["gap"], fx.CANARIES["free"]):
        assert dropped.encode() not in out, dropped
    walked = read_item_file(out, "AVIF")
    assert sorted(i.type for i in walked.infos.values()) == ["Exif", "av01", "mime"]
    assert all(kind == "cdsc" and targets == [walked.primary] for kind, _, targets in walked.refs)
    assert fx.decoded(out) == fx.decoded(data)
    with Image.open(io.BytesIO(out)) as im:
        assert im.getexif()[0x010F] == fx.CANARIES["make"]


def test_no_location_drops_the_xmp_city_only(tmp_path: Path) -> None:
    out = _export(tmp_path, fx.rich(), "no-location")
    assert XMP_CANARIES["xmp_city"].encode() not in out
    assert XMP_CANARIES["xmp_creator"].encode() in out and fx.CANARIES["make"].encode() in out


def test_the_colour_profile_leaves_without_its_device_text(tmp_path: Path) -> None:
    out = _export(tmp_path, fx.encoded(icc=srgb_icc()))
    _, parsed = parse_buffer(out)
    assert any(i.key == "heic:icc" for i in parsed.items)
    assert b"lcms" not in out


def test_rotation_and_alpha_are_kept(tmp_path: Path) -> None:
    data = fx.encoded(mode="RGBA", exif=fx.exif_tiff(orientation=6))
    _, source = parse_buffer(data)
    assert source.orientation == 6
    out = _export(tmp_path, data)
    _, parsed = parse_buffer(out)
    assert parsed.orientation == 6 and (parsed.width, parsed.height) == (48, 32)
    assert fx.decoded(out) == fx.decoded(data) and fx.decoded(out)[1] == "RGBA"
    walked = read_item_file(out, "AVIF")
    assert [kind for kind, _, _ in walked.refs] == ["auxl"]


@needs_exiftool
def test_exiftool_finds_nothing_after_minimal(tmp_path: Path) -> None:
    source = tmp_path / "rich.avif"
    source.write_bytes(fx.rich())
    before = exiftool_tags(source)
    assert before["IFD0:Make"] == fx.CANARIES["make"]
    assert before["XMP-photoshop:City"] == XMP_CANARIES["xmp_city"]
    out = tmp_path / "clean.avif"
    out.write_bytes(_export(tmp_path, fx.rich()))
    after = exiftool_tags(out)
    assert "CANARY" not in repr(after), after
    assert "ExifTool:Warning" not in after and "ExifTool:Error" not in after
    groups = {k.split(":", 1)[0] for k in after if ":" in k}
    structure = {"QuickTime", "Meta", "ICC-header", "ICC_Profile", "ICC-chrm"}
    assert groups - STRUCTURAL_GROUPS <= structure, groups


def test_blurred_pixels_are_encoded_again_upright_and_say_so() -> None:
    data = fx.encoded(exif=fx.exif_tiff(orientation=6), xmp=xmp_packet())
    parsed = HANDLER.parse(data)
    keep = frozenset(i.key for i in parsed.items if i.carriable and i.category is not Category.UNKNOWN)
    pixels = Image.new("RGB", (48, 32), (20, 180, 40))
    cleaned = HANDLER.clean(data, parsed, keep, pixels=pixels)
    assert cleaned.pixels == "re-encoded" and cleaned.extension == ".avif"
    _, out = parse_buffer(cleaned.data)
    assert out.orientation == 1 and (out.width, out.height) == (32, 48)  # turned upright
    keys = {i.key for i in out.items}
    assert {"exif:IFD0:0x010f", "xmp:dc:creator"} <= keys
    with Image.open(io.BytesIO(cleaned.data)) as im:
        assert im.size == (32, 48)
        at = 3 * (10 * 32 + 10)
        r, g, b = im.convert("RGB").tobytes()[at : at + 3]
        assert abs(r - 20) < 12 and abs(g - 180) < 12 and abs(b - 40) < 12


# -------------------------------------------------------------------------------------------- bad input


def _error(data: bytes) -> str:
    with pytest.raises(ParseError) as info:
        parse_buffer(data)
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_a_truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    data = fx.rich()
    assert "truncated" in _error(data[: len(data) - 100])
    source = tmp_path / "cut.avif"
    source.write_bytes(data[:300])
    assert process_file(source, BUILTIN["minimal"]).reason


def test_an_item_pointing_outside_the_file_is_an_error() -> None:
    data = fx.encoded()
    walked = read_item_file(data, "AVIF")
    offset, _ = walked.locations[walked.primary].extents[0]
    at = data.find(struct.pack(">I", offset))
    bad = data[:at] + struct.pack(">I", 10_000_000) + data[at + 4 :]
    assert "past the end" in _error(bad)


def test_a_box_claiming_exabytes_is_an_error() -> None:
    data = fx.encoded()
    huge = struct.pack(">I", 1) + b"free" + struct.pack(">Q", 1 << 62)
    assert "truncated" in _error(data + huge)


def test_a_heif_without_an_av1_image_is_not_an_avif() -> None:
    data = fx.encoded()
    walked = read_item_file(data, "AVIF")
    assert walked.meta is not None
    at = data.find(b"av01", walked.meta.start)  # the primary item's type in its infe box
    assert "not AV1" in _error(data[:at] + b"hvc1" + data[at + 4 :])


def test_an_unknown_image_property_withholds_the_file(tmp_path: Path) -> None:
    data = fx.encoded()
    walked = read_item_file(data, "AVIF")
    pixi = next(p for p in walked.properties if p.type == "pixi")
    bad = data[: pixi.box.start + 4] + b"zzzz" + data[pixi.box.start + 8 :]
    source = tmp_path / "odd.avif"
    source.write_bytes(bad)
    reason = process_file(source, BUILTIN["minimal"]).reason
    assert "property the cleaner does not know ('zzzz')" in reason


def test_a_missing_meta_box_is_damage() -> None:
    ftyp = box(b"ftyp", b"avif\0\0\0\0avifmif1miaf")
    assert "no 'meta' box" in _error(ftyp + box(b"mdat", b"\0" * 32))


def test_a_blur_faces_export_covers_the_face(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.imaging import faces

    monkeypatch.setattr(faces, "detector_status", lambda: None)
    box = faces.Face(32, 16, 24, 24, 0.9)  # in the stored grid, as the detector reports it
    # A smooth picture with a sharp checkerboard where the face is: blurring flattens the checkerboard.
    image = Image.linear_gradient("L").resize((96, 64)).convert("RGB")
    for x in range(box.x, box.x + box.w):
        for y in range(box.y, box.y + box.h):
            image.putpixel((x, y), (255, 255, 255) if (x // 4 + y // 4) % 2 else (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "AVIF", quality=95, exif=b"Exif\0\0" + fx.exif_tiff())
    source = tmp_path / "faces.avif"
    source.write_bytes(buf.getvalue())
    outcome = process_file(source, BUILTIN["blur-faces"], face_source=lambda _p, _f: [box])
    assert not outcome.reason, outcome.reason
    assert outcome.extension == ".avif" and b"CANARY" not in outcome.data
    with Image.open(source) as a, Image.open(io.BytesIO(outcome.data)) as b:
        assert a.size == b.size == (96, 64)
        before, after = a.convert("L").tobytes(), b.convert("L").tobytes()

    def change(x0: int, y0: int, x1: int, y1: int) -> float:
        diffs = [abs(before[y * 96 + x] - after[y * 96 + x]) for x in range(x0, x1) for y in range(y0, y1)]
        return sum(diffs) / len(diffs)

    assert change(box.x + 4, box.y + 4, box.x + box.w - 4, box.y + box.h - 4) > 60
    assert change(0, 0, 12, 64) < 8 and change(84, 0, 96, 64) < 8


def test_an_image_sequence_leaves_as_its_still_primary_image(tmp_path: Path) -> None:
    frames = [pattern_image(size=(32, 24)).rotate(90 * n) for n in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "AVIF", save_all=True, append_images=frames[1:], duration=100)
    data = buf.getvalue()
    assert data[8:12] == b"avis"
    handler, parsed = parse_buffer(data)
    assert handler.name == "avif"
    movie = next(i for i in parsed.items if i.key.startswith("heic:box:moov"))
    assert movie.category is Category.HIDDEN_MEDIA and not movie.carriable
    out = _export(tmp_path, data, "keep-all")
    assert out[8:12] == b"avif" and b"moov" not in out
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(out)) as b:
        assert getattr(b, "n_frames", 1) == 1
        assert a.tobytes() == b.tobytes()  # the first frame, which is the primary image
