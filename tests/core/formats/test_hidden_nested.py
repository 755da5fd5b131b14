# SPDX-License-Identifier: GPL-3.0-or-later
"""Metadata inside embedded media is itemised as children of its container (MPF secondary images, the
EXIF and Photoshop thumbnails, motion-photo videos), counted by the exposure report's all-access side,
never carried; and no pointer to dropped media (MPF index, XMP MotionPhoto/MicroVideoOffset) is left. (A
policy that sends motion carries a motion photo's video, cleaned: tests/core/formats/test_motion_photo.py.)"""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path

import piexif
import pytest
from PIL import Image

from core.formats.base import MOTION_KEY
from core.formats.mp4_metadata import iso6709
from core.model.categories import Category
from core.model.inventory import Item, Need
from core.model.policy import BUILTIN, Action, Policy
from core.model.values import Moment
from core.pipeline.cleaning import process_file
from core.pipeline.inspection import inspect_path
from core.pipeline.preview import make_preview
from core.report.exposure import ALL_ACCESS
from core.report.facts import facts_from_items
from tests.core import jpeg_fixtures as fx
from tests.core import motion_fixtures as mo
from tests.core.formats.test_hidden import assert_gone, exported


def gps_exif(model: bytes) -> bytes:
    data = {"0th": {piexif.ImageIFD.Make: b"NestedMaker", piexif.ImageIFD.Model: model},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2019:08:07 06:05:04"},
            "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N",
                    piexif.GPSIFD.GPSLatitude: ((47, 1), (22, 1), (0, 1)),
                    piexif.GPSIFD.GPSLongitudeRef: b"E",
                    piexif.GPSIFD.GPSLongitude: ((8, 1), (32, 1), (0, 1))}}
    return piexif.dump(data)


def exif_with_thumbnail(model: bytes, thumbnail: bytes) -> bytes:
    """A little-endian EXIF block: IFD0 with Model, IFD1 pointing at ``thumbnail`` (written as it is:
    piexif would strip the thumbnail's own segments)."""
    model += b"\x00"
    ifd1 = 26 + len(model) + len(model) % 2
    tiff = b"II*\x00" + struct.pack("<I", 8)
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x0110, 2, len(model), 26) + struct.pack("<I", ifd1)
    tiff += model + b"\x00" * (len(model) % 2)
    entries = [(0x0103, 3, 1, 6), (0x0201, 4, 1, ifd1 + 42), (0x0202, 4, 1, len(thumbnail))]
    tiff += struct.pack("<H", 3) + b"".join(struct.pack("<HHII", *e) for e in entries) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + tiff + thumbnail


def jpeg_with_exif(exif: bytes, size: tuple[int, int] = (16, 12)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, "JPEG", exif=exif, quality=85)
    return buf.getvalue()


def mpf_file(secondary: bytes) -> bytes:
    jfif, rest = fx.split_jpeg(fx.base_jpeg(32, 24))
    prefix = b"\xff\xd8" + jfif
    placeholder = fx.mpf_segment(0, len(secondary), 0)
    primary_size = len(prefix) + len(placeholder) + len(rest)
    mpf = fx.mpf_segment(primary_size - (len(prefix) + 8), len(secondary), primary_size)
    return prefix + mpf + rest + secondary


def children_of(items: list[Item], container: str) -> list[Item]:
    return [i for i in items if i.key.startswith(container + "/")]


def test_exif_inside_an_mpf_secondary_image_is_itemised(tmp_path: Path) -> None:
    secondary = jpeg_with_exif(gps_exif(b"CANARY-MPF-MODEL"))
    items, data, out = exported(tmp_path, "mpf.jpg", mpf_file(secondary))
    container = next(i for i in items if i.key == "jpeg:mpf:1")
    children = children_of(items, "jpeg:mpf:1")
    assert not container.carriable and children and not any(c.carriable for c in children)
    model = next(c for c in children if c.value == "CANARY-MPF-MODEL")
    assert model.category is Category.DEVICE and "MPF secondary image 1" in model.where
    assert {Category.LOCATION, Category.TIME, Category.DEVICE} <= {c.category for c in children}
    assert_gone(data, out, "CANARY-MPF-MODEL", "NestedMaker")


