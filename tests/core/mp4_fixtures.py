# SPDX-License-Identifier: GPL-3.0-or-later
"""Real videos for the MP4/MOV tests, encoded with PyAV (H.264 + AAC), plus hand-built leak vectors.

``encoded(fmt)`` is what a muxer writes with location, creation time, make, model and title set through
its metadata; ``rich()`` adds, by rewriting the movie box the muxer wrote, a ``udta`` with more atoms,
an Apple ``meta``/``keys``/``ilst`` block, an XMP ``uuid`` box, a GoPro-like ``gpmd`` timed-metadata track
whose samples sit in ``mdat`` between the video and sound, a Samsung ``smta`` box, a ``free`` box holding
text, and optionally ``co64`` chunk offsets. Every planted value contains "CANARY".
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
from fractions import Fraction
from functools import cache
from pathlib import Path

CANARY = b"CANARY"
LAT, LON = 48.8584, 2.2945
GPS_SAMPLE = b"GPS5CANARY-TRACK-48.8584,2.2945;"
APPLE_KEYS = {
    "com.apple.quicktime.location.ISO6709": "+48.8584+002.2945+035.000/",
    "com.apple.quicktime.make": "CANARY-AppleMake",
    "com.apple.quicktime.model": "CANARY-iPhone",
    "com.apple.quicktime.software": "CANARY-iOS 17.4",
    "com.apple.quicktime.creationdate": "2024-05-01T12:34:56+0200",
    "com.apple.quicktime.content.identifier": "CANARY-5F2C-LIVE",
}
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
    b"<xmp:CreatorTool>CANARY-XmpTool</xmp:CreatorTool><dc:creator><rdf:Seq><rdf:li>CANARY-XmpAuthor"
    b'</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")


def encode(
    path: Path,
    fmt: str,
    *,
    frames: int = 12,
    size: tuple[int, int] = (64, 48),
    metadata: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    pattern: bool = True,
    video_options: dict[str, str] | None = None,
) -> None:
    """An H.264 + AAC movie written by FFmpeg's muxer through PyAV."""
    import av
    import numpy as np

    w, h = size
    with av.open(str(path), "w", format=fmt, options=options or {}) as out:
        out.metadata.update(metadata or {})
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        video.options = video_options or {"g": "5", "bf": "2"}
        audio = out.add_stream("aac", rate=8000, layout="mono")
        for i in range(frames):
            if pattern:
                y, x = np.mgrid[0:h, 0:w]
                pixels = np.stack([(x * 4 + i * 16) % 256, (y * 5) % 256, (x + y + i * 9) % 256], axis=-1)
            else:
                pixels = np.random.default_rng(i).integers(0, 256, (h, w, 3))
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        samples = int(frames / 10 * 8000)
        for start in range(0, samples, 1024):
            tone = np.sin(np.arange(start, start + 1024) * 0.05).astype(np.float32)[None, :] * 0.3
            frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 8000, start, Fraction(1, 8000)
            for packet in audio.encode(frame):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                out.mux(packet)


MUXER_METADATA = {
    "location": "+48.8584+002.2945/",
    "creation_time": "2024-05-01T12:34:56.000000Z",
    "make": "CANARY-Make",
    "model": "CANARY-Model",
    "title": "CANARY-Title",
}


@cache
def encoded(fmt: str = "mov", faststart: bool = False) -> bytes:
    """A movie with location, creation time, make, model and title set through the muxer: a MOV gets
    them as QuickTime udta atoms (©xyz, ©mak, ...), an MP4 as mdta keys in a meta box."""
    flags = [f for f, on in (("use_metadata_tags", fmt == "mp4"), ("faststart", faststart)) if on]
    options = {"movflags": "+".join(flags)} if flags else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"movie.{fmt}"
        encode(path, fmt, metadata=MUXER_METADATA, options=options)
        return path.read_bytes()


