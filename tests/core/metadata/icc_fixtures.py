# SPDX-License-Identifier: GPL-3.0-or-later
"""Colour profiles that identify their owner, written byte by byte here (not by the code under test),
and the colour check: a fixed chart converted to Lab through two profiles by littleCMS."""

from __future__ import annotations

import io
import math
import struct

from PIL import Image, ImageCms

MONITOR = "DELL U2515H"
MODEL_DESC = "DELL U2312HM Color Profile"
COPYRIGHT = "Copyright (c) 2022 Samsung Electronics"
MAKER = "Samsung Electronics"
PROFILE_ID = bytes(range(0xA1, 0xB1))
DATE = (2022, 5, 4, 13, 37, 42)
# Every byte string a planted profile carries that must not leave under `minimal`.
SECRETS = (MONITOR.encode(), MONITOR.encode("utf-16-be"), b"U2312HM", MODEL_DESC.encode("utf-16-be"),
           b"Samsung", "Samsung".encode("utf-16-be"), PROFILE_ID, struct.pack(">6H", *DATE), b"SMSG",
           b"U251", b"CANARY-VCGT-OWNER")


def s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def mluc(text: str) -> bytes:
    body = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(body), 28) + body


def desc_v2(text: str) -> bytes:
    ascii_text = text.encode() + b"\0"
    uni = text.encode("utf-16-be") + b"\0\0"
    return (b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text
            + struct.pack(">II", 0, len(uni) // 2) + uni + bytes(3 + 67))


def xyz(v: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(s15(c) for c in v)


def profile(tag_list: list[tuple[bytes, bytes]], *, version: int = 4, cls: bytes = b"mntr",
            planted: bool = True) -> bytes:
    """A profile from (signature, data) tags; ``planted`` sets maker, model, creator, date and ID."""
    header = bytearray(128)
    header[4:8] = b"appl" if planted else bytes(4)
    header[8] = version
    header[9] = 0x30 if version == 4 else 0x10
    header[12:24] = cls + b"RGB XYZ "
    if planted:
        header[24:36] = struct.pack(">6H", *DATE)
        header[40:44] = b"APPL"
        header[48:52] = b"SMSG"
        header[52:56] = b"U251"
        header[80:84] = b"appl"
        header[84:100] = PROFILE_ID
    header[36:40] = b"acsp"
    header[68:80] = s15(0.9642) + s15(1.0) + s15(0.8249)
    table_end = 132 + 12 * len(tag_list)
    body = b""
    table = struct.pack(">I", len(tag_list))
    for sig, data in tag_list:
        table += struct.pack(">4sII", sig, table_end + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    out = bytes(header) + table + body
    return struct.pack(">I", len(out)) + out[4:]


def _colorants(red: tuple[float, float], green: tuple[float, float], blue: tuple[float, float],
               white: tuple[float, float]) -> list[tuple[float, float, float]]:
    """D50-adapted colorants by Bradford, computed independently of the code under test."""
    def xyz_of(xy: tuple[float, float]) -> list[float]:
        return [xy[0] / xy[1], 1.0, (1 - xy[0] - xy[1]) / xy[1]]

    def solve(m: list[list[float]], v: list[float]) -> list[float]:
        det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
               - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
               + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
        out = []
        for k in range(3):
            mk = [row[:] for row in m]
            for r in range(3):
                mk[r][k] = v[r]
            out.append((mk[0][0] * (mk[1][1] * mk[2][2] - mk[1][2] * mk[2][1])
                        - mk[0][1] * (mk[1][0] * mk[2][2] - mk[1][2] * mk[2][0])
                        + mk[0][2] * (mk[1][0] * mk[2][1] - mk[1][1] * mk[2][0])) / det)
        return out

    prim = [xyz_of(red), xyz_of(green), xyz_of(blue)]
    w = xyz_of(white)
    m = [[prim[c][r] for c in range(3)] for r in range(3)]
    s = solve(m, w)
    brad = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]
    d50 = [0.9642, 1.0, 0.8249]
    src = [sum(brad[r][k] * w[k] for k in range(3)) for r in range(3)]
    dst = [sum(brad[r][k] * d50[k] for k in range(3)) for r in range(3)]
    result = []
    for c in range(3):
        col = [prim[c][r] * s[c] for r in range(3)]
        cone = [sum(brad[r][k] * col[k] for k in range(3)) * dst[r] / src[r] for r in range(3)]
        back = solve(brad, cone)
        result.append((back[0], back[1], back[2]))
    return result


SRGB_CURVE = b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(
    s15(v) for v in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))


def gamma_curve(g: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(g * 256)) + b"\0\0"


def display_p3_with_text() -> bytes:
    """Display P3 as a phone or a Mac writes it, but with the owner's monitor and maker planted."""
    r, g, b = _colorants((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.3127, 0.3290))
    return profile([
        (b"desc", mluc(MONITOR)), (b"cprt", mluc(COPYRIGHT)), (b"dmnd", mluc(MAKER)),
        (b"dmdd", mluc(MODEL_DESC)), (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(r)), (b"gXYZ", xyz(g)), (b"bXYZ", xyz(b)),
        (b"rTRC", SRGB_CURVE), (b"gTRC", SRGB_CURVE), (b"bTRC", SRGB_CURVE),
        (b"vcgt", b"vcgt\0\0\0\0CANARY-VCGT-OWNER\0\0\0"),
    ])


def monitor_profile_v2() -> bytes:
    """A measured monitor (primaries of no standard space, gamma 2.2), ICC v2, with identifying text."""
    r, g, b = _colorants((0.655, 0.335), (0.290, 0.615), (0.152, 0.058), (0.3135, 0.3290))
    curve = gamma_curve(2.2)
    return profile([
        (b"desc", desc_v2(MONITOR)), (b"cprt", b"text\0\0\0\0" + COPYRIGHT.encode() + b"\0"),
        (b"dmdd", desc_v2(MODEL_DESC)), (b"wtpt", xyz((0.9505, 1.0, 1.0891))),
        (b"rXYZ", xyz(r)), (b"gXYZ", xyz(g)), (b"bXYZ", xyz(b)),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
        (b"mmod", b"mmod\0\0\0\0" + b"CANARY-VCGT-OWNER" + bytes(23)),
    ], version=2)


def littlecms_srgb_with_text() -> bytes:
    """littleCMS's own sRGB (a real v4 profile with its curves and chad), its header fields planted and
    its description replaced by the monitor's name."""
    raw = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    raw[48:52], raw[52:56], raw[84:100] = b"SMSG", b"U251", PROFILE_ID
    raw[24:36] = struct.pack(">6H", *DATE)
    (count,) = struct.unpack_from(">I", raw, 128)
    tags = []
    for i in range(count):
        sig, off, size = struct.unpack_from(">4sII", raw, 132 + 12 * i)
        tags.append((sig, bytes(raw[off:off + size])))
    tags = [(s, mluc(MONITOR) if s == b"desc" else d) for s, d in tags]
    rebuilt = bytearray(profile(tags))
    rebuilt[4:128] = raw[4:128]
    return bytes(rebuilt)


# A fixed test chart: 24 colours spread over the RGB cube (primaries, secondaries, greys, skin tones,
# and the saturated and dark colours a matrix error shows first).
CHART = [(r, g, b) for r in (0, 96, 200, 255) for g in (0, 160) for b in (30, 255)] + [
    (255, 255, 255), (128, 128, 128), (194, 150, 130), (98, 122, 157), (87, 108, 67), (214, 126, 44),
    (80, 91, 166), (193, 90, 99)]


def lab_of_chart(icc: bytes) -> list[tuple[float, float, float]]:
    """The chart, read as RGB in ``icc``, converted to Lab (D50) by littleCMS (relative colorimetric)."""
    chart = Image.new("RGB", (len(CHART), 1))
    chart.putdata(CHART)
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    lab = ImageCms.createProfile("LAB", 5000)
    transform = ImageCms.buildTransform(src, lab, "RGB", "LAB",
                                        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    out = ImageCms.applyTransform(chart, transform)
    assert out is not None
    values = []
    for x in range(out.width):
        L, a, b = out.getpixel((x, 0))  # type: ignore[misc]
        values.append((L * 100 / 255, a - 128.0, b - 128.0))  # Pillow's 8-bit LAB encoding
    return values


def max_delta_e(a: bytes, b: bytes) -> float:
    """The largest CIE76 ΔE over the chart between two profiles."""
    return max(math.dist(x, y) for x, y in zip(lab_of_chart(a), lab_of_chart(b), strict=True))


def mean_delta_e(a: bytes, b: bytes) -> float:
    """The mean CIE76 ΔE over the chart between two profiles."""
    pairs = list(zip(lab_of_chart(a), lab_of_chart(b), strict=True))
    return sum(math.dist(x, y) for x, y in pairs) / len(pairs)
