# SPDX-License-Identifier: GPL-3.0-or-later
"""Exposure report: what a recipient would learn from everything it receives (issue 7).

Single photos hide the real risk: a whole camera roll tells where someone lives, when they travel, which
devices they own and whose faces appear. The report adds that up, twice: for the photos and fields the
recipient would actually receive ("with your choices"), and for an all-access upload of the whole roll
(every photo under the built-in ``original`` policy).

Two layers, so the figures are testable without files or threads:
- ``facts_from_items`` turns the items that *leave* one photo (``Preview.leaves``) into ``PhotoFacts``;
  ``build_side`` adds a list of facts up into a ``Side`` (places, time, devices, people, hidden media).
- ``report_job`` is the long job: it previews every photo of the library once per side, with progress
  and cancel, and returns a ``Report``.

Place names come from the offline gazetteer (core.metadata.places); without it, clusters show coordinates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.metadata.places import (
    EARTH_RADIUS_M,
    format_coordinates,
    gazetteer_available,
    haversine_m,
    offline_place_names,
)
from core.model.categories import Category
from core.model.inventory import Item, Need, human_size
from core.model.jobs import Cancelled, CancelToken, Job, Progress
from core.model.policy import BLUR, BUILTIN, Policy
from core.model.values import Coordinates
from core.pipeline.description import coordinates_of, hidden_blocks, short_name, time_rank
from core.report import names

# Local capture hours counted as "night": where most photos are taken at these hours is likely home.
NIGHT_HOURS: frozenset[int] = frozenset((*range(21, 24), *range(0, 7)))  # 21:00 to 06:59
CLUSTER_RADIUS_M = 200.0  # positions closer than this to a place's centre belong to that place
MIN_HOME_NIGHTS = 2  # one night somewhere is a hotel; a home needs at least this many night photos
TRIP_KM = 50.0  # photos farther than this from home are "away"
TRIP_GAP_DAYS = 2.0  # away photos closer in time than this belong to the same trip

ALL_ACCESS = BUILTIN["original"]
HIDDEN_KINDS = ("thumbnail", "motion video", "depth map", "other")


# --- facts about one photo ----------------------------------------------------------------------------


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


# --- places ---------------------------------------------------------------------------------------------


def _cell(p: tuple[float, float], size_m: float) -> tuple[int, int]:
    # Equirectangular grid: cells about `size_m` wide, so only neighbouring cells need a distance check.
    y = math.radians(p[0]) * EARTH_RADIUS_M
    x = math.radians(p[1]) * EARTH_RADIUS_M * max(0.01, math.cos(math.radians(p[0])))
    return int(math.floor(x / size_m)), int(math.floor(y / size_m))


def cluster_positions(points: Sequence[tuple[float, float]], radius_m: float = CLUSTER_RADIUS_M) -> list[int]:
    """A cluster index per point: leader clustering on haversine distance.

    Each point joins the nearest place whose centre is within ``radius_m``, else starts a new place; the
    centre is the running mean. Unlike single-link clustering (DBSCAN with one sample) a walk along a road
    does not chain into one giant place. Points are visited in a fixed order, so results are repeatable.
    """
    order = sorted(range(len(points)), key=lambda i: points[i])
    sums: list[list[float]] = []  # [lat sum, lon sum, n]
    grid: dict[tuple[int, int], list[int]] = {}
    labels = [0] * len(points)
    for i in order:
        p = points[i]
        cx, cy = _cell(p, radius_m)
        best, best_d = -1, radius_m
        for dx in (-2, -1, 0, 1, 2):
            for dy in (-2, -1, 0, 1, 2):
                for c in grid.get((cx + dx, cy + dy), ()):
                    s = sums[c]
                    d = haversine_m(p, (s[0] / s[2], s[1] / s[2]))
                    if d <= best_d:
                        best, best_d = c, d
        if best < 0:
            best = len(sums)
            sums.append([0.0, 0.0, 0])
            grid.setdefault((cx, cy), []).append(best)
        sums[best][0] += p[0]
        sums[best][1] += p[1]
        sums[best][2] += 1
        labels[i] = best
    return labels


# A namer turns positions into readable place names; "" where it has none.
Namer = Callable[[Sequence[tuple[float, float]]], list[str]]


# --- one side of the report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # gazetteer name, or coordinates
    lat: float
    lon: float
    photos: int
    night_photos: int
    likely_home: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "photos": self.photos,
            "night_photos": self.night_photos,
            "likely_home": self.likely_home,
        }


@dataclass(frozen=True, slots=True)
class Trip:
    start: str
    end: str
    photos: int
    places: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "photos": self.photos, "places": list(self.places)}


@dataclass(slots=True)
class Side:
    """Everything one recipient would learn; every count is of photos or items that leave."""

    photos: int = 0  # photos that leave
    unreadable: int = 0  # photos that cannot be read (never exported)
    positions: list[tuple[float, float]] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)  # most photos first
    trips: list[Trip] = field(default_factory=list)
    dated: int = 0
    first: str = ""
    last: str = ""
    months: dict[str, int] = field(default_factory=dict)  # "YYYY-MM" -> photos, in order
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    cameras: dict[str, int] = field(default_factory=dict)  # camera -> photos
    serials: dict[str, int] = field(default_factory=dict)
    photos_with_faces: int = 0
    faces: int = 0
    faces_not_analysed: int = 0
    names: dict[str, int] = field(default_factory=dict)  # name -> photos
    hidden: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (photos, bytes)
    text_fields: int = 0
    text_bytes: int = 0
    text_photos: int = 0
    invalid_positions: int = 0  # photos whose GPS fields state no real position: ignored, counted
    notices: dict[str, int] = field(default_factory=dict)  # copyright notice -> photos
    other_people_fields: int = 0

    @property
    def home(self) -> Place | None:
        return next((p for p in self.places if p.likely_home), None)

    @property
    def located(self) -> int:
        return len(self.positions)

    @property
    def hidden_bytes(self) -> int:
        return sum(b for _, b in self.hidden.values())

    def to_json(self) -> dict[str, object]:
        home = self.home
        return {
            "photos": self.photos,
            "unreadable": self.unreadable,
            "places": {
                "photos_with_position": self.located,
                "photos_with_invalid_position": self.invalid_positions,
                "clusters": [p.to_json() for p in self.places],
                "likely_home": home.to_json() if home else None,
                "trips": [t.to_json() for t in self.trips],
            },
            "time": {
                "photos_with_time": self.dated,
                "first": self.first or None,
                "last": self.last or None,
                "months": dict(self.months),
                "hours": list(self.hours),
            },
            "devices": {"cameras": dict(self.cameras), "serials": dict(self.serials)},
            "people": {
                "photos_with_faces": self.photos_with_faces,
                "faces": self.faces,
                "photos_not_analysed_for_faces": self.faces_not_analysed,
                "names": dict(self.names),
                "copyright_notices": dict(self.notices),
                "other_fields": self.other_people_fields,
            },
            "hidden_media": {
                kind: {"photos": n, "bytes": b} for kind, (n, b) in self.hidden.items()
            },
            "descriptions": {
                "fields": self.text_fields, "bytes": self.text_bytes, "photos": self.text_photos
            },
        }


def _hour(taken: str) -> int | None:
    return int(taken[11:13]) if len(taken) >= 13 else None


def _day_number(taken: str) -> float:
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(taken)
    except ValueError:
        return 0.0
    return dt.toordinal() + (dt.hour * 3600 + dt.minute * 60 + dt.second) / 86400


def _count(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build_side(facts: Iterable[PhotoFacts], namer: Namer | None = None) -> Side:
    """Add up what the photos that leave reveal. ``namer`` names the places (None: coordinates only)."""
    side = Side()
    located: list[PhotoFacts] = []
    months: Counter[str] = Counter()
    cameras: Counter[str] = Counter()
    serials: Counter[str] = Counter()
    names: Counter[str] = Counter()
    notices: Counter[str] = Counter()
    hidden: dict[str, list[int]] = {}
    times: list[str] = []
    for f in facts:
        if f.error:
            side.unreadable += 1
            continue
        side.photos += 1
        if f.position is not None:
            located.append(f)
        if f.taken:
            side.dated += 1
            times.append(f.taken)
            months[f.taken[:7]] += 1
            hour = _hour(f.taken)
            if hour is not None:
                side.hours[hour] += 1
        cameras.update(set(f.cameras))
        serials.update(set(f.serials))
        names.update(set(f.names))
        notices.update(set(f.notices))
        side.other_people_fields += f.other_people
        side.invalid_positions += f.invalid_position
        if not f.faces_known:
            side.faces_not_analysed += 1
        if f.faces:
            side.photos_with_faces += 1
            side.faces += f.faces
        kinds_here: set[str] = set()
        for kind, size in f.hidden:
            entry = hidden.setdefault(kind, [0, 0])
            entry[1] += size
            if kind not in kinds_here:
                entry[0] += 1
                kinds_here.add(kind)
        if f.texts:
            side.text_photos += 1
            side.text_fields += len(f.texts)
            side.text_bytes += sum(f.texts)
    if times:
        side.first, side.last = min(times), max(times)
    side.months = dict(sorted(months.items()))
    side.cameras, side.serials, side.names = _count(cameras), _count(serials), _count(names)
    side.notices = _count(notices)
    side.hidden = {k: (hidden[k][0], hidden[k][1]) for k in HIDDEN_KINDS if k in hidden}
    _places(side, located, namer)
    return side


def _places(side: Side, located: list[PhotoFacts], namer: Namer | None) -> None:
    side.positions = [f.position for f in located if f.position is not None]
    if not side.positions:
        return
    labels = cluster_positions(side.positions)
    groups: dict[int, list[PhotoFacts]] = {}
    for label, f in zip(labels, located, strict=True):
        groups.setdefault(label, []).append(f)
    raw = []
    for members in groups.values():
        points = [m.position for m in members if m.position is not None]  # all of them: `located`
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        nights = sum(1 for m in members if _hour(m.taken) in NIGHT_HOURS)
        raw.append((lat, lon, members, nights))
    # Most photos first; ties by position so the order is repeatable.
    raw.sort(key=lambda r: (-len(r[2]), r[0], r[1]))
    home_index = None
    candidates = [i for i, r in enumerate(raw) if r[3] >= MIN_HOME_NIGHTS]
    if candidates:
        home_index = max(candidates, key=lambda i: (raw[i][3], len(raw[i][2]), -i))
    centres = [(r[0], r[1]) for r in raw]
    names = namer(centres) if namer else [""] * len(centres)
    side.places = [
        Place(
            name=(names[i] if i < len(names) else "") or format_coordinates(r[0], r[1]),
            lat=r[0],
            lon=r[1],
            photos=len(r[2]),
            night_photos=r[3],
            likely_home=i == home_index,
        )
        for i, r in enumerate(raw)
    ]
    if home_index is not None:
        side.trips = _trips(side.places[home_index], side.places, raw)


def _trips(
    home: Place, places: list[Place], raw: list[tuple[float, float, list[PhotoFacts], int]]
) -> list[Trip]:
    """Runs of dated photos taken far from home, split where more than TRIP_GAP_DAYS pass between two."""
    away: list[tuple[float, str, str]] = []  # (day number, taken, place name)
    for place, r in zip(places, raw, strict=True):
        if haversine_m((home.lat, home.lon), (place.lat, place.lon)) < TRIP_KM * 1000:
            continue
        away += [(_day_number(m.taken), m.taken, place.name) for m in r[2] if m.taken]
    away.sort()
    trips: list[Trip] = []
    run: list[tuple[float, str, str]] = []
    for entry in [*away, None]:
        if run and (entry is None or entry[0] - run[-1][0] > TRIP_GAP_DAYS):
            where = Counter(e[2] for e in run)
            named = tuple(n for n, _ in where.most_common())
            trips.append(Trip(run[0][1][:10], run[-1][1][:10], len(run), named))
            run = []
        if entry is not None:
            run.append(entry)
    return trips


# --- the report -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Report:
    recipient: str
    policy: str
    library_photos: int
    mine: Side  # with your choices
    all_access: Side  # every photo, policy original

    def to_json(self) -> dict[str, object]:
        return {
            "recipient": self.recipient,
            "policy": self.policy,
            "library_photos": self.library_photos,
            "settings": {
                "night_hours": sorted(NIGHT_HOURS),
                "cluster_radius_m": CLUSTER_RADIUS_M,
                "trip_km": TRIP_KM,
            },
            "with_your_choices": self.mine.to_json(),
            "all_access": self.all_access.to_json(),
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


TOP = 5  # lists show their first five entries, then "and N more"


def top(counts: dict[str, int], limit: int = TOP, *, with_counts: bool = False) -> str:
    """"Canon EOS R5, Pixel 8, … and 45 more": the first ``limit`` entries (most photos first)."""
    shown = [f"{k} ({n})" if with_counts else k for k, n in list(counts.items())[:limit]]
    more = len(counts) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "—"


def time_bins(side_months: Sequence[dict[str, int]], max_bins: int = 40) -> tuple[str, list[str]]:
    """("month" | "quarter" | "year", bin labels) covering every month of the given sides, fine enough to
    show a routine and coarse enough that bars stay readable (at most ``max_bins``)."""
    months = sorted(m for side in side_months for m in side)
    if not months:
        return "month", []
    y0, m0 = int(months[0][:4]), int(months[0][5:7])
    y1, m1 = int(months[-1][:4]), int(months[-1][5:7])
    span = (y1 - y0) * 12 + m1 - m0 + 1
    if span <= max_bins:
        out, y, m = [], y0, m0
        while (y, m) <= (y1, m1):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return "month", out
    q0, q1 = y0 * 4 + (m0 - 1) // 3, y1 * 4 + (m1 - 1) // 3
    if q1 - q0 + 1 <= max_bins:
        return "quarter", [f"{q // 4:04d}-Q{q % 4 + 1}" for q in range(q0, q1 + 1)]
    step = max(1, math.ceil((y1 - y0 + 1) / max_bins))
    return "year", [f"{y:04d}" for y in range(y0 - (y0 % step if step > 1 else 0), y1 + 1, step)]


def bin_of(month: str, unit: str, labels: Sequence[str]) -> str:
    """The label of the bin a "YYYY-MM" falls in."""
    if unit == "month":
        return month
    if unit == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    year = int(month[:4])
    starts = [int(label) for label in labels]
    return f"{max((s for s in starts if s <= year), default=starts[0]):04d}" if starts else month[:4]


def binned(months: dict[str, int], unit: str, labels: Sequence[str]) -> list[int]:
    """Photos per bin, in the order of ``labels``."""
    counts: Counter[str] = Counter()
    for month, n in months.items():
        counts[bin_of(month, unit, labels)] += n
    return [counts.get(label, 0) for label in labels]


def figures(side: Side) -> list[tuple[str, str]]:
    """(label, readable value) rows: the side-by-side table of the CLI and the app."""
    home = side.home
    hidden = ", ".join(
        _plural(n, kind) if kind != "other" else f"{n} other" for kind, (n, _) in side.hidden.items()
    )
    invalid = ""
    if side.invalid_positions:
        invalid = f" ({side.invalid_positions} more state no real position: ignored)"
    return [
        ("Photos", str(side.photos)),
        ("Photos with a position", f"{side.located}{invalid}"),
        ("Places", str(len(side.places))),
        ("Likely home", home.name if home else "—"),
        ("Trips", str(len(side.trips))),
        ("Photos with a capture time", str(side.dated)),
        ("Time span", f"{side.first[:10]} – {side.last[:10]}" if side.first else "—"),
        ("Cameras", f"{len(side.cameras)} ({top(side.cameras)})" if side.cameras else "—"),
        ("Serial numbers", str(len(side.serials))),
        ("Photos with unblurred faces", str(side.photos_with_faces)),
        ("Faces", f"{side.faces}" + (f" ({_plural(side.faces_not_analysed, 'photo')} not analysed yet)"
                                      if side.faces_not_analysed else "")),
        ("Names", f"{len(side.names)} ({top(side.names)})" if side.names else "—"),
        ("Copyright notices", str(len(side.notices)) if side.notices else "—"),
        ("Hidden media", f"{hidden} ({human_size(side.hidden_bytes)})" if hidden else "—"),
        ("Text fields", f"{side.text_fields} ({human_size(side.text_bytes)})" if side.text_fields else "—"),
    ]


def night_label() -> str:
    """NIGHT_HOURS as a readable range, e.g. "21:00–06:59"."""
    hours = sorted(NIGHT_HOURS)
    if not hours:
        return "none"
    # Start where the previous hour is not a night hour (the evening), walk forward around midnight.
    start = next((h for h in hours if (h - 1) % 24 not in NIGHT_HOURS), hours[0])
    end = start
    while (end + 1) % 24 in NIGHT_HOURS and (end + 1) % 24 != start:
        end = (end + 1) % 24
    return f"{start:02d}:00–{end:02d}:59"


def sparkline(values: Sequence[int]) -> str:
    """One block character per value, height by value: an hour-of-day histogram in a terminal line."""
    top = max(values, default=0)
    if not top:
        return " " * len(values)
    blocks = " ▁▂▃▄▅▆▇█"
    return "".join(blocks[0 if v == 0 else max(1, round(v / top * 8))] for v in values)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_text(report: Report) -> str:
    lines = [
        f'What "{report.recipient}" would learn (policy {report.policy}), '
        f"from {report.library_photos} photos in the library",
        "",
        f"{'':<28} {'With your choices':<36} {'All-access upload'}",
    ]
    for (label, mine), (_, full) in zip(figures(report.mine), figures(report.all_access), strict=True):
        lines.append(f"{label:<28} {_cut(mine, 36):<36} {_cut(full, 36)}".rstrip())
    for title, side in (("With your choices", report.mine), ("All-access upload", report.all_access)):
        lines += ["", f"{title}:"]
        if side.places:
            lines.append("  Places:")
            for p in side.places[:TOP]:
                flag = "  ← likely home" if p.likely_home else ""
                lines.append(
                    f"    {_plural(p.photos, 'photo'):>10}  {p.name}  ({format_coordinates(p.lat, p.lon)}; "
                    f"{p.night_photos} at night){flag}"
                )
            if len(side.places) > TOP:
                lines.append(f"    … and {len(side.places) - TOP} more places")
        else:
            lines.append("  Places: no positions leave")
        if side.invalid_positions:
            lines.append(
                f"  {_plural(side.invalid_positions, 'photo')} with GPS fields that state no real position "
                "((0, 0), a void fix or out of range): ignored"
            )
        for t in side.trips[:TOP]:
            where = ", ".join(t.places[:3])
            lines.append(f"  Trip {t.start} – {t.end}: {_plural(t.photos, 'photo')} at {where}")
        if side.months:
            unit, labels = time_bins([report.mine.months, report.all_access.months])
            counts = binned(side.months, unit, labels)
            lines.append(f"  Photos per {unit}: " + ", ".join(
                f"{label} ({n})" for label, n in zip(labels, counts, strict=True) if n))
        if any(side.hours):
            lines.append(f"  Photos per hour:  {sparkline(side.hours)}  (00 → 23)")
            busiest = [h for h in sorted(range(24), key=lambda h: -side.hours[h])[:3] if side.hours[h]]
            lines.append("  Most photos taken at " + ", ".join(f"{h:02d}:00" for h in busiest))
        if side.cameras:
            lines.append(f"  Cameras ({len(side.cameras)}): " + top(side.cameras, with_counts=True))
        if side.serials:
            lines.append(f"  Serial numbers ({len(side.serials)}): " + top(side.serials))
        if side.names:
            lines.append(f"  Names ({len(side.names)}): " + top(side.names, with_counts=True))
        if side.notices:
            lines.append(f"  Copyright notices ({len(side.notices)}): "
                         + top({_cut(k, 50): n for k, n in side.notices.items()}, 3))
        if side.faces_not_analysed:
            lines.append(f"  {_plural(side.faces_not_analysed, 'photo')} not yet analysed for faces")
        for kind, (n, b) in side.hidden.items():
            lines.append(f"  {kind}: {_plural(n, 'photo')}, {human_size(b)}")
        if side.unreadable:
            lines.append(f"  {_plural(side.unreadable, 'photo')} cannot be read and would not be sent")
    lines += [
        "",
        f"Night-time hours (local capture time): {night_label()}. Places are clusters of positions within "
        f"{CLUSTER_RADIUS_M:.0f} m; trips are photos more than {TRIP_KM:.0f} km from the likely home.",
    ]
    return "\n".join(lines)


# --- the job --------------------------------------------------------------------------------------------


class FaceLookup(Protocol):
    """FaceStore's ``get(fingerprint)``: a record with detected, kept, manual and analysed."""

    def get(self, fingerprint: str) -> object: ...


