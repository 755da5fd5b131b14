# SPDX-License-Identifier: GPL-3.0-or-later
"""A file's preview in words: what leaves and what stays (summary and stays lists), a Live Photo's movie
and a motion photo's video with their own facts, what was read before damage, and the CLI's text lines.

Built on the facts per category of core.pipeline.description; every surface (pane, CLI, Share, report)
reads these, so they say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePath

from core.formats.base import MOTION_KEY
from core.metadata.icc_clean import text_removed
from core.model.categories import Category
from core.model.inventory import Item, Need, human_size
from core.model.policy import PixelMode
from core.model.values import ByteSize
from core.pipeline.description import (
    MOTION_PREFIX,
    PICTURE,
    Consent,
    Fact,
    Risk,
    describe,
    is_structure,
    join_words,
    plain_error,
    plural,
    withheld_by_policy,
    withheld_text,
)
from core.pipeline.inspection import PARTIAL
from core.pipeline.preview import Preview


def is_motion_part(item: Item) -> bool:
    """Whether the item is a motion photo's video, a field found inside it, or a pointer to it: what the
    policy's ``motion`` setting decides, shown in a section of its own (its place and time are the
    video's, not the still's)."""
    return item.need is Need.MOTION or item.key == MOTION_KEY or item.key.startswith(MOTION_PREFIX)


def _own(items: Iterable[Item]) -> list[Item]:
    return [i for i in items if not is_motion_part(i)]


def summary_of(preview: Preview) -> list[Fact]:
    """What leaves one photo under its policy, in words (nothing for a file that is withheld). A motion
    photo's video is not among them: ``motion_video_facts`` describes it, with what it carries."""
    if preview.error:
        return []
    removed = text_removed(preview.leaves, [s.item for s in preview.stays])
    facts = describe(_own(preview.leaves), icc_text_removed=removed)
    if preview.faces_blurred and facts and facts[0].category == PICTURE:
        n = preview.faces_blurred
        first = facts[0]
        text = f"{first.text}, with {plural(n, 'face')} blurred"
        facts[0] = Fact(first.category, first.label, text, first.risk, first.items)
    return facts


def stays_of(preview: Preview) -> list[Fact]:
    """What stays on the device, in words. Faces that are blurred do leave, as blurred pixels: the
    picture line of ``summary_of`` says so, and listing them here too would read as "faces stay"."""
    if preview.error:
        return []
    items = _own(s.item for s in preview.stays if not (s.item.category is Category.FACES
                                                       and s.reason == "blurred"))
    # What the clean rebuilds (a JFIF header, padding the picture needs) is not "the picture": the pixels
    # leave. Those rows read as what they are.
    layout = [i for i in items if is_structure(i)]
    facts = describe(i for i in items if not is_structure(i))
    if layout:
        facts.insert(0, Fact(LAYOUT, LAYOUT_LABEL, _layout(layout), Risk.LOW, tuple(layout)))
    return facts


LAYOUT = "layout"  # the category id of the file's own layout rows that stay (a JFIF header)
LAYOUT_LABEL = "File layout"


def _layout(items: Sequence[Item]) -> str:
    """"the JFIF header (version, pixel density), not needed to show the picture"."""
    names = list(dict.fromkeys(_LAYOUT_NAMES.get(i.name, i.name[:1].lower() + i.name[1:]) for i in items))
    return f"{join_words(names)}, not needed to show the picture"


_LAYOUT_NAMES = {"JFIF header": "the JFIF header (version, pixel density)"}


