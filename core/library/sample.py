# SPDX-License-Identifier: GPL-3.0-or-later
"""A small sample roll for first-time users: photos with realistic metadata, generated on this device.

Twelve JPEGs in three albums (Paris, Kyoto, Iceland) with what a phone would write: GPS position and
altitude, capture time with its time zone offset, make, model and body serial number, lens, an EXIF
thumbnail, and an XMP packet naming a creator. One photo is stored on its side (Orientation 6), one has
no location, one carries a caption. The pictures are drawn (sky, sun, hills, water), not photographed.
A fourth album, Phone (``core.library.sample_phone``), has what else a camera roll holds: a Live Photo,
a motion photo and a video.

Deterministic: the same call writes the same photo bytes, so tests can rely on it.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from core.metadata.exif.tags import TAG_EXIF_IFD, TAG_GPS_IFD, TAG_THUMB_LENGTH, TAG_THUMB_OFFSET, ExifEntry
from core.metadata.exif.writer import write_ifds

SAMPLE_FOLDER = "Sample roll"
CREATOR = "Alex Sample"


@dataclass(frozen=True)
class Shot:
    album: str
    name: str
    when: str  # EXIF "YYYY:MM:DD HH:MM:SS"
    offset: str  # "+02:00"
    place: tuple[float, float, float] | None  # latitude, longitude, altitude (m)
    palette: int  # which sky / land colours
    orientation: int = 1
    caption: str = ""
    live_id: str = ""  # an iPhone's Live Photo still: the content identifier it shares with its movie
    city: str = ""  # the place name the phone looked up ("" for the album's city)


PARIS = (48.85830, 2.29450, 35.0)
MONTMARTRE = (48.88670, 2.34310, 130.0)
KYOTO = (34.99480, 135.78500, 60.0)
ARASHIYAMA = (35.01700, 135.67130, 45.0)
REYKJAVIK = (64.14660, -21.94260, 12.0)
SKOGAFOSS = (63.53210, -19.51140, 40.0)

SHOTS: tuple[Shot, ...] = (
    Shot("Paris", "IMG_1001.jpg", "2024:05:03 09:12:44", "+02:00", PARIS, 0),
    Shot("Paris", "IMG_1002.jpg", "2024:05:03 11:40:02", "+02:00", PARIS, 1, caption="Picnic by the tower"),
    Shot("Paris", "IMG_1003.jpg", "2024:05:04 19:55:17", "+02:00", MONTMARTRE, 2),
    Shot("Paris", "IMG_1004.jpg", "2024:05:05 08:03:30", "+02:00", MONTMARTRE, 3, orientation=6),
    Shot("Kyoto", "IMG_2001.jpg", "2024:10:12 07:31:09", "+09:00", KYOTO, 4),
    Shot("Kyoto", "IMG_2002.jpg", "2024:10:12 16:20:51", "+09:00", ARASHIYAMA, 5),
    Shot("Kyoto", "IMG_2003.jpg", "2024:10:13 10:05:00", "+09:00", ARASHIYAMA, 0),
    Shot("Kyoto", "IMG_2004.jpg", "2024:10:14 18:45:26", "+09:00", None, 2),
    Shot("Iceland", "IMG_3001.jpg", "2025:02:20 12:10:33", "+00:00", REYKJAVIK, 6),
    Shot("Iceland", "IMG_3002.jpg", "2025:02:21 13:02:10", "+00:00", SKOGAFOSS, 7),
    Shot("Iceland", "IMG_3003.jpg", "2025:02:21 13:04:58", "+00:00", SKOGAFOSS, 6),
    Shot("Iceland", "IMG_3004.jpg", "2025:02:22 16:30:00", "+00:00", REYKJAVIK, 7),
)

# (sky top, sky bottom, sun, far land, near land, water)
PALETTES = (
    ((70, 130, 200), (190, 220, 245), (255, 236, 150), (120, 140, 160), (70, 110, 60), (60, 110, 170)),
    ((40, 90, 180), (160, 200, 240), (255, 250, 210), (150, 150, 170), (90, 130, 70), (50, 100, 160)),
    ((60, 40, 110), (250, 150, 90), (255, 200, 120), (90, 60, 90), (40, 35, 50), (110, 70, 100)),
    ((150, 180, 220), (240, 230, 210), (255, 245, 220), (170, 160, 150), (120, 110, 90), (120, 150, 180)),
    ((90, 150, 210), (220, 235, 245), (255, 240, 170), (80, 120, 80), (150, 50, 40), (70, 120, 150)),
    ((200, 110, 70), (250, 210, 140), (255, 230, 160), (110, 80, 60), (60, 90, 50), (120, 100, 120)),
    ((120, 150, 180), (220, 230, 235), (250, 250, 240), (200, 210, 220), (90, 95, 100), (80, 100, 120)),
    ((30, 50, 90), (120, 160, 190), (230, 240, 255), (240, 245, 250), (60, 70, 80), (40, 70, 100)),
)


def _draw(shot: Shot, index: int, width: int, height: int) -> Image.Image:
    sky_top, sky_bottom, sun, far, near, water = PALETTES[shot.palette % len(PALETTES)]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * (0.55 + 0.05 * (index % 3)))
    for y in range(horizon):
        t = y / max(1, horizon - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(sky_top, sky_bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    r = height // 12
    cx, cy = int(width * (0.2 + 0.06 * (index % 10))), int(horizon * (0.3 + 0.04 * (index % 5)))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=sun)
    # Far hills, then near land: a few polygons whose peaks depend on the index (deterministic).
    step = width // 6
    peaks = [
        (x, horizon - int(height * (0.08 + 0.05 * ((x // step + index) % 4))))
        for x in range(0, width + step, step)
    ]
    draw.polygon([(0, horizon), *peaks, (width, horizon)], fill=far)
    draw.rectangle([0, horizon, width, height], fill=water)
    shore = [
        (0, height),
        (0, int(height * 0.82)),
        (int(width * 0.45), int(height * (0.78 + 0.02 * (index % 4)))),
    ]
    draw.polygon([*shore, (int(width * 0.7), height)], fill=near)
    for k in range(6):  # ripples
        y = horizon + (k + 1) * (height - horizon) // 8
        draw.line([(int(width * 0.55), y), (int(width * (0.75 + 0.03 * k)), y)], fill=sky_bottom, width=2)
    return image


def _rational(value: float, scale: int = 1) -> tuple[int, int]:
    return (round(value * scale), scale)


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return ((degrees, 1), (minutes, 1), _rational(seconds, 100))


_BO = ">"  # big-endian, as many phones write it
_ASCII, _SHORT, _RATIONAL, _BYTE, _UNDEFINED, _SLONG = 2, 3, 5, 1, 7, 9


def _apple_note(content_id: str) -> bytes:
    """An iPhone's maker note: "Apple iOS", version 1, big-endian, then one IFD whose offsets count from
    the note's start, holding its version (tag 1) and the Live Photo content identifier (tag 0x11)."""
    head = b"Apple iOS\x00\x00\x01MM"
    ident = content_id.encode("ascii") + b"\x00"
    data_at = len(head) + 2 + 2 * 12 + 4
    entries = struct.pack(">HHIi", 0x0001, _SLONG, 1, 14)
    entries += struct.pack(">HHII", 0x0011, _ASCII, len(ident), data_at)
    return head + struct.pack(">H", 2) + entries + struct.pack(">I", 0) + ident


