# SPDX-License-Identifier: GPL-3.0-or-later
"""Clean one file in memory under a policy and verify it: the per-file step of an export.

Never raises for anything a file holds: a damaged file, a sanitizer bug or a file over its time budget
comes back as an ``Outcome`` with the reason it is withheld. Runs in export threads and worker processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Protocol

from core.formats import Buffer, Cleaned, Handler
from core.model.inventory import Need, ParseError
from core.model.jobs import TooComplex, time_budget
from core.model.policy import Policy
from core.model.preview import Preview
from core.pipeline.inspection import describe_os_error, open_readonly, open_source
from core.pipeline.preview import WITHHELD_VIDEO_FACES, plan_file
from core.pipeline.staging import ShortSource
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
        from core.formats.heic_clean import decode_primary

        return decode_primary(data)
    from PIL import Image

    image = Image.open(io.BytesIO(bytes(data)))
    image.load()
    return image


def _default_faces(path: Path, fingerprint: str) -> list[Face]:
    from core.imaging import faces as face_module

    return face_module.detect_path(path)


class Stage(Protocol):
    """Where a verified output is written: a temporary file in the destination (core.pipeline.staging)."""

    def write(self, head: bytes, source_fd: int, runs: Sequence[tuple[int, int] | bytes]) -> str:
        """``head`` then the source's ``runs``, as a new temporary file; its path. OSError: the
        destination refused it (a full disk)."""
        ...

    def refused(self, exc: OSError) -> str:
        """The sentence for a destination that refused a write."""
        ...


# Files this large are hashed on a second thread (the source while it is cleaned, the output while it
# is checked; hashlib lets go of the interpreter): on a video, hashing is the longest step.
PARALLEL_HASH_BYTES = 8 << 20


def process_file(
    path: Path,
    policy: Policy,
    *,
    index: int = 1,
    fingerprint: str | None = None,
    face_source: FaceSource | None = None,
    stage: Stage | None = None,
) -> Outcome:
    """Clean and verify one file; its parsing, cleaning and verifying within the file time budget (face
    detection, a neural network in native code, is not the file's complexity).

    With ``stage``, the output is written there and checked as written (``Outcome.tmp``); a video's
    media is then copied by the kernel instead of through memory. Without, it stays in ``Outcome.data``."""
    try:
        return _process(path, policy, index, fingerprint, face_source, stage)
    except OSError as exc:
        return Outcome(path, fingerprint or "", reason=describe_os_error(exc))
    except (ParseError, TooComplex) as exc:
        return Outcome(path, fingerprint or "", reason=str(exc))
    except RecursionError:
        return Outcome(path, fingerprint or "", reason="the file is nested too deeply to check")
    except Exception as exc:  # noqa: BLE001 - fail closed on any sanitizer bug, keep the job going
        return Outcome(path, fingerprint or "", reason=f"internal error while cleaning: {exc!r}")


class _Hash:
    """The SHA-256 of a file's bytes, on a second thread for a large file."""

    def __init__(self, data: Buffer) -> None:
        self.value = ""
        self.thread: threading.Thread | None = None
        if len(data) < PARALLEL_HASH_BYTES:
            self.value = hashlib.sha256(data).hexdigest()
            return
        self.thread = threading.Thread(target=self._run, args=(data,), name="hash", daemon=True)
        self.thread.start()

    def _run(self, data: Buffer) -> None:
        self.value = hashlib.sha256(data).hexdigest()

    def result(self) -> str:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        return self.value


def _process(
    path: Path,
    policy: Policy,
    index: int,
    fingerprint: str | None,
    face_source: FaceSource | None,
    stage: Stage | None,
) -> Outcome:
    with open_source(path) as (data, st, fd):
        # Always hash what is actually read: the record must state the truth even if the file
        # changed after the library recorded it.
        source_hash = _Hash(data)
        try:
            if source_hash.thread is None:
                outcome = Outcome(path, source_hash.value)
                if fingerprint and fingerprint != outcome.source_sha256:
                    outcome.reason = CHANGED_SINCE_IMPORT
                    return outcome
            else:
                outcome = Outcome(path, fingerprint or "")
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
                    faces = list((face_source or _default_faces)(path, source_hash.result()))
                except face_module.FaceDetectionUnavailable as exc:
                    outcome.reason = str(exc)
                    return outcome
            with time_budget():
                _clean(outcome, path, data, st, fd, policy, index, faces, stage)
        finally:
            # The file's own hash, before the outcome leaves: a file changed since import is never
            # exported, whichever step finished first.
            outcome.source_sha256 = source_hash.result()
        if fingerprint and fingerprint != outcome.source_sha256 and not outcome.reason:
            outcome.reason = CHANGED_SINCE_IMPORT
            _discard(outcome)
        if policy.passthrough and outcome.sha256 and outcome.sha256 != outcome.source_sha256:
            outcome.reason = "the file changed while it was being read"
            _discard(outcome)
        return outcome


CHANGED_SINCE_IMPORT = "the file changed since it was imported; rescan the library first"


def _discard(outcome: Outcome) -> None:
    outcome.data = b""
    if outcome.tmp:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(outcome.tmp)
        outcome.tmp = ""


def _clean(
    outcome: Outcome,
    path: Path,
    data: Buffer,
    st: os.stat_result,
    fd: int,
    policy: Policy,
    index: int,
    faces: list[Face],
    stage: Stage | None,
) -> None:
    plan = plan_file(path, data, st, policy, index=index, faces=faces)
    outcome.preview = plan.preview
    if not plan.ok or plan.handler is None or plan.parsed is None:
        outcome.reason = plan.inventory.error or plan.preview.error or "unreadable"
        return
    if policy.passthrough:
        whole_file = ((0, len(data)),)
        cleaned = Cleaned(b"", pixels="unchanged", extension=PurePath(path.name).suffix, runs=whole_file)
    elif policy.blurs_faces and faces:
        from core.imaging import faces as face_module

        pixels = face_module.redact(_decode_for_blur(plan.handler, data), faces)
        cleaned = plan.handler.clean(data, plan.parsed, plan.preview.leaving_keys, pixels=pixels)
    elif stage is not None:
        cleaned = plan.handler.clean_streamed(data, plan.parsed, plan.preview.leaving_keys)
    else:
        cleaned = plan.handler.clean(data, plan.parsed, plan.preview.leaving_keys)
    outcome.extension = cleaned.extension
    if stage is None or not cleaned.runs:
        # Built whole in memory: checked and hashed there, then written as checked.
        output = cleaned.whole(data)
        if not policy.passthrough:
            outcome.reason = verify_clean(policy, plan.preview, data, plan.parsed, cleaned, output)
            if outcome.reason:
                return
        outcome.sha256 = hashlib.sha256(output).hexdigest()
        if stage is None:
            outcome.data = output
            return
    if not _stage(outcome, stage, cleaned, fd) or not cleaned.runs:
        return
    # Part of the output never passed through memory (a video's media, copied by the kernel): what is
    # checked and hashed is what landed in the destination, read back from it.
    try:
        with open_readonly(Path(outcome.tmp)) as (written, _):
            output_hash = _Hash(written)
            try:
                if not policy.passthrough:
                    outcome.reason = verify_clean(policy, plan.preview, data, plan.parsed, cleaned, written)
            finally:
                digest = output_hash.result()  # the thread reads the mapping: done before it closes
            if not outcome.reason:
                outcome.sha256 = digest
    finally:
        if outcome.reason:
            _discard(outcome)


def _stage(outcome: Outcome, stage: Stage, cleaned: Cleaned, fd: int) -> bool:
    """Write the output into the destination's temporary file; False (and the reason) when it failed."""
    try:
        outcome.tmp = stage.write(cleaned.data, fd, cleaned.runs)
    except ShortSource:
        outcome.reason = "the file changed while it was being read"
        outcome.sha256 = ""
        return False
    except OSError as exc:
        outcome.reason = stage.refused(exc)
        outcome.write_failed = True
        outcome.sha256 = ""
        return False
    return True
