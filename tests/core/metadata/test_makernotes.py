# SPDX-License-Identifier: GPL-3.0-or-later
"""Maker notes: each maker's note, built here from its documented layout with a planted serial, owner or
lens, is itemised under the MakerNote; real camera files agree with ExifTool; hostile notes stay opaque;
nothing read from a note ever leaves in a cleaned file."""

from __future__ import annotations

import json
import random
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from core.metadata.exif import parse_exif
from core.model.categories import Category
from core.model.inventory import Item
from core.model.jobs import drive
from core.model.policy import BUILTIN
from core.model.values import PersonName, SerialNumber
from core.pipeline.export import export_job
from core.pipeline.inspection import inspect_path
from core.pipeline.preview import make_preview
from core.report.facts import facts_from_items
from tests.core.jpeg_fixtures import base_jpeg, segment, split_jpeg
from tests.oracle import CORPUS, corpus_files, needs_corpus, needs_exiftool

MAKERNOTE_KEY = "exif:Exif:0x927c"

# --- building notes from their documented layout ----------------------------------------------------------

# One entry: (tag, TIFF type, count, value bytes as stored).
Entry = tuple[int, int, int, bytes]
TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 11: 4, 13: 4}


def ascii_entry(tag: int, text: str, pad: int = 0) -> Entry:
    raw = text.encode() + b"\x00"
    raw += b"\x00" * max(0, pad - len(raw))
    return (tag, 2, len(raw), raw)


def undef(tag: int, raw: bytes) -> Entry:
    return (tag, 7, len(raw), raw)


def long_entry(tag: int, bo: str, *values: int) -> Entry:
    return (tag, 4, len(values), struct.pack(f"{bo}{len(values)}I", *values))


def ifd_bytes(entries: list[Entry], bo: str, at: int, origin: int, trailer: bytes = b"") -> bytes:
    """An IFD that will sit at note position ``at``; out-of-line values follow it (then ``trailer``),
    their offsets written relative to ``origin`` (the note position of offset 0, negative when it is
    the EXIF block's TIFF header before the note)."""
    entries = sorted(entries)
    data_at = at + 2 + 12 * len(entries) + 4
    table, data = b"", b""
    for tag, typ, count, raw in entries:
        assert len(raw) == TYPE_SIZE[typ] * count
        if len(raw) <= 4:
            table += struct.pack(f"{bo}HHI", tag, typ, count) + raw.ljust(4, b"\x00")
        else:
            table += struct.pack(f"{bo}HHII", tag, typ, count, data_at + len(data) - origin)
            data += raw + b"\x00" * (len(raw) & 1)
    return struct.pack(f"{bo}H", len(entries)) + table + b"\x00\x00\x00\x00" + data + trailer


# Where the test EXIF block puts the maker note: header (8), IFD0 (Make, Model, ExifIFD: 42 bytes),
# Make and Model (32 bytes each), the Exif IFD (MakerNote only: 18 bytes).
NOTE_OFFSET = 8 + 42 + 64 + 18


def exif_with_note(make: str, model: str, note: bytes, bo: str = "<") -> bytes:
    """A TIFF block: IFD0 Make/Model and an Exif IFD holding only the maker note, at NOTE_OFFSET."""
    mk, md = make.encode().ljust(32, b"\x00"), model.encode().ljust(32, b"\x00")
    ifd0 = struct.pack(f"{bo}H", 3)
    ifd0 += struct.pack(f"{bo}HHII", 0x010F, 2, 32, 50) + struct.pack(f"{bo}HHII", 0x0110, 2, 32, 82)
    ifd0 += struct.pack(f"{bo}HHII", 0x8769, 4, 1, 114) + b"\x00\x00\x00\x00"
    exif = struct.pack(f"{bo}H", 1) + struct.pack(f"{bo}HHII", 0x927C, 7, len(note), NOTE_OFFSET)
    exif += b"\x00" * 4
    head = (b"II*\x00" if bo == "<" else b"MM\x00*") + struct.pack(f"{bo}I", 8)
    block = head + ifd0 + mk + md + exif
    assert len(block) == NOTE_OFFSET
    return block + note