@cache
def plain(fmt: str = "mp4") -> bytes:
    """A movie without any metadata set (the muxer still writes its creation time 0 and encoder)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plain.{fmt}"
        encode(path, fmt, frames=6)
        return path.read_bytes()


# ------------------------------------------------------------------------------------------ boxes


def box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full(kind: bytes, *parts: bytes, version: int = 0) -> bytes:
    return box(kind, struct.pack(">I", version << 24), *parts)


def walk(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int, int]]:
    """(type, start, header, end) of the boxes in [start, end)."""
    end = len(data) if end is None else end
    out = []
    while start < end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[start + 8 : start + 16])[0], 16
        out.append((kind, start, header, start + size))
        start += size
    return out


def child(data: bytes, parent: tuple[bytes, int, int, int], kind: bytes) -> tuple[bytes, int, int, int]:
    return next(b for b in walk(data, parent[1] + parent[2], parent[3]) if b[0] == kind)


def qt_text(kind: bytes, text: str) -> bytes:
    raw = text.encode()
    return box(kind, struct.pack(">HH", len(raw), 0x15C7), raw)


def apple_meta(keys: dict[str, str]) -> bytes:
    names = b"".join(box(b"mdta", k.encode()) for k in keys)
    entries = b"".join(
        box(struct.pack(">I", n), box(b"data", struct.pack(">II", 1, 0), v.encode()))
        for n, v in enumerate(keys.values(), 1)
    )
    return box(
        b"meta",
        full(b"hdlr", bytes(4), b"mdta", bytes(12), b"\0"),
        full(b"keys", struct.pack(">I", len(keys)), names),
        box(b"ilst", entries),
    )


def _gpmd_trak(
    track_id: int, offsets: list[int], co64: bool, codec: bytes = b"gpmd", handler: bytes = b"meta"
) -> bytes:
    """A GoPro-style timed-metadata track: handler 'meta', sample entry 'gpmd', one sample per chunk."""
    n = len(offsets)
    tkhd = full(
        b"tkhd",
        struct.pack(">IIIII", 0, 0, track_id, 0, 1000),
        bytes(8),
        bytes(8),
        struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000),
        bytes(8),
    )
    mdhd = full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 1000, 1000 * n, 0x55C4, 0))
    hdlr = full(b"hdlr", bytes(4), handler, bytes(12), b"CANARY-GoPro MET\0")
    stsd = full(b"stsd", struct.pack(">I", 1), box(codec, bytes(6), struct.pack(">HI", 1, 0)))
    stts = full(b"stts", struct.pack(">III", 1, n, 1000))
    stsc = full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
    stsz = full(b"stsz", struct.pack(">II", len(GPS_SAMPLE), n))
    stco = (
        full(b"co64", struct.pack(f">I{n}Q", n, *offsets))
        if co64
        else full(b"stco", struct.pack(f">I{n}I", n, *offsets))
    )
    nmhd = full(b"nmhd")
    dinf = box(b"dinf", full(b"dref", struct.pack(">I", 1), full(b"url ", version=0)[:8] + b"\0\0\0\1"))
    stbl = box(b"stbl", stsd, stts, stsc, stsz, stco)
    return box(
        b"trak",
        tkhd,
        box(b"tref", box(b"cdsc", struct.pack(">I", 1))),
        box(b"mdia", mdhd, hdlr, box(b"minf", nmhd, dinf, stbl)),
    )


def _offsets_table(data: bytes, stbl: tuple[bytes, int, int, int]) -> tuple[bytes, list[int]]:
    for kind in (b"stco", b"co64"):
        found = [b for b in walk(data, stbl[1] + stbl[2], stbl[3]) if b[0] == kind]
        if found:
            b = found[0]
            n = struct.unpack(">I", data[b[1] + 12 : b[1] + 16])[0]
            fmt = "I" if kind == b"stco" else "Q"
            return kind, list(struct.unpack(f">{n}{fmt}", data[b[1] + 16 : b[3]]))
    raise AssertionError("no chunk offsets")


def _rebuild_stbl(data: bytes, stbl: tuple[bytes, int, int, int], offsets: list[int], co64: bool) -> bytes:
    parts = []
    for b in walk(data, stbl[1] + stbl[2], stbl[3]):
        if b[0] in (b"stco", b"co64"):
            n = len(offsets)
            parts.append(
                full(b"co64", struct.pack(f">I{n}Q", n, *offsets))
                if co64
                else full(b"stco", struct.pack(f">I{n}I", n, *offsets))
            )
        else:
            parts.append(data[b[1] : b[3]])
    return box(b"stbl", *parts)


def _rebuild(
    data: bytes,
    node: tuple[bytes, int, int, int],
    path: list[bytes],
    replace: dict[bytes, bytes],
) -> bytes:
    """``node`` with the boxes at the given paths replaced (only the containers on the way are rebuilt)."""
    parts = []
    for b in walk(data, node[1] + node[2], node[3]):
        sub = [*path, b[0]]
        key = b"/".join(sub)
        if key in replace:
            parts.append(replace[key])
        elif any(k.startswith(key + b"/") for k in replace):
            parts.append(_rebuild(data, b, sub, replace))
        else:
            parts.append(data[b[1] : b[3]])
    return box(node[0], *parts)


def rich(co64: bool = False, codec: bytes = b"gpmd", handler: bytes = b"meta") -> bytes:
    """Every leak vector at once (see the module docstring); moov at the end, as cameras write it."""
    return _rich(co64, codec, handler)


@cache
def _rich(co64: bool, codec: bytes, handler: bytes) -> bytes:
    src = encoded("mov")
    top = walk(src)
    ftyp = next(b for b in top if b[0] == b"ftyp")
    mdat = next(b for b in top if b[0] == b"mdat")
    moov = next(b for b in top if b[0] == b"moov")
    traks = [b for b in walk(src, moov[1] + 8, moov[3]) if b[0] == b"trak"]
    # New layout: ftyp, free (text), uuid XMP, mdat = [original mdat body][gps samples], smta, moov.
    free = box(b"free", b"CANARY-free-box-notes\0\0")
    uuid = box(b"uuid", XMP_UUID, XMP)
    prefix = src[ftyp[1] : ftyp[3]] + free + uuid
    gps = GPS_SAMPLE * 3
    body = src[mdat[1] + mdat[2] : mdat[3]]
    header = 16 if co64 else 8
    new_mdat = (
        (
            struct.pack(">I4sQ", 1, b"mdat", header + len(body) + len(gps))
            if co64
            else struct.pack(">I4s", 8 + len(body) + len(gps), b"mdat")
        )
        + body
        + gps
    )
    shift = len(prefix) + header - (mdat[1] + mdat[2])
    gps_at = len(prefix) + header + len(body)
    replace: dict[bytes, bytes] = {}
    for n, trak in enumerate(traks):
        stbl = child(src, child(src, child(src, trak, b"mdia"), b"minf"), b"stbl")
        _, offsets = _offsets_table(src, stbl)
        replace[b"trak%d" % n] = _rebuild(
            src,
            trak,
            [b"trak"],
            {b"trak/mdia/minf/stbl": _rebuild_stbl(src, stbl, [o + shift for o in offsets], co64)},
        )
    parts = []
    n = 0
    for b in walk(src, moov[1] + 8, moov[3]):
        if b[0] == b"trak":
            parts.append(replace[b"trak%d" % n])
            n += 1
        elif b[0] == b"udta":
            extra = (
                qt_text(b"\xa9swr", "CANARY-Software 1.0")
                + qt_text(b"\xa9day", "2024-05-01T12:34:56+0200")
                + qt_text(b"\xa9cmt", "CANARY-Comment")
                + box(b"smta", b"\0\0\0\0CANARY-samsung")
            )
            parts.append(box(b"udta", src[b[1] + 8 : b[3]], extra))
        else:
            parts.append(src[b[1] : b[3]])
    step = len(GPS_SAMPLE)
    parts.append(_gpmd_trak(3, [gps_at, gps_at + step, gps_at + 2 * step], co64, codec, handler))
    parts.append(apple_meta(APPLE_KEYS))
    return prefix + new_mdat + box(b"moov", *parts)


def track_samples(data: bytes) -> dict[str, str]:
    """SHA-256 of each video/audio track's samples, read with PyAV's demuxer (independent of the code
    under test), keyed by codec."""
    import io

    import av

    hashes: dict[str, hashlib._Hash] = {}
    with av.open(io.BytesIO(data)) as movie:
        streams = [s for s in movie.streams if s.type in ("video", "audio")]
        for packet in movie.demux(streams):
            if packet.size:
                name = packet.stream.codec_context.name
                hashes.setdefault(name, hashlib.sha256()).update(bytes(packet))
    return {k: v.hexdigest() for k, v in hashes.items()}


def frames(data: bytes) -> tuple[bytes, bytes, int]:
    """The first and last decoded video frames (RGB bytes) and the frame count."""
    import io

    import av

    first = last = b""
    count = 0
    with av.open(io.BytesIO(data)) as movie:
        for frame in movie.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24").tobytes()
            if not count:
                first = rgb
            last = rgb
            count += 1
    return first, last, count


# ------------------------------------------------------------------------- library and window videos


def with_cover(data: bytes, picture: bytes) -> bytes:
    """``data`` (moov after mdat, as the muxer writes without faststart) with iTunes-style cover art: a
    ``moov/udta/meta/ilst/covr`` atom holding ``picture`` (JPEG bytes, data type 13)."""
    top = walk(data)
    moov = next(b for b in top if b[0] == b"moov")
    assert moov[3] == len(data), "the movie box must come last"
    covr = box(b"covr", box(b"data", struct.pack(">II", 13, 0), picture))
    meta = full(b"meta", full(b"hdlr", bytes(4), b"mdir", b"appl", bytes(8), b"\0"), box(b"ilst", covr))
    return data[: moov[1]] + box(b"moov", data[moov[1] + 8 : moov[3]], box(b"udta", meta))


def unknown_codec(data: bytes) -> bytes:
    """``data`` with the video's sample entry renamed to a codec no decoder knows ('zzzz')."""
    node = next(b for b in walk(data) if b[0] == b"moov")
    for kind in (b"trak", b"mdia", b"minf", b"stbl", b"stsd"):
        node = child(data, node, kind)
    at = node[1] + node[2] + 12  # version/flags, entry count, then the first entry's size and type
    return data[:at] + b"zzzz" + data[at + 4 :]


def video_file(path: Path, fmt: str = "mp4", *, frames: int = 12, size: tuple[int, int] = (64, 48)) -> Path:
    """A real H.264 + AAC video with location, creation time, make and model set through the muxer."""
    flags = {"movflags": "use_metadata_tags"} if fmt == "mp4" else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    encode(path, fmt, frames=frames, size=size, metadata=MUXER_METADATA, options=flags)
    return path
