# SPDX-License-Identifier: GPL-3.0-or-later
"""What an export to one recipient would send, summarised for the Share dialog before it starts.

Each photo is planned under the recipient's policy by ``plan_file``, exactly as the export plans it, and
what leaves is counted the way its receipt records it (``core.pipeline.receipts.carried``): so the
summary says what the receipt will say, and it changes with the policy (a motion setting included).
A Live Photo is one photo: its movie's facts count with its still, and only when the movie leaves. A
motion photo's video is a line of its own ("Short videos"), never the hidden-media category; what it
carries (its time) counts only when it leaves. The photos are also counted as files
(``core.pipeline.file_counts``), as the receipt will count them: a Live Photo whose movie leaves is two
files, a motion photo one.

Plain Python, run in a worker: it reads every photo the recipient may receive (no decoding), one after
the other on the worker's own thread, and says how far it got: 10,000 camera photos take seconds, and
the dialog shows the count as it goes. (Reading two at a time on threads of its own was 1.6× faster, but
threads started from the app's pool thread crashed the interpreter's collector twice in the test suite:
not worth a few seconds.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.formats.base import MOTION_KEY
from core.library.sharing import AlreadySent
from core.model.categories import LABELS, Category
from core.model.inventory import Need
from core.model.jobs import CancelToken, Job, Progress, drive
from core.model.policy import Action, Policy, PolicyError
from core.pipeline.description import CATEGORY_RISK, MOTION_PREFIX, Risk, plain_error, plural
from core.pipeline.file_counts import FileCount
from core.pipeline.inspection import describe_os_error, open_readonly
from core.pipeline.pairs import export_order
from core.pipeline.preview import WITHHELD_VIDEO_FACES, plan_file
from core.pipeline.preview_words import (
    LAYOUT,
    LAYOUT_LABEL,
    conversion_of,
    motion_video_leaves,
    reencoded_why,
    stays_of,
)
from core.pipeline.receipts import carried

if TYPE_CHECKING:
    from core.library.service import LibraryService
    from core.model.preview import Preview

SHORT_VIDEO = "Short videos of Live and motion photos"
PROGRESS_EVERY = 50  # photos between two progress reports
DISPLAY_LABEL = "Orientation and colour profile"
OWN_LINES = (str(Category.FACES), str(Category.FILE))  # what leaves of these has a line of its own
# What stays of the technical category when the policy sends what displays the photo (the leaving side
# is DISPLAY_LABEL), and of the file category: the original's name (unless the policy keeps names) and
# the time it was last changed.
OTHER_TECHNICAL = "Camera settings and other technical data"
FILE_NAME_AND_DATE = "Original file name and date"
FILE_NAME = "Original file name"
FILE_DATE = "Date the file was last changed"


@dataclass
class Outgoing:
    """What leaves under one answer to "Sent before?": every photo allowed, or only those the recipient
    has not received yet. The dialog shows the one chosen, and switches when the choice changes."""

    count: FileCount = FileCount(0)  # the photos in files, as the receipt will count them
    leaving: list[tuple[str, int]] = field(default_factory=list)  # (label, photos carrying it)
    risky: set[str] = field(default_factory=set)  # labels of leaving categories that tell where/who/what
    removed: list[tuple[str, int]] = field(default_factory=list)
    live_alone: int = 0  # Live Photos whose movie stays: the still goes alone
    motion_alone: int = 0  # motion photos whose video stays: the still goes alone
    live_names: tuple[str, str] = ("", "")  # a Live Photo's still and movie as they will be named
    converted: list[tuple[str, str, int]] = field(default_factory=list)  # (from, to, photos): HEIC as JPEG


@dataclass
class ShareSummary:
    recipient: str
    policy: Policy | None
    policy_error: str = ""
    policy_spec: str = ""  # as stored: a built-in name or the path of the recipient's TOML copy
    photos: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    sent: AlreadySent | None = None  # of these photos, those the ledger says the recipient already has
    videos_withheld: list[str] = field(default_factory=list)  # file names: the policy blurs faces
    withheld: list[tuple[str, str]] = field(default_factory=list)  # (file name, why): the policy's reasons
    last_destination: str = ""  # where the recipient's last export went (the ledger), offered again
    every: Outgoing = field(default_factory=Outgoing)  # all the photos allowed
    new: Outgoing = field(default_factory=Outgoing)  # only those not sent before

    def outgoing(self, only_new: bool) -> Outgoing:
        """What the export sends: every photo, or only those the recipient has not received yet."""
        return self.new if only_new else self.every

    def to_send(self, only_new: bool) -> FileCount:
        return self.outgoing(only_new).count

    def heading(self, only_new: bool) -> str:
        """The summary's title, saying which photos it counts once some were sent before."""
        title = "What will leave this device"
        if self.sent is None or not self.sent.sent:
            return title
        if only_new:
            n = self.new.count.photos
            which = "nothing, every photo was sent before" if not n else (
                "the photo not sent yet" if n == 1 else f"the {n} photos not sent yet")
            return f"{title}: {which}"
        return f"{title}: all {self.every.count.photos_text} again"

    @property
    def count(self) -> FileCount:
        return self.every.count

    @property
    def count_new(self) -> FileCount:
        return self.new.count

    @property
    def leaving(self) -> list[tuple[str, int]]:
        return self.every.leaving

    @property
    def risky(self) -> set[str]:
        return self.every.risky

    @property
    def removed(self) -> list[tuple[str, int]]:
        return self.every.removed