def _text(ifd: str, tag: int, value: bytes) -> ExifEntry:
    raw = value + b"\x00"
    return ExifEntry(ifd, tag, _ASCII, len(raw), raw, -1)


def _numbers(ifd: str, tag: int, typ: int, *values: int) -> ExifEntry:
    """SHORT or BYTE values."""
    fmt = _BO + ("H" if typ == _SHORT else "B") * len(values)
    return ExifEntry(ifd, tag, typ, len(values), struct.pack(fmt, *values), -1)


def _fractions(ifd: str, tag: int, *pairs: tuple[int, int]) -> ExifEntry:
    raw = b"".join(struct.pack(_BO + "II", n, d) for n, d in pairs)
    return ExifEntry(ifd, tag, _RATIONAL, len(pairs), raw, -1)


def _exif(shot: Shot, index: int, thumbnail: bytes) -> bytes:
    """The EXIF block a phone would write (APP1 body), built with the app's own TIFF writer. A Live
    Photo's still is an iPhone's, with the maker note that carries the Live Photo's identifier."""
    iphone = bool(shot.live_id)
    make, model = (b"Apple", b"iPhone 15 Pro") if iphone else (b"Pixelfone", b"Pixelfone 8 Pro")
    zeroth = [
        _text("IFD0", 0x010F, make),  # Make
        _text("IFD0", 0x0110, model),  # Model
        _numbers("IFD0", 0x0112, _SHORT, shot.orientation),  # Orientation
        _text("IFD0", 0x0131, _software(shot).encode()),  # Software
        _text("IFD0", 0x0132, shot.when.encode()),  # DateTime
        _text("IFD0", 0x013B, CREATOR.encode()),  # Artist
    ]
    if shot.caption:
        zeroth.append(_text("IFD0", 0x010E, shot.caption.encode()))  # ImageDescription
    exif = [
        _fractions("Exif", 0x829A, (1, 250 + 10 * index)),  # ExposureTime
        _fractions("Exif", 0x829D, (168, 100)),  # FNumber
        _numbers("Exif", 0x8827, _SHORT, 50 + 10 * index),  # ISOSpeedRatings
        _text("Exif", 0x9003, shot.when.encode()),  # DateTimeOriginal
        _text("Exif", 0x9004, shot.when.encode()),  # DateTimeDigitized
        _text("Exif", 0x9011, shot.offset.encode()),  # OffsetTimeOriginal
        _fractions("Exif", 0x920A, (690, 100)),  # FocalLength
        _text("Exif", 0x9291, f"{(index * 37) % 1000:03d}".encode()),  # SubSecTimeOriginal
    ]
    if iphone:  # an iPhone names its lens, not its serial number
        exif += [
            _text("Exif", 0xA433, b"Apple"),  # LensMake
            _text("Exif", 0xA434, b"iPhone 15 Pro back triple camera 6.86mm f/1.78"),  # LensModel
        ]
    else:
        exif += [
            _text("Exif", 0xA431, b"PF8P-2023-0042-7781"),  # BodySerialNumber
            _text("Exif", 0xA433, b"Pixelfone"),  # LensMake
            _text("Exif", 0xA434, b"Pixelfone 8 Pro back camera 6.9mm f/1.68"),  # LensModel
        ]
    if shot.live_id:
        note = _apple_note(shot.live_id)
        exif.append(ExifEntry("Exif", 0x927C, _UNDEFINED, len(note), note, -1))  # MakerNote
    layout = [("IFD0", zeroth), ("Exif", exif)]
    pointers = [("Exif", TAG_EXIF_IFD)]
    if shot.place is not None:
        lat, lon, alt = shot.place
        gps = [
            _numbers("GPS", 0x0000, _BYTE, 2, 2, 0, 0),  # GPSVersionID
            _text("GPS", 0x0001, b"N" if lat >= 0 else b"S"),
            _fractions("GPS", 0x0002, *_dms(lat)),
            _text("GPS", 0x0003, b"E" if lon >= 0 else b"W"),
            _fractions("GPS", 0x0004, *_dms(lon)),
            _numbers("GPS", 0x0005, _BYTE, 0),  # GPSAltitudeRef: above sea level
            _fractions("GPS", 0x0006, _rational(alt, 10)),
            _text("GPS", 0x001D, shot.when[:10].encode()),  # GPSDateStamp
        ]
        layout.append(("GPS", gps))
        pointers.append(("GPS", TAG_GPS_IFD))
    first = [
        _numbers("IFD1", 0x0103, _SHORT, 6),  # Compression: JPEG
        _fractions("IFD1", 0x011A, (72, 1)),  # XResolution
        _fractions("IFD1", 0x011B, (72, 1)),  # YResolution
        _numbers("IFD1", 0x0128, _SHORT, 2),  # ResolutionUnit: inches
    ]
    layout.append(("IFD1", first))
    tiff = write_ifds(
        _BO,
        layout,
        {"IFD0": pointers},
        ["IFD0", "IFD1"],
        {"IFD1": (TAG_THUMB_OFFSET, TAG_THUMB_LENGTH, thumbnail)},
    )
    return b"Exif\x00\x00" + tiff


