# SPDX-License-Identifier: GPL-3.0-or-later
"""Inventory + policy -> what leaves the device and what stays, item by item (a ``Plan``).

``plan_file`` is shared by `preview`, the library's preview and `export`, so what the user is shown is
what the export writes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from core.formats import Buffer, Handler, Parsed
from core.formats.base import MOTION_KEY
from core.metadata.icc_clean import TEXT_KEY, is_profile_item
from core.metadata.xmp import DAMAGED
from core.model.categories import Category
from core.model.inventory import Inventory, Item, Need
from core.model.policy import Action, PixelMode, Policy
from core.model.preview import Preview, Stay
from core.pipeline.inspection import inventory_from
from core.pipeline.pairs import IDENTIFIER_STAYS, identifier_stays

if TYPE_CHECKING:
    from core.imaging.faces import Face


@dataclass(slots=True)
class Plan:
    """One open file planned under a policy. ``handler`` and ``parsed`` are None when the file cannot
    be read (``inventory.error`` and ``preview.error`` say why)."""

    inventory: Inventory
    handler: Handler | None
    parsed: Parsed | None
    preview: Preview

    @property
    def ok(self) -> bool:
        return (self.handler is not None and self.parsed is not None and not self.inventory.error
                and not self.preview.error)


MOTION_STAYS = "the policy sends the still alone, without its motion video"
WITHHELD_MOTION = ("the policy sends motion, but {why}, so the photo is withheld (a policy that removes "
                   "motion sends the still alone)")
WITHHELD_MOTION_FACES = ("the policy sends motion and blurs faces, but faces in videos cannot be blurred "
                         "yet, so the photo is withheld (a policy that removes motion sends the still alone)")
# Faces in videos are not looked for: a policy that blurs faces cannot keep its promise for a video.
WITHHELD_VIDEO_FACES = "Videos cannot have faces blurred yet, so this video was withheld."
WITHHELD_DAMAGED = ("damaged XMP: the policy keeps what it says, but a damaged packet cannot be copied "
                    "safely, so the photo is withheld")


def decide(item: Item, policy: Policy) -> str:
    """Empty string when the item leaves; otherwise the reason it stays."""
    if policy.passthrough:
        return ""
    if item.category is Category.UNKNOWN:
        return "unknown data is never passed through"
    if item.need is Need.PIXELS:
        return ""
    if identifier_stays(item):
        return IDENTIFIER_STAYS
    if item.need is Need.MOTION:
        if not policy.keeps_motion:
            return MOTION_STAYS
        return "" if item.carriable else item.note or "cannot be carried safely"
    if item.key == "file:name":
        return "" if policy.keeps_names else "replaced by a neutral name"
    if item.category is Category.FACES:
        return "blurred" if policy.faces is Action.BLUR else ""
    action = policy.action(item.category)
    if item.need is Need.DISPLAY and action is not Action.REMOVE:
        return "" if item.carriable else item.note or "cannot be carried safely"
    if action is Action.DISPLAY:
        return "not needed to display the photo"
    if action is Action.REMOVE:
        return f"policy removes {item.category}"
    if not item.carriable:
        return item.note or "cannot be carried into a clean file safely"
    return ""


def neutral_name(index: int, extension: str) -> str:
    return f"photo-{index:04d}{extension}"


def output_name(source: str, policy: Policy, index: int, extension: str) -> str:
    if not policy.keeps_names:
        return neutral_name(index, extension)
    name = PurePath(source).name
    if policy.passthrough:
        return name
    stem = PurePath(name).stem
    return f"{stem}{extension}"


def output_extension(handler: Handler, source: str) -> str:
    if handler.reencodes:
        return ".jpg"
    suffix = PurePath(source).suffix.lower()
    return suffix if suffix in handler.extensions else handler.extensions[0]


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
        pixels=PixelMode.UNCHANGED,
        error=inventory.error,
    )
    if inventory.error:
        # What could be read before the damage is shown; nothing of a damaged file ever leaves.
        preview.stays = [Stay(item, item.note or inventory.error) for item in inventory.items]
        return preview
    # A colour profile's text can only leave inside the profile.
    profile_leaves = any(is_profile_item(i) and not decide(i, policy) for i in inventory.items)
    for item in inventory.items:
        reason = decide(item, policy)
        if not reason and item.key.startswith(TEXT_KEY) and not profile_leaves:
            reason = "the colour profile that holds it stays"
        if reason:
            preview.stays.append(Stay(item, reason))
        else:
            preview.leaves.append(item)
    _inside_follow_container(preview)
    withheld = _motion_withheld(preview, policy)
    if withheld:
        preview.error = withheld
        preview.stays += [Stay(item, withheld) for item in preview.leaves]
        preview.leaves = []
        return preview
    if any(s.reason == DAMAGED for s in preview.stays):
        # The policy would keep what a damaged XMP packet says, and the packet cannot be carried:
        # sending the photo without it would not be what the policy promises.
        preview.error = WITHHELD_DAMAGED
        preview.stays += [Stay(item, WITHHELD_DAMAGED) for item in preview.leaves]
        preview.leaves = []  # a withheld photo: nothing of it leaves
        return preview
    face_items = [i for i in inventory.items if i.category is Category.FACES]
    preview.faces_detected = len(face_items)
    if policy.passthrough:
        return preview
    if policy.faces is Action.BLUR and faces_blurred:
        preview.faces_blurred = faces_blurred
        preview.pixels = PixelMode.FACES_BLURRED
    elif reencodes:
        preview.pixels = PixelMode.RE_ENCODED
    return preview


def _inside_follow_container(preview: Preview) -> None:
    """An item found inside embedded media (key ``{container}/{own key}``) leaves only with its
    container: a motion photo's video that stays keeps its place and time with it."""
    staying = {s.item.key: s.reason for s in preview.stays}
    kept: list[Item] = []
    for item in preview.leaves:
        key = item.key
        container = next((key[:n] for n, c in enumerate(key) if c == "/" and key[:n] in staying), None)
        if container is None:
            kept.append(item)
            continue
        reason = f"inside media that stays ({staying[container]})"
        preview.stays.append(Stay(item, reason))
        staying[key] = reason
    preview.leaves = kept