def faces_leaving(record: object, policy: Policy) -> tuple[int, bool]:
    """(faces that leave unblurred, whether the photo was analysed) for one face record under a policy."""
    if record is None or not getattr(record, "analysed", False):
        manual = len(getattr(record, "manual", ()) or ())
        # Never analysed: only hand-drawn boxes are known; under a blurring policy they are blurred.
        return (0 if policy.faces == BLUR and not policy.passthrough else manual), False
    detected = list(record.detected)  # type: ignore[attr-defined]
    drawn = list(getattr(record, "manual", ()))
    total = len(detected) + len(drawn)
    if policy.faces == BLUR and not policy.passthrough:
        kept: frozenset[tuple[int, int, int, int]] = getattr(record, "kept", frozenset())
        return sum(1 for f in detected if f.box in kept), True  # only faces the user chose to keep
    return total, True


def _default_faces(service: object) -> FaceLookup | None:
    # The library's own face store: the one the window's face scan fills. Without a keyring it lives in
    # memory only, so a report opened with a store of its own would see none of this session's faces.
    try:
        return service.face_store  # type: ignore[attr-defined, no-any-return]
    except Exception:  # noqa: BLE001 - no face data is a figure ("not analysed"), never a failure
        return None


def photo_facts(
    path: Path, policies: Sequence[Policy], face_record: object = None
) -> list[PhotoFacts]:
    """Inventory one file once and say what leaves it under each policy (same order)."""
    from core.pipeline.inspection import describe_os_error, inventory_from, open_readonly
    from core.pipeline.preview import make_preview

    try:
        with open_readonly(path) as (data, st):
            inv, _, _ = inventory_from(path, data, st)
    except OSError as exc:
        return [PhotoFacts(error=describe_os_error(exc)) for _ in policies]
    out = []
    for policy in policies:
        preview = make_preview(inv, policy)
        if preview.error:
            out.append(PhotoFacts(error=preview.error))
            continue
        faces, known = faces_leaving(face_record, policy)
        out.append(facts_from_items(preview.leaves, faces=faces, faces_known=known))
    return out


