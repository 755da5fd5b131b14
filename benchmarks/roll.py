# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate a camera roll of large JPEGs with full metadata for benchmarks.

One 12-megapixel picture is encoded once; each file gets its own EXIF (GPS, times, device, serial,
an IFD1 thumbnail) and XMP, so every file differs while generation stays fast.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import piexif
from PIL import Image, ImageDraw, ImageFilter


def _base_jpeg(width: int, height: int, quality: int = 90) -> tuple[bytes, bytes]:
    rnd = random.Random(7)
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for _ in range(400):  # shapes give the encoder real work, like a photo's detail
        x, y = rnd.randrange(width), rnd.randrange(height)
        r = rnd.randrange(20, width // 6)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    img = Image.blend(img.filter(ImageFilter.GaussianBlur(3)), noise, 0.25)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    thumb = img.copy()
    thumb.thumbnail((160, 120))
    tbuf = io.BytesIO()
    thumb.save(tbuf, "JPEG", quality=80)
    return buf.getvalue(), tbuf.getvalue()


def _xmp(n: int) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        f'xmp:CreateDate="2024-05-01T14:32:{n % 60:02d}" photoshop:City="Benchtown {n}">'
        f"<dc:creator><rdf:Seq><rdf:li>Photographer {n}</rdf:li></rdf:Seq></dc:creator>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def _exif(n: int, thumb: bytes) -> bytes:
    lat = 48.0 + (n % 100) / 1000
    return piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: b"BenchCam",
                piexif.ImageIFD.Model: f"Model {n % 7}".encode(),
                piexif.ImageIFD.Orientation: 1 + n % 8,
                piexif.ImageIFD.DateTime: b"2024:05:01 14:32:10",
                piexif.ImageIFD.Artist: f"Artist {n}".encode(),
            },
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 14:32:10",
                piexif.ExifIFD.BodySerialNumber: f"SN{n:08d}".encode(),
                piexif.ExifIFD.ExposureTime: (1, 125),
                piexif.ExifIFD.FNumber: (28, 10),
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((int(lat), 1), (int(lat * 60) % 60, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((2, 1), (17, 1), (n % 60, 1)),
            },
            "1st": {piexif.ImageIFD.Compression: 6},
            "thumbnail": thumb,
        }
    )


def make_roll(
    folder: Path, count: int, *, width: int = 4000, height: int = 3000, albums: int = 1
) -> list[Path]:
    """Write ``count`` JPEGs into ``folder`` (split over ``albums`` sub-folders when > 1)."""
    base, thumb = _base_jpeg(width, height)
    assert base[:2] == b"\xff\xd8"
    body = base[2:]
    xmp_header = b"http://ns.adobe.com/xap/1.0/\x00"
    paths: list[Path] = []
    for n in range(count):
        target = folder / f"album-{n % albums:02d}" if albums > 1 else folder
        target.mkdir(parents=True, exist_ok=True)
        exif = b"Exif\x00\x00" + _exif(n, thumb)
        xmp = xmp_header + _xmp(n)
        segs = b"".join(
            b"\xff" + marker + (len(payload) + 2).to_bytes(2, "big") + payload
            for marker, payload in ((b"\xe1", exif), (b"\xe1", xmp))
        )
        path = target / f"IMG_{20240501 + n:08d}_{n:06d}.jpg"
        path.write_bytes(b"\xff\xd8" + segs + body)
        paths.append(path)
    return paths
