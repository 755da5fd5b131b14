# SPDX-License-Identifier: GPL-3.0-or-later
"""Small PNG and WebP files built in the test, each leak vector carrying its own canary string.

Chunks are spliced by hand (independently of the code under test) so that the fixtures can hold what
Pillow would never write: eXIf after IDAT, zTXt bombs, ImageMagick raw profiles, unknown chunks,
trailers, bad CRCs.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import piexif
from PIL import Image, ImageCms

PNG_SIG = b"\x89PNG\r\n\x1a\n"

# One canary per leak vector; a clean output under `minimal` must contain none of them.
CANARIES = {
    "exif_artist": "CANARY-EXIF-ARTIST-7c1",
    "exif_desc": "CANARY-EXIF-DESCRIPTION-2b9",
    "exif_make": "CANARY-EXIF-MAKE-55d",
    "exif_gps_area": "CANARY-EXIF-GPS-AREA-9e0",
    "exif_date": "2001:02:03 04:05:06",
    "xmp_creator": "CANARY-XMP-CREATOR-4aa",
    "xmp_city": "CANARY-XMP-CITY-31f",
    "text_author": "CANARY-TEXT-AUTHOR-c0d",
    "text_comment": "CANARY-ZTXT-COMMENT-81e",
    "itxt_title": "CANARY-ITXT-TITLE-6f2",
    "sd_prompt": "CANARY-SD-PROMPT-a77",
    "comfy_workflow": "CANARY-COMFY-WORKFLOW-d13",
    "software": "CANARY-SOFTWARE-0b4",
    "raw_exif_artist": "CANARY-RAWEXIF-ARTIST-e5e",
    "raw_iptc_byline": "CANARY-RAWIPTC-BYLINE-f08",
    "unknown_chunk": "CANARY-UNKNOWN-CHUNK-19c",
    "trailer": "CANARY-TRAILER-77a",
}


def pattern_image(mode: str = "RGB", size: tuple[int, int] = (24, 16)) -> Image.Image:
    """A small image whose pixels differ everywhere, so a changed pixel is noticed."""
    im = Image.new("RGB", size)
    im.putdata(
        [((x * 11) % 256, (y * 17) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])]
    )
    return im.convert(mode)


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_block(orientation: int = 6, *, gps: bool = True, people: bool = True, prefix: bool = False) -> bytes:
    """A TIFF-structured EXIF block (no "Exif\\0\\0" header unless ``prefix``)."""
    zeroth: dict[int, object] = {piexif.ImageIFD.Orientation: orientation}
    exif: dict[int, object] = {}
    gps_ifd: dict[int, object] = {}
    if people:
        zeroth[piexif.ImageIFD.Artist] = CANARIES["exif_artist"].encode()
        zeroth[piexif.ImageIFD.ImageDescription] = CANARIES["exif_desc"].encode()
        zeroth[piexif.ImageIFD.Make] = CANARIES["exif_make"].encode()
        exif[piexif.ExifIFD.DateTimeOriginal] = CANARIES["exif_date"].encode()
    if gps:
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (2931, 100)),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: ((2, 1), (17, 1), (4000, 100)),
            piexif.GPSIFD.GPSAreaInformation: b"ASCII\0\0\0" + CANARIES["exif_gps_area"].encode(),
        }
    data = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd, "1st": {}, "thumbnail": None})
    assert data.startswith(b"Exif\0\0")
    return data if prefix else data[6:]


def xmp_packet() -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
        f' photoshop:City="{CANARIES["xmp_city"]}">'
        f"<dc:creator><rdf:Seq><rdf:li>{CANARIES['xmp_creator']}</rdf:li></rdf:Seq></dc:creator>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


# ------------------------------------------------------------------------------------------------- PNG


def chunk(ctype: bytes, payload: bytes, *, bad_crc: bool = False) -> bytes:
    crc = zlib.crc32(ctype + payload) & 0xFFFFFFFF
    if bad_crc:
        crc ^= 0xFFFF
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk, for assertions and for splicing."""
    out, pos = [], 8
    while pos < len(data):
        n, t = struct.unpack(">I4s", data[pos : pos + 8])
        out.append((t, data[pos + 8 : pos + 8 + n]))
        pos += 12 + n
        if t == b"IEND":
            break
    return out


