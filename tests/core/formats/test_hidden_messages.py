# SPDX-License-Identifier: GPL-3.0-or-later
"""Real files that should not be refused, and messages without noise: BigTIFF told apart, no raw NUL
bytes or wrapped-around sizes in messages, library errors said for what they mean, and a damaged file
still shows what was read before the damage (marked partial, never exported)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.formats.shared import library_error, printable_name, readable_message
from core.model.categories import Category
from core.model.policy import BUILTIN
from core.pipeline.cleaning import process_file
from core.pipeline.description import plain_error
from core.pipeline.inspection import inspect_path
from core.pipeline.preview import make_preview
from core.pipeline.preview_words import partial_facts, text_lines
from tests.core import heic_fixtures as hf


def test_bigtiff_is_told_apart(tmp_path: Path) -> None:
    for head in (b"II+\x00\x08\x00\x00\x00" + struct.pack("<Q", 16), b"MM\x00+\x00\x08\x00\x00" + bytes(8)):
        path = tmp_path / "big.tif"
        path.write_bytes(head + bytes(64))
        inventory = inspect_path(path)
        assert inventory.error == "BigTIFF is not supported yet"
        assert "BigTIFF" in plain_error(inventory.error)


def test_box_names_with_nul_bytes_and_wrapped_sizes_are_said_plainly(tmp_path: Path) -> None:
    # A top-level box named 00 00 00 57 whose size field says 4 GB, in a file of a few kilobytes.
    data = hf.rich_heif() + struct.pack(">I", 0xFFFFFFB3) + b"\x00\x00\x00W" + b"abcd"
    path = tmp_path / "nul.heic"
    path.write_bytes(data)
    error = inspect_path(path).error
    assert error and "\x00" not in error and "\\x00" not in error and "4294967" not in error
    assert "00 00 00 57" in error and "more data than the file holds" in error


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("damaged PNG: the '\x00\x00\x00W' chunk", "damaged PNG: the code 00 00 00 57 chunk"),
        ("the '\\x00\\x00\\x00W' box at offset 3", "the code 00 00 00 57 box at offset 3"),
        ("the 'mdat' box (4294967219 bytes missing)",
         "the 'mdat' box (its size field declares more data than the file holds)"),
        ("the 'mdat' box (12 bytes missing)", "the 'mdat' box (12 bytes missing)"),
    ],
)
def test_readable_message(message: str, expected: str) -> None:
    assert readable_message(message) == expected


def test_printable_name() -> None:
    assert printable_name(b"IDAT") == "IDAT" and printable_name(b"\x00\x00\x00W") == "code 00 00 00 57"


def test_a_heic_decoder_error_is_translated(tmp_path: Path) -> None:
    if not hf.heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    import pillow_heif

    data = bytearray(hf.real_heic())
    at = data.find(b"mdat")
    size = struct.unpack(">I", data[at - 4: at])[0]
    data[at + 4: at - 4 + size] = bytes(size - 8)  # the coded picture zeroed out
    with pytest.raises(Exception, match="Decoder plugin generated an error") as info:
        pillow_heif.open_heif(io.BytesIO(bytes(data))).to_pillow().load()
    assert "cannot be decoded" in library_error(info.value)
    path = tmp_path / "zeroed.heic"
    path.write_bytes(bytes(data))
    outcome = process_file(path, BUILTIN["minimal"])
    assert outcome.reason and not outcome.data
    assert "Decoder plugin" not in outcome.reason and "cannot be decoded" in outcome.reason


def camera_jpeg() -> bytes:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"CanaryMaker", piexif.ImageIFD.Model: b"Canary Z9"},
                        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2020:01:02 03:04:05"}})
    buf = io.BytesIO()
    Image.effect_noise((256, 192), 50).convert("RGB").save(buf, "JPEG", exif=exif, quality=90)
    return buf.getvalue()


def test_a_truncated_camera_jpeg_shows_its_exif_marked_partial_and_is_never_exported(tmp_path: Path) -> None:
    data = camera_jpeg()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    inventory = inspect_path(path)
    assert inventory.error.startswith("truncated JPEG")
    model = next(i for i in inventory.items if i.value == "Canary Z9")
    assert model.category is Category.DEVICE and not model.carriable and "partial" in model.note
    preview = make_preview(inventory, BUILTIN["minimal"])
    assert preview.error and not preview.leaves
    facts = partial_facts(preview)
    assert any(f.category == "device" for f in facts) and any(f.category == "time" for f in facts)
    lines = text_lines(preview)
    assert any("Read before the damage (partial)" in line for line in lines)
    assert any("Canary" in line for line in lines)
    outcome = process_file(path, BUILTIN["minimal"])
    assert outcome.reason.startswith("truncated JPEG") and not outcome.data
    for policy in ("original", "no-location"):
        assert process_file(path, BUILTIN[policy]).reason


def test_a_truncated_tiff_shows_its_tags_marked_partial(tmp_path: Path) -> None:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"CanaryMaker", piexif.ImageIFD.Model: b"Canary T1"}})
    buf = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(buf, "TIFF", exif=exif)
    path = tmp_path / "cut.tif"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    inventory = inspect_path(path)
    assert inventory.error.startswith("damaged TIFF")
    model = next(i for i in inventory.items if i.value == "Canary T1")
    assert model.category is Category.DEVICE and not model.carriable and "partial" in model.note
    assert process_file(path, BUILTIN["minimal"]).reason and not process_file(path, BUILTIN["minimal"]).data


def test_a_truncated_png_shows_its_exif_and_text_marked_partial(tmp_path: Path) -> None:
    from tests.core import png_webp_fixtures as pw

    exif = piexif.dump({"0th": {piexif.ImageIFD.Model: b"Canary P1"}})
    png = pw.insert_chunks(pw.plain_png(Image.effect_noise((64, 48), 40).convert("RGB")),
                           before_idat=[pw.chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif") else exif),
                                        pw.text("Author", "Canary Author")])
    path = tmp_path / "cut.png"
    path.write_bytes(png[: len(png) - 200])
    inventory = inspect_path(path)
    assert inventory.error.startswith("truncated PNG")
    values = {i.value: i for i in inventory.items}
    assert "Canary P1" in values and "Canary Author" in values
    assert all("partial" in i.note and not i.carriable for i in inventory.items)
    assert process_file(path, BUILTIN["minimal"]).reason


def test_a_truncated_webp_shows_its_exif_marked_partial(tmp_path: Path) -> None:
    from tests.core import png_webp_fixtures as pw

    exif = piexif.dump({"0th": {piexif.ImageIFD.Model: b"Canary W1"}})
    buf = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(buf, "WEBP", exif=exif, quality=80)
    # The file is cut short in a chunk after the EXIF chunk (an interrupted copy).
    whole = pw.webp_from([*pw.webp_chunks(buf.getvalue()), (b"ZZZZ", bytes(2000))])
    path = tmp_path / "cut.webp"
    path.write_bytes(whole[:-1500])
    inventory = inspect_path(path)
    assert inventory.error.startswith("truncated WebP")
    model = next(i for i in inventory.items if i.value == "Canary W1")
    assert "partial" in model.note and not model.carriable
    assert process_file(path, BUILTIN["minimal"]).reason


def test_the_cli_shows_what_was_read_before_the_damage(tmp_path: Path, capsys) -> None:
    from core.cli.main import main

    data = camera_jpeg()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    assert main(["inspect", str(path)]) != 0
    out = capsys.readouterr().out
    assert "cut.jpg: jpeg" in out and "read before the damage (partial)" in out and "Canary Z9" in out
    assert main(["preview", "--policy", "minimal", str(path)]) is not None
    out = capsys.readouterr().out
    assert "Read before the damage (partial)" in out and "never be exported" in out
    assert "The picture itself" not in out


def test_a_thumbnail_that_cannot_be_decoded_says_why_in_words(tmp_path: Path, mem_keyring) -> None:
    from core.imaging.thumbnails import ThumbnailCache, thumbnail_job
    from core.model.jobs import drive
    from core.security.vault import open_vault

    if not hf.heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    data = bytearray(hf.real_heic())
    at = data.find(b"mdat")
    size = struct.unpack(">I", data[at - 4: at])[0]
    data[at + 4: at - 4 + size] = bytes(size - 8)
    path = tmp_path / "zeroed.heic"
    path.write_bytes(bytes(data))
    cache = ThumbnailCache(tmp_path, open_vault(tmp_path, "cache"))
    result = drive(thumbnail_job([("a" * 64, path)], cache, workers=1, size=64))
    assert len(result.failed) == 1
    reason = result.failed[0][1]
    assert "cannot be decoded" in reason and "Decoder plugin" not in reason