def report_job(
    service: object,
    recipient: str,
    *,
    faces: FaceLookup | None = None,
    namer: Namer | None = offline_place_names,
    cancel: CancelToken | None = None,
) -> Job[Report]:
    """Preview every photo of the library for ``recipient`` and for an all-access upload; add it up.

    ``service`` is a ``LibraryService``. Each distinct photo (by content) is read once. Raises Cancelled
    when ``cancel`` is set. ``faces`` defaults to the library's face store (``service.face_store``, the
    same one the window's face scan writes to, with or without a keyring).
    """
    cancel = cancel or CancelToken()
    rec = service.recipient(recipient)  # type: ignore[attr-defined]
    policy: Policy = service.policy_of(rec)  # type: ignore[attr-defined]
    allowed = {fp for _, fp in service.allowed_sources(rec.name)}  # type: ignore[attr-defined]
    photos: dict[str, Path] = {}
    for info in service.photos():  # type: ignore[attr-defined]
        photos.setdefault(info.fingerprint, info.path)
    if faces is None:
        faces = _default_faces(service)
    total = len(photos)
    mine: list[PhotoFacts] = []
    everything: list[PhotoFacts] = []
    yield Progress(0, total, "Reading the library")
    for done, (fp, path) in enumerate(photos.items(), start=1):
        if cancel.cancelled:
            raise Cancelled()
        record = faces.get(fp) if faces is not None else None
        policies = [ALL_ACCESS, policy] if fp in allowed else [ALL_ACCESS]
        facts = photo_facts(path, policies, record)
        everything.append(facts[0])
        if fp in allowed:
            mine.append(facts[1])
        if done % 16 == 0 or done == total:
            yield Progress(done, total, f"Read {done} of {total} photos")
    yield Progress(total, total, "Naming places")
    report = Report(
        recipient=rec.name,
        policy=policy.name,
        library_photos=total,
        mine=build_side(mine, namer),
        all_access=build_side(everything, namer),
    )
    return report


__all__ = [
    "ALL_ACCESS",
    "CLUSTER_RADIUS_M",
    "NIGHT_HOURS",
    "PhotoFacts",
    "Place",
    "Report",
    "Side",
    "Trip",
    "build_side",
    "cluster_positions",
    "facts_from_items",
    "faces_leaving",
    "figures",
    "gazetteer_available",
    "haversine_m",
    "night_label",
    "offline_place_names",
    "photo_facts",
    "report_job",
    "to_text",
]
