# SPDX-License-Identifier: GPL-3.0-or-later
"""The exposure report in words: the figures both surfaces show (``figures``), lists cut to their top
entries, the time chart's bins, and the plain-text report of the command line (``to_text``). The HTML page
(``core.report.html``) and the window's report view draw from the same functions, so they say the same.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from core.metadata.places import format_coordinates
from core.model.inventory import human_size
from core.model.policy import policy_label
from core.report.exposure import Report, Side
from core.report.whereabouts import CLUSTER_RADIUS_M, NIGHT_HOURS, TRIP_KM


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


TOP = 5  # lists show their first five entries, then "and N more"

# Each kind of embedded media in words, (one, many): a motion photo's video is a short video, as the
# receipt and the Share dialog say it.
KIND_WORDS = {
    "thumbnail": ("thumbnail", "thumbnails"),
    "motion video": ("short video (motion photo)", "short videos (motion photos)"),
    "depth map": ("depth map", "depth maps"),
    "samsung trailer": ("Samsung trailer", "Samsung trailers"),
}


def kind_words(n: int, kind: str) -> str:
    """"2 short videos (motion photos)", "1 thumbnail", "3 other"."""
    one, many = KIND_WORDS.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


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
    hidden = ", ".join(kind_words(n, kind) for kind, (n, _) in side.hidden.items())
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
        ("Faces", f"{side.faces}" + _faces_caveat(side)),
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
        f'What "{report.recipient}" would learn (policy {policy_label(report.policy)}), '
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
        if side.videos_not_searched:
            videos = _plural(side.videos_not_searched, "video")
            lines.append(f"  {videos}: faces in videos are not looked for")
        for kind, (n, b) in side.hidden.items():
            lines.append(f"  {KIND_WORDS.get(kind, (kind, kind))[1].capitalize()}: {_plural(n, 'photo')}, "
                         f"{human_size(b)}")
        if side.unreadable:
            lines.append(f"  {_plural(side.unreadable, 'photo')} cannot be read and would not be sent")
    lines += [
        "",
        f"Night-time hours (local capture time): {night_label()}. Places are clusters of positions within "
        f"{CLUSTER_RADIUS_M:.0f} m; trips are photos more than {TRIP_KM:.0f} km from the likely home.",
    ]
    return "\n".join(lines)

def _faces_caveat(side: Side) -> str:
    parts = []
    if side.faces_not_analysed:
        parts.append(f"{_plural(side.faces_not_analysed, 'photo')} not analysed yet")
    if side.videos_not_searched:
        parts.append(f"{_plural(side.videos_not_searched, 'video')}: faces in videos are not looked for")
    return f" ({'; '.join(parts)})" if parts else ""
