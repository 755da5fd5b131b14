# SPDX-License-Identifier: GPL-3.0-or-later
"""HEIC/HEIF: walker accounting, item roles, the JPEG re-encode clean, damaged input."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from core.formats import handler_for
from core.formats.heic import HeicHandler, sniff_brands
from core.formats.heic_inventory import parse
from core.formats.heic_items import orientation_of, walk
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from tests.core.heic_fixtures import (
    CANARY_DEPTH,
    CANARY_GPS,
    CANARY_IPTC,
    CANARY_SEF,
    CANARY_THUMB,
    CANARY_VIDEO,
    CANARY_XMP,
    FakeItem,
    box,
    build_heif,
    exif_payload,
    gps_exif_tiff,
    heic_encoder_available,
    imir,
    irot,
    ispe,
    real_heic,
    rich_heif,
)
from tests.oracle import CORPUS, STRUCTURAL_GROUPS, exiftool_tags, needs_corpus, needs_exiftool

HANDLER = HeicHandler()
needs_encoder = pytest.mark.skipif(not heic_encoder_available(), reason="pillow-heif has no HEIC encoder")
CANARIES = [CANARY_GPS.encode(), CANARY_XMP.encode(), CANARY_IPTC, CANARY_VIDEO, CANARY_SEF, CANARY_DEPTH,
            CANARY_THUMB, b"CanaryMake", b"CanaryCity"]


def assert_partition(data: bytes, parsed) -> None:
    pos = 0
    for seg in parsed.segments:
        assert seg.offset == pos, f"gap or overlap at {pos}: {seg}"
        assert seg.length > 0, seg
        pos += seg.length
    assert pos == len(data)


def by_key(items: list[Item]) -> dict[str, Item]:
    return {i.key: i for i in items}


def minimal_leaving(items: list[Item]) -> frozenset[str]:
    """What the `minimal` policy lets leave: pixels and what is needed to display them."""
    return frozenset(i.key for i in items if i.need in (Need.PIXELS, Need.DISPLAY))


# ------------------------------------------------------------------------------------------------ sniff


@pytest.mark.parametrize(
    ("major", "compatible", "expected"),
    [
        (b"heic", [b"mif1", b"heic"], True),
        (b"mif1", [b"mif1", b"heic"], True),
        (b"heix", [], True),
        (b"msf1", [b"msf1", b"hevc"], True),
        (b"mif1", [b"mif1"], True),
        (b"avif", [b"mif1", b"avif"], False),
        (b"mif1", [b"mif1", b"avif", b"miaf"], False),
        (b"isom", [b"isom", b"mp42"], False),
    ],
)
def test_sniff_brands(major: bytes, compatible: list[bytes], expected: bool) -> None:
    ftyp = box(b"ftyp", major + b"\0\0\0\0" + b"".join(compatible))
    assert sniff_brands(ftyp + b"\0" * 32) is expected


def test_registry_finds_heic_and_not_jpeg() -> None:
    data = rich_heif()
    handler = handler_for(data[:64])
    assert handler is not None and handler.name == "heic" and handler.reencodes
    assert not sniff_brands(b"\xff\xd8\xff\xe0" + b"\0" * 60)


# ------------------------------------------------------------------------------------- synthetic parse


def test_rich_file_items_in_the_right_categories() -> None:
    data = rich_heif()
    parsed = parse(data)
    assert_partition(data, parsed)
    items = by_key(parsed.items)
    image = items["heic:image"]
    assert image.need is Need.PIXELS and "grid of 2 tiles" in image.value
    assert image.bytes == 8 + 64 + 64  # grid descriptor in idat + two tiles
    assert items["exif:GPS:0x0002"].category is Category.LOCATION
    assert items["exif:GPS:0x001c"].value == CANARY_GPS
    assert items["exif:IFD0:0x010f"].category is Category.DEVICE
    assert items["exif:Exif:0x9003"].category is Category.TIME
    assert items["xmp:dc:title"].value == CANARY_XMP and not items["xmp:dc:title"].carriable
    assert items["iptc:2:90"].category is Category.LOCATION
    assert items["heic:thumbnail:4"].category is Category.HIDDEN_MEDIA
    assert items["heic:aux:5"].name == "Depth map" and items["heic:aux:5"].category is Category.HIDDEN_MEDIA
    assert "gain map" in items["heic:aux:6"].name
    mpvd = next(i for i in parsed.items if i.key == "motion:video")
    assert mpvd.category is Category.HIDDEN_MEDIA and "video" in mpvd.name.lower()
    sefd = next(i for i in parsed.items if i.key.startswith("heic:box:sefd"))
    assert sefd.category is Category.HIDDEN_MEDIA and "Image_UTC_Data" in sefd.value
    assert items["heic:icc"].need is Need.DISPLAY
    # Hidden media can never be carried into the JPEG a HEIC leaves as.
    assert not any(i.carriable for i in parsed.items if i.category is Category.HIDDEN_MEDIA)
    assert (parsed.width, parsed.height, parsed.orientation) == (128, 32, 6)
    assert not [i for i in parsed.items if i.category is Category.UNKNOWN]


def test_mdat_bytes_no_item_refers_to_are_unknown() -> None:
    items = [FakeItem(1, b"hvc1", b"PIXELS" * 4, [ispe(8, 8)])]
    data = build_heif(items, 1, gap=b"SECRET-LEFTOVER")
    parsed = parse(data)
    assert_partition(data, parsed)
    unknown = [i for i in parsed.items if i.category is Category.UNKNOWN]
    assert len(unknown) == 1 and unknown[0].bytes == len(b"SECRET-LEFTOVER")
    seg = next(s for s in parsed.segments if s.category is Category.UNKNOWN)
    assert data[seg.offset : seg.offset + seg.length] == b"SECRET-LEFTOVER"


@pytest.mark.parametrize("version", [0, 1, 2])
def test_iloc_versions_and_base_offset(version: int) -> None:
    items = [FakeItem(1, b"hvc1", b"P" * 40, [ispe(8, 8)], split=3),
             FakeItem(2, b"Exif", exif_payload(gps_exif_tiff()))]
    data = build_heif(items, 1, [(b"cdsc", 2, [1])], iloc_version=version, base_offset=5)
    parsed = parse(data)
    assert_partition(data, parsed)
    assert by_key(parsed.items)["heic:image"].bytes == 40
    assert "exif:GPS:0x0002" in by_key(parsed.items)


def test_mdat_of_size_zero_runs_to_the_end() -> None:
    items = [FakeItem(1, b"hvc1", b"P" * 40, [ispe(8, 8)])]
    data = build_heif(items, 1, mdat_size_zero=True)
    parsed = parse(data)
    assert_partition(data, parsed)


def test_largesize_box_and_unknown_top_level_box() -> None:
    items = [FakeItem(1, b"hvc1", b"P" * 40, [ispe(8, 8)])]
    body = b"strange vendor bytes"
    large = struct.pack(">I", 1) + b"zzzz" + struct.pack(">Q", 16 + len(body)) + body
    data = build_heif(items, 1, top_after=[large, box(b"free", b"\0" * 10)])
    parsed = parse(data)
    assert_partition(data, parsed)
    unknown = [i for i in parsed.items if i.category is Category.UNKNOWN]
    assert [i.bytes for i in unknown] == [16 + len(body)]  # zero padding in `free` is not reported


def test_stereo_pair_and_other_images_are_hidden_media() -> None:
    items = [FakeItem(1, b"hvc1", b"LEFT" * 4, [ispe(8, 8)]),
             FakeItem(2, b"hvc1", b"RIGHT" * 4, [ispe(8, 8)]),
             FakeItem(3, b"hvc1", b"OTHER" * 4, [ispe(4, 4)])]
    parsed = parse(build_heif(items, 1, groups=[(b"ster", [1, 2])]))
    other = by_key(parsed.items)
    assert "stereo" in other["heic:other:2"].name
    assert other["heic:other:3"].category is Category.HIDDEN_MEDIA


def test_metadata_of_another_image_gets_its_own_keys_and_stays() -> None:
    items = [FakeItem(1, b"hvc1", b"P" * 16, [ispe(8, 8)]), FakeItem(2, b"hvc1", b"Q" * 16, [ispe(8, 8)]),
             FakeItem(3, b"Exif", exif_payload(gps_exif_tiff())),
             FakeItem(4, b"Exif", exif_payload(gps_exif_tiff()))]
    parsed = parse(build_heif(items, 1, [(b"cdsc", 3, [2]), (b"cdsc", 4, [1])]))
    keys = by_key(parsed.items)
    assert "exif:GPS:0x0002" in keys and keys["exif:GPS:0x0002"].carriable
    assert not keys["heic:3:exif:GPS:0x0002"].carriable


def test_damaged_exif_item_becomes_unknown_not_a_crash() -> None:
    items = [FakeItem(1, b"hvc1", b"P" * 16, [ispe(8, 8)]), FakeItem(2, b"Exif", b"\0\0\0\0garbage!!")]
    data = build_heif(items, 1, [(b"cdsc", 2, [1])])
    parsed = parse(data)
    assert_partition(data, parsed)
    assert any(i.category is Category.UNKNOWN for i in parsed.items)


# --------------------------------------------------------------------------------------- orientation


def _pattern():
    from PIL import Image

    image = Image.new("RGB", (3, 2))
    for n, xy in enumerate([(x, y) for y in range(2) for x in range(3)]):
        image.putpixel(xy, (n * 40, 0, 0))
    return image


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
@pytest.mark.parametrize("mirror", [None, 0, 1])
@pytest.mark.parametrize("mirror_first", [False, True])
def test_irot_imir_map_to_the_same_display_as_exif_orientation(turns, mirror, mirror_first) -> None:
    from PIL import Image, ImageOps

    props = [irot(turns)] if mirror is None else (
        [imir(mirror), irot(turns)] if mirror_first else [irot(turns), imir(mirror)])
    heif = walk(build_heif([FakeItem(1, b"hvc1", b"P", [ispe(3, 2), *props])], 1))
    # What a HEIF reader shows: each transform in the order listed (irot anticlockwise, imir axis 0 =
    # left-right mirror).
    shown = _pattern()
    ops = {"irot": lambda im: im.rotate(90 * turns, expand=True),
           "imir": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT if mirror == 0
                                           else Image.Transpose.FLIP_TOP_BOTTOM)}
    order = ["irot"] if mirror is None else (["imir", "irot"] if mirror_first else ["irot", "imir"])
    for op in order:
        shown = ops[op](shown)
    tagged = _pattern()
    exif = tagged.getexif()
    exif[0x0112] = orientation_of(heif, 1)
    tagged.info["exif"] = exif.tobytes()
    assert ImageOps.exif_transpose(tagged).tobytes() == shown.tobytes()


# ---------------------------------------------------------------------------------------- damaged input


def test_truncated_inside_mdat_is_a_readable_error() -> None:
    data = rich_heif()
    with pytest.raises(ParseError, match="truncated HEIF"):
        parse(data[: len(data) - 60])


def test_box_running_past_the_end() -> None:
    data = bytearray(rich_heif())
    parsed = parse(bytes(data))
    last = parsed.segments[-1]
    struct.pack_into(">I", data, last.offset, last.length + 100)
    with pytest.raises(ParseError, match="runs past the end"):
        parse(bytes(data))


def test_file_cut_before_mdat_is_refused() -> None:
    data = rich_heif()
    mdat_at = data.find(b"mdat") - 4
    with pytest.raises(ParseError, match="past the end"):
        parse(data[:mdat_at])


# ------------------------------------------------------------------------------------ real (encoded) HEIC


def _jpeg_exif_keys(jpeg: bytes) -> dict[str, Item]:
    from PIL import Image

    from core.metadata.exif import parse_exif

    raw = Image.open(io.BytesIO(jpeg)).info.get("exif", b"")
    if not raw:
        return {}
    return by_key(parse_exif(raw[6:] if raw.startswith(b"Exif\0\0") else raw).items)


def _decoded(data: bytes):
    import pillow_heif

    return pillow_heif.open_heif(io.BytesIO(data)).to_pillow().convert("RGB")


def _mean_abs_diff(a, b) -> float:
    import numpy as np

    return float(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).mean())


@needs_encoder
def test_generated_heic_parse_finds_gps_and_xmp() -> None:
    data = real_heic()
    parsed = parse(data)
    assert_partition(data, parsed)
    items = by_key(parsed.items)
    assert items["exif:GPS:0x001c"].value == CANARY_GPS
    assert items["xmp:dc:title"].value == CANARY_XMP
    assert (parsed.width, parsed.height) == (64, 48)


@needs_encoder
@pytest.mark.parametrize("orientation", [1, 6, 3, 8])
def test_clean_writes_upright_jpeg_without_canaries(tmp_path: Path, orientation: int) -> None:
    from PIL import Image, ImageOps

    data = real_heic(orientation=orientation)
    parsed = parse(data)
    cleaned = HANDLER.clean(data, parsed, minimal_leaving(parsed.items))
    assert cleaned.extension == ".jpg" and cleaned.pixels == "re-encoded"
    assert cleaned.data.startswith(b"\xff\xd8")
    for canary in CANARIES:
        assert canary not in cleaned.data
    out = Image.open(io.BytesIO(cleaned.data))
    shown = ImageOps.exif_transpose(out).convert("RGB")
    expected = _decoded(data)
    assert shown.size == expected.size
    assert _mean_abs_diff(shown, expected) < 4
    assert out.getexif().get(0x0112, 1) == 1
    # Displayed orientation: a red top-left corner and the green band along the originally top edge.
    assert shown.size == ((48, 64) if orientation in (6, 8) else (64, 48))


@needs_encoder
def test_clean_carries_leaving_exif_keys_unchanged() -> None:
    data = real_heic(orientation=6)
    parsed = parse(data)
    items = by_key(parsed.items)
    keep = {"exif:Exif:0x9003", "exif:IFD0:0x010f"}
    leaving = minimal_leaving(parsed.items) | keep
    out = _jpeg_exif_keys(HANDLER.clean(data, parsed, leaving).data)
    for key in keep:
        assert (out[key].category, out[key].value) == (items[key].category, items[key].value)
    assert not any(k.startswith("exif:GPS") for k in out)
    assert out["exif:IFD0:0x0112"].value.startswith("1")


@needs_encoder
def test_clean_given_pixels_encodes_them() -> None:
    from PIL import Image

    data = real_heic()
    parsed = parse(data)
    grey = Image.new("RGB", (64, 48), (128, 128, 128))
    out = Image.open(io.BytesIO(HANDLER.clean(data, parsed, frozenset(), pixels=grey).data)).convert("RGB")
    assert _mean_abs_diff(out, grey) < 2


# ------------------------------------------------------------------------------------------------ corpus

CORPUS_EXPECT = {
    "HMD_Nokia_8.3_5G_hdr.heif": [("exif:GPS:0x0002", Category.LOCATION)],
    "IMG_5195.HEIC": [("exif:GPS:0x0002", Category.LOCATION), ("heic:icc", Category.TECHNICAL)],
    "Issue 487.heic": [("heic:thumbnail:", Category.HIDDEN_MEDIA), ("heic:box:sefd:", Category.HIDDEN_MEDIA)],
    "L_exif_xmp_iptc.heic": [("iptc:2:90", Category.LOCATION), ("xmp:", None), ("exif:IFD0:0x010f", None)],
    "aux_YCbCr.heic": [("heic:aux:", Category.HIDDEN_MEDIA), ("heic:box:sefd:", Category.HIDDEN_MEDIA)],
    "exif-at-eof.heic": [("exif:GPS:0x0002", Category.LOCATION)],
    "iphone_15_pro.heic": [("heic:aux:", Category.HIDDEN_MEDIA), ("exif:GPS:0x0002", Category.LOCATION)],
    "motionphoto.heic": [("motion:video", Category.HIDDEN_MEDIA), ("exif:GPS:0x0002", Category.LOCATION)],
    "pug.heic": [("exif:GPS:0x0002", Category.LOCATION), ("heic:aux:", Category.HIDDEN_MEDIA)],
    "spatial_photo.heic": [("heic:other:", Category.HIDDEN_MEDIA)],
    "xiaomi.heic": [("exif:GPS:0x0002", Category.LOCATION), ("exif:IFD1:thumbnail", Category.HIDDEN_MEDIA)],
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_EXPECT))
def test_corpus_parse(name: str) -> None:
    data = (CORPUS / "heic" / name).read_bytes()
    parsed = parse(data)
    assert_partition(data, parsed)
    keys = by_key(parsed.items)
    assert keys["heic:image"].need is Need.PIXELS and parsed.width and parsed.height
    for prefix, category in CORPUS_EXPECT[name]:
        found = [i for k, i in keys.items() if k.startswith(prefix)]
        assert found, f"{name}: nothing under {prefix}"
        if category is not None:
            assert found[0].category is category, found[0]


@needs_corpus
def test_corpus_depth_map_and_video_are_named() -> None:
    pug = parse((CORPUS / "heic" / "pug.heic").read_bytes())
    assert any(i.name == "Depth map" for i in pug.items)
    video = parse((CORPUS / "heic" / "motionphoto.heic").read_bytes())
    mpvd = next(i for i in video.items if i.key == "motion:video")
    assert mpvd.bytes > 2_000_000


@needs_corpus
@needs_exiftool
def test_corpus_clean_has_no_gps_and_displays_upright(tmp_path: Path) -> None:
    from PIL import Image

    source = CORPUS / "heic" / "iphone_15_pro.heic"
    data = source.read_bytes()
    parsed = parse(data)
    assert parsed.orientation == 6
    cleaned = HANDLER.clean(data, parsed, minimal_leaving(parsed.items))
    out_path = tmp_path / "out.jpg"
    out_path.write_bytes(cleaned.data)
    tags = exiftool_tags(out_path)
    groups = {k.split(":")[0] for k in tags} - STRUCTURAL_GROUPS
    assert not any(k.startswith("GPS:") for k in tags), tags
    assert "MakerNotes" not in " ".join(tags) and "XMP" not in " ".join(groups)
    assert tags.get("IFD0:Orientation", 1) in (1, "Horizontal (normal)")
    out = Image.open(out_path)
    assert out.size == (3024, 4032)
    expected = _decoded(data).resize((378, 504))
    assert _mean_abs_diff(out.convert("RGB").resize((378, 504)), expected) < 3


# ------------------------------------------------------------------------------ through the exporter


@needs_encoder
@pytest.mark.parametrize("policy_name", ["minimal", "no-location", "keep-all"])
def test_export_verifies_the_reencoded_jpeg(tmp_path: Path, policy_name: str) -> None:
    from core.model.policy import BUILTIN, KEEP, POLICY_CATEGORIES, Policy
    from core.pipeline.export import process_file

    source = tmp_path / "IMG_0001.HEIC"
    source.write_bytes(real_heic(orientation=6) + box(b"mpvd", CANARY_VIDEO))
    if policy_name == "keep-all":
        policy = Policy("keep-all", {c: KEEP for c in POLICY_CATEGORIES})
    else:
        policy = BUILTIN[policy_name]
    outcome = process_file(source, policy)
    assert not outcome.reason, outcome.reason
    assert outcome.extension == ".jpg"
    assert outcome.data[:4] == b"\xff\xd8\xff\xe1"  # EXIF first: no JFIF header without an item
    assert CANARY_VIDEO not in outcome.data and CANARY_XMP.encode() not in outcome.data
    gps_left = CANARY_GPS.encode() in outcome.data
    assert gps_left is (policy_name == "keep-all")


# ------------------------------------------------------------------------ hostile item counts (linear)

_LINEAR_SCRIPT = """
import sys
from tests.core.heic_fixtures import FakeItem, build_heif, exif_payload, gps_exif_tiff, ispe
from core.formats.heic_inventory import parse
from core.model.inventory import ParseError

