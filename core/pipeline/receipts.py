# SPDX-License-Identifier: GPL-3.0-or-later
"""What an export says about itself: the result the caller keeps and the receipt that travels.

The receipt travels with the photos, so it carries only what the recipient receives anyway: the policy
by its name and settings (never the path of a policy file), each output's name and hash, what it carries,
and why others were withheld. It never holds a fingerprint of an original (a recipient could test
whether they hold a given photo); those stay in the local record (the ledger, the `--json` result).
Under a keep-names policy it also names each source file (its name only, never its folder).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath

from core import __version__
from core.model.inventory import display_path
from core.model.policy import Policy

RECEIPT_NAME = "receipt.json"
MOTION_VIDEO = "motion_video"  # a file entry's key: true when a motion photo's video left inside it
# The receipt's rows of a motion photo's video: the video itself and the XMP pointers that locate it.
MOTION_VIDEO_NAMES = ("Motion-photo video",)
MOTION_POINTERS = ("XMP GCamera:", "XMP Container:", "XMP Item:")
HIDDEN_MEDIA = "hidden_media"


@dataclass(frozen=True, slots=True)
class Carried:
    """What left with one file, as its receipt entry records it: the categories of metadata, the rows
    behind them, and whether a motion photo's video went too. The video is what the policy's ``motion``
    setting decides, not the hidden-media category: it is recorded under its own key, and its rows under
    its own category, so no receipt claims that a category the policy removes left."""

    categories: list[str]
    items: list[dict[str, object]]
    motion_video: bool


def carried(categories: list[str], items: list[dict[str, object]]) -> Carried:
    """The exporter's categories and rows of one file (``Outcome.summary``), with a motion photo's video
    taken out of hidden media. The rows found inside the video keep their own categories (its time is a
    time that left)."""
    video = any(
        i.get("category") == HIDDEN_MEDIA and str(i.get("name", "")).startswith(MOTION_VIDEO_NAMES)
        for i in items
    )
    if not video:
        return Carried(list(categories), list(items), False)
    out = []
    for item in items:
        name = str(item.get("name", ""))
        if item.get("category") == HIDDEN_MEDIA and name.startswith(MOTION_VIDEO_NAMES + MOTION_POINTERS):
            item = {**item, "category": MOTION_VIDEO}
        out.append(item)
    cats = [c for c in categories if c != HIDDEN_MEDIA]
    if any(i.get("category") == HIDDEN_MEDIA for i in out):
        cats = list(categories)  # other embedded media (a thumbnail) left too
    return Carried(cats, out, True)


@dataclass(frozen=True, slots=True)
class Exported:
    source: str
    output: str  # final path (or zip entry name)
    sha256: str
    source_sha256: str
    categories: list[str]
    items: list[dict[str, object]]
    pixels: str
    faces_blurred: int
    paired_with: str = ""  # the other half of a Live Photo that left with this file (its output)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"source": self.source, "output": self.output, "sha256": self.sha256}
        if self.paired_with:
            data["live_photo_with"] = self.paired_with
        return data


@dataclass(frozen=True, slots=True)
class Withheld:
    source: str
    reason: str
    source_sha256: str = ""

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "reason": self.reason}


@dataclass(slots=True)
class ExportResult:
    out: str
    policy: Policy
    recipient: str | None
    exported: list[Exported] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    receipt: dict[str, object] = field(default_factory=dict)
    receipt_path: str = ""
    cancelled: bool = False
    # Why the export stopped before its end (a full or failing destination), in one sentence.
    error: str = ""

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "out": self.out,
            "exported": [e.to_json() for e in self.exported],
            "withheld": [w.to_json() for w in self.withheld],
            "receipt": self.receipt,
            "receipt_path": self.receipt_path,
            "cancelled": self.cancelled,
        }
        if self.error:
            doc["error"] = self.error
        return doc


def receipt_header(policy: Policy, recipient: str | None, created: str) -> dict[str, object]:
    return {
        "app": "photo-consent",
        "version": __version__,
        "created": created,
        "recipient": recipient,
        "policy": policy.settings(),
    }


def file_entry(policy: Policy, exported: Exported) -> dict[str, object]:
    what = carried(exported.categories, exported.items)
    entry: dict[str, object] = {
        "output": display_path(PurePath(exported.output).name),
        "sha256": exported.sha256,
        "pixels": exported.pixels,
        "faces_blurred": exported.faces_blurred,
        "categories": what.categories,
        "items": what.items,
    }
    if what.motion_video:
        entry[MOTION_VIDEO] = True
    if exported.paired_with:
        # One Live Photo: the still and its movie name each other.
        entry["live_photo_with"] = display_path(PurePath(exported.paired_with).name)
    if policy.keeps_names:
        entry["source_name"] = display_path(PurePath(exported.source).name)
    return entry


def withheld_entry(policy: Policy, withheld: Withheld) -> dict[str, object]:
    entry: dict[str, object] = {"reason": withheld.reason}
    if policy.keeps_names:
        entry = {"source_name": display_path(PurePath(withheld.source).name), **entry}
    return entry


def build_receipt(result: ExportResult, created: str) -> dict[str, object]:
    policy = result.policy
    return {
        **receipt_header(policy, result.recipient, created),
        "files": [file_entry(policy, e) for e in result.exported],
        "withheld": [withheld_entry(policy, w) for w in result.withheld],
        "counts": {"exported": len(result.exported), "withheld": len(result.withheld)},
        "cancelled": result.cancelled,
        **({"error": result.error} if result.error else {}),
    }


def encode(receipt: dict[str, object]) -> bytes:
    # Names went through display_path; "replace" keeps any other stray surrogate from failing the export.
    return (json.dumps(receipt, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "replace")
