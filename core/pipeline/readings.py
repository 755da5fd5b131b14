# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading the values a description needs — typed datum first, the display text as the fallback — and
writing them for a person: capture moments with their offsets, positions with a place name, quotes. Used by
the description layer (``core.pipeline.description``) and the exposure report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from core.metadata.exif.values import parse_coordinate
from core.model.inventory import Item
from core.model.values import Coordinates, Moment


def short_name(name: str) -> str:
    """The property's own name: "XMP exif:GPSLatitude" -> "GPSLatitude"."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]




def hidden_kind(item: Item) -> str:
    text = f"{item.name} {item.key} {item.value}".lower()
    if "samsung sef" in text:  # its records are named: what they hold is said from them
        return "samsung trailer"
    if "depth" in text:
        return "depth map"
    if any(w in text for w in ("video", "motion", "mp4", "quicktime")):
        return "motion video"
    if "thumbnail" in text or "preview" in text:
        return "thumbnail"
    return "other"


def coordinates_of(items: Sequence[Item]) -> Coordinates | None:
    """The position the items state: a typed datum, else EXIF GPS fields (EXIF beats XMP copies)."""
    for item in items:
        if isinstance(item.datum, Coordinates) and item.datum.plausible:
            return item.datum
    found: dict[tuple[bool, str], float] = {}
    refs: dict[tuple[bool, str], str] = {}
    altitude: float | None = None
    below = False
    for item in items:
        short, exif = short_name(item.name), not item.key.startswith("xmp")
        if short in ("GPSLatitude", "GPSLongitude"):
            value = parse_coordinate(item.value)
            if value is not None:
                found.setdefault((exif, short), value)
        elif short in ("GPSLatitudeRef", "GPSLongitudeRef"):
            refs[(exif, short[:-3])] = item.value.strip().upper()[:1]
        elif short == "GPSAltitude" and altitude is None:
            altitude = parse_coordinate(item.value)
        elif short == "GPSAltitudeRef":
            below = item.value.strip().startswith("1")
    for exif in (True, False):
        lat, lon = found.get((exif, "GPSLatitude")), found.get((exif, "GPSLongitude"))
        if lat is None or lon is None:
            continue
        if refs.get((exif, "GPSLatitude")) == "S":
            lat = -abs(lat)
        if refs.get((exif, "GPSLongitude")) == "W":
            lon = -abs(lon)
        alt = -abs(altitude) if altitude is not None and below else altitude
        position = Coordinates(lat, lon, alt)
        if position.plausible:
            return position
    return None


_DATE = re.compile(
    r"(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")
# Lower rank wins: the moment the shutter was pressed beats digitised beats modified.
_TIME_RANK = {"DateTimeOriginal": 0, "CreateDate": 1, "DateTimeDigitized": 1, "DateCreated": 1,
              "Date Created": 1, "DateTime": 2, "ModifyDate": 2,
              # Videos: the phone's recording date (QuickTime key or ©day), then the movie's own headers.
              "Creation date": 0, "Movie header creation time": 1, "Creation time": 1}
_OFFSET_OF = {"DateTimeOriginal": "OffsetTimeOriginal", "CreateDate": "OffsetTimeDigitized",
              "DateTimeDigitized": "OffsetTimeDigitized", "ModifyDate": "OffsetTime",
              "DateTime": "OffsetTime"}


def _offset(text: str) -> timezone | None:
    if text.strip().upper() == "Z":
        return UTC
    m = _OFFSET.match(text)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


def parse_moment(text: str, offset: str = "") -> datetime | None:
    """A capture time from "2025:02:20 12:10:33" or "2025-02-20T12:10:33+05:00"; aware when known."""
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        when = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:  # "0000:00:00", day 31 of a short month ...
        return None
    zone = _offset(tz) if tz else _offset(offset) if offset else None
    return when.replace(tzinfo=zone) if zone else when


def time_rank(item: Item) -> int | None:
    """Which of a photo's times it was taken at: lower wins (shutter, then digitised, then modified);
    None for an item that is not one of them."""
    short = short_name(item.name)
    if short in _TIME_RANK:
        return _TIME_RANK[short]
    for key, rank in _TIME_RANK.items():
        if item.name.endswith(key):
            return rank
    return None


def capture_moment(items: Sequence[Item]) -> datetime | None:
    """When the photo was taken, as precise as the items say (offset applied when a field gives one)."""
    offsets = {short_name(i.name): i.value for i in items if short_name(i.name).startswith("OffsetTime")}
    best: tuple[int, int, datetime] | None = None
    for item in items:
        rank = time_rank(item)
        if rank is None and isinstance(item.datum, Moment):
            rank = 1  # a parser-understood time whose field we do not rank: as good as a creation date
        if rank is None:
            continue
        if isinstance(item.datum, Moment):
            when: datetime | None = item.datum.when
        else:
            when = parse_moment(item.value, offsets.get(_OFFSET_OF.get(short_name(item.name), ""), ""))
        if when is None:
            continue
        key = (rank, 0 if when.tzinfo else 1)
        if best is None or key < best[:2]:
            best = (*key, when)
    return best[2] if best else None


def format_moment(when: datetime) -> str:
    """"Thu 20 Feb 2025, 12:10 (UTC+05:00)"; "(no time zone)" when the file gives none."""
    text = f"{when:%a} {when.day} {when:%b %Y, %H:%M}"
    offset = when.utcoffset()
    if offset is None:
        return f"{text} (no time zone)"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"{text} (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"


def _signed(value: float, digits: int) -> str:
    """A number as people write it: "−21.9426", and "0" for what rounds to zero (never "−0")."""
    text = f"{value:.{digits}f}"
    return text.replace("-", "−") if float(text) != 0 else text.lstrip("-")


def format_position(position: Coordinates, name: str = "") -> str:
    coords = f"({_signed(position.latitude, 4)}, {_signed(position.longitude, 4)})"
    # "12 km from Town" already says how near
    text = coords if not name else f"{name} {coords}" if name[0].isdigit() else f"near {name} {coords}"
    if position.altitude_m is not None:
        text += f", altitude {_signed(position.altitude_m, 0)} m"
    return text


def quoted(text: str, limit: int = 60) -> str:
    """A value in quotes, cut at a word boundary when long (the full text stays in the details)."""
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(",;:.") + "…"
    return f"“{text}”"