def _software(shot: Shot) -> str:
    return "17.4.1" if shot.live_id else "PixelCamera 8.4.2"


def _xmp(shot: Shot, motion_video: int = 0) -> bytes:
    """``motion_video``: the length of the video appended to the file, which Google's pointers name."""
    city = shot.city or {"Paris": "Paris", "Kyoto": "Kyoto", "Iceland": "Reykjavík"}.get(shot.album, "")
    # A photo without a GPS fix has no place name either: the phone had no position to look up.
    city = f'    photoshop:City="{city}"\n' if shot.place is not None and city else ""
    motion, directory = "", ""
    if motion_video:
        motion = (
            '    xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"\n'
            '    xmlns:Container="http://ns.google.com/photos/1.0/container/"\n'
            '    xmlns:Item="http://ns.google.com/photos/1.0/container/item/"\n'
            '    GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1"\n'
            '    GCamera:MotionPhotoPresentationTimestampUs="500000"\n'
        )
        directory = (
            '   <Container:Directory><rdf:Seq>\n'
            '    <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg"'
            ' Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>\n'
            '    <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4"'
            f' Item:Semantic="MotionPhoto" Item:Length="{motion_video}" Item:Padding="0"/></rdf:li>\n'
            '   </rdf:Seq></Container:Directory>\n'
        )
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
{motion}{city}    xmp:CreatorTool="{_software(shot)}"
    xmp:CreateDate="{shot.when[:10].replace(":", "-")}T{shot.when[11:]}{shot.offset}">
   <dc:creator><rdf:Seq><rdf:li>{CREATOR}</rdf:li></rdf:Seq></dc:creator>
{directory}  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode("utf-8")


