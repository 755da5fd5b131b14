# SPDX-License-Identifier: GPL-3.0-or-later
"""Prove a cleaned file is what its preview promised: parse it again and compare with the plan.

A motion photo's video is re-inspected with the still: its metadata items are compared like the
still's, its samples byte for byte, and the XMP pointers must locate it exactly.

Fail closed: the cleaned bytes, parsed again, must carry exactly the items the preview says leave, no
unknown data, nothing the policy removes, the same dimensions and orientation, and (for a lossless clean)
the very same compressed image data. Any difference is the reason the file is withheld.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.formats import Buffer, Cleaned, Parsed
from core.formats.base import MOTION_KEY
from core.model.categories import Category
from core.model.inventory import Item, Need, ParseError
from core.model.policy import Action, PixelMode, Policy
from core.model.preview import Preview
from core.pipeline.inspection import parse_buffer


def _comparable(items: Sequence[Item], *, include_display: bool) -> set[tuple[str, str, str]]:
    keep: set[tuple[str, str, str]] = set()
    for item in items:
        if item.need is Need.PIXELS or item.category is Category.FACES or item.key.startswith("file:"):
            continue
        if item.need is Need.MOTION:
            continue  # the video and its pointers are rewritten: checked by motion_problem
        if item.need is Need.DISPLAY and not include_display:
            continue
        keep.add((item.key, str(item.category), item.value))
    return keep


def spans_equal(
    a: Buffer, a_spans: Sequence[tuple[int, int]], b: Buffer, b_spans: Sequence[tuple[int, int]]
) -> bool:
    """The compressed image data of both files, compared byte for byte.

    In place where ``b`` is a byte string: ``b.startswith(view of a, offset)`` is one memcmp of the two
    stretches, with no copy (a comparison of memoryviews runs an element loop). A mapped ``b`` (an
    output read back from the destination) is compared a block at a time."""
    if sum(n for _, n in a_spans) != sum(n for _, n in b_spans):
        return False
    left = iter([s for s in a_spans if s[1] > 0])
    right = iter([s for s in b_spans if s[1] > 0])
    (ao, an), (bo, bn) = next(left, (0, 0)), next(right, (0, 0))
    in_place = isinstance(b, bytes)
    with memoryview(a) as view:
        while an and bn:
            n = min(an, bn) if in_place else min(an, bn, _BLOCK)
            if ao + n > len(view) or bo + n > len(b):
                return False
            if in_place:
                assert isinstance(b, bytes)
                if not b.startswith(view[ao : ao + n], bo):
                    return False
            elif not b[bo : bo + n].startswith(view[ao : ao + n]):
                return False
            ao, an, bo, bn = ao + n, an - n, bo + n, bn - n
            if not an:
                ao, an = next(left, (0, 0))
            if not bn:
                bo, bn = next(right, (0, 0))
    return True


_BLOCK = 1 << 20


def motion_problem(preview: Preview, source: Buffer, parsed: Parsed, data: Buffer, out: Parsed) -> str:
    """A motion photo's video leaves exactly when the preview says so. When it does, it ends the cleaned
    file, every pointer in the cleaned XMP locates its first byte exactly, the XMP flags it, and its
    samples are the source video's, byte for byte; when it does not, nothing points at a video."""
    video = out.motion
    if MOTION_KEY not in preview.leaving_keys:
        if video is not None:
            return "the cleaned file still holds the motion photo's video, which the policy removes"
        pointer = next((i for i in out.items if i.need is Need.MOTION), None)
        if pointer is not None:
            return f"the cleaned file still points at a motion video it does not have ({pointer.name})"
        return ""
    if video is None:
        return "the cleaned file lacks the motion photo's video that the preview said would leave"
    if video.problem:
        return f"the cleaned file's motion video does not check out: {video.problem}"
    if video.end != len(data):
        return "the cleaned file holds data after its motion video"
    if not video.flagged or not video.claims:
        return "the cleaned file's XMP does not mark it as a motion photo or does not locate its video"
    for name, at in video.claims:
        if at != video.start:
            return (f"the cleaned file's {name} points at byte {at:,}, but its motion video starts at byte "
                    f"{video.start:,}")
    if parsed.motion is None or not spans_equal(source, parsed.motion.spans, data, video.spans):
        return "the motion video's frames or sound changed during the clean"
    return ""


def verify_clean(
    policy: Policy,
    preview: Preview,
    source: Buffer,
    parsed: Parsed,
    cleaned: Cleaned,
    output: Buffer | None = None,
) -> str:
    """Empty string when the cleaned bytes provably match the preview; otherwise why not.

    ``output`` is the whole cleaned file as written (by default ``cleaned.data``, when that is all of it)."""
    data = cleaned.data if output is None else output
    if len(data) != cleaned.size:
        return "the cleaned file was not written whole"
    try:
        _, out = parse_buffer(data, clean_of=(source, parsed))
    except ParseError as exc:
        return f"the cleaned file could not be read back ({exc})"
    unknown = [i for i in out.items if i.category is Category.UNKNOWN]
    if unknown:
        return f"the cleaned file still holds unknown data ({unknown[0].name})"
    problem = motion_problem(preview, source, parsed, data, out)
    if problem:
        return problem
    for item in out.items:
        if item.need is Need.NONE and policy.action(item.category) is Action.REMOVE:
            return f"the cleaned file still carries {item.name} ({item.category}), which the policy removes"
    # A re-encoded image gets a new colour-profile structure, so display items are compared by presence.
    lossless = cleaned.pixels == PixelMode.UNCHANGED
    expected = _comparable(preview.leaves, include_display=lossless)
    actual = _comparable(out.items, include_display=lossless)
    extra = actual - expected
    if extra:
        key, cat, _ = sorted(extra)[0]
        return f"the cleaned file carries {key} ({cat}) that the preview did not list as leaving"
    missing = expected - actual
    if missing:
        key, cat, _ = sorted(missing)[0]
        return f"the preview promised {key} ({cat}) would leave, but the cleaned file lacks it"
    if not lossless:
        wants_display = any(i.need is Need.DISPLAY for i in preview.leaves)
        has_display = any(i.need is Need.DISPLAY for i in out.items)
        if has_display and not wants_display:
            return "the re-encoded file carries a colour profile the policy removes"
    if (out.width, out.height) != (parsed.width, parsed.height) and lossless:
        return "the cleaned file has different dimensions"
    if lossless:
        if out.orientation != parsed.orientation:
            return "the cleaned file would display with a different orientation"
        if not parsed.pixel_spans or not spans_equal(
            source, parsed.pixel_spans, data, out.pixel_spans
        ):
            return "the compressed image data changed during a lossless clean"
    return ""
