# SPDX-License-Identifier: GPL-3.0-or-later
"""Small generated JPEGs carrying one unique canary per leak vector (each in its own category)."""

from __future__ import annotations

import hashlib
import io
import struct

import piexif
from PIL import Image

# Canary text for each vector: unique, so a byte search on the clean output proves it is gone.
CANARIES: dict[str, bytes] = {
    "gps": b"CANARY-GPS-METHOD",
    "time": b"2001:02:03 04:05:06",
    "make": b"CANARY-MAKE",
    "model": b"CANARY-MODEL",
    "serial": b"CANARY-SERIAL-778899",
    "artist": b"CANARY-ARTIST",
    "copyright": b"CANARY-COPYRIGHT",
    "xpauthor": "CANARY-XPAUTHOR".encode("utf-16-le"),
    "description": b"CANARY-IMAGEDESCRIPTION",
    "usercomment": b"CANARY-USERCOMMENT",
    "xpcomment": "CANARY-XPCOMMENT".encode("utf-16-le"),
    "unique_id": b"CANARYUNIQUEID0123456789ABCDEF01",
    "thumbnail": b"CANARY-IFD1-THUMBNAIL",
    "com": b"CANARY-COM-COMMENT",
    "xmp_creator": b"CANARY-XMP-CREATOR",
    "xmp_city": b"CANARY-XMP-CITY",
    "xmp_gps": b"CANARY-XMP-GPSLAT",
    "xmp_docid": b"CANARY-XMP-DOCUMENTID",
    "xmp_history": b"CANARY-XMP-HISTORY",
    "xmp_date": b"2002-03-04T05:06:07",
    "xmp_title": b"CANARY-XMP-TITLE",
    "mwg_name": b"CANARY-MWG-FACE-NAME",
    "mp_name": b"CANARY-MP-FACE-NAME",
    "iptc_city": b"CANARY-IPTC-CITY",
    "iptc_byline": b"CANARY-IPTC-BYLINE",
    "iptc_caption": b"CANARY-IPTC-CAPTION",
    "irb_thumbnail": b"CANARY-IRB-THUMBNAIL",
    "mpf_image": b"CANARY-MPF-SECONDARY",
    "ext_xmp_depth": b"CANARY-GDEPTH-DATA",
    "trailer_mp4": b"CANARY-MOTION-VIDEO",
    "unknown_app": b"CANARY-UNKNOWN-APP9",
}


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def base_jpeg(width: int = 16, height: int = 12, color: tuple[int, int, int] = (200, 30, 90),
              comment: bytes = b"") -> bytes:
    """A tiny real JPEG (JFIF APP0 + tables + one scan) encoded by Pillow."""
    img = Image.new("RGB", (width, height), color)
    for x in range(width):  # some detail, so the scan is not trivial
        img.putpixel((x, x % height), (x * 13 % 256, 255 - x * 7 % 256, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, comment=comment) if comment else img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def split_jpeg(data: bytes) -> tuple[bytes, bytes]:
    """(JFIF APP0 segment or b"", everything after it up to and including EOI)."""
    assert data[:2] == b"\xff\xd8"
    if data[2:4] == b"\xff\xe0":
        length = struct.unpack(">H", data[4:6])[0]
        return data[2: 4 + length], data[4 + length:]
    return b"", data[2:]


def exif_block(orientation: int = 6, thumbnail: bool = True) -> bytes:
    c = CANARIES
    zeroth = {
        piexif.ImageIFD.Orientation: orientation,
        piexif.ImageIFD.Make: c["make"],
        piexif.ImageIFD.Model: c["model"],
        piexif.ImageIFD.Artist: c["artist"],
        piexif.ImageIFD.Copyright: c["copyright"],
        piexif.ImageIFD.ImageDescription: c["description"],
        piexif.ImageIFD.XPAuthor: list(c["xpauthor"] + b"\x00\x00"),
        piexif.ImageIFD.XPComment: list(c["xpcomment"] + b"\x00\x00"),
        piexif.ImageIFD.DateTime: c["time"],
    }
    exif = {
        piexif.ExifIFD.DateTimeOriginal: c["time"],
        piexif.ExifIFD.BodySerialNumber: c["serial"],
        piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00" + c["usercomment"],
        piexif.ExifIFD.ImageUniqueID: c["unique_id"],
        piexif.ExifIFD.ExposureTime: (1, 125),
    }
    gps = {
        piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
        piexif.GPSIFD.GPSLatitudeRef: b"N",
        piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (2961, 100)),
        piexif.GPSIFD.GPSLongitudeRef: b"E",
        piexif.GPSIFD.GPSLongitude: ((2, 1), (17, 1), (4015, 100)),
        piexif.GPSIFD.GPSProcessingMethod: b"ASCII\x00\x00\x00" + c["gps"],
    }
    data: dict[str, object] = {"0th": zeroth, "Exif": exif, "GPS": gps}
    if thumbnail:
        data["1st"] = {piexif.ImageIFD.XResolution: (72, 1), piexif.ImageIFD.YResolution: (72, 1)}
        data["thumbnail"] = base_jpeg(8, 8, (10, 200, 10), comment=c["thumbnail"])
    return piexif.dump(data)[6:]  # piexif prefixes "Exif\0\0"


