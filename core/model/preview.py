# SPDX-License-Identifier: GPL-3.0-or-later
"""A preview: for one file and one policy, each item that leaves and each that stays (with why).

The preview is the single source of truth of an export: the sanitizer receives the keys of the items
that leave, and the verifier checks the cleaned file against the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model.inventory import Item, Need
from core.model.policy import PixelMode, Policy


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
    pixels: PixelMode
    leaves: list[Item] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)
    faces_detected: int = 0
    faces_blurred: int = 0
    error: str = ""
    # A Live Photo's movie, planned under the same policy: it leaves with the still only when the
    # policy keeps motion (``policy.keeps_motion``), and the pane shows what it would carry either way.
    movie: Preview | None = None
    movie_name: str = ""

    @classmethod
    def failed(cls, path: str, policy: Policy, error: str) -> Preview:
        """The preview of a file that cannot be read or planned: nothing leaves, and why."""
        return cls(path, policy, "", PixelMode.UNCHANGED, error=error)

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
            "pixels": str(self.pixels),
            "leaves": [i.to_json() for i in self.leaves],
            "stays": [s.to_json() for s in self.stays],
            "faces": {"detected": self.faces_detected, "blurred": self.faces_blurred},
            "status": "error" if self.error else "ok",
        }
        if self.error:
            data["error"] = self.error
        return data
