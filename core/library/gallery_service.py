# SPDX-License-Identifier: GPL-3.0-or-later
"""The desktop app's gallery: grid views and their rows, album states, counts, pictures and thumbnails to
show, and faces (detection, the user's keep/blur choices, boxes drawn by hand).

Face boxes are kept in the encrypted face store; the database keeps only how many there are per photo
(the grid badge and the "has faces" filter). Thumbnails are cached encrypted (``core.imaging.thumbnails``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.imaging.faces import Face
from core.imaging.facestore import FaceStore
from core.imaging.rendering import Picture, decode_rgb, render_picture
from core.library.context import LibraryContext, LibraryError
from core.library.gallery import AlbumState, GalleryRow
from core.library.offload import detect_faces, embedded_picture
from core.library.paths import thumbnails_dir
from core.library.recipients import Recipients
from core.model.jobs import CancelToken, Job, Progress
from core.pipeline.inspection import describe_os_error, open_readonly

if TYPE_CHECKING:
    from core.imaging.facestore import FaceRecord
    from core.imaging.thumbnails import ThumbnailCache
    from core.library.rows import PhotoRecord
    from core.model.policy import Policy
    from core.pipeline.preview import Preview


@dataclass
class FacesResult:
    analysed: int = 0
    with_faces: int = 0
    failed: int = 0
    changed: list[str] = field(default_factory=list)  # fingerprints whose count was stored
    unavailable: str = ""  # why detection could not run at all
    cancelled: bool = False


class Gallery:
    def __init__(self, ctx: LibraryContext, recipients: Recipients) -> None:
        self.ctx = ctx
        self.recipients = recipients
        self._stores_lock = threading.Lock()
        self._thumbnail_cache: ThumbnailCache | None = None
        self._face_store: FaceStore | None = None

    # -- stores --------------------------------------------------------------------------------------

    @property
    def face_store(self) -> FaceStore:
        """Per-photo faces and the user's face decisions, encrypted at rest (memory only without keyring)."""
        with self._stores_lock:  # workers ask for it at once; two stores would split the memory cache
            if self._face_store is None:
                from core.security.vault import open_vault

                self._face_store = FaceStore(self.ctx.home, open_vault(self.ctx.home, "faces"))
            return self._face_store

    @property
    def thumbnail_cache(self) -> ThumbnailCache:
        with self._stores_lock:
            if self._thumbnail_cache is None:
                from core.imaging.thumbnails import ThumbnailCache
                from core.security.vault import open_vault

                cache_dir = thumbnails_dir(self.ctx.home)
                self._thumbnail_cache = ThumbnailCache(cache_dir, open_vault(self.ctx.home, "cache"))
            return self._thumbnail_cache

    # -- grid queries --------------------------------------------------------------------------------

    def ids(self, recipient: str, album_id: int | None = None, filter_name: str = "all") -> list[int]:
        """File ids of one grid view (an album subtree or everything, one filter), ordered by path.

        Consent is computed in SQL with the same rule as ``explain``. A whole-library query: run it in a
        worker, never on the GUI thread."""
        return self.ctx.gallery.ids(self.recipients.get(recipient).id, album_id, filter_name)

    def rows(self, file_ids: Sequence[int], recipient: str) -> dict[int, GalleryRow]:
        """Row data for a few ids (the visible part of the grid); ids that no longer exist are absent."""
        return self.ctx.gallery.rows(file_ids, self.recipients.get(recipient).id)

    def file_ids_of(self, fingerprints: Sequence[str]) -> list[int]:
        return self.ctx.gallery.file_ids_of(list(fingerprints))

    def shared_count(self, recipient: str) -> tuple[int, int]:
        """(photos the recipient may receive, photos in the library), photos counted once per content."""
        return self.ctx.gallery.shared_count(self.recipients.get(recipient).id)

    def album_states(self, recipient: str) -> list[AlbumState]:
        return self.ctx.gallery.album_states(self.recipients.get(recipient).id)

    def photo_record(self, fingerprint: str) -> PhotoRecord | None:
        """What the import recorded about one photo (format, size, status ...), None if unknown."""
        return self.ctx.photos.get(fingerprint)

    def path_of(self, fingerprint: str) -> Path:
        copies = self.ctx.files.copies(fingerprint)
        if not copies:
            raise LibraryError("the photo is no longer in the library")
        return copies[0].path

    # -- what would leave ------------------------------------------------------------------------------

    def preview_for(self, fingerprint: str, recipient: str) -> Preview:
        """What would leave for this photo and recipient: the same plan as `preview --json` and export,
        with the faces to blur taken from the face store (the user's keep/blur choices and manual boxes)."""
        from core.model.policy import BLUR

        rec = self.recipients.get(recipient)
        policy = self.recipients.usable_policy(rec)
        path = self.path_of(fingerprint)
        faces: list[Face] = []
        reason = ""
        if policy.faces == BLUR and not policy.passthrough:
            faces, reason = self._faces_to_blur(fingerprint, path)
        preview = _plan_preview(path, policy, faces)
        if reason and not preview.error:
            preview.error = reason
        movie = self._live_movie(path)
        if movie is not None:
            preview.movie, preview.movie_name = _plan_preview(movie, policy, []), movie.name
        return preview

    def _live_movie(self, still: Path) -> Path | None:
        """The movie of the Live Photo whose still is at ``still``, if it is one (one indexed lookup: the
        pane asks at every selection)."""
        from core.library.live_photos_repo import LivePhotosRepo

        return LivePhotosRepo(self.ctx.db).movie_of(still)

    def preview_of_file(self, path: Path, recipient: str) -> Preview:
        """The preview of one file by its path, faces aside: for a file that cannot be exported it holds
        the reason and what could be read before the damage (items marked partial)."""
        return _plan_preview(path, self.recipients.usable_policy(self.recipients.get(recipient)), [])

    def _faces_to_blur(self, fingerprint: str, path: Path) -> tuple[list[Face], str]:
        from core.imaging import faces as face_module

        if self.is_video(fingerprint):
            return [], ""  # the plan withholds a video under a policy that blurs faces
        status = self.detector_status()
        if status:
            return [], status
        try:
            self.ensure_faces(fingerprint, path)
        except face_module.FaceDetectionUnavailable as exc:
            return [], str(exc)
        except Exception as exc:  # noqa: BLE001 - a decode failure is shown for this photo only
            return [], f"face detection failed: {exc}"
        return self.face_store.faces_to_blur(fingerprint), ""

    # -- faces -----------------------------------------------------------------------------------------

    def is_video(self, fingerprint: str) -> bool:
        record = self.ctx.photos.get(fingerprint)
        return record is not None and record.format == "mp4"

    def detector_status(self) -> str | None:
        """None when faces can be detected, else why not. Loading the model (onnxruntime and the network)
        holds the GIL for a moment: in a worker process when there are any, so the window does not stall."""
        from core.imaging import faces as face_module

        return self.ctx.offload.call(face_module.detector_status)

    def has_faces_detected(self, fingerprint: str) -> bool:
        """Whether the detector has already looked at this photo."""
        return self.face_store.has_detection(fingerprint)

    def ensure_faces(self, fingerprint: str, path: Path | None = None) -> FaceRecord:
        """The photo's face record, running the detector once if it never looked at this photo."""
        store = self.face_store
        # Faces in videos are not looked for yet: the detector would only fail to read a movie.
        if not store.has_detection(fingerprint) and not self.is_video(fingerprint):
            from core.imaging.faces import detect_path

            # Decoding and the network's post-processing hold the GIL: in a worker process when there are
            # any (the preview pane asks for the selected photo while an import or the face scan runs).
            found = self.ctx.offload.call(detect_path, path or self.path_of(fingerprint))
            self._store_detected(fingerprint, found)
        return store.get(fingerprint)

    def _store_detected(self, fingerprint: str, found: list[Face]) -> None:
        rec = self.face_store.set_detected(fingerprint, found)
        with self.ctx.db.transaction():
            self.ctx.gallery.set_faces(fingerprint, len(rec.detected) + len(rec.manual))

    def _store_count(self, fingerprint: str) -> None:
        rec = self.face_store.get(fingerprint)
        with self.ctx.db.transaction():
            self.ctx.gallery.set_faces(fingerprint, len(rec.detected) + len(rec.manual))

    def set_face_kept(self, fingerprint: str, index: int, kept: bool) -> FaceRecord:
        """Keep detected face ``index`` unblurred (kept=True) or blur it again."""
        return self.face_store.set_kept(fingerprint, index, kept)

    def add_manual_face(self, fingerprint: str, box: tuple[int, int, int, int], picture: Picture) -> Face:
        """Add a face the detector missed; ``box`` (x0, y0, x1, y1) is in ``picture``'s display pixels."""
        x0, y0, x1, y1 = picture.to_stored(box)
        face = self.face_store.add_manual(fingerprint, x0, y0, x1 - x0, y1 - y0)
        self._store_count(fingerprint)
        return face

    def remove_manual_face(self, fingerprint: str, index: int) -> None:
        self.face_store.remove_manual(fingerprint, index)
        self._store_count(fingerprint)

    def faces_job(self, cancel: CancelToken | None = None, batch: int = 16) -> Job[FacesResult]:
        """Look for faces in every photo not analysed yet; store boxes (face store) and counts (database)."""
        from core.imaging import faces as face_module

        cancel = cancel or CancelToken()
        result = FacesResult()
        status = self.detector_status()
        if status:
            result.unavailable = status
            return result
        todo = self.ctx.gallery.without_faces()  # a snapshot: photos that fail are not retried forever
        total = len(todo)
        yield Progress(0, total, "Looking for faces")
        for start in range(0, total, batch):
            if cancel.cancelled:
                result.cancelled = True
                return result
            chunk = todo[start : start + batch]
            by_path = {path: fp for fp, path in chunk}
            try:
                if self.ctx.offload.processes:
                    # In a worker process: decoding and the network's post-processing hold no GIL here.
                    detected: dict[Path, list[Face]] = self.ctx.offload.call(detect_faces, list(by_path))
                else:
                    found = face_module.detect_job(list(by_path), cancel)
                    while True:
                        next(found)
            except StopIteration as stop:
                detected = stop.value
            except face_module.FaceDetectionUnavailable as exc:
                result.unavailable = str(exc)
                return result
            for path, fp in by_path.items():
                if path in detected:
                    self._store_detected(fp, detected[path])
                    result.analysed += 1
                    result.with_faces += bool(detected[path])
                    result.changed.append(fp)
                else:
                    result.failed += 1
            yield Progress(min(start + batch, total), total, "Looking for faces")
        return result

    # -- pixels ----------------------------------------------------------------------------------------

    def picture(
        self, fingerprint: str, recipient: str | None = None, size: int = 1024, *, leaving: bool = False
    ) -> Picture:
        """The photo upright, at most ``size`` pixels on its long side, with its face boxes.

        ``leaving``: the pixels as they would leave for ``recipient`` (faces covered when its policy blurs
        them, the same covering the export applies). Face boxes are mapped into the returned pixels."""
        from core.model.policy import BLUR

        path = self.path_of(fingerprint)
        rec = self.face_store.get(fingerprint)
        blur: list[Face] = []
        if leaving and recipient:
            policy = self.recipients.policy_of(self.recipients.get(recipient))
            if policy.faces == BLUR and not policy.passthrough:
                blur = rec.to_blur()
        return render_picture(path, size, rec, blur)

    def thumbnail(self, fingerprint: str, path: Path, size: int, *, embedded: bool = False) -> Picture | None:
        """A grid thumbnail as RGB pixels: the camera's embedded one (instant) or a real one (cached)."""
        from core.imaging.thumbnails import DEFAULT_SIZE, embedded_thumbnail, make_thumbnail

        if embedded:
            if self.ctx.offload.processes:
                # Reading the EXIF and decoding, for every row that scrolls into view: not in this process.
                return self.ctx.offload.call(embedded_picture, path, size)  # type: ignore[no-any-return]
            data = embedded_thumbnail(path)
        else:
            cache = self.thumbnail_cache
            data = cache.get(fingerprint, DEFAULT_SIZE)
            if data is None:
                try:
                    data = self.ctx.offload.call(make_thumbnail, path, DEFAULT_SIZE)
                except Exception:  # noqa: BLE001 - one photo without a thumbnail; the grid shows its name
                    return None
                cache.put(fingerprint, data, DEFAULT_SIZE)
        return decode_rgb(data, size) if data else None


def _plan_preview(path: Path, policy: Policy, faces: list[Face]) -> Preview:
    from core.pipeline.export import plan_file
    from core.pipeline.preview import Preview

    try:
        with open_readonly(path) as (data, st):
            return plan_file(path, data, st, policy, index=1, faces=faces).preview
    except OSError as exc:
        return Preview.failed(str(path), policy, describe_os_error(exc))
