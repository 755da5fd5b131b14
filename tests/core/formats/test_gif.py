# SPDX-License-Identifier: GPL-3.0-or-later
"""GIF: every extension in the inventory, a lossless block filter for the clean, clear errors."""

from __future__ import annotations

import dataclasses
import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from core.formats import gif as gif_module
from core.formats import handler_named
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from core.model.policy import BUILTIN
from core.pipeline.export import process_file
from core.pipeline.inspection import parse_buffer
from tests.core import gif_fixtures as fx
from tests.core.png_webp_fixtures import CANARIES as XMP_CANARIES
from tests.oracle import STRUCTURAL_GROUPS, exiftool_tags, needs_exiftool

HANDLER = handler_named("gif")


def _items(data: bytes) -> dict[str, Item]:
    _, parsed = parse_buffer(data)
    return {i.key: i for i in parsed.items}


# Everything a policy can keep, cleaned (the built-in "original" passes files through untouched).
KEEP_ALL = dataclasses.replace(BUILTIN["original"], name="keep-all", passthrough=False)


def _export(tmp_path: Path, data: bytes, policy: str = "minimal") -> bytes:
    source = tmp_path / "animation.gif"
    source.write_bytes(data)
    outcome = process_file(source, KEEP_ALL if policy == "keep-all" else BUILTIN[policy])
    assert not outcome.reason, outcome.reason
    assert outcome.extension == ".gif"
    return outcome.data


# ------------------------------------------------------------------------------------------- inventory


def test_the_inventory_finds_every_value_in_its_category() -> None:
    data = fx.rich()
    handler, parsed = parse_buffer(data)
    assert handler.name == "gif"
    assert (parsed.width, parsed.height) == (24, 16)
    by_value = {}
    for item in parsed.items:
        for canary in [*fx.CANARIES.values(), XMP_CANARIES["xmp_city"], XMP_CANARIES["xmp_creator"]]:
            if canary in item.value:
                by_value[canary] = item
    assert by_value[fx.CANARIES["comment"]].category is Category.DESCRIPTION
    assert by_value[fx.CANARIES["comment"]].value == fx.CANARIES["comment"]
    assert by_value[fx.CANARIES["text"]].category is Category.DESCRIPTION
    assert by_value[fx.CANARIES["app"]].category is Category.UNKNOWN
    assert "PRIVATE1.00" in by_value[fx.CANARIES["app"]].name
    assert by_value[fx.CANARIES["ext"]].category is Category.UNKNOWN
    assert by_value[fx.CANARIES["trailer"]].category is Category.UNKNOWN
    assert by_value[XMP_CANARIES["xmp_city"]].category is Category.LOCATION
    assert by_value[XMP_CANARIES["xmp_creator"]].category is Category.PEOPLE
    items = {i.key: i for i in parsed.items}
    assert items["gif:loop"].value == "repeats for ever" and items["gif:loop"].need is Need.PIXELS
    assert items["gif:image"].need is Need.PIXELS and "3 frames" in items["gif:image"].value
    assert items["gif:icc"].need is Need.DISPLAY
    assert any(i.key.startswith("icc:") and i.category is Category.DEVICE for i in parsed.items)


def test_segments_name_the_blocks_and_cover_the_file() -> None:
    data = fx.rich()
    parsed = HANDLER.parse(data)
    pos = 0
    for seg in parsed.segments:
        assert seg.offset == pos
        pos += seg.length
    assert pos == len(data)
    names = [s.name for s in parsed.segments]
    assert names.count("graphic control extension") == 3
    assert [n for n in names if n.startswith("image ")] == ["image 1", "image 2", "image 3"]
    assert {"XMP extension", "comment extension", "plain-text extension", "looping extension"} <= set(names)


def test_a_loop_count_is_read() -> None:
    items = _items(fx.animated(loop=4))
    assert items["gif:loop"].value == "plays 5 times"
    assert "gif:loop" not in _items(fx.animated(loop=None, count=1))


# ------------------------------------------------------------------------------------------------ clean