kind, n = sys.argv[1], int(sys.argv[2])
exif = exif_payload(gps_exif_tiff())
if kind == "exif":
    # One primary image and n Exif items, none saying which image it describes.
    items = [FakeItem(1, b"hvc1", b"\\0" * 16, props=[ispe(64, 48)])]
    items += [FakeItem(i, b"Exif", exif) for i in range(2, n + 2)]
    refs = []
else:
    # A chain of n derived images, each derived from the next, beside the primary; each one also has
    # a thumbnail pointing into the chain (many roots sharing one long closure).
    items = [FakeItem(1, b"hvc1", b"\\0" * 16, props=[ispe(64, 48)])]
    items += [FakeItem(i, b"iden", b"\\1") for i in range(2, n + 2)]
    refs = [(b"dimg", i, [i + 1]) for i in range(2, n + 1)]
data = build_heif(items, primary=1, refs=refs)
try:
    parsed = parse(data)
except ParseError as exc:
    print("ERROR", exc)
else:
    covered = sum(s.length for s in parsed.segments)
    print("OK", len(parsed.items), covered == len(data))
"""


def _parse_in_subprocess(kind: str, n: int) -> str:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    # Quadratic parsing of these files takes tens of seconds; linear parsing a fraction of one.
    proc = subprocess.run([sys.executable, "-c", _LINEAR_SCRIPT, kind, str(n)], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_many_exif_items_parse_with_every_byte_accounted_for() -> None:
    out = _parse_in_subprocess("exif", 5000)
    assert out.startswith("OK") and out.endswith("True"), out


def test_a_long_chain_of_derived_images_parses_with_every_byte_accounted_for() -> None:
    out = _parse_in_subprocess("chain", 9000)
    assert out.startswith("OK") and out.endswith("True"), out


def test_more_items_than_the_cap_are_refused_with_a_reason() -> None:
    from core.formats.isobmff import MAX_ITEMS

    out = _parse_in_subprocess("exif", MAX_ITEMS + 1)
    assert out.startswith("ERROR") and "too complex to check" in out and f"{MAX_ITEMS:,} items" in out, out


def test_more_boxes_than_the_cap_are_refused_with_a_reason() -> None:
    from core.formats.isobmff import MAX_BOXES

    data = rich_heif()
    padding = box(b"free", b"") * (MAX_BOXES + 1)  # 8 bytes each: about 800 KB of empty boxes
    with pytest.raises(ParseError, match=f"more than {MAX_BOXES:,} boxes"):
        parse(data + padding)
    assert parse(data).segments  # the same file without them is fine
