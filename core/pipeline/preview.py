# SPDX-License-Identifier: GPL-3.0-or-later
"""Inventory + policy -> what leaves the device and what stays, item by item.

The plan is the single source of truth: the sanitizer receives the keys of the items that leave, and
the exporter checks the cleaned file against the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from core.model.categories import Category
from core.model.inventory import Inventory, Item, Need
from core.model.policy import BLUR, DISPLAY, KEEP, NEUTRAL, REMOVE, Policy


@dataclass(frozen=True, slots=True)
class Stay:
    item: Item
    reason: str

    def to_json(self) -> dict[str, object]:
        return {**self.item.to_json(), "reason": self.reason}


@dataclass(slots=True)
class Preview:
    path: str
    policy: Policy
    output_name: str
    pixels: str  # "unchanged" | "faces-blurred" | "re-encoded"
    leaves: list[Item] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)
    faces_detected: int = 0
    faces_blurred: int = 0
    error: str = ""

    @property
    def leaving_keys(self) -> frozenset[str]:
        return frozenset(i.key for i in self.leaves)

    def leaving_categories(self) -> list[str]:
        """Categories of real metadata that leave (pixels and display structure are not listed)."""
        cats = {i.category for i in self.leaves if i.need is not Need.PIXELS}
        return sorted(str(c) for c in cats)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.path,
            "policy": self.policy.name,
            "output_name": self.output_name,
            "pixels": self.pixels,
            "leaves": [i.to_json() for i in self.leaves],
            "stays": [s.to_json() for s in self.stays],
            "faces": {"detected": self.faces_detected, "blurred": self.faces_blurred},
            "status": "error" if self.error else "ok",
        }
        if self.error:
            data["error"] = self.error
        return data


def decide(item: Item, policy: Policy) -> str:
    """Empty string when the item leaves; otherwise the reason it stays."""
    if policy.passthrough:
        return ""
    if item.category is Category.UNKNOWN:
        return "unknown data is never passed through"
    if item.need is Need.PIXELS:
        return ""
    if item.key == "file:name":
        return "" if policy.file_names == KEEP else "replaced by a neutral name"
    if item.category is Category.FACES:
        return "blurred" if policy.faces == BLUR else ""
    action = policy.action(item.category)
    if item.need is Need.DISPLAY and action != REMOVE:
        return "" if item.carriable else item.note or "cannot be carried safely"
    if action == DISPLAY:
        return "not needed to display the photo"
    if action == REMOVE:
        return f"policy removes {item.category}"
    if not item.carriable:
        return item.note or "cannot be carried into a clean file safely"
    return ""


def neutral_name(index: int, extension: str) -> str:
    return f"photo-{index:04d}{extension}"


def output_name(source: str, policy: Policy, index: int, extension: str) -> str:
    if policy.file_names == NEUTRAL:
        return neutral_name(index, extension)
    name = PurePath(source).name
    if policy.passthrough:
        return name
    stem = PurePath(name).stem
    return f"{stem}{extension}"


def make_preview(
    inventory: Inventory,
    policy: Policy,
    *,
    index: int = 1,
    extension: str = "",
    reencodes: bool = False,
    faces_blurred: int = 0,
) -> Preview:
    """``extension`` is the handler's output extension (HEIC may leave as JPEG)."""
    ext = extension or PurePath(inventory.path).suffix.lower()
    preview = Preview(
        path=inventory.path,
        policy=policy,
        output_name=output_name(inventory.path, policy, index, ext),
        pixels="unchanged",
        error=inventory.error,
    )
    if inventory.error:
        return preview
    for item in inventory.items:
        reason = decide(item, policy)
        if reason:
            preview.stays.append(Stay(item, reason))
        else:
            preview.leaves.append(item)
    face_items = [i for i in inventory.items if i.category is Category.FACES]
    preview.faces_detected = len(face_items)
    if policy.passthrough:
        return preview
    if policy.faces == BLUR and faces_blurred:
        preview.faces_blurred = faces_blurred
        preview.pixels = "faces-blurred"
    elif reencodes:
        preview.pixels = "re-encoded"
    return preview


__all__ = ["Preview", "Stay", "decide", "make_preview", "neutral_name", "output_name", "KEEP", "REMOVE"]