def sony_encipher(raw: bytes) -> bytes:
    # ExifTool documents Sony's cipher as c = b**3 mod 249 for bytes 2..247 (others unchanged).
    return bytes(b**3 % 249 if 2 <= b <= 247 else b for b in raw)


TIFF = -NOTE_OFFSET  # origin of offsets that count from the EXIF block's TIFF header


def apple_note() -> bytes:
    head = b"Apple iOS\x00" + b"\x00\x01" + b"MM"
    return head + ifd_bytes([
        (0x0001, 9, 1, struct.pack(">i", 14)),
        ascii_entry(0x000B, "B0A7E5C1-5E88-4F65-9D4F-0C1C9D1D3B11"),
        ascii_entry(0x0011, "570F1469-09C7-4E50-9875-05F21D5BD166"),
        ascii_entry(0x0015, "E1D0C0B0-1111-2222-3333-444455556666"),
    ], ">", len(head), 0)


def canon_note() -> bytes:
    lens_info = bytes.fromhex("0000123456") + b"\x00" * 25
    return ifd_bytes([
        (0x0001, 3, 2, struct.pack("<2H", 1, 2)),
        ascii_entry(0x0009, "Jane Quinn Doe", 32),
        long_entry(0x000C, "<", 1234567),
        undef(0x0028, bytes(range(1, 17))),
        ascii_entry(0x0095, "EF24-70mm f/2.8L II USM"),
        undef(0x4019, lens_info),
    ], "<", 0, TIFF)


def nikon_note() -> bytes:
    head = b"Nikon\x00\x02\x10\x00\x00" + b"II*\x00" + struct.pack("<I", 8)
    lens = struct.pack("<8I", 24, 1, 70, 1, 28, 10, 28, 10)
    return head + ifd_bytes([
        undef(0x0001, b"0210"),
        ascii_entry(0x001D, "3012345"),
        (0x0084, 5, 4, lens),
    ], "<", len(head), 10)


def olympus_note(header: bytes, at: int) -> bytes:
    """New-style Olympus/OM note: main IFD with an Equipment sub-IFD (type IFD), offsets from the note."""
    main = [undef(0x0000, b"0100"), (0x2010, 13, 1, b"\x00" * 4)]
    main_len = len(ifd_bytes(main, "<", at, 0))
    equipment = ifd_bytes([
        ascii_entry(0x0101, "BHP123456", 32),
        ascii_entry(0x0102, "4001310004375102", 32),
        ascii_entry(0x0202, "ABC987654", 32),
        ascii_entry(0x0203, "M.Zuiko Digital 25mm F1.8"),
    ], "<", at + main_len, 0)
    main[1] = (0x2010, 13, 1, struct.pack("<I", at + main_len))
    return header + ifd_bytes(main, "<", at, 0, trailer=equipment)


def fujifilm_note() -> bytes:
    head = b"FUJIFILM" + struct.pack("<I", 12)
    return head + ifd_bytes([
        undef(0x0000, b"0130"),
        ascii_entry(0x0010, "FFDT22222222     592D3130343635 2019:04:01 AB12CD"),
    ], "<", 12, 0)


def panasonic_note() -> bytes:
    head = b"Panasonic\x00\x00\x00"
    faces = struct.pack("<H", 1) + b"\x00\x00" + b"Alice Martin".ljust(20, b"\x00") + b"\x00" * 28
    return head + ifd_bytes([
        undef(0x0001, b"0800"),
        undef(0x0025, b"F541234567890123"),
        ascii_entry(0x0051, "LUMIX G VARIO 12-35/F2.8"),
        ascii_entry(0x0052, "XA1234567"),
        undef(0x0061, faces),
        undef(0x0066, b"Mia Martin".ljust(64, b"\x00")),
        undef(0x006D, b"Lyon".ljust(72, b"\x00")),
    ], "<", 12, TIFF)