def png_from(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return PNG_SIG + b"".join(chunk(t, p) for t, p in chunks)


def plain_png(image: Image.Image | None = None, **save: object) -> bytes:
    buf = BytesIO()
    (image or pattern_image()).save(buf, format="PNG", **save)
    return buf.getvalue()


def insert_chunks(data: bytes, *, before_idat: list[bytes] = (), after_idat: list[bytes] = ()) -> bytes:
    """Splice whole chunks (from ``chunk``) before the first IDAT and just before IEND."""
    first_idat = data.index(b"IDAT") - 4
    iend = data.rindex(b"IEND") - 4
    return (
        data[:first_idat] + b"".join(before_idat) + data[first_idat:iend] + b"".join(after_idat) + data[iend:]
    )


def text(keyword: str, value: str) -> bytes:
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + value.encode("latin-1"))


def ztxt(keyword: str, value: bytes) -> bytes:
    return chunk(b"zTXt", keyword.encode("latin-1") + b"\0\0" + zlib.compress(value))


def itxt(keyword: str, value: str, *, compressed: bool = False) -> bytes:
    body = value.encode()
    if compressed:
        body = zlib.compress(body)
    return chunk(b"iTXt", keyword.encode("latin-1") + b"\0" + bytes([int(compressed), 0]) + b"en\0\0" + body)


def raw_profile(kind: str, payload: bytes) -> bytes:
    """ImageMagick's hex layout for 'Raw profile type <kind>'."""
    hexed = payload.hex()
    lines = "\n".join(hexed[i : i + 72] for i in range(0, len(hexed), 72))
    return f"\n{kind}\n{len(payload):8d}\n{lines}\n".encode()


def iim_byline(name: str) -> bytes:
    """IPTC-IIM record 2 with By-line (2:80), wrapped in a Photoshop 8BIM 0x0404 resource."""
    iim = b"\x1c\x02\x00\x00\x02\x00\x04" + b"\x1c\x02\x50" + struct.pack(">H", len(name)) + name.encode()
    pad = b"\0" if len(iim) & 1 else b""
    return b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iim)) + iim + pad


def rich_png() -> bytes:
    """A PNG with every leak vector this handler knows, and the display chunks that must survive."""
    base = plain_png(icc_profile=srgb_icc())
    before = [
        chunk(b"gAMA", struct.pack(">I", 45455)),
        chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1)),
        chunk(b"tIME", struct.pack(">HBBBBB", 2001, 2, 3, 4, 5, 6)),
        text("Author", CANARIES["text_author"]),
        ztxt("Comment", CANARIES["text_comment"].encode()),
        itxt("Title", CANARIES["itxt_title"], compressed=True),
        itxt("XML:com.adobe.xmp", xmp_packet().decode()),
        text("parameters", f"a portrait, {CANARIES['sd_prompt']}\nSteps: 20, Sampler: Euler a, Seed: 1"),
        text("Software", CANARIES["software"]),
        ztxt("Raw profile type iptc", raw_profile("IPTC profile", iim_byline(CANARIES["raw_iptc_byline"]))),
        chunk(b"prVt", CANARIES["unknown_chunk"].encode()),
    ]
    after = [
        chunk(b"eXIf", exif_block(orientation=6)),  # after IDAT, as ImageMagick writes it
        itxt("workflow", '{"nodes": ["' + CANARIES["comfy_workflow"] + '"]}'),
    ]
    return (
        insert_chunks(base, before_idat=before, after_idat=after)
        + b"\xff\xd8\xff\xe0"
        + CANARIES["trailer"].encode()
    )


def raw_exif_png() -> bytes:
    block = piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Orientation: 3,
                piexif.ImageIFD.Artist: CANARIES["raw_exif_artist"].encode(),
            }
        }
    )
    return insert_chunks(plain_png(), before_idat=[ztxt("Raw profile type exif", raw_profile("exif", block))])


def bomb_png(size: int = 9 * 1024 * 1024) -> bytes:
    bomb = chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * size, 9))
    return insert_chunks(plain_png(), before_idat=[bomb])