def test_minimal_removes_everything_but_the_animation(tmp_path: Path) -> None:
    data = fx.rich(icc=False)
    out = _export(tmp_path, data)
    assert b"CANARY" not in out
    # What is left is exactly Pillow's animation without its comment: screen, colour tables, looping,
    # frame controls and LZW data byte for byte, in their order.
    plain = fx.animated()
    comment = fx.comment(fx.CANARIES["comment"])
    assert plain.count(comment) == 1
    assert out == plain.replace(comment, b"")
    assert fx.decoded_frames(out) == fx.decoded_frames(data)
    with Image.open(io.BytesIO(out)) as im:
        assert getattr(im, "n_frames", 1) == 3 and im.info["loop"] == 0 and im.info["duration"] == 80


def test_minimal_keeps_the_colour_profile_without_its_device_text(tmp_path: Path) -> None:
    out = _export(tmp_path, fx.rich())
    items = _items(out)
    assert items["gif:icc"].need is Need.DISPLAY
    assert b"ICCRGBG1012" in out and b"lcms" not in out and b"CANARY" not in out


def test_keep_all_keeps_the_metadata_and_drops_unknown_blocks(tmp_path: Path) -> None:
    data = fx.rich()
    out = _export(tmp_path, data, "keep-all")
    for kept in (fx.CANARIES["comment"], fx.CANARIES["text"], XMP_CANARIES["xmp_city"],
                 XMP_CANARIES["xmp_creator"]):
        assert kept.encode() in out, kept
    for dropped in (fx.CANARIES["app"], fx.CANARIES["ext"], fx.CANARIES["trailer"]):
        assert dropped.encode() not in out, dropped
    items = _items(out)
    assert items["gif:comment"].value == fx.CANARIES["comment"]
    assert items["gif:text"].value == fx.CANARIES["text"]
    assert items["xmp:photoshop:City"].value == XMP_CANARIES["xmp_city"]
    assert "gif:icc" in items
    assert fx.decoded_frames(out) == fx.decoded_frames(data)


def test_no_location_removes_the_xmp_city_only(tmp_path: Path) -> None:
    out = _export(tmp_path, fx.rich(), "no-location")
    assert XMP_CANARIES["xmp_city"].encode() not in out
    assert XMP_CANARIES["xmp_creator"].encode() in out
    assert out.count(fx.XMP_MAGIC) == 1


@needs_exiftool
def test_exiftool_finds_nothing_after_minimal(tmp_path: Path) -> None:
    source = tmp_path / "rich.gif"
    source.write_bytes(fx.rich())
    before = exiftool_tags(source)
    assert before["File:Comment"] == fx.CANARIES["comment"]
    assert before["XMP-photoshop:City"] == XMP_CANARIES["xmp_city"]
    assert before["GIF:Text"] == fx.CANARIES["text"]
    out = tmp_path / "clean.gif"
    out.write_bytes(_export(tmp_path, fx.rich()))
    after = exiftool_tags(out)
    assert "CANARY" not in repr(after), after
    assert after["GIF:FrameCount"] == 3 and after["GIF:AnimationIterations"] == "Infinite"
    groups = {k.split(":", 1)[0] for k in after if ":" in k}
    assert groups - STRUCTURAL_GROUPS <= {"GIF", "ICC-header", "ICC_Profile", "ICC-chrm"}, groups


def test_a_plain_text_takes_its_frame_control_with_it(tmp_path: Path) -> None:
    control = b"\x21\xf9\x04\x04\x32\x00\x00\x00"  # 500 ms, for the text, not for the next frame
    data = fx.splice(fx.animated(), [control + fx.plain_text()])
    parsed = HANDLER.parse(data)
    text = next(s for s in parsed.segments if s.name == "plain-text extension")
    assert text.length == len(control + fx.plain_text())
    out = _export(tmp_path, data)
    assert control not in out and fx.CANARIES["text"].encode() not in out
    assert fx.decoded_frames(out) == fx.decoded_frames(fx.animated())
    kept = _export(tmp_path, data, "keep-all")
    assert control + fx.plain_text() in kept


