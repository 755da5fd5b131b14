# SPDX-License-Identifier: GPL-3.0-or-later
"""The library, as one object for the desktop app and the CLI: a thin facade over the role services.

- import and rescan: ``core.library.importer``
- recipients and their policies: ``core.library.recipients``
- consent decisions and their explanation: ``core.library.consent_service``
- sharing (export to a recipient): ``core.library.sharing``
- the gallery (grid queries, pictures, thumbnails, faces): ``core.library.gallery_service``
- the ledger (typed events, signed checkpoint, verification): ``core.library.ledger_service``
Each method here delegates to one of them; ``status`` and the photo listing are the only logic of its own.
It never imports Qt. Long operations are generators of ``Progress`` (see ``core.model.jobs``). Every consent
change, recipient change and export appends a ledger entry in the same transaction as the change itself.

Threads: one ``LibraryService`` may be shared; each thread gets its own SQLite connection (see
``core.library.db``). Writes serialise on SQLite's write lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.imaging.faces import Face
from core.imaging.facestore import FaceStore
from core.imaging.rendering import FaceBox, Picture
from core.library.consent import Decision, Effective
from core.library.consent_service import Consent
from core.library.context import LibraryContext, LibraryError, display
from core.library.db import Database, DatabaseError
from core.library.gallery import AlbumState, GalleryRow
from core.library.gallery_service import FacesResult, Gallery
from core.library.importer import Importer, ImportResult
from core.library.ledger import Entry, Verification
from core.library.paths import db_path, ensure_home, home_dir
from core.library.recipients import Recipients
from core.library.rows import AlbumRow, FileRow, PhotoRecord, RecipientRow
from core.library.sharing import AlreadySent, Sharing
from core.model.jobs import CancelToken, Job
from core.model.policy import Policy

if TYPE_CHECKING:
    from core.imaging.facestore import FaceRecord
    from core.imaging.thumbnails import ThumbnailCache
    from core.pipeline.preview import Preview

# Names the desktop app imports from here.
__all__ = ["FaceBox", "FacesResult", "ImportResult", "LibraryError", "LibraryService", "PhotoInfo", "Picture"]


@dataclass(frozen=True)
class PhotoInfo:
    """What the grid and its filters need for one photo file."""

    file_id: int
    path: Path
    album_id: int
    fingerprint: str
    photo: PhotoRecord


class LibraryService:
    def __init__(self, home: Path, db: Database) -> None:
        self.home = home
        self.db = db
        self.ctx = LibraryContext.over(home, db)
        self.importer = Importer(self.ctx)
        self.recipient_service = Recipients(self.ctx)
        self.consent = Consent(self.ctx, self.recipient_service)
        self.sharing = Sharing(self.ctx, self.recipient_service, self.consent)
        self.gallery_service = Gallery(self.ctx, self.recipient_service)
        self.keyring_persistent = self.ctx.ledger.persistent
        self.keyring_notice = self.ctx.ledger.notice

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> LibraryService:
        """Open (or create) the library in ``home``. ``readonly``: an existing library is opened with
        SQLite's read-only mode (commands that only read). Raises ``DatabaseError`` with one sentence."""
        folder = home_dir(home)
        try:
            path = ensure_home(folder)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the library folder {display(folder)}: {exc.strerror or exc}"
            ) from exc
        return cls(path, Database(db_path(path), readonly=readonly))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LibraryService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import --------------------------------------------------------------------------------------

    def import_job(
        self,
        paths: Sequence[str | os.PathLike[str]],
        cancel: CancelToken | None = None,
        workers: int = 2,
        rescan: bool = False,
    ) -> Job[ImportResult]:
        """Add folders and single photos, or rescan (see ``Importer.import_job``)."""
        return self.importer.import_job(paths, cancel, workers, rescan)

    def roots(self) -> list[Path]:
        """The imported folders."""
        return [r.path for r in self.ctx.roots.all()]

    # -- albums and photos ---------------------------------------------------------------------------

    def albums(self) -> list[AlbumRow]:
        return self.ctx.albums.all()

    def photos(self, album_id: int | None = None) -> list[PhotoInfo]:
        """Live photo files, in one album or the whole library, ordered by path."""
        out = []
        for file_id, path, album, fp in self.ctx.files.photo_files(album_id):
            rec = self.ctx.photos.get(fp)
            if rec is not None:
                out.append(PhotoInfo(file_id, path, album, fp, rec))
        return out

    def photo_record(self, fingerprint: str) -> PhotoRecord | None:
        return self.gallery_service.photo_record(fingerprint)

    def problems(self) -> list[FileRow]:
        return self.ctx.files.with_state(("unsupported", "unreadable"))

    def find_album(self, target: str | os.PathLike[str]) -> AlbumRow:
        return self.consent.find_album(target)

    def fingerprint_of(self, path: str | os.PathLike[str]) -> str:
        return self.consent.fingerprint_of(path)

    # -- recipients ----------------------------------------------------------------------------------

    def recipients(self) -> list[RecipientRow]:
        return self.recipient_service.all()

    def recipient(self, name: str) -> RecipientRow:
        return self.recipient_service.get(name)

    def policy_of(self, recipient: RecipientRow) -> Policy:
        return self.recipient_service.policy_of(recipient)

    def add_recipient(self, name: str, policy: str | os.PathLike[str] = "minimal") -> RecipientRow:
        return self.recipient_service.add(name, policy)

    def rename_recipient(self, old: str, new: str) -> RecipientRow:
        return self.recipient_service.rename(old, new)

    def set_recipient_policy(self, name: str, policy: str | os.PathLike[str]) -> RecipientRow:
        return self.recipient_service.set_policy(name, policy)

    def remove_recipient(self, name: str) -> None:
        self.recipient_service.remove(name)

    # -- consent -------------------------------------------------------------------------------------

    def decide_album(self, album_id: int, recipient: str, decision: Decision) -> bool:
        return self.consent.decide_album(album_id, recipient, decision)

    def decide_photos(self, fingerprints: Iterable[str], recipient: str, decision: Decision) -> int:
        return self.consent.decide_photos(fingerprints, recipient, decision)

    def explain(self, fingerprint: str, recipient: str) -> Effective:
        return self.consent.explain(fingerprint, recipient)

    def explain_album(self, album_id: int, recipient: str) -> Effective:
        return self.consent.explain_album(album_id, recipient)

    def allowed_sources(self, recipient: str) -> list[tuple[Path, str]]:
        return self.consent.allowed_sources(recipient)

    def status(self, recipient: str | None = None) -> dict[str, object]:
        recipients = [self.recipient(recipient)] if recipient else self.recipients()
        files, distinct, problems = self.ctx.files.counts()
        out_recipients = []
        for rec in recipients:
            # The same counts as the window's album tree (a Live Photo counts once).
            counts = self.ctx.gallery.album_states(rec.id)
            out_recipients.append(
                {
                    "name": rec.name,
                    "policy": rec.policy,
                    "allowed": len(self.allowed_sources(rec.name)),
                    "albums": [
                        {
                            "album": c.name,
                            "id": c.album_id,
                            "parent": c.parent_id,
                            "allowed": c.allowed,
                            "total": c.direct,
                        }
                        for c in counts
                    ],
                }
            )
        return {
            "home": str(self.home),
            "keyring": {"persistent": self.keyring_persistent, "notice": self.keyring_notice},
            "roots": [display(p) for p in self.roots()],
            "photos": {"files": files, "distinct": distinct},
            "problems": problems,
            "recipients": out_recipients,
        }

    # -- sharing -------------------------------------------------------------------------------------

    def export_job(
        self,
        recipient: str,
        out: Path,
        *,
        zip_output: bool = False,
        only_new: bool = False,
        cancel: CancelToken | None = None,
    ) -> Job[object]:
        """Export exactly the photos the recipient may receive, with its policy; log it in the ledger.
        ``only_new``: leave out what the ledger says the recipient already received."""
        return self.sharing.export_job(
            recipient, out, self.face_store, zip_output=zip_output, only_new=only_new, cancel=cancel
        )

    def last_destination(self, recipient: str) -> str:
        """The folder the recipient's last export went to, from the ledger ('' when none)."""
        return self.sharing.last_destination(recipient)

    def sent_to(self, recipient: str) -> dict[str, str]:
        """Fingerprint -> when it last left for the recipient (from the ledger)."""
        return self.sharing.sent_to(recipient)

    def already_sent(self, recipient: str) -> AlreadySent:
        """How many of the photos the recipient may receive now it already received, and when last."""
        return self.sharing.already_sent(recipient)

    # -- ledger --------------------------------------------------------------------------------------

    def ledger_entries(self) -> list[Entry]:
        return list(self.ctx.ledger.entries())

    def verify_ledger(self) -> Verification:
        return self.ctx.ledger.verify()

    # -- the desktop app: gallery, pictures, faces ---------------------------------------------------

    @property
    def face_store(self) -> FaceStore:
        return self.gallery_service.face_store

    @property
    def thumbnail_cache(self) -> ThumbnailCache:
        return self.gallery_service.thumbnail_cache

    def gallery(self, recipient: str, album_id: int | None = None, filter_name: str = "all") -> list[int]:
        return self.gallery_service.ids(recipient, album_id, filter_name)

    def gallery_rows(self, file_ids: Sequence[int], recipient: str) -> dict[int, GalleryRow]:
        return self.gallery_service.rows(file_ids, recipient)

    def file_ids_of(self, fingerprints: Sequence[str]) -> list[int]:
        return self.gallery_service.file_ids_of(fingerprints)

    def shared_count(self, recipient: str) -> tuple[int, int]:
        return self.gallery_service.shared_count(recipient)

    def live_pairs(self) -> dict[Path, tuple[Path, str]]:
        """Still path -> (movie path, movie fingerprint) of every present Live Photo."""
        from core.library.live_photos import pairs

        return pairs(self.ctx)

    def album_states(self, recipient: str) -> list[AlbumState]:
        return self.gallery_service.album_states(recipient)

    def path_of(self, fingerprint: str) -> Path:
        return self.gallery_service.path_of(fingerprint)

    def preview_for(self, fingerprint: str, recipient: str) -> Preview:
        return self.gallery_service.preview_for(fingerprint, recipient)

    def preview_of_file(self, path: Path, recipient: str) -> Preview:
        return self.gallery_service.preview_of_file(path, recipient)

    def detector_status(self) -> str | None:
        return self.gallery_service.detector_status()

    def has_faces_detected(self, fingerprint: str) -> bool:
        return self.gallery_service.has_faces_detected(fingerprint)

    def ensure_faces(self, fingerprint: str, path: Path | None = None) -> FaceRecord:
        return self.gallery_service.ensure_faces(fingerprint, path)

    def set_face_kept(self, fingerprint: str, index: int, kept: bool) -> FaceRecord:
        return self.gallery_service.set_face_kept(fingerprint, index, kept)

    def add_manual_face(self, fingerprint: str, box: tuple[int, int, int, int], picture: Picture) -> Face:
        return self.gallery_service.add_manual_face(fingerprint, box, picture)

    def remove_manual_face(self, fingerprint: str, index: int) -> None:
        self.gallery_service.remove_manual_face(fingerprint, index)

    def faces_job(self, cancel: CancelToken | None = None, batch: int = 16) -> Job[FacesResult]:
        return self.gallery_service.faces_job(cancel, batch)

    def picture(
        self, fingerprint: str, recipient: str | None = None, size: int = 1024, *, leaving: bool = False
    ) -> Picture:
        return self.gallery_service.picture(fingerprint, recipient, size, leaving=leaving)

    def thumbnail(self, fingerprint: str, path: Path, size: int, *, embedded: bool = False) -> Picture | None:
        return self.gallery_service.thumbnail(fingerprint, path, size, embedded=embedded)