def pentax_note(origin: int) -> bytes:
    head = b"AOC\x00MM"
    return head + ifd_bytes([
        (0x0000, 1, 4, b"\x03\x00\x00\x00"),
        long_entry(0x0215, ">", 0x12FD2, 20190401, 0, 0, 7654321),
        ascii_entry(0x0229, "4123456"),
        ascii_entry(0x022E, "Jane Pentaxian"),
    ], ">", len(head), origin)


def ricoh_pentax_note() -> bytes:
    head = b"RICOH\x00II"
    return head + ifd_bytes([undef(0x0000, b"0100"), ascii_entry(0x0229, "R0001234")], "<", 8, 0)


def ricoh_own_note() -> bytes:
    head = b"Ricoh\x00\x00\x00"
    return head + ifd_bytes([undef(0x0001, b"Rdc\x00"), undef(0x0005, b"RCH0001234567890")], "<", 8, TIFF)


def samsung_note() -> bytes:
    return ifd_bytes([
        undef(0x0001, b"0100"),
        ascii_entry(0xA002, "R0AB12345CD"),
        ascii_entry(0xA005, "LNS7777777"),
    ], "<", 0, TIFF)


def sony_note(model_offset: int = 0x88) -> bytes:
    head = b"SONY DSC \x00\x00\x00"
    block = bytearray(0x140)
    block[model_offset : model_offset + 6] = bytes.fromhex("0dff0000f608")
    return head + ifd_bytes([
        ascii_entry(0x2031, "5012345"),
        undef(0x9050, sony_encipher(bytes(block))),
        (0xB02A, 1, 8, bytes.fromhex("00002400702828" + "00")),
    ], "<", 12, TIFF)


def dji_note() -> bytes:
    return ifd_bytes([
        ascii_entry(0x0001, "DJI"),
        (0x0003, 11, 1, struct.pack("<f", 2.5)),
        (0x000A, 11, 1, struct.pack("<f", -90.0)),
    ], "<", 0, TIFF)


Expected = tuple[str, str, Category, object]  # child item: name, value, category, datum


def serial(name: str, value: str, device: str) -> Expected:
    return (name, value, Category.DEVICE, SerialNumber(value, device))


def person(name: str, value: str, role: str) -> Expected:
    return (name, value, Category.PEOPLE, PersonName(value, role))


FUJI_SERIAL = "FFDT22222222     592D3130343635 2019:04:01 AB12CD"
OLYMPUS_NEW = b"OLYMPUS\x00II\x03\x00"
OM_SYSTEM = b"OM SYSTEM\x00\x00\x00II\x04\x00"


def olympus_expected(maker: str) -> list[Expected]:
    return [
        serial(f"{maker} SerialNumber", "BHP123456", "body"),
        serial(f"{maker} InternalSerialNumber", "4001310004375102", "internal"),
        serial(f"{maker} LensSerialNumber", "ABC987654", "lens"),
        (f"{maker} LensModel", "M.Zuiko Digital 25mm F1.8", Category.DEVICE, None),
    ]


PENTAX_EXPECTED = [
    serial("Pentax SerialNumber", "4123456", "body"),
    person("Pentax Artist", "Jane Pentaxian", "author"),
    serial("Pentax InternalSerialNumber", "7654321", "internal"),
]

