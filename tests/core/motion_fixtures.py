# SPDX-License-Identifier: GPL-3.0-or-later
"""Motion photos for the tests, built here: a still written by Pillow, Google's XMP pointers
(``GCamera:MotionPhoto``/``MicroVideo``, ``Container:Directory``), and a real MP4 appended to it, encoded
by PyAV (H.264 + AAC) with a location, a creation time and Android make/model keys set through the
muxer; a Samsung-style SEF trailer (``MotionPhoto_Data`` record, ``SEFH`` directory, ``SEFT``); a HEIC
with the video in an ``mpvd`` box. Every planted value contains "CANARY" or the position 46.5197."""

from __future__ import annotations

import io
import struct
import tempfile
from functools import cache
from pathlib import Path

from tests.core import mp4_fixtures as mf

LAT, LON = 46.5197, 6.6323
VIDEO_METADATA = {
    "location": "+46.5197+006.6323+372.000/",
    "creation_time": "2021-03-31T10:11:12.000000Z",
    "com.android.manufacturer": "CANARY-VIDEO-MAKER",
    "com.android.model": "CANARY-VIDEO-PHONE",
    "title": "CANARY-VIDEO-TITLE",
}
TIMESTAMP_US = 400_000
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


@cache
def video(frames: int = 12) -> bytes:
    """A phone-like clip: H.264 + AAC, the metadata above as mdta keys, moov at the end."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        mf.encode(path, "mp4", frames=frames, metadata=VIDEO_METADATA,
                  options={"movflags": "use_metadata_tags"})
        return path.read_bytes()


def still(size: tuple[int, int] = (48, 32)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def packet(length: int, *, offset: int | None = None, micro: bool = True, directory: bool = True,
           extra: bytes = b"") -> bytes:
    """Google's pointers to a ``length``-byte video at the end of the file (``offset``: what
    GCamera:MicroVideoOffset says, by default ``length``); ``extra``: more rdf:Description attributes."""
    attrs = b'GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" '
    attrs += b'GCamera:MotionPhotoPresentationTimestampUs="%d" ' % TIMESTAMP_US
    if micro:
        attrs += b'GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="%d" ' % (
            length if offset is None else offset)
    body = b""
    if directory:
        body = (b"<Container:Directory><rdf:Seq>"
                b'<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" '
                b'Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>'
                b'<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" '
                b'Item:Semantic="MotionPhoto" Item:Length="%d" Item:Padding="0"/></rdf:li>'
                b"</rdf:Seq></Container:Directory>" % length)
    return (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
            b'xmlns:Container="http://ns.google.com/photos/1.0/container/" '
            b'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" '
            b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" ' + attrs + extra + b">" + body +
            b"</rdf:Description></rdf:RDF></x:xmpmeta>")


def with_xmp(jpeg: bytes, xmp: bytes) -> bytes:
    payload = XMP_HEADER + xmp
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def google(clip: bytes | None = None, **pointers: object) -> bytes:
    """A Google motion photo: the still, its XMP pointers, the clip appended."""
    clip = video() if clip is None else clip
    xmp = packet(len(clip), extra=b'xmp:CreatorTool="PhoneCamera 1.0" ', **pointers)  # type: ignore[arg-type]
    return with_xmp(still(), xmp) + clip


def sef_trailer(records: list[tuple[int, bytes, bytes]]) -> bytes:
    """A Samsung SEF trailer: each record (type, name, data) as ``00 00 type name-length name data``,
    then the ``SEFH`` directory (each entry's offset counted back from SEFH), its length, ``SEFT``."""
    body = b""
    entries = []
    for kind, name, data in records:
        record = struct.pack("<HHI", 0, kind, len(name)) + name + data
        entries.append((kind, len(body), len(record)))
        body += record
    directory = b"SEFH" + struct.pack("<II", 106, len(entries))
    for kind, at, size in entries:
        directory += struct.pack("<HHII", 0, kind, len(body) - at, size)
    return body + directory + struct.pack("<I", len(directory)) + b"SEFT"


def samsung(clip: bytes | None = None, xmp: bool = False) -> bytes:
    """A Samsung motion photo: the clip in a MotionPhoto_Data record of the SEF trailer, with a capture
    time record before it; Google's pointers too when ``xmp`` (newer phones write both)."""
    clip = video() if clip is None else clip
    trailer = sef_trailer([(0x0A01, b"Image_UTC_Data", b"1617185472000CANARY-SEF-TIME"),
                           (0x0A30, b"MotionPhoto_Data", clip)])
    jpeg = still()
    if xmp:
        # The video's pointers count back from the end of the file, past the SEF directory after it.
        after = len(trailer) - trailer.index(clip) - len(clip)
        jpeg = with_xmp(jpeg, packet(len(clip), offset=len(clip) + after, directory=False))
    return jpeg + trailer


def heic(clip: bytes | None = None) -> bytes:
    """A HEIC (pillow-heif) with the clip in a top-level ``mpvd`` box, as Google's cameras write it."""
    from tests.core import heic_fixtures as hf

    clip = video() if clip is None else clip
    return hf.real_heic() + hf.box(b"mpvd", clip)


def embedded_video(data: bytes) -> bytes:
    """The MP4 appended to a cleaned file: from its first box to the end."""
    at = data.find(b"ftyp")
    assert at >= 4, "no MP4 in the file"
    return data[at - 4 :]
