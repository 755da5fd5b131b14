# SPDX-License-Identifier: GPL-3.0-or-later
"""JPEG handler: every leak vector found and removed, image data byte-identical, bad input refused."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from core.formats import Parsed
from core.formats.jpeg import JpegHandler
from core.formats.jpeg_markers import TRUNCATED
from core.model.categories import Category
from core.model.inventory import Need, ParseError
from core.pipeline.inspection import parse_buffer
from tests.core import jpeg_fixtures as fx
from tests.oracle import STRUCTURAL_GROUPS, corpus_files, exiftool_tags, needs_corpus, needs_exiftool

H = JpegHandler()
C = fx.CANARIES

# vector → (canary key, category it must be reported in, how to find it: "value" or an item key)
VECTORS: list[tuple[str, Category, str]] = [
    ("gps", Category.LOCATION, "value"),
    ("time", Category.TIME, "2001-02-03T04:05:06"),
    ("make", Category.DEVICE, "value"),
    ("model", Category.DEVICE, "value"),
    ("serial", Category.DEVICE, "value"),
    ("artist", Category.PEOPLE, "value"),
    ("copyright", Category.PEOPLE, "value"),
    ("xpauthor", Category.PEOPLE, "CANARY-XPAUTHOR"),
    ("description", Category.DESCRIPTION, "value"),
    ("usercomment", Category.DESCRIPTION, "value"),
    ("xpcomment", Category.DESCRIPTION, "CANARY-XPCOMMENT"),
    ("unique_id", Category.HISTORY, "value"),
    ("thumbnail", Category.HIDDEN_MEDIA, "key:exif:IFD1:thumbnail"),
    ("com", Category.DESCRIPTION, "value"),
    ("xmp_creator", Category.PEOPLE, "value"),
    ("xmp_city", Category.LOCATION, "value"),
    ("xmp_gps", Category.LOCATION, "value"),
    ("xmp_docid", Category.HISTORY, "value"),
    ("xmp_history", Category.HISTORY, "value"),
    ("xmp_date", Category.TIME, "value"),
    ("xmp_title", Category.DESCRIPTION, "value"),
    ("mwg_name", Category.PEOPLE, "value"),
    ("mp_name", Category.PEOPLE, "value"),
    ("iptc_city", Category.LOCATION, "value"),
    ("iptc_byline", Category.PEOPLE, "value"),
    ("iptc_caption", Category.DESCRIPTION, "value"),
    ("irb_thumbnail", Category.HIDDEN_MEDIA, "key:irb:thumbnail"),
    ("mpf_image", Category.HIDDEN_MEDIA, "key:jpeg:mpf:1"),
    ("ext_xmp_depth", Category.HIDDEN_MEDIA, "key:xmp:GDepth:Data"),
    ("trailer_mp4", Category.HIDDEN_MEDIA, "key:motion:video"),
    ("unknown_app", Category.UNKNOWN, "key:jpeg:unknown:1"),
]
assert {v[0] for v in VECTORS} == set(C), "every canary is checked"


def minimal_leaving(parsed: Parsed) -> frozenset[str]:
    """What the `minimal` policy sends: the items needed for pixels and display."""
    return frozenset(i.key for i in parsed.items if i.need in (Need.PIXELS, Need.DISPLAY) and i.carriable)


def spans(data: bytes, parsed: Parsed) -> bytes:
    return b"".join(data[o: o + n] for o, n in parsed.pixel_spans)


def assert_partition(data: bytes, parsed: Parsed) -> None:
    pos = 0
    for seg in parsed.segments:
        assert seg.offset == pos, f"gap or overlap at {pos}: {seg}"
        assert seg.length > 0
        pos += seg.length
    assert pos == len(data)


@pytest.fixture(scope="module")
def sink() -> bytes:
    return fx.kitchen_sink()


@pytest.fixture(scope="module")
def sink_parsed(sink: bytes) -> Parsed:
    return H.parse(sink)


@pytest.mark.parametrize(("vector", "category", "find"), VECTORS, ids=[v[0] for v in VECTORS])
def test_parse_reports_each_vector_in_its_category(
    sink: bytes, sink_parsed: Parsed, vector: str, category: Category, find: str
) -> None:
    assert C[vector] in sink  # the fixture really carries it
    if find.startswith("key:"):
        matches = [i for i in sink_parsed.items if i.key == find[4:]]
    else:
        text = C[vector].decode() if find == "value" else find
        matches = [i for i in sink_parsed.items if text in i.value]
    assert matches, f"{vector} not reported"
    assert {i.category for i in matches} == {category}


def test_face_regions_list_the_names(sink_parsed: Parsed) -> None:
    regions = {i.key: i.value for i in sink_parsed.items if i.category is Category.PEOPLE}
    assert regions["xmp:mwg-rs:Regions"] == "1 face region: CANARY-MWG-FACE-NAME"
    assert regions["xmp:MP:RegionInfo"] == "1 face region: CANARY-MP-FACE-NAME"


def test_parse_accounts_for_every_byte(sink: bytes, sink_parsed: Parsed) -> None:
    assert_partition(sink, sink_parsed)
    assert (sink_parsed.width, sink_parsed.height, sink_parsed.orientation) == (16, 12, 6)
    trailer = [s for s in sink_parsed.segments if s.offset >= len(sink) - 790]
    assert {s.category for s in trailer} >= {Category.HIDDEN_MEDIA}


def test_minimal_clean_removes_every_canary(sink: bytes, sink_parsed: Parsed, tmp_path: Path) -> None:
    leaving = minimal_leaving(sink_parsed)
    cleaned = H.clean(sink, sink_parsed, leaving)
    assert cleaned.pixels == "unchanged" and cleaned.extension == ".jpg"
    out = cleaned.data
    for name, canary in C.items():
        assert canary not in out, f"{name} canary survived the clean"
    assert out.endswith(b"\xff\xd9")
    again = H.parse(out)
    assert_partition(out, again)
    assert spans(out, again) == spans(sink, sink_parsed)
    assert again.orientation == 6
    keys = {i.key for i in again.items}
    assert "exif:IFD0:0x0112" in keys and "jpeg:image" in keys
    assert {i.category for i in again.items} == {Category.TECHNICAL}
    # The exporter's check: every output item (but pixels) equals a leaving item.
    before = {(i.key, i.category, i.value) for i in sink_parsed.items if i.key in leaving}
    for item in again.items:
        if item.need is not Need.PIXELS:
            assert (item.key, item.category, item.value) in before


@needs_exiftool
def test_exiftool_sees_nothing_of_removed_categories(
    sink: bytes, sink_parsed: Parsed, tmp_path: Path
) -> None:
    src = tmp_path / "sink.jpg"
    src.write_bytes(sink)
    assert "GPS:GPSLatitude" in exiftool_tags(src)
    out = tmp_path / "clean.jpg"
    out.write_bytes(H.clean(sink, sink_parsed, minimal_leaving(sink_parsed)).data)
    tags = exiftool_tags(out)
    allowed = STRUCTURAL_GROUPS | {"JFIF", "IFD0", "XMP-x", "XMP-tiff"}
    leftover = {k for k in tags if k.split(":")[0] not in allowed}
    assert not leftover
    assert {k for k in tags if k.startswith("IFD0:")} == {"IFD0:Orientation"}
    assert tags["IFD0:Orientation"] == 6 or str(tags["IFD0:Orientation"]).startswith("Rotate 90")


def test_clean_keeping_everything_carriable_reparses_to_the_same_items(
    sink: bytes, sink_parsed: Parsed
) -> None:
    leaving = frozenset(
        i.key for i in sink_parsed.items if i.carriable and i.category is not Category.UNKNOWN
    )
    out = H.clean(sink, sink_parsed, leaving).data
    again = H.parse(out)
    want = {(i.key, i.category, i.value) for i in sink_parsed.items if i.key in leaving}
    got = {(i.key, i.category, i.value) for i in again.items}
    assert got == want
    # Never carried whatever the policy: trailers, MPF images, unknown segments.
    for name in ("mpf_image", "trailer_mp4", "unknown_app"):
        assert C[name] not in out
    assert C["ext_xmp_depth"] in out  # Extended XMP is rebuilt when hidden media may leave
    assert spans(out, again) == spans(sink, sink_parsed)


def test_policy_removing_only_location(sink: bytes, sink_parsed: Parsed) -> None:
    leaving = frozenset(i.key for i in sink_parsed.items
                        if i.carriable and i.category not in (Category.LOCATION, Category.UNKNOWN))
    out = H.clean(sink, sink_parsed, leaving).data
    for name in ("gps", "xmp_city", "xmp_gps", "iptc_city"):
        assert C[name] not in out
    for name in ("artist", "xmp_creator", "iptc_byline", "com", "mwg_name"):
        assert C[name] in out


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_survives(orientation: int) -> None:
    for data in (fx.with_exif_orientation(orientation), fx.kitchen_sink(orientation)):
        parsed = H.parse(data)
        assert parsed.orientation == orientation
        out = H.clean(data, parsed, minimal_leaving(parsed)).data
        assert H.parse(out).orientation == orientation
        with Image.open(io.BytesIO(out)) as img:
            assert img.getexif().get(0x0112) == orientation


def test_reencode_with_pixels(sink: bytes, sink_parsed: Parsed) -> None:
    with Image.open(io.BytesIO(sink)) as img:
        pixels = img.convert("RGB")
    pixels.paste((0, 0, 0), (0, 0, 4, 4))
    cleaned = H.clean(sink, sink_parsed, minimal_leaving(sink_parsed), pixels=pixels)
    assert cleaned.pixels == "re-encoded"
    again = H.parse(cleaned.data)
    assert spans(cleaned.data, again) != spans(sink, sink_parsed)
    assert again.orientation == 6 and (again.width, again.height) == (16, 12)
    for canary in C.values():
        assert canary not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as img:
        img.load()
        assert img.getpixel((1, 1))[0] < 30


def test_progressive_and_restart_markers_are_walked() -> None:
    img = Image.effect_noise((64, 48), 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", progressive=True, quality=80)
    data = buf.getvalue()
    parsed = H.parse(data)
    assert sum(1 for s in parsed.segments if s.name == "SOS") > 1
    assert_partition(data, parsed)
    out = H.clean(data, parsed, minimal_leaving(parsed)).data
    assert spans(out, H.parse(out)) == spans(data, parsed)
    # Restart markers inside the scan (Pillow writes them with `restart_marker_blocks`).
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, restart_marker_blocks=1)
    data = buf.getvalue()
    parsed = H.parse(data)
    assert any(s.name == "DRI" for s in parsed.segments)
    assert [s.name for s in parsed.segments].count("Entropy-coded data") == 1


def test_trailer_kinds_are_classified() -> None:
    base = fx.base_jpeg()
    cases = {
        b"\x00" * 100: ("Zero padding", Category.UNKNOWN),
        b"junk" * 10 + b"SEFH" + b"\x00" * 8 + b"SEFT": ("Samsung SEF trailer", Category.HIDDEN_MEDIA),
        fx.base_jpeg(8, 8): ("Embedded JPEG image", Category.HIDDEN_MEDIA),
        b"\x01\x02random vendor data": ("Unidentified data", Category.UNKNOWN),
    }
    for tail, (label, category) in cases.items():
        data = base + tail
        parsed = H.parse(data)
        assert_partition(data, parsed)
        items = [i for i in parsed.items if i.where == "data after the JPEG end marker"]
        assert len(items) == 1 and items[0].value.startswith(label) and items[0].category is category
        assert items[0].bytes == len(tail) and not items[0].carriable
        assert H.clean(data, parsed, minimal_leaving(parsed)).data == base_without_jfif_changes(base)


def base_without_jfif_changes(base: bytes) -> bytes:
    parsed = H.parse(base)
    return H.clean(base, parsed, minimal_leaving(parsed)).data


# --- bad input ----------------------------------------------------------------------------------------


def test_truncated_scan() -> None:
    data = fx.base_jpeg()
    with pytest.raises(ParseError, match="truncated JPEG"):
        H.parse(data[:-40])
    with pytest.raises(ParseError, match=TRUNCATED):
        H.parse(data[:-2])  # no EOI


def test_truncated_inside_a_segment() -> None:
    data = fx.kitchen_sink()
    with pytest.raises(ParseError, match="truncated"):
        H.parse(data[:300])


def test_zero_length_segment() -> None:
    jfif, rest = fx.split_jpeg(fx.base_jpeg())
    data = b"\xff\xd8" + jfif + b"\xff\xe1\x00\x00" + rest
    with pytest.raises(ParseError, match="bad length"):
        H.parse(data)


def test_zero_dimensions_refused() -> None:
    with pytest.raises(ParseError, match="zero"):
        H.parse(fx.huge_sof(0, 12))


def test_huge_dimensions_reported_then_refused_by_inspection() -> None:
    data = fx.huge_sof()
    parsed = H.parse(data)
    assert (parsed.width, parsed.height) == (65535, 65535)
    with pytest.raises(ParseError, match="enormous"):
        parse_buffer(data)


def test_billion_laughs_xmp_is_one_unknown_item() -> None:
    data = fx.with_xmp(fx.BILLION_LAUGHS)
    parsed = H.parse(data)
    xmp = [i for i in parsed.items if i.where.startswith("JPEG APP1 XMP")]
    assert len(xmp) == 1 and xmp[0].category is Category.UNKNOWN and "entities" in xmp[0].value
    assert not any("lollol" in i.value for i in parsed.items)
    out = H.clean(data, parsed, minimal_leaving(parsed)).data
    assert b"ENTITY" not in out


def test_garbage_between_segments_is_unknown_and_dropped() -> None:
    jfif, rest = fx.split_jpeg(fx.base_jpeg())
    data = b"\xff\xd8" + jfif + b"GARBAGE-BYTES" + rest
    parsed = H.parse(data)
    assert_partition(data, parsed)
    assert any(i.category is Category.UNKNOWN and i.bytes == 13 for i in parsed.items)
    assert b"GARBAGE" not in H.clean(data, parsed, minimal_leaving(parsed)).data


def test_damaged_exif_and_irb_do_not_crash() -> None:
    jfif, rest = fx.split_jpeg(fx.base_jpeg())
    bad_exif = fx.segment(0xE1, b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xf0garbage")
    bad_irb = fx.segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\xff\xff\xff\xffxx")
    for seg in (bad_exif, bad_irb, fx.segment(0xE2, b"MPF\x00II*\x00\xff\xff\x00\x00")):
        data = b"\xff\xd8" + jfif + seg + rest
        parsed = H.parse(data)
        assert_partition(data, parsed)
        out = H.clean(data, parsed, minimal_leaving(parsed)).data
        assert spans(out, H.parse(out)) == spans(data, parsed)


def test_parse_accepts_a_read_only_mmap(tmp_path: Path) -> None:
    import mmap

    path = tmp_path / "sink.jpg"
    path.write_bytes(fx.kitchen_sink())
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        parsed = H.parse(mm)
        out = H.clean(mm, parsed, minimal_leaving(parsed))
    assert H.parse(out.data).orientation == 6


# --- the real-world corpus --------------------------------------------------------------------------


def corpus_jpegs() -> list[Path]:
    files = corpus_files("jpeg") + corpus_files("faces")
    return [p for p in files if p.suffix.lower() in (".jpg", ".jpeg", ".mpo")]


@needs_corpus
@pytest.mark.parametrize("path", corpus_jpegs(), ids=lambda p: p.name)
def test_corpus_file_parses_and_cleans(path: Path) -> None:
    data = path.read_bytes()
    parsed = H.parse(data)
    assert_partition(data, parsed)
    assert parsed.width > 0 and parsed.height > 0
    out = H.clean(data, parsed, minimal_leaving(parsed)).data
    again = H.parse(out)
    assert_partition(out, again)
    assert spans(out, again) == spans(data, parsed)
    assert again.orientation == parsed.orientation
    assert {i.category for i in again.items} <= {Category.TECHNICAL}
    assert not [i for i in again.items if i.where == "data after the JPEG end marker"]
    assert out.endswith(b"\xff\xd9") and len(out) == sum(s.length for s in again.segments)


def exiftool_many(paths: list[Path]) -> dict[str, dict[str, object]]:
    """One ExifTool run over many files (same flags as tests.oracle.exiftool_tags): {path: tags}."""
    out = subprocess.run(
        ["exiftool", "-a", "-u", "-G1", "-j", "-b", "-charset", "filename=utf8", *map(str, paths)],
        check=False, capture_output=True,
    ).stdout
    return {str(Path(d["SourceFile"])): d for d in json.loads(out)}


@pytest.fixture(scope="module")
def corpus_exiftool(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict, dict, bytes]]:
    folder = tmp_path_factory.mktemp("clean-corpus")
    pairs = []
    for i, path in enumerate(corpus_jpegs()):
        data = path.read_bytes()
        parsed = H.parse(data)
        out_path = folder / f"{i:03d}.jpg"
        out_path.write_bytes(H.clean(data, parsed, minimal_leaving(parsed)).data)
        pairs.append((path, out_path))
    before = exiftool_many([p for p, _ in pairs])
    after = exiftool_many([o for _, o in pairs])
    return [(p, before[str(p)], after[str(o)], o.read_bytes()) for p, o in pairs]


CLEAN_GROUPS = STRUCTURAL_GROUPS | {
    "JFIF", "IFD0", "ICC_Profile", "ICC-header", "ICC-view", "ICC-meas", "ICC-chrm", "Adobe",
    "XMP-x", "XMP-tiff",
}


@needs_corpus
@needs_exiftool
def test_corpus_clean_has_no_gps_serial_or_trailer(
    corpus_exiftool: list[tuple[Path, dict, dict, bytes]]
) -> None:
    assert corpus_exiftool
    for path, before, after, out in corpus_exiftool:
        sensitive = [k for k in after
                     if "GPS" in k or "Serial" in k or k.startswith(("MPF", "MPImage", "Trailer"))]
        assert not sensitive, path.name
        groups = {k.split(":")[0] for k in after}
        assert groups <= CLEAN_GROUPS, (path.name, groups - CLEAN_GROUPS)
        for key, value in before.items():
            watched = "Serial" in key or "GPSLatitude" in key or "OwnerName" in key
            if watched and isinstance(value, str) and len(value.strip()) >= 6:
                assert value.encode() not in out, (path.name, key)


def _scan_cases() -> list[tuple[bytes, int]]:
    """Entropy-coded data with stuffed FF 00, restart markers, fill bytes, markers of several kinds
    and none at all (a truncated scan)."""
    import random

    rnd = random.Random(16)
    cases: list[tuple[bytes, int]] = []
    for length in (0, 1, 2, 4095, 4096, 4097, 12287, 12288, 70000):
        body = bytearray(rnd.randrange(256) for _ in range(length))
        for i in range(len(body) - 1):
            if body[i] == 0xFF:  # valid scan data: every FF stuffed or a restart marker
                body[i + 1] = rnd.choice((0x00, 0xD0, 0xD7))
        if body and body[-1] == 0xFF:
            body[-1] = 0x00
        for end in (b"", b"\xff", b"\xff\xd9", b"\xff\xff\xd9", b"\xff\xc4", b"\xff\x01"):
            cases.append((bytes(b"\xff\xda" + body + end + b"tail"), 2))
    return cases


def test_the_scan_search_finds_the_first_marker() -> None:
    """The regex search is the rule itself: the first FF followed by neither 00 nor a restart marker."""
    from core.formats import jpeg_scan

    for data, pos in _scan_cases():
        expected = next((i for i in range(pos, len(data) - 1)
                         if data[i] == 0xFF and not (data[i + 1] == 0 or 0xD0 <= data[i + 1] <= 0xD7)), -1)
        assert jpeg_scan._find_marker(data, pos) == expected


def test_the_command_line_inspects_without_numpy(tmp_path: Path) -> None:
    """Start-up: reading a few photos loads neither numpy nor Pillow (their imports cost more than the
    photos), nor the MP4 reader for a JPEG without a video, and the photo is still read."""
    photo = tmp_path / "p.jpg"
    photo.write_bytes(fx.with_xmp(fx.xmp_packets()[0]))
    code = (
        "import sys, json, io, contextlib\n"
        "from core.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    rc = main(['inspect', '--json', {str(photo)!r}])\n"
        "doc = json.loads(out.getvalue())\n"
        "heavy = ('numpy', 'PIL', 'core.formats.mp4')\n"
        "print(rc, doc['files'][0]['status'], *(any(n.startswith(m) for n in sys.modules) for m in heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[3])
    assert proc.stdout.split() == ["0", "ok", "False", "False", "False"]