def motion_video_facts(preview: Preview) -> list[tuple[bool, str, list[Fact]]]:
    """A motion photo's video in words, as sections of the pane's two lists: (leaves, heading, facts),
    like a Live Photo's movie (``live_movie_facts``). When the policy sends the video: what leaves with it
    and what is removed from it; otherwise one section of everything it holds, which stays. Empty for any
    other photo, and for a withheld one."""
    if preview.error:
        return []
    video = next((i for i in preview.leaves if i.key == MOTION_KEY), None)
    if video is not None:
        heading = f"Motion-photo video{_size_of(video)}"
        inside = [i for i in preview.leaves if i.key.startswith(MOTION_PREFIX)]
        removed = [s.item for s in preview.stays if s.item.key.startswith(MOTION_PREFIX)]
        how = "as it is" if preview.policy.passthrough else "cleaned"
        carried = describe(inside)
        sections = [(True, _leaving(f"{heading}, {how}", carried), carried)]
        if removed:
            taken = describe(removed)
            sections.append((False, _taken_out("motion-photo video", taken, carried), taken))
        return sections
    staying = next((s.item for s in preview.stays if s.item.key == MOTION_KEY), None)
    if staying is None:
        return []
    held = [s.item for s in preview.stays if s.item.key.startswith(MOTION_PREFIX)]
    return [(False, f"Motion-photo video{_size_of(staying)}: not sent, the still goes alone",
             describe(held))]


def motion_video_json(preview: Preview) -> list[dict[str, object]]:
    """``motion_video_facts`` for ``preview --json``: [{"leaves", "heading", "summary"}] (empty: none)."""
    return [{"leaves": leaves, "heading": heading, "summary": [f.to_json() for f in facts]}
            for leaves, heading, facts in motion_video_facts(preview)]


def _topics(facts: Sequence[Fact], leaving: Sequence[Fact] = ()) -> str:
    """"location, time and device": the facts' labels, as a heading names what is under it; "other time
    fields" for a kind of which some fields leave (the video's time leaves, its second copy does not)."""
    left = {f.label for f in leaving}
    return join_words(list(dict.fromkeys(
        f"other {_lower(f.label)} fields" if f.label in left else _lower(f.label) for f in facts)))


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _leaving(video: str, facts: Sequence[Fact]) -> str:
    """The heading of a video that leaves, naming what leaves with it, so that it reads whole even folded:
    "Motion-photo video (1.3 MB), cleaned, leaves with: time"."""
    return f"{video}, leaves with: {_topics(facts)}" if facts else f"{video}, leaves with nothing else"


def _taken_out(video: str, facts: Sequence[Fact], leaving: Sequence[Fact]) -> str:
    """The heading, among what stays, of what the clean takes out of a video that leaves: it is not the
    video that stays ("Removed from the motion-photo video that leaves: location and device")."""
    return f"Removed from the {video} that leaves: {_topics(facts, leaving)}"


def _size_of(video: Item) -> str:
    size = video.datum.count if isinstance(video.datum, ByteSize) else video.bytes
    return f" ({human_size(size)})" if size else ""


def motion_video_leaves(preview: Preview) -> bool:
    """Whether a motion photo's video leaves with this photo."""
    return not preview.error and any(i.key == MOTION_KEY for i in preview.leaves)




def live_movie_facts(preview: Preview) -> list[tuple[bool, str, list[Fact]]]:
    """A Live Photo's movie in words, as sections of the pane's two lists: (leaves, heading, facts).
    When the policy sends the movie: what leaves with it, and what is removed from it; otherwise one
    section of everything it holds, which stays. Empty for any other photo."""
    movie = preview.movie
    if movie is None:
        return []
    name = preview.movie_name
    if movie.error:
        return [(False, f"Live Photo movie {name}: not sent. {plain_error(movie.error)}", [])]
    if preview.policy.keeps_motion:
        carried, taken = summary_of(movie), stays_of(movie)
        sections = [(True, _leaving(f"Live Photo movie {name}, cleaned", carried), carried)]
        if taken:
            sections.append((False, _taken_out(f"Live Photo movie {name}", taken, carried), taken))
        return sections
    held = describe([*movie.leaves, *(s.item for s in movie.stays)])
    return [(False, f"Live Photo movie {name}: not sent, the still goes alone", held)]


def partial_facts(preview: Preview) -> list[Fact]:
    """What a damaged file showed before the damage, in words (it stays: the file is withheld)."""
    if not preview.error:
        return []
    # The picture's structure read before the damage says nothing a person needs to know.
    return describe(s.item for s in preview.stays if s.item.need is Need.NONE and s.item.note == PARTIAL)