def test_exif_inside_the_exif_thumbnail_is_itemised_and_the_thumbnail_no_longer_carriable(
    tmp_path: Path,
) -> None:
    thumbnail = jpeg_with_exif(gps_exif(b"CANARY-THUMB-MODEL"), (8, 6))
    source = jpeg_with_exif(exif_with_thumbnail(b"Outer Model", thumbnail), (64, 48))
    assert b"CANARY-THUMB-MODEL" in source
    items, data, out = exported(tmp_path, "thumb.jpg", source)
    container = next(i for i in items if i.key == "exif:IFD1:thumbnail")
    children = children_of(items, "exif:IFD1:thumbnail")
    assert any(c.value == "CANARY-THUMB-MODEL" for c in children)
    assert any(c.category is Category.LOCATION for c in children)
    # A policy that keeps hidden media but removes location cannot carry the thumbnail's GPS.
    keeps_hidden = Policy("keeps-hidden", {**BUILTIN["minimal"].categories,
                                           Category.HIDDEN_MEDIA: Action.KEEP})
    preview = make_preview(inspect_path(tmp_path / "thumb.jpg"), keeps_hidden)
    assert container.key not in preview.leaving_keys and not container.carriable
    assert_gone(data, out, "CANARY-THUMB-MODEL")
    source_path = tmp_path / "thumb2.jpg"
    source_path.write_bytes(source)
    outcome = process_file(source_path, keeps_hidden)
    assert not outcome.reason and b"CANARY-THUMB-MODEL" not in outcome.data


def test_exif_inside_the_photoshop_thumbnail_is_itemised(tmp_path: Path) -> None:
    thumbnail = jpeg_with_exif(gps_exif(b"CANARY-PSD-THUMB-MODEL"), (8, 6))
    resource = struct.pack(">IIIIIIHH", 1, 8, 6, 24, 144, len(thumbnail), 24, 1) + thumbnail
    irb = b"Photoshop 3.0\x00" + fx.resource(0x040C, resource)
    items, data, out = exported(tmp_path, "psd.jpg", fx.base_jpeg(32, 24)[:2] + fx.segment(0xED, irb)
                                + fx.base_jpeg(32, 24)[2:])
    children = children_of(items, "irb:thumbnail")
    assert any(c.value == "CANARY-PSD-THUMB-MODEL" and c.category is Category.DEVICE for c in children)
    assert not next(i for i in items if i.key == "irb:thumbnail").carriable
    assert_gone(data, out, "CANARY-PSD-THUMB-MODEL")


# --- motion-photo video -------------------------------------------------------------------------------


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def motion_video() -> bytes:
    """A real MP4 as phones append to a motion photo (PyAV: creation time, ISO 6709 location, Android
    make and model keys)."""
    return mo.video()


def motion_photo() -> bytes:
    video = motion_video()
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
              b'GCamera:MotionPhoto="1" GCamera:MicroVideo="1" GCamera:MicroVideoOffset="%d"/>'
              b"</rdf:RDF></x:xmpmeta>" % len(video))
    jpeg = fx.base_jpeg(32, 24)
    return jpeg[:2] + fx.segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet) + jpeg[2:] + video


def test_the_motion_video_is_read_by_the_mp4_handler(tmp_path: Path) -> None:
    path = tmp_path / "motion.jpg"
    path.write_bytes(motion_photo())
    found = children_of(inspect_path(path).items, MOTION_KEY)
    created = next(c for c in found if c.key.endswith("mp4:mvhd:created"))
    assert created.category is Category.TIME and created.datum == Moment(dt.datetime(2021, 3, 31, 10, 11, 12,
                                                                                     tzinfo=dt.UTC))
    position = next(c for c in found if c.category is Category.LOCATION)
    assert position.datum == iso6709("+46.5197+006.6323+372.000/")
    assert {c.value for c in found if c.category is Category.DEVICE} >= {"CANARY-VIDEO-MAKER",
                                                                         "CANARY-VIDEO-PHONE"}


