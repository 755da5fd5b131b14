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
from dataclasses import dataclass, field, replace
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
from core.model.inventory import Item, Need
from core.model.jobs import Cancelled, CancelToken, Job, Progress
from core.model.policy import BLUR, BUILTIN, Policy
from core.model.values import Coordinates
from core.pipeline.description import hidden_blocks
from core.pipeline.readings import coordinates_of, short_name, time_rank
from core.report import names

# Local capture hours counted as "night": where most photos are taken at these hours is likely home.
NIGHT_HOURS: frozenset[int] = frozenset((*range(21, 24), *range(0, 7)))  # 21:00 to 06:59
CLUSTER_RADIUS_M = 200.0  # positions closer than this to a place's centre belong to that place
MIN_HOME_NIGHTS = 2  # one night somewhere is a hotel; a home needs at least this many night photos
TRIP_KM = 50.0  # photos farther than this from home are "away"
TRIP_GAP_DAYS = 2.0  # away photos closer in time than this belong to the same trip

ALL_ACCESS = BUILTIN["original"]
HIDDEN_KINDS = ("thumbnail", "motion video", "depth map", "samsung trailer", "other")


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
    videos_not_searched: int = 0  # videos that leave: faces in them are never looked for
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
                "videos_not_searched_for_faces": self.videos_not_searched,
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
        if f.video:
            side.videos_not_searched += 1
        elif not f.faces_known:
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
    path: Path, policies: Sequence[Policy], face_record: object = None, movie: Path | None = None
) -> list[PhotoFacts]:
    """Inventory one file once and say what leaves it under each policy (same order). ``movie``: the
    movie of a Live Photo whose still is ``path``: one photo, whose movie's items count where the policy
    sends the movie too."""
    from core.pipeline.inspection import describe_os_error, inventory_from, open_readonly
    from core.pipeline.preview import make_preview

    try:
        with open_readonly(path) as (data, st):
            inv, _, _ = inventory_from(path, data, st)
    except OSError as exc:
        return [PhotoFacts(error=describe_os_error(exc)) for _ in policies]
    movie_inv = None
    if movie is not None:
        try:
            with open_readonly(movie) as (data, st):
                movie_inv, _, _ = inventory_from(movie, data, st)
        except OSError:
            movie_inv = None  # an unreadable movie never leaves: the still goes alone
    video = inv.format == "mp4"
    out = []
    for policy in policies:
        preview = make_preview(inv, policy)
        if preview.error:
            out.append(PhotoFacts(error=preview.error))
            continue
        leaves = list(preview.leaves)
        if movie_inv is not None and policy.keeps_motion:
            moving = make_preview(movie_inv, policy)
            if not moving.error:
                leaves += moving.leaves
        faces, known = faces_leaving(face_record, policy)
        facts = facts_from_items(leaves, faces=faces, faces_known=known)
        out.append(replace(facts, video=True) if video else facts)
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
    # A Live Photo is one photo: its movie is read with its still, never counted on its own.
    live: dict[Path, tuple[Path, str]] = service.live_pairs()  # type: ignore[attr-defined]
    movies = {fp for _, fp in live.values()}
    photos: dict[str, Path] = {}
    for info in service.photos():  # type: ignore[attr-defined]
        if info.fingerprint not in movies:
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
        pair = live.get(path)
        facts = photo_facts(path, policies, record, movie=pair[0] if pair else None)
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
    "gazetteer_available",
    "haversine_m",
    "offline_place_names",
    "photo_facts",
    "report_job",
]
