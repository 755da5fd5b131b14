# SPDX-License-Identifier: GPL-3.0-or-later
"""Crafted files that still decode, each hiding a unique canary in structure the image "needs": after a
`minimal` export the canary is gone (and ExifTool finds no trace of it), or the file is withheld with a
one-sentence reason. Each case names the outcome it must have: cleaned, or withheld. (The same holds
under `no-location`, which keeps technical data.)"""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from core.model.policy import load_policy
from core.pipeline.export import process_file
from tests.core import jpeg_fixtures as jfx
from tests.core import png_webp_fixtures as pfx

CLEANED, WITHHELD = "cleaned", "withheld"


def _canary(name: str) -> bytes:
    return f"CANARY-{name.upper()}-Q7Z".encode()


def _srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# --- JPEG ---------------------------------------------------------------------------------------------


def _segments(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(marker, payload, entropy data after it) from SOI to EOI of a simple JPEG."""
    out: list[tuple[int, bytes, bytes]] = []
    pos = 2
    while True:
        marker = data[pos + 1]
        if marker == 0xD9:
            return out
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        payload = data[pos + 4 : pos + 2 + length]
        pos += 2 + length
        entropy = b""
        if marker == 0xDA:
            end = pos
            while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
            entropy, pos = data[pos:end], end
        out.append((marker, payload, entropy))


def _jpeg(segs: list[tuple[int, bytes, bytes]]) -> bytes:
    return b"\xff\xd8" + b"".join(jfx.segment(m, p) + e for m, p, e in segs) + b"\xff\xd9"


def _jpeg_with(change: Callable[[list[tuple[int, bytes, bytes]]], None], **save: object) -> bytes:
    img = Image.new("RGB", (32, 24), (200, 30, 90))
    for x in range(32):
        img.putpixel((x, x % 24), (x * 13 % 256, 255 - x * 7 % 256, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **save)
    segs = _segments(buf.getvalue())
    change(segs)
    return _jpeg(segs)


def _pad(marker: int, canary: bytes) -> Callable[[list[tuple[int, bytes, bytes]]], None]:
    def change(segs: list[tuple[int, bytes, bytes]]) -> None:
        i = next(k for k, s in enumerate(segs) if s[0] == marker)
        m, p, e = segs[i]
        segs[i] = (m, p + canary, e)

    return change


def _insert(marker: int, payload: bytes, before: int) -> Callable[[list[tuple[int, bytes, bytes]]], None]:
    def change(segs: list[tuple[int, bytes, bytes]]) -> None:
        i = next(k for k, s in enumerate(segs) if s[0] == before)
        segs.insert(i, (marker, payload, b""))

    return change


def _append(marker: int, payload: bytes) -> Callable[[list[tuple[int, bytes, bytes]]], None]:
    return lambda segs: segs.append((marker, payload, b""))


def _unused_dht(canary: bytes) -> Callable[[list[tuple[int, bytes, bytes]]], None]:
    # An AC table with id 3, which no scan names: its symbol values hold the canary.
    counts = bytes([0] * 7 + [len(canary)] + [0] * 8)
    return _insert(0xC4, bytes([0x13]) + counts + canary, before=0xDA)


def _text_in_used_table(canary: bytes) -> Callable[[list[tuple[int, bytes, bytes]]], None]:
    # The AC table the scan uses gets the canary as its first symbols (letters repeat: impossible).
    def change(segs: list[tuple[int, bytes, bytes]]) -> None:
        i = next(k for k, s in enumerate(segs) if s[0] == 0xC4 and s[1][0] == 0x10)
        m, p, e = segs[i]
        segs[i] = (m, p[:17] + canary + p[17 + len(canary):], e)

    return change


def _icc_appended(canary: bytes) -> bytes:
    return _jpeg_with(lambda segs: None, icc_profile=_srgb() + canary)


def _icc_hidden(canary: bytes) -> bytes:
    # The canary sits inside the declared size but outside every tag.
    profile = bytearray(_srgb() + canary)
    profile[0:4] = struct.pack(">I", len(profile))
    return _jpeg_with(lambda segs: None, icc_profile=bytes(profile))


def _adobe(canary: bytes) -> Callable[[list[tuple[int, bytes, bytes]]], None]:
    return _insert(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01" + canary, before=0xDB)


JPEG_CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "jpeg-dnl": (lambda c: _jpeg_with(_append(0xDC, b"\x00\x18" + c)), CLEANED),
    "jpeg-dac": (lambda c: _jpeg_with(_insert(0xCC, c, before=0xDA)), CLEANED),
    "jpeg-dhp": (lambda c: _jpeg_with(_insert(0xDE, c, before=0xDB)), CLEANED),
    "jpeg-exp": (lambda c: _jpeg_with(_append(0xDF, b"\x11" + c)), CLEANED),
    "jpeg-sof-padding": (lambda c: _jpeg_with(_pad(0xC0, c)), CLEANED),
    "jpeg-dqt-extra": (lambda c: _jpeg_with(_pad(0xDB, c)), CLEANED),
    "jpeg-dht-extra": (lambda c: _jpeg_with(_pad(0xC4, c)), CLEANED),
    "jpeg-sos-extra": (lambda c: _jpeg_with(_pad(0xDA, c)), CLEANED),
    "jpeg-dri-extra": (lambda c: _jpeg_with(_insert(0xDD, b"\x00\x00" + c, before=0xDA)), CLEANED),
    "jpeg-unused-table": (lambda c: _jpeg_with(_unused_dht(c)), CLEANED),
    "jpeg-text-in-used-table": (lambda c: _jpeg_with(_text_in_used_table(c)), WITHHELD),
    "jpeg-icc-appended": (_icc_appended, CLEANED),
    "jpeg-icc-hidden": (_icc_hidden, CLEANED),
    "jpeg-adobe-extra": (lambda c: _jpeg_with(_adobe(c)), CLEANED),
}


# --- PNG ----------------------------------------------------------------------------------------------


def _png(change: Callable[[list[tuple[bytes, bytes]]], None], image: Image.Image | None = None,
         **save: object) -> bytes:
    chunks = pfx.png_chunks(pfx.plain_png(image or pfx.pattern_image("RGB"), **save))
    change(chunks)
    return pfx.png_from(chunks)


def _before_idat(ctype: bytes, payload: bytes) -> Callable[[list[tuple[bytes, bytes]]], None]:
    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        i = next(k for k, c in enumerate(chunks) if c[0] == b"IDAT")
        chunks.insert(i, (ctype, payload))

    return change


def _after_idat(ctype: bytes, payload: bytes) -> Callable[[list[tuple[bytes, bytes]]], None]:
    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        i = max(k for k, c in enumerate(chunks) if c[0] == b"IDAT")
        chunks.insert(i + 1, (ctype, payload))

    return change


def _idat_tail(canary: bytes) -> Callable[[list[tuple[bytes, bytes]]], None]:
    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        i = max(k for k, c in enumerate(chunks) if c[0] == b"IDAT")
        chunks[i] = (b"IDAT", chunks[i][1] + canary)

    return change


def _idat_extra_rows(canary: bytes) -> Callable[[list[tuple[bytes, bytes]]], None]:
    # The zlib stream inflates to the image's scanlines followed by the canary.
    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        raw = b"".join(c[1] for c in chunks if c[0] == b"IDAT")
        stream = zlib.compress(zlib.decompress(raw) + canary, 0)  # stored: the canary shows as is
        chunks[:] = [c for c in chunks if c[0] != b"IDAT"]
        chunks.insert(len(chunks) - 1, (b"IDAT", stream))

    return change


def _two_trns(canary: bytes) -> bytes:
    image = pfx.pattern_image("RGB").convert("P")
    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        _before_idat(b"tRNS", b"\xff\x80")(chunks)
        _before_idat(b"tRNS", canary)(chunks)

    return _png(change, image)


def _iccp(profile_tail: bytes, stream_tail: bytes) -> bytes:
    payload = b"icc\x00\x00" + zlib.compress(_srgb() + profile_tail, 0) + stream_tail
    return _png(_before_idat(b"iCCP", payload))


def _fdat(canary: bytes) -> bytes:
    return _png(_after_idat(b"fdAT", b"\x00\x00\x00\x00" + zlib.compress(canary, 0)))


PNG_CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "png-idat-after-zlib": (lambda c: _png(_idat_tail(c)), CLEANED),
    "png-idat-extra-rows": (lambda c: _png(_idat_extra_rows(c)), WITHHELD),
    "png-second-trns": (_two_trns, CLEANED),
    "png-long-srgb": (lambda c: _png(_before_idat(b"sRGB", b"\x00" + c)), CLEANED),
    "png-long-gama": (lambda c: _png(_before_idat(b"gAMA", struct.pack(">I", 45455) + c)), CLEANED),
    "png-long-chrm": (lambda c: _png(_before_idat(b"cHRM", bytes(32) + c)), CLEANED),
    "png-long-phys": (lambda c: _png(_before_idat(b"pHYs", struct.pack(">IIB", 2835, 2835, 1) + c)),
                      CLEANED),
    "png-fdat-without-actl": (_fdat, CLEANED),
    "png-iccp-after-stream": (lambda c: _iccp(b"", c), CLEANED),
    "png-iccp-appended": (lambda c: _iccp(c, b""), CLEANED),
}


# --- WebP ---------------------------------------------------------------------------------------------


def _translucent() -> Image.Image:
    image = pfx.pattern_image("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    return image


def _webp(change: Callable[[list[tuple[bytes, bytes]]], None], image: Image.Image | None = None,
          **save: object) -> bytes:
    chunks = pfx.webp_chunks(pfx.plain_webp(image or _translucent(), **save))
    change(chunks)
    return pfx.webp_from(chunks)


def _second_alph(canary: bytes) -> bytes:
    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        assert [c[0] for c in chunks] == [b"VP8X", b"ALPH", b"VP8 "]
        chunks.append((b"ALPH", b"\x00" + canary))

    return _webp(change, quality=80)


def _anim_extra(canary: bytes) -> bytes:
    chunks = pfx.webp_chunks(pfx.animated_webp())
    i = next(k for k, c in enumerate(chunks) if c[0] == b"ANIM")
    chunks[i] = (b"ANIM", chunks[i][1] + canary)
    return pfx.webp_from(chunks)


def _webp_icc(canary: bytes) -> bytes:
    return _webp(lambda ch: None, quality=80, icc_profile=_srgb() + canary)


def _second_image(canary: bytes) -> bytes:
    other = pfx.webp_chunks(pfx.plain_webp(pfx.pattern_image("RGB"), lossless=True))
    vp8l = next(c for c in other if c[0] == b"VP8L")

    def change(chunks: list[tuple[bytes, bytes]]) -> None:
        chunks.append((b"VP8L", vp8l[1] + canary))

    return _webp(change, quality=80)


WEBP_CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "webp-second-alph": (_second_alph, CLEANED),
    "webp-second-image": (_second_image, CLEANED),
    "webp-anim-extra": (_anim_extra, CLEANED),
    "webp-icc-appended": (_webp_icc, CLEANED),
}


# --- TIFF ---------------------------------------------------------------------------------------------


def _tiff(entries: list[tuple[int, int, int, bytes]], strip: bytes, width: int, height: int,
          strip_at: int | None = None) -> bytes:
    """A little-endian one-strip TIFF: entries are (tag, type, count, value bytes); values longer than
    four bytes are stored after the directory. ``strip_at`` places the strip at a chosen offset."""
    entries = sorted([*entries, (273, 4, 1, b""), (279, 4, 1, struct.pack("<I", len(strip)))])
    ifd_size = 2 + 12 * len(entries) + 4
    body = bytearray()
    values_at = 8 + ifd_size
    table = bytearray(struct.pack("<H", len(entries)))
    strip_offset = 0
    for tag, typ, count, value in entries:
        if tag == 273:
            table += struct.pack("<HHI", tag, typ, count)
            strip_offset = len(table)
            table += b"\0\0\0\0"
            continue
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack("<HHII", tag, typ, count, values_at + len(body))
            body += value + b"\0" * (len(value) & 1)
    table += b"\0\0\0\0"
    out = bytearray(b"II*\0" + struct.pack("<I", 8) + table + body)
    at = len(out) if strip_at is None else strip_at
    if strip_at is None:
        out += strip
    struct.pack_into("<I", out, 8 + strip_offset, at)
    return bytes(out)


def _short(*v: int) -> bytes:
    return struct.pack(f"<{len(v)}H", *v)


def _rgb_tags(width: int, height: int) -> list[tuple[int, int, int, bytes]]:
    return [(256, 3, 1, _short(width)), (257, 3, 1, _short(height)),
            (258, 3, 3, _short(8, 8, 8) + b"\0\0"), (259, 3, 1, _short(1)), (262, 3, 1, _short(2)),
            (277, 3, 1, _short(3)), (278, 3, 1, _short(height))]


def _colormap_on_rgb(canary: bytes) -> bytes:
    values = (canary * 200)[: 3 * 256 * 2]
    return _tiff([*_rgb_tags(4, 4), (320, 3, 3 * 256, values)], bytes(range(48)), 4, 4)


def _refblack_on_grey(canary: bytes) -> bytes:
    tags = [(256, 3, 1, _short(4)), (257, 3, 1, _short(4)), (258, 3, 1, _short(8)), (259, 3, 1, _short(1)),
            (262, 3, 1, _short(1)), (277, 3, 1, _short(1)), (278, 3, 1, _short(4)),
            (532, 5, 6, canary.ljust(48, b"!")[:48])]
    return _tiff(tags, bytes(range(16)), 4, 4)


def _strip_over_tag(canary: bytes) -> bytes:
    # ImageDescription's value lies inside the strip: the strip carries the canary with it.
    text = canary + b"\0"
    built = _tiff([*_rgb_tags(4, 4), (270, 2, len(text), text)], b"", 4, 4, strip_at=0)
    desc_at = built.index(canary)
    pixels = bytearray(built[desc_at:].ljust(48, b"\x80")[:48])
    data = bytearray(built) + bytes(48)
    struct.pack_into("<I", data, data.index(struct.pack("<HHI", 273, 4, 1)) + 8, desc_at)
    struct.pack_into("<I", data, data.index(struct.pack("<HHI", 279, 4, 1)) + 8, 48)
    data[desc_at: desc_at + 48] = pixels
    return bytes(data)


def _strip_tail(canary: bytes) -> bytes:
    # The strip's byte count covers its 4×4 RGB rows and then the canary, which no reader looks at.
    return _tiff(_rgb_tags(4, 4), bytes(range(48)) + canary, 4, 4)


TIFF_CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "tiff-strip-tail": (_strip_tail, CLEANED),
    "tiff-colormap-on-rgb": (_colormap_on_rgb, CLEANED),
    "tiff-refblack-on-grey": (_refblack_on_grey, CLEANED),
    "tiff-strip-over-tag": (_strip_over_tag, WITHHELD),
}

CASES = {**JPEG_CASES, **PNG_CASES, **WEBP_CASES, **TIFF_CASES}
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif"}


@pytest.mark.parametrize("policy", ["minimal", "no-location"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_crafted_file_leaves_nothing_behind(tmp_path: Path, name: str, policy: str) -> None:
    """`no-location` keeps technical data (pHYs, colour profiles), so structure that only looks
    technical is checked under it too."""
    build, expected = CASES[name]
    canary = _canary(name)
    data = build(canary)
    assert canary in data, "the fixture really carries its canary"
    source = tmp_path / f"crafted{EXTENSIONS[name.split('-')[0]]}"
    source.write_bytes(data)
    outcome = process_file(source, load_policy(policy))
    if expected == WITHHELD:
        assert outcome.reason, "the file must be withheld"
        assert "\n" not in outcome.reason and outcome.reason.strip() == outcome.reason
        assert not outcome.data or canary not in outcome.data
        return
    assert not outcome.reason, outcome.reason
    assert canary not in outcome.data
    assert canary[:12] not in outcome.data  # not even a piece of it
    cleaned = tmp_path / f"cleaned{outcome.extension}"
    cleaned.write_bytes(outcome.data)
    with Image.open(cleaned) as img:
        img.load()  # the clean file still decodes
    if shutil.which("exiftool"):
        found = subprocess.run(["exiftool", "-a", "-u", "-G1", "-j", "-b", str(cleaned)],
                               capture_output=True, check=True).stdout
        assert canary.decode() not in json.dumps(json.loads(found))


def test_png_zlib_tail_is_trimmed_and_the_pixels_stay(tmp_path: Path) -> None:
    """The bytes after the zlib stream go; the stream itself and so every pixel stays."""
    data = _png(_idat_tail(b"CANARY-TAIL"))
    source = tmp_path / "a.png"
    source.write_bytes(data)
    outcome = process_file(source, load_policy("minimal"))
    assert not outcome.reason
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(outcome.data)) as b:
        assert a.tobytes() == b.tobytes()


def test_png_interlaced_image_is_accepted_exactly(tmp_path: Path) -> None:
    """Adam7 scanline sizes are computed per pass: a hand-built interlaced PNG exports as it is."""
    width, height = 13, 7
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2))
    raw = b""
    for x0, y0, dx, dy in passes:
        pw, ph = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if pw and ph:
            raw += (b"\0" + bytes(range(3 * pw))) * ph
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    data = pfx.png_from([(b"IHDR", ihdr), (b"IDAT", zlib.compress(raw)), (b"IEND", b"")])
    with Image.open(io.BytesIO(data)) as img:
        img.load()
    source = tmp_path / "i.png"
    source.write_bytes(data)
    outcome = process_file(source, load_policy("minimal"))
    assert not outcome.reason
    assert outcome.data == data