def orientation_only_exif(orientation: int) -> bytes:
    return piexif.dump({"0th": {piexif.ImageIFD.Orientation: orientation}})[6:]


XMP_MAIN = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Test Toolkit 1.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:MP="http://ns.microsoft.com/photo/1.2/"
    xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
    xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"
    xmlns:xmpNote="http://ns.adobe.com/xmp/note/"
    xmp:CreateDate="{xmp_date}"
    xmpMM:DocumentID="{xmp_docid}"
    photoshop:City="{xmp_city}"
    exif:GPSLatitude="{xmp_gps}"
    tiff:Orientation="{orientation}"
    {ext}>
   <dc:creator><rdf:Seq><rdf:li>{xmp_creator}</rdf:li></rdf:Seq></dc:creator>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{xmp_title}</rdf:li></rdf:Alt></dc:title>
   <xmpMM:History><rdf:Seq><rdf:li rdf:parseType="Resource">
     <stEvt:action>saved</stEvt:action><stEvt:softwareAgent>{xmp_history}</stEvt:softwareAgent>
   </rdf:li></rdf:Seq></xmpMM:History>
   <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>
     <rdf:li rdf:parseType="Resource"><mwg-rs:Name>{mwg_name}</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>
       <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1"/></rdf:li>
   </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>
   <MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>
     <rdf:li MPReg:Rectangle="0.1, 0.1, 0.2, 0.2" MPReg:PersonDisplayName="{mp_name}"/>
   </rdf:Bag></MPRI:Regions></MP:RegionInfo>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

XMP_EXTENDED = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/"
    GDepth:Mime="image/png" GDepth:Data="{ext_xmp_depth}{padding}"/>
 </rdf:RDF>