def test_blurred_pixels_leave_as_one_still_frame() -> None:
    data = fx.rich()
    parsed = HANDLER.parse(data)
    keep = frozenset(i.key for i in parsed.items if i.carriable and i.category is not Category.UNKNOWN)
    pixels = Image.new("RGB", (24, 16), (10, 200, 30))
    cleaned = HANDLER.clean(data, parsed, keep, pixels=pixels)
    assert cleaned.pixels == "re-encoded"
    _, out = parse_buffer(cleaned.data)
    keys = {i.key for i in out.items}
    assert "gif:loop" not in keys and "gif:comment" in keys and "xmp:dc:creator" in keys
    assert not any(i.category is Category.UNKNOWN for i in out.items)
    with Image.open(io.BytesIO(cleaned.data)) as im:
        assert getattr(im, "n_frames", 1) == 1
        assert im.convert("RGB").getpixel((3, 3)) == (10, 200, 30)


# -------------------------------------------------------------------------------------------- bad input


def _error(data: bytes) -> str:
    with pytest.raises(ParseError) as info:
        parse_buffer(data)
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_a_missing_trailer_is_a_clear_error(tmp_path: Path) -> None:
    data = fx.animated()[:-1]
    assert "trailer" in _error(data)
    source = tmp_path / "cut.gif"
    source.write_bytes(data)
    assert "trailer" in process_file(source, BUILTIN["minimal"]).reason


