# SPDX-License-Identifier: GPL-3.0-or-later
"""What leaves of an ICC colour profile: its colours, never the text that says whose screen or printer
it came from.

Real profiles name the owner's monitor ("DELL U2515H"), laptop ("Color LCD"), printer and paper, the
company that wrote them, when they were made, and carry an ID unique to the file. ``profile_items``
itemises that text under ``device`` (keys ``icc:<field>``, the same in every format), beside one
``technical`` item for the profile itself whose value names only its colorimetry ("Display P3",
"RGB display profile") so it is the same before and after cleaning.

When the profile leaves but its text does not (every policy that removes ``device``), ``exported``
gives what is written instead:
- a well-known colour space, recognised by its primaries and tone curves (never by its name), becomes
  the project's own neutral copy of it (resources/icc/, built by resources/icc/build_profiles.py);
- any other profile is rewritten with only the tags colour management reads (white point, primaries,
  tone curves, LUTs, chromatic adaptation), each checked for its type, the identifying header fields
  zeroed and a neutral description and copyright.
The result must open in littleCMS, or the photo is withheld (``ProfileNotNeutral``).
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from functools import cache, lru_cache

from core.metadata.icc import icc_problem, tag_text, tags
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from core.resources import resource_path

NEUTRAL_COPYRIGHT = "No copyright, use freely"
# Every key of a profile's text items starts with this; the profile's own item has its format's key.
TEXT_KEY = "icc:"

D50 = (0.9642, 1.0, 0.8249)


@dataclass(frozen=True, slots=True)
class Space:
    """A well-known RGB colour space: CIE xy primaries and white, and its tone curve as an ICC
    parametric curve (function type, parameters)."""

    name: str
    file: str
    red: tuple[float, float]
    green: tuple[float, float]
    blue: tuple[float, float]
    white: tuple[float, float]
    curve: tuple[int, tuple[float, ...]]


_D65 = (0.3127, 0.3290)
_SRGB_CURVE = (3, (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
SPACES: tuple[Space, ...] = (
    Space("sRGB", "srgb.icc", (0.64, 0.33), (0.30, 0.60), (0.15, 0.06), _D65, _SRGB_CURVE),
    Space("Display P3", "display-p3.icc", (0.680, 0.320), (0.265, 0.690), (0.150, 0.060), _D65, _SRGB_CURVE),
    Space("Adobe RGB (1998)", "adobe-rgb-1998.icc", (0.64, 0.33), (0.21, 0.71), (0.15, 0.06), _D65,
          (0, (563 / 256,))),
    Space("ProPhoto RGB", "prophoto-rgb.icc", (0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001),
          (0.3457, 0.3585), (0, (1.8,))),
    Space("Rec. 2020", "rec2020.icc", (0.708, 0.292), (0.170, 0.797), (0.131, 0.046), _D65,
          (3, (1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081))),
    Space("DCI-P3", "dci-p3.icc", (0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.314, 0.351),
          (0, (2.6,))),
)

# Colorants (D50-adapted XYZ) and tone curves within these of a space's are that space: ICC numbers are
# rounded to 1/65536 and makers round primaries and adaptation differently, by far less than this.
COLORANT_TOLERANCE = 0.003
CURVE_TOLERANCE = 0.004  # about one 8-bit level

# Tags colour management needs, and the tag types each may have: anything else is dropped.
_XYZ = {b"XYZ "}
_CURVE = {b"curv", b"para"}
_LUT_A2B = {b"mft1", b"mft2", b"mAB "}
_LUT_B2A = {b"mft1", b"mft2", b"mBA "}
COLOUR_TAGS: dict[bytes, set[bytes]] = {
    b"wtpt": _XYZ, b"bkpt": _XYZ, b"rXYZ": _XYZ, b"gXYZ": _XYZ, b"bXYZ": _XYZ,
    b"rTRC": _CURVE, b"gTRC": _CURVE, b"bTRC": _CURVE, b"kTRC": _CURVE,
    b"A2B0": _LUT_A2B, b"A2B1": _LUT_A2B, b"A2B2": _LUT_A2B,
    b"B2A0": _LUT_B2A, b"B2A1": _LUT_B2A, b"B2A2": _LUT_B2A,
    b"gamt": _LUT_B2A, b"chad": {b"sf32"}, b"chrm": {b"chrm"}, b"cicp": {b"cicp"},
    # v4.3 floating-point transforms, which littleCMS prefers to the LUTs when present.
    **{bytes(f"{kind}{i}", "ascii"): {b"mpet"} for kind in ("D2B", "B2D") for i in range(4)},
}

# Header fields that say who made the profile, for which device, and when: (offset, length, key, name).
HEADER_FIELDS = (
    (4, 4, "cmm", "ICC preferred colour management module"),
    (24, 12, "date", "ICC profile creation date"),
    (40, 4, "platform", "ICC primary platform"),
    (48, 4, "manufacturer", "ICC device manufacturer"),
    (52, 4, "model", "ICC device model"),
    (80, 4, "creator", "ICC profile creator"),
    (84, 16, "id", "ICC profile ID"),
)
TEXT_TAGS = {
    b"desc": "ICC profile description",
    b"cprt": "ICC profile copyright",
    b"dmnd": "ICC device manufacturer description",
    b"dmdd": "ICC device model description",
    b"vued": "ICC viewing conditions description",
}

_CLASSES = {b"scnr": "input", b"mntr": "display", b"prtr": "output", b"link": "device link",
            b"spac": "colour space", b"abst": "abstract", b"nmcl": "named colour"}
_SPACE_WORDS = {b"RGB ": "RGB", b"GRAY": "grey", b"CMYK": "CMYK", b"Lab ": "Lab", b"XYZ ": "XYZ",
                b"YCbr": "YCbCr", b"CMY ": "CMY", b"HSV ": "HSV", b"HLS ": "HLS", b"Luv ": "Luv"}


# --- colorimetry ---------------------------------------------------------------------------------------


Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]
Vector = tuple[float, float, float]


def _mul(m: Matrix, v: Vector) -> Vector:
    return (m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
            m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
            m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2])


def _matmul(a: Matrix, b: Matrix) -> Matrix:
    cols = [_mul(a, (b[0][j], b[1][j], b[2][j])) for j in range(3)]
    return ((cols[0][0], cols[1][0], cols[2][0]), (cols[0][1], cols[1][1], cols[2][1]),
            (cols[0][2], cols[1][2], cols[2][2]))


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
            ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
            ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det))


def _xyz(xy: tuple[float, float]) -> Vector:
    x, y = xy
    return (x / y, 1.0, (1 - x - y) / y)


_BRADFORD: Matrix = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))


def adaptation(white: Vector) -> Matrix:
    """Bradford chromatic adaptation from ``white`` to the ICC's D50 (the 'chad' tag)."""
    src, dst = _mul(_BRADFORD, white), _mul(_BRADFORD, D50)
    scale: Matrix = ((dst[0] / src[0], 0.0, 0.0), (0.0, dst[1] / src[1], 0.0), (0.0, 0.0, dst[2] / src[2]))
    return _matmul(_inverse(_BRADFORD), _matmul(scale, _BRADFORD))