</x:xmpmeta>"""


def xmp_packets(orientation: int = 6, ext_padding: int = 70000) -> tuple[bytes, bytes, str]:
    """(main packet, extended packet, GUID). The extended packet is large enough to need 2 segments."""
    values = {k: v.decode() for k, v in CANARIES.items() if k.startswith(("xmp", "mwg", "mp_", "ext"))}
    ext = XMP_EXTENDED.format(padding="A" * ext_padding, **values).encode()
    guid = hashlib.md5(ext).hexdigest().upper()
    main = XMP_MAIN.format(orientation=orientation, ext=f'xmpNote:HasExtendedXMP="{guid}"', **values).encode()
    return main, ext, guid


def extended_xmp_segments(ext: bytes, guid: str, chunk: int = 60000) -> list[bytes]:
    header = b"http://ns.adobe.com/xmp/extension/\x00" + guid.encode()
    return [segment(0xE1, header + struct.pack(">II", len(ext), off) + ext[off: off + chunk])
            for off in range(0, len(ext), chunk)]


def iim(record: int, dataset: int, value: bytes) -> bytes:
    return bytes((0x1C, record, dataset)) + struct.pack(">H", len(value)) + value


def resource(rid: int, data: bytes) -> bytes:
    return b"8BIM" + struct.pack(">H", rid) + b"\x00\x00" + struct.pack(">I", len(data)) + data + (
        b"\x00" if len(data) & 1 else b"")


def irb_block() -> bytes:
    c = CANARIES
    record = (iim(1, 90, b"\x1b%G") + iim(2, 0, b"\x00\x04") + iim(2, 90, c["iptc_city"])
              + iim(2, 80, c["iptc_byline"]) + iim(2, 120, c["iptc_caption"]) + iim(2, 25, b"kw-one")
              + iim(2, 25, b"kw-two"))
    thumb = struct.pack(">IIIIIIHH", 1, 8, 8, 24, 192, 0, 24, 1) + base_jpeg(8, 8, comment=c["irb_thumbnail"])
    resolution = struct.pack(">IHHIHH", 72 << 16, 1, 1, 72 << 16, 1, 1)
    resources = resource(0x0404, record) + resource(0x03ED, resolution) + resource(0x040C, thumb)
    return b"Photoshop 3.0\x00" + resources


def mpf_segment(secondary_offset_from_tiff: int, secondary_size: int, primary_size: int) -> bytes:
    """APP2 MPF index (big-endian) listing the primary image and one secondary image."""
    entries = struct.pack(">IIIHH", 0x20030000, primary_size, 0, 0, 0)
    entries += struct.pack(">IIIHH", 0x00020002, secondary_size, secondary_offset_from_tiff, 0, 0)
    ifd_offset = 8
    n = 3
    values_at = ifd_offset + 2 + 12 * n + 4
    ifd = struct.pack(">H", n)
    ifd += struct.pack(">HHI4s", 0xB000, 7, 4, b"0100")
    ifd += struct.pack(">HHII", 0xB001, 4, 1, 2)
    ifd += struct.pack(">HHII", 0xB002, 7, len(entries), values_at)
    ifd += struct.pack(">I", 0)
    tiff = b"MM\x00\x2a" + struct.pack(">I", ifd_offset) + ifd + entries
    return segment(0xE2, b"MPF\x00" + tiff)


def kitchen_sink(orientation: int = 6) -> bytes:
    """One JPEG carrying every leak vector, each with its canary."""
    c = CANARIES
    jfif, rest = split_jpeg(base_jpeg())
    main, ext, guid = xmp_packets(orientation)
    head = [
        b"\xff\xd8",
        jfif,
        segment(0xE1, b"Exif\x00\x00" + exif_block(orientation)),
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + main),
        *extended_xmp_segments(ext, guid),
        segment(0xE9, b"VendorX\x00" + c["unknown_app"]),
        segment(0xED, irb_block()),
        segment(0xFE, c["com"]),
    ]
    secondary = base_jpeg(8, 8, (0, 0, 255), comment=c["mpf_image"])
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + b"\x00\x00\x00\x00mp42isom"
    mp4 = ftyp + struct.pack(">I", 40) + b"mdat" + c["trailer_mp4"] + b"\x00" * 15
    # MPF offsets count from the TIFF header 8 bytes into the APP2 segment; lay out, then fill in.
    placeholder = mpf_segment(0, len(secondary), 0)
    prefix = b"".join(head)
    mpf_at = len(prefix)
    primary_size = len(prefix) + len(placeholder) + len(rest)
    mpf = mpf_segment(primary_size - (mpf_at + 8), len(secondary), primary_size)
    assert len(mpf) == len(placeholder)
    return prefix + mpf + rest + secondary + mp4


def with_exif_orientation(orientation: int) -> bytes:
    jfif, rest = split_jpeg(base_jpeg())
    return b"\xff\xd8" + jfif + segment(0xE1, b"Exif\x00\x00" + orientation_only_exif(orientation)) + rest


def huge_sof(width: int = 65535, height: int = 65535) -> bytes:
    data = bytearray(base_jpeg())
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="&lol4;"/>
</rdf:RDF></x:xmpmeta>"""


def with_xmp(packet: bytes) -> bytes:
    jfif, rest = split_jpeg(base_jpeg())
    return b"\xff\xd8" + jfif + segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet) + rest