def test_a_file_cut_inside_the_image_data_is_truncated() -> None:
    data = fx.animated()
    assert "truncated" in _error(data[: len(data) // 2])


def test_a_sub_block_running_past_the_end_is_reported() -> None:
    data = fx.splice(fx.animated(), []) + b""
    at = fx.first_block(data)
    bad = data[:at] + b"\x21\xfe\xff" + b"short"
    assert "past the end" in _error(bad)


def test_the_blocks_before_the_damage_are_shown_as_a_partial_read() -> None:
    data = fx.splice(fx.animated(), [fx.comment("CANARY-BEFORE-DAMAGE")])
    with pytest.raises(ParseError) as info:
        parse_buffer(data[: fx.first_block(data) + 40])
    assert any(i.value == "CANARY-BEFORE-DAMAGE" for i in info.value.partial)


def test_an_unknown_block_is_damage() -> None:
    data = fx.animated()
    at = fx.first_block(data)
    assert "unknown block" in _error(data[:at] + b"\x42" + data[at:])


def test_absurd_sizes_are_refused() -> None:
    data = bytearray(fx.animated())
    data[6:10] = struct.pack("<HH", 65535, 65535)
    assert "enormous" in _error(bytes(data))
    data[6:10] = struct.pack("<HH", 0, 16)
    assert "zero" in _error(bytes(data))


def test_a_gif_without_an_image_is_damaged() -> None:
    data = fx.animated(count=1)
    head = data[: fx.first_block(data)]
    assert "no image" in _error(head + fx.comment("hello") + b"\x3b")


def test_an_impossible_code_size_is_damage() -> None:
    data = fx.animated(loop=None, count=1)
    parsed = HANDLER.parse(data)
    image = next(s for s in parsed.segments if s.name == "image 1")
    packed = data[image.offset + 9]
    lct = 3 << ((packed & 7) + 1) if packed & 0x80 else 0
    bad = bytearray(data)
    bad[image.offset + 10 + lct] = 200
    assert "LZW" in _error(bytes(bad))


def test_too_many_sub_blocks_is_too_complex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gif_module, "MAX_SUB_BLOCKS", 50)
    data = fx.splice(fx.animated(), [b"\x21\xfe" + b"\x01x" * 60 + b"\x00"])
    assert "too complex" in _error(data)


def test_xmp_without_its_magic_trailer_is_unknown(tmp_path: Path) -> None:
    broken = b"\x21\xff\x0bXMP DataXMP" + fx.sub_blocks(b"<x:xmpmeta>CANARY-NO-MAGIC</x:xmpmeta>")
    data = fx.splice(fx.animated(), [broken])
    items = [i for i in HANDLER.parse(data).items if "CANARY-NO-MAGIC" in i.value]
    assert len(items) == 1 and items[0].category is Category.UNKNOWN
    assert b"CANARY-NO-MAGIC" not in _export(tmp_path, data, "keep-all")


def test_data_after_the_trailer_is_never_copied(tmp_path: Path) -> None:
    data = fx.animated() + b"\0" * 64 + b"\xff\xd8\xff\xe0hidden"
    items = _items(data)
    assert items["gif:trailer"].category is Category.HIDDEN_MEDIA
    out = _export(tmp_path, data, "keep-all")
    assert out.endswith(b"\x3b") and b"hidden" not in out


def test_extra_blocks_in_the_looping_extension_are_unknown(tmp_path: Path) -> None:
    data = fx.animated()
    at = data.find(b"NETSCAPE2.0") + 11 + 4  # after the loop sub-block, before its terminator
    tampered = data[:at] + b"\x0aCANARY-LOOP" [:11] + data[at:]
    parsed = HANDLER.parse(tampered)
    extra = [i for i in parsed.items if "CANARY-LOO" in i.value]
    assert extra and extra[0].category is Category.UNKNOWN
    out = _export(tmp_path, tampered, "keep-all")
    assert b"CANARY-LOO" not in out
    assert fx.decoded_frames(out) == fx.decoded_frames(data)
    with Image.open(io.BytesIO(out)) as im:
        assert im.info["loop"] == 0


def test_a_blur_faces_export_covers_the_face_in_the_one_frame_that_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.imaging import faces

    monkeypatch.setattr(faces, "detector_status", lambda: None)
    box = faces.Face(20, 10, 24, 20, 0.9)
    first, *rest = fx.frames(3, size=(80, 60))
    buf = io.BytesIO()
    first.save(buf, "GIF", save_all=True, append_images=rest, loop=0, comment="CANARY-BLUR-COMMENT")
    source = tmp_path / "faces.gif"
    source.write_bytes(buf.getvalue())
    outcome = process_file(source, BUILTIN["blur-faces"], face_source=lambda _p, _f: [box])
    assert not outcome.reason, outcome.reason
    assert outcome.extension == ".gif" and b"CANARY" not in outcome.data
    with Image.open(source) as a, Image.open(io.BytesIO(outcome.data)) as b:
        assert getattr(b, "n_frames", 1) == 1  # the frames nobody searched for faces never leave
        before, after = a.convert("RGB").tobytes(), b.convert("RGB").tobytes()
    changed = [
        (x, y) for y in range(60) for x in range(80)
        if sum(abs(before[3 * (y * 80 + x) + c] - after[3 * (y * 80 + x) + c]) for c in range(3)) > 30
    ]
    inside = [(x, y) for x, y in changed if box.x <= x < box.x + box.w and box.y <= y < box.y + box.h]
    assert len(inside) > box.w * box.h // 2
    assert all(x >= 10 and y >= 2 for x, y in changed)  # nothing far from the face changed


def test_a_second_xmp_block_is_unknown_data() -> None:
    second = fx.xmp_extension(fx.xmp_packet_with("CANARY-SECOND-XMP"))
    data = fx.splice(fx.animated(), [fx.xmp_extension(), second])
    parsed = HANDLER.parse(data)
    [item] = [i for i in parsed.items if i.name == "Application extension 'XMP DataXMP'"]
    assert item.category is Category.UNKNOWN and "repeated" in item.note
    assert "<x:xmpmeta" in item.value  # the text as written, not cut up by the sub-block lengths
    assert any(i.key == "xmp:photoshop:City" for i in parsed.items)


def test_a_damaged_gif_is_said_to_be_damaged_not_unsupported() -> None:
    from core.pipeline.description import plain_error

    data = fx.animated()
    at = fx.first_block(data)
    message = _error(data[:at] + b"\x42" + data[at:])
    assert plain_error(message) == "This file is damaged: the picture inside cannot be read."