@dataclass(slots=True)
class _Photo:
    """What leaves with one photo (a Live Photo's two files together) and what its policy removes."""

    leaving: set[str] = field(default_factory=set)  # receipt categories, plus SHORT_VIDEO
    removed: set[str] = field(default_factory=set)
    movie: bool = False  # a Live Photo whose movie leaves as a file of its own
    motion: bool = False  # a motion photo whose video leaves inside the photo's file
    live: bool = False  # a Live Photo, whether its movie leaves or not
    motion_stays: bool = False  # a motion photo whose video stays on this device
    names: tuple[str, str] = ("", "")  # a Live Photo's still and movie, as the export names them
    converted: tuple[str, str] | None = None  # (from, to): the picture leaves saved again in another format


def leaving_of(preview: Preview) -> tuple[list[str], bool]:
    """(categories, whether a motion video leaves) as the export's receipt records this file."""
    items: list[dict[str, object]] = [
        {"category": str(i.category), "name": i.name, "where": i.where}
        for i in preview.leaves
        if i.need is not Need.PIXELS
    ]
    what = carried(preview.leaving_categories(), items)
    return what.categories, what.motion_video


def removed_of(preview: Preview) -> set[str]:
    """What the preview pane lists under "Stays on this device" for this file, by category (``stays_of``:
    its categories, and LAYOUT for the file's own layout). A motion video that stays is one short video
    removed; what is removed from one that leaves counts as removed from the photo, as the pane lists it
    under the video."""
    out = {fact.category for fact in stays_of(preview)}
    if motion_video_leaves(preview):
        out |= {str(s.item.category) for s in preview.stays if s.item.key.startswith(MOTION_PREFIX)}
    elif any(s.item.key == MOTION_KEY for s in preview.stays):
        out.add(SHORT_VIDEO)
    return out


def summarize(service: LibraryService, recipient: str, cancel: CancelToken | None = None) -> ShareSummary:
    """``summary_job`` run to its end."""
    return drive(summary_job(service, recipient, cancel))


