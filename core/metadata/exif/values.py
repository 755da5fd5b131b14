# SPDX-License-Identifier: GPL-3.0-or-later
"""EXIF values: entry bytes as numbers and readable text, maker-note summaries, and the typed
meaning of a value (GPS position, capture time) used by the reader and the library."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from core.metadata.exif.tags import (
    _SCALAR_CODES,
    _TIME_TAGS,
    _VERSION_TAGS,
    _XP_TAGS,
    ORIENTATIONS,
    TAG_ORIENTATION,
    TYPE_SIZES,
    ExifEntry,
    ExifResult,
    base_ifd,
)
from core.metadata.vendor import opaque_value
from core.model.values import Coordinates, Datum, Moment, PersonName, SerialNumber

# --- values -----------------------------------------------------------------------------------------


def _numbers(entry: ExifEntry, bo: str) -> list[float | int | tuple[int, int]]:
    """Numeric values of an entry; rationals as (numerator, denominator)."""
    raw, typ = entry.raw, entry.type
    if typ in (5, 10):
        signed = "I" if typ == 5 else "i"
        n = len(raw) // 8
        vals = struct.unpack(f"{bo}{2 * n}{signed}", raw[: 8 * n])
        return [(vals[2 * k], vals[2 * k + 1]) for k in range(n)]
    code = _SCALAR_CODES.get(typ)
    if not code:
        return []
    unit = TYPE_SIZES[typ]
    n = len(raw) // unit
    return list(struct.unpack(f"{bo}{n}{code}", raw[: unit * n]))


def _num_text(v: float | int | tuple[int, int]) -> str:
    if isinstance(v, tuple):
        num, den = v
        if den == 0:
            return f"{num}/0"
        return _float_text(num / den)
    if isinstance(v, float):
        return _float_text(v)
    return str(v)


def _float_text(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _rational(v: float | int | tuple[int, int]) -> float | None:
    if isinstance(v, tuple):
        return v[0] / v[1] if v[1] else None
    return float(v)


def _ascii(raw: bytes) -> str:
    # Several NUL-separated strings are legal (TIFF 6.0); trailing NULs and padding are not content.
    parts = [p for p in raw.split(b"\x00") if p.strip()]
    out = []
    for p in parts:
        try:
            out.append(p.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(p.decode("latin-1"))
    return "; ".join(s.strip() for s in out)


def _user_comment(raw: bytes, bo: str) -> str:
    head, body = raw[:8], raw[8:]
    if head.startswith(b"UNICODE"):
        enc = "utf-16-le" if bo == "<" else "utf-16-be"
        # Many writers ignore the file byte order; a BOM or a NUL pattern tells.
        if body.startswith(b"\xff\xfe"):
            enc, body = "utf-16-le", body[2:]
        elif body.startswith(b"\xfe\xff"):
            enc, body = "utf-16-be", body[2:]
        text = body[: len(body) // 2 * 2].decode(enc, errors="replace")
    elif head.startswith(b"JIS"):
        text = body.decode("shift_jis", errors="replace")
    elif head.startswith(b"ASCII"):
        text = body.decode("latin-1")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    return text.replace("\x00", "").strip()


def _iso_datetime(text: str) -> str:
    """'2024:05:01 14:32:10' -> '2024-05-01T14:32:10'; anything else is returned as written."""
    t = text.strip()
    if len(t) >= 19 and t[4] == ":" and t[7] == ":" and t[10] in " T":
        return f"{t[0:4]}-{t[5:7]}-{t[8:10]}T{t[11:19]}{t[19:]}"
    if len(t) == 10 and t[4] == ":" and t[7] == ":":
        return f"{t[0:4]}-{t[5:7]}-{t[8:10]}"
    return t


def gps_degrees(entry: ExifEntry, bo: str, ref: str) -> float | None:
    """Signed decimal degrees of a GPSLatitude/GPSLongitude entry (three rationals), or None."""
    nums = [_rational(v) for v in _numbers(entry, bo)] if entry.type == 5 else []
    if len(nums) != 3:
        return None
    d, m, s = nums
    if d is None or m is None or s is None:
        return None
    value = d + m / 60 + s / 3600
    return -value if ref.upper().startswith(("S", "W")) else value


def _gps_coordinate(entry: ExifEntry, bo: str, ref: str) -> str:
    value = gps_degrees(entry, bo, ref)
    if value is None:
        return ", ".join(_num_text(v) for v in _numbers(entry, bo))
    return f"{value:.6f}"


_NUM = r"(\d+(?:\.\d+)?)"
_XMP_COORD = re.compile(rf"^\s*{_NUM}\s*,\s*{_NUM}(?:\s*,\s*{_NUM})?\s*([NSEW])\s*$")


def parse_coordinate(text: str) -> float | None:
    """Signed decimal degrees from "48.856600" (EXIF, signed) or "48,51.396N" / "48,51,23.8N" (XMP); also
    a number followed by its unit ("35 m", an altitude), but never one followed by a hemisphere letter."""
    head, _, rest = text.strip().partition(" ")
    try:
        number = float(head)
    except ValueError:
        number = None
    if number is not None and rest.strip().upper() not in ("N", "S", "E", "W"):
        return number
    m = _XMP_COORD.match(text.upper())
    if not m:
        return None
    value = float(m.group(1)) + float(m.group(2)) / 60 + (float(m.group(3)) / 3600 if m.group(3) else 0.0)
    return -value if m.group(4) in "SW" else value


def _gps_time(entry: ExifEntry, bo: str) -> str:
    nums = [_rational(v) for v in _numbers(entry, bo)]
    h, m, s = nums if len(nums) == 3 else (None, None, None)
    if h is None or m is None or s is None:
        return ", ".join(_num_text(v) for v in _numbers(entry, bo))
    whole = int(s)
    frac = _float_text(s - whole)[1:] if s != whole else ""
    return f"{int(h):02d}:{int(m):02d}:{whole:02d}{frac}"


def format_value(entry: ExifEntry, bo: str, siblings: dict[int, ExifEntry] | None = None) -> str:
    """A readable value; the same bytes always give the same text (keys and values survive a clean)."""
    kind = base_ifd(entry.ifd)
    tag, typ, raw = entry.tag, entry.type, entry.raw
    try:
        if kind == "GPS":
            if tag in (0x02, 0x04, 0x14, 0x16) and typ == 5:
                ref_entry = (siblings or {}).get(tag - 1)
                ref = _ascii(ref_entry.raw) if ref_entry and ref_entry.type == 2 else ""
                return _gps_coordinate(entry, bo, ref)
            if tag == 0x06 and typ == 5:
                alt = _numbers(entry, bo)
                ref_entry = (siblings or {}).get(0x05)
                below = bool(ref_entry and ref_entry.raw[:1] == b"\x01")
                text = _num_text(alt[0]) if alt else "?"
                return f"{'-' if below and text != '0' else ''}{text} m"
            if tag == 0x07 and typ == 5:
                return _gps_time(entry, bo)
            if tag == 0x1D and typ == 2:
                return _iso_datetime(_ascii(raw))
            if tag == 0x00 and typ == 1:
                return ".".join(str(b) for b in raw)
            if tag in (0x1B, 0x1C) and typ == 7:
                return _user_comment(raw, bo)
        elif kind not in ("Interop",):
            if tag == TAG_ORIENTATION:
                o = orientation_value(entry, bo)
                if o is not None:
                    return f"{o} ({ORIENTATIONS[o]})"
                # Anything else is shown for what it is (text, numbers), marked, and never carried.
                plain = format_value(ExifEntry(entry.ifd, -1, typ, entry.count, raw, entry.offset), bo)
                return f"{plain} (invalid)"
            if tag in _XP_TAGS and typ in (1, 7):
                text = raw[: len(raw) // 2 * 2].decode("utf-16-le", errors="replace")
                return text.replace("\x00", "").strip()
            if tag == 0x9286 and typ == 7:
                return _user_comment(raw, bo)
            if tag in _TIME_TAGS and typ == 2:
                return _iso_datetime(_ascii(raw))
            if tag in _VERSION_TAGS and typ == 7 and len(raw) == 4:
                return raw.decode("latin-1")
        elif tag == 0x0002 and typ == 7 and len(raw) == 4:
            return raw.decode("latin-1")
        if typ == 2:
            return _ascii(raw)
        if typ == 7 or (typ in (1, 6) and len(raw) > 16):
            # Opaque bytes (PrintIM, vendor blobs): what a person could read in them, as an excerpt.
            return opaque_value(f"{len(raw)} bytes", raw) if len(raw) > 16 else f"{len(raw)} bytes"
        nums = _numbers(entry, bo)
        if len(nums) > 8:
            return ", ".join(_num_text(v) for v in nums[:8]) + f", … ({len(nums)} values)"
        return ", ".join(_num_text(v) for v in nums)
    except (struct.error, ValueError, IndexError, ZeroDivisionError, OverflowError):
        return f"{len(raw)} bytes"


# --- helpers for the library ------------------------------------------------------------------------


def _entry(result: ExifResult, ifd: str, tag: int) -> ExifEntry | None:
    for e in result.entries:
        if e.ifd == ifd and e.tag == tag:
            return e
    return None


def gps_decimal(result: ExifResult) -> tuple[float, float] | None:
    """(latitude, longitude) in signed decimal degrees, or None without a usable position."""
    found = coordinates(result.entries, result.byte_order)
    if found is None or not (-90 <= found.latitude <= 90 and -180 <= found.longitude <= 180):
        return None
    return found.latitude, found.longitude


def capture_time(result: ExifResult) -> str | None:
    """When the photo was taken, ISO-8601 (with the UTC offset when EXIF records one)."""
    candidates = (("Exif", 0x9003, 0x9011), ("Exif", 0x9004, 0x9012), ("IFD0", 0x0132, 0x9010))
    for ifd, tag, offset_tag in candidates:
        e = _entry(result, ifd, tag)
        if e is None or e.type != 2:
            continue
        text = _iso_datetime(_ascii(e.raw))
        if len(text) < 19 or text[4] != "-" or text.startswith("0000"):
            continue
        off = _entry(result, "Exif", offset_tag)
        if off is not None and off.type == 2:
            tz = _ascii(off.raw)
            if len(tz) == 6 and tz[0] in "+-" and tz[3] == ":":
                text += tz
        return text
    return None


def orientation_value(entry: ExifEntry, bo: str) -> int | None:
    """The Orientation an entry states, only when it is one: a single SHORT from 1 to 8.

    Any other shape (text, a rational, several values) is not an orientation a reader can trust, and
    it could carry anything: it is never displayed as one nor written into a clean file."""
    if entry.tag != TAG_ORIENTATION or entry.type != 3 or entry.count != 1 or len(entry.raw) < 2:
        return None
    value = int.from_bytes(entry.raw[:2], "little" if bo == "<" else "big")
    return value if 1 <= value <= 8 else None


# --- typed data ---------------------------------------------------------------------------------------

TAG_OFFSETS = {0x0132: 0x9010, 0x9003: 0x9011, 0x9004: 0x9012}  # date-time tag -> its OffsetTime tag
SERIAL_TAGS = {0xA431: "body", 0xA435: "lens", 0xC62F: "body"}
PERSON_TAGS = {0x013B: "author", 0x9C9D: "author", 0xA430: "owner"}


def coordinates(entries: Iterable[ExifEntry], bo: str) -> Coordinates | None:
    """The GPS IFD's position (with altitude when given); None without both latitude and longitude.
    (0, 0) and a void fix (GPSStatus 'V') are kept, marked as not plausible."""
    by_tag = {e.tag: e for e in entries if e.ifd == "GPS"}

    def text(tag: int) -> str:
        e = by_tag.get(tag)
        return _ascii(e.raw) if e is not None and e.type == 2 else ""

    lat_e, lon_e = by_tag.get(0x02), by_tag.get(0x04)
    lat = gps_degrees(lat_e, bo, text(0x01)) if lat_e is not None else None
    lon = gps_degrees(lon_e, bo, text(0x03)) if lon_e is not None else None
    if lat is None or lon is None:
        return None
    altitude = None
    alt_e = by_tag.get(0x06)
    if alt_e is not None and alt_e.type == 5:
        nums = _numbers(alt_e, bo)
        value = _rational(nums[0]) if nums else None
        if value is not None:
            ref = by_tag.get(0x05)
            altitude = -value if ref is not None and ref.raw[:1] == b"\x01" else value
    return Coordinates(lat, lon, altitude, void=text(0x09).upper().startswith("V"))


def parse_moment(text: str, offset: str = "") -> Moment | None:
    """A date-time as EXIF ("2024:05:01 14:32:10") or ISO 8601 (XMP, with or without a zone) writes it;
    ``offset`` ("+02:00", EXIF OffsetTime*) makes it aware. None for dates without a time of day,
    blank ("0000:00:00 00:00:00") or impossible values."""
    t = _iso_datetime(text.strip())
    if len(t) < 16 or t.startswith("0000") or t[10] != "T":
        return None
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(t)
    except ValueError:
        return None
    zone = _zone(offset)
    if when.tzinfo is None and zone is not None:
        when = when.replace(tzinfo=zone)
    return Moment(when)


def _zone(offset: str) -> timezone | None:
    o = offset.strip()
    if len(o) != 6 or o[0] not in "+-" or o[3] != ":" or not (o[1:3] + o[4:]).isdigit():
        return None
    minutes = int(o[1:3]) * 60 + int(o[4:])
    if minutes >= 24 * 60:
        return None
    return timezone(timedelta(minutes=minutes if o[0] == "+" else -minutes))


def entry_datum(entry: ExifEntry, entries: Sequence[ExifEntry], bo: str, text: str) -> Datum | None:
    """What an entry's value means, typed, for the entries that have one (``text`` is its display;
    ``entries`` are all of the block's, for the GPS fields and OffsetTime tags that complete it)."""
    kind = base_ifd(entry.ifd)
    if kind == "GPS":
        return coordinates(entries, bo) if entry.tag in (0x02, 0x04) else None
    if entry.tag in TAG_OFFSETS and entry.type == 2:
        offset_tag = TAG_OFFSETS[entry.tag]
        offset = next((_ascii(e.raw) for e in entries
                       if e.tag == offset_tag and e.type == 2 and base_ifd(e.ifd) == "Exif"), "")
        return parse_moment(_ascii(entry.raw), offset)
    if entry.tag in SERIAL_TAGS and text.strip():
        return SerialNumber(text.strip(), SERIAL_TAGS[entry.tag])
    if entry.tag in PERSON_TAGS and text.strip():
        return PersonName(text.strip(), PERSON_TAGS[entry.tag])
    return None
