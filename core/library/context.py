# SPDX-License-Identifier: GPL-3.0-or-later
"""What the library's role services share: the home folder, the database, its repositories and the ledger.

``LibraryContext`` is built once per open library (``core.library.service.LibraryService.open``) and handed
to each role service (import, recipients, consent, sharing, gallery); none of them holds state of its own
beyond caches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.library.consent_repos import DecisionsRepo, RecipientsRepo
from core.library.db import Database, fs_bytes, readable
from core.library.gallery import GalleryRepo
from core.library.ledger_repo import LedgerRepo
from core.library.ledger_service import LedgerService
from core.library.offload import Offload
from core.library.repositories import AlbumsRepo, FilesRepo, PhotosRepo, RootsRepo


class LibraryError(Exception):
    """A request the library cannot carry out (unknown recipient, album not in the library ...)."""


def display(path: str | os.PathLike[str]) -> str:
    """A path as readable text (bytes that are not UTF-8 replaced), as the ledger and messages hold it."""
    return readable(fs_bytes(path))


@dataclass(frozen=True)
class LibraryContext:
    home: Path
    db: Database
    roots: RootsRepo
    albums: AlbumsRepo
    files: FilesRepo
    photos: PhotosRepo
    recipients: RecipientsRepo
    decisions: DecisionsRepo
    gallery: GalleryRepo
    ledger: LedgerService
    # Where CPU-heavy per-file work runs: this thread by default, worker processes in the desktop app.
    offload: Offload = field(default_factory=Offload)

    @classmethod
    def over(cls, home: Path, db: Database) -> LibraryContext:
        decisions = DecisionsRepo(db)
        return cls(
            home=home,
            db=db,
            roots=RootsRepo(db),
            albums=AlbumsRepo(db),
            files=FilesRepo(db),
            photos=PhotosRepo(db),
            recipients=RecipientsRepo(db),
            decisions=decisions,
            gallery=GalleryRepo(db),
            ledger=LedgerService(db, LedgerRepo(db), decisions),
        )
