# SPDX-License-Identifier: GPL-3.0-or-later
"""Clean one file in memory under a policy and verify it: the per-file step of an export.

Never raises for anything a file holds: a damaged file, a sanitizer bug or a file over its time budget
comes back as an ``Outcome`` with the reason it is withheld. Runs in export threads and worker processes.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from core.formats import Buffer, Handler
from core.model.inventory import Need, ParseError
from core.model.jobs import TooComplex, time_budget
from core.model.policy import Policy
from core.model.preview import Preview
from core.pipeline.inspection import describe_os_error, open_readonly
from core.pipeline.preview import WITHHELD_VIDEO_FACES, plan_file
from core.pipeline.verification import verify_clean

if TYPE_CHECKING:
    from PIL import Image

    from core.imaging.faces import Face

# A face source returns the faces to blur for a photo (boxes in the stored pixel grid).
FaceSource = Callable[[Path, str], "list[Face]"]


@dataclass(slots=True)
class Outcome:
    source: Path
    source_sha256: str
    preview: Preview | None = None
    data: bytes = b""
    sha256: str = ""
    reason: str = ""
    extension: str = ""
    extra: dict[str, object] | None = None  # summary() computed in a worker process
    tmp: str = ""  # set when a worker process already wrote the cleaned bytes to a temporary file
    # Set when the destination refused a write (full disk): the export stops there.
    write_failed: bool = False

    def summary(self) -> dict[str, object]:
        """What the receipt needs from the preview (small and picklable)."""
        if self.extra is not None:
            return self.extra
        p = self.preview
        assert p is not None
        return {
            "categories": p.leaving_categories(),
            "items": [
                {"category": str(i.category), "name": i.name, "where": i.where}
                for i in p.leaves
                if i.need is not Need.PIXELS
            ],
            "pixels": str(p.pixels),
            "faces_blurred": p.faces_blurred,
        }


def _decode_for_blur(handler: Handler, data: Buffer) -> Image.Image:
    """The pixels in the grid the face boxes use: stored orientation, except HEIC, which libheif
    always hands over upright (its clean writes Orientation 1 to match)."""
    if handler.name == "heic":
        from core.formats.heic import decode_primary

        return decode_primary(data)
    from PIL import Image

    image = Image.open(io.BytesIO(bytes(data)))
    image.load()
    return image


def _default_faces(path: Path, fingerprint: str) -> list[Face]:
    from core.imaging import faces as face_module

    return face_module.detect_path(path)


def process_file(
    path: Path,
    policy: Policy,
    *,
    index: int = 1,
    fingerprint: str | None = None,
    face_source: FaceSource | None = None,
) -> Outcome:
    """Clean and verify one file in memory; its parsing, cleaning and verifying within the file time
    budget (face detection, a neural network in native code, is not the file's complexity)."""
    try:
        return _process(path, policy, index, fingerprint, face_source)
    except OSError as exc:
        return Outcome(path, fingerprint or "", reason=describe_os_error(exc))
    except (ParseError, TooComplex) as exc:
        return Outcome(path, fingerprint or "", reason=str(exc))
    except RecursionError:
        return Outcome(path, fingerprint or "", reason="the file is nested too deeply to check")
    except Exception as exc:  # noqa: BLE001 - fail closed on any sanitizer bug, keep the job going
        return Outcome(path, fingerprint or "", reason=f"internal error while cleaning: {exc!r}")


def _process(
    path: Path, policy: Policy, index: int, fingerprint: str | None, face_source: FaceSource | None
) -> Outcome:
    with open_readonly(path) as (data, st):
        # Always hash what is actually read: the record must state the truth even if the file
        # changed after the library recorded it.
        sha = hashlib.sha256(data).hexdigest()
        outcome = Outcome(path, sha)
        if fingerprint and fingerprint != sha:
            outcome.reason = "the file changed since it was imported; rescan the library first"
            return outcome
        faces: list[Face] = []
        if policy.blurs_faces:
            from core.formats.mp4 import sniff_brands as is_video
            from core.imaging import faces as face_module

            if is_video(bytes(data[:64])):  # before face detection tries to read it as a picture
                outcome.reason = WITHHELD_VIDEO_FACES
                return outcome

            status = face_module.detector_status()
            if status:
                outcome.reason = status
                return outcome
            try:
                faces = list((face_source or _default_faces)(path, sha))
            except face_module.FaceDetectionUnavailable as exc:
                outcome.reason = str(exc)
                return outcome
        with time_budget():
            return _clean(outcome, path, data, st, policy, index, faces)


def _clean(
    outcome: Outcome,
    path: Path,
    data: Buffer,
    st: os.stat_result,
    policy: Policy,
    index: int,
    faces: list[Face],
) -> Outcome:
    plan = plan_file(path, data, st, policy, index=index, faces=faces)
    outcome.preview = plan.preview
    if not plan.ok or plan.handler is None or plan.parsed is None:
        outcome.reason = plan.inventory.error or plan.preview.error or "unreadable"
        return outcome
    if policy.passthrough:
        outcome.data = bytes(data)
        outcome.extension = PurePath(path.name).suffix
    else:
        pixels = None
        if policy.blurs_faces and faces:
            from core.imaging import faces as face_module

            pixels = face_module.redact(_decode_for_blur(plan.handler, data), faces)
        cleaned = plan.handler.clean(data, plan.parsed, plan.preview.leaving_keys, pixels=pixels)
        reason = verify_clean(policy, plan.preview, data, plan.parsed, cleaned)
        if reason:
            outcome.reason = reason
            return outcome
        outcome.data = cleaned.data
        outcome.extension = cleaned.extension
    outcome.sha256 = hashlib.sha256(outcome.data).hexdigest()
    if policy.passthrough and outcome.sha256 != outcome.source_sha256:
        outcome.reason = "the file changed while it was being read"
    return outcome