def _insert_after_exif(jpeg: bytes, body: bytes) -> bytes:
    """Insert one APP1 segment after the EXIF APP1 (walking the markers before the image data)."""
    segment = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1] in range(0xE0, 0xF0):
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        pos += 2 + length
    return jpeg[:pos] + segment + jpeg[pos:]


def sample_photo(
    shot: Shot, index: int, width: int = 1200, height: int = 900, *, motion_video: bytes = b""
) -> bytes:
    """The bytes of one sample photo; ``motion_video``: a motion photo's video, appended after the
    picture with Google's pointers to it in the XMP."""
    picture = _draw(shot, index, width, height)
    if shot.orientation == 6:
        # Stored on its side, as a phone held upright writes it: rotating by the tag shows it right.
        picture = picture.transpose(Image.Transpose.ROTATE_90)
    thumb = picture.copy()
    thumb.thumbnail((160, 160))
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=75)
    exif = _exif(shot, index, buf.getvalue())
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, exif=exif)
    return _insert_after_exif(out.getvalue(), _xmp(shot, len(motion_video))) + motion_video


def sample_dir(home: Path) -> Path:
    return Path(home) / SAMPLE_FOLDER


def make_sample_roll(dest: Path, *, width: int = 1200, height: int = 900) -> Path:
    """Write the sample roll into ``dest`` (created if needed) and return it. Existing files are kept:
    the roll is written once, and a second call only fills in what is missing."""
    dest = Path(dest)
    for index, shot in enumerate(SHOTS):
        folder = dest / shot.album
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / shot.name
        if target.exists():
            continue
        data = sample_photo(shot, index, width, height)
        write_new(target, data)
    from core.library.sample_phone import make_phone_album

    make_phone_album(dest, width, height)
    return dest


def write_new(target: Path, data: bytes) -> None:
    """Write a sample file whole under its name (a temporary name first), so a half-written one is
    never imported, nor kept by the next call."""
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