@cache
def colorants(space: Space) -> tuple[Vector, Vector, Vector]:
    """The D50-adapted XYZ of the red, green and blue primaries at full intensity (rXYZ, gXYZ, bXYZ)."""
    prim = [_xyz(space.red), _xyz(space.green), _xyz(space.blue)]
    white = _xyz(space.white)
    m: Matrix = tuple(tuple(p[r] for p in prim) for r in range(3))  # type: ignore[assignment]
    s = _mul(_inverse(m), white)
    chad = adaptation(white)
    out = [_mul(chad, (prim[k][0] * s[k], prim[k][1] * s[k], prim[k][2] * s[k])) for k in range(3)]
    return out[0], out[1], out[2]


def parametric(kind: int, p: tuple[float, ...], x: float) -> float:
    """An ICC parametric curve (types 0-4) at ``x`` (ValueError where it has no real value)."""
    if kind == 0:
        return math.pow(x, p[0])
    g, a, b = p[0], p[1], p[2]
    if kind == 1:
        return math.pow(a * x + b, g) if x >= -b / a else 0.0
    if kind == 2:
        return math.pow(a * x + b, g) + p[3] if x >= -b / a else p[3]
    if kind == 3:
        return math.pow(a * x + b, g) if x >= p[4] else p[3] * x
    return math.pow(a * x + b, g) + p[5] if x >= p[4] else p[3] * x + p[6]