def _motion_withheld(preview: Preview, policy: Policy) -> str:
    """Why a photo whose motion the policy sends cannot leave: its video cannot be carried (damaged,
    or pointers that do not locate it), or the policy also blurs faces, which a video cannot have yet."""
    if not policy.keeps_motion or policy.passthrough:
        return ""
    for stay in preview.stays:
        if stay.item.need is Need.MOTION and stay.item.key == MOTION_KEY:
            return WITHHELD_MOTION.format(why=stay.reason)
    if policy.blurs_faces and any(i.key == MOTION_KEY for i in preview.leaves):
        return WITHHELD_MOTION_FACES
    return ""


def plan_file(
    path: Path,
    data: Buffer,
    st: os.stat_result,
    policy: Policy,
    *,
    index: int = 1,
    faces: Sequence[Face] = (),
) -> Plan:
    """Inventory and preview of one open file (shared by `preview` and `export`)."""
    inv, handler, parsed = inventory_from(path, data, st)
    if faces:
        from core.imaging.faces import face_items

        inv.items.extend(face_items(list(faces)))
    ext = output_extension(handler, str(path)) if handler else ""
    blurred = len(faces) if policy.faces is Action.BLUR else 0
    preview = make_preview(
        inv,
        policy,
        index=index,
        extension=ext,
        reencodes=bool(handler and handler.reencodes),
        faces_blurred=blurred,
    )
    if handler is not None and handler.name == "mp4" and policy.blurs_faces and not preview.error:
        preview.error = WITHHELD_VIDEO_FACES
        preview.stays += [Stay(item, WITHHELD_VIDEO_FACES) for item in preview.leaves]
        preview.leaves = []  # a withheld video: nothing of it leaves
    return Plan(inv, handler, parsed, preview)


__all__ = [
    "Plan",
    "Preview",
    "Stay",
    "decide",
    "make_preview",
    "neutral_name",
    "output_extension",
    "output_name",
    "plan_file",
]
