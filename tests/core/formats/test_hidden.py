# SPDX-License-Identifier: GPL-3.0-or-later
"""What hides in opaque blocks is shown, and never leaves: vendor segments, unknown blocks, trailers,
stray bytes. Each generated fixture is itemised by inspect, and its `minimal` export carries none of it
(byte search, and ExifTool with -a -G1 -ee as the independent reader)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from core.model.categories import Category
from core.model.inventory import Item
from core.model.policy import BUILTIN
from core.pipeline.cleaning import process_file
from core.pipeline.inspection import inspect_path
from tests.core import jpeg_fixtures as fx
from tests.core import png_webp_fixtures as pw
from tests.oracle import needs_exiftool


def with_segments(*segments: bytes, base: bytes | None = None) -> bytes:
    """A JPEG with ``segments`` inserted right after SOI."""
    data = base or fx.base_jpeg(32, 24)
    return data[:2] + b"".join(segments) + data[2:]


def exported(tmp_path: Path, name: str, data: bytes) -> tuple[list[Item], bytes, Path]:
    """(items inspect shows, the bytes `minimal` exports, the exported file) for one fixture."""
    source = tmp_path / name
    source.write_bytes(data)
    inventory = inspect_path(source)
    assert inventory.ok, inventory.error
    outcome = process_file(source, BUILTIN["minimal"])
    assert not outcome.reason, outcome.reason
    out = tmp_path / f"clean{outcome.extension}"
    out.write_bytes(outcome.data)
    Image.open(io.BytesIO(outcome.data)).load()  # the export is a picture a decoder reads
    return inventory.items, outcome.data, out


def exiftool_text(path: Path) -> str:
    result = subprocess.run(["exiftool", "-a", "-u", "-G1", "-ee", "-j", str(path)], capture_output=True,
                            check=True)
    return result.stdout.decode("utf-8", "replace")


def assert_gone(data: bytes, out: Path, *canaries: str) -> None:
    for canary in canaries:
        assert canary.encode() not in data, canary
    if shutil.which("exiftool"):
        found = exiftool_text(out)
        for canary in canaries:
            assert canary not in found, canary


def by_name(items: list[Item], prefix: str) -> Item:
    return next(i for i in items if i.name.startswith(prefix))


# --- unknown and opaque blocks ------------------------------------------------------------------------


def test_an_unknown_app_segment_shows_its_printable_text(tmp_path: Path) -> None:
    payload = b"Vndr\x00\x01\x02\x03Owner: CANARY-APP4-OWNER\x00\xff\xfe serial 12345\x00\x00"
    items, data, out = exported(tmp_path, "app4.jpg", with_segments(fx.segment(0xE4, payload)))
    item = next(i for i in items if i.where.startswith("JPEG APP4"))
    assert item.category is Category.UNKNOWN
    assert "text excerpt" in item.value and "Owner: CANARY-APP4-OWNER" in item.value
    assert "serial 12345" in item.value and "\x00" not in item.value and "\x01" not in item.value
    assert_gone(data, out, "CANARY-APP4-OWNER")


def test_an_excerpt_is_cut_at_about_two_hundred_characters() -> None:
    from core.metadata.vendor import excerpt

    text = excerpt(b"\x00".join(b"word%04d" % n for n in range(500)))
    assert 150 <= len(text) <= 200 and text.endswith("…") and text.startswith("word0000 · word0001")
    assert excerpt(b"\x00ab\x01cd\x02") == ""  # runs shorter than four characters are noise
    # UTF-16 text (Ducky comments, Windows tags) in either byte order, said once.
    assert excerpt(b"\x00\x01" + "Jane Roe".encode("utf-16-be") + b"\x00\x00") == "Jane Roe"
    assert excerpt(b"\x01\x02" + "Jane Roe".encode("utf-16-le") + b"\x01") == "Jane Roe"


def test_known_vendor_segments_show_their_text(tmp_path: Path) -> None:
    ducky = b"Ducky\x00\x01\x00\x04\x00\x00\x00\x50\x02\x00\x1c\x00\x00\x00\x0cCANARY-DUCKY-COPYRIGHT"
    items, data, out = exported(tmp_path, "ducky.jpg", with_segments(fx.segment(0xEC, ducky)))
    item = next(i for i in items if i.where == "JPEG APP12 Ducky")
    assert "CANARY-DUCKY-COPYRIGHT" in item.value and item.category is Category.DESCRIPTION
    assert_gone(data, out, "CANARY-DUCKY-COPYRIGHT")


def test_png_and_webp_unknown_chunks_show_their_text(tmp_path: Path) -> None:
    png = pw.insert_chunks(pw.plain_png(), before_idat=[pw.chunk(b"prVt", b"\x00\x01CANARY-PNG-PRIVATE\x00")])
    items, data, out = exported(tmp_path, "chunk.png", png)
    item = by_name(items, "prVt chunk")
    assert item.category is Category.UNKNOWN and "CANARY-PNG-PRIVATE" in item.value
    assert_gone(data, out, "CANARY-PNG-PRIVATE")

    chunks = pw.webp_chunks(pw.rich_webp())
    chunks.append((b"ZZZZ", b"\x00\x00CANARY-WEBP-PRIVATE\x00\x00"))
    items, data, out = exported(tmp_path, "chunk.webp", pw.webp_from(chunks))
    item = by_name(items, "ZZZZ chunk")
    assert item.category is Category.UNKNOWN and "CANARY-WEBP-PRIVATE" in item.value
    assert_gone(data, out, "CANARY-WEBP-PRIVATE")


# --- APP9 Media Jukebox, APP0 CIFF --------------------------------------------------------------------


def test_media_jukebox_people_places_and_dates(tmp_path: Path) -> None:
    body = (b"Media Jukebox\x00\x00\x00<MJMD><Tool Name>Media Jukebox</Tool Name>"
            b"<Tool Version>12.0</Tool Version>"
            b"<People>CANARY-MJ-Alice Doe; Bob Roe</People><Places>CANARY-MJ-Lake Hut</Places>"
            b"<Date>40179.5</Date><Caption>CANARY-MJ-Caption</Caption></MJMD>")
    items, data, out = exported(tmp_path, "mj.jpg", with_segments(fx.segment(0xE9, body)))
    people = by_name(items, "Media Jukebox People")
    assert people.category is Category.PEOPLE and "Alice Doe" in people.value
    assert by_name(items, "Media Jukebox Places").category is Category.LOCATION
    date = by_name(items, "Media Jukebox Date")
    assert date.category is Category.TIME and date.datum is not None and date.value == "2010:01:01 12:00:00"
    assert date.datum.when == dt.datetime(2010, 1, 1, 12, 0)  # type: ignore[union-attr]
    assert by_name(items, "Media Jukebox Caption").category is Category.DESCRIPTION
    assert not any(i.carriable for i in items if i.where.startswith("JPEG APP9"))
    assert_gone(data, out, "CANARY-MJ-Alice", "CANARY-MJ-Lake", "CANARY-MJ-Caption")


def ciff_heap(entries: list[tuple[int, bytes]]) -> bytes:
    """A little-endian CIFF heap (as Canon writes into APP0): header, values, then the entry table."""
    header = b"II" + struct.pack("<I", 26) + b"HEAPJPGM" + b"\x00" * 12
    values, table = b"", b""
    for tag, value in entries:
        table += struct.pack("<HII", tag, len(value), len(values))
        values += value
    heap = values + struct.pack("<H", len(entries)) + table
    return header + heap + struct.pack("<I", len(values))


def test_ciff_camera_model_file_name_and_date(tmp_path: Path) -> None:
    when = int(dt.datetime(2004, 5, 6, 7, 8, 9, tzinfo=dt.UTC).timestamp())
    heap = ciff_heap([(0x080A, b"Canon\x00CANARY-CIFF-PowerShot S400\x00"),
                      (0x0816, b"CANARY-CIFF-IMG_0042.JPG\x00"),
                      (0x180E, struct.pack("<III", when, 0, 0))])
    items, data, out = exported(tmp_path, "ciff.jpg", with_segments(fx.segment(0xE0, heap)))
    model = by_name(items, "CIFF Camera make and model")
    assert model.category is Category.DEVICE and "PowerShot S400" in model.value
    assert by_name(items, "CIFF Original file name").value == "CANARY-CIFF-IMG_0042.JPG"
    assert by_name(items, "CIFF Capture time").value == "2004:05:06 07:08:09"
    assert_gone(data, out, "CANARY-CIFF")


# --- APP11 JUMBF / C2PA -------------------------------------------------------------------------------


def cbor(value: object) -> bytes:
    """A minimal CBOR writer (maps, arrays, text, bytes, ints, tags) for building manifests."""
    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError(n)
    if isinstance(value, tuple):  # (tag, value)
        return head(6, value[0]) + cbor(value[1])
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(value)


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def superbox(label: str, *children: bytes) -> bytes:
    jumd = box(b"jumd", b"\x00" * 16 + b"\x03" + label.encode() + b"\x00")
    return box(b"jumb", jumd + b"".join(children))


def certificate(common_name: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Canary Org")])
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def c2pa_manifest() -> bytes:
    actions = {"actions": [
        {"action": "c2pa.created", "softwareAgent": {"name": "CANARY-C2PA-Firefly", "version": "3"},
         "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"},
        {"action": "c2pa.cropped", "softwareAgent": "CANARY-C2PA-Editor"},
    ]}
    claim = {"claim_generator": "CANARY-C2PA-Generator/1.0 c2pa-rs/0.30", "dc:format": "image/jpeg"}
    protected = cbor({1: -7, 33: certificate("CANARY-C2PA-Signer Jane")})
    signature = cbor((18, [protected, {}, b"", b"\x01" * 64]))
    manifest = superbox("urn:uuid:0000-canary",
                        superbox("c2pa.assertions", superbox("c2pa.actions", box(b"cbor", cbor(actions)))),
                        superbox("c2pa.claim", box(b"cbor", cbor(claim))),
                        superbox("c2pa.signature", box(b"cbor", signature)))
    return superbox("c2pa", manifest)


def app11_segments(store: bytes, chunk: int = 3000) -> list[bytes]:
    """The JUMBF store split over APP11 segments: CI, instance, sequence; later ones repeat the box
    header (LBox, TBox)."""
    out = []
    for seq, at in enumerate(range(0, len(store), chunk), start=1):
        part = store[at: at + chunk] if seq == 1 else store[:8] + store[at: at + chunk]
        out.append(fx.segment(0xEB, b"JP" + struct.pack(">HI", 1, seq) + part))
    return out


def test_c2pa_content_credentials_claim_generator_signer_and_ai_actions(tmp_path: Path) -> None:
    segments = app11_segments(c2pa_manifest(), chunk=400)
    assert len(segments) > 1
    items, data, out = exported(tmp_path, "c2pa.jpg", with_segments(*segments))
    store = by_name(items, "Content Credentials (C2PA)")
    assert store.category is Category.HIDDEN_MEDIA and "c2pa.claim" in store.value
    generator = by_name(items, "C2PA claim generator")
    assert generator.category is Category.HISTORY and "CANARY-C2PA-Generator/1.0" in generator.value
    signer = by_name(items, "C2PA signer")
    assert "CANARY-C2PA-Signer Jane" in signer.value and "Canary Org" in signer.value
    actions = [i.value for i in items if i.name == "C2PA action"]
    assert actions[0].startswith("c2pa.created by CANARY-C2PA-Firefly 3") and "generative AI" in actions[0]
    assert actions[1] == "c2pa.cropped by CANARY-C2PA-Editor"
    assert_gone(data, out, "CANARY-C2PA", "c2pa.claim", "jumb")


def test_older_cai_credentials_show_their_json_assertions(tmp_path: Path) -> None:
    def json_box(label: str, value: str) -> bytes:
        return superbox(label, box(b"json", value.encode()))

    store = superbox("cai", superbox("cb.canary_1", superbox(
        "cai.assertions", json_box("cai.location.broad", '{"location": "CANARY-CAI-Salem, Oregon"}'),
        json_box("cai.rights", '{"copyright": "CANARY-CAI-Alisha"}'))))
    items, data, out = exported(tmp_path, "cai.jpg", with_segments(*app11_segments(store)))
    assert by_name(items, "Content Credentials (C2PA)").category is Category.HIDDEN_MEDIA
    place = by_name(items, "Content Credentials assertion cai.location.broad")
    assert place.category is Category.LOCATION and place.value == "location: CANARY-CAI-Salem, Oregon"
    assert by_name(items, "Content Credentials assertion cai.rights").category is Category.PEOPLE
    assert_gone(data, out, "CANARY-CAI")


# --- data after the end of the image --------------------------------------------------------------------


def sef_trailer() -> bytes:
    records = b""
    table = b""
    for kind, name, value in ((0x0A01, b"Image_UTC_Data", b"1700000000000"),
                              (0x0A30, b"MotionPhoto_Data", b"CANARY-SEF-VIDEO")):
        record = b"\x00\x00" + struct.pack("<HI", kind, len(name)) + name + value
        table += struct.pack("<HHII", 0, kind, len(records), len(record))
        records += record
    head = b"SEFH" + struct.pack("<II", 106, 2) + table
    return records + head + struct.pack("<I", len(head)) + b"SEFT"


def acropalypse_png_tail() -> bytes:
    """The end of a longer PNG left behind when a cropped screenshot overwrote the file in place."""
    larger = pw.plain_png(Image.effect_noise((200, 150), 60).convert("RGB"))
    return larger[len(larger) // 2:]


@pytest.mark.parametrize(
    ("name", "make", "tail", "category", "words"),
    [
        ("sef.jpg", lambda: fx.base_jpeg(32, 24), sef_trailer, Category.HIDDEN_MEDIA,
         ("Samsung SEF trailer", "Image_UTC_Data", "MotionPhoto_Data")),
        ("acrop.png", pw.plain_png, acropalypse_png_tail, Category.HIDDEN_MEDIA,
         ("earlier version of the picture", "cropped out")),
        ("acrop.jpg", lambda: fx.base_jpeg(32, 24),
         lambda: fx.base_jpeg(200, 150)[300:], Category.HIDDEN_MEDIA,
         ("earlier version of the picture", "cropped out")),
        ("zeros.webp", pw.plain_webp, lambda: b"\x00" * 300, Category.UNKNOWN, ("Zero padding",)),
        ("junk.jpg", lambda: fx.base_jpeg(32, 24), lambda: b"\x01\x02CANARY-TAIL-TEXT\x00\x03" * 3,
         Category.UNKNOWN, ("Unidentified data", "text excerpt", "CANARY-TAIL-TEXT")),
    ],
)
def test_data_after_the_image_says_what_it_is(tmp_path: Path, name, make, tail, category, words) -> None:
    items, data, out = exported(tmp_path, name, make() + tail())
    item = next(i for i in items if "after" in i.where.lower() and "end" in i.name.lower())
    assert item.category is category
    for word in words:
        assert word in item.value, item.value
    assert "Unidentified data:" not in item.value
    assert_gone(data, out, "CANARY-SEF", "CANARY-TAIL")
    assert len(data) < len(make()) + 64  # nothing of the tail is written


# --- stray bytes between segments ---------------------------------------------------------------------


def test_stray_bytes_after_app14_are_padding_and_the_file_exports(tmp_path: Path) -> None:
    adobe = fx.segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    source = with_segments(adobe + b"\xff\x00\x00\x02")  # as Photoshop CS6 writes it
    Image.open(io.BytesIO(source)).load()  # libjpeg reads it
    items, data, out = exported(tmp_path, "cs6.jpg", source)
    stray = by_name(items, "Stray bytes between segments")
    assert stray.category is Category.UNKNOWN and stray.bytes == 4 and not stray.carriable
    assert b"\xff\x00\x00\x02" not in data.split(b"\xff\xda")[0]
    Image.open(out).load()


@needs_exiftool
def test_exiftool_reads_the_exported_stray_byte_file_without_warning(tmp_path: Path) -> None:
    adobe = fx.segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    _, _, out = exported(tmp_path, "cs6.jpg", with_segments(adobe + b"\xff\x00\x00\x02"))
    found = json.loads(exiftool_text(out))[0]
    assert not any(k.endswith(":Warning") or k.endswith(":Error") for k in found), found


# --- damaged XMP --------------------------------------------------------------------------------------

DAMAGED_PACKET = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:t="http://ns.adobe.com/tiff/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b't:Make="CANARY-DXMP-MAKE" t:Model="CANARY-DXMP-MODEL" exif:GPSLatitude="48,51.5N" '
    b'exif:GPSLongitude="2,17.4E"><exif:DateTimeOriginal>2003-04-05T06:07:08</exif:DateTimeOriginal>'
    b'<broken & not xml </rdf:Description></rdf:RDF></x:xmpmeta>'
)


def damaged_xmp_jpeg() -> bytes:
    return with_segments(fx.segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + DAMAGED_PACKET))


def test_a_damaged_xmp_packet_still_shows_what_it_says(tmp_path: Path) -> None:
    items, data, out = exported(tmp_path, "dxmp.jpg", damaged_xmp_jpeg())
    found = {i.name: i for i in items if "damaged" in i.name}
    make = found["XMP tiff:Make (from a damaged packet)"]  # the prefix is the declared namespace's
    assert make.category is Category.DEVICE and make.value == "CANARY-DXMP-MAKE" and not make.carriable
    assert found["XMP tiff:Model (from a damaged packet)"].category is Category.DEVICE
    when = found["XMP exif:DateTimeOriginal (from a damaged packet)"]
    assert when.category is Category.TIME and when.datum is not None
    latitude = found["XMP exif:GPSLatitude (from a damaged packet)"]
    assert latitude.category is Category.LOCATION and latitude.datum is not None
    assert round(latitude.datum.latitude, 3) == 48.858  # type: ignore[union-attr]
    assert any(i.name == "Unreadable XMP packet" for i in items)
    assert_gone(data, out, "CANARY-DXMP", "xmpmeta")


def test_a_damaged_xmp_packet_withholds_the_photo_when_the_policy_keeps_it(tmp_path: Path) -> None:
    source = tmp_path / "dxmp.jpg"
    source.write_bytes(damaged_xmp_jpeg())
    outcome = process_file(source, BUILTIN["no-location"])  # keeps device: the Make cannot follow
    assert outcome.reason.startswith("damaged XMP") and not outcome.data


def test_a_damaged_xmp_chunk_in_a_png_is_read_and_removed(tmp_path: Path) -> None:
    chunk = pw.itxt("XML:com.adobe.xmp", DAMAGED_PACKET.decode())
    png = pw.insert_chunks(pw.plain_png(), before_idat=[chunk])
    items, data, out = exported(tmp_path, "dxmp.png", png)
    assert any(i.value == "CANARY-DXMP-MAKE" and i.category is Category.DEVICE for i in items)
    assert_gone(data, out, "CANARY-DXMP")


# --- in plain words, and whole --------------------------------------------------------------------------


def test_the_plain_lines_say_what_is_inside(tmp_path: Path) -> None:
    from core.pipeline.description import describe

    payload = b"Vndr\x00\x01Qualcomm Camera Attributes\x00\x02"
    items, _, _ = exported(tmp_path, "app7.jpg", with_segments(fx.segment(0xE7, payload)))
    unknown = next(f for f in describe(items) if f.category == "unknown")
    assert "“Vndr" in unknown.text or "“Qualcomm" in unknown.text, unknown.text
    items, _, _ = exported(tmp_path, "acrop.png", pw.plain_png() + acropalypse_png_tail())
    hidden = next(f for f in describe(items) if f.category == "hidden_media")
    assert "earlier version of the picture" in hidden.text and "cropped out" in hidden.text


def test_a_long_structured_xmp_value_is_shown_whole(tmp_path: Path) -> None:
    fields = {"continent": "Europe", "country": "Switzerland", "countryCode": "CH",
              "stateProvince": "Canton of Vaud", "county": "District de Lausanne",
              "municipality": "Lausanne", "locality": "Ouchy, by the lake", "verbatimLocality":
              "CANARY-DWC-Quai d'Ouchy 1, near the old harbour wall", "decimalLatitude": "46.5065",
              "decimalLongitude": "6.6271", "geodeticDatum": "WGS84"}
    body = "".join(f"<dwc:{k}>{v}</dwc:{k}>" for k, v in fields.items())
    packet = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              '<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
              'xmlns:dwc="http://rs.tdwg.org/dwc/terms/"><Iptc4xmpExt:LocationCreated '
              f'rdf:parseType="Resource">{body}</Iptc4xmpExt:LocationCreated></rdf:Description>'
              "</rdf:RDF></x:xmpmeta>").encode()
    source = with_segments(fx.segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet))
    items, data, out = exported(tmp_path, "dwc.jpg", source)
    item = next(i for i in items if i.name.endswith("LocationCreated"))
    assert len(item.value) > 250 and "…" not in item.value
    for value in fields.values():
        assert value in item.value
    assert_gone(data, out, "CANARY-DWC")


def test_unreferenced_tiff_and_heic_data_shows_its_text(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (20, 90, 160)).save(buf, "TIFF")
    tiff = buf.getvalue() + b"\x00\x01CANARY-TIFF-GAP lens 77\x00\x02"
    items, data, out = exported(tmp_path, "gap.tif", tiff)
    gap = by_name(items, "Unreferenced data")
    assert "CANARY-TIFF-GAP lens 77" in gap.value and gap.category is Category.UNKNOWN
    assert_gone(data, out, "CANARY-TIFF-GAP")

    from core.formats.heic_inventory import parse
    from tests.core import heic_fixtures as hf

    parsed = parse(hf.rich_heif(gap=b"\x00\x01CANARY-HEIC-GAP\x00"))
    gaps = [i for i in parsed.items if i.name.startswith("Unreferenced data")]
    assert gaps and "CANARY-HEIC-GAP" in gaps[0].value


def test_a_damaged_xmp_chunk_in_a_webp_is_read_and_removed(tmp_path: Path) -> None:
    chunks = [(k, v) for k, v in pw.webp_chunks(pw.rich_webp()) if k != b"XMP "]
    chunks.append((b"XMP ", DAMAGED_PACKET))
    items, data, out = exported(tmp_path, "dxmp.webp", pw.webp_from(chunks))
    assert any(i.value == "CANARY-DXMP-MAKE" and i.category is Category.DEVICE for i in items)
    assert_gone(data, out, "CANARY-DXMP")
    source = tmp_path / "dxmp2.webp"
    source.write_bytes(pw.webp_from(chunks))
    assert process_file(source, BUILTIN["no-location"]).reason.startswith("damaged XMP")


def test_a_damaged_xmp_tag_in_a_tiff_is_read_and_removed(tmp_path: Path) -> None:
    from PIL import TiffImagePlugin

    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[700] = DAMAGED_PACKET
    info.tagtype[700] = 1  # BYTE, as XMP is written
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (20, 90, 160)).save(buf, "TIFF", tiffinfo=info)
    assert b"CANARY-DXMP-MAKE" in buf.getvalue()
    items, data, out = exported(tmp_path, "dxmp.tif", buf.getvalue())
    assert any(i.value == "CANARY-DXMP-MAKE" and i.category is Category.DEVICE for i in items)
    assert_gone(data, out, "CANARY-DXMP")


def test_a_photo_withheld_for_damaged_xmp_says_so_and_nothing_leaves(tmp_path: Path) -> None:
    from core.pipeline.preview import make_preview
    from core.pipeline.preview_words import partial_facts, text_lines

    source = tmp_path / "dxmp.jpg"
    source.write_bytes(damaged_xmp_jpeg())
    preview = make_preview(inspect_path(source), BUILTIN["no-location"])
    assert preview.error.startswith("damaged XMP") and not preview.leaves
    assert not partial_facts(preview)  # it is not damaged as a picture: nothing is "partial"
    lines = text_lines(preview)
    assert "XMP metadata is damaged" in lines[0] and not any("partial" in line for line in lines)
