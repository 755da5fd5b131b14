# SPDX-License-Identifier: GPL-3.0-or-later
"""The sentence under a photo in the pane and the viewer: what is known about its faces.

"No faces found" is said only when the detector looked (the face store's record is analysed, as the
exposure report counts it); a photo nobody looked at yet says so, and a video says that faces in videos
are not looked for, in every window."""

from __future__ import annotations

from core.imaging.rendering import Picture

VIDEO_FACES = "A video: this is one frame of it. Faces in videos are not looked for yet."
NOT_ANALYSED = "Faces not looked for yet in this photo."


def faces_hint(picture: Picture, blurs: bool) -> str:
    if picture.video:
        return VIDEO_FACES
    n_detected = sum(1 for f in picture.faces if f.kind != "manual")
    kept = sum(1 for f in picture.faces if f.kind == "kept")
    manual = sum(1 for f in picture.faces if f.kind == "manual")
    missed = " Missed one? Mark it and it will be blurred." if blurs else ""
    if not picture.faces and not picture.analysed:
        return NOT_ANALYSED + missed
    if not picture.faces:
        return "No faces found in the picture." + missed
    parts = [f"{n_detected} face{'s' if n_detected != 1 else ''} found"]
    if kept:
        parts.append(f"{kept} kept visible by you")
    if manual:
        parts.append(f"{manual} marked by you")
    hint = ", ".join(parts) + "."
    if blurs:
        hint += " Click a face to keep it visible; click it again to blur it."
        hint += (" Blue: will be blurred (the shaded area around it is what gets blurred) · orange: leaves"
                 " visible · dashed: your choice.")
    else:
        hint += (" This recipient's policy leaves every face visible (orange); to blur faces, change what"
                 " this recipient may receive under Manage recipients.")
    return hint
