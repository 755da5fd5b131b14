# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the photos that leave were taken, added up: positions clustered into places (leader clustering
on haversine distance), the likely home (the place with the most night photos, at least two), and the
trips away from it (runs of dated photos far from home).

Place names come from a ``Namer`` (the offline gazetteer, ``core.metadata.places``); without one, places
show their coordinates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.metadata.places import EARTH_RADIUS_M, format_coordinates, haversine_m
from core.report.facts import PhotoFacts, hour_of

# Local capture hours counted as "night": where most photos are taken at these hours is likely home.
NIGHT_HOURS: frozenset[int] = frozenset((*range(21, 24), *range(0, 7)))  # 21:00 to 06:59
CLUSTER_RADIUS_M = 200.0  # positions closer than this to a place's centre belong to that place
MIN_HOME_NIGHTS = 2  # one night somewhere is a hotel; a home needs at least this many night photos
TRIP_KM = 50.0  # photos farther than this from home are "away"
TRIP_GAP_DAYS = 2.0  # away photos closer in time than this belong to the same trip


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


def _day_number(taken: str) -> float:
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(taken)
    except ValueError:
        return 0.0
    return dt.toordinal() + (dt.hour * 3600 + dt.minute * 60 + dt.second) / 86400


def places_and_trips(
    located: list[PhotoFacts], namer: Namer | None
) -> tuple[list[tuple[float, float]], list[Place], list[Trip]]:
    """The positions of the located photos, the places they make (most photos first; the likely home
    marked) and, when there is a home, the trips away from it."""
    positions = [f.position for f in located if f.position is not None]
    if not positions:
        return positions, [], []
    labels = cluster_positions(positions)
    groups: dict[int, list[PhotoFacts]] = {}
    for label, f in zip(labels, located, strict=True):
        groups.setdefault(label, []).append(f)
    raw = []
    for members in groups.values():
        points = [m.position for m in members if m.position is not None]  # all of them: `located`
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        nights = sum(1 for m in members if hour_of(m.taken) in NIGHT_HOURS)
        raw.append((lat, lon, members, nights))
    # Most photos first; ties by position so the order is repeatable.
    raw.sort(key=lambda r: (-len(r[2]), r[0], r[1]))
    home_index = None
    candidates = [i for i, r in enumerate(raw) if r[3] >= MIN_HOME_NIGHTS]
    if candidates:
        home_index = max(candidates, key=lambda i: (raw[i][3], len(raw[i][2]), -i))
    centres = [(r[0], r[1]) for r in raw]
    names = namer(centres) if namer else [""] * len(centres)
    places = [
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
    trips = _trips(places[home_index], places, raw) if home_index is not None else []
    return positions, places, trips


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
