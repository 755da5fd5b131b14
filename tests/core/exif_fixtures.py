# SPDX-License-Identifier: GPL-3.0-or-later
"""Builders for EXIF blocks and TIFF files, written independently of core.metadata.exif (plain struct code).

``tiff_block`` lays out IFDs given as lists of entries; a value is encoded from Python data by type, or
is a reference resolved to an offset in a second pass:
- ``Ptr("GPS")``: the offset of another IFD (pointer tags),
- ``Blob(b"...")``: bytes placed after the IFD; the entry holds their offset (StripOffsets, thumbnails).
IFDs named "IFD0", "IFD1", ... are chained in that order.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import piexif
from PIL import Image, ImageCms

UNIT = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


@dataclass(frozen=True)
class Ptr:
    ifd: str


@dataclass(frozen=True)
class Blob:
    data: bytes


def encode(bo: str, typ: int, value: object) -> tuple[bytes, int]:
    """(raw bytes, count) for a Python value of a TIFF type."""
    if isinstance(value, bytes | bytearray):
        return bytes(value), len(value) // UNIT[typ]
    if typ == 2:
        raw = str(value).encode("utf-8") + b"\x00"
        return raw, len(raw)
    values = value if isinstance(value, list | tuple) else [value]
    if typ in (5, 10):
        code = "I" if typ == 5 else "i"
        raw = b"".join(struct.pack(f"{bo}2{code}", n, d) for n, d in values)  # type: ignore[misc]
        return raw, len(values)
    code = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 11: "f", 12: "d", 13: "I"}[typ]
    return struct.pack(f"{bo}{len(values)}{code}", *values), len(values)


Entry = tuple[int, int, object]  # tag, type, value (Python value, bytes, Ptr or Blob)


def tiff_block(ifds: dict[str, list[Entry]], bo: str = "<") -> bytes:
    def layout(offsets: dict[str, int]) -> tuple[bytes, dict[str, int]]:
        magic = b"II*\x00" if bo == "<" else b"MM\x00*"
        out = bytearray(magic + struct.pack(bo + "I", offsets.get("IFD0", 8)))
        found: dict[str, int] = {}
        chain = sorted((n for n in ifds if n.startswith("IFD")), key=lambda n: int(n[3:]))
        for name, entries in ifds.items():
            found[name] = len(out)
            rows = []
            blobs: list[tuple[int, bytes]] = []
            for tag, typ, value in sorted(entries, key=lambda e: e[0]):
                if isinstance(value, Ptr):
                    rows.append((tag, typ, 1, struct.pack(bo + "I", offsets.get(value.ifd, 0))))
                elif isinstance(value, Blob):
                    rows.append((tag, 4, 1, None))
                    blobs.append((len(rows) - 1, value.data))
                else:
                    raw, count = encode(bo, typ, value)
                    rows.append((tag, typ, count, raw))
            values_at = len(out) + 2 + 12 * len(rows) + 4
            values = bytearray()
            body = bytearray(struct.pack(bo + "H", len(rows)))
            blob_rows = dict(blobs)
            for i, (tag, typ, count, raw) in enumerate(rows):
                if raw is None:
                    data = blob_rows[i]
                    pos = values_at + len(values)
                    values += data + b"\x00" * (len(data) & 1)
                    body += struct.pack(bo + "HHII", tag, 4, 1, pos)
                elif len(raw) <= 4:
                    body += struct.pack(bo + "HHI", tag, typ, count) + raw.ljust(4, b"\x00")
                else:
                    body += struct.pack(bo + "HHII", tag, typ, count, values_at + len(values))
                    values += raw + b"\x00" * (len(raw) & 1)
            nxt = 0
            if name in chain and chain.index(name) + 1 < len(chain):
                nxt = offsets.get(chain[chain.index(name) + 1], 0)
            out += body + struct.pack(bo + "I", nxt) + values
        return bytes(out), found

    _, offsets = layout({})
    data, again = layout(offsets)
    assert again == offsets
    return data


def pixels(width: int = 12, height: int = 8) -> bytes:
    return bytes(
        (x * 20 + y * 7 + c * 50) % 256 for y in range(height) for x in range(width) for c in range(3)
    )


CANARIES = {
    "location": "CANARY-GEO-LOCATION",
    "people": "CANARY-ARTIST-NAME",
    "description": "CANARY-DESCRIPTION",
    "device": "CANARY-SERIAL-123",
    "time": "2011:11:11 11:11:11",
    "history": "CANARY-UNIQUE-ID-0000000000000000",
    "xmp": "CANARY-XMP-CREATOR",
    "iptc": "CANARY-IPTC-BYLINE",
}

XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator><rdf:Seq><rdf:li>{CANARIES['xmp']}</rdf:li></rdf:Seq></dc:creator>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
).encode()


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def canary_tiff(
    bo: str = "<", width: int = 12, height: int = 8, second_page: bool = True,
    orientation: Entry = (0x0112, 3, 6),
) -> bytes:
    """An uncompressed RGB TIFF in two strips with canaries in every category and a second page;
    ``orientation`` is its IFD0 Orientation entry (any type, to test what is carried)."""
    px = pixels(width, height)
    half = width * 3 * (height // 2)
    iptc = b"\x1c\x02\x50" + struct.pack(">H", len(CANARIES["iptc"])) + CANARIES["iptc"].encode()
    ifd0: list[Entry] = [
        (0x0100, 3, width),
        (0x0101, 3, height),
        (0x0102, 3, [8, 8, 8]),
        (0x0103, 3, 1),
        (0x0106, 3, 2),
        (0x010E, 2, CANARIES["description"]),
        (0x010F, 2, "CanonCanary"),
        (0x0111, 4, [0, 0]),  # replaced below with blob offsets
        orientation,
        (0x0115, 3, 3),
        (0x0116, 3, height // 2),
        (0x0117, 4, [half, len(px) - half]),
        (0x011C, 3, 1),
        (0x013B, 2, CANARIES["people"]),
        (0x02BC, 1, XMP),
        (0x83BB, 7, iptc),
        (0x8773, 7, srgb_icc()),
        (0x8769, 4, Ptr("Exif")),
        (0x8825, 4, Ptr("GPS")),
        (0x87B1, 2, CANARIES["location"]),  # GeoTIFF ASCII params
    ]
    exif: list[Entry] = [
        (0x9003, 2, CANARIES["time"]),
        (0xA431, 2, CANARIES["device"]),
        (0xA420, 2, CANARIES["history"]),
        (0x829A, 5, [(1, 125)]),
    ]
    gps: list[Entry] = [
        (0x0001, 2, "S"),
        (0x0002, 5, [(48, 1), (51, 1), (2988, 100)]),
        (0x0003, 2, "W"),
        (0x0004, 5, [(2, 1), (17, 1), (4020, 100)]),
    ]
    ifds: dict[str, list[Entry]] = {"IFD0": ifd0, "Exif": exif, "GPS": gps}
    strips: list[bytes] = [px[:half], px[half:]]
    if second_page:
        thumb = bytes(range(48))
        ifds["IFD1"] = [
            (0x00FE, 4, 1), (0x0100, 3, 4), (0x0101, 3, 4), (0x0102, 3, [8, 8, 8]), (0x0103, 3, 1),
            (0x0106, 3, 2), (0x0111, 4, Blob(thumb)), (0x0115, 3, 3), (0x0116, 3, 4), (0x0117, 4, len(thumb)),
            (0x010E, 2, "CANARY-PAGE-TWO"),
        ]
    # Strips live at the end of the file; their offsets are known once the IFDs are laid out.
    meta = tiff_block(ifds, bo)
    pos = len(meta) + (len(meta) & 1)
    offsets = [pos, pos + len(strips[0])]
    ifd0[7] = (0x0111, 4, offsets)
    meta2 = tiff_block(ifds, bo)
    assert len(meta2) == len(meta)
    return meta2 + b"\x00" * (len(meta2) & 1) + strips[0] + strips[1]


def piexif_block(with_thumbnail: bool = True) -> bytes:
    """A full EXIF block from piexif (big-endian), with every category represented."""
    thumb = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(thumb, "JPEG")
    canon_note = struct.pack(">H", 1) + struct.pack(">HHII", 0x000C, 4, 1, 1234567) + b"\x00" * 4
    data = {
        "0th": {
            piexif.ImageIFD.Make: b"Canon",
            piexif.ImageIFD.Model: b"Canon EOS 6D",
            piexif.ImageIFD.Orientation: 8,
            piexif.ImageIFD.Artist: b"Jane Doe",
            piexif.ImageIFD.Copyright: b"(c) Jane Doe",
            piexif.ImageIFD.ImageDescription: b"A day at the lake",
            piexif.ImageIFD.XPComment: "Grüße aus Köln".encode("utf-16-le") + b"\x00\x00",
            piexif.ImageIFD.XPAuthor: "Jane".encode("utf-16-le") + b"\x00\x00",
            piexif.ImageIFD.XResolution: (72, 1),
            piexif.ImageIFD.Software: b"Firmware 1.0.0",
            piexif.ImageIFD.DateTime: b"2024:05:02 09:00:00",
        },
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 14:32:10",
            piexif.ExifIFD.OffsetTimeOriginal: b"+02:00",
            piexif.ExifIFD.SubSecTimeOriginal: b"123",
            piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00secret note",
            piexif.ExifIFD.BodySerialNumber: b"SN-0042",
            piexif.ExifIFD.LensModel: b"EF 24-105mm",
            piexif.ExifIFD.ImageUniqueID: b"0123456789abcdef0123456789abcdef",
            piexif.ExifIFD.CameraOwnerName: b"Jane Owner",
            piexif.ExifIFD.MakerNote: canon_note,
            piexif.ExifIFD.ExposureTime: (1, 125),
            piexif.ExifIFD.FNumber: (28, 10),
            piexif.ExifIFD.ColorSpace: 1,
        },
        "GPS": {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: b"S",
            piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (2988, 100)),
            piexif.GPSIFD.GPSLongitudeRef: b"W",
            piexif.GPSIFD.GPSLongitude: ((2, 1), (17, 1), (4020, 100)),
            piexif.GPSIFD.GPSAltitudeRef: 1,
            piexif.GPSIFD.GPSAltitude: (125, 10),
            piexif.GPSIFD.GPSDateStamp: b"2024:05:01",
            piexif.GPSIFD.GPSTimeStamp: ((12, 1), (32, 1), (105, 10)),
        },
        "Interop": {piexif.InteropIFD.InteroperabilityIndex: b"R98"},
        "1st": {piexif.ImageIFD.Compression: 6, piexif.ImageIFD.XResolution: (72, 1)},
        "thumbnail": thumb.getvalue() if with_thumbnail else None,
    }
    if not with_thumbnail:
        data["1st"] = {}
    raw = piexif.dump(data)
    assert raw.startswith(b"Exif\x00\x00")
    return raw[6:]