# A file's format as people know it, where its name's ending is not that (a conversion changes the ending).
FORMAT_NAMES = {".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".hif": "HEIF",
                ".webp": "WebP"}


def format_name(name: str) -> str:
    """"HEIC" for "IMG_0001.HEIC"; an unknown ending in capitals, without its dot."""
    suffix = PurePath(name).suffix.lower()
    return FORMAT_NAMES.get(suffix, suffix[1:].upper())


def conversion_of(preview: Preview) -> tuple[str, str] | None:
    """(from, to) for a photo whose picture leaves saved again in another format (a HEIC leaves as a
    JPEG): it is not the original's picture data. None when the picture leaves as it is, when only faces
    are blurred (the face words say so), and for a file that does not leave."""
    if preview.error or preview.policy.passthrough or not preview.output_name:
        return None
    src, out = format_name(preview.path), format_name(preview.output_name)
    if src != out or preview.pixels is PixelMode.RE_ENCODED:
        return src, out
    return None


def reencoded_why(photos: int = 1) -> str:
    """Why a converted picture is not the original's, for one photo or several."""
    if photos == 1:
        return "the picture is saved again at high quality, so it is not an exact copy of the original"
    return "each picture is saved again at high quality, so none is an exact copy of its original"


def conversion_words(preview: Preview) -> str:
    """One sentence for the pane when the photo's picture leaves converted (``conversion_of``): "This
    photo leaves converted from HEIC to JPEG: the picture is saved again …". Empty otherwise."""
    conversion = conversion_of(preview)
    if conversion is None:
        return ""
    src, out = conversion
    if src == out:
        return f"This photo's picture leaves saved again: {reencoded_why()}."
    return f"This photo leaves converted from {src} to {out}: {reencoded_why()}."


def text_lines(preview: Preview, consent: Consent | None = None, recipient: str = "") -> list[str]:
    """The CLI's plain-language block for one file: consent first, then what leaves and what stays."""
    lines = []
    if consent is not None:
        lines.append(f"  {consent.headline(recipient)} ({consent.because})")
    if preview.error:
        # The policy's reason is a sentence already; a damaged file's technical reason follows its words.
        detail = "" if withheld_by_policy(preview.error) else f" ({preview.error})"
        lines.append(f"  {withheld_text(preview.error)}{detail}")
        partial = partial_facts(preview)
        if partial:
            lines.append(" Read before the damage (partial):")
            lines += [f"    {fact.line}" for fact in partial]
        return lines
    shared = consent is None or consent.shared
    lines.append(" Leaves the device:" if shared else " Would leave if you shared it:")
    for fact in summary_of(preview):
        mark = "  (!)" if fact.risk is Risk.HIGH else ""
        lines.append(f"    {fact.line}{mark}")
    sections = motion_video_facts(preview)
    for leaves, heading, facts in sections:
        if leaves:
            lines.append(f"    {heading}")
            lines += [f"      {fact.line}" for fact in facts]
    stays = stays_of(preview)
    lines.append(" Stays on this device:")
    lines += [f"    {fact.line}" for fact in stays] or (["    (nothing)"] if not sections else [])
    for leaves, heading, facts in sections:
        if not leaves:
            lines.append(f"    {heading}")
            lines += [f"      {fact.line}" for fact in facts]
    return lines


MOTION_TIP = (
    "Motion photo: it holds a short video, which leaves with it only if the policy sends the video too"
)


def motion_photo_words(preview: Preview, recipient: str) -> str:
    """A motion photo's video in one sentence, for the pane: that the photo holds one, and whether it
    leaves under the recipient's policy (``motion`` = keep | remove). Empty for any other photo."""
    held = "This photo holds a short video (a motion photo), which the policy for"
    if any(i.key == MOTION_KEY for i in preview.leaves):
        how = "as it is" if preview.policy.passthrough else "cleaned"
        return f"{held} {recipient} sends with it, {how}."
    if any(s.item.key == MOTION_KEY for s in preview.stays):
        return f"{held} {recipient} keeps on this device: only the still is sent."
    return ""