_PARA_COUNTS = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}


def curve_at(tag: bytes, x: float) -> float | None:
    """A 'curv' or 'para' tag at ``x`` in 0..1; None when the tag is neither or is malformed."""
    try:
        if tag[:4] == b"curv":
            n = int(struct.unpack_from(">I", tag, 8)[0])
            if n == 0:
                return x
            if n == 1:
                return math.pow(x, struct.unpack_from(">H", tag, 12)[0] / 256)
            table: tuple[int, ...] = struct.unpack_from(f">{n}H", tag, 12)
            at = x * (n - 1)
            lo = min(int(at), n - 2)
            return (table[lo] + (table[lo + 1] - table[lo]) * (at - lo)) / 65535
        if tag[:4] == b"para":
            (kind,) = struct.unpack_from(">H", tag, 8)
            if kind not in _PARA_COUNTS:
                return None
            params = tuple(v / 65536 for v in struct.unpack_from(f">{_PARA_COUNTS[kind]}i", tag, 12))
            value = parametric(kind, params, x)
            return value if math.isfinite(value) else None
    except (struct.error, ZeroDivisionError, OverflowError, ValueError):
        return None
    return None


def _read_xyz(tag: bytes | None) -> Vector | None:
    if tag is None or len(tag) < 20 or tag[:4] != b"XYZ ":
        return None
    x, y, z = struct.unpack_from(">3i", tag, 8)
    return (x / 65536, y / 65536, z / 65536)


def standard_space(profile: bytes) -> Space | None:
    """The well-known space whose colorimetry the profile has (an RGB matrix/TRC profile without
    LUTs, which would take precedence over the matrix), judged by numbers alone."""
    if profile[16:20] != b"RGB " or profile[20:24] != b"XYZ ":
        return None
    found = tags(profile)
    if any(sig[:3] in (b"A2B", b"B2A", b"D2B", b"B2D") for sig in found):
        return None
    measured = [_read_xyz(found.get(sig)) for sig in (b"rXYZ", b"gXYZ", b"bXYZ")]
    curves = [found.get(sig) for sig in (b"rTRC", b"gTRC", b"bTRC")]
    if any(m is None for m in measured) or any(c is None for c in curves):
        return None
    xs = [i / 16 for i in range(1, 17)]
    for space in SPACES:
        if any(abs(m[k] - ref[k]) > COLORANT_TOLERANCE  # type: ignore[index]
               for m, ref in zip(measured, colorants(space), strict=True) for k in range(3)):
            continue
        kind, params = space.curve
        ok = True
        for curve in curves:
            for x in xs:
                value = curve_at(curve, x)  # type: ignore[arg-type]
                if value is None or abs(value - parametric(kind, params, x)) > CURVE_TOLERANCE:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            return space
    return None


def profile_name(profile: bytes) -> str:
    """What the profile is, from its numbers and header only: "Display P3", or "CMYK output profile"."""
    space = standard_space(profile)
    if space is not None:
        return space.name
    words = _SPACE_WORDS.get(profile[16:20], "colour")
    kind = _CLASSES.get(profile[12:16], "")
    return f"{words} {kind} profile" if kind else f"{words} profile"


# --- writing -------------------------------------------------------------------------------------------


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def mluc(text: str) -> bytes:
    """A v4 multi-localised text tag with one en-US record."""
    body = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(body), 28) + body


def _v2_desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    # ASCII, then an empty Unicode and an empty ScriptCode record (67 bytes of zeros).
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text + bytes(8 + 3 + 67)


