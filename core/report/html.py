# SPDX-License-Identifier: GPL-3.0-or-later
"""The exposure report as one self-contained HTML page (``photo-consent report --html FILE``).

Everything is inline: the style, the charts and the map are SVG in the page (SVG inside HTML needs no
namespace URL either); nothing refers to another file or the network, so the page can be kept, mailed
or printed. The figures and wording are the same as the CLI's text and the app's view
(``core.report.exposure``); lists show five entries and keep the rest behind "and N more", which opens
in place (``<details>``, no script).
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from core.metadata.places import format_coordinates
from core.model.policy import policy_label
from core.pipeline.staging import file_mode
from core.report.basemap import map_bounds, populated_cells
from core.report.exposure import Report, Side
from core.report.whereabouts import NIGHT_HOURS
from core.report.words import (
    TOP,
    binned,
    figures,
    night_label,
    time_bins,
)

SIDE_TITLES = ("With your choices", "All-access upload")
HOME_COLOUR = "#d04030"
BAR_COLOUR = "#3a6ea5"
TEXT_COLOUR = "#222"
MUTED = "#888"

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 1100px;
  padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; } h3 { font-size: 1.05em; }
table.figures { border-collapse: collapse; width: 100%; }
table.figures th, table.figures td { text-align: left; vertical-align: top; padding: 4px 10px;
  border-bottom: 1px solid #ddd; overflow-wrap: anywhere; }
.columns { display: flex; gap: 2em; flex-wrap: wrap; } .columns > section { flex: 1 1 420px; min-width: 0; }
.leaks { color: #b03020; } .none { color: #888; }
svg { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
details summary { cursor: pointer; color: #3a6ea5; } .note { color: #666; font-size: 0.9em; }
@media print { details { display: block; } details > summary { display: none; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _list(title: str, rows: Sequence[str]) -> str:
    """A list of rows: the first TOP shown, the rest behind "and N more" (opens in place)."""
    if not rows:
        return ""
    head = "".join(f"<li>{r}</li>" for r in rows[:TOP])
    out = f"<h3>{_e(title)} ({len(rows)})</h3><ul>{head}</ul>"
    if len(rows) > TOP:
        rest = "".join(f"<li>{r}</li>" for r in rows[TOP:])
        out += f"<details><summary>and {len(rows) - TOP} more</summary><ul>{rest}</ul></details>"
    return out


def bar_chart_svg(
    title: str, values: Sequence[int], labels: Sequence[str], scale: int, shaded: frozenset[int] = frozenset()
) -> str:
    """A bar chart; labels thin out so none overlaps and all stay inside the drawing."""
    width, height, pad, bottom = 520, 170, 28, 22
    n = max(1, len(values))
    plot_w, plot_h = width - 2 * pad, height - pad - bottom
    step = plot_w / n
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
        f'<text x="{pad}" y="16" font-size="13" fill="{TEXT_COLOUR}">{_e(title)}</text>',
    ]
    if not any(values):
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}">'
                     "nothing leaves</text>")
        return "".join(parts) + "</svg>"
    for i in shaded:
        if 0 <= i < len(values):
            parts.append(f'<rect x="{pad + i * step:.1f}" y="{pad}" width="{step:.1f}" height="{plot_h}" '
                         'fill="#000" fill-opacity="0.06"/>')
    for i, v in enumerate(values):
        if v:
            h = plot_h * v / max(1, scale)
            parts.append(
                f'<rect x="{pad + i * step + step * 0.12:.1f}" y="{pad + plot_h - h:.1f}" '
                f'width="{max(step * 0.76, 0.8):.1f}" height="{h:.1f}" fill="{BAR_COLOUR}">'
                f"<title>{_e(labels[i] if i < len(labels) else '')}: {v}</title></rect>"
            )
    widest = max((len(t) for t in labels), default=1) * 7 + 6  # ~7 px per character at 11 px
    every = max(1, math.ceil(widest / max(step, 1)))
    for i, text in enumerate(labels):
        if i % every:
            continue
        x = min(max(pad + i * step + step / 2, pad + widest / 2), width - pad - widest / 2)
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
                     f'fill="{TEXT_COLOUR}">{_e(text)}</text>')
    return "".join(parts) + "</svg>"


def map_svg(side: Side, bounds: tuple[float, float, float, float] | None) -> str:
    """Positions over the offline base map (towns as a faint dot field); home and trips marked."""
    width, height, pad = 520, 320, 8
    parts = [
        f'<svg class="map" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Where the photos were taken">',
        "<title>Where the photos were taken</title>",
        f'<rect width="{width}" height="{height}" fill="#eef3f7"/>',
    ]
    if bounds is None or not side.positions:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}">'
                     "no positions leave</text>")
        return "".join(parts) + "</svg>"
    lat0, lat1, lon0, lon1 = bounds
    mid = math.cos(math.radians((lat0 + lat1) / 2))
    w_deg, h_deg = max((lon1 - lon0) * mid, 1e-6), max(lat1 - lat0, 1e-6)
    k = min((width - 2 * pad) / w_deg, (height - 2 * pad) / h_deg)
    ox, oy = pad + (width - 2 * pad - w_deg * k) / 2, pad + (height - 2 * pad - h_deg * k) / 2

    def at(lat: float, lon: float) -> tuple[float, float]:
        return ox + (lon - lon0) * mid * k, oy + (lat1 - lat) * k

    size, cells = populated_cells(bounds, per_side=160)
    r_cell = max(0.6, size * mid * k * 0.42)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r_cell:.1f}"/>'
                   for x, y in (at(lat, lon) for lat, lon in cells))
    parts.append(f'<g fill="#9aa5ae" fill-opacity="0.55">{dots}</g>')
    pts = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>'
                  for x, y in (at(lat, lon) for lat, lon in side.positions))
    parts.append(f'<g fill="{BAR_COLOUR}">{pts}</g>')
    biggest = max((p.photos for p in side.places), default=1)
    for place in sorted(side.places[:12], key=lambda p: p.likely_home):
        x, y = at(place.lat, place.lon)
        r = 5 + 9 * math.sqrt(place.photos / biggest)
        colour = HOME_COLOUR if place.likely_home else BAR_COLOUR
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="none" stroke="{colour}" '
                     f'stroke-width="{2.5 if place.likely_home else 1.2}"><title>{_e(place.name)}: '
                     f"{_plural(place.photos, 'photo')}</title></circle>")
        if place.likely_home or place in side.places[:3]:
            label = ("Likely home · " if place.likely_home else "") + place.name.split(",")[0]
            label = label if len(label) <= 28 else label[:27] + "…"
            right = x + r + 4 + len(label) * 7 < width - pad
            anchor, tx = ("start", x + r + 4) if right else ("end", x - r - 4)
            ty = min(max(y + 4, 14), height - 6)
            parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="12" text-anchor="{anchor}" '
                         f'fill="{colour}" stroke="#fff" stroke-width="3" paint-order="stroke">'
                         f"{_e(label)}<title>{_e(place.name)}</title></text>")
    return "".join(parts) + "</svg>"


def _side(report: Report, side: Side, bounds: tuple[float, float, float, float] | None) -> str:
    unit, labels = time_bins([report.mine.months, report.all_access.months])
    both = [binned(s.months, unit, labels) for s in (report.mine, report.all_access)]
    scale = max([*both[0], *both[1], 1])
    hour_scale = max([*report.mine.hours, *report.all_access.hours, 1])
    values = binned(side.months, unit, labels)
    out = [
        bar_chart_svg(f"Photos per {unit}", values, labels, scale),
        bar_chart_svg(f"Photos per hour of day (night {night_label()} shaded)", side.hours,
                      [f"{h:02d}" for h in range(24)], hour_scale, NIGHT_HOURS),
        map_svg(side, bounds),
    ]
    places = [
        f"{_e(p.name)} — {_plural(p.photos, 'photo')}, {p.night_photos} at night"
        f"{' — <b class=leaks>likely home</b>' if p.likely_home else ''}"
        f" <span class=note>({_e(format_coordinates(p.lat, p.lon))})</span>"
        for p in side.places
    ]
    out.append(_list("Places", places) or "<p class=none>No positions leave.</p>")
    if side.invalid_positions:
        out.append(f"<p class=note>{_plural(side.invalid_positions, 'photo')} with GPS fields that state no "
                   "real position ((0, 0), a void fix or out of range): ignored.</p>")
    out.append(_list("Trips", [f"{_e(t.start)} – {_e(t.end)}: {_plural(t.photos, 'photo')} at "
                               f"{_e(', '.join(t.places[:3]))}" for t in side.trips]))
    out.append(_list("Cameras", [f"{_e(c)} ({n})" for c, n in side.cameras.items()]))
    out.append(_list("Serial numbers", [_e(s) for s in side.serials]))
    out.append(_list("Names", [f"{_e(c)} ({n})" for c, n in side.names.items()]))
    out.append(_list("Copyright notices", [f"{_e(c)} ({n})" for c, n in side.notices.items()]))
    return "".join(out)


def to_html(report: Report) -> str:
    """The whole report as one page; no external resource of any kind."""
    rows = []
    for (label, mine), (_, full) in zip(figures(report.mine), figures(report.all_access), strict=True):
        cls = "none" if mine in ("0", "—") else ("leaks" if label != "Photos" else "")
        rows.append(f"<tr><th>{_e(label)}</th><td class='{cls}'>{_e(mine)}</td><td>{_e(full)}</td></tr>")
    bounds = map_bounds([p for s in (report.mine, report.all_access) for p in s.positions])
    columns = "".join(
        f"<section><h2>{_e(title)}</h2>{_side(report, side, bounds)}</section>"
        for title, side in zip(SIDE_TITLES, (report.mine, report.all_access), strict=True)
    )
    title = f"What “{report.recipient}” would learn from everything it receives"
    label = policy_label(report.policy)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f"<p>Policy <b>{_e(label)}</b>: {report.mine.photos} of {report.library_photos} photos would "
        "be sent. An all-access upload takes every photo as it is.</p>"
        "<table class='figures'><tr><th></th>"
        + "".join(f"<th>{_e(t)}</th>" for t in SIDE_TITLES)
        + "</tr>"
        + "".join(rows)
        + f"</table><div class='columns'>{columns}</div>"
        f"<p class='note'>Night-time hours are {_e(night_label())} local capture time; the place with most "
        "night photos is flagged as the likely home. Places group positions within 200 m. Place names and "
        "the base map come from an offline gazetteer of towns (nothing is looked up online).</p>"
        "</body></html>\n"
    )


def write_html(report: Report, target: Path) -> None:
    """Write the page next to ``target`` as a temporary file, flushed, then renamed over it."""
    data = to_html(report).encode("utf-8")
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