def test_a_motion_photo_video_is_itemised_and_its_pointers_never_leave(tmp_path: Path) -> None:
    items, data, out = exported(tmp_path, "motion.jpg", motion_photo())
    video = next(i for i in items if i.name == "Motion-photo video (MP4)")
    children = children_of(items, video.key)
    position = next(c for c in children if c.category is Category.LOCATION)
    assert position.datum is not None and round(position.datum.latitude, 4) == 46.5197  # type: ignore[union-attr]
    assert any(c.value == "CANARY-VIDEO-PHONE" and c.category is Category.DEVICE for c in children)
    assert any(c.category is Category.TIME for c in children)
    assert_gone(data, out, "CANARY-VIDEO", "MicroVideoOffset", "ftypmp42")
    # Carrying a cleaned video is not done: a policy keeping hidden media drops it, and its pointers.
    keeps_hidden = Policy("keeps-hidden", {**BUILTIN["no-location"].categories,
                                           Category.HIDDEN_MEDIA: Action.KEEP})
    source = tmp_path / "motion2.jpg"
    source.write_bytes(motion_photo())
    outcome = process_file(source, keeps_hidden)
    assert not outcome.reason, outcome.reason
    for pointer in (b"MicroVideoOffset", b"MotionPhoto", b"MicroVideo", b"ftypmp42", b"CANARY-VIDEO"):
        assert pointer not in outcome.data


def test_the_all_access_report_counts_what_hides_inside(tmp_path: Path) -> None:
    path = tmp_path / "motion.jpg"
    path.write_bytes(motion_photo())
    preview = make_preview(inspect_path(path), ALL_ACCESS)
    facts = facts_from_items(preview.leaves)
    assert "CANARY-VIDEO-MAKER CANARY-VIDEO-PHONE" in facts.cameras
    assert facts.position is not None and round(facts.position[0], 2) == 46.52


def test_a_heic_motion_photo_video_box_is_itemised(tmp_path: Path) -> None:
    from tests.core import heic_fixtures as hf

    if not hf.heic_encoder_available():
        pytest.skip("no HEIF encoder in pillow-heif")
    items, data, out = exported(tmp_path, "motion.heic", hf.real_heic() + box(b"mpvd", motion_video()))
    video = next(i for i in items if i.key == MOTION_KEY)
    children = children_of(items, video.key)
    assert any(c.value == "CANARY-VIDEO-PHONE" and c.category is Category.DEVICE for c in children)
    assert any(c.category is Category.LOCATION for c in children) and video.need is Need.MOTION
    assert_gone(data, out, "CANARY-VIDEO")


def test_exif_inside_the_exif_thumbnail_of_png_and_webp_is_itemised(tmp_path: Path) -> None:
    from tests.core import png_webp_fixtures as pw

    thumbnail = jpeg_with_exif(gps_exif(b"CANARY-PW-THUMB"), (8, 6))
    block = exif_with_thumbnail(b"Outer", thumbnail)[6:]
    png = pw.insert_chunks(pw.plain_png(), before_idat=[pw.chunk(b"eXIf", block)])
    chunks = [(k, v) for k, v in pw.webp_chunks(pw.rich_webp()) if k != b"EXIF"]
    chunks.insert(1, (b"EXIF", block))
    for name, source in (("thumb.png", png), ("thumb.webp", pw.webp_from(chunks))):
        items, data, out = exported(tmp_path, name, source)
        children = children_of(items, "exif:IFD1:thumbnail")
        assert any(c.value == "CANARY-PW-THUMB" for c in children), name
        assert_gone(data, out, "CANARY-PW-THUMB")