def summary_job(
    service: LibraryService, recipient: str, cancel: CancelToken | None = None
) -> Job[ShareSummary]:
    """What an export to ``recipient`` would send, from the same per-file plan as the export; progress is
    counted in files read."""
    rec = service.recipient(recipient)
    try:
        policy: Policy | None = service.policy_of(rec)
        error = ""
    except PolicyError as exc:
        policy, error = None, str(exc)
    sources = service.allowed_sources(recipient)
    summary = ShareSummary(recipient, policy, error, rec.policy, len(sources))
    summary.sent = already = service.already_sent(recipient)
    summary.every.count, summary.new.count = FileCount(len(sources)), FileCount(already.new)
    summary.last_destination = service.last_destination(recipient)
    if policy is None:
        return summary
    pairs = {still: movie for still, (movie, _) in service.live_pairs().items()}
    photos: dict[Path, _Photo] = {}
    withheld_stills: set[Path] = set()
    order = list(export_order([p for p, _ in sources], pairs, policy.keeps_motion))
    token = cancel or CancelToken()
    for done, (path, still, preview) in enumerate(_planned(order, policy, token), 1):
        if done % PROGRESS_EVERY == 0:
            yield Progress(done, len(order), f"Reading the photos: {done:,} of {len(order):,}")
        if still is not None and still in withheld_stills:
            continue  # a movie whose still is withheld stays too
        if preview.error:
            withheld_stills.add(path)
            if preview.error == WITHHELD_VIDEO_FACES:
                summary.videos_withheld.append(path.name)
            else:
                _withheld(summary, path, preview.error)
            continue
        photo = photos.setdefault(still or path, _Photo())
        cats, video = leaving_of(preview)
        photo.leaving |= set(cats)
        if video or still is not None:
            photo.leaving.add(SHORT_VIDEO)  # a motion photo's video, or a Live Photo's movie
        photo.movie |= still is not None
        photo.motion |= video
        photo.removed |= removed_of(preview)
        photo.motion_stays |= any(s.item.key == MOTION_KEY for s in preview.stays)
        if still is None:
            photo.converted = conversion_of(preview)
        movie = pairs.get(path)
        if still is None and movie is not None:
            photo.live = True
            photo.names = (preview.output_name, photo.names[1])
            if not policy.keeps_motion:
                photo.removed.add(SHORT_VIDEO)  # the Live Photo's movie stays on this device
        elif still is not None:
            photo.names = (photo.names[0], preview.output_name)
    fingerprints = dict(sources)
    sent = service.sent_to(recipient)
    new = [photo for path, photo in photos.items() if fingerprints.get(path) not in sent]
    summary.every = _outgoing(policy, summary.photos, list(photos.values()))
    summary.new = _outgoing(policy, already.new, new)
    return summary


def _planned(
    order: Sequence[tuple[Path, Path | None]], policy: Policy, cancel: CancelToken
) -> Iterator[tuple[Path, Path | None, Preview]]:
    """Each file of ``order`` with its plan, in order, one at a time; stops when ``cancel`` is set."""
    for path, still in order:
        if cancel.cancelled:
            return
        yield path, still, _plan(path, policy)


def _plan(path: Path, policy: Policy) -> Preview:
    from core.model.preview import Preview

    try:
        with open_readonly(path) as (data, st):
            return plan_file(path, data, st, policy, index=1).preview
    except OSError as exc:
        return Preview.failed(str(path), policy, describe_os_error(exc))


def _withheld(summary: ShareSummary, path: Path, error: str) -> None:
    if "policy" in error.lower():
        summary.withheld.append((path.name, error[:1].upper() + error[1:]))
    else:
        summary.unreadable.append((path.name, plain_error(error)))


def _outgoing(policy: Policy, photos: int, planned: Sequence[_Photo]) -> Outgoing:
    """What ``planned`` carry, counted in photos; ``photos`` also counts those that will be withheld."""
    leaving: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for photo in planned:
        leaving.update(photo.leaving - set(OWN_LINES))
        # As the pane lists it: a category can leave in part (the orientation) and stay in part (the
        # camera settings), and then it is in both lists.
        removed.update(photo.removed)
    out = Outgoing(FileCount(photos, sum(p.movie for p in planned), sum(p.motion for p in planned)))
    out.live_alone = sum(p.live and not p.movie for p in planned)
    out.motion_alone = sum(p.motion_stays for p in planned)
    out.live_names = next((p.names for p in planned if p.movie and all(p.names)), ("", ""))
    conversions = Counter(p.converted for p in planned if p.converted is not None)
    out.converted = [(src, to, n) for (src, to), n in sorted(conversions.items())]
    for key, n in sorted(leaving.items(), key=lambda kv: _order(kv[0])):
        label = _label(key, policy)
        out.leaving.append((label, n))
        category = _category(key)
        if category is not None and CATEGORY_RISK.get(category) is Risk.HIGH:
            out.risky.add(label)
    for key, n in sorted(removed.items(), key=lambda kv: _order(kv[0])):
        out.removed.append((removed_label(key, policy), n))
    return out