# maker label, Make, Model, note, expected child items
CASES: list[tuple[str, str, str, Callable[[], bytes], list[Expected]]] = [
    ("Apple", "Apple", "iPhone 15 Pro", apple_note, [
        ("Apple BurstUUID", "B0A7E5C1-5E88-4F65-9D4F-0C1C9D1D3B11", Category.HISTORY, None),
        ("Apple MediaGroupUUID", "570F1469-09C7-4E50-9875-05F21D5BD166", Category.HISTORY, None),
        ("Apple ImageUniqueID", "E1D0C0B0-1111-2222-3333-444455556666", Category.HISTORY, None),
    ]),
    ("Canon", "Canon", "Canon EOS 5D Mark III", canon_note, [
        person("Canon OwnerName", "Jane Quinn Doe", "owner"),
        ("Canon ImageUniqueID", bytes(range(1, 17)).hex(), Category.HISTORY, None),
        ("Canon LensModel", "EF24-70mm f/2.8L II USM", Category.DEVICE, None),
        serial("Canon SerialNumber", "0001234567", "body"),
        serial("Canon LensSerialNumber", "0000123456", "lens"),
    ]),
    ("Nikon", "NIKON CORPORATION", "NIKON Z 6", nikon_note, [
        serial("Nikon SerialNumber", "3012345", "body"),
        ("Nikon Lens", "24-70mm f/2.8", Category.DEVICE, None),
    ]),
    ("Olympus", "OLYMPUS CORPORATION", "E-M5", lambda: olympus_note(OLYMPUS_NEW, 12),
     olympus_expected("Olympus")),
    ("OM System", "OM Digital Solutions", "OM-1", lambda: olympus_note(OM_SYSTEM, 16),
     olympus_expected("OM System")),
    ("Fujifilm", "FUJIFILM", "X-T3", fujifilm_note,
     [serial("Fujifilm InternalSerialNumber", FUJI_SERIAL, "internal")]),
    ("Panasonic", "Panasonic", "DC-G9", panasonic_note, [
        serial("Panasonic InternalSerialNumber", "F541234567890123", "internal"),
        ("Panasonic LensType", "LUMIX G VARIO 12-35/F2.8", Category.DEVICE, None),
        serial("Panasonic LensSerialNumber", "XA1234567", "lens"),
        person("Panasonic BabyName", "Mia Martin", "baby or pet"),
        ("Panasonic City", "Lyon", Category.LOCATION, None),
        person("Panasonic RecognizedFace1Name", "Alice Martin", "recognised face"),
    ]),
    ("Pentax", "PENTAX", "PENTAX K-3", lambda: pentax_note(TIFF), PENTAX_EXPECTED),
    # Some Pentax models count offsets from the note: the origin that fits is found.
    ("Pentax", "PENTAX", "PENTAX Optio", lambda: pentax_note(0), PENTAX_EXPECTED),
    ("Ricoh", "RICOH IMAGING COMPANY, LTD.", "RICOH GR III", ricoh_pentax_note, [
        serial("Ricoh SerialNumber", "R0001234", "body"),
    ]),
    ("Ricoh", "RICOH", "Caplio GX100", ricoh_own_note,
     [serial("Ricoh SerialNumber", "(RCH00012)34567890", "body")]),
    ("Samsung", "SAMSUNG", "NX500", samsung_note, [
        serial("Samsung SerialNumber", "R0AB12345CD", "body"),
        serial("Samsung InternalLensSerialNumber", "LNS7777777", "lens"),
    ]),
    ("Sony", "SONY", "ILCE-7M3", sony_note, [
        serial("Sony SerialNumber", "05012345", "body"),
        serial("Sony InternalSerialNumber", "0dff0000f608", "internal"),
        ("Sony LensSpec", "24-70mm F2.8", Category.DEVICE, None),
    ]),
    ("DJI", "DJI", "FC3582", dji_note, [
        ("DJI SpeedX", "2.5", Category.LOCATION, None),
        ("DJI CameraYaw", "-90", Category.LOCATION, None),
    ]),
    # Pixel phones write no EXIF maker note; a note under a Google Make is shown whole, unread.
    ("Google", "Google", "Pixel 8 Pro", lambda: b"HDRP\x02" + b"\x11" * 40, []),
]


def note_items(make: str, model: str, note: bytes, bo: str = "<") -> list[Item]:
    items = parse_exif(exif_with_note(make, model, note, bo)).items
    return [i for i in items if i.key.startswith(MAKERNOTE_KEY)]


