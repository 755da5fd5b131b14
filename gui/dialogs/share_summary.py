# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog's summary as text: what an export would send (``core.library.sharing_summary``,
computed in a worker from the same per-file plan as the export) laid out as escaped HTML."""

from __future__ import annotations

from core.library.sharing_summary import Outgoing, ShareSummary, moving_words
from core.model.policy import BLUR, KEEP, Policy, policy_label


def photos_text(n: int) -> str:
    return f"{n} photo" if n == 1 else f"{n} photos"


def categories_html(entries: list[tuple[str, int]], risky: set[str] | None = None, colour: str = "") -> str:
    """Escaped HTML: each category with its photo count; risky ones bold in the risk colour."""
    parts = []
    for label, n in entries:
        text = esc(f"{label} ({photos_text(n)})")
        if risky and label in risky:
            text = f'<b style="color:{colour}">{text}</b>'
        parts.append(text)
    return ", ".join(parts)


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the summary's lines, one function each (the dialog sets them on its labels) ----------------------

FACES_BLURRED = (
    "<b>Blurred</b>: every detected face except those you chose to keep, and every box you drew. Photos "
    "not yet analysed are analysed during the export; without the face model they are withheld."
)
FACES_KEPT = "Left as they are (not blurred)."


def photos_html(s: ShareSummary) -> str:
    if s.photos == 0:
        return f"No photo is shared with {esc(s.recipient)} yet. Allow albums or photos for them first."
    # Counted as the receipt will count them: where photos and files differ, the same line says why.
    note = f" ({esc(s.count.note)})" if s.count.note else ""
    return f"<b>{esc(s.count.photos_text)}</b> you allowed for {esc(s.recipient)}{note}"


def policy_html(s: ShareSummary) -> str:
    if s.policy is None:
        return f"This recipient's policy cannot be used: {esc(s.policy_error)}"
    about = f" — {esc(s.policy.description)}" if s.policy.description else ""
    return f"<b>{esc(policy_label(s.policy))}</b>{about}"


def faces_html(policy: Policy) -> str:
    return FACES_BLURRED if policy.faces == BLUR else FACES_KEPT


def names_html(policy: Policy, out: Outgoing) -> str:
    if policy.passthrough or policy.file_names == KEEP:
        names = "The original file names leave too."
    else:
        names = "Neutral names (photo-0001.jpg, photo-0002.jpg, …); the original names stay on this device."
    # A Live Photo's movie or a motion photo's video only where the photos that leave have one.
    return "<br>".join(esc(line) for line in [names, *moving_words(policy, out)])


def leaving_html(policy: Policy, out: Outgoing, risk_colour: str) -> str:
    if not out.count.photos:
        return "Nothing: there is no photo to send."
    if policy.passthrough:
        return "<b>Everything, byte for byte</b>, including any data the app cannot identify."
    if not out.leaving:
        return "Only the picture itself (no metadata)."
    return categories_html(out.leaving, out.risky, risk_colour)


def removed_html(out: Outgoing) -> str:
    if not out.count.photos:
        return "—"
    return categories_html(out.removed) if out.removed else "Nothing to remove."


def problems_html(s: ShareSummary) -> tuple[str, str]:
    """What is known to go wrong before the export starts, and the tooltip naming each file."""
    lines: list[str] = []
    if s.unreadable:
        names = ", ".join(n for n, _ in s.unreadable[:5]) + (" …" if len(s.unreadable) > 5 else "")
        lines.append(
            f"{photos_text(len(s.unreadable))} could not be read at import and will be withheld: {esc(names)}"
        )
    if s.withheld:
        others = " (and others, for their own reasons)" if len({r for _, r in s.withheld}) > 1 else ""
        lines.append(f"{photos_text(len(s.withheld))} will be withheld: {esc(s.withheld[0][1])}{others}")
    if s.videos_withheld:
        n = len(s.videos_withheld)
        lines.append(
            f"{n} video{'s' if n != 1 else ''} will be withheld: this recipient's policy blurs faces, and "
            "faces in videos cannot be blurred yet."
        )
    tooltip = "\n".join(f"{n}: {r}" for n, r in [*s.unreadable, *s.withheld])
    return ("<br>".join(lines) if lines else "None known."), tooltip
