# SPDX-License-Identifier: GPL-3.0-or-later
"""What an export to one recipient would take, summarised from what the library stores (no decoding):
plain Python, computed in a worker for the Share dialog."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.library.service import LibraryService
from core.library.sharing import AlreadySent
from core.model.categories import LABELS, Category
from core.model.policy import DISPLAY, KEEP, Policy, PolicyError
from core.pipeline.description import CATEGORY_RISK, Risk, plain_error


@dataclass
class ShareSummary:
    recipient: str
    policy: Policy | None
    policy_error: str = ""
    policy_spec: str = ""  # as stored: a built-in name or the path of the recipient's TOML copy
    photos: int = 0
    leaving: list[tuple[str, int]] = field(default_factory=list)  # (label, photos carrying it)
    risky: set[str] = field(default_factory=set)  # labels of leaving categories that tell where/who/what
    removed: list[tuple[str, int]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    sent: AlreadySent | None = None  # of these photos, those the ledger says the recipient already has
    videos_withheld: list[str] = field(default_factory=list)  # file names: the policy blurs faces
    last_destination: str = ""  # where the recipient's last export went (the ledger), offered again



def summarize(service: LibraryService, recipient: str) -> ShareSummary:
    """What an export to ``recipient`` would take, from the flags stored at import (no decoding)."""
    rec = service.recipient(recipient)
    try:
        policy: Policy | None = service.policy_of(rec)
        error = ""
    except PolicyError as exc:
        policy, error = None, str(exc)
    sources = service.allowed_sources(recipient)
    present: Counter[str] = Counter()
    unreadable: list[tuple[str, str]] = []
    videos: list[str] = []
    for path, fingerprint in sources:
        record = service.photo_record(fingerprint)
        if record is None:
            continue
        if record.status == "error":
            unreadable.append((Path(path).name, plain_error(record.error or "could not be read")))
        elif record.format == "mp4" and policy is not None and policy.blurs_faces:
            videos.append(Path(path).name)  # the export withholds it (faces in videos are not blurred yet)
        for cat in filter(None, record.categories.split(",")):
            present[cat] += 1
    summary = ShareSummary(
        recipient, policy, error, rec.policy, len(sources), unreadable=unreadable, videos_withheld=videos
    )
    summary.sent = service.already_sent(recipient)
    summary.last_destination = service.last_destination(recipient)
    if policy is None:
        return summary
    for cat_id, count in sorted(present.items(), key=lambda kv: _order(kv[0])):
        try:
            category = Category(cat_id)
        except ValueError:
            category = Category.UNKNOWN
        if category in (Category.FACES, Category.FILE):
            continue  # faces and file names have their own lines
        action = policy.action(category)
        label = LABELS.get(category, cat_id)
        if action == KEEP:
            summary.leaving.append((label, count))
            if CATEGORY_RISK.get(category) is Risk.HIGH:
                summary.risky.add(label)
        elif action == DISPLAY:
            summary.leaving.append(("Orientation and colour profile", count))
        else:
            summary.removed.append((label, count))
    return summary


def _order(cat_id: str) -> int:
    ids = [str(c) for c in Category]
    return ids.index(cat_id) if cat_id in ids else len(ids)


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
