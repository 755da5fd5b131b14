# SPDX-License-Identifier: GPL-3.0-or-later
"""Exposure report: what a recipient would learn from everything it receives (issue 7).

Single photos hide the real risk: a whole camera roll tells where someone lives, when they travel, which
devices they own and whose faces appear. The report adds that up, twice: for the photos and fields the
recipient would actually receive ("with your choices"), and for an all-access upload of the whole roll
(every photo under the built-in ``original`` policy).

Two layers, so the figures are testable without files or threads:
- ``core.report.facts.facts_from_items`` turns the items that *leave* one photo (``Preview.leaves``) into
  ``PhotoFacts``; ``build_side`` here adds a list of facts up into a ``Side`` (places, time, devices,
  people, hidden media), with the places, home and trips from ``core.report.whereabouts``.
- ``report_job`` is the long job: it previews every photo of the library once per side, with progress
  and cancel, and returns a ``Report``.

Place names come from the offline gazetteer (core.metadata.places); without it, clusters show coordinates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from core.metadata.places import offline_place_names
from core.model.jobs import Cancelled, CancelToken, Job, Progress
from core.model.policy import BLUR, BUILTIN, Policy
from core.report.facts import PhotoFacts, facts_from_items, hour_of
from core.report.whereabouts import (
    CLUSTER_RADIUS_M,
    NIGHT_HOURS,
    TRIP_KM,
    Namer,
    Place,
    Trip,
    places_and_trips,
)

ALL_ACCESS = BUILTIN["original"]
HIDDEN_KINDS = ("thumbnail", "motion video", "depth map", "samsung trailer", "other")


# --- one side of the report -------------------------------------------------------------------------------


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
            hour = hour_of(f.taken)
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
    side.positions, side.places, side.trips = places_and_trips(located, namer)
    return side


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