@pytest.mark.parametrize(("maker", "make", "model", "build", "expected"), CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_each_makers_note_is_itemised(maker, make, model, build, expected) -> None:
    items = note_items(make, model, build())
    note, children = items[0], items[1:]
    assert note.key == MAKERNOTE_KEY and note.name == "MakerNote" and f"({maker}" in note.value
    assert not note.carriable and "could not be read" not in note.value + note.note
    got = {(i.name, i.value, i.category, i.datum) for i in children}
    assert got == set(expected)
    for child in children:
        assert child.key.startswith(MAKERNOTE_KEY + ":") and not child.carriable
        assert f"MakerNote ({maker})" in child.where
    assert len({i.key for i in items}) == len(items)


@pytest.mark.parametrize(("model", "raw", "expected"), [
    ("Canon EOS 5D Mark III", b"\x00" * 9 + b"H2912345\x00", "H2912345"),  # SerialInfo record
    ("Canon EOS 500D", b"Z1234567\xff\xff\xff\x00", "Z1234567"),  # plain text, 0xff padding
])
def test_canon_internal_serial_by_model(model: str, raw: bytes, expected: str) -> None:
    note = ifd_bytes([undef(0x0001, b"\x00" * 4), undef(0x0096, raw)], "<", 0, TIFF)
    items = note_items("Canon", model, note)
    assert [(i.name, i.datum) for i in items[1:]] == [
        ("Canon InternalSerialNumber", SerialNumber(expected, "internal"))]


def test_the_summary_names_the_body_serial() -> None:
    note = note_items("OLYMPUS CORPORATION", "E-M5", olympus_note(OLYMPUS_NEW, 12))[0]
    assert note.value.endswith("(Olympus, serial number BHP123456)")


def test_big_endian_exif_block_with_a_tiff_relative_note() -> None:
    note = ifd_bytes([ascii_entry(0x0009, "Big Endian Owner", 32), long_entry(0x000C, ">", 42)], ">", 0, TIFF)
    items = note_items("Canon", "Canon EOS-1D X", note, ">")
    assert {(i.name, i.value) for i in items[1:]} == {("Canon OwnerName", "Big Endian Owner"),
                                                      ("Canon SerialNumber", "000042")}


# --- hostile notes --------------------------------------------------------------------------------------


def _with_offset(note: bytes, entry_index: int, at: int, value: int, fmt: str = "<I") -> bytes:
    pos = at + 2 + 12 * entry_index + 8
    return note[:pos] + struct.pack(fmt, value) + note[pos + 4:]


def _with_count(note: bytes, entry_index: int, count: int) -> bytes:
    pos = 2 + 12 * entry_index + 4
    return note[:pos] + struct.pack("<I", count) + note[pos + 4:]


def _canon_owner_index() -> int:
    return 1  # entries are sorted: 0x0001, 0x0009 ...


HOSTILE: list[tuple[str, str, str, Callable[[], bytes]]] = [
    ("value offset outside the note", "Canon", "Canon EOS 5D",
     lambda: _with_offset(canon_note(), _canon_owner_index(), 0, 0x7FFF0000)),
    ("value offset just past the end", "Canon", "Canon EOS 5D",
     lambda: _with_offset(canon_note(), _canon_owner_index(), 0, len(canon_note()) - 4 + NOTE_OFFSET)),
    ("huge entry count", "Canon", "Canon EOS 5D", lambda: b"\xff\xff" + canon_note()[2:]),
    ("huge value count", "Canon", "Canon EOS 5D",
     lambda: _with_count(canon_note(), _canon_owner_index(), 0x3FFFFFFF)),
    ("Equipment loops onto the main IFD", "OLYMPUS CORPORATION", "E-M5",
     lambda: _olympus_equipment_at(12)),
    ("Equipment points outside", "OLYMPUS CORPORATION", "E-M5",
     lambda: _olympus_equipment_at(0x00FFFFFF)),
    ("Nikon inner IFD outside", "NIKON CORPORATION", "NIKON D850",
     lambda: nikon_note()[:14] + struct.pack("<I", 0x10000) + nikon_note()[18:]),
    ("truncated note", "SONY", "ILCE-7M3", lambda: sony_note()[:40]),
    ("Fujifilm IFD offset outside", "FUJIFILM", "X-T3",
     lambda: b"FUJIFILM" + struct.pack("<I", 0xFFFFFFF0) + fujifilm_note()[12:]),
    ("header only", "Apple", "iPhone", lambda: b"Apple iOS\x00\x00\x01MM"),
]


def _olympus_equipment_at(offset: int) -> bytes:
    note = olympus_note(OLYMPUS_NEW, 12)
    # Entry 1 of the main IFD (at 12) is 0x2010 Equipment.
    return _with_offset(note, 1, 12, offset)


@pytest.mark.parametrize(("what", "make", "model", "build"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_notes_stay_one_opaque_item(what, make, model, build) -> None:
    raw = build()
    items = note_items(make, model, raw)
    assert len(items) == 1, (what, [(i.name, i.value) for i in items])
    note = items[0]
    assert note.value.startswith(f"{len(raw)} bytes (") and note.value.endswith("; could not be read)")
    assert "could not be read" in note.note and "maker notes" in note.note
    assert not note.carriable


def test_hostile_huge_value_count_is_refused_before_reading() -> None:
    # A count whose size is past the note (and past 4 GB) must neither allocate nor loop.
    bad = _with_count(canon_note(), _canon_owner_index(), 0xFFFFFFFF)
    items = note_items("Canon", "Canon EOS 5D", bad)
    assert len(items) == 1 and "could not be read" in items[0].value


def test_entries_sharing_one_big_value_are_refused() -> None:
    # 1000 entries pointing at the same 20 KB: reading them all would copy 20 MB out of a 32 KB note.
    n, size = 1000, 20_000
    value_at = 2 + 12 * n + 4
    table = b"".join(struct.pack("<HHII", 0x0100 + i, 7, size, value_at - TIFF) for i in range(n))
    note = struct.pack("<H", n) + table + b"\x00" * 4 + b"\x41" * size
    items = note_items("Canon", "Canon EOS 5D", note)
    assert len(items) == 1 and "could not be read" in items[0].value
    assert "overlap" in items[0].note


def test_a_note_that_is_not_an_ifd_stays_opaque() -> None:
    items = note_items("Canon", "Canon EOS 5D", b"\x00" * 64)
    assert len(items) == 1 and "could not be read" in items[0].value


# --- the report counts what a note reveals ----------------------------------------------------------------


def _jpeg_with(block: bytes) -> bytes:
    jfif, rest = split_jpeg(base_jpeg())
    return b"\xff\xd8" + jfif + segment(0xE1, b"Exif\x00\x00" + block) + rest


def test_all_access_report_counts_maker_note_serials_and_owner(tmp_path: Path) -> None:
    photo = tmp_path / "canon.jpg"
    photo.write_bytes(_jpeg_with(exif_with_note("Canon", "Canon EOS 5D Mark III", canon_note())))
    inv = inspect_path(photo)
    assert inv.ok, inv.error
    everything = facts_from_items(make_preview(inv, BUILTIN["original"]).leaves)
    assert "SerialNumber: 0001234567" in everything.serials
    assert "LensSerialNumber: 0000123456" in everything.serials
    assert "Jane Quinn Doe" in everything.names
    minimal = facts_from_items(make_preview(inv, BUILTIN["minimal"]).leaves)
    assert not minimal.serials and "Jane Quinn Doe" not in minimal.names


# --- nothing from a note ever leaves ----------------------------------------------------------------------

PLANTED = (b"Jane Quinn Doe", b"EF24-70mm", b"BHP123456", b"ABC987654", b"4001310004375102",
           b"570F1469-09C7", b"Mia Martin", b"Alice Martin", b"XA1234567", b"R0AB12345CD", b"5012345")

EXPORT_CASES = [
    ("canon", "Canon", "Canon EOS 5D Mark III", canon_note),
    ("olympus", "OLYMPUS CORPORATION", "E-M5", lambda: olympus_note(OLYMPUS_NEW, 12)),
    ("apple", "Apple", "iPhone 15 Pro", apple_note),
    ("panasonic", "Panasonic", "DC-G9", panasonic_note),
    ("samsung", "SAMSUNG", "NX500", samsung_note),
    ("sony", "SONY", "ILCE-7M3", sony_note),
]


@pytest.mark.parametrize("policy", ["minimal", "no-location"])
def test_no_maker_note_field_leaves_a_cleaned_file(tmp_path: Path, policy: str) -> None:
    sources = []
    for name, make, model, build in EXPORT_CASES:
        p = tmp_path / f"{name}.jpg"
        p.write_bytes(_jpeg_with(exif_with_note(make, model, build())))
        sources.append(p)
        assert len([i for i in inspect_path(p).items if i.key.startswith(MAKERNOTE_KEY)]) > 1, name
    out = tmp_path / "out"
    result = drive(export_job(sources, BUILTIN[policy], out))
    assert len(result.exported) == len(sources), [(w.source, w.reason) for w in result.withheld]
    for e in result.exported:
        data = Path(e.output).read_bytes()
        for planted in PLANTED:
            assert planted not in data, (e.source, planted)
        assert not [i for i in inspect_path(Path(e.output)).items if i.key.startswith(MAKERNOTE_KEY)]


@needs_exiftool
def test_exiftool_finds_no_maker_note_in_minimal_exports(tmp_path: Path) -> None:
    sources = []
    for name, make, model, build in EXPORT_CASES:
        p = tmp_path / f"{name}.jpg"
        p.write_bytes(_jpeg_with(exif_with_note(make, model, build())))
        sources.append(p)
    # ExifTool reads the planted notes of the sources (the fixtures are what the makers write) ...
    before = _exiftool_makernotes(sources)
    assert all(before[str(p)] for p in sources), before
    assert any("Jane Quinn Doe" in str(v) for v in before[str(sources[0])].values())
    result = drive(export_job(sources, BUILTIN["minimal"], tmp_path / "out"))
    assert len(result.exported) == len(sources)
    # ... and none in what was exported.
    after = _exiftool_makernotes([Path(e.output) for e in result.exported])
    assert not any(after.values()), after


def _exiftool_makernotes(paths: list[Path]) -> dict[str, dict[str, object]]:
    out = subprocess.run(["exiftool", "-a", "-G1", "-j", "-MakerNotes:all", *map(str, paths)],
                         check=True, capture_output=True).stdout
    return {row["SourceFile"]: {k: v for k, v in row.items() if k != "SourceFile"} for row in json.loads(out)}


# --- real camera files against ExifTool -------------------------------------------------------------------

# Tags ExifTool reads from maker notes that identify a device, a person or a picture.
IDENTIFYING = {"SerialNumber", "InternalSerialNumber", "LensSerialNumber", "OwnerName", "MediaGroupUUID",
               "BurstUUID", "ImageUniqueID", "LensModel", "ExtenderSerialNumber", "FlashSerialNumber",
               "InternalLensSerialNumber", "AccessorySerialNumber", "BabyName", "Artist", "FaceName"}
# ExifTool's Canon "Lens" is a focal range from CameraSettings (not read here); Nikon's is the lens.
NIKON_LENS = ("Nikon", "Lens")
# Makers we read; ExifTool's group names for them.
READ_GROUPS = {"Apple", "Canon", "Nikon", "Olympus", "FujiFilm", "Panasonic", "Pentax", "Ricoh", "Samsung",
               "Sony", "DJI"}


# ExifTool decodes these two into a model/date text; the note's own bytes are shown here.
DECODED_BY_EXIFTOOL = {("FujiFilm", "InternalSerialNumber"), ("Panasonic", "InternalSerialNumber")}


def _identifying(row: dict[str, object]) -> dict[str, set[str]]:
    """ExifTool's identifying maker-note tags of one file, {name: {values}} (values in ASCII view)."""
    theirs: dict[str, set[str]] = {}
    for key, value in row.items():
        group, _, name = key.partition(":")
        wanted = name in IDENTIFYING or (group, name) == NIKON_LENS
        if (group, name) in DECODED_BY_EXIFTOOL or group not in READ_GROUPS:
            continue
        if wanted and str(value).strip():
            theirs.setdefault(name, set()).add(_ascii_view(str(value).strip()))
    return theirs


def _ours(items: list[Item], skip: set[str] = frozenset()) -> dict[str, set[str]]:
    ours: dict[str, set[str]] = {}
    for item in items:
        name = item.name.rsplit(" ", 1)[-1]
        if ":0x927c:" in item.key and (name in IDENTIFYING or name == "Lens") and name not in skip:
            ours.setdefault(name, set()).add(_ascii_view(item.value))
    return ours


@needs_exiftool
def test_generated_notes_read_by_exiftool_the_same(tmp_path: Path) -> None:
    """The fixtures are laid out as the makers write them: ExifTool reads the same identifying fields."""
    paths = []
    for i, (maker, make, model, build, _) in enumerate(CASES):
        p = tmp_path / f"{i:02d}-{maker.replace(' ', '_')}.jpg"
        p.write_bytes(_jpeg_with(exif_with_note(make, model, build())))
        paths.append(p)
    rows = {Path(r["SourceFile"]).name: r for r in json.loads(subprocess.run(
        ["exiftool", "-a", "-G1", "-j", "-MakerNotes:all", *map(str, paths)], capture_output=True, check=True,
    ).stdout)}
    compared = 0
    for p, (maker, *_rest) in zip(paths, CASES, strict=True):
        skip = {"InternalSerialNumber"} if maker in ("Fujifilm", "Panasonic") else set()
        theirs = _identifying(rows[p.name])
        assert _ours(inspect_path(p).items, skip) == theirs, (maker, theirs)
        compared += len(theirs)
    assert compared >= 25


def _ascii_view(text: str) -> str:
    # ExifTool prints bytes it cannot decode as "?": compare on that view.
    return "".join(c if ord(c) < 128 else "?" for c in text)


@needs_corpus
@needs_exiftool
def test_corpus_maker_notes_agree_with_exiftool() -> None:
    photos = (".jpg", ".jpeg", ".heic", ".webp", ".mpo", ".tif", ".tiff")
    files = [f for f in corpus_files() if f.suffix.lower() in photos]
    rows = json.loads(subprocess.run(
        ["exiftool", "-a", "-G1", "-j", "-MakerNotes:all", *map(str, files)], capture_output=True,
    ).stdout or b"[]")
    checked = 0
    for row in rows:
        path = Path(row["SourceFile"])
        theirs = _identifying(row)
        inv = inspect_path(path)
        assert not [i for i in inv.items if i.name == "MakerNote" and "could not be read" in i.value], path
        # Everything we read, ExifTool reads with the same value; everything it reads, we read.
        assert _ours(inv.items) == theirs, (path.relative_to(CORPUS), theirs)
        checked += bool(theirs)
    assert checked >= 8  # the corpus has identifying maker-note fields in at least this many files


def test_mutated_notes_never_raise() -> None:
    """Every byte flip and truncation of every maker's note gives fields or "could not be read"."""
    rng = random.Random(13)
    for maker, make, model, build, _ in CASES:
        note = build()
        for k in range(200):
            mutated = bytearray(note)
            for _ in range(1 + k % 4):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            cut = bytes(mutated[: rng.randrange(1, len(mutated) + 1)] if k % 5 == 0 else mutated)
            items = note_items(make, model, cut)
            assert items[0].name == "MakerNote", maker
            if "could not be read" in items[0].value:
                assert len(items) == 1
