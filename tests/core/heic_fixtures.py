# SPDX-License-Identifier: GPL-3.0-or-later
"""Small HEIF files for the HEIC tests.

``build_heif`` writes the container byte by byte (ftyp, meta with iinf/iloc/iref/iprp, mdat) around
fake payloads: enough for the walker, which never decodes, and free to shape any layout (depth maps,
thumbnails, idat, iloc versions, gaps). ``real_heic`` uses pillow-heif's encoder for files that decode.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

from PIL import ImageCms

CANARY_GPS = "CANARY-GPS-PLACE"
CANARY_XMP = "CANARY-XMP-TITLE-7731"
CANARY_IPTC = b"CANARY-IPTC-CITY"
CANARY_VIDEO = b"CANARY-MOTION-VIDEO-BYTES"
CANARY_SEF = b"Image_UTC_Data1700000000000CANARY-SEF"
CANARY_DEPTH = b"CANARY-DEPTH-MAP"
CANARY_THUMB = b"CANARY-THUMBNAIL"


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, version: int, flags: int, body: bytes) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + body)


def ispe(width: int, height: int) -> bytes:
    return full_box(b"ispe", 0, 0, struct.pack(">II", width, height))


def irot(quarter_turns: int) -> bytes:
    return box(b"irot", bytes([quarter_turns & 3]))


def imir(axis: int) -> bytes:
    return box(b"imir", bytes([axis & 1]))


def auxc(urn: str) -> bytes:
    return full_box(b"auxC", 0, 0, urn.encode() + b"\0")


def colr_icc(profile: bytes) -> bytes:
    return box(b"colr", b"prof" + profile)


@dataclass
class FakeItem:
    id: int
    type: bytes
    payload: bytes
    props: list[bytes] = field(default_factory=list)
    content_type: bytes = b""
    in_idat: bool = False
    split: int = 1  # number of extents the payload is cut into


def _infe(item: FakeItem) -> bytes:
    body = struct.pack(">HH", item.id, 0) + item.type + b"\0"
    if item.type == b"mime":
        body += item.content_type + b"\0"
    return full_box(b"infe", 2, 0, body)


def _extents(payload: bytes, split: int) -> list[bytes]:
    if split <= 1 or len(payload) < split:
        return [payload]
    step = len(payload) // split
    parts = [payload[i * step : (i + 1) * step] for i in range(split - 1)]
    return [*parts, payload[(split - 1) * step :]]


def build_heif(
    items: list[FakeItem],
    primary: int,
    refs: list[tuple[bytes, int, list[int]]] = (),  # type: ignore[assignment]
    *,
    brands: tuple[bytes, list[bytes]] = (b"heic", [b"mif1", b"heic"]),
    iloc_version: int = 1,
    base_offset: int = 0,
    gap: bytes = b"",
    top_after: list[bytes] = (),  # type: ignore[assignment]
    mdat_size_zero: bool = False,
    groups: list[tuple[bytes, list[int]]] = (),  # type: ignore[assignment]
) -> bytes:
    """A HEIF file: ftyp, meta, mdat (payloads in item order, then ``gap``), then ``top_after`` boxes."""
    ftyp = box(b"ftyp", brands[0] + b"\0\0\0\0" + b"".join(brands[1]))

    def meta(mdat_data_start: int) -> tuple[bytes, bytes]:
        mdat, idat = bytearray(), bytearray()  # bytearrays: files with thousands of items stay quick
        locations = []
        for item in items:
            extents = []
            for part in _extents(item.payload, item.split):
                if item.in_idat:
                    extents.append((len(idat), len(part)))
                    idat += part
                else:
                    extents.append((mdat_data_start + len(mdat) - base_offset, len(part)))
                    mdat += part
            locations.append((item, extents))
        mdat += gap
        id_size = 2 if iloc_version < 2 else 4
        iloc = bytearray([0x44, (4 << 4) if iloc_version else 0x40])
        iloc += struct.pack(">H" if iloc_version < 2 else ">I", len(locations))
        for item, extents in locations:
            iloc += item.id.to_bytes(id_size, "big")
            if iloc_version:
                iloc += struct.pack(">H", 1 if item.in_idat else 0)
            iloc += struct.pack(">H", 0)
            iloc += struct.pack(">I", 0 if item.in_idat else base_offset)
            iloc += struct.pack(">H", len(extents))
            for off, length in extents:
                iloc += struct.pack(">II", off, length)
        properties: list[bytes] = []
        ipma = bytearray()
        for item in items:
            indices = []
            for prop in item.props:
                properties.append(prop)
                indices.append(len(properties))
            ipma += struct.pack(">HB", item.id, len(indices))
            ipma += b"".join(struct.pack(">H", 0x8000 | i) for i in indices)
        # flags bit 0: 15-bit property indices, so that files with many properties can be built.
        ipma_box = full_box(b"ipma", 0, 1, struct.pack(">I", len(items)) + ipma)
        iref = b"".join(
            box(kind, struct.pack(">HH", src, len(dst)) + b"".join(struct.pack(">H", d) for d in dst))
            for kind, src, dst in refs
        )
        children = [
            full_box(b"hdlr", 0, 0, b"\0\0\0\0pict" + b"\0" * 12 + b"\0"),
            full_box(b"pitm", 0, 0, struct.pack(">H", primary)),
            full_box(b"iinf", 0, 0, struct.pack(">H", len(items)) + b"".join(_infe(i) for i in items)),
            full_box(b"iloc", iloc_version, 0, bytes(iloc)),
            box(b"iprp", box(b"ipco", b"".join(properties)) + ipma_box),
        ]
        if refs:
            children.append(full_box(b"iref", 0, 0, iref))
        if groups:
            grpl = b"".join(
                full_box(kind, 0, 0, struct.pack(">II", 100 + n, len(ids)) + b"".join(
                    struct.pack(">I", i) for i in ids))
                for n, (kind, ids) in enumerate(groups)
            )
            children.append(box(b"grpl", grpl))
        if idat:
            children.append(box(b"idat", bytes(idat)))
        return full_box(b"meta", 0, 0, b"".join(children)), bytes(mdat)

    first, _ = meta(1 << 20)  # same size whatever the offsets: fixed 4-byte fields
    meta_box, mdat_data = meta(len(ftyp) + len(first) + 8)
    assert len(meta_box) == len(first)
    mdat = box(b"mdat", mdat_data)
    if mdat_size_zero:
        mdat = b"\0\0\0\0" + mdat[4:]
        return ftyp + meta_box + mdat
    return ftyp + meta_box + mdat + b"".join(top_after)


def exif_payload(tiff: bytes) -> bytes:
    """A HEIF Exif item: a 4-byte offset to the TIFF header, here after an "Exif\\0\\0" prefix."""
    return struct.pack(">I", 6) + b"Exif\0\0" + tiff


def gps_exif_tiff(orientation: int = 1) -> bytes:
    """A TIFF block: Make, Orientation, DateTimeOriginal and GPS (a canary in GPSAreaInformation)."""
    import piexif

    data = piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"CanaryMake", piexif.ImageIFD.Orientation: orientation},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:04:11 15:47:53"},
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((39, 1), (3, 1), (456, 100)),
            piexif.GPSIFD.GPSLongitudeRef: b"W",
            piexif.GPSIFD.GPSLongitude: ((94, 1), (17, 1), (1, 1)),
            piexif.GPSIFD.GPSAreaInformation: b"ASCII\0\0\0" + CANARY_GPS.encode(),
        },
    })
    return data[6:] if data.startswith(b"Exif\0\0") else data


def xmp_packet() -> bytes:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="CanaryCity">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{CANARY_XMP}</rdf:li></rdf:Alt></dc:title>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def iptc_iim() -> bytes:
    # Record 2, dataset 90 (City).
    version = b"\x1c\x02\x00\x00\x02\x00\x04"
    return version + b"\x1c\x02\x5a" + struct.pack(">H", len(CANARY_IPTC)) + CANARY_IPTC


def rich_heif(**kwargs: object) -> bytes:
    """A grid primary image (2 tiles), thumbnail, depth map, gain map, Exif, XMP and IPTC items, an ICC
    profile, a motion-photo video box and a Samsung SEF box."""
    items = [
        FakeItem(1, b"grid", b"\0\0\0\x01\0\x40\0\x20", [ispe(128, 32), irot(3)], in_idat=True),
        FakeItem(2, b"hvc1", b"TILE-ONE" * 8, [ispe(64, 32)], split=2),
        FakeItem(3, b"hvc1", b"TILE-TWO" * 8, [ispe(64, 32)]),
        FakeItem(4, b"hvc1", CANARY_THUMB, [ispe(32, 8)]),
        FakeItem(5, b"hvc1", CANARY_DEPTH, [ispe(16, 4), auxc("urn:mpeg:hevc:2015:auxid:2")]),
        FakeItem(6, b"hvc1", b"GAINMAP", [ispe(32, 8), auxc("urn:com:apple:photo:2020:aux:hdrgainmap")]),
        FakeItem(7, b"Exif", exif_payload(gps_exif_tiff())),
        FakeItem(8, b"mime", xmp_packet(), content_type=b"application/rdf+xml"),
        FakeItem(9, b"iptc", iptc_iim()),
    ]
    items[0].props.append(colr_icc(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()))
    refs = [
        (b"dimg", 1, [2, 3]),
        (b"thmb", 4, [1]),
        (b"auxl", 5, [1]),
        (b"auxl", 6, [1]),
        (b"cdsc", 7, [1]),
        (b"cdsc", 8, [1]),
        (b"cdsc", 9, [1]),
    ]
    top_after = [box(b"mpvd", b"\0\0\0\x18ftypmp42" + CANARY_VIDEO), box(b"sefd", CANARY_SEF)]
    return build_heif(items, 1, refs, top_after=top_after, **kwargs)  # type: ignore[arg-type]


def real_heic(
    size: tuple[int, int] = (64, 48), orientation: int = 1, with_metadata: bool = True,
    exif_tiff: bytes | None = None,
) -> bytes:
    """A decodable HEIC from pillow-heif: left half red, right half blue, a green band along the top
    (so that rotations and mirrors are visible), with GPS Exif and XMP canaries."""
    import pillow_heif
    from PIL import Image

    width, height = size
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    image.paste((30, 200, 30), (0, 0, width, max(2, height // 8)))
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 90}
    if with_metadata:
        options["exif"] = b"Exif\0\0" + (exif_tiff if exif_tiff is not None else gps_exif_tiff(orientation))
        options["xmp"] = xmp_packet()
    heif.save(out, **options)
    return out.getvalue()


def heic_encoder_available() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    return bool(pillow_heif.libheif_info().get("HEIF"))