def neutral_texts(profile: bytes) -> dict[bytes, bytes]:
    """The description and copyright this module writes for ``profile``, in its ICC version's types
    (v2 has no 'mluc'): text equal to these identifies nothing."""
    name = profile_name(profile)
    if profile[8] >= 4:
        return {b"desc": mluc(name), b"cprt": mluc(NEUTRAL_COPYRIGHT)}
    return {b"desc": _v2_desc(name), b"cprt": b"text\0\0\0\0" + NEUTRAL_COPYRIGHT.encode("ascii") + b"\0"}


def xyz_tag(v: Vector) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)


def assemble(header: bytes, entries: list[tuple[bytes, bytes]]) -> bytes:
    """A profile from a 128-byte header and (signature, tag bytes) in order; tags with equal bytes
    share one copy (as the three TRCs of a neutral profile do), each on a 4-byte boundary, zero padded."""
    table_end = 132 + 12 * len(entries)
    body = bytearray()
    placed: dict[bytes, int] = {}
    table = bytearray(struct.pack(">I", len(entries)))
    for sig, data in entries:
        if data not in placed:
            placed[data] = table_end + len(body)
            body += data + b"\0" * (-len(data) % 4)
        table += struct.pack(">4sII", sig, placed[data], len(data))
    out = bytearray(header[:128]) + table + body
    out[0:4] = struct.pack(">I", len(out))
    return bytes(out)


def _neutral_header(source: bytes | None = None) -> bytearray:
    """A v4.3 display RGB header, or ``source``'s header with every identifying field zeroed."""
    if source is not None:
        header = bytearray(source[:128])
    else:
        header = bytearray(128)
        header[8:12] = bytes((4, 0x30, 0, 0))
        header[12:24] = b"mntrRGB XYZ "
        header[68:80] = b"".join(_s15(c) for c in D50)
    header[36:40] = b"acsp"
    for offset, length, _key, _name in HEADER_FIELDS:
        header[offset : offset + length] = bytes(length)
    header[100:128] = bytes(28)  # reserved: must be zero, so it can hold nothing
    return header


def build_standard(space: Space) -> bytes:
    """The project's neutral profile of ``space`` (what resources/icc/ holds)."""
    chad = adaptation(_xyz(space.white))
    curve_kind, params = space.curve
    curve = b"para\0\0\0\0" + struct.pack(">HH", curve_kind, 0) + b"".join(_s15(p) for p in params)
    red, green, blue = colorants(space)
    entries = [
        (b"desc", mluc(space.name)),
        (b"cprt", mluc(NEUTRAL_COPYRIGHT)),
        (b"wtpt", xyz_tag(D50)),
        (b"chad", b"sf32\0\0\0\0" + b"".join(_s15(v) for row in chad for v in row)),
        (b"rXYZ", xyz_tag(red)), (b"gXYZ", xyz_tag(green)), (b"bXYZ", xyz_tag(blue)),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
    ]
    return assemble(bytes(_neutral_header()), entries)


@cache
def neutral_copy(name: str) -> bytes:
    """The shipped neutral profile of the space called ``name``."""
    space = next(s for s in SPACES if s.name == name)
    return resource_path(f"resources/icc/{space.file}").read_bytes()


def rewritten(profile: bytes) -> bytes:
    """``profile`` with only the tags colour management needs (of the types they may have), the
    identifying header fields zeroed, and a neutral description and copyright."""
    found = tags(profile)
    entries = list(neutral_texts(profile).items())
    entries += [(sig, data) for sig, data in found.items()
                if sig in COLOUR_TAGS and data[:4] in COLOUR_TAGS[sig]]
    return assemble(bytes(_neutral_header(profile)), entries)