def apng() -> bytes:
    frames = [pattern_image(), pattern_image().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    return plain_png(frames[0], save_all=True, append_images=frames[1:], duration=100, loop=0)


# ------------------------------------------------------------------------------------------------ WebP


def riff_chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 12
    end = struct.unpack("<I", data[4:8])[0] + 8
    while pos + 8 <= end:
        fourcc, n = struct.unpack("<4sI", data[pos : pos + 8])
        out.append((fourcc, data[pos + 8 : pos + 8 + n]))
        pos += 8 + n + (n & 1)
    return out


def webp_from(chunks: list[tuple[bytes, bytes]], trailer: bytes = b"") -> bytes:
    body = b"WEBP" + b"".join(riff_chunk(f, p) for f, p in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body + trailer


def plain_webp(image: Image.Image | None = None, **save: object) -> bytes:
    buf = BytesIO()
    save.setdefault("quality", 80)
    (image or pattern_image()).save(buf, format="WEBP", **save)
    return buf.getvalue()


def rich_webp(*, exif_prefix: bool = False) -> bytes:
    """Pillow's VP8X WebP with ICC, EXIF and XMP, plus an unknown chunk and a trailer after the RIFF."""
    data = plain_webp(exif=exif_block(orientation=6), xmp=xmp_packet(), icc_profile=srgb_icc())
    chunks = webp_chunks(data)
    if exif_prefix:
        chunks = [(f, b"Exif\0\0" + p if f == b"EXIF" else p) for f, p in chunks]
    chunks.append((b"prVt", CANARIES["unknown_chunk"].encode()))
    return webp_from(chunks, trailer=b"\xff\xd8\xff\xe0" + CANARIES["trailer"].encode())


def animated_webp() -> bytes:
    frames = [pattern_image("RGBA"), pattern_image("RGBA").transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    buf = BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ shared checks


def pixels_of(data: bytes) -> list[bytes]:
    """Decoded pixels of every frame (Pillow is the independent decoder)."""
    out = []
    with Image.open(BytesIO(data)) as im:
        for n in range(getattr(im, "n_frames", 1)):
            im.seek(n)
            out.append(im.convert("RGBA").tobytes())
    return out


def span_bytes(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    return b"".join(data[o : o + n] for o, n in spans)


def display_keys(parsed) -> frozenset[str]:
    """What `minimal` lets leave: the image and what it needs to display."""
    from core.model.inventory import Need

    return frozenset(i.key for i in parsed.items if i.need in (Need.PIXELS, Need.DISPLAY))


def carriable_keys(parsed) -> frozenset[str]:
    """Everything a keep-all policy lets leave (unknown data never does)."""
    from core.model.categories import Category

    return frozenset(i.key for i in parsed.items if i.category is not Category.UNKNOWN and i.carriable)


def check_clean(
    handler,
    data: bytes,
    leaving: frozenset[str],
    reference: bytes | None = None,
    decode: bool = True,
):
    """Clean and verify what the exporter verifies; returns (parsed input, cleaned bytes, parsed output)."""
    from core.model.categories import Category
    from core.model.inventory import Need

    parsed = handler.parse(data)
    cleaned = handler.clean(data, parsed, leaving)
    assert cleaned.pixels == "unchanged"
    out = handler.parse(cleaned.data)
    assert sum(s.length for s in out.segments) == len(cleaned.data)
    plan = {
        (i.key, i.category, i.value)
        for i in parsed.items
        if i.key in leaving
        and i.need is not Need.PIXELS
        and i.carriable
        and i.category is not Category.UNKNOWN
    }
    got = {(i.key, i.category, i.value) for i in out.items if i.need is not Need.PIXELS}
    assert got == plan
    assert not [i for i in out.items if i.category is Category.UNKNOWN]
    assert span_bytes(data, parsed.pixel_spans) == span_bytes(cleaned.data, out.pixel_spans)
    # ``reference``: the same image without the payload Pillow itself refuses (e.g. a zTXt bomb).
    if decode:
        assert pixels_of(reference or data) == pixels_of(cleaned.data)
    assert out.orientation == parsed.orientation
    return parsed, cleaned.data, out


ALLOWED_ORACLE_GROUPS = {
    "PNG",
    "RIFF",
    "IFD0",
    "ICC-header",
    "ICC_Profile",
    "ICC-chrm",
    "ICC-view",
    "ICC-meas",
    "ICC-clrt",
}


def oracle_leaks(tags: dict[str, object], canaries: list[str]) -> list[str]:
    """ExifTool tags of a `minimal` output that should not be there."""
    from tests.oracle import STRUCTURAL_GROUPS

    personal = {"ModifyDate", "DateTimeOriginal", "CreateDate", "Author", "Comment", "Software"}
    bad = []
    for name, value in tags.items():
        group, _, tag = name.partition(":")
        if name == "SourceFile" or group in STRUCTURAL_GROUPS:
            continue
        # Orientation leaves on purpose (need=PIXELS), wherever it is stored.
        orientation = group in ("IFD0", "XMP-tiff") and tag == "Orientation"
        structural = orientation or (group in ALLOWED_ORACLE_GROUPS and group != "IFD0")
        leaked = "GPS" in tag or tag in personal or any(c in str(value) for c in canaries)
        if leaked or not structural:
            bad.append(name)
    return bad