def moving_words(policy: Policy, out: Outgoing) -> list[str]:
    """What leaves of the Live Photos and motion photos among ``out``, one sentence for each kind there
    is: a Live Photo's movie leaves as a file of its own (its name given as the export will give it), a
    motion photo's video inside the photo's file; or the still goes alone. Nothing for photos that are
    neither."""
    how = "as it is" if policy.passthrough else "cleaned"
    lines = []
    movies, alone = out.count.movies, out.live_alone
    if movies:
        still, movie = out.live_names
        example = f" ({still} + {movie})" if still and movie else ""
        head = plural(movies, "Live Photo") if alone else "Live Photos"
        both = "as they are" if policy.passthrough else "both cleaned"
        lines.append(f"{head}: the still and its movie, {both}{example}.")
    if alone:
        head = plural(alone, "Live Photo") if movies else "Live Photos"
        lines.append(f"{head}: the still only; the movie stays on this device.")
    videos, still_only = out.count.motion, out.motion_alone
    if videos:
        head = plural(videos, "motion photo") if still_only else "Motion photos"
        lines.append(f"{head[:1].upper()}{head[1:]}: the video stays inside the photo's file, {how}.")
    if still_only:
        head = plural(still_only, "motion photo") if videos else "Motion photos"
        lines.append(f"{head[:1].upper()}{head[1:]}: the still only; the video stays on this device.")
    return lines


def converted_words(out: Outgoing) -> str:
    """The photos among ``out`` whose picture leaves converted, with why that matters, in one sentence:
    "1 photo, from HEIC to JPEG: the picture is saved again at high quality, so it is not an exact copy
    of the original." Empty when every picture leaves as it is."""
    if not out.converted:
        return ""
    parts = [f"{plural(n, 'photo')}, " + (f"from {src} to {to}" if src != to else "saved again")
             for src, to, n in out.converted]
    return f"{'; '.join(parts)}: {reencoded_why(sum(n for _, _, n in out.converted))}."


def removed_label(key: str, policy: Policy) -> str:
    """The Share dialog's word for what stays of a category (a key of ``removed_of``)."""
    category = _category(key)
    if category is Category.TECHNICAL and policy.action(category) is Action.DISPLAY:
        return OTHER_TECHNICAL
    if category is Category.FILE:
        if policy.keeps_names:
            return FILE_DATE
        return FILE_NAME if policy.action(category) is Action.KEEP else FILE_NAME_AND_DATE
    if key == LAYOUT:
        return LAYOUT_LABEL
    return LABELS.get(category, key) if category is not None else key


def _category(key: str) -> Category | None:
    try:
        return Category(key)
    except ValueError:
        return None


def _label(key: str, policy: Policy) -> str:
    if key == SHORT_VIDEO:
        return SHORT_VIDEO
    category = _category(key)
    if category is None:
        return key
    if category is Category.TECHNICAL and policy.action(category) is Action.DISPLAY:
        return DISPLAY_LABEL
    return LABELS.get(category, key)


def _order(key: str) -> int:
    ids = [str(c) for c in Category] + [SHORT_VIDEO, LAYOUT]
    return ids.index(key) if key in ids else len(ids)


__all__ = [
    "SHORT_VIDEO", "Outgoing", "ShareSummary", "converted_words", "leaving_of", "moving_words",
    "removed_label", "removed_of", "summarize", "summary_job",
]