@lru_cache(maxsize=64)  # the neutral copies, checked once; a rewritten profile is new each time
def opens(profile: bytes) -> bool:
    """Whether littleCMS accepts the profile and can convert through it."""
    from PIL import ImageCms

    try:
        opened = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        ImageCms.buildTransform(opened, ImageCms.createProfile("LAB"), _pil_mode(profile), "LAB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
    return True


def _pil_mode(profile: bytes) -> str:
    return {b"GRAY": "L", b"CMYK": "CMYK"}.get(profile[16:20], "RGB")


def neutral(profile: bytes) -> bytes | None:
    """What leaves when the profile's text may not: the neutral copy of its standard space, else the
    rewritten profile; None when the result does not open in littleCMS."""
    space = standard_space(profile)
    out = neutral_copy(space.name) if space is not None else rewritten(profile)
    return out if not icc_problem(out) and opens(out) else None


class ProfileNotNeutral(ParseError):
    """The profile should leave without its text, and no usable profile remains without it."""


def exported(profile: bytes, leaving: frozenset[str]) -> bytes:
    """The profile to write when it leaves: as it is when all its text items leave too (``original``,
    ``no-location``), else ``neutral``. Raises ProfileNotNeutral when that cannot be made: the photo is
    withheld rather than sent without the colours it promised or with the text it must not carry."""
    text_keys = [item.key for item in text_items(profile, "")]
    if all(key in leaving for key in text_keys):
        return profile
    out = neutral(profile)
    if out is None:
        raise ProfileNotNeutral("its colour profile cannot be kept without the text that names the device "
                                "it was made for, and colour management cannot use what remains")
    return out


# --- the inventory ----------------------------------------------------------------------------------


def _header_value(key: str, raw: bytes) -> str:
    if key == "date":
        y, mo, d, h, mi, s = struct.unpack(">6H", raw)
        return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"
    if key == "id":
        return raw.hex()
    text = raw.decode("latin-1")
    return text.strip() if text.isprintable() and text.strip() else raw.hex()


def text_items(profile: bytes, where: str) -> list[Item]:
    """The profile's identifying text, as ``device`` items: header fields that are set, text tags
    other than the neutral ones this module writes, and any other tag colour management does not read."""
    items: list[Item] = []
    for offset, length, key, name in HEADER_FIELDS:
        raw = profile[offset : offset + length]
        if any(raw):
            items.append(Item(Category.DEVICE, name, _header_value(key, raw), where, length, TEXT_KEY + key))
    found = tags(profile)
    neutral_text = neutral_texts(profile)
    for sig, name in TEXT_TAGS.items():
        tag = found.get(sig)
        if tag is None or tag == neutral_text.get(sig):
            continue
        text = tag_text(tag) or f"{len(tag):,} bytes"
        text = text if len(text) <= 200 else f"{text[:100]}… ({len(text):,} characters)"
        items.append(Item(Category.DEVICE, name, text, where, len(tag), TEXT_KEY + sig.decode("latin-1")))
    other = [sig for sig, data in found.items()
             if sig not in TEXT_TAGS and not (sig in COLOUR_TAGS and data[:4] in COLOUR_TAGS[sig])]
    if other:
        names = ", ".join(sig.decode("latin-1", "replace").strip() or sig.hex() for sig in other)
        excerpt = "; ".join(t for sig in other if (t := tag_text(found[sig])))
        value = f"{names}{': ' + excerpt if excerpt else ''}"
        value = value if len(value) <= 200 else f"{value[:100]}… ({len(value):,} characters)"
        items.append(Item(Category.DEVICE, "ICC tags colour management does not need", value, where,
                          sum(len(found[s]) for s in other), TEXT_KEY + "other"))
    return items


PROFILE_NAME = "ICC colour profile"


def is_profile_item(item: Item) -> bool:
    return item.need is Need.DISPLAY and item.name == PROFILE_NAME


def profile_items(profile: bytes, key: str, where: str, size: int) -> list[Item]:
    """The profile itself (``technical``, needed for display, named by its colorimetry) and its
    identifying text (``device``), for a profile ``icc_problem`` accepts."""
    main = Item(Category.TECHNICAL, PROFILE_NAME, profile_name(profile), where, size, key,
                need=Need.DISPLAY)
    return [main, *text_items(profile, where)]


def text_removed(leaves: list[Item], stays: list[Item]) -> bool:
    """Whether a profile leaves while some of its text stays (what the preview says of it)."""
    return any(is_profile_item(i) for i in leaves) and any(
        i.key.startswith(TEXT_KEY) for i in stays)
