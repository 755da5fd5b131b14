# SPDX-License-Identifier: GPL-3.0-or-later
"""What one photo tells its recipient: ``facts_from_items`` turns the items that *leave* one photo
(``Preview.leaves``) into ``PhotoFacts`` (its position, local capture time, cameras and serial numbers,
people's names and faces, hidden media, descriptions), the unit the exposure report adds up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.model.categories import Category
from core.model.inventory import Item, Need
from core.model.values import Coordinates
from core.pipeline.description import hidden_blocks
from core.pipeline.readings import coordinates_of, short_name, time_rank
from core.report import names


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What one photo tells its recipient, from the items that leave it."""

    position: tuple[float, float] | None = None  # (latitude, longitude), signed decimal degrees
    taken: str = ""  # local capture time as recorded, "YYYY-MM-DD[THH:MM[:SS]]"
    cameras: tuple[str, ...] = ()  # "Make Model"
    serials: tuple[str, ...] = ()  # "SerialNumber: 1234"
    names: tuple[str, ...] = ()  # people's names (face regions first, then Artist, creator ...)
    faces: int = 0  # faces in the pixels that leave unblurred
    faces_known: bool = True  # False: nobody has looked for faces in this photo yet
    video: bool = False  # a video: faces in videos are not looked for (never "not analysed yet")
    hidden: tuple[tuple[str, int], ...] = ()  # (kind, bytes) per hidden-media item
    texts: tuple[int, ...] = ()  # bytes of each description field
    invalid_position: bool = False  # GPS fields leave but state no real position ((0, 0), void, out of range)
    notices: tuple[str, ...] = ()  # copyright / rights notices (never counted as names)
    other_people: int = 0  # people-category fields that name nobody (flags, sizes, contact structures)
    error: str = ""  # the photo cannot be read: nothing leaves


_DATE = re.compile(r"(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def parse_local_time(text: str) -> str:
    """"YYYY-MM-DDTHH:MM:SS" (or just the date) as recorded, i.e. local clock time; "" when unreadable."""
    m = _DATE.search(text)
    if not m:
        return ""
    y, mo, d, h, mi, s = m.groups()
    if y == "0000" or not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return ""
    if h is None or int(h) > 23 or int(mi) > 59:
        return f"{y}-{mo}-{d}"
    return f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"


def hour_of(taken: str) -> int | None:
    """The local hour of a capture time as ``parse_local_time`` gives it; None for a date alone."""
    return int(taken[11:13]) if len(taken) >= 13 else None


def _position(items: Sequence[Item]) -> tuple[tuple[float, float] | None, bool]:
    """(position, invalid): the plausible position the items state, and whether GPS fields leave that
    state none ((0, 0), a void fix, out of range): those are counted, never placed on the map."""
    gps = [i for i in items if i.category is Category.LOCATION]
    if not gps:
        return None, False
    void = any(
        (isinstance(i.datum, Coordinates) and i.datum.void)
        or (short_name(i.name) == "GPSStatus" and i.value.strip().upper().startswith("V"))
        for i in gps
    )
    found = None if void else coordinates_of(gps)
    if found is not None:
        return (found.latitude, found.longitude), False
    stated = any(
        isinstance(i.datum, Coordinates) or short_name(i.name) in ("GPSLatitude", "GPSLongitude") for i in gps
    )
    return None, stated


def facts_from_items(
    leaves: Iterable[Item], *, faces: int = 0, faces_known: bool = True, error: str = ""
) -> PhotoFacts:
    """What the items that leave one photo reveal. ``faces``: faces that leave unblurred."""
    if error:
        return PhotoFacts(error=error, faces_known=True)
    leaves = [item for item in leaves if item.need is not Need.PIXELS]
    position, invalid = _position(leaves)
    notices: list[str] = []
    other_people = 0
    best_time: tuple[int, str] | None = None
    make = model = ""
    serials: list[str] = []
    region_names: list[str] = []
    other_names: list[str] = []
    hidden: list[tuple[str, int]] = []
    texts: list[int] = []
    for item in leaves:
        cat, short = item.category, short_name(item.name)
        if cat is Category.TIME:
            rank = time_rank(item)
            when = parse_local_time(item.value) if rank is not None else ""
            if when and rank is not None and (
                best_time is None or (rank, -len(when)) < (best_time[0], -len(best_time[1]))
            ):
                best_time = (rank, when)
        elif cat is Category.DEVICE:
            if short.lower() == "make" and not make:  # "Make" (EXIF, XMP) or "Camera make" (videos)
                make = item.value.strip()
            elif short.lower() == "model" and not model:
                model = item.value.strip()
            elif "serial" in item.name.lower() and item.value.strip():
                serials.append(f"{short}: {item.value.strip()}")
        elif cat is Category.PEOPLE:
            if "region" in item.value.partition(": ")[0]:
                region_names += names.region_names(item.value)
            elif names.is_notice(item):
                if item.value.strip():
                    notices.append(" ".join(item.value.split()))
            elif name := names.person_name(item):
                other_names.append(name)
            else:
                other_people += 1
        elif cat is Category.HIDDEN_MEDIA:
            hidden += hidden_blocks([item])
        elif cat is Category.DESCRIPTION:
            texts.append(item.bytes)
    cameras: list[str] = []
    if make or model:
        # Many cameras repeat the make in the model ("Canon" + "Canon EOS R5").
        repeats = make and model.lower().startswith(make.lower())
        cameras.append(model if repeats else f"{make} {model}".strip())
    return PhotoFacts(
        position=position,
        taken=best_time[1] if best_time else "",
        cameras=tuple(cameras),
        serials=tuple(dict.fromkeys(serials)),
        names=tuple(dict.fromkeys(region_names + other_names)),
        faces=faces,
        faces_known=faces_known,
        hidden=tuple(hidden),
        texts=tuple(texts),
        invalid_position=invalid,
        notices=tuple(dict.fromkeys(notices)),
        other_people=other_people,
    )
